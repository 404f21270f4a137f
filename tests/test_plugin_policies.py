"""A policy written in a file outside the package runs wherever a built-in does.

The plug-in is a wrapper of the built-in dynamic rule with its own name, written by
each test into ``tmp_path``; on the same seed it must give the same KPIs (and plans)
as ``dynamic`` through the Python grid API, ``jisopt simulate``, ``jisopt gaps``,
``jisopt solve`` and an entry point. A changed policy file is refused on ``--resume``.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import jisopt.cli
from jisopt.errors import InputError
from jisopt.experiments import TIMING_COLUMNS, make_backend, make_grid, run_tasks
from jisopt.experiments.simulation import SimulationTask, experiment_manifest
from jisopt.policies import PolicySpec, RulePolicy, policy_identity
from jisopt.scenario import load_scenario
from jisopt.sim.metrics import KPI_NAMES

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "models" / "instances" / "single_delay.json"
TINY = ["--days", "10", "--warmup-days", "2"]
KPIS = [k for k in KPI_NAMES if k not in TIMING_COLUMNS]
"""The KPIs a policy decides (decision times are measured, they differ run to run)."""

PLUGIN = textwrap.dedent('''
    """The dynamic rule under another name (a test plug-in)."""
    from dataclasses import dataclass

    from jisopt.policies import RulePolicy


    @dataclass(frozen=True)
    class Dyn:
        swap: bool = False
        skew_h: float = 0.0

        @property
        def name(self):
            return "dyn-plugin" + ("+swap" if self.swap else "")

        def __call__(self, instance):
            return RulePolicy("dynamic", swap=self.swap, skew_h=self.skew_h)(instance)


    def make(scenario=None, swap=False):
        """A factory that takes the scenario's skew threshold, as the built-in does."""
        return Dyn(swap=swap, skew_h=scenario.dynamic_skew_h if scenario is not None else 0.0)


    NOT_CALLABLE = 3


    def gives_a_number():
        return 3
''')


def cli(*argv):
    return jisopt.cli.main([str(a) for a in argv])


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The plug-in file, and the working directory set to its folder (``./dyn_plugin.py``)."""
    path = tmp_path / "dyn_plugin.py"
    path.write_text(PLUGIN)
    monkeypatch.chdir(tmp_path)
    return path


def kpis_of(table: pd.DataFrame) -> pd.DataFrame:
    return table[KPIS].reset_index(drop=True)


def simulate_json(capsys, policy, out, *extra):
    assert cli("simulate", "--policy", policy, *TINY, "--replications", 2, "--jobs", 1,
               "--out", out, "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)


def decided(data):
    """The summary of ``jisopt simulate --json`` without the policy's label and the timings."""
    return [{**{k: v for k, v in group.items() if k not in ("policy_label", "kpis")},
             "kpis": {k: v for k, v in group["kpis"].items() if k not in TIMING_COLUMNS}}
            for group in data["summary"]]


# ---- Python grid API ---------------------------------------------------------------------


def test_a_policy_object_runs_in_the_grid_api_like_the_builtin(plugin):
    base = load_scenario("tractor")
    dyn = PolicySpec.parse("./dyn_plugin.py:Dyn").build()
    assert dyn.name == "dyn-plugin" and type(dyn).__name__ == "Dyn"
    overrides = {"days": 10.0, "warmup_days": 2.0}
    sim = SimulationTask({"tractor": base})
    plug = make_grid(policies=[dyn], replications=2, overrides=overrides)
    builtin = make_grid(policies=["dynamic"], replications=2, overrides=overrides)
    assert [t.policy_label for t in plug] == ["dyn-plugin", "dyn-plugin"]
    assert plug[0].policy_object is dyn and plug[0].build_policy() is dyn
    sim.validate(plug)
    ours, theirs = run_tasks(plug, sim).table, run_tasks(builtin, sim).table
    pd.testing.assert_frame_equal(kpis_of(ours), kpis_of(theirs))
    assert ours["mean_delay_h"].gt(0).any()  # a run with disruptions, not an empty one


def test_a_policy_object_that_cannot_reach_workers_is_refused(plugin):
    from_file = PolicySpec.parse("./dyn_plugin.py:Dyn").build()

    class Local:  # defined in a function: pickle cannot find it
        name = "local"

        def __call__(self, instance):
            return RulePolicy("dynamic")(instance)

    backend = make_backend(2)
    for obj, reason in ((from_file, "loaded from a file"), (Local(), "cannot be sent")):
        with pytest.raises(InputError, match=reason):
            run_tasks(make_grid(policies=[obj]), SimulationTask(), backend=backend)


def test_not_a_policy_object_is_refused():
    with pytest.raises(InputError, match="not a policy"):
        make_grid(policies=[3])  # type: ignore[list-item]


# ---- command line ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["./dyn_plugin.py:make", "dyn_plugin.py:Dyn"])
def test_simulate_with_a_policy_file_equals_the_builtin(plugin, tmp_path, capsys, label):
    ours = simulate_json(capsys, label, tmp_path / "a")
    theirs = simulate_json(capsys, "dynamic", tmp_path / "b")
    assert [g["policy_label"] for g in ours["summary"]] == [label]
    assert decided(ours) == decided(theirs)
    table = pd.read_parquet(tmp_path / "a" / "replications.parquet")
    pd.testing.assert_frame_equal(kpis_of(table),
                                  kpis_of(pd.read_parquet(tmp_path / "b" / "replications.parquet")))


def test_options_and_swap_reach_the_plugin(plugin, tmp_path, capsys):
    ours = simulate_json(capsys, "./dyn_plugin.py:make", tmp_path / "a", "--swap")
    theirs = simulate_json(capsys, "dynamic", tmp_path / "b", "--swap")
    assert ours["summary"][0]["policy_label"] == "./dyn_plugin.py:make+swap"
    assert decided(ours) == decided(theirs)


def test_reproduce_studies_take_a_policy_file(plugin, tmp_path, capsys):
    # the skew study sweeps dynamic_skew_h; the factory reads it from the scenario it is given
    assert cli("reproduce", "--study", "skew", "--policies", "dynamic,./dyn_plugin.py:make",
               "--replications", 1, *TINY, "--jobs", 1, "--out", tmp_path / "r", "--json") == 0
    groups = json.loads(capsys.readouterr().out)["summary"]
    assert [g["policy_label"] for g in groups[:2]] == ["dynamic", "./dyn_plugin.py:make"]
    by_skew: dict[float, list] = {}
    for g in groups:
        by_skew.setdefault(g["dynamic_skew_h"], []).append(decided({"summary": [g]})[0])
    assert len(by_skew) == 5 and all(len(pair) == 2 for pair in by_skew.values())
    assert all(builtin == ours for builtin, ours in by_skew.values())
    delays = {skew: pair[0]["kpis"]["mean_delay_h"]["mean"] for skew, pair in by_skew.items()}
    assert len(set(delays.values())) > 1  # the skew reached both policies and changed the runs
    assert cli("reproduce", "--policies", "dynamic", "--out", tmp_path / "p") == 2
    assert "parameter studies only" in capsys.readouterr().err


def test_resume_refuses_a_changed_policy_file(plugin, tmp_path, capsys):
    out = tmp_path / "run"
    simulate_json(capsys, "./dyn_plugin.py:make", out)
    manifest = json.loads((out / "experiment.json").read_text())
    identity = manifest["policies"]["./dyn_plugin.py:make"]
    assert identity["source"] == str(plugin.resolve()) and len(identity["sha1"]) == 40
    again = simulate_json(capsys, "./dyn_plugin.py:make", out, "--resume")
    assert again["resumed"] == 2 and again["runs"] == 0
    plugin.write_text(PLUGIN + "\n# a changed line\n")
    code = cli("simulate", "--policy", "./dyn_plugin.py:make", *TINY, "--replications", 2,
               "--jobs", 1, "--out", out, "--resume")
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "'./dyn_plugin.py:make'" in captured.err and "source changed" in captured.err


def test_resume_refuses_a_changed_builtin_source(tmp_path):
    from jisopt.experiments.storage import ResultStore

    tasks = make_grid(policies=["dynamic"], overrides={"days": 1.0, "warmup_days": 0.5})
    sim = SimulationTask({"tractor": load_scenario("tractor")})
    manifest = experiment_manifest(sim, tasks)
    assert manifest["policies"]["dynamic"]["source"].startswith("jisopt ")
    store = ResultStore(tmp_path / "run")
    store.open(manifest, resume=False, tasks=tasks)
    store.open(manifest, resume=True, tasks=tasks)  # the same identity resumes
    changed = {**manifest, "policies": {"dynamic": {**manifest["policies"]["dynamic"], "sha1": "0" * 40}}}
    with pytest.raises(InputError, match="policy 'dynamic'"):
        store.open(changed, resume=True, tasks=tasks)


def test_solve_with_a_policy_file_gives_the_builtin_plan(plugin, capsys):
    def solve(policy):
        assert cli("solve", SINGLE, "--policy", policy, "--json") == 0
        return json.loads(capsys.readouterr().out)

    ours, theirs = solve("./dyn_plugin.py:Dyn"), solve("dynamic")
    assert ours["evaluation"] == theirs["evaluation"] and ours["disrupted"] == theirs["disrupted"]
    measured = ("policy", "runtime_s")
    assert {k: v for k, v in ours["plan"].items() if k not in measured} == {
        k: v for k, v in theirs["plan"].items() if k not in measured}


def test_gaps_compares_a_policy_file_like_the_builtin(plugin, capsys):
    assert cli("gaps", "--simulate", "--days", 2, "--warmup-days", 1, "--rules",
               "dynamic,./dyn_plugin.py:make", "--policy", "./dyn_plugin.py:make", "--jobs", 1,
               "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert "policy dyn-plugin" in result["source"]
    assert result["rules"] == ["dynamic", "./dyn_plugin.py:make"]
    builtin, ours = result["summary"]
    assert ours["rule"] == "./dyn_plugin.py:make" and builtin["events"] > 0
    assert {k: v for k, v in ours.items() if k != "rule"} == {
        k: v for k, v in builtin.items() if k != "rule"}


def test_an_entry_point_registers_a_name(plugin, tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    (site / "dynplug-0.1.dist-info").mkdir(parents=True)
    (site / "dynplug-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: dynplug\nVersion: 0.1\n")
    (site / "dynplug-0.1.dist-info" / "entry_points.txt").write_text(
        "[jisopt.policies]\ndyn-ep = dynplug_policies:make\n")
    (site / "dynplug_policies.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    assert PolicySpec.parse("dyn-ep").build().name == "dyn-plugin"
    assert policy_identity(PolicySpec.parse("dyn-ep"))["source"] == str(
        (site / "dynplug_policies.py").resolve())
    ours = simulate_json(capsys, "dyn-ep", tmp_path / "a")
    theirs = simulate_json(capsys, "dynamic", tmp_path / "b")
    assert decided(ours) == decided(theirs)


@pytest.mark.parametrize("command, label, message", [
    ("simulate", "no_such_module_xyz:Attr", "cannot import module"),
    ("simulate", "./dyn_plugin.py:Missing", "has no attribute 'Missing'"),
    ("simulate", "./missing_file.py:Dyn", "cannot read the policy file"),
    ("simulate", "./dyn_plugin.py:NOT_CALLABLE", "not a class or factory"),
    ("simulate", "./dyn_plugin.py:gives_a_number", "did not give a policy"),
    ("simulate", "./dyn_plugin.py:Dyn[window=3]", "option not accepted"),
    ("simulate", "no-such-policy", "unknown policy"),
    ("solve", "./dyn_plugin.py:Dyn[window=3]", "option not accepted"),
    ("solve", "./dyn_plugin.py:Missing", "has no attribute"),
    ("gaps", "./dyn_plugin.py:Missing", "has no attribute"),
])
def test_bad_plugins_are_one_line_errors(plugin, tmp_path, capsys, command, label, message):
    if command == "simulate":
        argv = ["simulate", "--policy", label, *TINY, "--replications", 1, "--jobs", 1,
                "--out", tmp_path / "out"]
    elif command == "solve":
        argv = ["solve", SINGLE, "--policy", label]
    else:
        argv = ["gaps", "--simulate", "--days", 2, "--warmup-days", 1, "--rules", label]
    code = cli(*argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith(f"jisopt {command}: error: ") and captured.err.count("\n") == 1
    assert message in captured.err and "Traceback" not in captured.err
