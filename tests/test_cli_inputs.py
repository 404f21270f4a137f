"""Hostile and absurd inputs through the command line: each is a result, or one line on
stderr with exit 2 that names the file, the field and the value; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jisopt.cli import main
from jisopt.instance_io import MAX_SLOT_OFFSET

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "models" / "instances"
SINGLE = INSTANCES / "single_delay.json"


def run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code: int, out: str, err: str) -> str:
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err


def single() -> dict:
    return json.loads(SINGLE.read_text("utf-8"))


def write(tmp_path: Path, data: dict | str, name: str = "inst.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, indent=1)
    path.write_text(text, encoding="utf-8")
    return path


def solve(capsys, path: Path, *extra: object) -> tuple[int, str, str]:
    return run(capsys, "solve", path, "--policy", "dynamic", *extra)


# ---- numbers beyond the float range, NaN, Infinity -----------------------------------------


@pytest.mark.parametrize("old, new", [
    ('"now_h": 100.0', '"now_h": -1e400'),
    ('"now_h": 100.0', '"now_h": 1e400'),
    ('"planned_delivery_h": 105.0, "ready_h": 108.0', '"planned_delivery_h": 105.0, "ready_h": 1e999'),
    ('"planned_delivery_h": 105.0, "ready_h": 108.0', '"planned_delivery_h": -1e400, "ready_h": 108.0'),
    ('"due_h": 110.5', '"due_h": -1e400'),
    ('"lead_time_h": 10.0', '"lead_time_h": 1e400'),
    ('"now_h": 100.0', '"now_h": NaN'),
    ('"takt_h": 1.0', '"takt_h": Infinity'),
    ('"due_h": 110.5', '"due_h": -Infinity'),
])
def test_non_finite_literals_are_refused_with_line_and_column(capsys, tmp_path, old, new):
    text = SINGLE.read_text("utf-8")
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    err = one_error_line(*solve(capsys, path))
    line = next(k for k, ln in enumerate(text.replace(old, new, 1).splitlines(), 1) if new in ln)
    token = new.rsplit(": ", 1)[1] if "ready_h" not in new or "1e999" in new else "-1e400"
    assert str(path) in err and f"line {line}, column" in err and "not finite" in err, err
    assert repr(token) in err, err


def test_an_integer_literal_too_long_to_convert_is_refused(capsys, tmp_path):
    text = SINGLE.read_text("utf-8").replace('"id": 1,', '"id": 1' + "0" * 5000 + ",", 1)
    err = one_error_line(*solve(capsys, write(tmp_path, text)))
    assert "integer at line 15, column 13 has too many digits (5001)" in err and len(err) < 400


def test_non_finite_literal_in_a_plan_is_refused(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    assert run(capsys, "solve", SINGLE, "--policy", "step", "--out", plan)[0] == 0
    text = plan.read_text("utf-8")
    plan.write_text(text.replace('"runtime_s": ', '"runtime_s": 1e400, "x": ', 1), encoding="utf-8")
    err = one_error_line(*run(capsys, "check", SINGLE, plan))
    assert "line 6, column 16" in err and "'1e400'" in err


# ---- integers and magnitudes that overflow arrays -------------------------------------------


def _set(data: dict, path: tuple, value: object) -> dict:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _with_rule(data: dict) -> dict:
    data["options"] = ["sunroof"]
    data["orders"][0]["options"] = ["sunroof"]
    data["ratio_rules"] = [{"option": "sunroof", "max": 1, "window": 2}]
    return data


@pytest.mark.parametrize("path, value, field", [
    (("orders", 0, "id"), 2**70, "orders[0].id"),
    (("orders", 3, "slot"), 2**64, "orders[3].slot"),
    (("orders", 2, "slot"), -(2**63) - 1, "orders[2].slot"),
    (("orders", 1, "components", "drive", "version"), 2**70, "orders[1].components.drive.version"),
    (("horizon", "slots"), 2**63, "horizon.slots"),
    (("horizon", "slots"), 10_000_001, "horizon.slots"),
    (("horizon", "first_slot"), 2**70, "horizon.first_slot"),
    (("ratio_rules", 0, "window"), 2**70, "ratio_rules[0].window"),
    (("ratio_rules", 0, "max"), 2**64, "ratio_rules[0].max"),
    (("ratio_rules", 0, "penalty"), 1e300, "ratio_rules[0].penalty"),
    (("suppliers", 0, "lead_time_h"), 1e308, "suppliers[0].lead_time_h"),
    (("suppliers", 1, "lead_time_h"), 2e7, "suppliers[1].lead_time_h"),
    (("orders", 4, "components", "drive", "ready_h"), 1e308, "orders[4].components.drive.ready_h"),
    (("orders", 4, "components", "drive", "ready_h"), 5e8, "orders[4].components.drive.ready_h"),
    (("orders", 4, "due_h"), -1e308, "orders[4].due_h"),
    (("now_h"), -1e300, "now_h"),
    (("takt_h"), 1e-300, "suppliers[0].lead_time_h"),
    (("line_freeze_h"), 1e300, "line_freeze_h"),
    (("weights",), {"delay": 1e300}, "weights.delay"),
])
def test_absurd_magnitudes_are_refused_naming_the_field(capsys, tmp_path, path, value, field):
    data = _with_rule(single())
    if path == ("orders", 4, "components", "drive", "ready_h") and value == 5e8:
        assert 5e8 / data["takt_h"] > MAX_SLOT_OFFSET  # beyond the slot range, within 1e9 h
    path = (path,) if isinstance(path, str) else path
    err = one_error_line(*solve(capsys, write(tmp_path, _set(data, path, value))))
    assert f"field '{field}'" in err, err
    assert "inst.json" in err


def test_ids_slots_and_times_within_the_bounds_are_read(capsys, tmp_path):
    data = _with_rule(single())
    data["orders"][0]["id"] = 2**53 - 1
    data["orders"][1]["components"]["drive"]["version"] = 2**53 - 1
    data["ratio_rules"][0]["window"] = 2**53 - 1
    code, _, err = solve(capsys, write(tmp_path, data))
    assert code in (0, 1) and err == "", err
    assert "9007199254740991" not in err


def test_a_plan_slot_beyond_64_bits_is_refused(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    assert run(capsys, "solve", SINGLE, "--policy", "step", "--out", plan)[0] == 0
    data = json.loads(plan.read_text("utf-8"))
    data["slots"][2]["slot"] = 2**70
    plan.write_text(json.dumps(data), encoding="utf-8")
    err = one_error_line(*run(capsys, "check", SINGLE, plan))
    assert "field 'slots[2].slot'" in err and str(2**70) in err


def test_deep_nesting_is_refused(capsys, tmp_path):
    for text in ("[" * 5000 + "]" * 5000,
                 SINGLE.read_text("utf-8").replace('"now_h": 100.0', '"now_h": ' + "[" * 5000 + "]" * 5000)):
        err = one_error_line(*solve(capsys, write(tmp_path, text)))
        assert "nested too deeply" in err


# ---- planned delivery and ready time ---------------------------------------------------------


def test_ready_before_the_planned_delivery_is_refused(capsys, tmp_path):
    data = single()
    comp = data["orders"][3]["components"]["drive"]
    comp["planned_delivery_h"], comp["ready_h"] = 104.0, 103.0
    err = one_error_line(*solve(capsys, write(tmp_path, data)))
    assert "field 'orders[3].components.drive.ready_h'" in err
    assert "earlier than the planned delivery 104 h" in err and "(got 103.0)" in err


def test_a_planned_delivery_far_before_now_is_refused(capsys, tmp_path):
    data = single()
    data["orders"][3]["components"]["drive"]["planned_delivery_h"] = -1e6
    err = one_error_line(*solve(capsys, write(tmp_path, data)))
    assert "field 'orders[3].components.drive.planned_delivery_h'" in err and "-1000000.0" in err


def test_a_postponed_part_waiting_in_stock_is_read(capsys):
    # swap.json: order 2's parts were delivered as planned for slot 102, it now sits at 109
    code, _, err = run(capsys, "solve", INSTANCES / "swap.json", "--policy", "dynamic", "--swap")
    assert code == 0 and err == ""


# ---- strings that reach the terminal ----------------------------------------------------------


def test_control_characters_in_names_are_escaped(capsys, tmp_path):
    data = single()
    data["name"] = "\x1b[2J\x1b[31mred\nfeasible   yes\u202e"
    path = write(tmp_path, data)
    code, out, err = solve(capsys, path)
    assert code == 0 and err == ""
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[31mred\\nfeasible   yes\\u202e" in out
    assert sum(line.startswith("feasible") for line in out.splitlines()) == 1
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format": "jisopt-plan/1", "policy": "x\nfeasible   yes",
                                "slots": []}), encoding="utf-8")
    code, out, _ = run(capsys, "check", path, plan)
    assert code == 1 and sum(line.startswith("feasible") for line in out.splitlines()) == 1


def test_control_characters_in_error_messages_are_escaped(capsys, tmp_path):
    data = single()
    data["orders"][0]["components"]["\x1b[31mfeasible"] = {"version": 1, "started": False}
    err = one_error_line(*solve(capsys, write(tmp_path, data)))
    assert "\x1b" not in err and "\\x1b[31mfeasible" in err


def test_a_lone_surrogate_is_refused_naming_the_field(capsys, tmp_path):
    text = SINGLE.read_text("utf-8").replace('"name": "single delay', '"name": "\\ud800 single delay')
    err = one_error_line(*solve(capsys, write(tmp_path, text)))
    assert "field 'name'" in err and "lone surrogate" in err and "\\ud800" in err
    # a surrogate pair is one character and fine
    text = SINGLE.read_text("utf-8").replace('"name": "single delay', '"name": "\\ud83d\\ude00 single delay')
    code, out, err = solve(capsys, write(tmp_path, text), "--out", tmp_path / "plan.json")
    assert code == 0 and err == "" and "\U0001f600" in out


# ---- files that are not instances, paths ------------------------------------------------------


def test_a_csv_file_is_not_an_instance(capsys, tmp_path):
    err = one_error_line(*solve(capsys, write(tmp_path, "order,slot\n1,101\n", "frozen.csv")))
    assert "frozen.csv: not a jisopt instance (JSON expected" in err
    err = one_error_line(*run(capsys, "check", SINGLE, write(tmp_path, "slot;order\n", "plan.csv")))
    assert "plan.csv: not a jisopt plan (JSON expected" in err
    err = one_error_line(*solve(capsys, write(tmp_path, "  \n", "blank.json")))
    assert "empty file" in err


def test_a_utf8_byte_order_mark_is_allowed(capsys, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + SINGLE.read_bytes())
    code, out, err = solve(capsys, path)
    assert code == 0 and err == "" and "feasible   yes" in out


def test_an_empty_path_is_named_as_such(capsys):
    err = one_error_line(*solve(capsys, ""))
    assert "empty path" in err
    err = one_error_line(*run(capsys, "check", SINGLE, ""))
    assert "empty path" in err and "plan" in err
    err = one_error_line(*solve(capsys, SINGLE, "--out", ""))
    assert "empty path" in err


@pytest.mark.parametrize("out", ["plan.txt", "plan", "plan.json.txt"])
def test_solve_out_must_be_json(capsys, tmp_path, out):
    err = one_error_line(*solve(capsys, SINGLE, "--out", tmp_path / out))
    assert "field '--out'" in err and ".json" in err
    assert not (tmp_path / out).exists()


def test_solve_out_json_in_any_case_is_written(capsys, tmp_path):
    code, _, _ = solve(capsys, SINGLE, "--out", tmp_path / "plan.JSON")
    assert code == 0 and json.loads((tmp_path / "plan.JSON").read_text())["format"] == "jisopt-plan/1"


# ---- flags ------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["--weights", "delay=1,delay=5"], ["weights.delay", "given twice"]),
    (["--weights", "delay=1,,reschedules=2"], ["empty item"]),
    (["--weights", "delay=1e300"], ["weights.delay", "[0, 1e+09]"]),
    (["--weights", "delay=nan"], ["weights.delay"]),
    (["--max-later", str(10**23)], ["--max-later", "[0, 10000000]"]),
    (["--max-later", "-1"], ["--max-later"]),
    (["--skew-h", "nan"], ["--skew-h", "finite"]),
    (["--skew-h", "1e400"], ["--skew-h", "finite"]),
])
def test_bad_flags_are_one_line(capsys, argv, words):
    err = one_error_line(*solve(capsys, SINGLE, *argv))
    assert all(w in err for w in words), err


@pytest.mark.parametrize("policy", [",,,", "", "dynamic,", " "])
def test_empty_policy_names_are_refused(capsys, policy):
    one_error_line(*run(capsys, "solve", SINGLE, "--policy", policy))


@pytest.mark.parametrize("argv", [
    ["simulate", "--policy", ",,,", "--days", "1", "--warmup-days", "0"],
    ["simulate", "--policy", "step,,leap", "--days", "1", "--warmup-days", "0"],
    ["simulate", "--reliability", "0.9,", "--days", "1", "--warmup-days", "0"],
    ["gaps", "--simulate", "--rules", "step,,leap"],
    ["reproduce", "--study", "weights", "--reschedule-weights", "0.1,,1"],
])
def test_empty_items_in_comma_separated_flags_are_refused(capsys, argv):
    err = one_error_line(*run(capsys, *argv))
    assert "empty" in err, err


@pytest.mark.parametrize("argv", [
    ["--slots", str(10**20)], ["--seed", "-1"], ["--seed", str(2**70)], ["--disrupted", str(10**30)],
    ["--ratio", f"1:{10**30}"], ["--gap-share", "nan"],
])
def test_generate_flags_are_bounded(capsys, tmp_path, argv):
    one_error_line(*run(capsys, "generate", "--seed", "1", "--out", tmp_path / "g.json", *argv))


def test_milp_flags_are_finite(capsys):
    for flag in ("--time-limit", "--mip-gap"):
        err = one_error_line(*run(capsys, "solve", SINGLE, "--policy", "milp", flag, "inf"))
        assert flag in err


# ---- output that cannot be written ------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_stdout_on_a_full_device_is_one_line(extra):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "jisopt", "solve", str(SINGLE), "--policy",
                               "dynamic", *extra], stdout=full, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "jisopt solve: error: standard output: No space left on device\n"


# ---- solver failures are not infeasibility ----------------------------------------------------


def test_highs_ending_with_an_unknown_status_reports_error_and_the_fallback_plan(capsys, monkeypatch):
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers.highs import Highs

    class Results:
        termination_condition = TerminationCondition.unknown
        best_feasible_objective = None
        best_objective_bound = None
        wallclock_time = 0.01

    monkeypatch.setattr(Highs, "solve", lambda self, model, timer=None: Results())
    code, out, err = run(capsys, "solve", INSTANCES / "options.json", "--policy", "milp",
                         "--method", "pyomo")
    assert err == ""
    assert "status error" in out and "termination condition unknown" in out
    assert "returning the dynamic rule's plan instead" in out
    # the exit status is the fallback plan's feasibility, never 3 (model infeasible)
    feasible = "feasible   yes" in out
    assert code == (0 if feasible else 1)
    code, out, _ = run(capsys, "solve", INSTANCES / "options.json", "--policy", "milp",
                        "--method", "pyomo", "--json")
    result = json.loads(out)
    assert result["status"] == "error" and result["plan"]["info"]["fallback"] == "dynamic"
    assert code in (0, 1)



def test_highs_array_path_ending_with_an_unknown_status_reports_error_and_the_fallback(capsys,
                                                                                      monkeypatch):
    import jisopt.policies.milp.highs_model as highs_model

    monkeypatch.setattr(highs_model, "_TERMINATION", {})  # every HiGHS model status is unknown
    code, out, err = run(capsys, "solve", INSTANCES / "options.json", "--policy", "milp", "--json")
    assert err == ""
    result = json.loads(out)
    assert result["status"] == "error" and result["plan"]["info"]["fallback"] == "dynamic"
    assert "HiGHS ended with model status" in result["plan"]["info"]["message"]
    assert code in (0, 1)


def test_assignment_solver_failure_is_an_error_not_infeasibility(capsys, monkeypatch):
    import jisopt.policies.milp.fast as fast

    def broken(graph):
        raise ValueError("simulated failure")

    monkeypatch.setattr(fast, "min_weight_full_bipartite_matching", broken)
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "milp", "--method", "fast")
    assert code == 0 and err == ""
    assert "status error" in out and "simulated failure" in out and "dynamic rule's plan" in out
    code, out, err = run(capsys, "pareto", SINGLE)
    assert code == 1 and err == "", (code, out, err)
    assert "the solver gave no plan (status error" in out and "no feasible plan" not in out


def test_pareto_of_an_infeasible_model_still_exits_3(capsys):
    code, out, _ = run(capsys, "pareto", INSTANCES / "failure.json", "--max-later", "0")
    assert code == 3 and "no feasible plan" in out
