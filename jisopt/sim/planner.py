"""Weekly due-date planning from the virtual order bank (docs/model.md §2, *Planning*).

With hard ``H:N`` ratio rules the period is built by a greedy car-sequencing heuristic
(docs/simulation.md, *Planning with ratio rules*): slot by slot, the earliest-due
waiting order whose options keep every hard rule in every window containing the slot.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jisopt.instance import RatioRule
from jisopt.objective import window_counts

__all__ = ["DEFAULT_SCAN_LIMIT", "free_planning_slots", "plan_period"]

DEFAULT_SCAN_LIMIT = 200
"""With ratio rules, a slot is offered at most the first this many waiting orders in
due-date order (``None``: all); it bounds the planner's cost to O(slots x limit x rules)."""


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
    *,
    options: np.ndarray | None = None,
    rules: Sequence[RatioRule] = (),
    scan_limit: int | None = DEFAULT_SCAN_LIMIT,
) -> np.ndarray:
    """Fill the free slots of a period with the earliest-due orders of the VOB.

    The virtual order bank is sorted by due date (ties: arrival, then id; ids are
    assigned in arrival order, so the id breaks both ties) and assigned to the free
    slots from the period's start. Orders that do not fit stay in the VOB; a short
    VOB leaves the period's last slots empty.

    With hard ratio rules (``options`` and at least one rule with ``hard``), the free
    slots are filled in order and each takes the first of the waiting orders, in
    due-date order and among the first ``scan_limit`` of them, whose options keep every
    hard rule in every window of ``N`` slots containing the slot, counting the orders
    that already hold slots (the previous periods, orders chains pushed into or past
    the period) and those placed before it; a slot stays empty only when none of them
    fits. Soft rules do not steer the planner. Without hard rules the result is the
    plain due-date order above (the same code).

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
    options
        ``(n_orders, O)`` bool options per order id, or ``None``.
    rules
        Ratio rules; ``RatioRule.option`` is a column of ``options``.
    scan_limit
        With hard rules: how many waiting orders a slot is offered at most (``None``:
        all).

    Returns
    -------
    numpy.ndarray
        The ids planned, in slot order.
    """
    free = free_planning_slots(sequence, period_start, period_end, slack_every)
    ranked = vob[np.lexsort((vob, due_h[vob]))]
    hard = [rule for rule in rules if rule.hard]
    if options is not None and hard:
        return _plan_with_rules(sequence, slot, ranked, free, options, hard, period_start,
                                period_end, scan_limit)
    k = min(free.size, ranked.size)
    chosen = ranked[:k]
    sequence[free[:k]] = chosen
    slot[chosen] = free[:k]
    return chosen


def _plan_with_rules(
    sequence: np.ndarray,
    slot: np.ndarray,
    ranked: np.ndarray,
    free: np.ndarray,
    options: np.ndarray,
    rules: list[RatioRule],
    period_start: int,
    period_end: int,
    scan_limit: int | None,
) -> np.ndarray:
    """The greedy of :func:`plan_period` under hard rules.

    Per rule, the option counts of every window that contains a slot of the period are
    kept in an array (window start ``a`` at index ``a - lo``); a bit mask per slot says
    which rules are *blocked* there (some window containing the slot already holds
    ``H``). An order fits a slot when its rule mask (bit ``r`` set if it carries rule
    ``r``'s option) and the slot's blocked mask share no bit. Placing an order adds one
    to the windows containing its slot and blocks the slots of the windows that reach
    ``H``. Windows starting before slot 0 hold fewer slots than the window starting at
    0 and are implied by it; slots past the end of ``sequence`` are empty.
    """
    n_max = max(rule.window for rule in rules)
    lo = max(period_start - n_max + 1, 0)
    hi = period_end + n_max - 1  # window starts < period_end, so slots < hi
    occupant = np.full(hi - lo, -1, dtype=np.int64)
    stop = min(hi, sequence.shape[0])
    occupant[:stop - lo] = sequence[lo:stop]
    held = occupant >= 0
    blocked = np.zeros(hi - lo, dtype=np.int64 if len(rules) < 63 else object)
    counts: list[np.ndarray] = []
    bits = [1 << r for r in range(len(rules))]
    for rule, bit in zip(rules, bits, strict=True):
        carried = np.zeros(hi - lo, dtype=np.int64)
        carried[held] = options[occupant[held], rule.option]
        wc = window_counts(carried, rule.window)
        counts.append(wc)
        full = np.flatnonzero(wc >= rule.max_count)
        if full.size:
            cover = np.zeros(hi - lo + 1, dtype=np.int64)
            np.add.at(cover, full, 1)
            np.add.at(cover, full + rule.window, -1)
            blocked[np.cumsum(cover[:-1]) > 0] |= bit
    mask_of = np.zeros(ranked.size, dtype=blocked.dtype)
    for rule, bit in zip(rules, bits, strict=True):
        mask_of[options[ranked, rule.option]] |= bit
    masks = mask_of.tolist()
    ids = ranked.tolist()
    limit = len(ids) if scan_limit is None else max(int(scan_limit), 1)
    pool, pool_masks = ids[:limit], masks[:limit]
    nxt = len(pool)
    chosen: list[int] = []
    chosen_slots: list[int] = []
    windows = [(rule.window, rule.max_count) for rule in rules]
    for s in free.tolist():
        if not pool:
            break
        rel = s - lo
        f = int(blocked[rel])
        i = 0
        if f:
            for i, m in enumerate(pool_masks):  # noqa: B007 - i is the order picked
                if not m & f:
                    break
            else:
                continue  # nothing waiting fits: a gap
        order, m = pool.pop(i), pool_masks.pop(i)
        if nxt < len(ids):
            pool.append(ids[nxt])
            pool_masks.append(masks[nxt])
            nxt += 1
        chosen.append(order)
        chosen_slots.append(s)
        if not m:
            continue
        for r, bit in enumerate(bits):
            if not m & bit:
                continue
            window, h = windows[r]
            a0 = max(rel - window + 1, 0)
            touched = counts[r][a0:rel + 1]
            touched += 1
            full = np.flatnonzero(touched >= h)
            if full.size:
                blocked[a0 + int(full[0]):a0 + int(full[-1]) + window] |= bit
    out = np.array(chosen, dtype=np.int64)
    at = np.array(chosen_slots, dtype=np.int64)
    sequence[at] = out
    slot[out] = at
    return out
