"""The component swap and evaluate's swap checks, worked by hand (docs/model.md §3).

Unless a test says otherwise: takt 1 h, now 0 h, one supplier ``s0`` with lead time
10 h (every part of slots 1..10 has started, planned delivery = slot start), orders
``100 + s`` at slots 1..10. Order 103's part is late, ready at 6.5 h, so its partner
must be a later order with the same version, a started part that is ready by 3 h
(X's slot start) -- under JIS only a part of a postponed order waiting in stock --
and a slot starting at or after 6.5 h (slot >= 7).
"""

from __future__ import annotations

import numpy as np
import pytest
from strategies import build_instance, layout

from jisopt.evaluate import evaluate
from jisopt.plan import Plan, Swap
from jisopt.policies import RulePolicy
from jisopt.policies.swap import find_swaps

SLOTS = list(range(1, 11))
ROW = {s: s - 1 for s in SLOTS}
X = ROW[3]


def _instance(postponed_from=None, version=None, disruptions=None, lead_time_h=(10.0,)):
    return build_instance(
        takt_h=1.0, now_h=0.0, lead_time_h=list(lead_time_h), slots=SLOTS,
        order_id=[100 + s for s in SLOTS], due_h=[100.0] * len(SLOTS),
        postponed_from=postponed_from, version=version,
        disruptions=disruptions if disruptions is not None else [(X, 0, "delay", 6.5)],
    )


def test_no_partner_under_plain_jis():
    # Every later part arrives at its own slot start (>= 4 h), none is ready by 3 h.
    inst = _instance()
    assert find_swaps(inst) == ()
    plan = RulePolicy("step", swap=True)(inst)
    assert plan.swaps == ()
    # step = max(4, ceil(6.5)) = 7.
    assert int(plan.slot[X]) == 7


def test_nearest_eligible_partner_is_taken():
    # 106 and 108 and 110 were postponed: their parts (planned 1 h, 2 h, 1 h) wait in stock.
    # 106 is nearest, but its slot starts at 6 h, before the late part's 6.5 h: not eligible.
    # 108 (slot start 8 h >= 6.5 h, part ready 2 h <= 3 h) is the nearest eligible one.
    inst = _instance(postponed_from={ROW[6]: 1, ROW[8]: 2, ROW[10]: 1})
    assert find_swaps(inst) == (Swap(row=X, partner_row=ROW[8], supplier=0),)
    plan = RulePolicy("step", swap=True)(inst)
    # The swap resolves the disruption: no resequencing at all.
    assert np.array_equal(plan.slot, inst.slot)
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations
    assert ev.kpis["swaps"] == 1
    # Stock after the swap: 103 at 3 h gets the part ready at 2 h -> 1 h; 108 at 8 h gets
    # the late part ready at 6.5 h -> 1.5 h; 106 (slot 6, part 1 h) -> 5 h; 110 (slot 10,
    # part 1 h) -> 9 h. Total 1 + 1.5 + 5 + 9 = 16.5 component-hours.
    assert ev.terms["stock_component_h"] == pytest.approx(16.5)
    assert ev.terms["reschedules"] == 0


@pytest.mark.parametrize(
    ("why", "kwargs"),
    [
        # Same partner 108, but it needs version 1 of s0 while 103 needs version 0.
        ("version", {"postponed_from": {ROW[8]: 2}, "version": [[1] if s == 8 else [0] for s in SLOTS]}),
        # 108's part started while it sat at slot 4: planned 4 h, not ready by 3 h.
        ("readiness", {"postponed_from": {ROW[8]: 4}}),
        # 106's part waits since 1 h, but 106's slot starts at 6 h < 6.5 h.
        ("partner slot before the late part's ready time", {"postponed_from": {ROW[6]: 1}}),
        # 102's part is ready (2 h) but 102 is not later than 103.
        ("partner earlier", {"postponed_from": {ROW[2]: 1}}),
    ],
)
def test_no_partner(why, kwargs):
    inst = _instance(**kwargs)
    assert find_swaps(inst) == (), why
    plan = RulePolicy("step", swap=True)(inst)
    assert plan.swaps == ()
    assert int(plan.slot[X]) == 7
    assert evaluate(inst, plan).feasible


def test_no_partner_that_is_itself_disrupted():
    # Two suppliers, s0 (10 h) and s1 (9 h). 108 was postponed from slot 2 (both parts
    # planned at 2 h) and its s1 part is late (ready 8.5 h > 8 h): 108 is disrupted, so
    # it is no partner for 103's s0 part although that part would qualify.
    inst = _instance(lead_time_h=(10.0, 9.0), postponed_from={ROW[8]: 2},
                     disruptions=[(X, 0, "delay", 6.5), (ROW[8], 1, "delay", 8.5)])
    assert find_swaps(inst) == ()
    # Without 108's disruption the swap is found.
    inst2 = _instance(lead_time_h=(10.0, 9.0), postponed_from={ROW[8]: 2})
    assert find_swaps(inst2) == (Swap(X, ROW[8], 0),)


def test_each_part_moves_once():
    # 103 and 104 both have a late part ready at 6.5 h; only 108 has a part in stock.
    # 103 (earlier slot) takes it; 104 is reinserted by the rule: step = max(5, ceil(6.5))
    # = 7, so 104 leaves slot 4 empty and goes to 7, pushing 107 -> 8, 108 -> 9,
    # 109 -> 10, 110 -> 11 (a spare slot).
    inst = _instance(postponed_from={ROW[8]: 2},
                     disruptions=[(X, 0, "delay", 6.5), (ROW[4], 0, "delay", 6.5)])
    assert find_swaps(inst) == (Swap(X, ROW[8], 0),)
    plan = RulePolicy("step", swap=True)(inst)
    assert layout(inst, plan.slot, 1, 12) == [101, 102, 103, None, 105, 106, 104, 107, 108, 109, 110]
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations


def test_swap_resolving_one_of_two_late_parts():
    # Regression: an order with two late parts of which a swap resolves one.
    # Takt 1 h, now 0, s0 (20 h) and s1 (12 h), orders 100 + s at slots 8..21.
    # 110: s0 ready 15 h, s1 ready 11 h. 116 was postponed from slot 8 (both parts
    # planned 8 h <= 10 h, slot start 16 h >= 15 h) and needs s0 version 0 like 110, but
    # another s1 version: only the s0 part is swapped.
    # After the swap 110's latest part is s1's at 11 h: step = max(11, ceil(11)) = 11 and
    # the affected supplier is s1: leap = max(11, floor(12 / 1)) = 12 (not s0's 20).
    slots = list(range(8, 22))
    x, y = slots.index(10), slots.index(16)
    inst = build_instance(
        takt_h=1.0, now_h=0.0, lead_time_h=[20.0, 12.0], slots=slots,
        order_id=[100 + s for s in slots], due_h=[100.0] * len(slots), postponed_from={y: 8},
        version=[[0, 1 if i == y else 0] for i in range(len(slots))],
        disruptions=[(x, 0, "delay", 15.0), (x, 1, "delay", 11.0)],
    )
    expected = {"step": 11, "leap": 12, "dynamic": 12, "ontime": 12}
    for rule, target in expected.items():
        plan = RulePolicy(rule, swap=True)(inst)
        assert plan.swaps == (Swap(x, y, 0),)
        assert plan.info["step"] == [11] and plan.info["leap"] == [12]
        assert int(plan.slot[x]) == target, rule
        ev = evaluate(inst, plan)
        assert ev.feasible, (rule, ev.violations)
    # Without the swap: R = 15 -> step 15, leap = floor(20) = 20.
    plan = RulePolicy("leap")(inst)
    assert plan.info["step"] == [15] and plan.info["leap"] == [20]
    assert evaluate(inst, plan).feasible


# ---- evaluate's swap checks ------------------------------------------------------------


def _swap_messages(inst, *swaps):
    ev = evaluate(inst, Plan(inst.slot.copy(), "manual", tuple(swaps)))
    return ev, [v.message for v in ev.violations if v.kind == "swap"]


def test_valid_manual_swap_has_no_violation():
    inst = _instance(postponed_from={ROW[8]: 2})
    ev, msgs = _swap_messages(inst, Swap(X, ROW[8], 0))
    assert msgs == [] and ev.feasible


@pytest.mark.parametrize(
    ("kwargs", "swap", "needle"),
    [
        ({"postponed_from": {ROW[8]: 2}, "version": [[1] if s == 8 else [0] for s in SLOTS]},
         Swap(X, ROW[8], 0), "versions differ"),
        ({"postponed_from": {ROW[2]: 1}}, Swap(X, ROW[2], 0), "not later"),
        ({}, Swap(X, ROW[8], 0), "ready at 8 h"),
        ({"postponed_from": {ROW[8]: 2}}, Swap(ROW[4], ROW[8], 0), "is not disrupted"),
        ({"lead_time_h": (10.0, 9.0), "postponed_from": {ROW[8]: 2},
          "disruptions": [(X, 0, "delay", 6.5), (ROW[8], 1, "delay", 8.5)]},
         Swap(X, ROW[8], 0), "itself disrupted"),
        # s1 (3 h) has started only for slots 1..3: 108's s1 part has not.
        ({"lead_time_h": (10.0, 3.0), "disruptions": [(X, 1, "delay", 6.5)]},
         Swap(X, ROW[8], 1), "has not started"),
    ],
)
def test_swap_violation(kwargs, swap, needle):
    inst = _instance(**kwargs)
    ev, msgs = _swap_messages(inst, swap)
    assert not ev.feasible
    assert any(needle in m for m in msgs), msgs


def test_part_swapped_twice():
    inst = _instance(postponed_from={ROW[8]: 2, ROW[9]: 1},
                     disruptions=[(X, 0, "delay", 6.5), (ROW[4], 0, "delay", 6.5)])
    _, msgs = _swap_messages(inst, Swap(X, ROW[8], 0), Swap(ROW[4], ROW[8], 0))
    assert any("swapped twice" in m for m in msgs), msgs
    _, ok = _swap_messages(inst, Swap(X, ROW[8], 0), Swap(ROW[4], ROW[9], 0))
    assert ok == []


def test_partner_slot_before_late_part_is_a_ready_violation():
    # Swapping with 106 (slot start 6 h) hands it 103's part ready at 6.5 h.
    inst = _instance(postponed_from={ROW[6]: 1})
    ev, msgs = _swap_messages(inst, Swap(X, ROW[6], 0))
    assert msgs == []
    assert [(v.kind, v.order) for v in ev.violations] == [("ready", 106)]
