"""The ratio-aware rules (docs/model.md §3 "Ratio-aware rules", §5 hard ratio rules).

Hypothesis instances with hard ``H:N`` rules (inputs that keep them and inputs that
already break windows) are answered by every ratio-aware rule, with and without swap,
for one and for several disruptions at one instant. The plans are judged by plain
loops over every window (``kept_by_loops``), by ``evaluate`` and, for one disruption,
by trying every slot of [step, leap] with the plain chain (``brute_force_slot``).
Hand-worked cases give the arithmetic in comments.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, build_instance, instances, single_instances

from jisopt.cli import main
from jisopt.evaluate import evaluate
from jisopt.instance import Instance, RatioRule
from jisopt.instance_io import write_instance
from jisopt.plan import Plan
from jisopt.policies import POLICY_NAMES, PolicySpec, RatioRulePolicy, RulePolicy, make_policy
from jisopt.policies.milp import SolveStatus, solve_exact
from jisopt.policies.ratio_rules import RATIO_INFEASIBLE, RATIO_RULES, candidate_slots
from jisopt.policies.rules import reinsert
from jisopt.ratio import window_caps, windows_kept
from jisopt.scenario import Scenario
from jisopt.subsequences import disruption_bounds, slot_end
from jisopt.weights import Weights

EXAMPLES = 40
VARIANTS = {"single": single_instances, "batch": batch_instances}


def kept_by_loops(inst: Instance, new: list[int]) -> bool:
    """Every hard rule kept: per window w of the area, count <= max(H, old[w], old[w - 1])."""
    end = slot_end(inst)
    old = inst.slot.tolist()
    for rule in inst.ratio_rules:
        if not rule.hard:
            continue
        carried_new = {new[i] for i in range(inst.n_orders) if inst.options[i, rule.option]}
        carried_old = {old[i] for i in range(inst.n_orders) if inst.options[i, rule.option]}
        for w in range(inst.first_slot, end - rule.window + 1):
            span = range(w, w + rule.window)
            after = sum(1 for s in span if s in carried_new)
            # The cap: the worse of this window and the one a one-slot shift moves into it.
            earlier = range(max(w - 1, inst.first_slot), max(w - 1, inst.first_slot) + rule.window)
            before = max(sum(1 for s in span if s in carried_old),
                         sum(1 for s in earlier if s in carried_old))
            if after > max(rule.max_count, before):
                return False
    return True


def policy_for(rule: str, swap: bool) -> tuple[RatioRulePolicy, RulePolicy]:
    return RatioRulePolicy(rule, swap=swap), RulePolicy(rule, swap=swap)


def brute_force_slot(inst: Instance, plan_plain: Plan, rule: str) -> int | None:
    """One still-disrupted order: the first slot of candidate_slots whose plain chain keeps
    the hard rules (None: no slot does)."""
    bounds = disruption_bounds(inst, plan_plain.ready_after_swaps(inst) if plan_plain.swaps else None)
    k = [j for j, r in enumerate(bounds.rows.tolist()) if plan_plain.slot[r] != inst.slot[r]]
    assert len(k) == 1
    k = k[0]
    row = bounds.rows[k:k + 1]
    target = plan_plain.info["target"][0]
    for s in candidate_slots(rule, target, int(bounds.step[k]), int(bounds.leap[k])):
        new = reinsert(inst, row, np.array([s]), bounds.step[k:k + 1], bounds.leap[k:k + 1])
        if kept_by_loops(inst, new.tolist()):
            return int(s)
    return None


# ---- properties --------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("swap", [False, True], ids=["noswap", "swap"])
@pytest.mark.parametrize("rule", RATIO_RULES)
def test_ratio_aware_plans(rule, swap, variant):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(inst=VARIANTS[variant](hard_ratio=True, soft_ratio=True))
    def check(inst):
        aware, plain_policy = policy_for(rule, swap)
        plan = aware(inst)
        plain = plain_policy(inst)
        new = plan.slot.tolist()
        # Swaps first, exactly as the plain rule's; the same bounds and targets.
        assert plan.swaps == plain.swaps
        assert {k: plan.info[k] for k in plain.info} == plain.info
        # A permutation: one slot per order, at most one order per slot; others never earlier.
        assert len(set(new)) == inst.n_orders
        disrupted = dict(zip(plain.info.get("orders", []),
                             zip(plain.info.get("step", []), plain.info.get("leap", []), strict=True),
                             strict=True))
        held = {new[inst.row_of(o)] for o in disrupted}
        for oid, (step, leap) in disrupted.items():
            s = new[inst.row_of(oid)]
            # Within [step, leap], unless every slot of it holds another disrupted order.
            assert step <= s <= leap or set(range(step, leap + 1)) <= held - {s}
        kept = kept_by_loops(inst, new)
        ev = evaluate(inst, plan)
        ratio_violations = [v for v in ev.violations if v.kind == "ratio"]
        if plan.status == "ok":
            assert kept and not ratio_violations
            assert {v.kind for v in ev.violations} <= {"bounds"}
        else:
            assert plan.status == RATIO_INFEASIBLE
            assert not kept and ratio_violations  # never a silently broken hard rule
            assert not all(plan.info["ratio"]["kept"])
        # Equal to the plain rule's plan when that keeps the hard rules (or there are none).
        if kept_by_loops(inst, plain.slot.tolist()):
            assert new == plain.slot.tolist() and plan.status == "ok"
        # Every other order moves at most one slot later per disrupted order.
        k = len(disrupted)
        rows = {inst.row_of(o) for o in disrupted}
        for i in range(inst.n_orders):
            if i not in rows:
                assert 0 <= new[i] - inst.slot[i] <= k
        if variant == "single" and disrupted:
            # The first slot in the rule's direction that keeps the rules, or none.
            expected = brute_force_slot(inst, plain, rule)
            (oid,) = disrupted
            if expected is None:
                assert plan.status == RATIO_INFEASIBLE
            else:
                assert plan.status == "ok" and new[inst.row_of(oid)] == expected

    check()


@pytest.mark.parametrize("swap", [False, True], ids=["noswap", "swap"])
@pytest.mark.parametrize("rule", RATIO_RULES)
@settings(max_examples=EXAMPLES, deadline=None)
@given(inst=instances(max_disrupted=5, soft_ratio=True), skew_q=st.integers(0, 8))
def test_without_hard_rules_the_plain_plan(inst, rule, swap, skew_q):
    skew_h = skew_q * inst.takt_h / 4 if rule == "dynamic" else 0.0
    for candidate in (inst, inst.replace(ratio_rules=(), options=None, option_names=())):
        plan = RatioRulePolicy(rule, swap=swap, skew_h=skew_h)(candidate)
        plain = RulePolicy(rule, swap=swap, skew_h=skew_h)(candidate)
        assert plan.slot.tolist() == plain.slot.tolist() and plan.swaps == plain.swaps
        assert plan.status == "ok" and plan.info == plain.info


def test_candidate_order():
    assert candidate_slots("step", 3, 3, 6).tolist() == [3, 4, 5, 6]
    assert candidate_slots("leap", 6, 3, 6).tolist() == [6, 5, 4, 3]
    assert candidate_slots("dynamic", 3, 3, 6).tolist() == [3, 4, 5, 6]  # chose step
    assert candidate_slots("dynamic", 6, 3, 6).tolist() == [6, 5, 4, 3]  # chose leap
    assert candidate_slots("ontime", 5, 3, 7).tolist() == [5, 4, 3, 6, 7]  # on time first
    assert candidate_slots("ontime", 4, 4, 4).tolist() == [4]


def test_window_predicate():
    # 1:2 rule. Input counts [2, 1, 0]: the first window is already broken (cap 2); the
    # second may hold what the first held (a one-slot shift): max(1, 1, 2) = 2; the third
    # max(1, 0, 1) = 1.
    assert window_caps(np.array([2, 1, 0]), 1).tolist() == [2, 2, 1]
    assert windows_kept(np.array([2, 2, 2]), np.array([2, 1, 0]), 1).tolist() == [True, True, False]


# ---- hand-worked cases -------------------------------------------------------------------
# Takt 1 h, now 0 h, one supplier with lead time L: slot s has started iff s <= L, and
# leap = floor(now + L) = L. A delay with ready time R gives step = max(c + 1, ceil(R)).
# Orders 1..8 at slots 1..8 (id = slot); the horizon is slots 1..8, so slot_end = 8 + 1
# + 1 spare = 10 and a chain that meets no gap ends in spare slot 9.

ONE_IN_TWO = [RatioRule(0, 1, 2, hard=True)]


def hand(carriers: set[int], ready_h: float, lead_h: float = 6.0, rules=ONE_IN_TWO,
         disrupted_slot: int = 1) -> Instance:
    slots = list(range(1, 9))
    return build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[lead_h], slots=slots,
                          due_h=[s + 20.0 for s in slots],
                          disruptions=[(disrupted_slot - 1, 0, "delay", ready_h)],
                          options=[[s in carriers] for s in slots], ratio_rules=rules)


def slot_of(inst: Instance, plan: Plan, oid: int) -> int:
    return int(plan.slot[inst.row_of(oid)])


def test_target_keeps_the_rules_plain_target():
    # Carriers: order 1 (disrupted, ready 3.5 h: step 4, leap 6). Step target 4: remove 1,
    # put it at 4 and push 4..8 to 5..9. New carriers: slot 4 only; every window <= 1.
    inst = hand({1}, 3.5)
    plan = make_policy("ratio-step")(inst)
    assert plan.status == "ok" and slot_of(inst, plan, 1) == 4
    np.testing.assert_array_equal(plan.slot, RulePolicy("step")(inst).slot)
    assert plan.info["ratio"] == {"slot": [4], "kept": [True], "plain_kept": True}


def test_target_breaks_a_one_in_two_rule_next_slot():
    # Carriers 1 (disrupted, step 4, leap 6) and 3. Input windows of 1:2: [1,2]=1, [2,3]=1,
    # [3,4]=1: kept. Step target 4: slots 3 (order 3) and 4 (order 1) -> [3,4] = 2 > 1.
    # Next slot 5: order 4 stays at 4, order 1 at 5, orders 5..8 -> 6..9:
    # [3,4] = 1 (order 3), [4,5] = 1, [5,6] = 1: kept -> slot 5.
    inst = hand({1, 3}, 3.5)
    plain = RulePolicy("step")(inst)
    assert slot_of(inst, plain, 1) == 4
    ev = evaluate(inst, plain)
    assert [v.message for v in ev.violations] == [
        "option o0 appears 2 times in slots [3, 5), more than 1"]
    plan = make_policy("ratio-step")(inst)
    assert plan.status == "ok" and slot_of(inst, plan, 1) == 5
    assert plan.info["ratio"] == {"slot": [5], "kept": [True], "plain_kept": False}
    assert [slot_of(inst, plan, o) for o in range(2, 9)] == [2, 3, 4, 6, 7, 8, 9]
    assert evaluate(inst, plan).feasible
    # Leap (target 6) keeps: carriers at 3 and 6. Dynamic takes leap here (due dates are
    # late enough), so it keeps too; ontime's latest on-time slot is leap as well.
    for rule in ("leap", "dynamic", "ontime"):
        assert slot_of(inst, make_policy("ratio-" + rule)(inst), 1) == 6


def test_no_slot_in_step_leap_keeps_the_rules(tmp_path, capsys):
    # Carriers 1 (disrupted, ready 3.5 h: step 4; L = 5: leap 5), 3 and 5.
    # Input [3,4] = 1, [4,5] = 1, [5,6] = 1: kept.
    # Slot 4: orders 3 and 1 at slots 3, 4 -> [3,4] = 2 > 1.
    # Slot 5: order 4 stays, order 1 at 5, order 5 -> 6 -> [5,6] = 2 > 1.
    # Both add one unit of excess: the first candidate (the plain target 4) is taken.
    inst = hand({1, 3, 5}, 3.5, lead_h=5.0)
    plan = make_policy("ratio-step")(inst)
    assert plan.status == RATIO_INFEASIBLE
    assert plan.info["ratio"] == {"slot": [4], "kept": [False], "plain_kept": False}
    np.testing.assert_array_equal(plan.slot, RulePolicy("step")(inst).slot)
    ev = evaluate(inst, plan)
    assert [v.kind for v in ev.violations] == ["ratio"]
    # The leap rule tries 5 first, then 4: 5 is taken (the least excess, first).
    leap = make_policy("ratio-leap")(inst)
    assert leap.status == RATIO_INFEASIBLE and slot_of(inst, leap, 1) == 5
    # jisopt solve shows the status and exits 1 (the plan violates a constraint).
    path = tmp_path / "inst.json"
    write_instance(inst, path)
    assert main(["solve", str(path), "--policy", "ratio-step"]) == 1
    out = capsys.readouterr().out
    assert "policy     ratio-step  (status ratio_infeasible" in out
    assert main(["solve", str(path), "--policy", "ratio-step", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == RATIO_INFEASIBLE and not result["evaluation"]["feasible"]


def test_a_window_the_input_breaks_elsewhere_does_not_make_the_event_infeasible():
    # Carriers 1 and 2: the input's window [1,2] = 2 = H + 1. Order 3 is disrupted
    # (ready 4.5 h: step 5, leap 6) and carries nothing. Step target 5: slot 3 is left
    # empty, order 4 stays at 4, orders 5..8 -> 6..9. [1,2] stays 2 <= max(1, 2) and no
    # other window has a carrier: kept, status ok (the old reading, count <= H in every
    # window, made every plan of this instance infeasible).
    inst = hand({1, 2}, 4.5, disrupted_slot=3)
    plan = make_policy("ratio-step")(inst)
    assert plan.status == "ok" and slot_of(inst, plan, 3) == 5
    ev = evaluate(inst, plan)
    assert ev.feasible and ev.kpis["ratio_excess"] == 1


def test_a_window_the_input_breaks_may_move_one_slot_later():
    # Carriers 3 and 4: the input's [3,4] = 2 = H + 1. Caps (1:2): [3,4] max(1, 2, 1) = 2,
    # [4,5] max(1, old [4,5] = 1, old [3,4] = 2) = 2, [5,6] max(1, 0, 1) = 1.
    # Order 1 (no option) is disrupted, ready 1.5 h: step 2, leap 6. Slot 2: orders 2..8
    # -> 3..9, carriers at 4, 5: [4,5] = 2 <= 2 (the broken pair moved one slot later),
    # [3,4] = 1, [5,6] = 1: the plain step plan keeps the rules.
    inst = hand({3, 4}, 1.5)
    plain = RulePolicy("step")(inst)
    assert slot_of(inst, plain, 1) == 2 and evaluate(inst, plain).feasible
    plan = make_policy("ratio-step")(inst)
    assert plan.status == "ok" and plan.slot.tolist() == plain.slot.tolist()
    assert plan.info["ratio"]["plain_kept"]
    # The exact model has the same caps: feasible, and no worse than the rule.
    result = solve_exact(inst)
    assert result.status == SolveStatus.OPTIMAL and evaluate(inst, result.plan).feasible
    assert result.objective <= evaluate(inst, plan).objective() + 1e-9
    # 2:3, carriers 2, 3, 4 (input [2,4] = 3, cap 3; [3,5] = 2, cap max(2, 2, 3) = 3;
    # [4,6] = 1, cap max(2, 1, 2) = 2). Slot 2: carriers 3, 4, 5: [3,5] = 3 <= 3,
    # [4,6] = 2 <= 2: kept at the plain target.
    inst = hand({2, 3, 4}, 1.5, rules=[RatioRule(0, 2, 3, hard=True)])
    plan = make_policy("ratio-step")(inst)
    assert plan.status == "ok" and slot_of(inst, plan, 1) == 2


def test_a_window_the_input_breaks_may_not_get_worse():
    # Orders 1..8 at slots 1, 2, 3, 4, 6, 7, 8, 9 (slot 5 empty); carriers at slots 3, 4
    # and 6. 1:2 windows of the input: [3,4] = 2, [4,5] = 1, [5,6] = 1, [6,7] = 1; caps
    # [4,5] max(1, 1, 2) = 2, [5,6] max(1, 1, 1) = 1.
    # Order 1 (no option) fails: step = leap = 3 (ready 2.5 h, lead 3 h). At slot 3 the
    # chain pushes orders 3, 4 to 4, 5 and ends in the gap: carriers 4, 5, 6.
    # [4,5] = 2 <= 2 (the shifted pair), but [5,6] = 2 > 1: the chain packed the pair
    # against the carrier at 6, which no input window had. No other slot: infeasible.
    slots = [1, 2, 3, 4, 6, 7, 8, 9]
    inst = build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[3.0], slots=slots,
                          due_h=[s + 20.0 for s in slots], disruptions=[(0, 0, "delay", 2.5)],
                          options=[[s in {3, 4, 6}] for s in slots], ratio_rules=ONE_IN_TWO)
    plan = make_policy("ratio-step")(inst)
    assert slot_of(inst, plan, 1) == 3 and plan.status == RATIO_INFEASIBLE
    assert [v.message for v in evaluate(inst, plan).violations] == [
        "option o0 appears 2 times in slots [5, 7), more than 1"]


def test_batch_each_order_searches_its_own_interval():
    # Orders 1 and 2 disrupted, both carriers, both ready 3.5 h: step 4, leap 6. The input's
    # [1,2] = 2 is already broken (cap 2); every other window has cap 1. Both are removed
    # (slots 1, 2 empty), then reinserted in the plain order (target 4, 4; ids 1, 2).
    # Plain step: order 1 at 4 (orders 4..8 -> 5..9), order 2 at 5, the nearest free slot
    # of its [4, 6] (order 4 -> 6, ...): carriers 4, 5 -> [4,5] = 2 > 1.
    inst = build_instance(
        takt_h=1.0, now_h=0.0, lead_time_h=[6.0], slots=list(range(1, 9)),
        due_h=[s + 20.0 for s in range(1, 9)],
        disruptions=[(0, 0, "delay", 3.5), (1, 0, "delay", 3.5)],
        options=[[s in {1, 2}] for s in range(1, 9)], ratio_rules=ONE_IN_TWO)
    plain = RulePolicy("step")(inst)
    assert [slot_of(inst, plain, o) for o in (1, 2)] == [4, 5]
    assert not evaluate(inst, plain).feasible
    # Ratio-aware step: order 1 at 4 keeps (carrier 4 alone; orders 4..8 -> 5..9). Order 2:
    # 5 breaks [4,5]; 6 (order 5 there -> 7, ..., order 8 at 9 -> 10; slot_end = max(9,
    # leap + 1) + 2 spares = 11, so 10 is the second spare slot) gives carriers 4 and 6:
    # every window <= 1, kept.
    aware = make_policy("ratio-step")(inst)
    assert aware.status == "ok"
    assert aware.info["ratio"] == {"slot": [4, 6], "kept": [True, True], "plain_kept": False}
    assert [slot_of(inst, aware, o) for o in range(1, 9)] == [4, 6, 3, 5, 7, 8, 9, 10]
    assert evaluate(inst, aware).feasible
    # Ratio-aware leap: order 1 at 6 (its target), order 2's target 6 is held, so it takes
    # 5 (nearest free, later first, none later): carriers 5, 6 break [5,6]; the next slot
    # down, 4, keeps (carriers 4, 6).
    leap = make_policy("ratio-leap")(inst)
    assert leap.status == "ok" and leap.info["ratio"]["slot"] == [6, 4]


# ---- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [
    "ratio-step", "ratio-leap+swap", "ratio-dynamic", "ratio-dynamic(skew=6h)+swap",
    "ratio-ontime", "dynamic(skew=0.25h)", "step+swap", "none",
])
def test_labels_round_trip(label):
    policy = make_policy(label)
    assert policy.name == label
    assert make_policy(policy.name) == policy
    spec = PolicySpec.parse(label)
    assert make_policy(spec.name, swap=spec.swap, skew_h=spec.skew_h or 0.0) == policy


def test_names_are_registered_everywhere():
    for name in ("ratio-step", "ratio-leap", "ratio-dynamic", "ratio-ontime"):
        assert name in POLICY_NAMES
    assert make_policy("ratio-dynamic", swap=True) == RatioRulePolicy("dynamic", swap=True)
    sc = Scenario()
    sc_skewed = PolicySpec.parse("ratio-dynamic").build(sc)
    assert sc_skewed == RatioRulePolicy("dynamic", skew_h=sc.dynamic_skew_h)
    assert PolicySpec.parse("ratio-dynamic(skew=3h)").build(sc).skew_h == 3.0
    from jisopt.errors import InputError
    with pytest.raises(InputError):
        make_policy("ratio-none")
    with pytest.raises(InputError):
        make_policy("ratio-step", skew_h=2.0)
    with pytest.raises(InputError):
        make_policy("ratio-step+fast")


def test_the_simulation_takes_ratio_aware_names():
    sc = Scenario()
    assert PolicySpec.parse("ratio-dynamic+swap").build(sc) == RatioRulePolicy(
        "dynamic", swap=True, skew_h=sc.dynamic_skew_h)
    assert PolicySpec.parse("ratio-step").build(sc).name == "ratio-step"


# ---- the exact model is never worse ------------------------------------------------------

WEIGHTINGS = (
    Weights(),
    Weights(delay=1.0, reschedules=0.2),
    Weights(delay=0.1, reschedules=2.0, displacement=0.5, stock=0.25, idle=1.0),
)


@settings(max_examples=25, deadline=None)
@given(inst=st.one_of(single_instances(hard_ratio=True), batch_instances(hard_ratio=True)),
       w=st.sampled_from(WEIGHTINGS))
def test_exact_model_never_worse_than_a_feasible_ratio_aware_rule(inst, w):
    """Every ratio-aware plan that evaluate finds feasible is a feasible point of the model
    (same bounds, chains move others at most one slot per disrupted order, the hard rules
    kept under the same cap), so the optimum is never worse."""
    result = solve_exact(inst, w, time_limit_s=20)
    feasible = {}
    for rule in RATIO_RULES:
        plan = RatioRulePolicy(rule)(inst)
        ev = evaluate(inst, plan)
        if plan.status == "ok" and ev.feasible:
            feasible[rule] = ev.objective(w)
    if result.status == SolveStatus.INFEASIBLE:
        assert not feasible
        return
    assert result.status == SolveStatus.OPTIMAL, result.message
    ev = evaluate(inst, result.plan)
    assert ev.feasible, [v.message for v in ev.violations]
    assert result.objective == pytest.approx(ev.objective(w), abs=1e-6)
    for rule, obj in feasible.items():
        assert result.objective <= obj + 1e-6, (rule, result.objective, obj)


# ---- the fast chain check equals the direct count ----------------------------------------


@settings(max_examples=150, deadline=None)
@given(inst=instances(max_disrupted=5, hard_ratio=True), data=st.data())
def test_chain_check_equals_direct_count(inst, data):
    """On random states (some disrupted orders reinserted at random free slots), the
    prefix-sum check of a chain, and of many chains at once, gives the same answer as
    counting their windows anew."""
    from jisopt.policies.ratio_rules import _chain, _HardWindows, _occupant

    if not any(r.hard for r in inst.ratio_rules):
        return
    first = inst.first_slot
    rows = inst.disrupted_rows
    length = slot_end(inst) - first + 2 * rows.size + 1
    occupant = _occupant(inst, inst.slot, length)
    windows = _HardWindows(inst, occupant.copy(), slot_end(inst) - first)
    occupant[inst.slot[rows] - first] = -1
    windows.set_state(occupant)
    reinserted = np.zeros(length, dtype=bool)
    for row in rows.tolist():
        free = np.flatnonzero(~reinserted[:slot_end(inst) - first])
        # A search over some free slots takes the first that keeps, else the first of
        # least excess: the same as judging them one by one.
        cands = data.draw(st.lists(st.sampled_from(free.tolist()), min_size=1, max_size=12,
                                   unique=True))
        judged = [windows.judge(*_chain(occupant, reinserted, c, row)) for c in cands]
        kept = [k for k, (ok, _) in enumerate(judged) if ok]
        expected = (kept[0], True) if kept else (
            min(range(len(cands)), key=lambda k: (judged[k][1], k)), False)
        assert windows.judge_many(np.array(cands), row, occupant, reinserted) == expected
        t = int(data.draw(st.sampled_from(free.tolist())))
        pos, new_rows = _chain(occupant, reinserted, t, row)
        assert windows.judge_chain(pos, new_rows, occupant, reinserted) == windows.judge(pos, new_rows)
        windows.commit(pos, new_rows)
        occupant[pos] = new_rows
        reinserted[t] = True


def test_a_simulation_runs_under_a_ratio_aware_name():
    """The simulated line has no options, so the ratio-aware rule's plans are the plain
    rule's: the same KPIs but the decision time."""
    from sim_cases import small_scenario

    from jisopt.sim import run_replication

    scenario = small_scenario(days=6.0, warmup_days=1.0)
    aware = run_replication(scenario, "ratio-dynamic+swap", seed=3)
    plain = run_replication(scenario, "dynamic+swap", seed=3)
    assert aware.policy == "ratio-dynamic+swap" and aware.instances.shape[0] > 10
    timing = {"decision_time_mean_s", "decision_time_p95_s"}
    assert {k: v for k, v in aware.kpis.items() if k not in timing} == {
        k: v for k, v in plain.kpis.items() if k not in timing}
