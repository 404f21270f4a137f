"""KPI definitions on hand-made records."""

from __future__ import annotations

import numpy as np
import pytest

from jisopt.scenario import Scenario, SupplierSpec
from jisopt.sim.metrics import INSTANCE_COLUMNS, compute_kpis, kpi_names, supplier_kpi_names

NAN = np.nan


def test_kpis_from_hand_made_records():
    # takt 1 h, 24 h run, 6 h warm-up: the window holds slots 6..23 (18 slots).
    scenario = Scenario(takt_h=1.0, suppliers=(SupplierSpec(name="s", lead_time_h=4.0),),
                        frozen_zone_h=4.0, planning_period_h=2.0, days=1.0, warmup_days=0.25)
    orders = {
        # id 0: assembled before the warm-up; ids 1, 2 measured; id 3 planned for slot 30;
        # id 4 still in the VOB.
        "first_slot": np.array([3, 4, 10, 30, -1]),
        "slot_start_h": np.array([3.0, 6.0, 10.0, NAN, NAN]),
        "due_h": np.array([1.0, 5.0, 20.0, 20.0, 30.0]),
        "delay_h": np.array([3.0, 2.0, 0.0, NAN, NAN]),
        "rework": np.array([True, False, True, False, False]),
        "reschedules": np.array([7, 2, 0, 1, 0]),
        "postponement_h": np.array([0.0, 2.0, 0.0, 0.0, NAN]),
        "stock_component_h": np.array([9.0, 1.5, 0.0, NAN, NAN]),
        "delay_events": np.array([1, 1, 0, 0, 0]),
        "failure_events": np.array([0, 0, 1, 0, 0]),
        "assembled": np.array([True, True, True, False, False]),
        "measured": np.array([False, True, True, False, False]),
    }
    instances = {c: np.zeros(4) for c in INSTANCE_COLUMNS}
    instances["time_h"] = np.array([2.0, 8.0, 20.0, 30.0])  # 8 and 20 lie in [6, 24)
    instances["reschedules"] = np.array([5.0, 3.0, 4.0, 100.0])
    instances["swaps"] = np.array([1.0, 0.0, 2.0, 0.0])
    instances["decision_time_s"] = np.array([0.1, 0.2, 0.4, 9.0])
    k = compute_kpis(orders, instances, scenario)
    assert tuple(k) == kpi_names(scenario)
    # no per-supplier columns in the log: no inversions
    assert all(k[name] == 0.0 for name in supplier_kpi_names(scenario))
    assert k["assembled_orders"] == 2
    assert k["okay_rate"] == 0.5
    assert k["mean_delay_h"] == 1.0  # (2 + 0) / 2
    assert k["reschedules_per_order"] == 1.0
    assert k["mean_postponement_h"] == 1.0
    assert k["idle_takts"] == 16  # 18 slots, 2 assembled
    assert k["throughput_per_day"] == pytest.approx(2 / (18 / 24))
    assert k["vob_length_end"] == 1 and k["unassembled_orders"] == 2
    assert k["mean_lateness_unassembled_h"] == 2.0  # (max(0, 24 - 20) + max(0, 24 - 30)) / 2
    assert k["stock_component_h"] == 1.5 and k["rework_count"] == 1
    assert k["events_delay"] == 1 and k["events_failure"] == 1
    assert k["resequencing_instances"] == 2 and k["reschedules_total"] == 7 and k["swaps"] == 2
    assert k["decision_time_mean_s"] == pytest.approx(0.3)
    assert k["decision_time_p95_s"] == pytest.approx(0.39)  # linear between 0.2 and 0.4


def test_empty_window_gives_nan_means_and_zero_counts():
    scenario = Scenario()
    orders = {name: np.zeros(0) for name in (
        "first_slot", "slot_start_h", "due_h", "delay_h", "reschedules", "postponement_h",
        "stock_component_h", "delay_events", "failure_events")}
    orders.update({name: np.zeros(0, dtype=bool) for name in ("rework", "assembled", "measured")})
    k = compute_kpis(orders, {c: np.zeros(0) for c in INSTANCE_COLUMNS}, scenario)
    assert np.isnan(k["okay_rate"]) and np.isnan(k["decision_time_p95_s"])
    assert k["resequencing_instances"] == 0 and k["assembled_orders"] == 0
