"""Order options in scenarios and in the simulator: validation, common random numbers,
the ratio KPIs, and the shipped car plant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_cases import small_scenario

from jisopt.errors import InputError
from jisopt.instance import RatioRule
from jisopt.options import OptionSpec, ratio_rules
from jisopt.policies import PolicySpec
from jisopt.scenario import Scenario, SupplierSpec, load_scenario, scenario_from_dict
from jisopt.sim import Simulator, run_replication
from jisopt.sim.metrics import compute_kpis, kpi_names, ratio_kpis
from jisopt.sim.streams import DisruptionDraws, draw_demand, draw_options

REPO = Path(__file__).resolve().parents[1]
TIMING = {"decision_time_mean_s", "decision_time_p95_s"}

OPTIONS = (
    {"name": "sunroof", "share": 0.3, "rule": "1:2"},
    {"name": "towbar", "share": 0.2, "rule": "1:3", "hard": False, "penalty": 2.0},
    {"name": "paint", "share": 0.5},
)


def _with_options(scenario: Scenario, options=OPTIONS) -> Scenario:
    return scenario.replace(options=list(options))


# ---- scenario fields ------------------------------------------------------------------

def test_options_parse_and_give_ratio_rules():
    s = _with_options(Scenario())
    assert [o.name for o in s.options] == ["sunroof", "towbar", "paint"]
    assert s.options[0].max_count == 1 and s.options[0].window == 2
    assert s.options[2].rule is None
    assert ratio_rules(s.options) == (RatioRule(0, 1, 2, True, 1.0), RatioRule(1, 1, 3, False, 2.0))
    assert Scenario().options == () and ratio_rules(()) == ()


@pytest.mark.parametrize(
    ("option", "field"),
    [
        ({"name": "a", "share": 1.5}, "options[0].share"),
        ({"name": "a", "share": -0.1}, "options[0].share"),
        ({"name": "a", "share": 0.1, "rule": "3:2"}, "options[0].rule"),
        ({"name": "a", "share": 0.1, "rule": "0:2"}, "options[0].rule"),
        ({"name": "a", "share": 0.1, "rule": "1:20000"}, "options[0].rule"),
        ({"name": "a", "share": 0.1, "rule": "1/2"}, "options[0].rule"),
        ({"name": "a", "share": 0.1, "penalty": -1.0}, "options[0].penalty"),
        ({"name": "a", "share": 0.1, "penalty": float("inf")}, "options[0].penalty"),
        ({"name": "a b", "share": 0.1}, "options[0].name"),
        ({"name": "a", "share": 0.1, "colour": "red"}, "options[0].colour"),
        ({"share": 0.1}, "options[0].name"),
    ],
)
def test_invalid_options_name_the_field(option, field):
    with pytest.raises(InputError) as err:
        scenario_from_dict({"options": [option]}, source="plant.toml")
    assert f"'{field}'" in str(err.value) and "plant.toml" in str(err.value)


def test_option_names_must_be_unique():
    with pytest.raises(InputError) as err:
        scenario_from_dict({"options": [{"name": "a", "share": 0.1}, {"name": "a", "share": 0.2}]})
    assert "'options'" in str(err.value) and "unique" in str(err.value)


def test_rule_is_normalised():
    assert OptionSpec(name="a", share=0.1, rule=" 2 : 5 ").rule == "2:5"


# ---- draws --------------------------------------------------------------------------

def test_option_draws_depend_only_on_seed_replication_order_and_option():
    s = _with_options(Scenario())
    a = draw_options(s, 3, 1, 500)
    assert a.shape == (500, 3)
    assert np.array_equal(draw_options(s, 3, 1, 200), a[:200])  # a prefix: keyed by order id
    # Option k keeps its stream when another option is added after it.
    more = _with_options(Scenario(), (*OPTIONS, {"name": "extra", "share": 0.9}))
    assert np.array_equal(draw_options(more, 3, 1, 500)[:, :3], a)
    assert not np.array_equal(draw_options(s, 3, 2, 500), a)
    assert draw_options(Scenario(), 3, 1, 10).shape == (10, 0)
    big = draw_options(s, 0, 0, 20000)
    assert big.mean(axis=0) == pytest.approx([0.3, 0.2, 0.5], abs=0.015)


def test_options_do_not_shift_the_demand_or_disruption_streams():
    plain, opt = small_scenario(), _with_options(small_scenario())
    d0, d1 = draw_demand(plain, 5, 0), draw_demand(opt, 5, 0)
    assert np.array_equal(d0.arrival_h, d1.arrival_h) and np.array_equal(d0.version, d1.version)
    for m in range(3):
        k0, x0 = DisruptionDraws(plain, 5, 0, d0.n_orders).arrays(m, 0)
        k1, x1 = DisruptionDraws(opt, 5, 0, d1.n_orders).arrays(m, 0)
        assert np.array_equal(k0, k1) and np.array_equal(x0, x1)


@pytest.mark.parametrize("policy", ["none", "dynamic", "step+swap"])
def test_options_in_the_state_are_the_same_under_every_policy(policy):
    s = _with_options(small_scenario())
    sim = Simulator(s, PolicySpec.parse(policy).build(s), 4, 0)
    demand = draw_demand(s, 4, 0)
    assert np.array_equal(sim.state.options, draw_options(s, 4, 0, demand.n_orders))


def test_soft_rules_only_change_nothing_but_add_ratio_kpis():
    base = small_scenario()
    soft = _with_options(base, [{"name": "a", "share": 0.4, "rule": "1:2", "hard": False},
                               {"name": "b", "share": 0.3}])
    for policy in ("none", "dynamic"):
        r0, r1 = run_replication(base, policy, seed=2), run_replication(soft, policy, seed=2)
        assert tuple(r0.kpis) == kpi_names(base)
        assert tuple(r1.kpis) == kpi_names(soft) == (*kpi_names(base), "ratio_hard_per_1000",
                                                     "ratio_soft_per_1000", "ratio_a_per_1000")
        assert {k: v for k, v in r1.kpis.items() if k in r0.kpis and k not in TIMING} == \
            {k: v for k, v in r0.kpis.items() if k not in TIMING}
        assert r1.kpis["ratio_hard_per_1000"] == 0.0 and r1.kpis["ratio_soft_per_1000"] > 0


def test_hard_rules_hold_in_the_planned_sequence_without_resequencing():
    s = _with_options(small_scenario(), [{"name": "a", "share": 0.5, "rule": "1:2"},
                                         {"name": "b", "share": 0.4, "rule": "2:5"}])
    sim = Simulator(s, PolicySpec.parse("none").build(s), 1, 0)
    sim.run()
    _assert_hard_rules_hold(sim)
    result = run_replication(s, "none", seed=1)
    assert result.kpis["ratio_hard_per_1000"] == 0.0


def _assert_hard_rules_hold(sim: Simulator) -> None:
    state = sim.state
    seq = state.sequence[:state.horizon_end]
    for rule in sim.ratio_rules:
        if not rule.hard:
            continue
        carried = np.where(seq >= 0, state.options[np.maximum(seq, 0), rule.option], False)
        counts = np.convolve(carried.astype(int), np.ones(rule.window, dtype=int), mode="valid")
        assert counts.max(initial=0) <= rule.max_count


# ---- the KPI by hand ----------------------------------------------------------------

def test_ratio_kpis_by_hand():
    # takt 1 h, 1 day, warm-up 4 h: measured slots 4 .. 23 (20 slots).
    s = Scenario(takt_h=1.0, suppliers=(SupplierSpec(name="s", lead_time_h=4.0),),
                 frozen_zone_h=4.0, planning_period_h=2.0, days=1.0, warmup_days=4 / 24,
                 options=(OptionSpec(name="x", share=0.5, rule="1:2"),
                          OptionSpec(name="y", share=0.5, rule="2:3", hard=False, penalty=5.0),
                          OptionSpec(name="z", share=0.5)))
    slots = np.array([2, 3, 4, 5, 6, 7, 9, 10])  # slots 2, 3 are before the warm-up
    x = np.array([1, 1, 1, 1, 0, 1, 1, 0], dtype=bool)
    y = np.array([1, 1, 1, 1, 1, 0, 0, 0], dtype=bool)
    measured = slots >= 4
    orders = {"final_slot": slots, "measured": measured, "option_x": x, "option_y": y,
              "option_z": np.zeros(8, dtype=bool)}
    k = ratio_kpis(orders, s)
    # x (1:2) in measured slots 4, 5, 7, 9: windows [4,5] has 2 -> excess 1; the others
    # ([5,6], [6,7], [7,8], [8,9], [9,10]) carry at most 1.
    # y (2:3) in slots 4, 5, 6: window [4,6] has 3 -> excess 1; slots 2, 3 do not count.
    n = 6
    assert k == {"ratio_hard_per_1000": 1000 / n, "ratio_soft_per_1000": 1000 / n,
                 "ratio_x_per_1000": 1000 / n, "ratio_y_per_1000": 1000 / n}
    assert ratio_kpis(orders, s.replace(options=[])) == {}


def test_compute_kpis_appends_ratio_kpis():
    s = Scenario(takt_h=1.0, suppliers=(SupplierSpec(name="s", lead_time_h=4.0),),
                 frozen_zone_h=4.0, planning_period_h=2.0, days=1.0, warmup_days=0.25,
                 options=(OptionSpec(name="x", share=0.5, rule="1:2"),))
    orders = {
        "order_id": np.arange(3), "arrival_h": np.zeros(3), "due_h": np.full(3, 30.0),
        "first_slot": np.array([6, 7, 8]), "final_slot": np.array([6, 7, 8]),
        "slot_start_h": np.array([6.0, 7.0, 8.0]), "completion_h": np.array([7.0, 8.0, 9.0]),
        "delay_h": np.zeros(3), "rework": np.zeros(3, dtype=bool), "reschedules": np.zeros(3),
        "disruptions": np.zeros(3), "delay_events": np.zeros(3), "failure_events": np.zeros(3),
        "swaps_received": np.zeros(3), "stock_component_h": np.zeros(3),
        "postponement_h": np.zeros(3), "assembled": np.ones(3, dtype=bool),
        "measured": np.ones(3, dtype=bool), "option_x": np.array([1, 1, 1], dtype=bool),
    }
    instances = {c: np.zeros(0) for c in ("time_h", "reschedules", "changed_unstarted", "swaps",
                                          "inversions", "decision_time_s")}
    k = compute_kpis(orders, instances, s)
    assert tuple(k) == kpi_names(s)
    assert k["ratio_x_per_1000"] == pytest.approx(2 * 1000 / 3)  # windows [6,7], [7,8]


# ---- the car plant ------------------------------------------------------------------

def test_car_scenario_loads_by_name_and_from_models():
    car = load_scenario("car")
    assert load_scenario(REPO / "models" / "car.toml") == car
    assert (REPO / "models" / "car.toml").read_bytes() == (REPO / "jisopt" / "data" / "car.toml").read_bytes()
    assert len(car.suppliers) == 17
    assert min(car.lead_times_h) == 6.0 and max(car.lead_times_h) == 120.0
    assert car.frozen_zone_h >= max(car.lead_times_h)
    assert car.takt_h == pytest.approx(1 / 60, abs=1e-15)
    assert car.demand.mean_interarrival_h == car.takt_h
    assert car.frozen_zone_slots == 8640 and car.planning_period_slots == 1440
    assert [o.rule for o in car.options] == ["1:2", "2:3", "1:3", "2:5", "1:5"]


def test_car_scenario_loads_by_name_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JISOPT_MODELS", raising=False)
    assert load_scenario("car").name == "car"


def test_short_car_run_keeps_hard_rules_without_resequencing():
    car = load_scenario("car").replace(days=1.5, warmup_days=0.5)
    sim = Simulator(car, PolicySpec.parse("none").build(car), 1, 0)
    sim.run()
    _assert_hard_rules_hold(sim)
    none = run_replication(car, "none", seed=1)
    dynamic = run_replication(car, "dynamic", seed=1)
    assert none.kpis["ratio_hard_per_1000"] == 0.0
    for name in kpi_names(car):
        assert name in dynamic.kpis
    assert dynamic.kpis["okay_rate"] >= none.kpis["okay_rate"]


def test_experiment_manifest_leaves_out_empty_options():
    from jisopt.experiments.grid import make_grid
    from jisopt.experiments.simulation import SimulationTask, experiment_manifest

    car = load_scenario("car")
    tasks = make_grid(scenario="tractor", reliabilities=[None], policies=["none"], replications=1,
                      seed=1) + make_grid(scenario="car", reliabilities=[None], policies=["none"],
                                          replications=1, seed=1)
    manifest = experiment_manifest(SimulationTask({"tractor": Scenario(), "car": car}), tasks)
    scenarios = manifest["experiment"]["scenarios"]
    assert "options" not in scenarios["tractor"]
    assert [o["rule"] for o in scenarios["car"]["options"]] == ["1:2", "2:3", "1:3", "2:5", "1:5"]
