"""Permutable subsequences and the step/leap slots of disrupted orders (docs/model.md §2–3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jisopt.instance import Instance
from jisopt.slots import (
    first_slot_from,
    first_slot_scalar,
    is_later,
    last_slot_until,
    last_slot_until_scalar,
)

__all__ = [
    "TPS",
    "DisruptionBounds",
    "call_off_boundaries",
    "disruption_bounds",
    "order_subsequence",
    "slot_end",
    "window_start",
]

TPS = 0
"""Subsequence index of the totally permutable subsequence (no component started)."""


def call_off_boundaries(instance: Instance) -> np.ndarray:
    """Last slot per supplier whose component has been called off by ``now``.

    Supplier ``m`` starts the component of slot ``s`` at ``s * takt - L_m``, so at
    time ``now`` every slot ``s <= floor((now + L_m) / takt)`` has started at
    ``m`` (for orders that have not been postponed since). These are the PPS
    boundaries, one per lead time; the TPS lies beyond the largest.

    Returns
    -------
    numpy.ndarray
        ``(M,)`` int slots.
    """
    return last_slot_until(instance.now_h + instance.lead_time_h, instance.takt_h).astype(np.int64)


def order_subsequence(instance: Instance) -> np.ndarray:
    """Number of started components per order.

    ``0`` is the TPS (totally permutable); ``1 .. M-1`` the partially permutable
    subsequences (PPS); ``M`` means every component has started.
    """
    return instance.started.sum(axis=1)


@dataclass(frozen=True)
class DisruptionBounds:
    """Reinsertion bounds of the disrupted orders of an instance.

    Attributes
    ----------
    rows
        Row indices of the disrupted orders (ascending).
    current_slot
        Their slots ``c``.
    ready_h
        ``R``: the latest known ready time over each order's started components.
    lead_time_h
        The lead time of the affected supplier (the longest, if several; a
        component whose part a swap has replaced by a ready one no longer counts).
    step, leap
        ``step = max(c + 1, ceil(R / takt))``;
        ``leap = max(step, floor((now + L_m) / takt))``.
    """

    rows: np.ndarray
    current_slot: np.ndarray
    ready_h: np.ndarray
    lead_time_h: np.ndarray
    step: np.ndarray
    leap: np.ndarray


def disruption_bounds(instance: Instance, ready_h: np.ndarray | None = None) -> DisruptionBounds:
    """Step and leap slots of every disrupted order (docs/model.md §3).

    Parameters
    ----------
    instance
        The snapshot.
    ready_h
        Optional ``(n, M)`` ready times to use instead of the instance's (after
        component swaps).
    """
    cache_key = "bounds" if ready_h is None else None
    if cache_key and cache_key in instance._cache:
        return instance._cache[cache_key]
    rows = instance.disrupted_rows
    ready = instance.ready_of(rows) if ready_h is None else ready_h[rows]  # disrupted rows only
    bounds = _one_disruption_bounds(instance, rows, ready) if rows.shape[0] == 1 else None
    if bounds is not None:
        if cache_key:
            instance._cache[cache_key] = bounds
        return bounds
    pos = np.searchsorted(rows, instance.disrupted_order)
    lead = instance.lead_time_h[instance.disrupted_supplier]
    # The affected suppliers are those whose part is still late (a swap may have
    # resolved some); an order with none left keeps all of them.
    still_late = is_later(
        ready[pos, instance.disrupted_supplier],
        instance.slot[instance.disrupted_order] * instance.takt_h,
    )
    all_lt = np.zeros(rows.shape[0])
    late_lt = np.zeros(rows.shape[0])
    if rows.shape[0] == pos.shape[0]:  # one disrupted part per order (lead times are > 0)
        all_lt[pos] = lead
        late_lt[pos] = np.where(still_late, lead, 0.0)
    else:
        np.maximum.at(all_lt, pos, lead)
        np.maximum.at(late_lt, pos, np.where(still_late, lead, 0.0))
    affected_lt = np.where(late_lt > 0, late_lt, all_lt)
    started = instance.started_of(rows)
    R = np.where(started, ready, -np.inf).max(axis=1, initial=-np.inf)
    c = instance.slot[rows]
    takt = instance.takt_h
    step = np.maximum(c + 1, first_slot_from(R, takt)).astype(np.int64)
    leap = np.maximum(step, last_slot_until(instance.now_h + affected_lt, takt)).astype(np.int64)
    bounds = DisruptionBounds(rows, c, R, affected_lt, step, leap)
    if cache_key:
        instance._cache[cache_key] = bounds
    return bounds


def _one_disruption_bounds(instance: Instance, rows: np.ndarray, ready: np.ndarray
                           ) -> DisruptionBounds | None:
    """:func:`disruption_bounds` of one disrupted order with one disrupted part, in scalar
    arithmetic (the same operations on the same floats); ``None`` if that is not the case
    or its latest ready time is not a finite number."""
    if instance.disrupted_order.shape[0] != 1:
        return None
    m = int(instance.disrupted_supplier[0])
    takt = instance.takt_h
    started = instance.started_of(rows)[0].tolist()
    values = ready[0].tolist()
    R = -math.inf
    for flag, value in zip(started, values, strict=True):
        if flag:
            if not math.isfinite(value):  # nan or inf: the general path
                return None
            if value > R:
                R = value
    # One part, so the affected lead time is L_m whether or not it is still late.
    lead = float(instance.lead_time_h[m])
    c = instance.slot[rows]
    c0 = int(c[0])
    step = c0 + 1 if math.isinf(R) else max(c0 + 1, first_slot_scalar(R, takt))
    leap = max(step, last_slot_until_scalar(instance.now_h + lead, takt))
    return DisruptionBounds(rows, c, np.array([R]), np.array([lead]),
                            np.array([step], dtype=np.int64), np.array([leap], dtype=np.int64))


def slot_end(instance: Instance) -> int:
    """First slot after the reinsertion area.

    The area runs to the end of the sequence horizon (or past the latest leap
    slot, if a leap lies beyond it) plus one spare slot per disrupted order, so
    every chain of displacements has room to end (docs/model.md §5).
    """
    if "slot_end" not in instance._cache:
        end = instance.horizon_end
        if instance.n_disrupted:
            end = max(end, int(disruption_bounds(instance).leap.max()) + 1)
        instance._cache["slot_end"] = end + instance.n_disrupted
    return instance._cache["slot_end"]


def window_start(instance: Instance) -> int:
    """First slot of the reinsertion window ``[window_start, slot_end)``: the slot of the
    first disrupted order (:func:`slot_end` if there is none). Orders before it keep their
    slots, and no order moves before it."""
    if instance.n_disrupted:
        return int(instance.slot[instance.disrupted_rows].min())
    return slot_end(instance)
