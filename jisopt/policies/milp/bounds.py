"""The slot interval of every window order: one function per constraint family that bounds a slot.

Every constraint of the exact model (docs/model.md §5) except "one slot per order, one
order per slot" and the ratio rules bounds an order's slot from below or above.
Each family below returns ``(lower, upper)`` over the window orders (``None``:
no bound on that side); :func:`slot_intervals` intersects them and records which
family binds, for the messages of an infeasible model.

:func:`exchange_lower_bounds` then cuts the intervals of orders with nothing started to the
candidate slots some optimal plan uses (the exact candidate reduction, docs/milp.md).
"""

from __future__ import annotations

import numpy as np

from jisopt.evaluate import unresolved_disrupted
from jisopt.instance import Instance
from jisopt.subsequences import DisruptionBounds, disruption_bounds

__all__ = ["BOUND_FAMILIES", "KNOWN_WEIGHTS", "exchange_lower_bounds", "exchangeable_groups",
           "reduction_applies", "slot_intervals"]

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


KNOWN_WEIGHTS: frozenset[str] = frozenset(
    {"delay", "reschedules", "displacement", "stock", "idle", "ratio"}
)
"""Weights whose terms' structure the candidate reduction relies on (docs/milp.md,
"Candidate reduction"); any other non-zero weight switches the reduction off."""


def reduction_applies(weights: object) -> bool:
    """Whether the candidate reduction is exact for ``weights``: every weight it does not
    know (a term added later, e.g. a user term) is zero or absent."""
    from dataclasses import fields, is_dataclass

    if not is_dataclass(weights):
        return False
    return all(f.name in KNOWN_WEIGHTS or not getattr(weights, f.name) for f in fields(weights))


def exchangeable_groups(inst: Instance, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                        delay_weighted: bool) -> tuple[np.ndarray, np.ndarray]:
    """Window orders that may exchange slots without raising the objective, and their group.

    An order is *exchangeable* when it has no started component (``reschedules`` and
    ``stock_component_h`` are zero at every slot), its slot is not frozen by the line
    (``lower < upper`` or it is free), and, if the delay weight is not zero, it is on
    time at its latest slot (so ``total_delay_h`` is zero over its whole interval). Its
    group is the lower bound of its interval and its option vector over the ratio rules'
    options: within a group, orders share ``lower``, count alike in every ratio window,
    and their cost differs only through ``displacement_h``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(positions, group)``: positions in ``rows`` of the exchangeable orders and an
        integer group label per position.
    """
    from jisopt.objective import pair_terms

    ok = ~inst.has_started_of(rows) & (lower <= upper)
    if delay_weighted:
        late = pair_terms(inst, rows, np.maximum(upper, lower), terms=("total_delay_h",))
        ok &= late["total_delay_h"] == 0.0
    positions = np.flatnonzero(ok)
    key = lower[positions].astype(np.int64)
    options = sorted({rule.option for rule in inst.ratio_rules})
    if options and inst.options is not None:
        pattern = np.zeros(positions.shape[0], dtype=np.int64)
        for bit, option in enumerate(options):
            pattern |= inst.options[rows[positions], option].astype(np.int64) << bit
        key = np.stack([key, pattern], axis=1)
        _, group = np.unique(key, axis=0, return_inverse=True)
    else:
        _, group = np.unique(key, return_inverse=True)
    return positions, np.asarray(group, dtype=np.int64).reshape(-1)


def exchange_lower_bounds(inst: Instance, rows: np.ndarray, lower: np.ndarray,
                          upper: np.ndarray, delay_weighted: bool) -> np.ndarray:
    """Candidate lower bounds that keep an optimal plan (docs/milp.md, "Candidate reduction").

    Within a group of :func:`exchangeable_groups` sorted by old slot, the ``i``-th order
    (``i = 0, 1, …``) gets the lower bound ``max(lower, group lower + i)``: some optimal
    plan gives the group's orders their slots in the order of their old slots, and then
    ``i`` orders of the group lie in distinct slots before the ``i``-th one. A group whose
    upper bounds do not grow with the old slot is left as it is (the exchange could break
    them).

    Parameters
    ----------
    inst
        The snapshot (with the ready times after swaps, if any).
    rows
        ``(n_window,)`` instance rows of the window orders.
    lower, upper
        ``(n_window,)`` their slot intervals (:func:`slot_intervals`).
    delay_weighted
        The delay weight is not zero.

    Returns
    -------
    numpy.ndarray
        ``(n_window,)`` lower bounds of the candidate slots (``>= lower``).
    """
    out = lower.copy()
    positions, group = exchangeable_groups(inst, rows, lower, upper, delay_weighted)
    if not positions.size:
        return out
    old = inst.slot[rows[positions]]
    order = np.lexsort((old, group))  # by group, then by old slot
    pos, grp = positions[order], group[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    sizes = np.diff(np.r_[starts, grp.shape[0]])
    rank = np.arange(grp.shape[0]) - np.repeat(starts, sizes)
    # The exchange keeps every upper bound only if they grow with the old slot in the group.
    bad_step = (np.diff(upper[pos]) < 0) & (grp[1:] == grp[:-1])
    bad_group = np.zeros(starts.shape[0], dtype=bool)
    bad_group[np.searchsorted(starts, np.flatnonzero(bad_step) + 1, side="right") - 1] = True
    keep = ~bad_group[np.repeat(np.arange(starts.shape[0]), sizes)]
    out[pos[keep]] = np.maximum(lower[pos[keep]], lower[pos[keep]] + rank[keep])
    return out
