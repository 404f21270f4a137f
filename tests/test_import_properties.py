"""Property: any consistent planner table imports with its labels, slots and component
states as a direct reading of the table says."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jisopt.importing import import_planner_table

NOW = datetime(2026, 6, 1, 6, 0)
TAKT = timedelta(minutes=30)


@st.composite
def tables(draw):
    n_suppliers = draw(st.integers(1, 3))
    lead_takts = [draw(st.integers(1, 8)) for _ in range(n_suppliers)]
    n = draw(st.integers(1, 12))
    steps = draw(st.lists(st.integers(1, 3), min_size=n - 1, max_size=n - 1))
    offsets = np.concatenate([[0], np.cumsum(steps)]).astype(int).tolist()
    rows = []
    for k, offset in enumerate(offsets):
        start = NOW + offset * TAKT
        row = {"order": f"O-{draw(st.integers(0, 9))}{k}", "start": start,
               "due": start + draw(st.integers(-4, 20)) * TAKT, "parts": []}
        for m in range(n_suppliers):
            called = offset - lead_takts[m] <= 0  # call-off not after now
            status = draw(st.sampled_from(
                ["in production", "delivered", "failed"] if called
                else ["not called off", "in production"]))
            version = draw(st.sampled_from(["V1", "V2", "alpha", "B-7"]))
            if status == "not called off":
                eta = None
            elif status == "delivered":
                eta = NOW - draw(st.integers(0, 6)) * timedelta(minutes=10)
            else:
                eta = NOW + draw(st.integers(1 if status == "failed" else 0, 30)) * timedelta(minutes=10)
            row["parts"].append((version, status, eta))
        rows.append(row)
    return lead_takts, offsets, rows


def _text(moment):
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


@settings(max_examples=60)
@given(tables())
def test_a_consistent_table_reads_back(tmp_path_factory, table):
    lead_takts, offsets, rows = table
    names = [f"s{m}" for m in range(len(lead_takts))]
    lines = ["# takt: 30 min",
             *(f"# lead_time.{s}: {lead * 30} min" for s, lead in zip(names, lead_takts, strict=True)),
             "order,planned_start,due," + ",".join(f"{s}.version,{s}.status,{s}.eta" for s in names)]
    seen = set()
    for k, row in enumerate(rows):
        if row["order"] in seen:
            row["order"] += f"-{k}"
        seen.add(row["order"])
        parts = ",".join(f"{v},{st_},{_text(e)}" for v, st_, e in row["parts"])
        lines.append(f"{row['order']},{_text(row['start'])},{_text(row['due'])},{parts}")
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    inst = import_planner_table(path)
    takt_h = 0.5
    assert inst.now_h == 0 and inst.first_slot == 0
    assert inst.slot.tolist() == offsets
    assert [inst.labels.order_label(o) for o in inst.order_id] == [r["order"] for r in rows]
    disrupted = set()
    for i, row in enumerate(rows):
        assert inst.due_h[i] == (row["due"] - NOW) / timedelta(hours=1)
        start_h = offsets[i] * takt_h
        for m, (version, status, eta) in enumerate(row["parts"]):
            assert inst.labels.version_label(names[m], inst.version[i, m]) == version
            assert inst.started[i, m] == (status != "not called off")
            if status == "not called off":
                continue
            eta_h = (eta - NOW) / timedelta(hours=1)
            assert inst.planned_delivery_h[i, m] == start_h
            assert inst.ready_h[i, m] == max(eta_h, start_h)
            if eta_h > start_h + 1e-9:
                disrupted.add((i, m, status == "failed"))
    got = set(zip(inst.disrupted_order.tolist(), inst.disrupted_supplier.tolist(),
                  (inst.disrupted_kind == 1).tolist(), strict=True))
    assert got == disrupted
