"""``jisopt solve`` and ``jisopt check`` on the hand-made instances, and their error paths.

The hand-made instances (models/instances/README.md) share one plant: takt 1 h
(slot k starts at k h), now = 100 h, lead times drive 10 h, engine 6 h, cabin
3 h, so the parts of slots <= 110 / 106 / 103 have started (drive / engine /
cabin), and the sequence covers slots 101..112.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_instance_io import BAD_DOCUMENTS, BAD_TEXTS, bad_document, bad_text
from test_plan_io import BAD_PLANS

from jisopt.cli import main
from jisopt.instance_io import read_instance
from jisopt.plan import Plan
from jisopt.plan_io import plan_to_dict, read_plan, write_plan
from jisopt.policies import POLICY_NAMES, make_policy
from jisopt.weights import OBJECTIVE_TERMS

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "models" / "instances"
SINGLE = str(INSTANCES / "single_delay.json")
RULES = ("step", "leap", "dynamic", "ontime")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def solve_json(capsys, path, policy, *extra) -> dict:
    code, out, err = run(capsys, "solve", path, "--policy", policy, "--json", *extra)
    assert err == ""
    result = json.loads(out)
    assert code == (0 if result["evaluation"]["feasible"] else 1)
    return result


def new_slots(result: dict) -> dict[int, int]:
    return {e["order"]: e["slot"] for e in result["plan"]["slots"]}


def moves(result: dict) -> dict[int, tuple[int, int]]:
    return {m["order"]: (m["from"], m["to"]) for m in result["plan"]["moves"]}


def assert_one_line_error(err: str, command: str) -> None:
    assert err.startswith(f"jisopt {command}: error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


# ---- the single delay, worked by hand ---------------------------------------------
#
# Order 5 sits at slot c = 105; its drive part (L = 10 h) is late, ready at
# R = 108 h (its engine part is ready at 105 h, its cabin part has not started).
#   step = max(c + 1, ceil(R / takt)) = max(106, 108) = 108
#   leap = max(step, floor((now + L) / takt)) = max(108, 110) = 110
# Step: order 5 leaves a gap at 105 and enters 108, held by order 8, which moves
# to 109, held by order 9, which moves to 110 -- a gap, so the chain ends there.
# Leap: slot 110 is a gap; order 5 fills it and nobody else moves.
# Dynamic: completion under leap = (110 + 1) * 1 = 111 h > due 110.5 h -> step.
# Ontime: the latest slot in [108, 110] completing by 110.5 h is 109 (completion
# 110 h), so order 5 enters 109 and order 9 moves on to the gap at 110.
SINGLE_EXPECTED = {
    "step": {5: (105, 108), 8: (108, 109), 9: (109, 110)},
    "leap": {5: (105, 110)},
    "dynamic": {5: (105, 108), 8: (108, 109), 9: (109, 110)},
    "ontime": {5: (105, 109), 9: (109, 110)},
}


@pytest.mark.parametrize("rule", RULES)
def test_single_delay_slots_by_hand(capsys, rule):
    result = solve_json(capsys, SINGLE, rule)
    assert moves(result) == SINGLE_EXPECTED[rule]
    expected = {1: 101, 2: 102, 3: 103, 4: 104, 5: 105, 6: 106, 7: 107, 8: 108, 9: 109, 10: 111,
                11: 112}
    expected.update({order: to for order, (_, to) in SINGLE_EXPECTED[rule].items()})
    assert new_slots(result) == expected
    [disrupted] = result["disrupted"]
    assert (disrupted["order"], disrupted["slot"], disrupted["step"], disrupted["leap"]) == (5, 105, 108, 110)
    assert disrupted["parts"] == [{"supplier": "drive", "kind": "delay", "ready_h": 108.0}]
    assert disrupted["new_slot"] == SINGLE_EXPECTED[rule][5][1]
    assert result["evaluation"]["feasible"]


def test_single_delay_objective_terms_by_hand(capsys):
    step = solve_json(capsys, SINGLE, "step")["evaluation"]
    leap = solve_json(capsys, SINGLE, "leap")["evaluation"]
    # Step: order 5 completes at 109 h <= 110.5 h, orders 8 and 9 complete long before
    # their due dates (120 h, 121 h): no delay. Reschedules: 5, 8, 9 (started drive parts).
    assert (step["total_delay_h"], step["reschedules"]) == (0.0, 3.0)
    # Leap: order 5 completes at 111 h: 0.5 h late; it is the only order moved.
    assert (leap["total_delay_h"], leap["reschedules"]) == (0.5, 1.0)
    # Default weights (delay 1, reschedules 1): 3 and 1.5.
    assert (step["objective"], leap["objective"]) == (3.0, 1.5)


def test_solve_text_summary(capsys):
    code, out, err = run(capsys, "solve", SINGLE, "--policy", "step")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].endswith("single delay: drive part of order 5 three hours late")
    assert any(line.startswith("policy     step") and "runtime" in line for line in lines)
    [row] = [line.split() for line in lines if line.strip().startswith("5 ")]
    assert row == ["5", "drive", "delay", "105", "108", "108", "110", "108", "108"]
    assert "moved      3 order(s): 5: 105->108, 8: 108->109, 9: 109->110" in lines
    for term in OBJECTIVE_TERMS.values():
        assert any(line.split()[:1] == [term] for line in lines), term
    assert "objective  3  (weights delay=1,reschedules=1,displacement=0,stock=0,idle=0,ratio=1)" in lines
    assert lines[-1] == "feasible   yes"


# ---- the other hand-made instances ------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_failure_step_equals_leap(capsys, rule):
    # Order 3's engine part (L = 6 h) fails at now = 100 h and is reproduced: ready at 106 h.
    # step = max(104, 106) = 106 = leap = floor(106 / 1): every rule puts order 3 at 106;
    # orders 6 and 7 move one slot on, to the gap at 108.
    result = solve_json(capsys, INSTANCES / "failure.json", rule)
    [d] = result["disrupted"]
    assert d["parts"][0]["kind"] == "failure" and d["step"] == d["leap"] == 106
    assert moves(result) == {3: (103, 106), 6: (106, 107), 7: (107, 108)}
    # Due 104 h, completion 107 h: 3 h late.
    assert result["evaluation"]["total_delay_h"] == 3.0


def test_batch_dynamic_by_hand(capsys):
    # Order 3 (slot 103, engine ready 105 h): step 105, leap floor(106) = 106; the leap
    # completion 107 h exceeds its due date 106 h -> step, 105. Order 5 (slot 105, drive
    # ready 108 h): step 108, leap 110, completion 111 h <= due 120 h -> leap, 110.
    # Both are removed first; 105 is then empty (order 5 left it) and 110 is a gap.
    result = solve_json(capsys, INSTANCES / "batch.json", "dynamic")
    assert [(d["order"], d["step"], d["leap"], d["target"]) for d in result["disrupted"]] == [
        (3, 105, 106, 105), (5, 108, 110, 110)]
    assert moves(result) == {3: (103, 105), 5: (105, 110)}


def test_batch_step_and_leap_by_hand(capsys):
    path = INSTANCES / "batch.json"
    # Step: order 3 -> 105 (left empty by order 5); order 5 -> 108 pushes 8 -> 109, 9 -> 110 (gap).
    step = solve_json(capsys, path, "step")
    assert moves(step) == {3: (103, 105), 5: (105, 108), 8: (108, 109), 9: (109, 110)}
    # Leap: order 3 -> 106 pushes 6..9 one slot on, 9 into the gap at 110; order 5 -> 110
    # then pushes 9 -> 111, 10 -> 112, 11 -> 113 (a spare slot beyond the horizon).
    leap = solve_json(capsys, path, "leap")
    assert moves(leap) == {3: (103, 106), 5: (105, 110), 6: (106, 107), 7: (107, 108),
                           8: (108, 109), 9: (109, 111), 10: (111, 112), 11: (112, 113)}
    assert step["evaluation"]["feasible"] and leap["evaluation"]["feasible"]
    # Order 3 completes at 107 h under leap, due 106 h: 1 h late.
    assert leap["evaluation"]["total_delay_h"] == 1.0


@pytest.mark.parametrize("rule", RULES)
def test_swap_instance(capsys, rule):
    path = INSTANCES / "swap.json"
    # Order 2 was postponed from slot 102 to 109; its drive part (version 2) waits in stock,
    # ready since 102 h. Order 5 (slot 105) needs the same version; its own part is ready at
    # 108 h <= 109 h. With --swap the parts are exchanged and nobody moves.
    with_swap = solve_json(capsys, path, rule, "--swap")
    assert with_swap["plan"]["swaps"] == [{"order": 5, "partner": 2, "supplier": "drive"}]
    assert with_swap["plan"]["moves"] == []
    assert with_swap["disrupted"][0]["resolved_by_swap"]
    assert with_swap["evaluation"]["feasible"] and with_swap["evaluation"]["swaps"] == 1
    without = solve_json(capsys, path, rule)
    assert without["plan"]["swaps"] == [] and 5 in moves(without)
    assert without["evaluation"]["reschedules"] > with_swap["evaluation"]["reschedules"] == 0


def test_options_instance_rules_can_break_a_hard_ratio_rule(capsys):
    path = INSTANCES / "options.json"
    # Step: order 9 (sunroof) moves to 110, next to order 10 (sunroof, 111): two sunroofs
    # in a row break the hard 1:2 rule; orders 7, 5 and 8 carry aircon in slots 107-109:
    # 3 > 2 in one window of the soft 2:3 rule, penalty 5.
    code, out, _ = run(capsys, "solve", path, "--policy", "step", "--json")
    step = json.loads(out)
    assert code == 1 and not step["evaluation"]["feasible"]
    assert [v["kind"] for v in step["evaluation"]["violations"]] == ["ratio"]
    assert "sunroof" in step["evaluation"]["violations"][0]["message"]
    assert step["evaluation"]["ratio_penalty"] == 5.0
    # Leap: order 5 into the gap at 110 between two sunroofs; it carries none: feasible.
    leap = solve_json(capsys, path, "leap")["evaluation"]
    assert leap["feasible"] and leap["ratio_penalty"] == 0.0
    # Ontime puts order 5 at 109 and order 9 (sunroof) at 110: infeasible like step.
    code, out, _ = run(capsys, "solve", path, "--policy", "ontime", "--json")
    assert code == 1 and [v["kind"] for v in json.loads(out)["evaluation"]["violations"]] == ["ratio"]
    # The instance's own weights (delay 1, reschedules 0.2): 0.5 h + 0.2 * 1 = 0.7.
    assert leap["weights"]["reschedules"] == 0.2
    assert leap["objective"] == pytest.approx(0.7)
    # --weights replaces them (keys not given take their defaults).
    leap = solve_json(capsys, path, "leap", "--weights", "reschedules=2")["evaluation"]
    assert leap["objective"] == pytest.approx(2.5)


@pytest.mark.parametrize("path", sorted(INSTANCES.glob("*.json")), ids=lambda p: p.stem)
@pytest.mark.parametrize("swap", [(), ("--swap",)], ids=["", "swap"])
def test_every_policy_on_every_hand_made_instance(capsys, tmp_path, path, swap):
    for policy in POLICY_NAMES:
        out_path = tmp_path / f"{policy}.json"
        result = solve_json(capsys, path, policy, *swap, "--out", out_path)
        assert set(result) >= {"instance", "policy", "runtime_s", "disrupted", "plan", "evaluation"}
        assert result["plan"] == json.loads(out_path.read_text())
        # check agrees with solve on the saved plan.
        code, out, err = run(capsys, "check", path, out_path, "--json")
        checked = json.loads(out)
        assert err == "" and code == (0 if checked["feasible"] else 1)
        assert checked["objective"] == result["evaluation"]["objective"]
        assert checked["violations"] == result["evaluation"]["violations"]
    # Without resequencing a late part stays late (unless a swap resolves it).
    none = solve_json(capsys, path, "none", *swap)["evaluation"]
    assert none["feasible"] == (path.stem == "swap" and bool(swap))


# ---- check --------------------------------------------------------------------------


@pytest.fixture
def step_plan(tmp_path) -> Path:
    inst = read_instance(SINGLE)
    out = tmp_path / "step.json"
    write_plan(inst, make_policy("step")(inst), out)
    return out


def test_check_feasible_plan_json_keys(capsys, step_plan):
    code, out, err = run(capsys, "check", SINGLE, step_plan, "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["feasible"] is True and result["violations"] == []
    assert result["objective"] == 3.0
    for term in OBJECTIVE_TERMS.values():
        assert term in result
    assert result["reschedules"] == 3.0 and result["total_delay_h"] == 0.0


def test_check_weights_option(capsys, step_plan):
    code, out, _ = run(capsys, "check", SINGLE, step_plan, "--json", "--weights", "delay=1,reschedules=0.2")
    assert code == 0
    assert json.loads(out)["objective"] == pytest.approx(0.6)  # 0 h delay + 0.2 * 3


def test_check_infeasible_plan_exits_1_and_lists_violations(capsys, tmp_path):
    inst = read_instance(SINGLE)
    plan = make_policy("step")(inst)
    slot = plan.slot.copy()
    slot[5] = 105  # order 6 (drive and engine started) moves earlier, into the gap order 5 left
    path = tmp_path / "earlier.json"
    write_plan(inst, Plan(slot, "hand"), path)
    code, out, err = run(capsys, "check", SINGLE, path, "--json")
    assert code == 1 and err == ""
    result = json.loads(out)
    assert result["feasible"] is False
    # Moving earlier is forbidden, and its drive and engine parts, delivered for slot 106,
    # are not ready at 105 h either.
    assert sorted((v["kind"], v["order"]) for v in result["violations"]) == [
        ("earlier", 6), ("ready", 6), ("ready", 6)]
    code, out, _ = run(capsys, "check", SINGLE, path)
    assert code == 1
    assert "feasible   no: 3 violation(s)" in out
    assert "earlier" in out and "from slot 106 to 105" in out


def test_check_missing_order_and_relaxed_settings(capsys, tmp_path):
    inst = read_instance(SINGLE)
    doc = plan_to_dict(inst, make_policy("leap")(inst))
    del doc["slots"][10]  # order 11
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "check", SINGLE, path, "--json")
    assert code == 1
    assert [(v["kind"], v["order"]) for v in json.loads(out)["violations"]] == [("missing", 11)]
    # Order 5 at 111 (beyond its leap 110): a bounds violation unless --no-bounds.
    slot = read_plan(path, inst).slot.copy()
    slot[4], slot[9], slot[10] = 111, 112, 113
    write_plan(inst, Plan(slot, "hand"), path)
    code, out, _ = run(capsys, "check", SINGLE, path, "--json")
    assert code == 1 and [v["kind"] for v in json.loads(out)["violations"]] == ["bounds"]
    assert run(capsys, "check", SINGLE, path, "--no-bounds")[0] == 0
    # Orders 10 and 11 move one slot later: allowed with K = 1, not with K = 0.
    assert run(capsys, "check", SINGLE, path, "--no-bounds", "--max-later", "0")[0] == 1


# ---- errors: exit 2, one line on stderr -----------------------------------------


@pytest.mark.parametrize(("case", "base", "change", "field", "value"), BAD_DOCUMENTS,
                         ids=[c[0] for c in BAD_DOCUMENTS])
def test_bad_instance_documents_exit_2(capsys, tmp_path, case, base, change, field, value):
    path = bad_document(tmp_path, base, change)
    code, out, err = run(capsys, "solve", path, "--policy", "step")
    assert code == 2 and out == ""
    assert_one_line_error(err, "solve")
    assert str(path) in err and f"field '{field}'" in err
    if value is not None:
        assert repr(value) in err


@pytest.mark.parametrize(("case", "text", "fragments"), BAD_TEXTS, ids=[c[0] for c in BAD_TEXTS])
def test_bad_instance_files_exit_2(capsys, tmp_path, case, text, fragments):
    path = bad_text(tmp_path, text)
    for argv in (("solve", path, "--policy", "leap"), ("check", path, path)):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert_one_line_error(err, argv[0])
        assert str(path) in err
        for fragment in fragments:
            assert fragment in err


@pytest.mark.parametrize(("case", "change", "field", "value"), BAD_PLANS, ids=[c[0] for c in BAD_PLANS])
def test_bad_plan_files_exit_2(capsys, tmp_path, case, change, field, value):
    inst = read_instance(SINGLE)
    doc = plan_to_dict(inst, make_policy("step")(inst))
    doc["swaps"] = [{"order": 4, "partner": 9, "supplier": "drive"}]
    change(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "check", SINGLE, path)
    assert code == 2 and out == ""
    assert_one_line_error(err, "check")
    assert str(path) in err and f"field '{field}'" in err


def test_missing_files_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "solve", tmp_path / "none.json", "--policy", "step")
    assert code == 2 and "cannot read file" in err
    assert_one_line_error(err, "solve")
    code, _, err = run(capsys, "check", SINGLE, tmp_path / "none.json")
    assert code == 2 and "none.json" in err
    assert_one_line_error(err, "check")


@pytest.mark.parametrize(("argv", "fragment"), [
    (("--policy", "bogus"), "unknown policy"),
    (("--policy", "step", "--skew-h", "2"), "skew"),
    (("--policy", "dynamic", "--weights", "speed=1"), "unknown weight"),
    (("--policy", "dynamic", "--weights", "delay=-1"), "weight must be"),
    (("--policy", "dynamic", "--weights", "delay"), "expected key=value"),
    (("--policy", "leap", "--out", "/nonexistent-dir/plan.json"), "cannot write file"),
])
def test_bad_options_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, "solve", SINGLE, *argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, "solve")
    assert fragment in err


@pytest.mark.parametrize("argv", [
    ("solve", SINGLE),                                   # --policy missing
    ("solve", SINGLE, "--policy", "step", "--skew-h", "x"),
    ("check", SINGLE),                                   # PLAN missing
    ("check", SINGLE, SINGLE, "--max-later", "-1"),
])
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


def test_policy_names_come_from_the_registry(capsys):
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    help_text = capsys.readouterr().out
    for name in POLICY_NAMES:
        assert name in help_text


# ---- the real console command -----------------------------------------------------


def test_console_command_in_a_subprocess(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    plan = tmp_path / "leap.json"
    done = subprocess.run(
        [sys.executable, "-m", "jisopt", "solve", SINGLE, "--policy", "leap", "--json", "--out", str(plan)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert moves(result) == {5: (105, 110)}
    assert json.loads(plan.read_text()) == result["plan"]
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    done = subprocess.run(
        [sys.executable, "-m", "jisopt", "check", str(bad), str(plan)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "malformed JSON at line 1" in done.stderr


def test_long_reports_are_cut_in_text_but_not_in_json(capsys, tmp_path):
    from jisopt.generate import generate_instance
    from jisopt.instance_io import write_instance

    # A generated 200-slot instance whose options, redrawn at random (half the orders),
    # break its hard 1:3 rule in many windows; eight chains make many of them worse.
    path = tmp_path / "long.json"
    inst = generate_instance(3, n_slots=200, n_disrupted=8, ratio_rules=((1, 3),))
    options = np.random.default_rng(0).random(inst.options.shape) < 0.5
    write_instance(inst.replace(options=options), path)
    code, out, _ = run(capsys, "solve", path, "--policy", "step", "--json")
    result = json.loads(out)
    n_violations, n_moved = len(result["evaluation"]["violations"]), len(result["plan"]["moves"])
    assert code == 1 and n_violations > 20 and n_moved > 10
    code, out, _ = run(capsys, "solve", path, "--policy", "step")
    assert f"({n_violations - 20} more; --json lists all)" in out
    assert f"moved      {n_moved} order(s): " in out
    assert f"({n_moved - 10} more; --json lists all)" in out
