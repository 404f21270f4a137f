"""Plan files: the versioned JSON format ``jisopt-plan/1``.

A plan file answers one instance file: the new slot of every order (the
``slots`` list is authoritative), the component swaps, and, for people, the
``moves`` (orders whose slot changed). Orders and suppliers are referred to by
the instance's ids and names, so reading a plan needs its instance. The JSON
Schema ships as ``jisopt/data/plan.schema.json``; the field reference is
``docs/instance-format.md``.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from jisopt.documents import (
    PathLike,
    check_format,
    dump_document,
    json_ready,
    load_document,
    validate_document,
    write_document,
)
from jisopt.errors import InputError
from jisopt.instance import Instance
from jisopt.instance_io import MAX_INTEGER
from jisopt.plan import Plan, Swap

__all__ = ["PLAN_FORMAT", "plan_from_dict", "plan_table_csv", "plan_to_dict", "read_plan", "write_plan",
           "write_plan_csv"]

PLAN_FORMAT = "jisopt-plan/1"
"""Format marker written to and required in every plan file."""


def plan_to_dict(instance: Instance, plan: Plan) -> dict:
    """The ``jisopt-plan/1`` document of ``plan`` (an answer to ``instance``).

    Orders the plan does not place (slot ``-1``) are left out of ``slots``.
    """
    ids = instance.order_id.tolist()
    new = np.asarray(plan.slot).tolist()
    old = instance.slot.tolist()
    return {
        "format": PLAN_FORMAT,
        "instance": instance.name,
        "policy": plan.policy,
        "status": plan.status,
        "runtime_s": float(plan.runtime_s),
        "slots": [{"order": o, "slot": s} for o, s in zip(ids, new, strict=True) if s >= 0],
        "moves": [{"order": o, "from": c, "to": s}
                  for o, c, s in zip(ids, old, new, strict=True) if s >= 0 and s != c],
        "swaps": [{"order": ids[s.row], "partner": ids[s.partner_row],
                   "supplier": instance.supplier_names[s.supplier]} for s in plan.swaps],
        "info": json_ready(plan.info),
    }


def write_plan(instance: Instance, plan: Plan, path: PathLike) -> None:
    """Write ``plan`` (an answer to ``instance``) as a ``jisopt-plan/1`` file."""
    write_document(dump_document(plan_to_dict(instance, plan)), path)


PLAN_CSV_COLUMNS = ("order", "label", "old_slot", "new_slot", "old_start", "new_start")
"""Columns of :func:`plan_table_csv`."""


def plan_table_csv(instance: Instance, plan: Plan) -> str:
    """The plan as a CSV table, one row per order in its new slot order (unplaced orders last,
    new slot empty): order id, the planner's label (the id without labels), old and new slot,
    and their start times (:meth:`Labels.time_text <jisopt.labels.Labels.time_text>`: wall
    clock with a time origin, else hours)."""
    labels = instance.labels
    takt = instance.takt_h
    new = np.asarray(plan.slot)
    order = np.lexsort((instance.slot, np.where(new >= 0, new, np.iinfo(np.int64).max)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    for i in order.tolist():
        oid, old, slot = int(instance.order_id[i]), int(instance.slot[i]), int(new[i])
        placed = slot >= 0
        writer.writerow([oid, labels.order_label(oid), old, slot if placed else "",
                         labels.time_text(old * takt),
                         labels.time_text(slot * takt) if placed else ""])
    return buffer.getvalue()


def write_plan_csv(instance: Instance, plan: Plan, path: PathLike) -> None:
    """Write :func:`plan_table_csv` to ``path`` (for people and spreadsheets; not read back)."""
    write_document(plan_table_csv(instance, plan), path)


def read_plan(path: PathLike, instance: Instance) -> Plan:
    """Read a ``jisopt-plan/1`` file that answers ``instance``.

    Raises
    ------
    InputError
        Naming the file, the field and the value at fault.
    """
    return plan_from_dict(load_document(path, PLAN_FORMAT), instance, source=str(path))


def plan_from_dict(data: dict, instance: Instance, source: str | None = None) -> Plan:
    """Validate a ``jisopt-plan/1`` document against ``instance`` and build the :class:`Plan`.

    ``slots`` is authoritative (``moves`` is not read); an order of the instance
    that ``slots`` does not list gets slot ``-1``, which
    :func:`~jisopt.evaluate.evaluate` reports as ``missing``.

    Raises
    ------
    InputError
        On a wrong format marker, a schema violation, an order id or supplier
        the instance does not know, an order listed twice, or a slot beyond
        ``MAX_INTEGER`` in magnitude.
    """
    check_format(data, PLAN_FORMAT, source)
    validate_document(data, "plan", source)

    def fail(problem: str, field: str, value: object) -> None:
        raise InputError(problem, source=source, field=field, value=value)

    rows = {int(o): i for i, o in enumerate(instance.order_id.tolist())}

    def row(order: int, field: str) -> int:
        if order not in rows:
            fail("unknown order id (not in the instance)", field, order)
        return rows[order]

    slot = np.full(instance.n_orders, -1, dtype=np.int64)
    seen: set[int] = set()
    for k, entry in enumerate(data["slots"]):
        i = row(entry["order"], f"slots[{k}].order")
        if i in seen:
            fail("order listed twice", f"slots[{k}].order", entry["order"])
        seen.add(i)
        if abs(entry["slot"]) > MAX_INTEGER:
            fail(f"must lie in [-{MAX_INTEGER}, {MAX_INTEGER}]", f"slots[{k}].slot", entry["slot"])
        slot[i] = int(entry["slot"])
    swaps = []
    for k, entry in enumerate(data.get("swaps", ())):
        x = row(entry["order"], f"swaps[{k}].order")
        y = row(entry["partner"], f"swaps[{k}].partner")
        if entry["supplier"] not in instance.supplier_names:
            fail(f"unknown supplier (suppliers are {list(instance.supplier_names)})",
                 f"swaps[{k}].supplier", entry["supplier"])
        swaps.append(Swap(row=x, partner_row=y, supplier=instance.supplier_names.index(entry["supplier"])))
    return Plan(
        slot=slot,
        policy=data.get("policy", ""),
        swaps=tuple(swaps),
        runtime_s=float(data.get("runtime_s", 0.0)),
        status=data.get("status", "ok"),
        info=data.get("info", {}),
    )
