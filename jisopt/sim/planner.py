"""Weekly due-date planning from the virtual order bank (docs/model.md §2, *Planning*)."""

from __future__ import annotations

import numpy as np

__all__ = ["free_planning_slots", "plan_period"]


def free_planning_slots(sequence: np.ndarray, period_start: int, period_end: int,
                        slack_every: int | None) -> np.ndarray:
    """Slots of ``[period_start, period_end)`` the planner may fill.

    A slot is free when no order holds it (orders that displacement chains pushed
    into the period keep their slots). With planning with slack (``slack_every = g``),
    slot ``k`` is left empty whenever ``(k + 1) % g == 0``.
    """
    free = period_start + np.flatnonzero(sequence[period_start:period_end] < 0)
    if slack_every:
        free = free[(free + 1) % slack_every != 0]
    return free


def plan_period(
    sequence: np.ndarray,
    slot: np.ndarray,
    vob: np.ndarray,
    due_h: np.ndarray,
    period_start: int,
    period_end: int,
    slack_every: int | None = None,
) -> np.ndarray:
    """Fill the free slots of a period with the earliest-due orders of the VOB.

    The virtual order bank is sorted by due date (ties: arrival, then id; ids are
    assigned in arrival order, so the id breaks both ties) and assigned to the free
    slots from the period's start. Orders that do not fit stay in the VOB; a short
    VOB leaves the period's last slots empty.

    Parameters
    ----------
    sequence
        Slot -> order id (``-1``: empty); updated in place.
    slot
        Order id -> slot (``-1``: unscheduled); updated in place.
    vob
        Ids of the arrived, unscheduled orders.
    due_h
        Due date per order id.
    period_start, period_end
        The period's slots ``[period_start, period_end)``.
    slack_every
        ``g`` of planning with slack, or ``None``.

    Returns
    -------
    numpy.ndarray
        The ids planned, in slot order.
    """
    free = free_planning_slots(sequence, period_start, period_end, slack_every)
    ranked = vob[np.lexsort((vob, due_h[vob]))]
    k = min(free.size, ranked.size)
    chosen = ranked[:k]
    sequence[free[:k]] = chosen
    slot[chosen] = free[:k]
    return chosen
