"""``--out`` writes the format its extension names or is refused with one line, exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from jisopt.cli import main
from jisopt.instance_io import read_instance

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "models" / "instances" / "single_delay.json"


def run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


COMMANDS = {
    "solve": (lambda out: ["solve", SINGLE, "--policy", "step", "--out", out], ".json or .csv"),
    "generate": (lambda out: ["generate", "--seed", "1", "--slots", "20", "--out", out], ".json"),
    "migrate": (lambda out: ["migrate", SINGLE, "--out", out], ".json"),
    "pareto": (lambda out: ["pareto", SINGLE, "--out", out], ".csv or .parquet"),
    "gaps": (lambda out: ["gaps", "--out", out], ".csv or .parquet"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", ["x.txt", "x", "x.json.bak"])
def test_refused_extension_is_one_line_exit_2(tmp_path, capsys, command, name):
    argv, choices = COMMANDS[command]
    code, out, err = run(capsys, *argv(tmp_path / name))
    assert code == 2 and out == "" and err.count("\n") == 1, (code, out, err)
    assert f"field '--out': give a {choices} file (got '{tmp_path / name}')" in err
    assert not (tmp_path / name).exists()


def test_solve_csv_is_the_plan_as_a_table(tmp_path, capsys):
    out = tmp_path / "plan.CSV"
    code, _, _ = run(capsys, "solve", SINGLE, "--policy", "step", "--out", out)
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    inst = read_instance(SINGLE)
    assert len(rows) == inst.n_orders
    by_id = {int(r["order"]): r for r in rows}
    # step moves disrupted order 5 from slot 105 to 108 (its drive part is ready at 108 h),
    # orders 8 and 9 each one slot later; no time origin: times in hours, slot * takt 1 h
    assert by_id[5] == {"order": "5", "label": "5", "old_slot": "105", "new_slot": "108",
                        "old_start": "105 h", "new_start": "108 h"}
    assert [int(r["new_slot"]) for r in rows] == sorted(int(r["new_slot"]) for r in rows)


@pytest.mark.parametrize("command, name", [("generate", "g.JSON"), ("migrate", "m.json"),
                                           ("solve", "p.json")])
def test_allowed_extension_is_written(tmp_path, capsys, command, name):
    argv, _ = COMMANDS[command]
    code, _, err = run(capsys, *argv(tmp_path / name))
    assert code == 0 and err == ""
    assert json.loads((tmp_path / name).read_text())["format"].startswith("jisopt-")


def test_import_refuses_an_extension_it_cannot_write(tmp_path, capsys):
    from pathlib import Path

    from jisopt.cli import main

    example = Path(__file__).resolve().parents[1] / "models" / "sequences" / "frozen_sequence.csv"
    assert main(["import", str(example), "--out", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "give a .json file" in err
    assert not (tmp_path / "x.txt").exists()
