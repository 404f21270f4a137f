"""Labels in jisopt-instance/2: round trips, /1 migration, validation, and every human-facing
output of solve and check."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jisopt.cli import main
from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance_io import INSTANCE_FORMAT, read_instance, write_instance
from jisopt.labels import Labels
from jisopt.plan_io import read_plan
from jisopt.policies import make_policy

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "models" / "instances" / "single_delay.json"
SINGLE_V1 = ROOT / "tests" / "data" / "single_delay_v1.json"


def run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def labelled(tmp_path: Path, origin: datetime | None = datetime(2026, 12, 1, 6, 0)) -> Path:
    """single_delay.json with every order labelled TR-000<id> and hour 0 at ``origin``."""
    inst = read_instance(SINGLE)
    labels = Labels(order={int(o): f"TR-{int(o) + 100:05d}" for o in inst.order_id},
                    version={"drive": {1: "D-1", 2: "D-2"}}, time_origin=origin)
    path = tmp_path / "labelled.json"
    write_instance(dataclasses.replace(inst, labels=labels), path)
    return path


def test_labels_round_trip(tmp_path):
    path = labelled(tmp_path, datetime(2026, 12, 1, 6, 0, tzinfo=timezone(timedelta(hours=1))))
    data = json.loads(path.read_text())
    assert data["format"] == INSTANCE_FORMAT == "jisopt-instance/2"
    assert data["time_origin"] == "2026-12-01T06:00:00+01:00"
    back = read_instance(path)
    assert back.labels.order_label(5) == "TR-00105"
    assert back.labels.version_label("drive", 2) == "D-2"
    assert back.labels.version_label("cabin", 1) == "1"
    # hour 105 = 06:00 + 105 h = 06:00 + 4 days 9 h: 2026-12-05 15:00
    assert back.labels.time_text(105.0) == "2026-12-05 15:00"
    write_instance(back, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == path.read_text()


def test_version_1_file_reads_without_labels_and_migrates(tmp_path, capsys):
    assert json.loads(SINGLE_V1.read_text())["format"] == "jisopt-instance/1"
    old = read_instance(SINGLE_V1)
    assert old.labels.empty
    code, out, err = run(capsys, "migrate", SINGLE_V1, "--out", tmp_path / "new.json")
    assert code == 0 and err == "" and "jisopt-instance/2" in out
    new = read_instance(tmp_path / "new.json")
    assert (new.slot == old.slot).all() and (new.order_id == old.order_id).all()
    # the migrated file is the current hand-made file, byte for byte
    assert (tmp_path / "new.json").read_text() == SINGLE.read_text()


@pytest.mark.parametrize("edit, field, value", [
    (lambda d: d["orders"][1].update(label=d["orders"][0]["label"]), "orders[1].label", "TR-00101"),
    (lambda d: d["orders"][0].update(label="TR\x1b[31m"), "orders[0].label", "TR\\x1b[31m"),
    (lambda d: d["orders"][0].update(label=" TR-1"), "orders[0].label", " TR-1"),
    (lambda d: d["orders"][0].update(label=""), "orders[0].label", ""),
    (lambda d: d.update(time_origin="tomorrow"), "time_origin", "tomorrow"),
    (lambda d: d.update(time_origin="2026-13-01T06:00"), "time_origin", "2026-13-01T06:00"),
    (lambda d: d["suppliers"][0].update(versions={"x": "V"}), "suppliers[0].versions", None),
    (lambda d: d["suppliers"][0].update(versions={"1": "V\n2"}), "suppliers[0].versions.1", None),
])
def test_bad_labels_are_refused_with_file_field_and_value(tmp_path, capsys, edit, field, value):
    data = json.loads(labelled(tmp_path).read_text())
    edit(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InputError) as info:
        read_instance(bad)
    text = str(info.value)
    assert text.startswith(str(bad)) and f"field '{field}" in text
    if value is not None:
        assert f"(got {value!r})".replace("\\\\", "\\") in text
    code, out, err = run(capsys, "solve", bad, "--policy", "step")
    assert code == 2 and out == "" and err.count("\n") == 1


def internal_ids(text: str) -> list[str]:
    """Order ids (1..12) that a report shows where it names orders: the moved line, the
    disrupted table and the violation lines (the instance's own name is free text)."""
    shown = []
    for line in text.splitlines():
        if line.startswith("moved"):
            shown += re.findall(r"(?:^|, |: )(\d+): ", line.partition(":")[2])
        elif re.match(r"^\s+\d+\s+\w+ (delay|failure)", line):
            shown.append(line.split()[0])
        elif re.match(r"^  (ready|bounds|fixed|earlier|max_later|window|call_off)", line):
            shown += re.findall(r"order (\d+)\b", line)
    return shown


def test_solve_and_check_show_labels_and_wall_clock(tmp_path, capsys):
    path = labelled(tmp_path)
    plan = tmp_path / "plan.json"
    code, out, _ = run(capsys, "solve", path, "--policy", "step", "--out", plan)
    assert code == 0
    # order 5 (TR-00105) is disrupted; step moves it from slot 105 to 108 (takt 1 h):
    # 06:00 + 105 h = 2026-12-05 15:00, + 108 h = 2026-12-05 18:00
    assert "TR-00105: slot 105 → 108 (2026-12-05 15:00 → 2026-12-05 18:00)" in out
    assert re.search(r"^\s+TR-00105\s+drive delay", out, re.M)
    assert not internal_ids(out)
    code, out, _ = run(capsys, "solve", path, "--policy", "step", "--json")
    data = json.loads(out)
    assert data["disrupted"][0]["label"] == "TR-00105" and data["disrupted"][0]["order"] == 5
    code, out, _ = run(capsys, "check", path, plan)
    assert code == 0 and not internal_ids(out)


def test_violations_name_orders_by_label(tmp_path):
    inst = read_instance(labelled(tmp_path))
    plan = make_policy("step")(inst)
    slot = plan.slot.copy()
    row = int((inst.order_id == 5).argmax())
    slot[row] = inst.slot[row]  # the disrupted order stays: its part is not ready
    ev = evaluate(inst, dataclasses.replace(plan, slot=slot))
    assert not ev.feasible
    text = ev.summary()
    assert "TR-00105" in text and "order 5 " not in text
    assert internal_ids(text) == []
    # without labels the same violation names the id, and the helper sees it
    plain = evaluate(read_instance(SINGLE), dataclasses.replace(plan, slot=slot)).summary()
    assert "5" in internal_ids(plain)


def test_without_labels_output_is_as_before(tmp_path, capsys):
    code, out, _ = run(capsys, "solve", SINGLE, "--policy", "step")
    assert code == 0 and "5: 105->108" in out and "→" not in out
    assert "5" in internal_ids(out)  # the helper of the labelled tests does see bare ids


def test_cli_prints_evaluation_summary(tmp_path, capsys):
    path = labelled(tmp_path)
    plan = tmp_path / "plan.json"
    run(capsys, "solve", path, "--policy", "step", "--out", plan)
    _, out, _ = run(capsys, "check", path, plan)
    inst = read_instance(path)
    ev = evaluate(inst, read_plan(plan, inst))
    assert out.endswith(ev.summary(inst.weights) + "\n")
    _, out, _ = run(capsys, "solve", path, "--policy", "step")
    assert out.endswith(ev.summary(inst.weights) + "\n")
