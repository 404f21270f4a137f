"""Optimality gaps of the rules against the exact model (``jisopt.experiments.gaps``, ``jisopt gaps``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sim_cases import small_scenario
from test_cli_solve_check import assert_one_line_error, run

from jisopt.experiments.gaps import (
    GAP_COLUMNS,
    GAP_RULES,
    SUMMARY_COLUMNS,
    GapJob,
    captured_instances,
    gap_table,
    instance_gaps,
    simulated_instances,
    summarize_gaps,
    weights_label,
)
from jisopt.instance_io import read_instance
from jisopt.objective import Weights
from jisopt.policies import RulePolicy
from jisopt.policies.milp import solve_exact
from jisopt.sim import run_replication

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
WEIGHTINGS = (Weights(), Weights(reschedules=0.1), Weights(reschedules=10.0))


@pytest.fixture(scope="module")
def simulated():
    """Instances of a short, event-rich run under dynamic, and their gap table."""
    jobs, _kpis = simulated_instances(small_scenario(days=5.0, warmup_days=1.0), "dynamic", seed=4)
    return jobs, gap_table(jobs, WEIGHTINGS)


def by_row(table: pd.DataFrame, rule: str, weights: Weights) -> pd.Series:
    rows = table[(table["rule"] == rule) & (table["weights"] == weights_label(weights))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_single_delay_gaps_by_hand():
    # docs: models/instances/README.md. Optimum (delay=1, reschedules=1) = leap's plan:
    # order 5 -> 110, 0.5 h late, 1 reschedule -> 1.5. step: 5 -> 108, 8 -> 109, 9 -> 110,
    # on time, 3 reschedules -> 3 (gap 1.5, relative 1.5 / 1.5 = 1); dynamic = step;
    # ontime: 5 -> 109, 9 -> 110, 2 reschedules -> 2 (gap 0.5).
    # reschedules=0.2: optimum = ontime's plan, 2 * 0.2 = 0.4; step 0.6 (gap 0.2);
    # leap 0.5 + 0.2 = 0.7 (gap 0.3).
    inst = read_instance(INSTANCES / "single_delay.json")
    w1, w02 = Weights(), Weights(reschedules=0.2)
    table = pd.DataFrame(instance_gaps(inst, [w1, w02], key="single"))
    assert list(table.columns) == list(GAP_COLUMNS)
    expected = {(w1, "step"): 1.5, (w1, "leap"): 0.0, (w1, "dynamic"): 1.5, (w1, "ontime"): 0.5,
                (w02, "step"): 0.2, (w02, "leap"): 0.3, (w02, "dynamic"): 0.2, (w02, "ontime"): 0.0}
    for (w, rule), gap in expected.items():
        row = by_row(table, rule, w)
        assert row["rule_feasible"] and row["exact_status"] == "optimal"
        assert row["gap_abs"] == pytest.approx(gap, abs=1e-12)
        assert row["rule_optimal"] == (gap == 0.0)
        assert row["gap_rel"] == pytest.approx(gap / row["optimum"])
    assert by_row(table, "leap", w1)["optimum"] == pytest.approx(1.5)
    assert by_row(table, "step", w1)["gap_rel"] == pytest.approx(1.0)
    assert by_row(table, "ontime", w02)["optimum"] == pytest.approx(0.4)
    step = by_row(table, "step", w1)
    assert step["opt_reschedules"] == 1 and step["rule_reschedules"] == 3


def test_rule_plans_the_model_forbids_are_reported():
    # options.json: a hard 1:2 sunroof rule; step and ontime put two sunroofs side by side
    # (README), leap is feasible; the exact model (Pyomo path) is never worse than leap.
    inst = read_instance(INSTANCES / "options.json")
    table = pd.DataFrame(instance_gaps(inst, [inst.weights]))
    flags = dict(zip(table["rule"], table["rule_feasible"], strict=True))
    assert flags == {"step": False, "leap": True, "dynamic": False, "ontime": False}
    assert set(table.loc[~table["rule_feasible"], "violations"]) == {"ratio"}
    assert not table.loc[~table["rule_feasible"], "rule_optimal"].any()
    assert (table["exact_method"] == "highs").all()
    assert by_row(table, "leap", inst.weights)["gap_abs"] >= 0
    summary = summarize_gaps(table)
    assert summary.set_index("rule").loc["step", "share_infeasible"] == 1.0
    assert np.isnan(summary.set_index("rule").loc["step", "gap_abs_mean"])  # no feasible plan


def test_gap_never_negative_for_feasible_rule_plans(simulated):
    _jobs, table = simulated
    feasible = table[table["rule_feasible"] & table["optimum"].notna()]
    assert len(feasible) > 100
    assert (feasible["gap_abs"] >= 0).all() and (feasible["gap_rel"] >= 0).all()
    assert (feasible["rule_objective"] >= feasible["optimum"]).all()
    assert (feasible["gap_abs"] > 0).any() and (feasible["gap_abs"] == 0).any()


def test_gap_is_zero_exactly_where_the_rule_plan_is_an_optimum(simulated):
    jobs, table = simulated
    equal_plans = 0
    for job in jobs[:40]:
        inst = job.instance
        for w in WEIGHTINGS:
            best = solve_exact(inst, w).plan.slot
            for rule in GAP_RULES:
                row = table[(table["instance"] == job.key) & (table["rule"] == rule)
                            & (table["weights"] == weights_label(w))].iloc[0]
                if np.array_equal(RulePolicy(rule)(inst).slot, best):
                    equal_plans += 1
                    assert row["gap_abs"] == 0.0 and row["gap_rel"] == 0.0 and row["rule_optimal"]
                elif row["rule_optimal"]:  # another plan of the same (optimal) cost
                    assert row["rule_objective"] == pytest.approx(row["optimum"])
    assert equal_plans > 0


def test_table_rows_and_order(simulated):
    jobs, table = simulated
    assert list(table.columns) == list(GAP_COLUMNS)
    assert len(table) == len(jobs) * len(WEIGHTINGS) * len(GAP_RULES)
    assert list(table["instance"].drop_duplicates()) == [j.key for j in jobs]
    first = table[table["instance"] == jobs[0].key]
    assert list(first["weights"]) == [weights_label(w) for w in WEIGHTINGS for _ in GAP_RULES]
    assert list(first["rule"]) == list(GAP_RULES) * len(WEIGHTINGS)
    assert (table["exact_method"] == "fast").all() and (table["exact_status"] == "optimal").all()
    summary = summarize_gaps(table)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert len(summary) == len(WEIGHTINGS) * len(GAP_RULES)
    assert (summary["events"] == len(jobs)).all()
    assert (summary["gap_abs_median"] <= summary["gap_abs_p95"]).all()
    assert (summary["gap_abs_p95"] <= summary["gap_abs_max"]).all()


def test_workers_give_the_same_table(simulated):
    jobs, _table = simulated
    parallel = gap_table(jobs[:6], WEIGHTINGS[:2], workers=2)
    serial = gap_table(jobs[:6], WEIGHTINGS[:2], workers=1)
    columns = [c for c in GAP_COLUMNS if c != "exact_time_s"]
    pd.testing.assert_frame_equal(parallel[columns], serial[columns])


def test_in_memory_instances_equal_the_captured_files(tmp_path):
    scenario = small_scenario(days=3.0, warmup_days=1.0)
    jobs, _ = simulated_instances(scenario, "step", seed=2)
    kept = []  # a hook next to capture_dir: both see every instance
    run_replication(scenario, "step", seed=2, capture_dir=tmp_path / "run",
                    on_instance=lambda index, inst, plan, changes: kept.append((index, inst)))
    files = captured_instances(tmp_path)
    assert len(files) == len(jobs) == len(kept) > 5
    assert [index for index, _ in kept] == list(range(len(kept)))
    assert files[0].key.startswith("run/000000_t")
    for mem, disk, (_, hooked) in zip(jobs, files, kept, strict=True):
        a, b = mem.load(), disk.load()
        assert a.now_h == b.now_h == hooked.now_h
        np.testing.assert_array_equal(a.slot, b.slot)
        np.testing.assert_array_equal(a.ready_h, b.ready_h)
        np.testing.assert_array_equal(hooked.slot, b.slot)


def test_weights_label():
    assert weights_label(Weights()) == "delay=1,reschedules=1"
    assert weights_label(Weights(reschedules=0.1, stock=2)) == "delay=1,reschedules=0.1,stock=2"


def test_bad_rule_and_no_weighting():
    job = GapJob("x", 0, read_instance(INSTANCES / "single_delay.json"))
    with pytest.raises(Exception, match="rule"):
        gap_table([job], [Weights()], rules=("none",))
    with pytest.raises(Exception, match="weighting"):
        gap_table([job], [])


# ---- command line ---------------------------------------------------------------------

def test_cli_simulated_run_end_to_end(capsys, tmp_path):
    out = tmp_path / "gaps.parquet"
    code, text, err = run(capsys, "gaps", "--simulate", "--reliability", "0.97", "--days", "2",
                          "--warmup-days", "1", "--seed", "1", "--weights", "delay=1,reschedules=1",
                          "--weights", "delay=1,reschedules=0.1", "--jobs", "1", "--out", out)
    assert code == 0 and err == ""
    assert "policy dynamic" in text and "instances" in text
    assert "delay=1,reschedules=1 " in text and "delay=1,reschedules=0.1 " in text
    table = pd.read_parquet(out)
    summary = pd.read_parquet(tmp_path / "gaps_summary.parquet")
    n = table["instance"].nunique()
    assert n > 5 and len(table) == n * 2 * 4 and len(summary) == 8
    assert (table.loc[table["rule_feasible"], "gap_abs"] >= 0).all()


def test_cli_captured_directory_json(capsys, tmp_path):
    run_replication(small_scenario(days=3.0, warmup_days=1.0), "dynamic", seed=1,
                    capture_dir=tmp_path / "inst" / "run0")
    out = tmp_path / "g.csv"
    code, text, err = run(capsys, "gaps", tmp_path / "inst", "--rules", "step,leap", "--json",
                          "--out", out, "--jobs", "1")
    assert code == 0 and err == ""
    result = json.loads(text)
    files = list((tmp_path / "inst" / "run0").glob("*.instance.json"))
    assert result["instances"] == len(files) and result["rules"] == ["step", "leap"]
    assert [s["rule"] for s in result["summary"]] == ["step", "leap"]
    assert result["summary"][0]["weights"] == "delay=1,reschedules=1"
    assert len(pd.read_csv(out)) == 2 * len(files)
    assert (tmp_path / "g_summary.csv").is_file()


@pytest.mark.parametrize("argv", [
    ("--simulate", "--weights", "delay=-1"),
    ("--simulate", "--weights", "lateness=1"),
    ("--simulate", "--weights", "delay"),
    ("--simulate", "--weights", "delay=1", "--weights", "delay=1,reschedules=1"),
    ("--simulate", "--rules", "step,none"),
    ("--simulate", "--reliability", "1.5"),
    ("--simulate", "--time-limit", "0"),
    ("--simulate", "--out", "gaps.txt"),
    ("--simulate", "--policy", "dynamic+magic"),
    ("--reliability", "0.97"),
    (),
])
def test_cli_rejects_bad_input_with_exit_2(capsys, argv, tmp_path):
    code, out, err = run(capsys, "gaps", *argv, "--days", "2", "--warmup-days", "1")
    assert code == 2 and out == ""
    assert_one_line_error(err, "gaps")


def test_cli_rejects_a_directory_without_instances(capsys, tmp_path):
    for argv in ((tmp_path,), (tmp_path, "--simulate"), (tmp_path, "--reliability", "0.9"),
                 (tmp_path / "missing",)):
        code, out, err = run(capsys, "gaps", *argv)
        assert code == 2 and out == ""
        assert_one_line_error(err, "gaps")
