"""``jisopt import`` of a planner's table: the example round trip and hand-worked tables."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from jisopt.cli import main
from jisopt.evaluate import evaluate
from jisopt.importing import import_planner_table
from jisopt.instance import DELAY, FAILURE
from jisopt.instance_io import read_instance
from jisopt.policies import RATIO_RULE_NAMES, RULES, make_policy
from jisopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "models" / "sequences" / "frozen_sequence.csv"
HOUR = timedelta(hours=1)


def _example_rows() -> list[dict[str, str]]:
    lines = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.fixture(scope="module")
def example():
    return import_planner_table(EXAMPLE)


def test_example_labels_come_back_unchanged(example):
    rows = _example_rows()
    labels = example.labels
    assert example.n_orders == len(rows) == 360
    assert example.order_id.tolist() == list(range(1, 361))
    assert [labels.order_label(o) for o in example.order_id] == [r["order"] for r in rows]
    for m, supplier in enumerate(example.supplier_names):
        shown = [labels.version_label(supplier, v) for v in example.version[:, m]]
        assert shown == [r[f"{supplier}.version"] for r in rows]
    # the clock: every slot start and due date back as the table's text
    starts = [labels.time_text(s * example.takt_h) for s in example.slot]
    assert starts == [r["planned_start"] for r in rows]
    assert [labels.time_text(d) for d in example.due_h] == [r["due"] for r in rows]
    assert labels.time_text(example.now_h) == "2026-12-01 06:00"


def test_example_model_numbers(example):
    # takt 2 min, freeze 30 min, lead times 4/6/16 h from the header block
    assert example.takt_h == pytest.approx(2 / 60)
    assert example.line_freeze_h == pytest.approx(0.5)
    assert example.supplier_names == ("seats", "cockpit", "wiring_harness")
    assert example.lead_time_h.tolist() == [4.0, 6.0, 16.0]
    # now is the first row's planned start: slot 0, hour 0 at 06:00
    assert (example.first_slot, example.now_h) == (0, 0.0)
    assert example.slot.tolist() == list(range(360))
    # seats are called off up to slot 120 (06:00 + 120 * 2 min = 10:00 = now + 4 h)
    started = example.started
    assert started[:121, 0].all() and not started[121:, 0].any()
    assert started[:181, 1].all() and not started[181:, 1].any()  # cockpit: 6 h = 180 slots
    assert started[:, 2].all()  # harness 16 h > 12 h of sequence
    # the delay: row 75 (08:30) seats at 09:15 = 3.25 h; the failure: row 100 cockpit at
    # now + 6 h = 12:00 = 6 h
    assert example.disrupted_order.tolist() == [75, 100]
    assert example.disrupted_supplier.tolist() == [0, 1]
    assert example.disrupted_kind.tolist() == [DELAY, FAILURE]
    assert example.ready_h[75, 0] == pytest.approx(3.25)
    assert example.ready_h[100, 1] == pytest.approx(6.0)
    # an early part waits: ready = planned delivery = slot start elsewhere
    others = started.copy()
    others[75, 0] = others[100, 1] = False
    assert np.allclose(example.ready_h[others], example.planned_delivery_h[others])
    assert np.allclose(example.planned_delivery_h[started],
                       np.broadcast_to(example.slot[:, None] * example.takt_h, started.shape)[started])


def test_xlsx_gives_the_same_instance(example):
    other = import_planner_table(EXAMPLE.with_suffix(".xlsx"))
    for name in ("slot", "due_h", "version", "order_id", "disrupted_order", "disrupted_kind"):
        assert np.array_equal(getattr(other, name), getattr(example, name)), name
    for name in ("planned_delivery_h", "ready_h"):
        assert np.array_equal(getattr(other, name), getattr(example, name), equal_nan=True), name
    assert other.labels.order == example.labels.order
    assert other.labels.version == example.labels.version
    assert other.labels.time_origin == example.labels.time_origin
    assert (other.now_h, other.takt_h, other.line_freeze_h) == (example.now_h, example.takt_h,
                                                                example.line_freeze_h)


@pytest.mark.parametrize("policy", [*RULES[1:], *RATIO_RULE_NAMES, "milp"])
def test_every_policy_solves_the_example(example, policy):
    # "none" keeps every slot, so the disrupted orders stay late: not a feasible plan
    plan = make_policy(policy)(example)
    assert evaluate(example, plan).feasible


def test_cli_writes_a_readable_instance(tmp_path, capsys, example):
    out = tmp_path / "inst.json"
    assert main(["import", str(EXAMPLE), "--out", str(out)]) == 0
    assert "360 orders" in capsys.readouterr().out
    back = read_instance(out)
    assert np.array_equal(back.slot, example.slot)
    assert np.array_equal(back.ready_h, example.ready_h, equal_nan=True)
    assert main(["solve", str(out), "--policy", "dynamic"]) == 0


def test_scenario_fills_only_what_the_table_does_not_say(example):
    # the header block gives takt, freeze and every lead time: the car scenario changes nothing
    same = import_planner_table(EXAMPLE, scenario=load_scenario("car"))
    assert np.array_equal(same.lead_time_h, example.lead_time_h)
    assert same.takt_h == example.takt_h


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_hand_worked_table(tmp_path):
    # takt 1 h, one supplier with lead time 2 h, now 00:00; planned starts 01:00, 02:00,
    # 04:00 (03:00 is an empty slot). The first start lies 1 h after now, so hour 0 is
    # 00:00 and the slots are 1, 2, 4.
    # A: delivered at 23:30 the day before -> ready = planned delivery = slot start 1 h.
    # B: in production, ETA 02:30 > its slot start 02:00 -> a delay, ready 2.5 h.
    # C: call-off 04:00 - 2 h = 02:00 is after now -> not called off.
    path = _write(tmp_path / "t.csv", [
        "# now: 2026-01-01 00:00",
        "# takt: 60 min",
        "# lead_time.drive: 2 h",
        "order,planned_start,due,drive.version,drive.status,drive.eta",
        "A,2026-01-01 01:00,2026-01-01 03:00,D2,delivered,2025-12-31 23:30",
        "B,2026-01-01 02:00,2026-01-01 02:30,D1,in production,2026-01-01 02:30",
        "C,2026-01-01 04:00,2026-01-02 00:00,D2,Not_Called-Off,",
    ])
    inst = import_planner_table(path)
    assert (inst.first_slot, inst.horizon_slots, inst.now_h, inst.takt_h) == (1, 4, 0.0, 1.0)
    assert inst.slot.tolist() == [1, 2, 4]
    assert inst.due_h.tolist() == [3.0, 2.5, 24.0]
    assert inst.version[:, 0].tolist() == [1, 0, 1]  # labels sorted: D1 -> 0, D2 -> 1
    assert np.array_equal(inst.planned_delivery_h[:, 0], [1.0, 2.0, np.nan], equal_nan=True)
    assert np.array_equal(inst.ready_h[:, 0], [1.0, 2.5, np.nan], equal_nan=True)
    assert inst.disrupted_order.tolist() == [1] and inst.disrupted_kind.tolist() == [DELAY]
    assert inst.labels.time_origin == datetime(2026, 1, 1)
    assert inst.labels.order == {1: "A", 2: "B", 3: "C"}


def test_sequence_numbers_and_command_line_settings(tmp_path):
    # seq 10, 11, 13 from start 08:00 with takt 30 min: slots 0, 1, 3 (seq 12 is a gap).
    # now 07:00 lies 2 takts before the start, so hour 0 is 07:00 and the slots are 2, 3, 5.
    # Slot starts 08:00, 08:30, 09:30; lead time 2 h: call-offs 06:00, 06:30, 07:30 -> the
    # first two started (not after now 07:00), the third not yet.
    path = _write(tmp_path / "s.csv", [
        "# takt: 10 min",  # overridden by --takt
        "order,seq,due,seats.version,seats.status,seats.eta",
        "1001,10,2026-03-02 09:00,V1,in production,2026-03-02 07:45",
        "1002,11,2026-03-02 09:00,V2,failed,2026-03-02 10:00",
        "1003,13,2026-03-02 09:00,V1,not called off,",
    ])
    out = tmp_path / "s.json"
    assert main(["import", str(path), "--out", str(out), "--takt", "30 min",
                 "--now", "2026-03-02 07:00", "--start", "2026-03-02 08:00",
                 "--lead-time", "seats=2 h"]) == 0
    inst = read_instance(out)
    assert inst.takt_h == 0.5 and inst.now_h == 0.0
    assert inst.slot.tolist() == [2, 3, 5]
    # ready: 07:45 is before the slot start 08:00 -> 1 h; the replacement at 10:00 = 3 h
    assert np.array_equal(inst.ready_h[:, 0], [1.0, 3.0, np.nan], equal_nan=True)
    assert inst.disrupted_order.tolist() == [1] and inst.disrupted_kind.tolist() == [FAILURE]


def test_lead_times_from_a_scenario(tmp_path):
    # the car scenario's seats take 6 h and its takt is 1 min; the table names no lead time
    path = _write(tmp_path / "c.csv", [
        "order,planned_start,due,seats.version,seats.status,seats.eta",
        "X1,2026-05-04 06:00,2026-05-04 07:00,a,delivered,",
        "X2,2026-05-04 06:01,2026-05-04 07:00,b,in production,2026-05-04 06:00",
    ])
    inst = import_planner_table(path, scenario=load_scenario("car"))
    assert inst.lead_time_h.tolist() == [6.0]
    assert inst.takt_h == load_scenario("car").takt_h
    assert inst.slot.tolist() == [0, 1]
    # delivered without an ETA: ready at now = the first slot start
    assert inst.ready_h[:, 0].tolist() == [0.0, inst.takt_h]


def test_semicolon_separated_csv(tmp_path, example):
    # a spreadsheet export with ';' between cells gives the same instance
    text = EXAMPLE.read_text()
    body = [line if line.startswith("#") else line.replace(",", ";") for line in text.splitlines()]
    other = import_planner_table(_write(tmp_path / "semi.csv", body))
    assert np.array_equal(other.ready_h, example.ready_h, equal_nan=True)
    assert other.labels.order == example.labels.order


def test_example_csv_is_what_the_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE.parent / "make_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_csv(module.example_frame(), tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_text() == EXAMPLE.read_text()
