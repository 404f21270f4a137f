"""The model built from arrays for highspy (``method="highs"``) against the readable Pyomo
model, ``evaluate`` and the rules, on random instances with hard and soft ratio rules."""

from __future__ import annotations

import dataclasses

import pytest

from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.policies import make_policy
from jisopt.policies.milp import solve_exact
from jisopt.policies.milp.data import build_data
from jisopt.policies.milp.highs_model import build_array_model, ratio_nonzeros
from jisopt.policies.milp.result import SolveStatus
from jisopt.weights import Weights

RULES = ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
WEIGHTINGS = (Weights(delay=1.0, reschedules=1.0), Weights(delay=1.0, reschedules=0.1, ratio=5.0),
              Weights(delay=0.0, reschedules=1.0, displacement=0.5))
COMPARED = ("step", "dynamic", "ontime", "ratio-step", "ratio-dynamic", "ratio-ontime")


def ratio_instance(seed: int):
    inst = generate_instance(seed=seed, n_slots=50 + 10 * (seed % 4), n_disrupted=1 + seed % 2,
                             ratio_rules=RULES)
    rules = list(inst.ratio_rules)
    rules[-1] = dataclasses.replace(rules[-1], hard=False, penalty=2.0)  # 1:5 soft
    if seed % 3 == 0:
        rules[0] = dataclasses.replace(rules[0], hard=False)
    return inst.replace(ratio_rules=tuple(rules))


@pytest.mark.parametrize("seed", range(24))
def test_highs_equals_pyomo_and_evaluate_and_beats_every_feasible_rule(seed: int) -> None:
    inst = ratio_instance(seed)
    weights = WEIGHTINGS[seed % len(WEIGHTINGS)]
    highs = solve_exact(inst, weights, method="highs", time_limit_s=60)
    pyomo = solve_exact(inst, weights, method="pyomo", time_limit_s=60)
    assert highs.status == pyomo.status
    if highs.status == SolveStatus.INFEASIBLE:
        return
    assert highs.status == SolveStatus.OPTIMAL and highs.method == "highs"
    assert highs.objective == pytest.approx(pyomo.objective, rel=1e-6, abs=1e-6)
    assert highs.plan is not None
    check = evaluate(inst, highs.plan)
    assert check.feasible
    assert highs.objective == pytest.approx(check.objective(weights), rel=1e-9, abs=1e-9)
    for name in COMPARED:
        plan = make_policy(name)(inst)
        result = evaluate(inst, plan)
        if result.feasible:
            assert highs.objective <= result.objective(weights) + 1e-6, name


def test_both_ratio_forms_and_lazy_windows_give_the_same_optimum() -> None:
    from jisopt.policies.milp.highs_model import solve_array_model

    inst = ratio_instance(4)
    data = build_data(inst, Weights())
    values = set()
    for form in ("aggregated", "pairs"):
        model = build_array_model(data, ratio_form=form)
        for lazy in (False, True):
            run, chosen = solve_array_model(model, time_limit_s=30, mip_rel_gap=1e-9, lazy=lazy)
            assert run.termination == "optimal" and chosen is not None
            values.add(round(data.plan_objective(chosen), 9))
    assert len(values) == 1
    counts = ratio_nonzeros(data)
    assert set(counts) >= {"aggregated", "pairs"} and min(counts.values()) > 0


def test_a_broken_input_window_does_not_make_the_model_infeasible() -> None:
    # options redrawn so the input sequence breaks 1:2 somewhere: its caps allow that, no worse
    import numpy as np

    inst = ratio_instance(7)
    opts = inst.options.copy()
    opts[:, 0] = np.random.default_rng(0).random(opts.shape[0]) < 0.7
    inst = inst.replace(options=opts)
    highs = solve_exact(inst, method="highs", time_limit_s=30)
    pyomo = solve_exact(inst, method="pyomo", time_limit_s=30)
    assert highs.status == pyomo.status
    if highs.status.has_solution:
        assert highs.objective == pytest.approx(pyomo.objective, rel=1e-6, abs=1e-6)
        assert evaluate(inst, highs.plan).feasible
