"""Plan files (jisopt-plan/1): round trips, what is written, and rejected input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance_io import read_instance, schema
from jisopt.plan import Plan, Swap
from jisopt.plan_io import PLAN_FORMAT, plan_from_dict, plan_to_dict, read_plan, write_plan
from jisopt.policies import POLICY_NAMES, make_policy

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
HAND_MADE = sorted(INSTANCES.glob("*.json"))


@pytest.fixture(scope="module")
def single_delay():
    return read_instance(INSTANCES / "single_delay.json")


@pytest.fixture(scope="module")
def swap_instance():
    return read_instance(INSTANCES / "swap.json")


@pytest.mark.parametrize("path", HAND_MADE, ids=lambda p: p.stem)
@pytest.mark.parametrize("swap", [False, True])
def test_every_policy_plan_round_trips(tmp_path, path, swap):
    inst = read_instance(path)
    validator = jsonschema.Draft202012Validator(schema("plan"))
    for name in POLICY_NAMES:
        plan = make_policy(name, swap=swap)(inst)
        out = tmp_path / f"{name}.json"
        write_plan(inst, plan, out)
        assert not list(validator.iter_errors(json.loads(out.read_text())))
        back = read_plan(out, inst)
        np.testing.assert_array_equal(back.slot, plan.slot)
        assert back.slot.dtype == np.int64
        assert back.swaps == plan.swaps
        assert (back.policy, back.status, back.runtime_s) == (plan.policy, plan.status, plan.runtime_s)
        assert back.info == json.loads(json.dumps(plan.info))
        before, after = evaluate(inst, plan), evaluate(inst, back)
        assert after.terms == before.terms and after.violations == before.violations


def test_plan_document_lists_slots_moves_and_swaps_by_id_and_name(swap_instance):
    inst = swap_instance
    plan = make_policy("step", swap=True)(inst)
    doc = plan_to_dict(inst, plan)
    assert doc["format"] == PLAN_FORMAT
    assert doc["instance"] == inst.name and doc["policy"] == "step+swap" and doc["status"] == "ok"
    assert isinstance(doc["runtime_s"], float)
    assert [e["order"] for e in doc["slots"]] == inst.order_id.tolist()
    assert all(type(e["slot"]) is int and type(e["order"]) is int for e in doc["slots"])
    # Order 5 (slot 105) takes the drive part of order 2 (slot 109, postponed, part in stock).
    assert doc["swaps"] == [{"order": 5, "partner": 2, "supplier": "drive"}]
    assert doc["moves"] == []


def test_moves_list_the_changed_orders(single_delay):
    plan = make_policy("step")(single_delay)
    doc = plan_to_dict(single_delay, plan)
    assert doc["moves"] == [{"order": 5, "from": 105, "to": 108}, {"order": 8, "from": 108, "to": 109},
                            {"order": 9, "from": 109, "to": 110}]


def test_info_with_numpy_values_is_written_as_plain_json(single_delay, tmp_path):
    plan = Plan(single_delay.slot.copy(), "custom",
                info={"bound": np.float64(1.5), "nodes": np.int64(3), "gap": np.array([0.0, 1.0])})
    write_plan(single_delay, plan, tmp_path / "p.json")
    assert read_plan(tmp_path / "p.json", single_delay).info == {"bound": 1.5, "nodes": 3,
                                                                 "gap": [0.0, 1.0]}


def test_unplaced_orders_are_left_out_and_read_back_as_missing(single_delay, tmp_path):
    slot = single_delay.slot.copy()
    slot[3] = -1
    write_plan(single_delay, Plan(slot, "partial"), tmp_path / "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    assert 4 not in [e["order"] for e in doc["slots"]]
    back = read_plan(tmp_path / "p.json", single_delay)
    assert back.slot[3] == -1
    kinds = [(v.kind, v.order) for v in evaluate(single_delay, back).violations]
    assert ("missing", 4) in kinds


def test_slots_are_authoritative_and_an_order_left_out_is_missing(single_delay):
    doc = plan_to_dict(single_delay, make_policy("leap")(single_delay))
    doc["moves"] = [{"order": 5, "from": 105, "to": 111}]  # ignored
    del doc["slots"][10]  # order 11
    plan = plan_from_dict(doc, single_delay)
    assert plan.slot[10] == -1 and plan.slot[4] == 110
    assert [v.kind for v in evaluate(single_delay, plan).violations] == ["missing"]


def test_minimal_plan_file(single_delay, tmp_path):
    path = tmp_path / "p.json"
    slots = [{"order": int(o), "slot": int(s)} for o, s in zip(single_delay.order_id, single_delay.slot,
                                                               strict=True)]
    path.write_text(json.dumps({"format": PLAN_FORMAT, "slots": slots}))
    plan = read_plan(path, single_delay)
    assert plan.policy == "" and plan.swaps == () and plan.status == "ok"
    np.testing.assert_array_equal(plan.slot, single_delay.slot)


def _doc(inst):
    plan = Plan(inst.slot.copy(), "hand", swaps=(Swap(row=3, partner_row=8, supplier=0),))
    return plan_to_dict(inst, plan)


BAD_PLANS = [
    ("unknown order in slots", lambda d: d["slots"][2].update(order=99), "slots[2].order", 99),
    ("order listed twice", lambda d: d["slots"][2].update(order=1), "slots[2].order", 1),
    ("unknown swap order", lambda d: d["swaps"][0].update(order=77), "swaps[0].order", 77),
    ("unknown swap partner", lambda d: d["swaps"][0].update(partner=78), "swaps[0].partner", 78),
    ("unknown swap supplier", lambda d: d["swaps"][0].update(supplier="wheels"), "swaps[0].supplier",
     "wheels"),
    ("slot not an integer", lambda d: d["slots"][1].update(slot="102"), "slots[1].slot", "102"),
    ("missing slot", lambda d: d["slots"][1].pop("slot"), "slots[1].slot", None),
    ("missing slots", lambda d: d.pop("slots"), "slots", None),
    ("negative runtime", lambda d: d.update(runtime_s=-1.0), "runtime_s", -1.0),
    ("unknown field", lambda d: d.update(objective=3), "objective", None),
    ("wrong format", lambda d: d.update(format="jisopt-instance/1"), "format", "jisopt-instance/1"),
    ("future version", lambda d: d.update(format="jisopt-plan/7"), "format", "jisopt-plan/7"),
]


@pytest.mark.parametrize(("case", "change", "field", "value"), BAD_PLANS, ids=[c[0] for c in BAD_PLANS])
def test_bad_plans_are_rejected_naming_file_field_and_value(single_delay, tmp_path, case, change,
                                                            field, value):
    doc = _doc(single_delay)
    change(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        read_plan(path, single_delay)
    message = str(info.value)
    assert message.startswith(str(path)) and f"field '{field}'" in message, message
    if value is None:
        assert "(got" not in message, message
    else:
        assert repr(value) in message, message


def test_malformed_and_missing_plan_files(single_delay, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"format": "jisopt-plan/1",\n "slots": [}')
    with pytest.raises(InputError, match=r"malformed JSON at line 2, column 12"):
        read_plan(path, single_delay)
    with pytest.raises(InputError, match="cannot read file"):
        read_plan(tmp_path / "absent.json", single_delay)
    # An instance file given where a plan is expected.
    with pytest.raises(InputError, match="unsupported format") as info:
        read_plan(INSTANCES / "single_delay.json", single_delay)
    assert "'jisopt-instance/2'" in str(info.value)
