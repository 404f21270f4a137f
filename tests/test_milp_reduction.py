"""The exact candidate reduction (docs/milp.md, "Candidate reduction") keeps the optimum.

Evidence, each independent of the reduction's own code:

* the full model (``build_data(..., reduce=False)``) on several hundred random instances,
  with and without ratio rules, single and batch disruptions, weightings with zero
  delay, zero reschedule weight and all weights zero;
* brute force over ``evaluate`` on tiny instances (the helper of test_milp_model);
* every feasible rule plan (step, leap, dynamic, ontime, with and without swaps, and the
  ratio-aware rules where there are ratio rules) is never better than the optimum;
* the constructive step of the proof (:meth:`ReinsertionData.exchanged`) turns every
  feasible rule plan into a candidate plan that costs no more;
* a hand-worked instance whose candidate bounds are computed in the comments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, build_instance, single_instances
from test_milp_model import brute_force, tiny_instances

from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.policies import make_policy
from jisopt.policies.milp import SolveStatus, build_data, solve_exact
from jisopt.policies.milp.bounds import reduction_applies
from jisopt.policies.milp.fast import solve_assignment
from jisopt.policies.ratio_rules import RATIO_RULE_NAMES
from jisopt.policies.rules import RulePolicy
from jisopt.scenario import Scenario, SupplierSpec
from jisopt.weights import Weights

TOL = 1e-6
WEIGHTINGS = (
    Weights(),
    Weights(delay=1.0, reschedules=0.2),
    Weights(delay=0.0, reschedules=1.0),
    Weights(delay=1.0, reschedules=0.0),
    Weights(delay=0.0, reschedules=0.0),
    Weights(delay=0.1, reschedules=2.0, displacement=0.5, stock=0.25, idle=1.0),
    Weights(delay=1.0, reschedules=0.0, displacement=0.0, stock=0.0, idle=3.0),
)
RULES = ("step", "leap", "dynamic", "ontime")

# A short line whose window holds many orders with nothing started (the case the
# reduction is for): takt 1 h, lead times 8 / 16 / 30 h, 10-hour planning periods.
SMALL_LINE = Scenario(
    name="small", takt_h=1.0, frozen_zone_h=60.0, planning_period_h=10.0,
    suppliers=tuple(SupplierSpec(name=f"s{k}", lead_time_h=lt, versions=2)
                    for k, lt in enumerate((8.0, 16.0, 30.0))),
)


def fast_optimum(data) -> tuple[SolveStatus, float | None]:
    out = solve_assignment(data)
    return out.status, out.objective


def assert_same_optimum(inst: Instance, weights: Weights) -> tuple[int, int]:
    """Reduced and full fast path agree; returns the two pair counts."""
    reduced = build_data(inst, weights)
    full = build_data(inst, weights, reduce=False)
    assert not full.reduced
    s_red, v_red = fast_optimum(reduced)
    s_full, v_full = fast_optimum(full)
    assert s_red == s_full
    if s_full == SolveStatus.OPTIMAL:
        assert v_red == pytest.approx(v_full, abs=TOL)
    assert reduced.n_pairs <= full.n_pairs
    return reduced.n_pairs, full.n_pairs


def generated(seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    return generate_instance(seed, n_slots=int(rng.integers(40, 90)), scenario=SMALL_LINE,
                             n_disrupted=int(rng.integers(1, 4)),
                             gap_share=float(rng.choice([0.0, 0.05, 0.15])),
                             postponed_share=float(rng.choice([0.0, 0.05])))


# ---- reduced optimum = full optimum ------------------------------------------------------


@pytest.mark.parametrize("w", WEIGHTINGS, ids=str)
def test_reduced_equals_full_on_generated_instances(w):
    """7 weightings x 30 generated instances (single and batch) = 210 comparisons."""
    cut = 0
    for seed in range(30):
        n_red, n_full = assert_same_optimum(generated(seed), w)
        cut += n_red < n_full
    assert cut >= 20  # the reduction does cut these instances (the test is not vacuous)


@settings(max_examples=120, deadline=None)
@given(inst=st.one_of(single_instances(), batch_instances()), w=st.sampled_from(WEIGHTINGS))
def test_reduced_equals_full_on_random_instances(inst, w):
    assert_same_optimum(inst, w)


@settings(max_examples=25, deadline=None)
@given(inst=tiny_instances(), w=st.sampled_from(WEIGHTINGS))
def test_reduced_equals_brute_force_on_tiny_instances(inst, w):
    expected = brute_force(inst, w)
    result = solve_exact(inst, w, method="fast")
    if expected is None:
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.objective == pytest.approx(expected, abs=TOL)


def with_ratio_rules(seed: int, hard: bool) -> Instance:
    """Two ``H:N`` rules on random options (the input sequence often breaks windows, so
    exchanging orders of different options would change the excess)."""
    inst = generate_instance(seed, n_slots=40, scenario=SMALL_LINE, n_disrupted=1 + seed % 2,
                             ratio_rules=((1, 2), (2, 5)), gap_share=0.15)
    options = np.random.default_rng(seed).random(inst.options.shape) < 0.5
    rules = tuple(type(r)(r.option, max_count=r.max_count, window=r.window, hard=hard,
                          penalty=3.0) for r in inst.ratio_rules)
    return inst.replace(options=options, ratio_rules=rules)


@pytest.mark.parametrize("hard", [True, False], ids=["hard", "soft"])
@pytest.mark.parametrize("seed", range(8))
def test_reduced_equals_full_with_ratio_rules_on_the_milp(seed, hard):
    """The exchange keeps ratio counts (orders exchange only with the same options)."""
    inst = with_ratio_rules(seed, hard)
    w = Weights(delay=1.0, reschedules=0.5)
    reduced = build_data(inst, w)
    full = build_data(inst, w, reduce=False)
    assert reduced.n_pairs < full.n_pairs
    results = {}
    for label, data in (("reduced", reduced), ("full", full)):
        from jisopt.policies.milp.solve import _solve_pyomo

        out = _solve_pyomo(data, time_limit_s=60, mip_rel_gap=0.0, warm_start=None,
                           highs_options=None)
        results[label] = (out.status, out.objective)
    assert results["reduced"][0] == results["full"][0]
    if results["full"][0] == SolveStatus.OPTIMAL:
        assert results["reduced"][1] == pytest.approx(results["full"][1], abs=TOL)
        # and the reduced model's plan is a feasible plan of the instance worth that much
        result = solve_exact(inst, w, method="pyomo", mip_rel_gap=0.0)
        ev = evaluate(inst, result.plan)
        assert ev.feasible and ev.objective(w) == pytest.approx(results["full"][1], abs=TOL)
        for name in RATIO_RULE_NAMES:
            rule_ev = evaluate(inst, make_policy(name)(inst))
            if rule_ev.feasible:
                assert results["full"][1] <= rule_ev.objective(w) + TOL, name


# ---- the optimum against the rules, the reported objective against evaluate ------------


@pytest.mark.parametrize("w", WEIGHTINGS[:4], ids=str)
def test_reduced_optimum_is_evaluated_and_beats_every_feasible_rule(w):
    for seed in range(100, 112):
        inst = generated(seed)
        result = solve_exact(inst, w, method="fast")
        assert result.status == SolveStatus.OPTIMAL, result.message
        ev = evaluate(inst, result.plan)
        assert ev.feasible and result.objective == pytest.approx(ev.objective(w), abs=TOL)
        for rule in RULES:
            for swap in (False, True):
                rule_ev = evaluate(inst, RulePolicy(rule, swap=swap)(inst))
                if rule_ev.feasible and not swap:
                    assert result.objective <= rule_ev.objective(w) + TOL, rule
        swapped = solve_exact(inst, w, method="fast", swap=True)
        for rule in RULES:
            rule_ev = evaluate(inst, RulePolicy(rule, swap=True)(inst))
            if rule_ev.feasible:
                assert swapped.objective <= rule_ev.objective(w) + TOL, rule


def scrambled(inst: Instance, slot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``slot`` with random exchanges between orders with nothing started that sit next
    to each other in the plan (feasibility is left to evaluate)."""
    out = slot.copy()
    free = np.flatnonzero(~inst.has_started)
    free = free[np.argsort(out[free])]
    for _ in range(3):
        if free.size < 2:
            break
        j = int(rng.integers(0, free.size - 1))
        a, b = free[j], free[j + 1]
        out[a], out[b] = out[b], out[a]
    return out


@pytest.mark.parametrize("w", WEIGHTINGS, ids=str)
def test_exchange_turns_feasible_plans_into_no_worse_candidate_plans(w):
    """The proof's constructive step on real plans (the rules', the full model's optimum
    and random exchanges of it): the exchanged plan is feasible, uses only candidate
    pairs and costs no more than the plan it came from."""
    rng = np.random.default_rng(5)
    brought_in = 0
    for seed in range(200, 215):
        inst = generated(seed)
        data = build_data(inst, w)
        full = build_data(inst, w, reduce=False)
        optimum = full.slot_array(solve_assignment(full).chosen)
        plans = [RulePolicy(rule)(inst).slot for rule in RULES] + [optimum]
        plans += [scrambled(inst, optimum, rng) for _ in range(5)]
        for slot in plans:
            ev = evaluate(inst, Plan(slot, "plan"))
            if not ev.feasible or full.pair_index(slot) is None:
                continue
            exchanged = data.exchanged(slot)
            chosen = data.pair_index(exchanged)
            assert chosen is not None, seed
            brought_in += data.pair_index(slot) is None
            ev_x = evaluate(inst, Plan(exchanged, "exchanged"))
            assert ev_x.feasible, [v.message for v in ev_x.violations]
            assert ev_x.objective(w) <= ev.objective(w) + TOL
            assert data.plan_objective(chosen) == pytest.approx(ev_x.objective(w), abs=TOL)
    assert brought_in > 0  # some plans lay outside the candidates and were brought in


# ---- a hand-worked instance --------------------------------------------------------------


def hand_instance() -> Instance:
    """Takt 1 h, now 10 h, one supplier with lead time 3 h.

    Slots 10..16: order A (10) started (10 - 3 <= 10) and delayed to 12.5 h; B (11),
    C (12), D (13) started (13 - 3 = 10 <= 10); slot 14 empty; E (15), F (16) not
    started (15 - 3 = 12 > 10). Every due date is far ahead, so no order is late.
    """
    return build_instance(
        takt_h=1.0, now_h=10.0, lead_time_h=[3.0], slots=[10, 11, 12, 13, 15, 16],
        due_h=[100.0] * 6, disruptions=[(0, 0, "delay", 12.5)], first_slot=10,
        horizon_slots=7,
    )


def test_hand_worked_candidate_bounds():
    inst = hand_instance()
    w = Weights()
    full = build_data(inst, w, reduce=False)
    data = build_data(inst, w)
    assert data.reduced
    # Window [10, 18): slot_end = horizon end 17 plus one spare slot.
    assert (full.window_start, full.end) == (10, 18)
    pos = {int(inst.slot[r]): k for k, r in enumerate(data.rows)}
    # E and F: nothing started, call-off needs s * 1 - 3 > 10, i.e. s >= 14; K = 1, so
    # E in [14, 16], F in [14, 17]. Both on time, same lower bound 14: one group, E has
    # rank 0 (old slot 15), F rank 1 (old slot 16): F's candidates start at 14 + 1 = 15.
    assert full.lower[pos[15]] == 14 and full.upper[pos[15]] == 16
    assert full.lower[pos[16]] == 14 and full.upper[pos[16]] == 17
    assert data.pair_lower[pos[15]] == 14
    assert data.pair_lower[pos[16]] == 15
    # Started orders keep their intervals.
    for c in (10, 11, 12, 13):
        assert data.pair_lower[pos[c]] == full.lower[pos[c]]
    assert full.n_pairs - data.n_pairs == 1
    # The plan with F at 14 and E at 15 (orders crossed) is brought back to E 14, F 15.
    plan = inst.slot.copy()
    plan[data.rows[pos[15]]], plan[data.rows[pos[16]]] = 15, 14
    assert data.pair_index(plan) is None
    fixed = data.exchanged(plan)
    assert (fixed[data.rows[pos[15]]], fixed[data.rows[pos[16]]]) == (14, 15)
    # Optimum by hand: A's step = max(10 + 1, ceil(12.5 / 1)) = 13 and leap =
    # max(13, floor((10 + 3) / 1)) = 13, so A takes 13 and D (started) moves on to the
    # gap 14: 2 reschedules, no delay (due 100 h): objective 2.
    assert solve_exact(inst, w, method="fast").objective == pytest.approx(2.0)


# ---- when the reduction switches itself off ----------------------------------------------


@dataclass(frozen=True)
class WeightsWithUserTerm(Weights):
    """Weights of a term the reduction does not know (as a user term would add)."""

    user: float = 1.0


def test_unknown_terms_switch_the_reduction_off():
    inst = generated(7)
    assert reduction_applies(Weights())
    assert not reduction_applies(WeightsWithUserTerm())
    assert reduction_applies(WeightsWithUserTerm(user=0.0))
    off = build_data(inst, WeightsWithUserTerm())
    full = build_data(inst, Weights(), reduce=False)
    assert not off.reduced and off.candidate_lower is None
    assert off.n_pairs == full.n_pairs
    assert build_data(inst, Weights()).n_pairs < full.n_pairs


def test_public_arrays_describe_the_reduced_pairs():
    """pair_order / pair_slot / pair_cost, pair_index and slot_array stay consistent."""
    data = build_data(generated(11), Weights())
    assert data.reduced and data.candidate_lower is not None
    width = data.pair_upper - data.pair_lower + 1
    assert data.n_pairs == int(width.sum())
    assert np.all(data.pair_slot >= data.pair_lower[data.pair_order])
    assert np.all(data.pair_slot <= data.pair_upper[data.pair_order])
    assert np.all(data.pair_lower >= data.lower)
    out = solve_assignment(data)
    slot = data.slot_array(out.chosen)
    assert np.array_equal(data.pair_index(slot), out.chosen)
