"""Captured instances replay offline to the plans the simulator applied."""

from __future__ import annotations

import numpy as np
from sim_cases import small_scenario

from jisopt.cli import main as cli_main
from jisopt.instance_io import read_instance
from jisopt.plan_io import read_plan
from jisopt.policies import PolicySpec
from jisopt.sim import run_replication
from jisopt.sim.capture import capture_stem


def test_captured_instances_replay_to_the_applied_plans(tmp_path):
    scenario = small_scenario(days=3.0, warmup_days=1.0)
    result = run_replication(scenario, "dynamic+swap", seed=3, capture_dir=tmp_path)
    instances = sorted(tmp_path.glob("*.instance.json"))
    assert len(instances) == len(result.instances) > 10
    assert len(sorted(tmp_path.glob("*.plan.json"))) == len(instances)
    policy = PolicySpec.parse("dynamic+swap").build(scenario)
    swapped = 0
    for k, (path, row) in enumerate(zip(instances, result.instances.itertuples(), strict=True)):
        assert path.name == f"{capture_stem(k, row.time_h)}.instance.json"
        instance = read_instance(path).check(str(path))
        assert instance.now_h == row.time_h and instance.n_disrupted == row.disrupted_orders
        applied = read_plan(path.with_name(path.name.replace(".instance.", ".plan.")), instance)
        replayed = policy(instance)
        np.testing.assert_array_equal(replayed.slot, applied.slot)
        assert replayed.swaps == applied.swaps
        swapped += len(applied.swaps)
    assert swapped == result.instances.swaps.sum() > 0


def test_captured_instance_solves_on_the_command_line(tmp_path, capsys):
    run_replication(small_scenario(days=3.0, warmup_days=1.0), "step", seed=1, capture_dir=tmp_path)
    first = sorted(tmp_path.glob("*.instance.json"))[0]
    assert cli_main(["solve", str(first), "--policy", "step"]) == 0
    assert "feasible" in capsys.readouterr().out.lower()
