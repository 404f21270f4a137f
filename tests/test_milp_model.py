"""The exact model against the solver-free evaluation, the rules and brute force.

Every test judges the model's plans with :func:`jisopt.evaluate.evaluate` (the
one definition of feasibility and of the objective), never with the model's
own data.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, build_instance, instances, single_instances

from jisopt.evaluate import evaluate
from jisopt.instance import Instance
from jisopt.instance_io import read_instance
from jisopt.plan import Plan
from jisopt.policies.milp import SolveStatus, build_data, solve_exact
from jisopt.policies.rules import RulePolicy
from jisopt.subsequences import slot_end
from jisopt.weights import Weights

WEIGHTINGS = (
    Weights(),
    Weights(delay=1.0, reschedules=0.2),
    Weights(delay=0.1, reschedules=2.0, displacement=0.5, stock=0.25, idle=1.0),
)
RULE_NAMES = ("step", "leap", "dynamic", "ontime")
INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
TOL = 1e-6


def assert_consistent(instance: Instance, result, weights: Weights, **constraints) -> float:
    """The plan is feasible under evaluate and the reported objective is evaluate's."""
    assert result.status.has_solution, result.message
    ev = evaluate(instance, result.plan, **constraints)
    assert ev.feasible, [v.message for v in ev.violations]
    assert result.objective == pytest.approx(ev.objective(weights), abs=TOL)
    assert result.bound is not None and result.bound <= result.objective + TOL
    return result.objective


def rule_objectives(instance: Instance, weights: Weights, swap: bool = False) -> dict[str, float]:
    """Objective of every rule plan that evaluate finds feasible."""
    out = {}
    for rule in RULE_NAMES:
        ev = evaluate(instance, RulePolicy(rule, swap=swap)(instance))
        if ev.feasible:
            out[rule] = ev.objective(weights)
    return out


# ---- never worse than any feasible rule plan ------------------------------------------


@settings(max_examples=40)
@given(inst=st.one_of(single_instances(), batch_instances()), w=st.sampled_from(WEIGHTINGS))
def test_fast_path_never_worse_than_a_feasible_rule(inst, w):
    result = solve_exact(inst, w, method="fast")
    rules = rule_objectives(inst, w)
    if not rules and result.status == SolveStatus.INFEASIBLE:
        return
    value = assert_consistent(inst, result, w)
    for rule, obj in rules.items():
        assert value <= obj + TOL, (rule, value, obj)


@settings(max_examples=20)
@given(inst=st.one_of(single_instances(), batch_instances()), w=st.sampled_from(WEIGHTINGS))
def test_pyomo_path_never_worse_and_equals_fast_path(inst, w):
    fast = solve_exact(inst, w, method="fast")
    exact = solve_exact(inst, w, method="pyomo")
    assert exact.status == fast.status
    if fast.status == SolveStatus.INFEASIBLE:
        assert not rule_objectives(inst, w)
        return
    value = assert_consistent(inst, exact, w)
    assert value == pytest.approx(fast.objective, abs=TOL)
    assert exact.gap == 0.0 and exact.method == "pyomo"
    for obj in rule_objectives(inst, w).values():
        assert value <= obj + TOL


@settings(max_examples=15)
@given(inst=instances(soft_ratio=True), w=st.sampled_from(WEIGHTINGS))
def test_soft_ratio_rules_go_to_the_milp_and_beat_every_rule(inst, w):
    result = solve_exact(inst, w)
    assert result.method == "highs"
    rules = rule_objectives(inst, w)  # rules ignore options: their plans pay the soft penalty
    if not rules and result.status == SolveStatus.INFEASIBLE:
        return
    value = assert_consistent(inst, result, w)
    for obj in rules.values():
        assert value <= obj + TOL
    # The warm start is the best rule plan; HiGHS must take it whenever there is one.
    if rules and result.stats.get("warm_start_rule"):
        assert result.stats["warm_start_objective"] == pytest.approx(min(rules.values()))
        assert result.warm_start_accepted in (True, None)


@settings(max_examples=20)
@given(inst=batch_instances(), w=st.sampled_from(WEIGHTINGS))
def test_with_swaps_never_worse_than_a_rule_with_swaps(inst, w):
    result = solve_exact(inst, w, swap=True)
    rules = rule_objectives(inst, w, swap=True)
    if not rules and result.status == SolveStatus.INFEASIBLE:
        return
    value = assert_consistent(inst, result, w)
    assert result.plan.policy == "milp+swap"
    for obj in rules.values():
        assert value <= obj + TOL


# ---- larger K and relaxed bounds can only help -----------------------------------------


@settings(max_examples=20)
@given(inst=st.one_of(single_instances(), batch_instances()))
def test_relaxations_never_increase_the_optimum(inst):
    base = solve_exact(inst, method="fast")
    wider = solve_exact(inst, method="fast", max_later_slots=inst.n_disrupted + 2)
    free = solve_exact(inst, method="fast", enforce_bounds=False)
    if base.status.has_solution:
        assert wider.objective <= base.objective + TOL
        assert free.objective <= base.objective + TOL
        assert_consistent(inst, wider, Weights(), max_later_slots=inst.n_disrupted + 2)
        assert_consistent(inst, free, Weights(), enforce_bounds=False)


# ---- brute force on tiny instances --------------------------------------------------------


@st.composite
def tiny_instances(draw) -> Instance:
    """Up to 7 orders from the first disrupted slot on; takt 1 h, now = 10 h."""
    M = draw(st.integers(1, 3))
    lead = draw(st.lists(st.integers(1, 9), min_size=M, max_size=M, unique=True))
    horizon = draw(st.integers(3, 7))
    gaps = draw(st.sets(st.integers(1, horizon - 1), max_size=2))
    slots = [10 + k for k in range(horizon) if k not in gaps]
    n = len(slots)
    due = [s + 1 + draw(st.integers(-8, 8)) / 4 for s in slots]
    postponed = {i: slots[i] - draw(st.integers(1, 4)) for i in range(n) if draw(st.integers(0, 4)) == 0}
    start = [postponed.get(i, s) for i, s in enumerate(slots)]
    started = [(i, m) for i in range(n) for m in range(M) if start[i] - lead[m] <= 10]
    if not started:
        lead[0] = 9
        started = [(i, 0) for i in range(n) if start[i] - 9 <= 10]
    chosen = draw(st.lists(st.sampled_from(started), min_size=1, max_size=2, unique=True))
    disruptions = []
    for i, m in chosen:
        if slots[i] < 10 + lead[m] and draw(st.booleans()):
            disruptions.append((i, m, "failure"))
        else:
            disruptions.append((i, m, "delay", slots[i] + draw(st.integers(1, 16)) / 4))
    return build_instance(takt_h=1.0, now_h=10.0, lead_time_h=lead, slots=slots, due_h=due,
                          postponed_from=postponed, disruptions=disruptions, first_slot=10,
                          horizon_slots=horizon)


def brute_force(instance: Instance, weights: Weights) -> float | None:
    """Minimum of evaluate's objective over every assignment of the window orders
    (from the first disrupted slot on) to distinct slots of the window; ``None``
    if none is feasible. Partial assignments are pruned with evaluate itself."""
    start = int(instance.slot[instance.disrupted_rows].min())
    end = slot_end(instance)
    window = [int(i) for i in np.argsort(instance.slot) if instance.slot[i] >= start]
    slot = instance.slot.copy()
    best: list[float | None] = [None]

    def violations_of_placed(open_rows: set[int]) -> bool:
        ev = evaluate(instance, Plan(slot.copy(), "brute"))
        open_ids = {int(instance.order_id[i]) for i in open_rows}
        return any(v.order is None or v.order not in open_ids for v in ev.violations), ev

    def place(k: int, used: set[int]) -> None:
        if k == len(window):
            bad, ev = violations_of_placed(set())
            if not bad:
                value = ev.objective(weights)
                best[0] = value if best[0] is None else min(best[0], value)
            return
        row = window[k]
        for s in range(start, end):
            if s in used:
                continue
            slot[row] = s
            bad, _ = violations_of_placed(set(window[k + 1:]))
            if not bad:
                place(k + 1, used | {s})
        slot[row] = -1

    for row in window:
        slot[row] = -1
    place(0, set())
    return best[0]


@settings(max_examples=30)
@given(inst=tiny_instances(), w=st.sampled_from(WEIGHTINGS))
def test_equals_brute_force_on_tiny_instances(inst, w):
    assert build_data(inst, w).n_window <= 7
    expected = brute_force(inst, w)
    for method in ("fast", "pyomo"):
        result = solve_exact(inst, w, method=method)
        if expected is None:
            assert result.status == SolveStatus.INFEASIBLE
        else:
            assert assert_consistent(inst, result, w) == pytest.approx(expected, abs=TOL)


# ---- an independent solver for the assignment --------------------------------------------


def networkx_optimum(instance: Instance, weights: Weights) -> float | None:
    """The same candidate pairs and costs solved as a min-cost flow by networkx."""
    data = build_data(instance, weights)
    if data.empty_intervals.size:
        return None
    scale = 10**6
    g = nx.DiGraph()
    g.add_node("source", demand=-data.n_window)
    g.add_node("sink", demand=data.n_window)
    for k in range(data.n_window):
        g.add_edge("source", ("order", k), capacity=1, weight=0)
    for s in range(data.window_start, data.end):
        g.add_edge(("slot", s), "sink", capacity=1, weight=0)
    for k, s, c in zip(data.pair_order, data.pair_slot, data.pair_cost, strict=True):
        g.add_edge(("order", int(k)), ("slot", int(s)), capacity=1, weight=round(c * scale))
    try:
        flow = nx.min_cost_flow(g)
    except nx.NetworkXUnfeasible:
        return None
    total = sum(c for k, s, c in zip(data.pair_order, data.pair_slot, data.pair_cost, strict=True)
                if flow[("order", int(k))].get(("slot", int(s)), 0))
    return total + data.constant


@settings(max_examples=25)
@given(inst=st.one_of(single_instances(), batch_instances()), w=st.sampled_from(WEIGHTINGS))
def test_fast_path_equals_networkx_min_cost_flow(inst, w):
    expected = networkx_optimum(inst, w)
    result = solve_exact(inst, w, method="fast")
    if expected is None:
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.status == SolveStatus.OPTIMAL
        assert result.objective == pytest.approx(expected, abs=1e-4)


# ---- hand-worked instances --------------------------------------------------------------


def test_single_delay_by_hand():
    """single_delay.json: order 5 (slot 105, due 110.5 h) is ready at 108 h, gap at 110,
    step 108, leap 110. Leap (5 -> 110) moves nobody else and completes at 111 h: 0.5 h
    late, 1 reschedule -> 1.5 with the default weights. Step (5 -> 108, 8 -> 109,
    9 -> 110) is on time but reschedules 3 orders -> 3. No plan does better than 1.5:
    5 must move (1 reschedule) and only 110 is free without moving others."""
    inst = read_instance(INSTANCES / "single_delay.json")
    result = solve_exact(inst)
    assert result.status == SolveStatus.OPTIMAL and result.objective == pytest.approx(1.5)
    assert int(result.plan.slot[inst.row_of(5)]) == 110
    # Reschedules cheap: ontime's 109 (pushes 9 to 110) is on time with 2 reschedules
    # -> 2 * 0.2 = 0.4, below leap's 0.5 + 0.2 = 0.7 and step's 3 * 0.2 = 0.6.
    cheap = solve_exact(inst, Weights(reschedules=0.2))
    assert cheap.objective == pytest.approx(0.4)
    assert_consistent(inst, cheap, Weights(reschedules=0.2))


def test_options_instance_with_hard_and_soft_ratio_rules():
    """options.json: step violates the hard sunroof 1:2 rule; leap is feasible with
    objective 0.7 (its weights: delay 1, reschedules 0.2). The model must find a
    plan that keeps every hard rule and costs at most 0.7."""
    inst = read_instance(INSTANCES / "options.json")
    result = solve_exact(inst)
    assert result.method == "highs"
    value = assert_consistent(inst, result, inst.weights)
    assert value <= 0.7 + TOL
    assert result.warm_start_accepted is True
    assert result.stats["warm_start_rule"] == "leap"


def test_no_disruption_keeps_the_sequence():
    inst = build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[3.0], slots=[1, 2, 4],
                          due_h=[1.0, 5.0, 5.0])
    result = solve_exact(inst)
    assert result.status == SolveStatus.OPTIMAL
    np.testing.assert_array_equal(result.plan.slot, inst.slot)
    # Order at slot 1 completes at 2 h, due 1 h: 1 h late, a constant.
    assert result.objective == pytest.approx(evaluate(inst, result.plan).objective()) == 1.0
