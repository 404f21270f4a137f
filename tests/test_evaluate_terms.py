"""evaluate(): every objective term and every violation kind, worked by hand.

The instance: takt 0.5 h, now 0 h, suppliers A (lead time 2 h: parts of slots <= 4
started) and B (1 h: slots <= 2). Horizon slots 1..8; orders 1..6 at slots 1..6
(slots 7 and 8 empty).

    order  slot  due   started parts (planned = ready unless said)
    1      1     1.0   A, B at 0.5 h
    2      2     1.0   A, B at 1.0 h
    3      3     2.0   A planned 1.5 h, LATE: ready 2.25 h
    4      4     5.0   A, B at 1.0 h (postponed: they started when 4 sat at slot 2)
    5      5     3.0   none
    6      6     3.0   none

Order 3: step = max(4, ceil(2.25 / 0.5) = 5) = 5; leap = max(5, floor(2 / 0.5) = 4) = 5.
slot_end = max(9, 5 + 1) + 1 spare = 10.
Options: ``o0`` on orders 3 and 5 (soft 1:2, penalty 2), ``o1`` on orders 1, 2, 4
(soft 1:3, penalty 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import build_instance, instances

from jisopt.evaluate import evaluate, sequence_inversions
from jisopt.instance import RatioRule
from jisopt.objective import Weights
from jisopt.plan import Plan, Swap
from jisopt.policies import RulePolicy

SOFT_RULES = (RatioRule(0, 1, 2, hard=False, penalty=2.0), RatioRule(1, 1, 3, hard=False, penalty=0.5))
STEP_PLAN = [1, 2, 5, 4, 6, 7]  # new slot of orders 1..6


def _instance(rules=SOFT_RULES):
    return build_instance(
        takt_h=0.5, now_h=0.0, lead_time_h=[2.0, 1.0], slots=[1, 2, 3, 4, 5, 6],
        due_h=[1.0, 1.0, 2.0, 5.0, 3.0, 3.0], postponed_from={3: 2},
        disruptions=[(2, 0, "delay", 2.25)], first_slot=1, horizon_slots=8,
        options=[[0, 1], [0, 1], [1, 0], [0, 1], [1, 0], [0, 0]], ratio_rules=rules,
        supplier_names=["A", "B"],
    )


def _eval(slots, swaps=(), **kwargs):
    inst = _instance(kwargs.pop("rules", SOFT_RULES))
    return evaluate(inst, Plan(np.array(slots), "manual", tuple(swaps)), **kwargs)


def test_step_rule_gives_the_hand_plan():
    # Order 3 leaves slot 3 and goes to 5; 5 -> 6, 6 -> 7 (empty): the chain stops.
    inst = _instance()
    assert RulePolicy("step")(inst).slot.tolist() == STEP_PLAN


def test_terms_of_the_step_plan():
    ev = _eval(STEP_PLAN)
    assert ev.feasible, ev.violations
    # Delay, completion = (slot + 1) * 0.5:
    #   1: 1.0 - 1.0 = 0;  2: 1.5 - 1.0 = 0.5;  3: 3.0 - 2.0 = 1.0;  4: 2.5 - 5 -> 0;
    #   5: 3.5 - 3.0 = 0.5;  6: 4.0 - 3.0 = 1.0.  Total 3.0 h, 4 late orders, mean 0.5 h.
    assert ev.terms["total_delay_h"] == pytest.approx(3.0)
    assert ev.kpis["late_orders"] == 4
    assert ev.kpis["mean_delay_h"] == pytest.approx(0.5)
    # Reschedules: moved orders with a started part: only 3. 5 and 6 moved but have
    # nothing started: changed_unstarted = 2; moved = 3.
    assert ev.terms["reschedules"] == 1
    assert ev.kpis["changed_unstarted"] == 2
    assert ev.kpis["moved"] == 3
    # Displacement: 3: |5 - 3| * 0.5 = 1.0; 5: 0.5; 6: 0.5 -> 2.0 slot-hours.
    assert ev.terms["displacement_h"] == pytest.approx(2.0)
    # Stock, max(0, slot start - ready) per started part:
    #   1: 0.5 - 0.5 = 0 (A, B); 2: 0 (A, B); 3: A 2.5 - 2.25 = 0.25; 4: A 2.0 - 1.0 = 1.0,
    #   B 2.0 - 1.0 = 1.0.  Total 2.25 component-hours.
    assert ev.terms["stock_component_h"] == pytest.approx(2.25)
    # Idle: 8 horizon slots, orders at 1, 2, 4, 5, 6, 7 -> 2 empty (3 and 8).
    assert ev.terms["idle_slots"] == 2
    # Inversions: A started for 1, 2, 3, 4; new order 1, 2, 4, 3 -> 1 pair. B started for
    # 1, 2, 4 -> order unchanged, 0.
    assert ev.kpis["inversions_A"] == 1
    assert ev.kpis["inversions_B"] == 0
    assert ev.kpis["inversions"] == 1
    assert sequence_inversions(_instance(), np.array(STEP_PLAN)).tolist() == [1, 0]
    # Soft ratio: windows start at 1 .. slot_end - N; each window's cap is
    # max(H, old[w], old[w - 1]) with old the input sequence's counts (docs/model.md §5).
    #   o0, 1:2 (windows [1,2] .. [8,9]): input carriers at slots 3 and 5 -> old counts
    #     0, 1, 1, 1, 1, 0, 0, 0, caps all 1. Orders 3 (slot 5) and 5 (slot 6) share [5,6]:
    #     count 2, excess 1 over H and over the cap, penalty 2 * 1 = 2.0.
    #   o1, 1:3 (windows [1,3] .. [7,9]): orders 1, 2, 4 stay at slots 1, 2, 4: [1,3] and
    #     [2,4] hold 2 -> excess 2 over H (KPI ratio_excess), but the input held the same:
    #     caps 2, 2, 2, 1, 1, 1, 1 -> excess over the caps 0, penalty 0.
    assert ev.terms["ratio_penalty"] == pytest.approx(2.0)
    assert ev.kpis["ratio_excess"] == 3
    # Objective with the default weights (delay 1, reschedules 1, ratio 1): 3 + 1 + 2 = 6.
    assert ev.objective() == pytest.approx(6.0)
    # Plus displacement, stock and idle at 1 each: 6 + 2 + 2.25 + 2 = 12.25.
    assert ev.objective(Weights(displacement=1, stock=1, idle=1)) == pytest.approx(12.25)
    # delay 2, reschedules 0.5, ratio 0: 6 + 0.5 = 6.5.
    assert ev.objective(Weights.parse("delay=2,reschedules=0.5,ratio=0")) == pytest.approx(6.5)
    summary = ev.as_dict()
    assert summary["feasible"] is True and summary["objective"] == pytest.approx(6.0)


def test_terms_of_the_unchanged_sequence():
    # Rule 'none': nothing moves. Delay: 1: 0; 2: 0.5; 3: (3+1)*0.5 - 2 = 0; 4: 0;
    # 5: 3.0 - 3.0 = 0; 6: 3.5 - 3.0 = 0.5 -> 1.0 h. Stock: 4's parts 2 * (2.0 - 1.0) = 2.0;
    # 3's late part would wait -0.75 -> 0. Idle: 8 - 6 = 2. Ratio: the input sequence
    # itself holds every window's cap, so its ratio_penalty is 0 (ratio_excess counts
    # o1's 2 over H).
    inst = _instance()
    plan = RulePolicy("none")(inst)
    ev = evaluate(inst, plan)
    assert ev.terms == pytest.approx({
        "total_delay_h": 1.0, "reschedules": 0.0, "displacement_h": 0.0,
        "stock_component_h": 2.0, "idle_slots": 2.0, "ratio_penalty": 0.0,
    })
    assert ev.kpis["ratio_excess"] == 2
    # Order 3 stays before its late part: a ready and a bounds violation.
    assert sorted(v.kind for v in ev.violations) == ["bounds", "ready"]


@pytest.mark.parametrize(
    ("slots", "kwargs", "kinds"),
    [
        # order 6 has no slot
        ([1, 2, 5, 4, 6, -1], {}, ["missing"]),
        # order 6 at slot 10 = slot_end: outside the area, and 4 slots later than 6 (K = 1)
        ([1, 2, 5, 4, 6, 10], {}, ["max_later", "slot_range"]),
        # orders 5 and 6 both at slot 6
        ([1, 2, 5, 4, 6, 6], {}, ["duplicate_slot"]),
        # order 1 is before the first disrupted slot 3 and may not move (K = 5 to isolate it)
        ([3, 2, 5, 4, 6, 7], {"max_later_slots": 5}, ["fixed"]),
        # order 3 at slot 4 starts at 2.0 h < 2.25 h (bounds relaxed to isolate it)
        ([1, 2, 4, 5, 6, 7], {"enforce_bounds": False}, ["ready"]),
        ([1, 2, 4, 5, 6, 7], {}, ["bounds", "ready"]),
        # order 5 at slot 3: A's call-off 1.5 - 2 = -0.5 h is not after now
        ([1, 2, 5, 4, 3, 6], {}, ["call_off"]),
        # order 4 has started parts and moves from 4 to 3
        ([1, 2, 5, 3, 6, 7], {}, ["earlier"]),
        # order 3 at slot 6, beyond its leap 5
        ([1, 2, 6, 4, 5, 7], {}, ["bounds"]),
        ([1, 2, 6, 4, 5, 7], {"enforce_bounds": False}, []),
        # order 6 two slots later (K = 1)
        ([1, 2, 5, 4, 6, 8], {}, ["max_later"]),
        ([1, 2, 5, 4, 6, 8], {"max_later_slots": 2}, []),
        # the o0 rule made hard: orders 3 and 5 share the window [5, 6]
        (STEP_PLAN, {"rules": (RatioRule(0, 1, 2, hard=True), SOFT_RULES[1])}, ["ratio"]),
    ],
)
def test_violation_kinds(slots, kwargs, kinds):
    ev = _eval(slots, **kwargs)
    assert sorted(v.kind for v in ev.violations) == kinds, ev.violations


def test_hard_ratio_rule_costs_nothing():
    # The hard o1 rule is a constraint (kept: its windows hold what the input held): only
    # the soft o0 rule's 2 * 1 is a penalty, but the excess over H of both (1 + 2) is reported.
    ev = _eval(STEP_PLAN, rules=(SOFT_RULES[0], RatioRule(1, 1, 3, hard=True)))
    assert ev.feasible, ev.violations
    assert ev.terms["ratio_penalty"] == pytest.approx(2.0)
    assert ev.kpis["ratio_excess"] == 3
    # With o0 hard, the step plan breaks it ([5, 6] holds 2 > cap 1) and o1's soft penalty
    # is 0 (its windows hold their caps).
    ev = _eval(STEP_PLAN, rules=(RatioRule(0, 1, 2, hard=True), SOFT_RULES[1]))
    assert [v.kind for v in ev.violations] == ["ratio"]
    assert ev.terms["ratio_penalty"] == 0.0 and ev.kpis["ratio_excess"] == 3


def test_swap_violation_kind():
    # Swapping with order 2 (not later than 3): a swap violation; order 2 then holds the
    # late part (2.25 h) at slot 2 (1.0 h): a ready violation. Order 3, given 2's part
    # ready at 1.0 h, is no longer late and stays.
    ev = _eval([1, 2, 3, 4, 5, 6], swaps=(Swap(2, 1, 0),))
    assert sorted((v.kind, v.order) for v in ev.violations) == [("ready", 2), ("swap", 3)]
    assert ev.kpis["swaps"] == 1


def test_frozen_by_line():
    # Line freeze 1 h: slot 1 starts at 0.5 h < 1 h (frozen), slot 2 at 1.0 h is not.
    inst = _instance().replace(line_freeze_h=1.0)
    assert inst.frozen_by_line().tolist() == [True, False, False, False, False, False]


def test_window_violation_an_order_may_not_move_before_the_first_disrupted_slot():
    # takt 1 h, now 0 h, one supplier with lead time 0.5 h: only slots <= 0 have started.
    # Slots 1..5, slot 1 empty. Order 1 at slot 3 was postponed from slot 0 (its part
    # started then) and is late: ready 4 h, so step = max(3 + 1, ceil(4 / 1)) = 4 and
    # leap = max(4, floor(0.5 / 1)) = 4; the window starts at its slot 3. Order 3 at
    # slot 5 has not started: moving it to the empty
    # slot 1 keeps its call-off (1 - 0.5 > 0) and moves no started part earlier, but slot
    # 1 lies before the window [3, ...): a window violation, nothing else.
    inst = build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[0.5], slots=[3, 4, 5],
                          postponed_from={0: 0}, disruptions=[(0, 0, "delay", 4.0)],
                          first_slot=1, horizon_slots=5, due_h=[10.0, 10.0, 10.0])
    ev = evaluate(inst, Plan(np.array([4, 5, 1]), "manual"))
    assert [(v.kind, v.order) for v in ev.violations] == [("window", 3)]
    assert evaluate(inst, Plan(np.array([4, 5, 6]), "manual")).feasible


@given(inst=instances(), data=st.data())
def test_pair_terms_subset_equals_the_full_terms(inst, data):
    from jisopt.objective import PAIR_TERMS, pair_terms

    rows = np.arange(inst.n_orders)
    slots = inst.slot + data.draw(st.lists(st.integers(-2, 3), min_size=inst.n_orders,
                                           max_size=inst.n_orders).map(np.array))
    full = pair_terms(inst, rows, slots)
    assert tuple(full) == PAIR_TERMS
    subset = data.draw(st.lists(st.sampled_from(PAIR_TERMS), unique=True))
    part = pair_terms(inst, rows, slots, terms=subset)
    assert set(part) == set(subset)
    for name in subset:
        np.testing.assert_array_equal(part[name], full[name])
    # stock, by hand: started parts only, waiting time beyond the ready time
    wait = np.where(inst.started, slots[:, None] * inst.takt_h - inst.ready_h, 0.0)
    np.testing.assert_allclose(full["stock_component_h"], np.maximum(wait, 0.0).sum(axis=1))


def test_pair_terms_rejects_an_unknown_term():
    from jisopt.objective import pair_terms

    inst = _instance()
    with pytest.raises(ValueError, match="ratio_penalty"):
        pair_terms(inst, np.arange(2), inst.slot[:2], terms=("total_delay_h", "ratio_penalty"))


@given(inst=instances(soft_ratio=True), rule=st.sampled_from(("step", "leap", "dynamic", "ontime")))
def test_a_soft_rule_pays_exactly_where_the_hard_rule_breaks(inst, rule):
    """Soft and hard windows share one cap (docs/model.md §5): a plan's soft penalty is 0
    exactly when the same rules, made hard, are kept; the input sequence pays nothing."""
    from dataclasses import replace

    from jisopt.ratio import hard_rules_kept

    hard = inst.replace(ratio_rules=tuple(replace(r, hard=True) for r in inst.ratio_rules))
    plan = RulePolicy(rule)(inst)
    soft_ev = evaluate(inst, plan)
    kept = hard_rules_kept(hard, plan.slot)
    assert (soft_ev.terms["ratio_penalty"] == 0) == kept
    assert any(v.kind == "ratio" for v in evaluate(hard, plan).violations) == (not kept)
    assert evaluate(inst, Plan(inst.slot.copy(), "none")).terms["ratio_penalty"] == 0
