"""Instance files: the versioned JSON format ``jisopt-instance/2`` (``/1`` is read too).

A file holds one rescheduling snapshot (docs/model.md §5). Its JSON Schema ships with
the package as ``jisopt/data/instance.schema.json`` (:func:`schema`); the field
reference is ``docs/instance-format.md``. Reading validates in three stages and
stops at the first problem, raising :class:`~jisopt.errors.InputError` with the
file, the field path (``orders[3].components.drive.ready_h``) and the value:

1. the file and its JSON syntax (line and column of a syntax error);
2. the ``format`` marker, then the schema (missing fields, types, ranges);
3. the limits (:data:`MAX_TIME_H`, :data:`MAX_INTEGER`, :data:`MAX_HORIZON_SLOTS`,
   :data:`MAX_SLOT_OFFSET`), which keep every array built from the instance bounded
   and every objective finite, and ``ready_h >= planned_delivery_h``; the per-order
   ones are checked on numpy arrays;
4. the meaning: names that must refer to something, then
   :meth:`Instance.check <jisopt.instance.Instance.check>`.

Reading, schema checks and writing of documents are in :mod:`jisopt.documents`,
shared with :mod:`jisopt.plan_io`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import NoReturn, Protocol

import numpy as np

from jisopt.documents import (
    PathLike,
    check_format,
    dump_document,
    load_document,
    schema,
    validate_document,
    write_document,
)
from jisopt.errors import InputError
from jisopt.instance import KIND_NAMES, Instance, RatioRule
from jisopt.labels import NO_LABELS, Labels
from jisopt.slots import is_earlier
from jisopt.weights import MAX_WEIGHT, Weights


class _Fail(Protocol):
    """The reader's error callback: raises :class:`InputError` naming the field."""

    def __call__(self, problem: str, field: str, value: object = None,
                 has_value: bool | None = None) -> NoReturn: ...


_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]
"""Per-order arrays read from a document: version, planned delivery, ready time, options."""

__all__ = [
    "INSTANCE_FORMAT",
    "MAX_HORIZON_SLOTS",
    "MAX_INTEGER",
    "MAX_SLOT_OFFSET",
    "MAX_TIME_H",
    "OLDER_INSTANCE_FORMATS",
    "instance_from_dict",
    "instance_to_dict",
    "read_instance",
    "schema",
    "write_instance",
]

INSTANCE_FORMAT = "jisopt-instance/2"
"""Format marker written to every instance file."""

OLDER_INSTANCE_FORMATS = ("jisopt-instance/1",)
"""Earlier markers that are read too: a ``/1`` file is a ``/2`` file without labels."""

MAX_TIME_H = 1e9
"""Largest magnitude of a time (h) in an instance file: ``now_h``, ``takt_h``,
``line_freeze_h``, ``lead_time_h``, ``due_h``, ``planned_delivery_h``, ``ready_h``."""

MAX_INTEGER = 2**53 - 1
"""Largest magnitude of an integer in an instance or plan file (ids, slots, versions,
ratio-rule ``max`` and ``window``): the integers every JSON reader represents exactly."""

MAX_HORIZON_SLOTS = 10_000_000
"""Largest ``horizon.slots``."""

MAX_SLOT_OFFSET = 10_000_000
"""How far, in slots (``time / takt_h``), a time may lie before the first slot or after the
end of the horizon; also the largest lead time in slots (``lead_time_h / takt_h``). Slot
arrays built from an instance (bounds, reinsertion area) stay within this many slots."""


def instance_to_dict(instance: Instance) -> dict:
    """The ``jisopt-instance/2`` document of an instance (JSON-ready: floats stay floats).

    Components that have not started carry no times; order options are listed
    by name only where an order has some; ``weights`` only if the instance has
    them; a hard ratio rule's penalty only if it differs from the default 1; the labels
    (``time_origin``, ``suppliers[m].versions``, ``orders[i].label``) only where set.
    """
    inst = instance
    names = inst.supplier_names
    labels = inst.labels
    data: dict = {"format": INSTANCE_FORMAT}
    if inst.name:
        data["name"] = inst.name
    if labels.time_origin is not None:
        data["time_origin"] = labels.time_origin.isoformat()
    data.update({
        "now_h": float(inst.now_h),
        "takt_h": float(inst.takt_h),
        "line_freeze_h": float(inst.line_freeze_h),
        "suppliers": [_supplier_to_dict(n, float(lt), labels)
                      for n, lt in zip(names, inst.lead_time_h.tolist(), strict=True)],
        "horizon": {"first_slot": int(inst.first_slot), "slots": int(inst.horizon_slots)},
    })
    started = inst.started.tolist()
    version = inst.version.tolist()
    planned = inst.planned_delivery_h.tolist()
    ready = inst.ready_h.tolist()
    options = inst.options if inst.option_names else None
    orders = []
    for i, (oid, slot, due) in enumerate(zip(inst.order_id.tolist(), inst.slot.tolist(),
                                             inst.due_h.tolist(), strict=True)):
        components = {}
        for m, name in enumerate(names):
            comp: dict = {"version": int(version[i][m]), "started": bool(started[i][m])}
            if started[i][m]:
                comp["planned_delivery_h"] = float(planned[i][m])
                comp["ready_h"] = float(ready[i][m])
            components[name] = comp
        order: dict = {"id": int(oid)}
        if oid in labels.order:
            order["label"] = labels.order[oid]
        order.update({"slot": int(slot), "due_h": float(due), "components": components})
        if options is not None and options[i].any():
            order["options"] = [inst.option_names[o] for o in np.flatnonzero(options[i])]
        orders.append(order)
    data["orders"] = orders
    data["disruptions"] = [
        {"order": int(inst.order_id[i]), "supplier": names[m], "kind": KIND_NAMES[k]}
        for i, m, k in zip(inst.disrupted_order.tolist(), inst.disrupted_supplier.tolist(),
                           inst.disrupted_kind.tolist(), strict=True)
    ]
    if inst.option_names:
        data["options"] = list(inst.option_names)
    if inst.ratio_rules:
        data["ratio_rules"] = [_rule_to_dict(inst, r) for r in inst.ratio_rules]
    if inst.weights is not None:
        data["weights"] = {k: float(v) for k, v in inst.weights.as_dict().items()}
    return data


def _supplier_to_dict(name: str, lead_time_h: float, labels: Labels) -> dict:
    out: dict = {"name": name, "lead_time_h": lead_time_h}
    versions = labels.version.get(name)
    if versions:
        out["versions"] = {str(v): text for v, text in sorted(versions.items())}
    return out


def _rule_to_dict(instance: Instance, rule: RatioRule) -> dict:
    out: dict = {"option": instance.option_names[rule.option], "max": int(rule.max_count),
                 "window": int(rule.window), "mode": "hard" if rule.hard else "soft"}
    if not rule.hard or rule.penalty != 1.0:
        out["penalty"] = float(rule.penalty)
    return out


def write_instance(instance: Instance, path: PathLike) -> None:
    """Write ``instance`` as a ``jisopt-instance/2`` file."""
    write_document(dump_document(instance_to_dict(instance)), path)


def read_instance(path: PathLike) -> Instance:
    """Read and validate a ``jisopt-instance/2`` (or ``/1``) file.

    Raises
    ------
    InputError
        Naming the file, the field and the value at fault.
    """
    return instance_from_dict(load_document(path, INSTANCE_FORMAT, OLDER_INSTANCE_FORMATS),
                              source=str(path))


def instance_from_dict(data: dict, source: str | None = None) -> Instance:
    """Validate a ``jisopt-instance/2`` (or ``/1``) document and build the :class:`Instance`.

    Parameters
    ----------
    data
        The decoded JSON document.
    source
        Where it came from (named in error messages).

    Raises
    ------
    InputError
        On a wrong format marker, a schema violation, a name that refers to
        nothing, or an inconsistent snapshot (:meth:`Instance.check`).
    """
    check_format(data, INSTANCE_FORMAT, source, OLDER_INSTANCE_FORMATS)
    validate_document(data, "instance", source)

    def fail(problem: str, field: str, value: object = None, has_value: bool | None = None) -> NoReturn:
        raise InputError(problem, source=source, field=field, value=value, has_value=has_value)

    _check_scalars(data, fail)
    try:
        return _build(data, source, fail)
    except OverflowError:
        _fail_big_integer(data, fail)
        raise  # pragma: no cover - _fail_big_integer raises


def _check_scalars(data: dict, fail: _Fail) -> None:
    """Ranges of the fields that occur once per file (the per-order ones: :func:`_check_arrays`)."""
    def time(value: float, field: str, low: float = -MAX_TIME_H) -> None:
        if not low <= value <= MAX_TIME_H:
            fail(f"must lie in [{low:g}, {MAX_TIME_H:g}] h", field, value)

    time(data["now_h"], "now_h")
    time(data["takt_h"], "takt_h", 0.0)
    time(data.get("line_freeze_h", 0.0), "line_freeze_h", 0.0)
    for m, sup in enumerate(data["suppliers"]):
        time(sup["lead_time_h"], f"suppliers[{m}].lead_time_h", 0.0)
        if sup["lead_time_h"] / data["takt_h"] > MAX_SLOT_OFFSET:
            fail(f"lead time longer than {MAX_SLOT_OFFSET} slots (lead_time_h / takt_h)",
                 f"suppliers[{m}].lead_time_h", sup["lead_time_h"])
    first, slots = data["horizon"]["first_slot"], data["horizon"]["slots"]
    if abs(first) > MAX_INTEGER:
        fail(f"must lie in [-{MAX_INTEGER}, {MAX_INTEGER}]", "horizon.first_slot", first)
    if slots > MAX_HORIZON_SLOTS:
        fail(f"must be <= {MAX_HORIZON_SLOTS}", "horizon.slots", slots)
    for k, rule in enumerate(data.get("ratio_rules", ())):
        for key in ("max", "window"):
            if rule[key] > MAX_INTEGER:
                fail(f"must be <= {MAX_INTEGER}", f"ratio_rules[{k}].{key}", rule[key])
        if rule.get("penalty", 1.0) > MAX_WEIGHT:
            fail(f"must be <= {MAX_WEIGHT:g}", f"ratio_rules[{k}].penalty", rule["penalty"])


def _fail_big_integer(data: dict, fail: _Fail) -> None:
    """Name the first per-order integer beyond :data:`MAX_INTEGER` (after an ``OverflowError``)."""
    for i, order in enumerate(data["orders"]):
        for key in ("id", "slot"):
            if abs(order[key]) > MAX_INTEGER:
                fail(f"must lie in [-{MAX_INTEGER}, {MAX_INTEGER}]", f"orders[{i}].{key}", order[key])
        for name, comp in order["components"].items():
            if abs(comp["version"]) > MAX_INTEGER:
                fail(f"must be <= {MAX_INTEGER}", f"orders[{i}].components.{name}.version",
                     comp["version"])
    for k, d in enumerate(data["disruptions"]):
        if abs(d["order"]) > MAX_INTEGER:
            fail("disruption refers to an unknown order id", f"disruptions[{k}].order", d["order"])
    fail("an integer is too large", "orders", has_value=False)  # pragma: no cover


def _check_arrays(data: dict, fail: _Fail, names: tuple[str, ...], order_id: np.ndarray, slot: np.ndarray,
                  due: np.ndarray, version: np.ndarray, planned: np.ndarray, ready: np.ndarray,
                  lead_time: np.ndarray) -> None:
    """Ranges and consistency of the per-order fields, on the arrays (no per-order Python work
    unless something is wrong)."""
    now, takt = float(data["now_h"]), float(data["takt_h"])
    first = int(data["horizon"]["first_slot"])
    end = first + int(data["horizon"]["slots"])

    def first_bad(bad: np.ndarray) -> tuple[int, ...] | None:
        return tuple(int(x) for x in np.argwhere(bad)[0]) if bad.any() else None

    for arr, key in ((order_id, "id"), (slot, "slot")):
        at = first_bad(np.abs(arr) > MAX_INTEGER)
        if at:
            fail(f"must lie in [-{MAX_INTEGER}, {MAX_INTEGER}]", f"orders[{at[0]}].{key}",
                 int(arr[at[0]]))
    at = first_bad(version > MAX_INTEGER)
    if at:
        i, m = at
        fail(f"must be <= {MAX_INTEGER}", f"orders[{i}].components.{names[m]}.version",
             int(version[i, m]))
    lo_slot, hi_slot = first - MAX_SLOT_OFFSET, end + MAX_SLOT_OFFSET
    if not lo_slot <= now / takt <= hi_slot:
        fail(f"now lies more than {MAX_SLOT_OFFSET} slots (now_h / takt_h) from the horizon "
             f"[{first}, {end})", "now_h", now)

    def times(arr: np.ndarray, where: Callable[..., str]) -> None:
        with np.errstate(invalid="ignore"):
            at = first_bad(np.abs(arr) > MAX_TIME_H)
            if at:
                fail(f"must lie in [-{MAX_TIME_H:g}, {MAX_TIME_H:g}] h", where(*at), float(arr[at]))
            in_slots = arr / takt
            at = first_bad((in_slots < lo_slot) | (in_slots > hi_slot))
            if at:
                fail(f"lies more than {MAX_SLOT_OFFSET} slots (time / takt_h) from the horizon "
                     f"[{first}, {end})", where(*at), float(arr[at]))

    def comp(field: str) -> Callable[[int, int], str]:
        return lambda i, m: f"orders[{i}].components.{names[m]}.{field}"

    times(due, lambda i: f"orders[{i}].due_h")
    times(planned, comp("planned_delivery_h"))
    times(ready, comp("ready_h"))
    with np.errstate(invalid="ignore"):
        # ready = planned + delay, delay >= 0: the planned delivery, or later (instance-format.md)
        at = first_bad(is_earlier(ready, planned))
        if at:
            fail(f"order {order_id[at[0]]}: ready time earlier than the planned delivery "
                 f"{planned[at]:g} h (a part is ready at its planned delivery or later)",
                 comp("ready_h")(*at), float(ready[at]))
        # planned = production start + L_m; the part was called off for a slot of the sequence
        earliest = now - lead_time[None, :] - (end - first) * takt
        at = first_bad(is_earlier(planned, earliest))
        if at:
            fail(f"order {order_id[at[0]]}: planned delivery before {earliest[0, at[1]]:g} h, "
                 "now minus the lead time and the horizon length (the part was called off for a "
                 "slot of the sequence)", comp("planned_delivery_h")(*at), float(planned[at]))



def _fill_fast(orders: list, names: tuple[str, ...], option_col: dict[str, int]) -> _Arrays | None:
    """The per-order arrays (version, planned delivery, ready time, options) built column-wise,
    or ``None`` when an order is irregular in any way (a missing or unknown component, a started
    component without a planned delivery or the reverse, an unknown option, a value that does
    not convert): :func:`_fill_checked` then builds them order by order and names the problem."""
    n, M = len(orders), len(names)
    nan = math.nan
    try:
        comps = [c[name] for o in orders for c in (o["components"],) for name in names]
        if any(len(o["components"]) != M for o in orders):
            return None
        started = np.array([c["started"] for c in comps], dtype=bool)
        has_planned = np.array(["planned_delivery_h" in c for c in comps], dtype=bool)
        if not np.array_equal(started, has_planned):
            return None
        version = np.array([c["version"] for c in comps])
        if version.dtype != np.int64:  # a float (1.0), or an integer beyond int64
            return None
        version = version.reshape(n, M)
        planned = np.array([c.get("planned_delivery_h", nan) for c in comps],
                           dtype=np.float64).reshape(n, M)
        ready = np.array([c.get("ready_h", nan) for c in comps], dtype=np.float64).reshape(n, M)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    options = np.zeros((n, len(option_col)), dtype=bool)
    for i, order in enumerate(orders):
        for opt in order.get("options", ()):
            if opt not in option_col:
                return None
            options[i, option_col[opt]] = True
    return version, planned, ready, options if option_col else None


def _fill_checked(orders: list, names: tuple[str, ...], column: dict[str, int],
                  option_names: tuple[str, ...], option_col: dict[str, int], fail: _Fail) -> _Arrays:
    """The per-order arrays, order by order, failing on the first irregular order."""
    n, M = len(orders), len(names)
    version = np.zeros((n, M), dtype=np.int64)
    planned = np.full((n, M), np.nan)
    ready = np.full((n, M), np.nan)
    options = np.zeros((n, len(option_names)), dtype=bool)
    for i, order in enumerate(orders):
        comps = order["components"]
        for name in comps:
            if name not in column:
                fail(f"unknown supplier (suppliers are {list(names)})", f"orders[{i}].components.{name}",
                     name)
        for m, name in enumerate(names):
            where = f"orders[{i}].components.{name}"
            if name not in comps:
                fail(f"order {order['id']} lists no component of supplier '{name}'", where,
                     has_value=False)
            comp = comps[name]
            version[i, m] = comp["version"]
            if comp["started"]:
                if "planned_delivery_h" not in comp:
                    fail(f"order {order['id']}: a started component needs its planned delivery",
                         f"{where}.planned_delivery_h", has_value=False)
                planned[i, m] = comp["planned_delivery_h"]
            elif "planned_delivery_h" in comp:
                fail(f"order {order['id']}: a component that has not started has no planned delivery",
                     f"{where}.planned_delivery_h", comp["planned_delivery_h"])
            if "ready_h" in comp:
                ready[i, m] = comp["ready_h"]
        for j, opt in enumerate(order.get("options", ())):
            if opt not in option_col:
                fail(f"unknown option (options are {list(option_names)})", f"orders[{i}].options[{j}]",
                     opt)
            options[i, option_col[opt]] = True
    return version, planned, ready, options if option_names else None


def _build(data: dict, source: str | None, fail: _Fail) -> Instance:
    """The :class:`Instance` of a schema-valid document (after :func:`_check_scalars`)."""
    suppliers = data["suppliers"]
    names = tuple(s["name"] for s in suppliers)
    column: dict[str, int] = {}
    for m, name in enumerate(names):
        if name in column:
            fail("supplier names must be unique", f"suppliers[{m}].name", name)
        column[name] = m
    option_names = tuple(data.get("options", ()))
    option_col = {name: o for o, name in enumerate(option_names)}
    orders = data["orders"]

    filled = _fill_fast(orders, names, option_col)
    if filled is None:  # something is irregular: the order-by-order pass names it
        filled = _fill_checked(orders, names, column, option_names, option_col, fail)
    version, planned, ready, options = filled

    row_of = {int(o["id"]): i for i, o in enumerate(orders)}
    disruptions = data["disruptions"]
    d_order = np.zeros(len(disruptions), dtype=np.int64)
    d_supplier = np.zeros(len(disruptions), dtype=np.int64)
    d_kind = np.zeros(len(disruptions), dtype=np.int64)
    for k, d in enumerate(disruptions):
        if d["order"] not in row_of:
            fail("disruption refers to an unknown order id", f"disruptions[{k}].order", d["order"])
        if d["supplier"] not in column:
            fail(f"unknown supplier (suppliers are {list(names)})", f"disruptions[{k}].supplier",
                 d["supplier"])
        d_order[k], d_supplier[k] = row_of[d["order"]], column[d["supplier"]]
        d_kind[k] = KIND_NAMES.index(d["kind"])

    rules = []
    for k, r in enumerate(data.get("ratio_rules", ())):
        if r["option"] not in option_col:
            fail(f"unknown option (options are {list(option_names)})", f"ratio_rules[{k}].option",
                 r["option"])
        rules.append(RatioRule(option=option_col[r["option"]], max_count=int(r["max"]),
                               window=int(r["window"]), hard=r.get("mode", "hard") == "hard",
                               penalty=float(r.get("penalty", 1.0))))
    weights = Weights.from_mapping(data["weights"], source=source) if "weights" in data else None

    order_id = np.array([o["id"] for o in orders], dtype=np.int64)
    slot = np.array([o["slot"] for o in orders], dtype=np.int64)
    due = np.array([o["due_h"] for o in orders], dtype=np.float64)
    lead_time = np.array([float(s["lead_time_h"]) for s in suppliers])
    _check_arrays(data, fail, names, order_id, slot, due, version, planned, ready, lead_time)
    instance = Instance(
        now_h=float(data["now_h"]),
        takt_h=float(data["takt_h"]),
        line_freeze_h=float(data.get("line_freeze_h", 0.0)),
        supplier_names=names,
        lead_time_h=lead_time,
        first_slot=int(data["horizon"]["first_slot"]),
        horizon_slots=int(data["horizon"]["slots"]),
        order_id=order_id,
        slot=slot,
        due_h=due,
        version=version,
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=d_order,
        disrupted_supplier=d_supplier,
        disrupted_kind=d_kind,
        option_names=option_names,
        options=options,
        ratio_rules=tuple(rules),
        weights=weights,
        name=data.get("name", ""),
        labels=_labels(data, order_id, fail),
    )
    return instance.check(source)


def _labels(data: dict, order_id: np.ndarray, fail: _Fail) -> Labels:
    """The labels of a schema-valid document: printable texts, unique order labels, versions
    that some order needs; :data:`NO_LABELS` when the document has none."""

    origin = None
    if "time_origin" in data:
        try:
            origin = datetime.fromisoformat(data["time_origin"])
        except ValueError as exc:
            fail(f"not an ISO 8601 date and time ({exc})", "time_origin", data["time_origin"])
    order: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, o in enumerate(data["orders"]):
        if "label" not in o:
            continue
        text = o["label"]
        if not text.isprintable() or text != text.strip():
            fail("a label must be printable text without leading or trailing blanks",
                 f"orders[{i}].label", text)
        if text in seen:
            fail(f"order labels must be unique (orders[{seen[text]}] has it too)",
                 f"orders[{i}].label", text)
        seen[text] = i
        order[int(order_id[i])] = text
    version: dict[str, dict[int, str]] = {}
    for m, sup in enumerate(data["suppliers"]):
        for key, text in sup.get("versions", {}).items():
            where = f"suppliers[{m}].versions.{key}"
            if int(key) > MAX_INTEGER:
                fail(f"version must be <= {MAX_INTEGER}", where, key)
            if not text.isprintable() or text != text.strip():
                fail("a label must be printable text without leading or trailing blanks", where, text)
            version.setdefault(sup["name"], {})[int(key)] = text
    if origin is None and not order and not version:
        return NO_LABELS
    return Labels(order=order, version=version, time_origin=origin)
