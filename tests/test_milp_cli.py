"""``jisopt solve --policy milp``: results, exit status and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_solve_check import assert_one_line_error, run
from test_milp_status import late_cars

from jisopt.instance_io import write_instance

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
SINGLE = INSTANCES / "single_delay.json"


def test_solve_with_weights_reports_the_optimum(capsys):
    # Reschedules at 0.2: order 5 to 109, order 9 pushed to the gap at 110; on time,
    # 2 reschedules -> 0.4 (test_milp_model.test_single_delay_by_hand).
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "milp", "--weights",
                         "delay=1,reschedules=0.2", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["status"] == "optimal"
    assert result["evaluation"]["feasible"] and result["evaluation"]["objective"] == pytest.approx(0.4)
    assert result["plan"]["info"]["objective"] == pytest.approx(0.4)


def test_text_output_has_a_solver_line(capsys):
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "milp")
    assert code == 0 and err == ""
    assert "solver     optimal (fast): objective 1.5, bound 1.5, gap 0" in out


def test_infeasible_model_exits_3_and_says_why(capsys):
    code, out, err = run(capsys, "solve", INSTANCES / "failure.json", "--policy", "milp",
                         "--max-later", "0")
    assert code == 3 and err == ""
    assert "solver     infeasible" in out and "model infeasible" in out
    assert "returning the dynamic rule's plan instead" in out


def test_time_limit_through_the_cli(capsys, tmp_path):
    inst = late_cars()
    path = tmp_path / "cars.json"
    write_instance(inst, path)
    code, out, err = run(capsys, "solve", path, "--policy", "milp", "--max-later", str(inst.n_orders),
                         "--time-limit", "0.25", "--json")
    assert err == "" and code == 0
    result = json.loads(out)
    assert result["status"] == "feasible" and "time limit" in result["plan"]["info"]["message"]


@pytest.mark.parametrize("argv", [
    ("--weights", "delay=-1"),
    ("--weights", "lateness=1"),
    ("--weights", "delay"),
    ("--time-limit", "0"),
    ("--mip-gap", "-1"),
    ("--fallback", "random"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv):
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "milp", *argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, "solve")


def test_milp_options_with_a_rule_are_refused(capsys):
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "step", "--time-limit", "5")
    assert out == ""
    assert code == 2
    assert_one_line_error(err, "solve")
    assert "--time-limit applies to --policy milp only" in err


def test_fast_method_with_ratio_rules_is_refused(capsys):
    code, _out, err = run(capsys, "solve", INSTANCES / "options.json", "--policy", "milp",
                         "--method", "fast")
    assert code == 2
    assert_one_line_error(err, "solve")


def test_time_limit_without_plan_prints_the_fallback_as_such(capsys, monkeypatch):
    """HiGHS stops with no plan (simulated): no model objective is printed, the plan is
    named the fallback rule's, and the exit status is that plan's (never 3)."""
    from dataclasses import replace

    from jisopt.policies.milp import highs

    real = highs.solve_with_highs
    monkeypatch.setattr(highs, "solve_with_highs", lambda *a, **k: replace(
        real(*a, **k), termination="time_limit", has_solution=False, objective=None))
    code, out, err = run(capsys, "solve", INSTANCES / "options.json", "--policy", "milp",
                         "--method", "pyomo")
    assert err == "" and code in (0, 1)
    assert ("solver     time_limit_no_solution (pyomo): no plan of the model (objective, bound and "
            "gap empty); the plan is the dynamic rule's") in out
    assert "returning the dynamic rule's plan instead" in out


@pytest.mark.parametrize("method", ["pyomo", "highs"])
def test_verbose_shows_the_highs_log_on_stderr_and_only_then(capsys, tmp_path, method):
    from jisopt.cli import main
    from jisopt.generate import generate_instance
    from jisopt.instance_io import write_instance

    write_instance(generate_instance(seed=2, n_slots=60, ratio_rules=((1, 2),)), tmp_path / "r.json")
    args = ["solve", str(tmp_path / "r.json"), "--policy", "milp", "--method", method]
    assert main(args) == 0
    assert capsys.readouterr().err == ""
    assert main([*args, "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "MIP has" in err and "rows" in err  # HiGHS's own model line
