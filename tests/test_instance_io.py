"""Instance files (jisopt-instance/1): round trips, the schema, and every rejected input.

Each rejected input is checked through the API here (the message names the
file, the field and the value) and through the command line in
``test_cli_solve_check.py`` (exit 2, one line on stderr), from the same table.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jisopt.errors import InputError
from jisopt.generate import generate_instance
from jisopt.instance import RatioRule
from jisopt.instance_io import (
    INSTANCE_FORMAT,
    instance_from_dict,
    instance_to_dict,
    read_instance,
    schema,
    write_instance,
)
from jisopt.scenario import Scenario
from jisopt.weights import Weights

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"
HAND_MADE = sorted(INSTANCES.glob("*.json"))

ARRAYS = ("lead_time_h", "order_id", "slot", "due_h", "version", "planned_delivery_h", "ready_h",
          "disrupted_order", "disrupted_supplier", "disrupted_kind")
SCALARS = ("now_h", "takt_h", "line_freeze_h", "supplier_names", "first_slot", "horizon_slots",
           "option_names", "ratio_rules", "weights", "name")


def assert_same_instance(a, b) -> None:
    for name in SCALARS:
        assert getattr(a, name) == getattr(b, name), name
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_array_equal(x, y, err_msg=name)
        assert x.dtype.kind == y.dtype.kind, name
    if a.options is None:
        assert b.options is None or not b.options.any()
    else:
        np.testing.assert_array_equal(a.options, b.options)


# ---- round trips -----------------------------------------------------------------


def test_hand_made_instances_exist():
    names = {p.stem for p in HAND_MADE}
    assert {"single_delay", "failure", "batch", "swap", "options"} <= names


@pytest.mark.parametrize("path", HAND_MADE, ids=lambda p: p.stem)
def test_hand_made_files_round_trip_byte_for_byte(path, tmp_path):
    inst = read_instance(path)
    out = tmp_path / "again.json"
    write_instance(inst, out)
    assert out.read_text() == path.read_text()
    assert_same_instance(inst, read_instance(out))


@pytest.mark.parametrize("path", HAND_MADE, ids=lambda p: p.stem)
def test_hand_made_files_match_the_published_schema(path):
    validator = jsonschema.Draft202012Validator(schema("instance"))
    assert not list(validator.iter_errors(json.loads(path.read_text())))


def test_published_schemas_are_valid_draft_2020_12():
    for name in ("instance", "plan"):
        doc = schema(name)
        jsonschema.Draft202012Validator.check_schema(doc)
        assert doc["$schema"].endswith("2020-12/schema")
    with pytest.raises(InputError, match="unknown schema"):
        schema("scenario")


SHORT_LEAD_TIMES = Scenario().replace(suppliers=[
    {"name": "drive", "lead_time_h": 20.0}, {"name": "engine", "lead_time_h": 12.0},
    {"name": "cabin", "lead_time_h": 6.0}])


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_slots=st.integers(2, 80),
    n_disrupted=st.integers(0, 2),
    gap_share=st.sampled_from([0.0, 0.2]),
    postponed_share=st.sampled_from([0.0, 0.3]),
    ratio_rules=st.lists(st.tuples(st.integers(1, 2), st.integers(2, 5)), max_size=2),
    short_lead_times=st.booleans(),
)
def test_generated_instances_round_trip_exactly(seed, n_slots, n_disrupted, gap_share,
                                                postponed_share, ratio_rules, short_lead_times):
    # Short lead times leave components not started within a short horizon.
    scenario = SHORT_LEAD_TIMES if short_lead_times else None
    try:
        inst = generate_instance(seed, n_slots=n_slots, n_disrupted=n_disrupted, gap_share=gap_share,
                                 postponed_share=postponed_share, ratio_rules=tuple(ratio_rules),
                                 scenario=scenario)
    except InputError:  # too few started orders for the disruptions asked for
        return
    data = json.loads(json.dumps(instance_to_dict(inst)))
    assert_same_instance(inst, instance_from_dict(data))


def test_round_trip_keeps_weights_hard_rules_and_awkward_floats(tmp_path):
    base = read_instance(INSTANCES / "single_delay.json")
    due = base.due_h + np.array([1 / 3, 1e-3, 2 / 7, 0.1, 0, 0, 0, 0, 0, 1e-9, 0])
    ready = base.ready_h.copy()
    ready[4, 0] = 108.0 + 1 / 3
    options = np.zeros((base.n_orders, 2), dtype=bool)
    options[[0, 3, 6], 0] = True
    options[[1, 3], 1] = True
    inst = base.replace(
        now_h=100.0 - 1 / 3, due_h=due, ready_h=ready, option_names=("o1", "o2"), options=options,
        ratio_rules=(RatioRule(0, 1, 2, hard=True, penalty=3.5), RatioRule(1, 1, 3, hard=False)),
        weights=Weights(delay=0.3, reschedules=0.1, stock=1 / 7), name="ünïcode name",
    ).check()
    path = tmp_path / "inst.json"
    write_instance(inst, path)
    back = read_instance(path)
    assert_same_instance(inst, back)
    assert back.ready_h[4, 0] == 108.0 + 1 / 3 and back.now_h == 100.0 - 1 / 3
    assert back.ratio_rules[0].penalty == 3.5 and back.ratio_rules[1].hard is False
    assert back.weights.stock == 1 / 7


def test_floats_are_written_as_floats_and_ints_as_ints():
    data = instance_to_dict(read_instance(INSTANCES / "single_delay.json"))
    assert data["format"] == INSTANCE_FORMAT
    assert isinstance(data["now_h"], float) and isinstance(data["takt_h"], float)
    assert isinstance(data["horizon"]["first_slot"], int)
    order = data["orders"][4]
    assert isinstance(order["id"], int) and isinstance(order["slot"], int)
    assert isinstance(order["due_h"], float)
    drive = order["components"]["drive"]
    assert drive == {"version": 2, "started": True, "planned_delivery_h": 105.0, "ready_h": 108.0}
    # A component that has not started carries no times.
    assert order["components"]["cabin"] == {"version": 1, "started": False}
    text = json.dumps(data)
    assert '"now_h": 100.0' in text and '"first_slot": 101' in text


def test_optional_fields_default():
    data = json.loads((INSTANCES / "single_delay.json").read_text())
    for key in ("name", "line_freeze_h"):
        data.pop(key)
    inst = instance_from_dict(data)
    assert inst.name == "" and inst.line_freeze_h == 0.0
    assert inst.weights is None and inst.options is None and inst.ratio_rules == ()


def test_instance_weights_and_rules_are_read():
    inst = read_instance(INSTANCES / "options.json")
    assert inst.weights == Weights(delay=1.0, reschedules=0.2)
    assert inst.option_names == ("sunroof", "aircon")
    assert inst.ratio_rules == (RatioRule(0, 1, 2, True, 1.0), RatioRule(1, 2, 3, False, 5.0))
    # Orders 1, 3, 6, 9, 10 carry a sunroof (slots 101, 103, 106, 109, 111).
    assert inst.slot[inst.options[:, 0]].tolist() == [101, 103, 106, 109, 111]


# ---- rejected input --------------------------------------------------------------
#
# Each case: an id, the base file, a change to its JSON document, the field the
# message must name and the value it must show (None: no value).


def _set(path, value):
    def change(doc):
        *head, last = path
        target = doc
        for key in head:
            target = target[key]
        target[last] = value
    return change


def _delete(path):
    def change(doc):
        *head, last = path
        target = doc
        for key in head:
            target = target[key]
        del target[last]
    return change


def _append(path, value):
    def change(doc):
        target = doc
        for key in path:
            target = target[key]
        target.append(value)
    return change


SD = "single_delay.json"
OPT = "options.json"
BAD_DOCUMENTS = [
    # schema
    ("missing field", SD, _delete(["orders", 3, "due_h"]), "orders[3].due_h", None),
    ("missing top-level field", SD, _delete(["horizon"]), "horizon", None),
    ("wrong type", SD, _set(["orders", 2, "slot"], "103"), "orders[2].slot", "103"),
    ("float slot", SD, _set(["orders", 2, "slot"], 103.5), "orders[2].slot", 103.5),
    ("negative lead time", SD, _set(["suppliers", 1, "lead_time_h"], -6.0),
     "suppliers[1].lead_time_h", -6.0),
    ("zero takt", SD, _set(["takt_h"], 0.0), "takt_h", 0.0),
    ("negative takt", SD, _set(["takt_h"], -0.5), "takt_h", -0.5),
    ("negative line freeze", SD, _set(["line_freeze_h"], -1.0), "line_freeze_h", -1.0),
    ("negative horizon", SD, _set(["horizon", "slots"], -12), "horizon.slots", -12),
    ("negative version", SD, _set(["orders", 0, "components", "drive", "version"], -1),
     "orders[0].components.drive.version", -1),
    ("started not boolean", SD, _set(["orders", 0, "components", "cabin", "started"], "yes"),
     "orders[0].components.cabin.started", "yes"),
    ("unknown field", SD, _set(["orders", 0, "colour"], "red"), "orders[0].colour", None),
    ("unknown kind", SD, _set(["disruptions", 0, "kind"], "late"), "disruptions[0].kind", "late"),
    ("no suppliers", SD, _set(["suppliers"], []), "suppliers", None),
    ("bad ratio mode", OPT, _set(["ratio_rules", 0, "mode"], "medium"), "ratio_rules[0].mode",
     "medium"),
    ("negative weight", OPT, _set(["weights", "delay"], -1.0), "weights.delay", -1.0),
    ("orders not a list", SD, _set(["orders"], {"id": 1}), "orders", None),
    # names that refer to nothing
    ("unknown order in disruption", SD, _set(["disruptions", 0, "order"], 99),
     "disruptions[0].order", 99),
    ("unknown supplier in disruption", SD, _set(["disruptions", 0, "supplier"], "wheels"),
     "disruptions[0].supplier", "wheels"),
    ("unknown supplier in components", SD,
     _set(["orders", 0, "components", "wheels"], {"version": 0, "started": False}),
     "orders[0].components.wheels", "wheels"),
    ("supplier missing from components", SD, _delete(["orders", 2, "components", "cabin"]),
     "orders[2].components.cabin", None),
    ("unknown option of an order", OPT, _set(["orders", 0, "options"], ["towbar"]),
     "orders[0].options[0]", "towbar"),
    ("unknown option of a rule", OPT, _set(["ratio_rules", 1, "option"], "towbar"),
     "ratio_rules[1].option", "towbar"),
    ("unknown weight key", OPT, _set(["weights", "speed"], 1.0), "weights", "speed"),
    ("started component without planned delivery", SD,
     _delete(["orders", 0, "components", "drive", "planned_delivery_h"]),
     "orders[0].components.drive.planned_delivery_h", None),
    ("planned delivery of a component not started", SD,
     _set(["orders", 9, "components", "drive", "planned_delivery_h"], 111.0),
     "orders[9].components.drive.planned_delivery_h", 111.0),
    # the snapshot's meaning (Instance.check)
    ("started component without ready time", SD,
     _delete(["orders", 0, "components", "drive", "ready_h"]),
     "orders[0].components.drive.ready_h", None),
    ("ready time of a component not started", SD,
     _set(["orders", 9, "components", "drive", "ready_h"], 111.0),
     "orders[9].components.drive.ready_h", 111.0),
    ("duplicate order id", SD, _set(["orders", 1, "id"], 1), "orders[1].id", 1),
    ("duplicate slot", SD, _set(["orders", 1, "slot"], 101), "orders[1].slot", 101),
    ("slot outside the horizon", SD, _set(["orders", 10, "slot"], 113), "orders[10].slot", 113),
    ("component overdue but not started", SD,
     _set(["orders", 0, "components", "cabin"], {"version": 3, "started": False}),
     "orders[0].components.cabin.started", False),
    ("disruption on a component not started", SD, _set(["disruptions", 0, "order"], 10),
     "disruptions[0].supplier", "drive"),
    ("disruption that needs no action", SD,
     _set(["orders", 4, "components", "drive", "ready_h"], 105.0),
     "orders[4].components.drive.ready_h", 105.0),
    ("same component disrupted twice", SD,
     _append(["disruptions"], {"order": 5, "supplier": "drive", "kind": "failure"}),
     "disruptions", None),
    ("duplicate supplier", SD, _set(["suppliers", 2, "name"], "drive"), "suppliers[2].name", "drive"),
    ("ratio max above window", OPT, _set(["ratio_rules", 0, "max"], 3), "ratio_rules[0].max", 3),
]

# Files that are not even a valid document: (id, text, expected fragments).
BAD_TEXTS = [
    ("malformed JSON", '{\n  "format": "jisopt-instance/1",\n  "now_h": 1.0,,\n}',
     ["line 3, column 16"]),  # the second comma
    ("truncated JSON", '{"format": "jisopt-instance/1", "orders": [', ["malformed JSON", "line 1"]),
    ("NaN", '{"format": "jisopt-instance/1", "now_h": NaN}', ["'NaN'"]),
    ("duplicate key", '{"format": "jisopt-instance/1", "format": "x"}', ["duplicate key 'format'"]),
    ("not an object", '[1, 2]', ["JSON object", "'list'"]),
    ("missing format", '{"now_h": 1.0}', ["field 'format'", "missing format"]),
    ("wrong format", '{"format": "jisopt-plan/1"}', ["field 'format'", "'jisopt-plan/1'"]),
    ("future version", '{"format": "jisopt-instance/3"}', ["newer", "'jisopt-instance/3'"]),
    ("not UTF-8", b'{"name": "\xff"}', ["not UTF-8"]),
]


def bad_document(tmp_path: Path, base: str, change) -> Path:
    doc = copy.deepcopy(json.loads((INSTANCES / base).read_text()))
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=1))
    return path


def bad_text(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "bad.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(("case", "base", "change", "field", "value"), BAD_DOCUMENTS,
                         ids=[c[0] for c in BAD_DOCUMENTS])
def test_bad_documents_are_rejected_naming_file_field_and_value(tmp_path, case, base, change,
                                                                field, value):
    path = bad_document(tmp_path, base, change)
    with pytest.raises(InputError) as info:
        read_instance(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert f"field '{field}'" in message, message
    assert info.value.field == field
    if value is None:
        assert "(got" not in message, message
    else:
        assert repr(value) in message, message


@pytest.mark.parametrize(("case", "text", "fragments"), BAD_TEXTS, ids=[c[0] for c in BAD_TEXTS])
def test_bad_files_are_rejected_naming_the_file_and_problem(tmp_path, case, text, fragments):
    path = bad_text(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_instance(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, message


def test_unreadable_files_are_rejected(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(InputError, match="cannot read file") as info:
        read_instance(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(InputError, match="cannot read file"):
        read_instance(tmp_path)  # a directory


def test_write_to_an_unwritable_path_is_an_input_error(tmp_path):
    inst = read_instance(INSTANCES / "single_delay.json")
    with pytest.raises(InputError, match="cannot write file"):
        write_instance(inst, tmp_path / "no" / "such" / "dir.json")


def test_dict_api_names_the_source():
    doc = json.loads((INSTANCES / "single_delay.json").read_text())
    doc["takt_h"] = "fast"
    with pytest.raises(InputError) as info:
        instance_from_dict(doc, source="memory")
    assert str(info.value) == "memory: field 'takt_h': must be of type number (got 'fast')"
