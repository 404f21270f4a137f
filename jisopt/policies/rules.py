"""The paper's reinsertion rules: none, step, leap, dynamic (skewable), ontime.

Each rule picks a target slot within [step, leap] for every disrupted order
(docs/model.md §3); :func:`reinsert` then carries the targets out with the chain
rule. The component swap is an option of every rule and is tried first.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass

import numpy as np

from jisopt.errors import InputError
from jisopt.evaluate import unresolved_disrupted
from jisopt.instance import Instance
from jisopt.plan import Plan, ready_after_swaps
from jisopt.policies.swap import find_swaps
from jisopt.slots import is_later, last_slot_until
from jisopt.subsequences import DisruptionBounds, disruption_bounds, slot_end

__all__ = ["RULES", "RulePolicy", "reinsert", "rule_targets"]

RULES = ("none", "step", "leap", "dynamic", "ontime")


def rule_targets(
    rule: str, bounds: DisruptionBounds, due_h: np.ndarray, takt_h: float, skew_h: float = 0.0
) -> np.ndarray:
    """Target slot of each disrupted order under ``rule``.

    Parameters
    ----------
    rule
        ``step``: as close as possible to the old slot; ``leap``: the end of the
        PPS in which the affected supplier produces; ``dynamic``: step if the
        completion under leap, ``(leap + 1) * takt``, exceeds the due date plus
        ``skew_h``, else leap; ``ontime``: the latest slot in [step, leap] that
        completes by the due date, else step.
    bounds
        The disrupted orders' step and leap slots.
    due_h
        Due dates of the disrupted orders (aligned with ``bounds.rows``).
    takt_h
        Takt (h).
    skew_h
        Threshold ``θ`` of the skewed dynamic rule (0: the paper's dynamic).
    """
    step, leap = bounds.step, bounds.leap
    if rule == "step":
        return step.copy()
    if rule == "leap":
        return leap.copy()
    if rule == "dynamic":
        if step.shape[0] == 1:  # one order: the same float operations on scalars
            late = is_later((leap.item(0) + 1) * takt_h, due_h.item(0) + skew_h)
            return (step if late else leap).copy()
        leap_completion_h = (leap + 1) * takt_h
        return np.where(is_later(leap_completion_h, due_h + skew_h), step, leap)
    if rule == "ontime":
        latest_on_time = (last_slot_until(due_h, takt_h) - 1).astype(np.int64)
        return np.where(latest_on_time >= step, np.minimum(leap, latest_on_time), step)
    raise InputError(f"unknown rule (rules: {', '.join(RULES)})", field="policy", value=rule)


def reinsert(
    instance: Instance,
    rows: np.ndarray,
    targets: np.ndarray,
    steps: np.ndarray,
    leaps: np.ndarray,
) -> np.ndarray:
    """Remove ``rows`` and reinsert them at ``targets`` with the chain rule.

    All disrupted orders are removed first (each leaves a gap), then reinserted
    in ascending order of target (ties: smaller leap, then narrower [step, leap],
    then order id). An occupied
    target pushes its occupant one slot later, which pushes the next, until the
    chain reaches an empty slot, which it fills.

    Orders reinserted in the same instance keep their slots: a later one never
    displaces an earlier one. If its target already holds one, it takes the
    nearest slot within its own [step, leap] that does not, later slots first;
    a chain passes over such orders (the pushed order goes to the next slot
    that does not hold one). Only when every slot of [step, leap] holds an
    order reinserted before (e.g. two failures of one supplier with the same
    single-slot bounds) does it go past its leap, to the first free slot.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` new slot of every order.
    """
    if rows.size == 1:
        fast = _reinsert_one(instance, int(rows[0]), int(targets[0]), int(steps[0]), int(leaps[0]))
        if fast is not None:
            return fast
    first = instance.first_slot
    pad = 2 * rows.size + 1
    length = max(slot_end(instance), int(targets.max(initial=first)) + 1) - first + pad
    occupant = np.full(length, -1, dtype=np.int64)
    occupant[instance.slot - first] = np.arange(instance.n_orders)
    occupant[instance.slot[rows] - first] = -1
    reinserted = np.zeros(length, dtype=bool)
    order = np.lexsort((instance.order_id[rows], leaps - steps, leaps, targets))
    for k in order:
        t = _free_slot(reinserted, int(targets[k]) - first, int(steps[k]) - first,
                       int(leaps[k]) - first)
        if occupant[t] >= 0:
            e = t + int(np.argmax(occupant[t:] < 0))
            chain = t + np.flatnonzero(~reinserted[t:e + 1])  # passes over reinserted orders
            occupant[chain[1:]] = occupant[chain[:-1]]
        occupant[t] = rows[k]
        reinserted[t] = True
    new_slot = np.empty(instance.n_orders, dtype=np.int64)
    filled = np.flatnonzero(occupant >= 0)
    new_slot[occupant[filled]] = filled + first
    return new_slot


def _reinsert_one(instance: Instance, row: int, target: int, step: int, leap: int) -> np.ndarray | None:
    """:func:`reinsert` of one row whose target lies after its slot, for rows in strictly
    ascending slot order (``None`` otherwise: the general path applies).

    With one row, its target is free of reinserted orders, so the chain pushes the run of
    consecutively occupied slots from the target on by one slot; the row's own (earlier)
    slot is not in that run. In slot order that run is a run of rows whose slots increase
    by one."""
    slot = instance.slot
    if not step <= target <= leap or target <= slot.item(row) or not _in_slot_order(instance):
        return None
    new_slot = slot.copy()
    n = slot.shape[0]
    p = int(slot.searchsorted(target))
    if p < n and slot.item(p) == target:
        # Strictly ascending slots: slot[k] - k never decreases, and the run [p, q) is
        # where it equals target - p (a binary search, not a pass over the rows).
        q = bisect.bisect_right(range(p, n), target - p, key=lambda k: slot.item(k) - k) + p
        new_slot[p:q] += 1
    new_slot[row] = target
    return new_slot


def _in_slot_order(instance: Instance) -> bool:
    """The instance's rows are in strictly ascending slot order (cached, as in
    :mod:`jisopt.changes`: ``slot_order`` is ``None`` then)."""
    if "slot_order" in instance._cache:
        return instance._cache["slot_order"] is None
    old = instance.slot
    return old.size < 2 or bool((old[1:] > old[:-1]).all())


def _free_slot(reinserted: np.ndarray, target: int, step: int, leap: int) -> int:
    """Nearest slot to ``target`` in [step, leap] not holding a reinserted order.

    Later slots first; past the leap only if the whole interval is taken.
    """
    if not reinserted[target]:
        return target
    later = np.flatnonzero(~reinserted[target + 1:leap + 1])
    if later.size:
        return target + 1 + int(later[0])
    earlier = np.flatnonzero(~reinserted[step:target])
    if earlier.size:
        return step + int(earlier[-1])
    return leap + 1 + int(np.argmax(~reinserted[leap + 1:]))


@dataclass(frozen=True)
class RulePolicy:
    """A reinsertion rule as a policy.

    Parameters
    ----------
    rule
        One of :data:`RULES`.
    swap
        Try the component swap first (docs/model.md §3).
    skew_h
        Threshold ``θ`` (h) of the skewed dynamic rule; only for ``dynamic``.
    """

    rule: str
    swap: bool = False
    skew_h: float = 0.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise InputError(f"unknown rule (rules: {', '.join(RULES)})", field="policy",
                             value=self.rule)
        if not math.isfinite(self.skew_h):
            raise InputError("the skew threshold must be a finite number of hours", field="skew_h",
                             value=self.skew_h)
        if self.skew_h and self.rule != "dynamic":
            raise InputError("a skew threshold applies to the dynamic rule only",
                             field="skew_h", value=self.skew_h)

    @property
    def name(self) -> str:
        """The rule with its options, e.g. ``dynamic(skew=6h)+swap``."""
        base = self.rule if not self.skew_h else f"{self.rule}(skew={self.skew_h:g}h)"
        return base + ("+swap" if self.swap else "")

    def __call__(self, instance: Instance) -> Plan:
        """Swap first (if asked), then reinsert the orders still disrupted at the rule's targets."""
        t0 = time.perf_counter()
        swaps = find_swaps(instance) if self.swap else ()
        new_slot = None
        info: dict = {}
        if self.rule != "none" and instance.n_disrupted:
            ready = ready_after_swaps(instance, swaps) if swaps else None  # None: read rows only
            bounds = disruption_bounds(instance, ready)
            if ready is None and bounds.rows.shape[0] == 1:  # the same comparison on scalars
                every = bool(is_later(bounds.ready_h.item(0),
                                      bounds.current_slot.item(0) * instance.takt_h))
                still = None if every else np.zeros(1, dtype=bool)
            else:
                if ready is None:  # unresolved_disrupted: the latest started ready time is R
                    still = is_later(bounds.ready_h, bounds.current_slot * instance.takt_h)
                else:
                    still = unresolved_disrupted(instance, ready)
                every = bool(still.all())  # then no row is left out (arrays are not changed)
            rows = bounds.rows if every else bounds.rows[still]
            if rows.size:
                targets = rule_targets(
                    self.rule, bounds, instance.due_h[bounds.rows], instance.takt_h, self.skew_h
                )
                steps, leaps = bounds.step, bounds.leap
                if not every:
                    targets, steps, leaps = targets[still], steps[still], leaps[still]
                new_slot = reinsert(instance, rows, targets, steps, leaps)
                info = {
                    "orders": instance.order_id[rows].tolist(),
                    "step": steps.tolist(),
                    "leap": leaps.tolist(),
                    "target": targets.tolist(),
                }
        if new_slot is None:
            new_slot = instance.slot.copy()
        return Plan(new_slot, self.name, swaps, time.perf_counter() - t0, "ok", info)
