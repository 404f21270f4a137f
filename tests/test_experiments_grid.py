"""Grids of tasks: stable keys, tidy rows, scenario overrides."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from jisopt.errors import InputError
from jisopt.experiments import Task, apply_overrides, make_grid
from jisopt.scenario import Scenario


def test_key_is_fixed_for_given_parameters():
    # A stored result must be found again by later versions: the key is pinned here.
    task = Task(scenario="tractor", reliability=0.97, policy="dynamic", replication=3, seed=1)
    canonical = ('{"overrides":[],"policy":"dynamic","policy_options":[],"reliability":0.97,'
                 '"replication":3,"scenario":"tractor","seed":1}')
    assert task.digest == hashlib.sha1(canonical.encode()).hexdigest()
    assert task.digest == "aaac94c7d50a025c6c2cef12fb479448235af699"
    assert task.key == "dynamic_r0.97_s1_rep0003_aaac94c7d5"


def test_key_is_the_same_in_a_fresh_interpreter():
    code = ("from jisopt.experiments import Task;"
            "print(Task(reliability=0.93, policy='leap', overrides={'days': 10.0},"
            " policy_options={'swap': True}, replication=7).key)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    task = Task(reliability=0.93, policy="leap", overrides={"days": 10.0},
                policy_options={"swap": True}, replication=7)
    assert out.stdout.strip() == task.key
    assert task.key.startswith("leap+swap_r0.93_s1_rep0007_")


def test_key_does_not_depend_on_the_order_options_are_given():
    a = Task(policy="dynamic", policy_options=(("swap", True), ("skew_h", 12.0)))
    b = Task(policy="dynamic", policy_options={"skew_h": 12.0, "swap": True})
    assert a == b
    assert a.key == b.key


@pytest.mark.parametrize(
    "change",
    [{"seed": 2}, {"replication": 1}, {"reliability": 0.95}, {"policy": "step"},
     {"overrides": {"days": 20.0}}, {"policy_options": {"swap": True}}, {"scenario": "other"}],
)
def test_every_parameter_changes_the_key(change):
    base = dict(reliability=0.97, policy="leap", replication=0, seed=1)
    assert Task(**{**base, **change}).key != Task(**base).key


def test_grid_order_size_and_unique_keys():
    grid = make_grid(reliabilities=(0.99, 0.93), policies=("none", "step", ("dynamic", {"swap": True})),
                     replications=3, vary={"monitoring.point": (0.2, 0.8)})
    assert len(grid) == 2 * 2 * 3 * 3
    assert len({t.key for t in grid}) == len(grid)
    first = grid[:4]
    assert [(t.reliability, t.policy, t.replication) for t in first] == [
        (0.99, "none", 0), (0.99, "none", 1), (0.99, "none", 2), (0.99, "step", 0)]
    assert grid[6].policy_label == "dynamic+swap"
    assert dict(grid[-1].overrides) == {"monitoring.point": 0.8}


def test_row_has_parameters_as_columns():
    task = Task(reliability=0.95, policy="dynamic", overrides={"line_freeze_h": 24.0},
                policy_options={"skew_h": 6.0}, replication=2, seed=5)
    row = task.row()
    assert row["line_freeze_h"] == 24.0
    assert row["skew_h"] == 6.0
    assert row["policy_label"] == "dynamic(skew=6h)"  # the policy name and spec label
    assert (row["reliability"], row["replication"], row["seed"]) == (0.95, 2, 5)


def test_resolve_scenario_applies_nested_overrides_and_reliability():
    task = Task(reliability=0.93, overrides={"monitoring.point": 0.3, "days": 20.0,
                                             "warmup_days": 5.0})
    scenario = task.resolve_scenario(Scenario())
    assert scenario.monitoring.point == 0.3
    assert scenario.monitoring.enabled is True
    assert (scenario.days, scenario.warmup_days) == (20.0, 5.0)
    assert {s.reliability for s in scenario.suppliers} == {0.93}


def test_bad_override_is_an_input_error():
    with pytest.raises(InputError, match="not a scenario field"):
        apply_overrides(Scenario(), (("no_such_field", 1),))
    with pytest.raises(InputError, match="point"):
        apply_overrides(Scenario(), (("monitoring.point", 1.5),))


@pytest.mark.parametrize("bad", [{"reliability": 1.2}, {"replication": -1}, {"seed": 1.5},
                                 {"overrides": {"days": [1, 2]}}])
def test_bad_task_parameters(bad):
    with pytest.raises(InputError):
        Task(**bad)
