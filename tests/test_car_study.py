"""The car study: its grid, its tables and figure, and the exact policy that ignores ratio rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jisopt.cli import main
from jisopt.evaluate import evaluate
from jisopt.experiments.car_study import CAR_POLICIES, car_grid, write_car_results
from jisopt.generate import generate_instance
from jisopt.policies import make_policy


def test_grid_runs_every_policy_on_the_same_seeds():
    tasks = car_grid(replications=2, seed=5, exact=True)
    assert len(tasks) == 2 * (len(CAR_POLICIES) + 1)
    assert {t.scenario for t in tasks} == {"car"} and {t.seed for t in tasks} == {5}
    assert tasks[-1].policy == "milp" and dict(tasks[-1].policy_options) == {"ratio": "ignore"}


def test_tables_and_figure(tmp_path):
    rows = []
    for policy, hard in (("none", 0.0), ("dynamic", 120.0), ("ratio-dynamic", 30.0)):
        for rep in range(3):
            rows.append({"policy_label": policy, "replication": rep, "okay_rate": 1.0,
                         "mean_delay_h": 0.01 * rep, "reschedules_per_order": 10.0 + rep,
                         "ratio_hard_per_1000": hard + rep, "ratio_soft_per_1000": 200.0,
                         "ratio_sunroof_per_1000": hard / 2, "idle_takts": 40.0 + rep,
                         "inversions": 1000.0 * rep, "assembled_orders": 100.0,
                         "decision_time_mean_s": 1e-4})
    results = write_car_results(pd.DataFrame(rows), tmp_path)
    summary = results.summary
    # inversions per order = inversions / assembled orders: mean of 0, 10, 20
    row = summary[(summary.policy_label == "dynamic") & (summary.kpi == "inversions_per_order")]
    assert row["mean"].item() == pytest.approx(10.0)
    assert (tmp_path / "study_car.png").stat().st_size > 10_000
    text = (tmp_path / "summary.md").read_text()
    assert "ratio-dynamic" in text and "sunroof" in text
    assert "sunroof" in results.text


def test_exact_policy_that_ignores_ratio_rules_solves_without_them():
    inst = generate_instance(4, n_slots=200, n_disrupted=2, ratio_rules=((1, 2), (2, 5)))
    ignoring = make_policy("milp", ratio="ignore")(inst)
    plain = make_policy("milp")(inst.replace(ratio_rules=()))
    assert np.array_equal(ignoring.slot, plain.slot)
    # judged with the rules like any plan
    assert evaluate(inst, ignoring).kpis["ratio_excess"] >= 0


def test_bad_ratio_option_and_exact_outside_the_car_study(capsys):
    assert main(["solve", "models/instances/options.json", "--policy", "milp"]) in (0, 1, 3)
    capsys.readouterr()
    assert main(["reproduce", "--study", "skew", "--exact"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exact" in err
    with pytest.raises(Exception, match="ratio"):
        make_policy("milp", ratio="sometimes")
