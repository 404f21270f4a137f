"""H:N rules whose window N is longer than the reinsertion area: the whole area is one
window, in evaluate and in the exact model, so a stricter rule (same H, larger N) is never
feasible where a looser one is not, whenever the input sequence keeps the stricter rule.

(A hard rule is kept when no window exceeds max(H, its count in the input), docs/model.md
§5: where the input already breaks a rule, only "no worse" is asked, and a longer window's
count over the whole area cannot change under a permutation of the area.)"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import instances
from test_milp_status import INSTANCES

from jisopt.evaluate import evaluate
from jisopt.instance import Instance, RatioRule
from jisopt.instance_io import read_instance
from jisopt.objective import ratio_window_counts
from jisopt.plan import Plan
from jisopt.policies.milp import SolveStatus, solve_exact
from jisopt.policies.ratio_rules import RatioRulePolicy
from jisopt.policies.rules import RulePolicy
from jisopt.subsequences import slot_end


def with_rule(instance: Instance, carriers: np.ndarray, max_count: int, window: int) -> Instance:
    options = np.zeros((instance.n_orders, 1), dtype=bool)
    options[carriers, 0] = True
    return instance.replace(option_names=("opt",), options=options,
                            ratio_rules=(RatioRule(0, max_count, window, hard=True),)).check()


def ratio_violations(instance: Instance, plan: Plan) -> int:
    return sum(v.kind == "ratio" for v in evaluate(instance, plan).violations)


def test_a_window_longer_than_the_area_counts_the_whole_area():
    inst = read_instance(INSTANCES / "single_delay.json")
    length = slot_end(inst) - inst.first_slot
    for window in (length - 1, length, length + 1, 900, 10**12):
        ruled = with_rule(inst, np.array([0, 5]), 1, window)
        counts = ratio_window_counts(ruled, ruled.slot, slot_end(ruled))[0]
        assert counts.shape == (max(length - window + 1, 1),)
        assert counts.max() == 2
        plan = RulePolicy("dynamic")(ruled)
        new_counts = ratio_window_counts(ruled, plan.slot, slot_end(ruled))[0]
        worse = bool((new_counts > np.maximum(counts, 1)).any())
        assert evaluate(ruled, plan).feasible == (not worse)
        result = solve_exact(ruled)
        assert result.status == SolveStatus.OPTIMAL, (window, result.message)
        if window >= length:
            # one window over the whole area: its count cannot change, so no plan is worse
            assert not worse
        # the ratio-aware rule judges the same windows (no array of the rule's length either)
        aware = RatioRulePolicy("dynamic")(ruled)
        assert aware.status == "ok" and evaluate(ruled, aware).feasible, window
    # a loose rule stays feasible however long its window
    loose = with_rule(inst, np.array([0, 5]), 2, 10**6)
    assert evaluate(loose, RulePolicy("dynamic")(loose)).feasible
    assert solve_exact(loose).status == SolveStatus.OPTIMAL


@st.composite
def ruled_instances(draw):
    inst = draw(instances(max_disrupted=2))
    n = inst.n_orders
    carriers = np.flatnonzero(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    length = slot_end(inst) - inst.first_slot
    windows = sorted(draw(st.lists(st.integers(1, length + 5), min_size=2, max_size=5, unique=True)))
    max_count = draw(st.integers(0, windows[0]))
    # The input keeps the strictest (longest) rule, hence every looser one.
    longest = with_rule(inst, carriers, max_count, windows[-1])
    assume(ratio_window_counts(longest, inst.slot, slot_end(inst))[0].max(initial=0) <= max_count)
    return inst, carriers, max_count, windows


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(ruled_instances())
def test_evaluate_is_monotone_in_the_window(case):
    inst, carriers, max_count, windows = case
    plans = [Plan(inst.slot.copy(), "none"), RulePolicy("dynamic")(inst), RulePolicy("leap")(inst)]
    for plan in plans:
        infeasible = [ratio_violations(with_rule(inst, carriers, max_count, w), plan) > 0
                      for w in windows]
        # once a window N breaks the rule, every longer window does too
        assert infeasible == sorted(infeasible), (windows, infeasible)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ruled_instances())
def test_exact_model_is_monotone_in_the_window(case):
    inst, carriers, max_count, windows = case
    status = [solve_exact(with_rule(inst, carriers, max_count, w), max_later_slots=inst.n_orders,
                          diagnose=False, time_limit_s=20).status for w in windows]
    assert SolveStatus.ERROR not in status
    infeasible = [s == SolveStatus.INFEASIBLE for s in status]
    assert infeasible == sorted(infeasible), (windows, status)
