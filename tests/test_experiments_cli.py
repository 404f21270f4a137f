"""``jisopt simulate`` and ``jisopt reproduce`` end to end on tiny grids."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import jisopt
import jisopt.cli
from jisopt.experiments import TIMING_COLUMNS
from jisopt.scenario import load_scenario
from jisopt.sim import KPI_NAMES
from jisopt.sim.metrics import kpi_names

TINY = ["--days", "10", "--warmup-days", "2"]


def test_commands_are_registered():
    assert {"simulate", "reproduce"} <= set(jisopt.cli.COMMANDS)
    assert {"simulate", "reproduce"} <= set(jisopt.cli.build_parser()._subparsers._group_actions[0].choices)


def cli(*argv):
    return jisopt.cli.main([str(a) for a in argv])


@pytest.mark.parametrize("command", ["simulate", "reproduce"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli(command, "--help")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--replications" in out and "--jobs" in out and "--resume" in out


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["simulate", "--reliability", "1.5"], "reliability"),
        (["simulate", "--reliability", "0"], "reliability"),
        (["simulate", "--reliability", "high"], "reliability"),
        (["simulate", "--monitoring-point", "0"], "monitoring-point"),
        (["simulate", "--days", "10"], "warmup_days"),
        (["simulate", "--policy", "nosuch"], "policy"),
        (["simulate", "--policy", "dynamic", "--weights", "delay=1"], "weights"),
        (["simulate", "--policy", "step,leap", "--skew-h", "4"], "skew-h"),
        (["simulate", "--weights", "speed=1"], "weights"),
        (["simulate", "--policy", "milp", "--weights", "delay=1", "--weights", "reschedules=1,delay=1"],
         "weights"),
        (["simulate", "--replications", "0"], "replications"),
        (["simulate", "--jobs", "-2"], "jobs"),
        (["simulate", "--scenario", "no_such_scenario"], "no_such_scenario"),
        (["reproduce", "--reliability", "0.9"], "reliability"),
        (["reproduce", "--study", "monitoring", "--monitoring-point", "0.3"], "monitoring.point"),
        (["reproduce", "--study", "monitoring", "--reliability", "2"], "reliability"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, field, capsys, tmp_path):
    out = tmp_path / "out"
    assert cli(*argv, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err and "error" in err
    assert not (out / "parts").exists() or not list((out / "parts").iterdir())  # nothing ran


def test_simulate_json_summary_and_files(tmp_path, capsys):
    out = tmp_path / "sim"
    code = cli("simulate", "--policy", "dynamic", "--reliability", "0.95", "--replications", 3,
               *TINY, "--jobs", 1, "--out", out, "--json")
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["replications"] == 3 and data["days"] == 10.0
    (group,) = data["summary"]
    assert (group["policy_label"], group["reliability"]) == ("dynamic", 0.95)
    assert set(group["kpis"]) == set(kpi_names(load_scenario("tractor")))
    okay = group["kpis"]["okay_rate"]
    assert okay["n"] == 3 and okay["ci_low"] <= okay["mean"] <= okay["ci_high"]
    table = pd.read_parquet(out / "replications.parquet")
    assert len(table) == 3 and set(KPI_NAMES) <= set(table.columns)
    assert table["days"].eq(10.0).all() and table["reliability"].eq(0.95).all()
    assert len(pd.read_csv(out / "replications.csv")) == 3
    assert (out / "summary.csv").is_file()


def test_simulate_text_table(tmp_path, capsys):
    assert cli("simulate", "--policy", "step,leap", "--replications", 2, *TINY, "--jobs", 1,
               "--monitoring-point", "0.4", "--line-freeze-h", "12", "--out", tmp_path) == 0
    out = capsys.readouterr().out
    assert "okay_rate" in out and "step" in out and "leap" in out and "±" in out
    table = pd.read_parquet(tmp_path / "replications.parquet")
    assert table["monitoring.point"].eq(0.4).all() and table["line_freeze_h"].eq(12.0).all()


def test_options_go_to_the_policies_that_take_them(tmp_path, capsys):
    assert cli("simulate", "--policy", "step,dynamic,milp", "--weights", "reschedules=0.20,delay=1",
               "--skew-h", "6", "--swap", "--reliability", "0.95", "--replications", 1, "--days", 6,
               "--warmup-days", 1, "--jobs", 1, "--out", tmp_path, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    labels = [group["policy_label"] for group in data["summary"]]
    assert labels == ["step+swap", "dynamic(skew=6h)+swap",
                      "milp[weights=reschedules=0.2,delay=1]+swap"]


def test_each_weighting_runs_the_exact_model_once(tmp_path, capsys):
    assert cli("simulate", "--policy", "dynamic,milp", "--weights", "delay=1,reschedules=1",
               "--weights", "delay=1,reschedules=0.1", "--reliability", "0.95", "--replications", 1,
               "--days", 4, "--warmup-days", 1, "--jobs", 1, "--out", tmp_path, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    labels = [group["policy_label"] for group in data["summary"]]
    assert labels == ["dynamic", "milp[weights=delay=1,reschedules=1]",
                      "milp[weights=delay=1,reschedules=0.1]"]
    table = pd.read_parquet(tmp_path / "replications.parquet")
    assert list(table["weights"].iloc[1:]) == ["delay=1,reschedules=1", "delay=1,reschedules=0.1"]
    assert table["task_key"].nunique() == 3


def test_one_and_two_processes_give_identical_tables(tmp_path):
    common = ["simulate", "--policy", "none,dynamic", "--reliability", "0.95", "--replications", 2,
              *TINY, "--json"]
    assert cli(*common, "--jobs", 1, "--out", tmp_path / "one") == 0
    assert cli(*common, "--jobs", 2, "--out", tmp_path / "two") == 0
    one = pd.read_parquet(tmp_path / "one" / "replications.parquet")
    two = pd.read_parquet(tmp_path / "two" / "replications.parquet")
    assert len(one) == 4
    pd.testing.assert_frame_equal(one.drop(columns=list(TIMING_COLUMNS)),
                                  two.drop(columns=list(TIMING_COLUMNS)))


def test_simulate_resume_runs_only_what_is_missing(tmp_path, capsys):
    argv = ["simulate", "--policy", "step", "--replications", 3, *TINY, "--jobs", 1, "--out", tmp_path]
    assert cli(*argv) == 0
    full = pd.read_parquet(tmp_path / "replications.parquet")
    parts = sorted((tmp_path / "parts").glob("*.parquet"))
    parts[1].unlink()  # as if the run had been killed before this one finished
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    printed = capsys.readouterr().out
    assert "1 run(s)" in printed and "2 resumed" in printed
    again = pd.read_parquet(tmp_path / "replications.parquet")
    pd.testing.assert_frame_equal(full.drop(columns=list(TIMING_COLUMNS)),
                                  again.drop(columns=list(TIMING_COLUMNS)))


def test_simulate_orders(tmp_path):
    assert cli("simulate", "--policy", "dynamic", "--reliability", "0.9", "--replications", 2, *TINY,
               "--jobs", 1, "--out", tmp_path, "--orders") == 0
    orders = pd.read_parquet(tmp_path / "orders.parquet")
    table = pd.read_parquet(tmp_path / "replications.parquet")
    assert set(orders["task_key"]) == set(table["task_key"])
    assert {"policy_label", "replication", "seed"} <= set(orders.columns)
    per_run = orders.groupby("task_key").size()
    assert (per_run > table.set_index("task_key")["assembled_orders"]).all()


def test_simulate_capture_gives_each_run_its_directory(tmp_path):
    capture = tmp_path / "capture"
    assert cli("simulate", "--policy", "step", "--reliability", "0.995", "--replications", 2,
               "--days", "4", "--warmup-days", "1", "--jobs", 1, "--out", tmp_path / "out",
               "--capture", capture) == 0
    table = pd.read_parquet(tmp_path / "out" / "replications.parquet")
    assert sorted(p.name for p in capture.iterdir()) == sorted(table["task_key"])
    assert any(any(run.iterdir()) for run in capture.iterdir())


def test_reproduce_quick_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "repro"
    assert cli("reproduce", "--quick", "--replications", 2, *TINY, "--jobs", 2, "--out", out) == 0
    text = capsys.readouterr().out
    assert "Paired comparisons at 97%" in text and "Against the paper" in text
    table = pd.read_csv(out / "replications.csv")
    assert len(table) == 4 * 4 * 2
    assert sorted(table["reliability"].unique()) == [0.93, 0.95, 0.97, 0.99]
    assert set(table["policy"]) == {"none", "step", "leap", "dynamic"}
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["kpi"]) == set(KPI_NAMES)
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert list(comparisons["claim"]) == [
        "reschedules_per_order: leap < dynamic", "reschedules_per_order: dynamic < step",
        "mean_delay_h: step ≤ dynamic", "mean_delay_h: dynamic < leap"]
    assert comparisons["n_pairs"].eq(2).all()
    md = (out / "summary.md").read_text()
    assert "| r | policy |" in md
    for name in ("fig4_okay_rate.png", "fig5_step_vs_leap_97.png", "fig6_dynamic.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert name in md


def test_reproduce_monitoring_study(tmp_path, capsys):
    out = tmp_path / "mon"
    assert cli("reproduce", "--study", "monitoring", "--replications", 1, *TINY, "--jobs", 2,
               "--out", out, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["study"] == "monitoring" and data["runs"] == 10 * 4
    table = pd.read_parquet(out / "replications.parquet")
    assert sorted(table["monitoring.point"].unique()) == pytest.approx([0.1 * k for k in range(1, 11)])
    assert table["line_freeze_h"].eq(24.0).all() and table["reliability"].eq(0.97).all()
    assert (out / "study_monitoring.png").is_file() and (out / "summary.md").is_file()


def test_killed_sweep_resumes_without_losing_or_repeating_a_run(tmp_path):
    argv = ["simulate", "--policy", "step,dynamic", "--reliability", "0.95", "--replications", 8,
            "--days", 20, "--warmup-days", 5, "--jobs", 2, "--json"]
    reference = tmp_path / "reference"
    assert cli(*argv, "--out", reference) == 0

    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(jisopt.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "jisopt", *map(str, argv), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    parts = out / "parts"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(parts.glob("*.parquet")) if parts.is_dir() else []) < 3:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, mid-sweep
    proc.wait()
    done = {p.stem for p in parts.glob("*.parquet")}
    assert 3 <= len(done) < 16 and not (out / "replications.parquet").exists()
    mtimes = {p.name: p.stat().st_mtime_ns for p in parts.glob("*.parquet")}

    assert cli(*argv, "--out", out, "--resume") == 0
    after = {p.name: p.stat().st_mtime_ns for p in parts.glob("*.parquet")}
    assert len(after) == 16 and all(after[k] == v for k, v in mtimes.items())  # kept, not rerun
    resumed = pd.read_parquet(out / "replications.parquet")
    full = pd.read_parquet(reference / "replications.parquet")
    assert resumed["task_key"].is_unique
    pd.testing.assert_frame_equal(resumed.drop(columns=list(TIMING_COLUMNS)),
                                  full.drop(columns=list(TIMING_COLUMNS)))


@pytest.mark.slow
def test_reproduce_confirms_the_papers_claims(tmp_path, capsys):
    out = tmp_path / "paper"
    assert cli("reproduce", "--replications", 10, "--jobs", 2, "--out", out) == 0
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert comparisons["verdict"].eq("holds").all(), comparisons
    summary = pd.read_csv(out / "summary.csv").set_index(["reliability", "policy_label", "kpi"])["mean"]
    assert summary[(0.93, "none", "okay_rate")] == pytest.approx(0.93**3, abs=0.01)
    assert summary[(0.97, "dynamic", "mean_delay_h")] < 2.0
    assert all(summary[(r, "dynamic", "okay_rate")] > 0.99 for r in (0.99, 0.97, 0.95, 0.93))
