"""User objective terms: one definition for evaluate and the exact model.

A :class:`~jisopt.weights.UserTerm` travels inside :class:`~jisopt.weights.Weights`;
:func:`jisopt.objective.weighted_pair_costs` adds it to the model's pair costs and
:meth:`jisopt.evaluate.Evaluation.objective` to a plan's objective. The tests judge the
model's plans with ``evaluate`` and brute force, never with the model's own data.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, single_instances
from test_milp_model import assert_consistent, brute_force, rule_objectives, tiny_instances

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance_io import read_instance
from jisopt.objective import weighted_pair_costs
from jisopt.plan import Plan
from jisopt.policies.milp import ExactPolicy, SolveStatus, build_data, solve_exact
from jisopt.policies.rules import RulePolicy
from jisopt.weights import UserTerm, Weights

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
TOL = 1e-6


def squared_postponement(instance, rows, slots):
    """(slots later than the order's old slot)², 0 for a move earlier: convex, unlike
    every built-in term."""
    return np.maximum(slots - instance.slot[rows], 0).astype(float) ** 2


def displacement_again(instance, rows, slots):
    """The built-in ``displacement_h`` written out: |new slot - old slot| · takt."""
    return np.abs(slots - instance.slot[rows]) * instance.takt_h


def early_slot_bonus(instance, rows, slots):
    """A negative cost: -1 for an order in the first two horizon slots."""
    return -(slots < instance.first_slot + 2).astype(float)


USER_WEIGHTINGS = (
    Weights(user_terms=(UserTerm("postponement_sq", squared_postponement, 0.3),)),
    Weights(reschedules=0.2, user_terms=(UserTerm("postponement_sq", squared_postponement, 1.0),
                                         UserTerm("early", early_slot_bonus, 0.5))),
    Weights(delay=0.5, stock=0.25, user_terms=(UserTerm("postponement_sq", squared_postponement,
                                                        0.1),)),
)


def test_leap_and_step_plans_by_hand():
    """single_delay.json (as in test_milp_model): leap moves order 5 from 105 to 110 (0.5 h
    late, 1 reschedule); step moves 5 -> 108, 8 -> 109, 9 -> 110 (on time, 3 reschedules).
    Squared postponement: leap 5² = 25; step 3² + 1² + 1² = 11. With weight 0.1 and the
    default weights: leap 0.5 + 1 + 2.5 = 4.0, step 0 + 3 + 1.1 = 4.1."""
    inst = read_instance(INSTANCES / "single_delay.json")
    w = Weights(user_terms=(UserTerm("postponement_sq", squared_postponement, 0.1),))
    leap = evaluate(inst, RulePolicy("leap")(inst))
    step = evaluate(inst, RulePolicy("step")(inst))
    assert leap.user_terms(w) == {"postponement_sq": 25.0}
    assert step.user_terms(w) == {"postponement_sq": 11.0}
    assert leap.objective(w) == pytest.approx(4.0)
    assert step.objective(w) == pytest.approx(4.1)
    assert leap.objective(Weights()) == pytest.approx(1.5)  # no user term: unchanged
    assert leap.as_dict(w)["postponement_sq"] == 25.0
    assert leap.as_dict(w)["objective"] == pytest.approx(4.0)
    result = solve_exact(inst, w)
    assert_consistent(inst, result, w)
    assert result.objective <= 4.0 + TOL


@settings(max_examples=25, deadline=None)
@given(inst=tiny_instances(), w=st.sampled_from(USER_WEIGHTINGS))
def test_equals_brute_force_on_tiny_instances(inst, w):
    expected = brute_force(inst, w)
    for method in ("fast", "pyomo"):
        result = solve_exact(inst, w, method=method)
        if expected is None:
            assert result.status == SolveStatus.INFEASIBLE
        else:
            assert assert_consistent(inst, result, w) == pytest.approx(expected, abs=TOL)


@settings(max_examples=20, deadline=None)
@given(inst=st.one_of(single_instances(), batch_instances()), w=st.sampled_from(USER_WEIGHTINGS))
def test_never_worse_than_a_feasible_rule_plan(inst, w):
    result = solve_exact(inst, w)
    rules = rule_objectives(inst, w)
    if not rules and result.status == SolveStatus.INFEASIBLE:
        return
    value = assert_consistent(inst, result, w)
    for rule, rule_value in rules.items():
        assert value <= rule_value + TOL, rule


@settings(max_examples=15, deadline=None)
@given(inst=st.one_of(single_instances(), batch_instances()),
       weight=st.sampled_from((0.25, 1.0, 3.0)))
def test_a_user_copy_of_displacement_equals_the_built_in_term(inst, weight):
    """Two implementations of one term: the same pair costs and the same optimum."""
    built_in = Weights(displacement=weight)
    user = Weights(user_terms=(UserTerm("displacement_again", displacement_again, weight),))
    rows = np.repeat(np.arange(inst.n_orders), 3)
    slots = inst.slot[rows] + np.tile(np.array([-1, 0, 2]), inst.n_orders)
    np.testing.assert_allclose(weighted_pair_costs(inst, rows, slots, user),
                               weighted_pair_costs(inst, rows, slots, built_in))
    a, b = solve_exact(inst, built_in), solve_exact(inst, user)
    assert a.status == b.status
    if a.status.has_solution:
        assert b.objective == pytest.approx(a.objective, abs=TOL)
        assert evaluate(inst, b.plan).objective(built_in) == pytest.approx(a.objective, abs=TOL)


def test_exact_policy_takes_user_terms_through_weights():
    inst = read_instance(INSTANCES / "batch.json")
    w = USER_WEIGHTINGS[1]
    plan = ExactPolicy(weights=w)(inst)
    best = solve_exact(inst, w)
    assert evaluate(inst, plan).objective(w) == pytest.approx(best.objective, abs=TOL)


def test_has_user_terms_and_replace_keeps_them():
    w = USER_WEIGHTINGS[0]
    assert w.has_user_terms and not Weights().has_user_terms
    assert replace(w, delay=2.0).user_terms == w.user_terms
    assert str(w) == "delay=1,reschedules=1,displacement=0,stock=0,idle=0,ratio=1,postponement_sq=0.3"
    assert "postponement_sq" not in w.as_dict()  # as_dict: the built-in weights (files)


def test_zero_weight_user_term_is_not_called():
    def never(instance, rows, slots):
        raise AssertionError("called")

    inst = read_instance(INSTANCES / "single_delay.json")
    w = Weights(user_terms=(UserTerm("never", never, 0.0),))
    assert build_data(inst, w).pair_cost.size > 0


@pytest.mark.parametrize(("name", "weight", "match"), [
    ("delay", 1.0, "built-in"), ("total_delay_h", 1.0, "built-in"), ("not a name", 1.0, "identifier"),
    ("ok", -1.0, "weight"), ("ok", float("nan"), "weight"), ("ok", "1", "number"),
])
def test_bad_user_term_definitions(name, weight, match):
    with pytest.raises(InputError, match=match):
        UserTerm(name, squared_postponement, weight)


def test_user_term_names_must_be_unique():
    term = UserTerm("a", squared_postponement)
    with pytest.raises(InputError, match="twice"):
        Weights(user_terms=(term, term))


def _returns_text(instance, rows, slots):
    return ["x"] * len(rows)


def _returns_scalar(instance, rows, slots):
    return 1.0


def _returns_nan(instance, rows, slots):
    return np.full(rows.shape, np.nan)


def _raises(instance, rows, slots):
    raise KeyError("option")


@pytest.mark.parametrize(("cost", "match"), [
    (_returns_text, "numbers"), (_returns_scalar, "one number per pair"),
    (_returns_nan, "finite"), (_raises, "raised KeyError"),
])
def test_a_failing_user_term_is_named(cost, match):
    inst = read_instance(INSTANCES / "single_delay.json")
    w = Weights(user_terms=(UserTerm("broken", cost, 1.0),))
    with pytest.raises(InputError, match=match) as err:
        solve_exact(inst, w)
    assert "weights.user_terms.broken" in str(err.value)
    with pytest.raises(InputError, match=match):
        evaluate(inst, Plan(inst.slot.copy(), "keep")).objective(w)
