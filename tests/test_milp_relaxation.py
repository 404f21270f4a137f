"""The option relaxation of the exact model with ratio rules (:mod:`jisopt.policies.milp.relaxation`).

Checked against independent evidence: the Pyomo reference model, the highs path without the
relaxation, :func:`~jisopt.evaluate.evaluate` and brute force. The instances use a short line
(takt 1 h, lead times 8 / 16 / 30 h) so that the window holds orders with nothing started (the
free orders the relaxation exempts); on the default tractor line every window order of a short
horizon has a started part and the relaxation never runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import time

import numpy as np
import pytest
from strategies import build_instance

from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.instance import Instance, RatioRule
from jisopt.objective import ratio_window_counts
from jisopt.plan import Plan
from jisopt.policies import make_policy
from jisopt.policies.milp import SolveStatus, solve_exact
from jisopt.policies.milp.data import ReinsertionData, build_data
from jisopt.policies.milp.highs_model import build_array_model, solve_array_model
from jisopt.policies.milp.relaxation import free_orders, solve_by_relaxation
from jisopt.policies.milp.solve import _solve_arrays
from jisopt.scenario import Scenario, SupplierSpec
from jisopt.weights import Weights

TOL = 1e-6
RULES = ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
WEIGHTINGS = (Weights(delay=1.0, reschedules=1.0), Weights(delay=1.0, reschedules=0.1, ratio=5.0),
              Weights(delay=0.0, reschedules=1.0, displacement=0.5))
PLAIN_RULES = ("step", "leap", "dynamic", "ontime")
RATIO_RULES = ("ratio-step", "ratio-leap", "ratio-dynamic", "ratio-ontime")
SMALL_LINE = Scenario(
    name="small", takt_h=1.0, frozen_zone_h=60.0, planning_period_h=10.0,
    suppliers=tuple(SupplierSpec(name=f"s{k}", lead_time_h=lt, versions=2)
                    for k, lt in enumerate((8.0, 16.0, 30.0))),
)

# How the relaxation ends on each case of ratio_instance (seed, weighting index) whose model is
# feasible and on which the relaxation runs (some free order carries an option of a ratio rule):
# "alone", its own plan meets the bound; "tightened", the plan of a tightened relaxation (the free
# orders near the windows the plan broke or paid for count their options) does; "completion", the
# completion does; "open", none (the whole model is solved with the best plan as start). Found
# once by solving every case, with the default tightenings (_KINDS) and without any
# (_KINDS_UNTIGHTENED, max_tightenings=0); the tests check each again.
_KINDS = """2 aaa 3 aaa 5 aaa 6 aaa 7 aaa 9 aat 10 ttt 11 aaa 13 aat 14 ttt 15 aaa 16 aat 17 ttt 18 ttt
19 aaa 20 ttt 22 aaa 23 tta 24 aaa 25 aaa 26 aaa 28 aaa 29 aaa 30 aaa 31 aat 33 ttt 34 aaa 35 aaa"""
_KINDS_UNTIGHTENED = """2 aaa 3 aaa 5 aaa 6 aaa 7 aaa 9 aac 10 ccc 11 aaa 13 aac 14 ccc 15 aaa 16 aac
17 cco 18 ooo 19 aaa 20 ooo 22 aaa 23 cca 24 aaa 25 aaa 26 aaa 28 aaa 29 aaa 30 aaa 31 aao 33 ccc
34 aaa 35 aaa"""
_NAMES = {"a": "alone", "t": "tightened", "c": "completion", "o": "open"}


def _kinds(table: str) -> dict[tuple[int, int], str]:
    words = table.split()
    return {(int(seed), w): _NAMES[k] for seed, kinds in zip(words[::2], words[1::2], strict=True)
            for w, k in enumerate(kinds)}


KIND = _kinds(_KINDS)
KIND_UNTIGHTENED = _kinds(_KINDS_UNTIGHTENED)
RELAXED_CASES = tuple(KIND)
NOT_ALONE = tuple(case for case, kind in KIND.items() if kind != "alone")


def ratio_instance(seed: int) -> Instance:
    """40..90 slots of the short line, 1..3 disrupted orders, five rules (1:5 soft, 1:2 soft
    for every third seed)."""
    rng = np.random.default_rng(seed)
    inst = generate_instance(seed, n_slots=int(rng.integers(40, 91)), n_disrupted=int(rng.integers(1, 4)),
                             ratio_rules=RULES, scenario=SMALL_LINE)
    rules = list(inst.ratio_rules)
    rules[-1] = dataclasses.replace(rules[-1], hard=False, penalty=2.0)
    if seed % 3 == 0:
        rules[0] = dataclasses.replace(rules[0], hard=False)
    return inst.replace(ratio_rules=tuple(rules))


def exempt_mask(data: ReinsertionData) -> np.ndarray:
    """``(n,)`` bool: the free window orders carrying an option of a ratio rule (the mask
    :func:`solve_by_relaxation` exempts)."""
    options = sorted({rw.rule.option for rw in data.ratio})
    carries = data.instance.options[data.rows][:, options].any(axis=1)
    mask = np.zeros(data.instance.n_orders, dtype=bool)
    mask[data.rows[free_orders(data) & carries]] = True
    return mask


def pyomo_optimum(inst: Instance, weights: Weights):
    result = solve_exact(inst, weights, method="pyomo", time_limit_s=60, diagnose=False)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    return result


def highs_without_relaxation(data: ReinsertionData) -> float:
    out = _solve_arrays(data, time_limit_s=60, mip_rel_gap=1e-6, warm_start=None, highs_options=None,
                        reschedule_limit=None, deadline=None, relax=False)
    assert out.status == SolveStatus.OPTIMAL
    return float(out.objective)


def relax(data: ReinsertionData, max_tightenings: int | None = None):
    return solve_by_relaxation(data, deadline=time.perf_counter() + 60, mip_rel_gap=1e-6,
                               max_tightenings=max_tightenings)


def feasible_rule_plans(inst: Instance, weights: Weights) -> dict[str, tuple[Plan, float]]:
    out = {}
    for name in PLAIN_RULES + RATIO_RULES:
        plan = make_policy(name)(inst)
        ev = evaluate(inst, plan)
        if ev.feasible:
            out[name] = (plan, ev.objective(weights))
    return out


def counts_by_start(data: ReinsertionData, chosen: np.ndarray) -> list[dict[int, int]]:
    return [dict(zip(rw.start.tolist(), count.tolist(), strict=True))
            for rw, count in zip(data.ratio, data.window_counts(chosen), strict=True)]


# ---- 1. the relaxation is a relaxation ---------------------------------------------------------


@pytest.mark.parametrize("seed", (2, 3, 10, 14, 17, 18, 20, 33))
def test_the_relaxed_data_values_every_plan_of_the_model_no_higher(seed: int) -> None:
    inst = ratio_instance(seed)
    rng = np.random.default_rng(seed)
    checked = 0
    for weights in WEIGHTINGS:
        data = build_data(inst, weights)
        mask = exempt_mask(data)
        assert mask.any()
        relaxed = build_data(inst, weights, ratio_exempt=mask)
        # the same plans on every candidate slot: without the candidate reduction
        full = build_data(inst, weights, reduce=False)
        full_relaxed = build_data(inst, weights, reduce=False, ratio_exempt=mask)
        cleared = inst.options.copy()
        cleared[mask] = False
        plans = [plan for plan, _ in feasible_rule_plans(inst, weights).values()]
        optimum = pyomo_optimum(inst, weights)
        assert optimum.status == SolveStatus.OPTIMAL
        plans.append(optimum.plan)
        # further plans: the optimum with two free orders of the window exchanged
        free_rows = data.rows[free_orders(data)]
        for _ in range(6):
            a, b = rng.choice(free_rows, size=2, replace=False)
            slot = optimum.plan.slot.copy()
            slot[[a, b]] = slot[[b, a]]
            plans.append(Plan(slot, "exchange"))
        for plan in plans:
            ev = evaluate(inst, plan)
            if not ev.feasible:
                continue
            value = ev.objective(weights)
            own = full.pair_index(plan.slot)
            mine = full_relaxed.pair_index(plan.slot)
            assert own is not None and mine is not None
            assert full.plan_objective(own) == pytest.approx(value, abs=TOL)
            assert full_relaxed.plan_objective(mine) <= value + TOL
            reduced = relaxed.pair_index(relaxed.exchanged(plan.slot))
            assert reduced is not None
            assert relaxed.plan_objective(reduced) <= value + TOL
            assert data.plan_objective(data.pair_index(data.exchanged(plan.slot))) <= value + TOL
            # a plan of the model keeps every hard window of the relaxation
            assert not any(b.any() for b in full_relaxed.broken_hard_windows(mine))
            real = counts_by_start(full, own)
            for r, (rw, by_start) in enumerate(zip(full_relaxed.ratio, counts_by_start(full_relaxed, mine),
                                                   strict=True)):
                real_cap = dict(zip(full.ratio[r].start.tolist(), full.ratio[r].cap.tolist(), strict=True))
                for start, cap, count in zip(rw.start.tolist(), rw.cap.tolist(), by_start.values(),
                                             strict=True):
                    assert cap == real_cap[start]  # caps stay the real ones
                    assert count <= real[r][start]
            # and the counts agree with the instance's own window counts, options cleared or not
            true_counts = ratio_window_counts(inst, plan.slot, full.end)
            relaxed_counts = ratio_window_counts(inst.replace(options=cleared), plan.slot, full.end)
            for r, rw in enumerate(full_relaxed.ratio):
                offset = rw.start - inst.first_slot
                mine_counts = np.array(list(counts_by_start(full_relaxed, mine)[r].values()))
                assert np.array_equal(mine_counts, relaxed_counts[r][offset])
                assert (relaxed_counts[r] <= true_counts[r]).all()
            checked += 1
    assert checked >= len(WEIGHTINGS)  # at least the optimum of each weighting


# ---- 2. the bound, and a proven plan is optimal ------------------------------------------------


@pytest.mark.parametrize("tightened", [True, False], ids=["tightened", "untightened"])
@pytest.mark.parametrize(("seed", "w"), RELAXED_CASES)
def test_bound_is_below_the_optimum_and_a_proven_plan_is_optimal(seed: int, w: int,
                                                                 tightened: bool) -> None:
    inst, weights = ratio_instance(seed), WEIGHTINGS[w]
    data = build_data(inst, weights)
    outcome = relax(data, None if tightened else 0)
    assert outcome is not None and outcome.bound is not None
    reference = pyomo_optimum(inst, weights)
    assert reference.status == SolveStatus.OPTIMAL
    optimum = float(reference.objective)
    if seed % 4 == 0:  # the second reference on a quarter of the cases (time)
        assert highs_without_relaxation(data) == pytest.approx(optimum, rel=TOL, abs=TOL)
    assert outcome.bound <= optimum + TOL * max(1.0, abs(optimum))
    if outcome.chosen is not None:
        assert outcome.objective >= optimum - TOL * max(1.0, abs(optimum))
        plan = Plan(data.slot_array(outcome.chosen), "relaxation")
        ev = evaluate(inst, plan)
        assert ev.feasible
        assert ev.objective(weights) == pytest.approx(outcome.objective, rel=1e-9, abs=1e-9)
    if outcome.proven:
        assert outcome.objective == pytest.approx(optimum, rel=TOL, abs=TOL)
    kind = ("open" if not outcome.proven else "completion" if outcome.completion_pairs
            else "tightened" if outcome.tightenings else "alone")
    assert kind == (KIND if tightened else KIND_UNTIGHTENED)[seed, w]
    if not tightened:
        assert outcome.tightenings == 0


def test_the_cases_cover_every_way_the_relaxation_ends() -> None:
    assert len(RELAXED_CASES) >= 60 and set(KIND) == set(KIND_UNTIGHTENED)
    kinds = list(KIND.values())
    assert (kinds.count("alone"), kinds.count("tightened")) == (60, 24)
    kinds = list(KIND_UNTIGHTENED.values())
    assert (kinds.count("alone"), kinds.count("completion"), kinds.count("open")) == (60, 16, 8)
    # tightening decides every case the untightened relaxation left to a completion or open
    assert all(KIND[case] == "tightened" for case, kind in KIND_UNTIGHTENED.items()
               if kind != "alone")


# ---- 3. and 6. the default path where the relaxation alone does not prove optimality -----------


@pytest.mark.parametrize(("seed", "w"), NOT_ALONE)
def test_default_path_equals_pyomo_and_beats_every_feasible_rule(seed: int, w: int) -> None:
    inst, weights = ratio_instance(seed), WEIGHTINGS[w]
    result = solve_exact(inst, weights, time_limit_s=60)
    reference = pyomo_optimum(inst, weights)
    assert result.method == "highs" and result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(reference.objective, rel=TOL, abs=TOL)
    assert result.bound <= result.objective + TOL
    ev = evaluate(inst, result.plan)
    assert ev.feasible
    assert result.objective == pytest.approx(ev.objective(weights), rel=1e-9, abs=1e-9)
    for name, (_, value) in feasible_rule_plans(inst, weights).items():
        assert result.objective <= value + TOL, name


# ---- 4. brute force on tiny instances ------------------------------------------------------------


def tiny_ratio_instance(seed: int) -> Instance:
    """Up to 6 slots from 10 on, takt 1 h, now 10 h, one supplier (lead time 3 h): the orders
    from slot 14 on have nothing started. One or two disrupted orders; a hard 1:2 (or 1:3) rule
    and a soft 1:3 (or 2:3) rule on random options."""
    rng = np.random.default_rng(seed)
    horizon = int(rng.integers(4, 7))
    gap = {int(rng.integers(1, horizon))} if rng.random() < 0.3 else set()
    slots = [10 + k for k in range(horizon) if k not in gap]
    n = len(slots)
    due = [s + 1 + float(rng.integers(-2, 6)) / 4 for s in slots]
    started = [i for i in range(n) if slots[i] - 3 <= 10]
    picks = rng.choice(started, size=min(len(started), int(rng.integers(1, 3))), replace=False)
    disruptions = [(int(i), 0, "delay", slots[int(i)] + float(rng.integers(2, 12)) / 4) for i in picks]
    options = rng.random((n, 2)) < 0.45
    hard = RatioRule(option=0, max_count=1, window=int(rng.integers(2, 4)), hard=True)
    soft = RatioRule(option=1, max_count=int(rng.integers(1, 3)), window=3, hard=False, penalty=2.0)
    return build_instance(takt_h=1.0, now_h=10.0, lead_time_h=[3.0], slots=slots, due_h=due,
                          disruptions=disruptions, first_slot=10, horizon_slots=horizon,
                          options=options.tolist(), ratio_rules=[hard, soft])


def brute_force(inst: Instance, weights: Weights, data: ReinsertionData) -> float | None:
    """Minimum of evaluate's objective over every assignment of the window orders to distinct
    slots of the window (the other orders keep theirs); ``None`` if none is feasible."""
    best = None
    for slots in itertools.permutations(range(data.window_start, data.end), data.n_window):
        slot = inst.slot.copy()
        slot[data.rows] = slots
        ev = evaluate(inst, Plan(slot, "brute"))
        if ev.feasible:
            value = ev.objective(weights)
            best = value if best is None else min(best, value)
    return best


def test_default_path_equals_brute_force_on_tiny_instances() -> None:
    compared = relaxed = 0
    for seed in range(40):
        inst = tiny_ratio_instance(seed)
        for weights in WEIGHTINGS:
            data = build_data(inst, weights)
            if data.n_window > 6 or data.n_slots > 6:
                continue
            expected = brute_force(inst, weights, data)
            result = solve_exact(inst, weights, time_limit_s=30, diagnose=False)
            assert result.method == "highs"
            if expected is None:
                assert result.status == SolveStatus.INFEASIBLE, seed
            else:
                assert result.status == SolveStatus.OPTIMAL, seed
                assert result.objective == pytest.approx(expected, abs=TOL), seed
            compared += 1
            relaxed += relax(data) is not None
    assert compared >= 50 and relaxed >= 10, (compared, relaxed)


# ---- 5. planted bug: a wrong "relaxation" is caught by the bound check --------------------------


BOUND_CHECK_CASES = ((3, 0), (6, 1), (9, 2), (17, 0), (18, 2), (20, 1))
"""(seed, weighting) cases of the bound checks of other exempt sets."""


def relaxed_optimum(inst: Instance, weights: Weights, mask: np.ndarray) -> float | None:
    data = build_data(inst, weights, ratio_exempt=mask)
    _, chosen = solve_array_model(build_array_model(data), time_limit_s=30, mip_rel_gap=1e-9)
    return None if chosen is None else data.plan_objective(chosen)


def test_exempting_any_window_order_still_bounds_the_optimum() -> None:
    # Exempting started carriers too (not free orders) is still a relaxation: counts only fall,
    # caps stay the real ones. The bound is weaker, never above the optimum.
    weaker = 0
    for seed, w in BOUND_CHECK_CASES:
        inst, weights = ratio_instance(seed), WEIGHTINGS[w]
        data = build_data(inst, weights)
        optimum = float(pyomo_optimum(inst, weights).objective)
        every = np.zeros(inst.n_orders, dtype=bool)
        every[data.rows] = True
        assert (every & ~exempt_mask(data)).any() and inst.has_started_of(data.rows).any()
        bound = relaxed_optimum(inst, weights, every)
        assert bound is not None and bound <= optimum + TOL
        weaker += bound < relaxed_optimum(inst, weights, exempt_mask(data)) - TOL
    assert weaker >= 1


def test_a_relaxation_that_counts_options_the_orders_lack_gives_a_bound_above_the_optimum() -> None:
    # The planted defect: the free orders counted as carriers of every rule's option (instead of
    # none). The result is no relaxation, and the check of the bound catches it.
    caught = 0
    for seed, w in BOUND_CHECK_CASES:
        inst, weights = ratio_instance(seed), WEIGHTINGS[w]
        data = build_data(inst, weights)
        optimum = float(pyomo_optimum(inst, weights).objective)
        options = inst.options.copy()
        rows = data.rows[free_orders(data)]
        for rule in inst.ratio_rules:
            options[rows, rule.option] = True
        planted = inst.replace(options=options)
        none = np.zeros(inst.n_orders, dtype=bool)
        bound = relaxed_optimum(planted, weights, none)
        caught += bound is None or bound > optimum + TOL
        # the real relaxation of the same instance passes the check
        assert relaxed_optimum(inst, weights, exempt_mask(data)) <= optimum + TOL
    assert caught >= 1


# ---- the Pareto front's epsilon row goes into the relaxation and the completion too ----------


@pytest.mark.parametrize("seed", (2, 10, 14, 18))
def test_reschedule_limit_through_the_relaxation_equals_the_pyomo_reference(seed: int) -> None:
    inst, weights = ratio_instance(seed), Weights(delay=1.0, reschedules=0.0)
    unlimited = solve_exact(inst, Weights(delay=1.0, reschedules=1.0), method="pyomo", diagnose=False)
    assert unlimited.status == SolveStatus.OPTIMAL and unlimited.plan is not None
    moved = int(evaluate(inst, unlimited.plan).terms["reschedules"])
    for limit in sorted({0, max(moved - 1, 0), moved}):
        default = solve_exact(inst, weights, max_reschedules=limit, diagnose=False)
        reference = solve_exact(inst, weights, max_reschedules=limit, method="pyomo", diagnose=False)
        assert default.method == "highs" and default.status == reference.status, (seed, limit)
        if reference.status != SolveStatus.OPTIMAL:
            continue
        assert default.objective == pytest.approx(reference.objective, rel=TOL, abs=TOL)
        ev = evaluate(inst, default.plan)
        assert ev.feasible and ev.terms["reschedules"] <= limit
        assert ev.objective(weights) == pytest.approx(default.objective, rel=1e-9, abs=1e-9)


def test_the_relaxation_bound_survives_a_whole_model_run_without_a_bound(monkeypatch) -> None:
    """The whole model's HiGHS run stops at once (as at a time limit, simulated): the result
    keeps the relaxation's proven bound instead of reporting none."""
    import jisopt.policies.milp.highs_model as highs_model
    import jisopt.policies.milp.relaxation as relaxation

    monkeypatch.setattr(relaxation, "MAX_TIGHTENINGS", 0)  # else tightening decides every case
    seed, w = next(case for case, kind in KIND_UNTIGHTENED.items() if kind == "open")
    inst, weights = ratio_instance(seed), WEIGHTINGS[w]
    outcome = relax(build_data(inst, weights))
    assert outcome is not None and outcome.bound is not None and not outcome.proven
    real = highs_model.solve_array_model

    def starved(model, **kwargs):  # relaxation.py holds its own reference: not starved
        kwargs["time_limit_s"] = 1e-4
        return real(model, **kwargs)

    monkeypatch.setattr(highs_model, "solve_array_model", starved)
    result = solve_exact(inst, weights, diagnose=False)
    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert result.bound is not None and result.bound >= outcome.bound - TOL
    assert result.bound <= result.objective + TOL


def test_near_finds_the_free_orders_around_the_trouble() -> None:
    """Hand-worked: windows starting at slots 10 and 30, radius 3: slots 7..13 and 27..33."""
    from jisopt.policies.milp.relaxation import _near

    slots = np.array([5, 6, 7, 10, 13, 14, 20, 26, 27, 33, 34, 50])
    near = _near(slots, np.array([10, 30]), 3)
    assert slots[near].tolist() == [7, 10, 13, 27, 33]
    assert not _near(slots, np.zeros(0, np.int64), 3).any()


@pytest.mark.parametrize("max_tightenings", [0, 3])
def test_an_inflated_dual_bound_never_exceeds_the_relaxations_own_value(monkeypatch,
                                                                         max_tightenings) -> None:
    """HiGHS reports a dual bound above its plan's value (simulated): the bound kept is at
    most the value recomputed from the data, so nothing is proven on it."""
    import dataclasses

    import jisopt.policies.milp.relaxation as relaxation

    real = relaxation.solve_array_model

    def inflated(model, **kwargs):
        run, chosen = real(model, **kwargs)
        if run.termination == "optimal" and chosen is not None:
            run = dataclasses.replace(run, bound=model.data.plan_objective(chosen) + 0.5)
        return run, chosen

    monkeypatch.setattr(relaxation, "solve_array_model", inflated)
    inst, weights = ratio_instance(2), WEIGHTINGS[0]
    data = build_data(inst, weights)
    outcome = relax(data, max_tightenings)
    optimum = float(pyomo_optimum(inst, weights).objective)
    assert outcome is not None and outcome.bound is not None
    assert outcome.bound <= optimum + TOL
    assert outcome.proven and outcome.objective == pytest.approx(optimum, rel=TOL, abs=TOL)


def test_a_negative_number_of_tightenings_is_refused() -> None:
    data = build_data(ratio_instance(2), WEIGHTINGS[0])
    with pytest.raises(ValueError, match="max_tightenings"):
        relax(data, -1)


def test_the_result_reports_the_relaxation() -> None:
    """solve_exact's stats (and so Plan.info) carry the relaxation's sizes, tightenings and bound."""
    seed, w = next(case for case, kind in KIND.items() if kind == "tightened")
    inst, weights = ratio_instance(seed), WEIGHTINGS[w]
    result = solve_exact(inst, weights, time_limit_s=60)
    stats = result.stats
    assert stats["relaxation_tightenings"] >= 1 and stats["relaxation_pairs"] > 0
    assert stats["relaxation_bound"] <= result.objective + TOL and stats["relaxation_s"] > 0
    assert result.as_info()["relaxation_tightenings"] == stats["relaxation_tightenings"]
    plain = solve_exact(inst.replace(ratio_rules=()), weights)
    assert "relaxation_pairs" not in plain.stats
