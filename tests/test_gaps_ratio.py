"""``jisopt gaps`` with hard ratio rules: ratio-aware rules compared, broken plans have no gap."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_cli_solve_check import run
from test_ratio_rules import hand

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.experiments.gaps import check_rules, instance_gaps, summarize_gaps
from jisopt.instance_io import write_instance
from jisopt.policies import make_policy
from jisopt.weights import Weights


def test_a_rule_plan_that_breaks_a_hard_rule_has_no_gap():
    # Carriers 1 (disrupted, step 4, leap 6) and 3, hard 1:2 (test_ratio_rules): plain step
    # puts order 1 at 4 next to the carrier at 3 ([3,4] = 2 > 1); ratio-step takes slot 5.
    inst = hand({1, 3}, 3.5)
    rows = {r["rule"]: r for r in instance_gaps(inst, [Weights()], rules=("step", "ratio-step"))}
    step, aware = rows["step"], rows["ratio-step"]
    assert rows["step"]["exact_status"] == "optimal"
    assert not step["rule_hard_kept"] and not step["rule_feasible"] and "ratio" in step["violations"]
    assert math.isnan(step["gap_abs"]) and math.isnan(step["gap_rel"]) and not step["rule_optimal"]
    assert aware["rule_hard_kept"] and aware["rule_feasible"] and aware["rule_status"] == "ok"
    plan = make_policy("ratio-step")(inst)
    # The gap is the ratio-aware plan's objective (evaluate) minus the optimum, never < 0.
    assert aware["rule_objective"] == pytest.approx(evaluate(inst, plan).objective(Weights()))
    assert aware["gap_abs"] == pytest.approx(aware["rule_objective"] - aware["optimum"])
    assert aware["gap_abs"] >= 0
    summary = summarize_gaps(pd.DataFrame(rows.values())).set_index("rule")
    assert summary.loc["step", "share_ratio_broken"] == 1.0
    assert summary.loc["ratio-step", "share_ratio_broken"] == 0.0


def test_ratio_infeasible_rule_plan_is_reported_as_such():
    # Carriers 1 (disrupted, step 4, leap 5), 3 and 5: no slot keeps 1:2 (test_ratio_rules).
    inst = hand({1, 3, 5}, 3.5, lead_h=5.0)
    (row,) = instance_gaps(inst, [Weights()], rules=("ratio-step",))
    assert row["rule_status"] == "ratio_infeasible" and not row["rule_hard_kept"]
    assert math.isnan(row["gap_abs"])


def test_rules_to_compare():
    check_rules(["step", "ratio-dynamic"])
    with pytest.raises(InputError, match="not a rule to compare"):
        check_rules(["none"])  # a built-in policy that does not resequence
    with pytest.raises(InputError):
        check_rules(["ratio-none"])  # no such policy


def test_cli_on_captured_ratio_instances(capsys, tmp_path):
    write_instance(hand({1, 3}, 3.5), tmp_path / "a.instance.json")
    out_csv = tmp_path / "gaps.csv"
    code, out, err = run(capsys, "gaps", tmp_path, "--rules", "step,ratio-step", "--jobs", "1",
                         "--out", out_csv)
    assert code == 0 and err == ""
    assert "ratio broken" in out
    table = pd.read_csv(out_csv)
    assert table.set_index("rule").loc["step", "rule_hard_kept"] == False  # noqa: E712
