"""The time resolution: one notion of "the same time" for any takt (jisopt.slots).

Takts 1/60, 1/30, 0.5 and 1.37 h: only 0.5 is a binary fraction, so slot starts
``k * takt`` of the others are not exact floats and data rounded to seconds miss
them by up to half a second.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.instance_io import instance_from_dict, instance_to_dict, read_instance, write_instance
from jisopt.policies import RULES, make_policy
from jisopt.scenario import Scenario, SupplierSpec
from jisopt.sim import run_replication
from jisopt.slots import (
    MIN_TAKT_H,
    TIME_TOLERANCE_H,
    first_slot_from,
    is_earlier,
    is_later,
    is_not_earlier,
    is_not_later,
    last_slot_until,
    same_time,
)

TAKTS_H = (1 / 60, 1 / 30, 0.5, 1.37)  # all whole seconds: 60, 120, 1800, 4932 s
SECOND_H = 1 / 3600


def takt_scenario(takt_h: float) -> Scenario:
    """Three suppliers, lead times 6 / 4 / 2 days' worth of a 100-slot frozen zone."""
    frozen = 100 * takt_h
    return Scenario(
        name=f"takt{takt_h:.4g}",
        takt_h=takt_h,
        suppliers=(
            SupplierSpec(name="a", lead_time_h=frozen * 0.9),
            SupplierSpec(name="b", lead_time_h=frozen * 0.5),
            SupplierSpec(name="c", lead_time_h=frozen * 0.2),
        ),
        frozen_zone_h=frozen, planning_period_h=20 * takt_h,
        demand={"mean_interarrival_h": takt_h},
        days=max(1.0, 400 * takt_h / 24), warmup_days=0.0,
    )


def round_times_to_seconds(doc: dict) -> dict:
    """The instance as a plant export would give it: every time in whole seconds."""
    def rnd(x):
        return None if x is None else round(x * 3600) / 3600

    out = json.loads(json.dumps(doc))
    out["now_h"] = rnd(out["now_h"])
    for order in out["orders"]:
        order["due_h"] = rnd(order["due_h"])
        for comp in order["components"].values():
            for key in ("planned_delivery_h", "ready_h"):
                if key in comp:
                    comp[key] = rnd(comp[key])
    return out


# ---- the predicates ----------------------------------------------------------------
@pytest.mark.parametrize("takt_h", TAKTS_H)
def test_slot_rounding_within_a_second_of_a_slot_start(takt_h):
    k = np.arange(1, 5000)
    start = k * takt_h
    for offset_s in (-0.49, -0.3, 0.0, 0.3, 0.49):
        t = start + offset_s * SECOND_H
        # Within half a second of a slot start, a time *is* that slot start.
        assert (first_slot_from(t, takt_h) == k).all()
        assert (last_slot_until(t, takt_h) == k).all()
    # A second off is a different time.
    assert (first_slot_from(start + SECOND_H, takt_h) == k + 1).all()
    assert (last_slot_until(start - SECOND_H, takt_h) == k - 1).all()


def test_comparisons_to_the_resolution():
    t = 848.5666666666667
    rounded = 848.566667  # what a 6-decimal writer gives
    assert same_time(t, rounded) and same_time(t, t + 0.49 * SECOND_H)
    assert not same_time(t, t + 0.51 * SECOND_H)
    assert not is_later(rounded, t) and is_not_later(rounded, t)
    assert not is_earlier(t, rounded) and is_not_earlier(t, rounded)
    assert is_later(t + SECOND_H, t) and is_earlier(t - SECOND_H, t)
    assert TIME_TOLERANCE_H == SECOND_H / 2 and MIN_TAKT_H == 10 * SECOND_H


def test_takt_below_the_minimum_is_refused():
    from jisopt.errors import InputError
    inst = generate_instance(3)
    with pytest.raises(InputError, match="takt"):
        inst.replace(takt_h=MIN_TAKT_H / 2).check()


# ---- instances at every takt -----------------------------------------------------------
@pytest.mark.parametrize("takt_h", TAKTS_H, ids=lambda t: f"takt{t:.4g}")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_disrupted=st.integers(1, 3), gap_share=st.sampled_from([0.0, 0.05]))
def test_rules_feasible_and_seconds_rounding_changes_nothing(takt_h, seed, n_disrupted, gap_share):
    sc = takt_scenario(takt_h)
    inst = generate_instance(seed, n_slots=300, n_disrupted=n_disrupted, scenario=sc, gap_share=gap_share)
    doc = instance_to_dict(inst)
    # A plant export: times rounded to whole seconds; also a JSON round trip.
    exported = instance_from_dict(round_times_to_seconds(doc)).check()
    reread = instance_from_dict(json.loads(json.dumps(doc))).check()
    for rule in RULES:
        for swap in (False, True):
            policy = make_policy(rule, swap=swap)
            plan = policy(inst)
            result = evaluate(inst, plan)
            if rule != "none":
                # No time comparison fails at any takt. (A batch whose disrupted orders share
                # a fully taken [step, leap] goes past its leap: docs/model.md, "bounds".)
                assert all(v.kind == "bounds" for v in result.violations), (
                    rule, swap, result.violations[:3])
            for other in (exported, reread):
                other_plan = policy(other)
                assert np.array_equal(other_plan.slot, plan.slot), (rule, swap)
                assert evaluate(other, other_plan).feasible == result.feasible


@pytest.mark.parametrize("takt_h", TAKTS_H, ids=lambda t: f"takt{t:.4g}")
def test_written_instance_reads_back_identical(tmp_path, takt_h):
    inst = generate_instance(11, n_slots=400, n_disrupted=2, scenario=takt_scenario(takt_h))
    path = tmp_path / "inst.json"
    write_instance(inst, path)
    back = read_instance(path)
    for name in ("slot", "due_h", "planned_delivery_h", "ready_h", "lead_time_h"):
        assert np.array_equal(getattr(back, name), getattr(inst, name), equal_nan=True), name
    assert back.now_h == inst.now_h and back.takt_h == inst.takt_h


@pytest.mark.parametrize("takt_h", TAKTS_H, ids=lambda t: f"takt{t:.4g}")
def test_simulation_consistent_at_every_takt(takt_h):
    sc = takt_scenario(takt_h).with_reliability(0.8)
    result = run_replication(sc, "dynamic+swap", seed=3, record_orders=True, check_invariants=True)
    assert len(result.instances) > 5
    # Every plan the rule applied is feasible by the solver-free check; no rework.
    assert (result.instances.feasible == 1.0).all()
    assert result.kpis["rework_count"] == 0
    done = result.orders[result.orders.assembled]
    assert done.final_slot.is_unique
