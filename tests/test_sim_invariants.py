"""The simulator keeps the line consistent under every rule, with and without swap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sim_cases import Recording, small_scenario

from jisopt.evaluate import evaluate
from jisopt.plan import Plan
from jisopt.policies import RULES, make_policy
from jisopt.sim import run_replication
from jisopt.sim.invariants import SimulationInvariantError


@pytest.mark.parametrize("swap", [False, True], ids=["plain", "swap"])
@pytest.mark.parametrize("rule", RULES)
def test_invariants_hold_for_every_rule(rule, swap):
    scenario = small_scenario(days=8.0, warmup_days=2.0)
    policy = Recording(make_policy(rule, swap=swap))
    result = run_replication(scenario, policy, seed=11, record_orders=True, check_invariants=True)
    orders = result.orders
    assert len(policy.calls) == len(result.instances) > 20
    if rule != "none":
        # Every plan of a rule is feasible by the solver-free check, and rework is gone.
        assert (result.instances.feasible == 1.0).all()
        assert result.kpis["rework_count"] == 0
    # Each slot assembled at most once; every assembled order has one final slot.
    done = orders[orders.assembled]
    assert done.final_slot.is_unique
    assert (done.slot_start_h == done.final_slot * scenario.takt_h).all()
    assert (done.completion_h >= done.slot_start_h + scenario.takt_h).all()
    if swap and rule != "none":
        assert result.kpis["swaps"] > 0


@pytest.mark.parametrize("changes", [
    {"line_freeze_h": 8.0},  # cabin events are known 6.125 h ahead: within it
    {"monitoring": {"point": 0.3}},
    {"monitoring": {"enabled": False}},
    {"planning_slack_every": 10},
    # The longest lead time equals the frozen zone: the first slot of the period planned
    # at an epoch is called off at that same instant, after the planning run.
    {"frozen_zone_h": 48.0},
], ids=["freeze", "point0.3", "no-monitoring", "slack", "lead=frozen"])
def test_invariants_hold_for_variants(changes):
    scenario = small_scenario(days=8.0, warmup_days=2.0, **changes)
    result = run_replication(scenario, "dynamic+swap", seed=5, check_invariants=True)
    assert result.kpis["assembled_orders"] > 0
    if changes.get("monitoring", {}).get("enabled") is False:
        assert len(result.instances) == 0 and result.kpis["rework_count"] > 0
    if "line_freeze_h" in changes:
        # Events known within the freeze are not acted on: they end in rework.
        assert result.kpis["rework_count"] > 0


def test_reschedule_total_equals_evaluate_per_instance():
    policy = Recording(make_policy("step", swap=True))
    result = run_replication(small_scenario(), policy, seed=2, record_orders=True)
    evaluations = [evaluate(inst, plan) for inst, plan in policy.calls]
    per_instance = sum(e.terms["reschedules"] for e in evaluations)
    assert per_instance > 100
    assert result.orders.reschedules.sum() == per_instance
    assert result.instances.reschedules.sum() == per_instance
    for column in ("changed_unstarted", "swaps", "inversions"):
        assert result.instances[column].sum() == sum(e.kpis[column] for e in evaluations)
    # The KPI counts the instances in [warm-up, end).
    warm = result.instances.time_h >= small_scenario().warmup_days * 24
    assert result.kpis["reschedules_total"] == result.instances.reschedules[warm].sum()


class _EarlierPolicy:
    """A broken policy: moves the first disrupted order one slot earlier."""

    name = "earlier"

    def __call__(self, instance):
        slot = instance.slot.copy()
        row = int(instance.disrupted_rows[0])
        if slot[row] - 1 not in set(slot.tolist()):
            slot[row] -= 1
        return Plan(slot, self.name)


class _DuplicatePolicy:
    """A broken policy: puts the first disrupted order onto its successor's slot."""

    name = "duplicate"

    def __call__(self, instance):
        slot = instance.slot.copy()
        row = int(instance.disrupted_rows[0])
        later = slot[slot > slot[row]]
        slot[row] = later.min()
        return Plan(slot, self.name)


@pytest.mark.parametrize("policy", [_EarlierPolicy(), _DuplicatePolicy()], ids=["earlier", "duplicate"])
def test_broken_policies_are_caught(policy):
    with pytest.raises(SimulationInvariantError):
        run_replication(small_scenario(days=6.0, warmup_days=1.0), policy, seed=1, check_invariants=True)


def test_duplicate_slots_are_refused_even_without_checks():
    with pytest.raises(SimulationInvariantError):
        run_replication(small_scenario(days=6.0, warmup_days=1.0), _DuplicatePolicy(), seed=1)


def test_okay_orders_had_every_part_on_time():
    result = run_replication(small_scenario(), "none", seed=4, record_orders=True)
    orders = result.orders[result.orders.assembled]
    events = result.events
    late_parts = events[events.attempt == 0].groupby("holder").size()
    # Under 'none' no part changes hands and no order moves: an order is okay exactly when
    # none of its parts had an event.
    disrupted = orders.order_id.isin(late_parts.index)
    assert (orders.rework == disrupted).all()
    assert np.isfinite(orders.completion_h).all()


@pytest.mark.parametrize("policy", ["none", "dynamic+swap"])
def test_batch_length_does_not_change_the_result(policy):
    from jisopt.policies import PolicySpec
    from jisopt.sim.engine import Simulator
    from jisopt.sim.runner import collect_result

    scenario = small_scenario(days=6.0, warmup_days=1.0)
    results = []
    for max_batch_h in (None, 0.25):
        sim = Simulator(scenario, PolicySpec.parse(policy).build(scenario), seed=12, replication=0,
                        max_batch_h=max_batch_h)
        sim.run()
        results.append(collect_result(sim, record_orders=True))
    default, fine = results
    assert len(default.instances) > 20
    for frame in ("orders", "events"):
        pd.testing.assert_frame_equal(getattr(default, frame), getattr(fine, frame))
    pd.testing.assert_frame_equal(default.instances.drop(columns="decision_time_s"),
                                  fine.instances.drop(columns="decision_time_s"))
