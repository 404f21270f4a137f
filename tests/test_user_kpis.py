"""User KPIs: functions of the per-order and per-instance records, next to the built-in KPIs.

The KPI functions are defined at the top level of this module so that worker processes
can import them (the processes backend pickles them by reference).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jisopt.errors import InputError
from jisopt.experiments import ProcessBackend, SerialBackend, make_grid, run_tasks, summarize
from jisopt.experiments.report import kpi_table
from jisopt.experiments.simulation import SimulationTask, experiment_manifest
from jisopt.scenario import Scenario, SupplierSpec, load_scenario
from jisopt.sim import run_replication
from jisopt.sim.metrics import INSTANCE_COLUMNS, compute_kpis, kpi_names

NAN = np.nan


def recomputed(orders, instances, scenario):
    """Built-in KPIs written out again from the records (docs/model.md §4)."""
    m = orders["measured"]
    return {
        "my_okay_rate": float(np.mean(~orders["rework"][m])) if m.any() else NAN,
        "my_postponement_h": float(np.mean(orders["postponement_h"][m])) if m.any() else NAN,
        "my_reschedules_per_order": float(np.mean(orders["reschedules"][m])) if m.any() else NAN,
    }


def in_window_reschedules(orders, instances, scenario):
    """Reschedules summed over the instances in [warm-up, end) (the built-in reschedules_total)."""
    t = instances["time_h"]
    window = (t >= scenario.warmup_h) & (t < scenario.duration_h)
    return {"my_reschedules_total": int(instances["reschedules"][window].sum())}


def late_share(orders, instances, scenario):
    """Share of measured orders that were late (not a built-in KPI)."""
    m = orders["measured"]
    return {"late_share": float(np.mean(orders["delay_h"][m] > 0)) if m.any() else NAN}


def _hand_made():
    """The records of test_sim_metrics: takt 1 h, 24 h run, 6 h warm-up; ids 1 and 2 measured."""
    scenario = Scenario(takt_h=1.0, suppliers=(SupplierSpec(name="s", lead_time_h=4.0),),
                        frozen_zone_h=4.0, planning_period_h=2.0, days=1.0, warmup_days=0.25)
    orders = {
        "first_slot": np.array([3, 4, 10, 30, -1]),
        "final_slot": np.array([3, 6, 10, 30, -1]),
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
    instances["decision_time_s"] = np.array([0.1, 0.2, 0.4, 9.0])
    return orders, instances, scenario


def test_user_kpis_on_hand_made_records_follow_the_built_in_ones():
    orders, instances, scenario = _hand_made()
    k = compute_kpis(orders, instances, scenario, (recomputed, in_window_reschedules, late_share))
    assert tuple(k)[:len(kpi_names(scenario))] == kpi_names(scenario)
    assert list(k)[len(kpi_names(scenario)):] == ["my_okay_rate", "my_postponement_h",
                                                  "my_reschedules_per_order", "my_reschedules_total",
                                                  "late_share"]
    # measured ids 1, 2: rework F, T -> okay 1/2; postponement (2 + 0)/2 = 1 h;
    # reschedules (2 + 0)/2 = 1; instances at 8 h and 20 h: 3 + 4 = 7; late: id 1 only -> 1/2
    assert k["my_okay_rate"] == 0.5 == k["okay_rate"]
    assert k["my_postponement_h"] == 1.0 == k["mean_postponement_h"]
    assert k["my_reschedules_per_order"] == 1.0 == k["reschedules_per_order"]
    assert k["my_reschedules_total"] == 7.0 == k["reschedules_total"]
    assert k["late_share"] == 0.5
    assert isinstance(k["my_reschedules_total"], float)


def _scenario():
    return load_scenario("tractor").replace(days=6.0, warmup_days=1.0).with_reliability(0.8)


@pytest.mark.parametrize("policy", ["leap", "dynamic"])
def test_user_kpis_of_a_replication_equal_the_built_in_ones(policy):
    result = run_replication(_scenario(), policy, seed=3,
                             user_kpis=(recomputed, in_window_reschedules))
    k = result.kpis
    assert k["reschedules_total"] > 0  # the comparison is not between zeros
    assert k["my_okay_rate"] == k["okay_rate"]
    assert k["my_postponement_h"] == pytest.approx(k["mean_postponement_h"])
    assert k["my_reschedules_per_order"] == pytest.approx(k["reschedules_per_order"])
    assert k["my_reschedules_total"] == k["reschedules_total"]
    assert list(run_replication(_scenario(), policy, seed=3).kpis) == list(k)[:-4]


def test_user_kpis_in_a_grid_on_worker_processes_and_its_summary():
    scenario = _scenario()
    sim = SimulationTask(scenarios={"tractor": scenario}, user_kpis=(recomputed, late_share))
    grid = make_grid(policies=("leap", "dynamic"), replications=2)
    serial = run_tasks(grid, sim, backend=SerialBackend()).table
    parallel = run_tasks(grid, sim, backend=ProcessBackend(2)).table
    columns = ["my_okay_rate", "my_postponement_h", "late_share", "okay_rate"]
    pd.testing.assert_frame_equal(serial[columns], parallel[columns])
    assert (parallel["my_postponement_h"] - parallel["mean_postponement_h"]).abs().max() < 1e-12
    summary = summarize(parallel, ["policy_label"], ["mean_postponement_h", "my_postponement_h"],
                        lower_bounds={"my_postponement_h": 0.0})  # cut at 0 like the built-in one
    table = kpi_table(summary, ["policy_label"], ["mean_postponement_h", "my_postponement_h"])
    assert list(table.columns) == ["policy", "n", "postponement (h)", "my_postponement_h"]
    assert list(table["postponement (h)"]) == list(table["my_postponement_h"])
    manifest = experiment_manifest(sim, grid)
    assert manifest["experiment"]["user_kpis"] == ["test_user_kpis.recomputed",
                                                   "test_user_kpis.late_share"]
    assert "user_kpis" not in experiment_manifest(SimulationTask({"tractor": scenario}),
                                                  grid)["experiment"]


def raises(orders, instances, scenario):
    return {"x": orders["no_such_column"].sum()}


def returns_text(orders, instances, scenario):
    return {"label_kpi": "high"}


def returns_array(orders, instances, scenario):
    return {"per_order": orders["delay_h"]}


def returns_infinity(orders, instances, scenario):
    return {"ratio": math.inf}


def returns_list(orders, instances, scenario):
    return [1.0]


def clashes(orders, instances, scenario):
    return {"okay_rate": 1.0}


def writes(orders, instances, scenario):
    orders["delay_h"][:] = 0.0
    return {}


@pytest.mark.parametrize(("fn", "field", "match"), [
    (raises, "user_kpis.test_user_kpis.raises", "raised KeyError"),
    (returns_text, "user_kpis.test_user_kpis.returns_text.label_kpi", "real number"),
    (returns_array, "user_kpis.test_user_kpis.returns_array.per_order", "real number"),
    (returns_infinity, "user_kpis.test_user_kpis.returns_infinity.ratio", "finite"),
    (returns_list, "user_kpis.test_user_kpis.returns_list", "mapping"),
    (clashes, "user_kpis.test_user_kpis.clashes.okay_rate", "already taken"),
    (writes, "user_kpis.test_user_kpis.writes", "read-only"),
])
def test_a_bad_user_kpi_is_named(fn, field, match):
    orders, instances, scenario = _hand_made()
    with pytest.raises(InputError, match=match) as err:
        compute_kpis(orders, instances, scenario, (fn,))
    assert err.value.field == field
    assert orders["delay_h"][1] == 2.0  # the records are unchanged


def test_two_user_kpis_may_not_share_a_name():
    orders, instances, scenario = _hand_made()
    with pytest.raises(InputError, match="already taken"):
        compute_kpis(orders, instances, scenario, (late_share, late_share))


def test_a_bad_user_kpi_in_a_worker_process_is_named():
    sim = SimulationTask(scenarios={"tractor": _scenario()}, user_kpis=(returns_text,))
    with pytest.raises(InputError, match="label_kpi"):
        run_tasks(make_grid(policies=("leap",), replications=2), sim, backend=ProcessBackend(2))
