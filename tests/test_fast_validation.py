"""The fast schema check of instance files against the reference (``jsonschema``) path.

:func:`jisopt.documents.fast_valid` may only accept documents that the published schema
accepts; every other document goes through ``jsonschema``, which words the message. So
reading a file must give the same instance, or the same error, with the fast check as
without it. The documents are the fuzz mutations of ``test_fuzz_documents.py`` and a few
hand-made edge cases of the per-order part of the schema.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_documents import INSTANCE_FILES, _write, mutated

from jisopt import documents, instance_io
from jisopt.errors import InputError
from jisopt.generate import generate_instance
from jisopt.instance_io import INSTANCE_FORMAT, instance_from_dict, instance_to_dict

TEXTS = {path.stem: path.read_text("utf-8") for path in INSTANCE_FILES}


def _outcome(data: dict, fast: bool, monkeypatch) -> tuple[str, object]:
    """``("ok", document of the instance)`` or ``("error", message)`` of reading ``data``."""
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(documents, "fast_valid", lambda data, name: False)
        try:
            return "ok", instance_to_dict(instance_from_dict(copy.deepcopy(data), source="x.json"))
        except InputError as exc:
            return "error", str(exc)


def _fail(problem, field, value=None, has_value=None):
    raise InputError(problem, field=field, value=value, has_value=has_value)


def _same_arrays(data: dict) -> None:
    """The column-wise fill, where it applies, equals the order-by-order one."""
    names = tuple(s["name"] for s in data["suppliers"])
    if len(set(names)) != len(names):
        return
    option_names = tuple(data.get("options", ()))
    option_col = {name: o for o, name in enumerate(option_names)}
    fast = instance_io._fill_fast(data["orders"], names, option_col)
    if fast is None:
        return
    checked = instance_io._fill_checked(data["orders"], names, {n: m for m, n in enumerate(names)},
                                        option_names, option_col, _fail)
    for a, b in zip(fast, checked, strict=True):
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))


def _same_as_reference(data: object, monkeypatch) -> None:
    reference_ok = documents.schema_error(data, "instance", "x.json") is None
    if reference_ok:
        _same_arrays(data)
    if documents.fast_valid(data, "instance"):
        assert reference_ok, "the fast check accepted a document that the schema refuses"
    if isinstance(data, dict):
        assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)


def test_the_fast_path_is_on_for_the_published_schema():
    assert documents.fast_path_enabled("instance")
    assert not documents.fast_path_enabled("plan")


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: p.stem)
def test_shipped_instances_pass_the_fast_check(path):
    data = json.loads(path.read_text("utf-8"))
    assert documents.fast_valid(data, "instance")
    assert documents.schema_error(data, "instance", str(path)) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_instances_read_the_same_on_both_paths(seed, monkeypatch):
    data = instance_to_dict(generate_instance(seed, n_slots=60, n_disrupted=2))
    assert documents.fast_valid(data, "instance")
    assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)
    assert _outcome(data, True, monkeypatch)[0] == "ok"


def _edit(path: str, value: object):
    def apply(order: dict) -> None:
        keys = path.split(".")
        node = order
        for key in keys[:-1]:
            node = node[key]
        if value is KeyError:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value
    return apply


FIRST_COMPONENT = "components.{name}"
EDGE_CASES = [
    ("id", 1.0), ("id", True), ("id", "1"), ("slot", 2.5), ("due_h", True), ("due_h", "1"),
    ("due_h", 10**30), ("components", []), ("components", {}), ("extra", 1), ("id", KeyError),
    ("components", KeyError), ("options", []), ("options", ["a", "a"]), ("options", [1]),
    ("options", "a"), ("options", ["a", "b"]),
    (FIRST_COMPONENT + ".version", True), (FIRST_COMPONENT + ".version", -1),
    (FIRST_COMPONENT + ".version", 1.0), (FIRST_COMPONENT + ".version", 2**70),
    (FIRST_COMPONENT + ".started", 1), (FIRST_COMPONENT + ".started", KeyError),
    (FIRST_COMPONENT + ".version", KeyError), (FIRST_COMPONENT + ".ready_h", "x"),
    (FIRST_COMPONENT + ".ready_h", True), (FIRST_COMPONENT + ".planned_delivery_h", None),
    (FIRST_COMPONENT + ".other", 1), (FIRST_COMPONENT + ".version", 1e20),
    (FIRST_COMPONENT + ".version", 2.0), (FIRST_COMPONENT + ".ready_h", 10**400),
    (FIRST_COMPONENT + ".ready_h", KeyError), (FIRST_COMPONENT + ".planned_delivery_h", KeyError),
    (FIRST_COMPONENT, None), (FIRST_COMPONENT, []),
]


@pytest.mark.parametrize(("field", "value"), EDGE_CASES, ids=lambda v: repr(v)[:30])
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_edge_cases_of_an_order_read_the_same_on_both_paths(name, field, value, monkeypatch):
    data = json.loads(TEXTS[name])
    if not data["orders"]:
        pytest.skip("no orders")
    supplier = data["suppliers"][0]["name"]
    _edit(field.format(name=supplier), value)(data["orders"][-1])
    _same_as_reference(data, monkeypatch)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_documents_read_the_same_on_both_paths(tmp_path_factory, monkeypatch, data):
    name = data.draw(st.sampled_from(sorted(TEXTS)))
    path = tmp_path_factory.mktemp("fast") / "instance.json"
    _write(path, data.draw(mutated(TEXTS[name])))
    try:
        document = documents.load_document(path, INSTANCE_FORMAT)
    except InputError:
        return  # refused before the schema, the same on both paths
    _same_as_reference(document, monkeypatch)
