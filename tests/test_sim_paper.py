"""Behaviour against the paper: okay-rate without resequencing, rework with rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jisopt.scenario import Scenario
from jisopt.sim import run_replication


def test_okay_rate_without_resequencing_is_the_product_of_reliabilities():
    scenario = Scenario().with_reliability(0.93)
    result = run_replication(scenario, "none", seed=21, record_orders=True)
    p = 0.93 ** 3
    n = result.kpis["assembled_orders"]
    assert n > 3000
    # A workpiece is okay when none of its three first attempts had an event: binomial.
    assert abs(result.kpis["okay_rate"] - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert result.kpis["reschedules_total"] == 0 and result.kpis["mean_postponement_h"] == 0


def test_monitoring_does_not_change_which_workpieces_need_rework_without_resequencing():
    scenario = Scenario().with_reliability(0.95).replace(days=50.0, warmup_days=10.0)
    on = run_replication(scenario, "none", seed=8, record_orders=True).orders
    off = run_replication(scenario.replace(monitoring={"enabled": False}), "dynamic", seed=8,
                          record_orders=True).orders
    np.testing.assert_array_equal(on.rework, off.rework)
    np.testing.assert_array_equal(on.final_slot, off.final_slot)
    # A known failure is reproduced at the monitoring point, not at the planned delivery.
    failed = on.rework & (on.completion_h != off.completion_h)
    assert failed.any() and (on.completion_h[failed] < off.completion_h[failed]).all()


@pytest.mark.slow
def test_paper_shape_at_97_percent():
    scenario = Scenario().with_reliability(0.97)
    kpis = {rule: [run_replication(scenario, rule, seed=s).kpis for s in range(1, 4)]
            for rule in ("none", "step", "leap", "dynamic")}

    def mean(rule: str, name: str) -> float:
        return float(np.mean([k[name] for k in kpis[rule]]))

    assert abs(mean("none", "okay_rate") - 0.97 ** 3) < 0.01
    for rule in ("step", "leap", "dynamic"):
        assert mean(rule, "okay_rate") > 0.995
    assert mean("leap", "reschedules_per_order") < mean("dynamic", "reschedules_per_order")
    assert mean("dynamic", "reschedules_per_order") < mean("step", "reschedules_per_order")
    assert mean("leap", "mean_delay_h") > mean("step", "mean_delay_h")
    assert mean("dynamic", "mean_delay_h") < 2.0
