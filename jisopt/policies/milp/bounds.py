"""The slot interval of every window order: one function per constraint family that bounds a slot.

Every constraint of the exact model (docs/model.md §5) except "one slot per order, one
order per slot" and the ratio rules bounds an order's slot from below or above.
Each family below returns ``(lower, upper)`` over the window orders (``None``:
no bound on that side); :func:`slot_intervals` intersects them and records which
family binds, for the messages of an infeasible model.
"""

from __future__ import annotations

import numpy as np

from jisopt.evaluate import unresolved_disrupted
from jisopt.instance import Instance
from jisopt.subsequences import DisruptionBounds, disruption_bounds

__all__ = ["BOUND_FAMILIES", "slot_intervals"]

BOUND_FAMILIES: tuple[str, ...] = (
    "window",
    "ready_call_off",
    "no_earlier",
    "line_freeze",
    "disruption_bounds",
    "max_later",
)
"""Constraint families that bound an order's slot, in the order they are applied."""

_NO_LOWER = np.iinfo(np.int64).min
_NO_UPPER = np.iinfo(np.int64).max

Bounds = tuple[np.ndarray | None, np.ndarray | None]
"""``(lower, upper)`` slot bounds over the window orders; ``None``: no bound on that side."""


def _window_bounds(inst: Instance, rows: np.ndarray, window_start: int, end: int) -> Bounds:
    """Every window order takes a slot of the window ``[window_start, end)``."""
    n = rows.shape[0]
    return np.full(n, window_start, dtype=np.int64), np.full(n, end - 1, dtype=np.int64)


def _ready_call_off_bounds(inst: Instance, rows: np.ndarray) -> Bounds:
    """The slot starts no earlier than every started part's ready time and leaves
    every unstarted part time to be called off (:meth:`Instance.earliest_slot`)."""
    return inst.earliest_slot()[rows], None


def _no_earlier_bounds(inst: Instance, rows: np.ndarray) -> Bounds:
    """An order with a started component never moves earlier."""
    return np.where(inst.has_started[rows], inst.slot[rows], _NO_LOWER), None


def _line_freeze_bounds(inst: Instance, rows: np.ndarray) -> Bounds:
    """An order whose slot starts within the line freeze keeps its slot."""
    old = inst.slot[rows]
    frozen = inst.frozen_by_line()[rows]
    return np.where(frozen, old, _NO_LOWER), np.where(frozen, old, _NO_UPPER)


def _disruption_bounds(inst: Instance, rows: np.ndarray, bounds: DisruptionBounds, still: np.ndarray,
                       enforce: bool) -> Bounds:
    """Each (still) disrupted order lands within its own [step, leap]."""
    if not enforce:
        return None, None
    step = np.full(inst.n_orders, _NO_LOWER, dtype=np.int64)
    leap = np.full(inst.n_orders, _NO_UPPER, dtype=np.int64)
    step[bounds.rows[still]] = bounds.step[still]
    leap[bounds.rows[still]] = bounds.leap[still]
    return step[rows], leap[rows]


def _max_later_bounds(inst: Instance, rows: np.ndarray, bounded: np.ndarray, K: int) -> Bounds:
    """Every order that is not a (still) disrupted order moves at most ``K`` slots later."""
    return None, np.where(bounded[rows], _NO_UPPER, inst.slot[rows] + K)


def slot_intervals(inst: Instance, rows: np.ndarray, window_start: int, end: int, K: int,
                   enforce: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intersect every slot-bound family; remember which family binds.

    Parameters
    ----------
    inst
        The snapshot (with the ready times after swaps, if any).
    rows
        ``(n_window,)`` instance rows of the window orders.
    window_start, end
        The reinsertion window ``[window_start, end)``.
    K
        How far an order that is not a still-disrupted one may move later.
    enforce
        Keep each still-disrupted order within its own [step, leap].

    Returns
    -------
    tuple of numpy.ndarray
        ``lower, upper`` (inclusive) and ``lower_family, upper_family`` (index into
        :data:`BOUND_FAMILIES` of the first family that sets each bound).
    """
    bounds = disruption_bounds(inst)
    still = unresolved_disrupted(inst, inst.ready_h)
    bounded = np.zeros(inst.n_orders, dtype=bool)
    bounded[bounds.rows[still]] = True
    families = (
        _window_bounds(inst, rows, window_start, end),
        _ready_call_off_bounds(inst, rows),
        _no_earlier_bounds(inst, rows),
        _line_freeze_bounds(inst, rows),
        _disruption_bounds(inst, rows, bounds, still, enforce),
        _max_later_bounds(inst, rows, bounded, K),
    )
    n = rows.shape[0]
    lower = np.full(n, _NO_LOWER, dtype=np.int64)
    upper = np.full(n, _NO_UPPER, dtype=np.int64)
    lower_family = np.zeros(n, dtype=np.int64)
    upper_family = np.zeros(n, dtype=np.int64)
    for f, (lo, hi) in enumerate(families):
        if lo is not None:
            tighter = lo > lower
            lower = np.where(tighter, lo, lower)
            lower_family = np.where(tighter, f, lower_family)
        if hi is not None:
            tighter = hi < upper
            upper = np.where(tighter, hi, upper)
            upper_family = np.where(tighter, f, upper_family)
    return lower, upper, lower_family, upper_family
