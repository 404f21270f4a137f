"""An independent, deliberately simple reference of docs/model.md §3 (the test oracle).

Plain Python lists and dicts and exact rational arithmetic (:class:`fractions.Fraction`),
no numpy and nothing from :mod:`jisopt.policies`: the step/leap formulas, the
target of every rule, the component swap and the chain rule with gap filling.
Only the :class:`jisopt.instance.Instance` container is read.

The chain rule for several disrupted orders at one instant: remove them all
(each leaves a gap), then reinsert them in ascending ``(target, leap, leap - step, order id)``.
An occupied slot pushes its occupant one slot later, which pushes the next, until
the chain reaches an empty slot, which it fills. An order reinserted in the same
instance is never displaced by a later one: if its target holds one, the later one
takes the nearest slot of its own [step, leap] that does not (later slots first;
past the leap only if every slot of the interval is taken), and a chain passes
over such orders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from jisopt.instance import Instance

__all__ = [
    "RefBounds",
    "ref_bounds",
    "ref_chain",
    "ref_inversions",
    "ref_plan",
    "ref_swaps",
    "ref_target",
]


def _exact(x: float) -> Fraction:
    return Fraction(x)


def _nan(x: float) -> bool:
    return x != x


@dataclass
class RefBounds:
    """Step and leap of one disrupted order."""

    row: int
    current_slot: int
    ready_h: Fraction
    lead_time_h: Fraction
    step: int
    leap: int


def ref_swaps(inst: Instance) -> list[tuple[int, int, int]]:
    """Component swaps ``(x, y, m)``, disrupted components taken by ascending slot of X
    (ties: the order in which the disruptions are listed)."""
    slot = inst.slot.tolist()
    version = inst.version.tolist()
    ready = inst.ready_h.tolist()
    planned = inst.planned_delivery_h.tolist()
    takt = _exact(inst.takt_h)
    dis = list(zip(inst.disrupted_order.tolist(), inst.disrupted_supplier.tolist(), strict=True))
    disrupted_rows = {x for x, _ in dis}
    order = sorted(range(len(dis)), key=lambda k: (slot[dis[k][0]], k))
    taken: set[tuple[int, int]] = set()
    out = []
    for k in order:
        x, m = dis[k]
        best = None
        for y in range(len(slot)):
            if (
                slot[y] > slot[x]
                and version[y][m] == version[x][m]
                and not _nan(planned[y][m])
                and y not in disrupted_rows
                and (y, m) not in taken
                and _exact(ready[y][m]) <= slot[x] * takt
                and slot[y] * takt >= _exact(ready[x][m])
                and (best is None or slot[y] < slot[best])
            ):
                best = y
        if best is not None:
            taken.add((x, m))
            taken.add((best, m))
            out.append((x, best, m))
    return out


def ref_ready_after(inst: Instance, swaps: list[tuple[int, int, int]]) -> list[list[float]]:
    """Ready times once the swaps' parts have been exchanged."""
    ready = inst.ready_h.tolist()
    orig = inst.ready_h.tolist()
    for x, y, m in swaps:
        ready[x][m], ready[y][m] = orig[y][m], orig[x][m]
    return ready


def ref_bounds(inst: Instance, ready: list[list[float]] | None = None) -> list[RefBounds]:
    """Step and leap of every disrupted order that is still late under ``ready``.

    ``R`` is the latest ready time over the order's started components; the
    affected supplier is the (longest lead time) supplier among the order's
    disrupted components that are still late.
    """
    ready = inst.ready_h.tolist() if ready is None else ready
    planned = inst.planned_delivery_h.tolist()
    slot = inst.slot.tolist()
    lead = [_exact(x) for x in inst.lead_time_h.tolist()]
    takt, now = _exact(inst.takt_h), _exact(inst.now_h)
    by_row: dict[int, list[int]] = {}
    for x, m in zip(inst.disrupted_order.tolist(), inst.disrupted_supplier.tolist(), strict=True):
        by_row.setdefault(x, []).append(m)
    out = []
    for x in sorted(by_row):
        c = slot[x]
        R = max(_exact(ready[x][m]) for m in range(len(lead)) if not _nan(planned[x][m]))
        if c * takt >= R:
            continue  # resolved (by a swap)
        late = [m for m in by_row[x] if _exact(ready[x][m]) > c * takt]
        L = max(lead[m] for m in late)
        step = max(c + 1, math.ceil(R / takt))
        leap = max(step, math.floor((now + L) / takt))
        out.append(RefBounds(x, c, R, L, step, leap))
    return out


def ref_target(rule: str, step: int, leap: int, due_h: float, takt_h: float,
               skew_h: float = 0.0) -> int:
    """Target slot of one disrupted order under ``rule`` (brute force for ontime)."""
    takt, due, skew = _exact(takt_h), _exact(due_h), _exact(skew_h)
    if rule == "step":
        return step
    if rule == "leap":
        return leap
    if rule == "dynamic":
        return step if (leap + 1) * takt > due + skew else leap
    if rule == "ontime":
        for s in range(leap, step - 1, -1):
            if (s + 1) * takt <= due:
                return s
        return step
    raise ValueError(rule)


def ref_chain(slot_of: dict[int, int], items: list[tuple[int, int, int, int, int]]) -> dict[int, int]:
    """The chain rule.

    Parameters
    ----------
    slot_of
        ``{key: slot}`` of every order (keys are any hashables, e.g. rows).
    items
        ``(key, target, step, leap, order_id)`` of every order to reinsert.

    Returns
    -------
    dict
        ``{key: new slot}``.
    """
    moving = {key for key, *_ in items}
    occupant = {s: key for key, s in slot_of.items() if key not in moving}
    placed: set = set()

    def held(s: int) -> bool:
        return occupant.get(s) in placed

    for key, target, step, leap, _oid in sorted(items, key=lambda it: (it[1], it[3], it[3] - it[2], it[4])):
        # The target, or else the nearest slot of [step, leap] that no order reinserted
        # before holds (later first), or else the first such slot past the leap.
        candidates = [target, *range(target + 1, leap + 1), *range(target - 1, step - 1, -1)]
        free = [s for s in candidates if not held(s)]
        if free:
            s = free[0]
        else:
            s = leap + 1
            while held(s):
                s += 1
        carry = key
        while True:
            pushed = occupant.get(s)
            assert pushed not in placed, "the chain displaced an order reinserted before"
            occupant[s] = carry
            if pushed is None:
                break
            carry, s = pushed, s + 1
            while held(s):  # the chain passes over orders reinserted before
                s += 1
        placed.add(key)
    return {key: s for s, key in occupant.items()}


def ref_plan(inst: Instance, rule: str, swap: bool = False, skew_h: float = 0.0) -> dict:
    """The reference plan: ``{"slot": [...], "swaps": [...], "bounds": [...], "targets": {...}}``."""
    swaps = ref_swaps(inst) if swap else []
    ready = ref_ready_after(inst, swaps)
    slots = inst.slot.tolist()
    bounds = ref_bounds(inst, ready)
    due = inst.due_h.tolist()
    ids = inst.order_id.tolist()
    targets = {b.row: ref_target(rule, b.step, b.leap, due[b.row], inst.takt_h, skew_h)
               for b in bounds} if rule != "none" else {}
    new = list(slots)
    if rule != "none" and bounds:
        items = [(b.row, targets[b.row], b.step, b.leap, ids[b.row]) for b in bounds]
        result = ref_chain(dict(enumerate(slots)), items)
        new = [result[i] for i in range(len(slots))]
    return {"slot": new, "swaps": swaps, "bounds": bounds, "targets": targets}


def ref_inversions(old: list[int], new: list[int], started: list[list[bool]]) -> list[int]:
    """Per supplier, pairs of started orders whose relative order changed (O(n^2))."""
    n = len(old)
    M = len(started[0]) if n else 0
    out = [0] * M
    for m in range(M):
        for i in range(n):
            for j in range(i + 1, n):
                if started[i][m] and started[j][m] and (old[i] - old[j]) * (new[i] - new[j]) < 0:
                    out[m] += 1
    return out
