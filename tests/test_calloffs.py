"""Call-off streams per supplier (jisopt.calloffs), worked by hand and recomputed by a loop.

Hand-worked instance (``_hand``): takt 1 h, now 0 h, suppliers ``a`` (lead time 4 h) and
``b`` (10 h), orders 1..8 at slots 1..8. A part has started iff ``slot * takt - L <= now``:
``a`` for slots 1..4, ``b`` for all. Order 2 (slot 2) has a late ``b`` part, ready at 5.5 h.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from strategies import build_instance

from jisopt.calloffs import (
    CALLOFF_COLUMNS,
    HELD_IN_STOCK,
    RECALLED,
    RESEQUENCED,
    UNCHANGED,
    calloff_summary,
    calloffs,
)
from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.labels import Labels
from jisopt.plan import Plan
from jisopt.policies import make_policy
from jisopt.policies.swap import find_swaps


def _hand():
    return build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[4.0, 10.0], slots=list(range(1, 9)),
                          due_h=[100.0] * 8, disruptions=[(1, 1, "delay", 5.5)],
                          supplier_names=["a", "b"], first_slot=1, horizon_slots=8)


# Order 2 goes from slot 2 to its step max(2 + 1, ceil(5.5)) = 6; the chain pushes orders 6, 7, 8
# one slot later (8 -> 9, the spare slot); slot 2 is left a gap.
HAND_SLOTS = np.array([1, 6, 3, 4, 5, 7, 8, 9])


def test_hand_case_every_action_and_column():
    inst = _hand()
    plan = Plan(HAND_SLOTS, "hand")
    assert evaluate(inst, plan).feasible
    table = calloffs(inst, plan)
    assert list(table.columns) == list(CALLOFF_COLUMNS)
    a = table[table["supplier"] == "a"].set_index("order_id")
    # new stream: 1, 3, 4, 5, 2, 6, 7, 8
    assert a.index.tolist() == [1, 3, 4, 5, 2, 6, 7, 8]
    assert a["sequence_no"].tolist() == list(range(1, 9))
    assert a.loc[2, "old_position"] == 2 and a.loc[2, "new_position"] == 5
    # order 2's a-part started (2 - 4 <= 0), its order moved later: held in stock from its ready
    # time 2 h (planned delivery) to the new slot start 6 h = 4 h.
    assert a.loc[2, "action"] == HELD_IN_STOCK and a.loc[2, "stock_h"] == 4.0
    # orders 6..8 have unstarted a-parts (slot - 4 > 0) and move: resequenced, call-off at the
    # new slot start less 4 h: 7 - 4 = 3, 8 - 4 = 4, 9 - 4 = 5; no stock figure.
    assert a.loc[[6, 7, 8], "action"].tolist() == [RESEQUENCED] * 3
    assert a.loc[[6, 7, 8], "calloff_time"].tolist() == ["3 h", "4 h", "5 h"]
    assert a.loc[[6, 7, 8], "stock_h"].isna().all()
    assert a.loc[[1, 3, 4, 5], "action"].tolist() == [UNCHANGED] * 4
    # a started part's call-off was sent at planned delivery - L: order 1: 1 - 4 = -3 h
    assert a.loc[1, "calloff_time"] == "-3 h"
    b = table[table["supplier"] == "b"].set_index("order_id")
    # every b-part started: orders 2, 6, 7, 8 are held; order 2's late part waits 6 - 5.5 = 0.5 h,
    # the others one slot (1 h) each.
    assert b.loc[[2, 6, 7, 8], "action"].tolist() == [HELD_IN_STOCK] * 4
    assert b.loc[[2, 6, 7, 8], "stock_h"].tolist() == [0.5, 1.0, 1.0, 1.0]

    summary = calloff_summary(inst, plan).set_index("supplier")
    # a: 1 held + 3 resequenced; order 2 passes the started a-parts of orders 3 and 4 (order
    # 5's a-part has not started): 2 inversions. b: it passes 3, 4, 5: 3 inversions.
    assert summary.loc["a", ["changes", "held_in_stock", "resequenced"]].tolist() == [4, 1, 3]
    assert summary.loc["a", "inversions"] == 2 and summary.loc["b", "inversions"] == 3
    assert summary.loc["b", "stock_h"] == pytest.approx(3.5)
    assert summary.loc["b", "stock_added_h"] == pytest.approx(3.5)  # no stock before the plan
    # orders 1, 3, 4, 5 keep their slot: 4 of 8
    assert summary["sequence_adherence"].tolist() == [0.5, 0.5]


def test_swapped_parts_are_recalled_and_exchanged():
    # One supplier, L = 10 h, orders 101..110 at slots 1..10 (all started). Order 103's part
    # is late (ready 6.5 h); order 107 was postponed from slot 2, so its part is ready at 2 h:
    # the swap gives 107's part to 103 and 103's late part to 107 (slot 7 >= 6.5 h).
    inst = build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[10.0], slots=list(range(1, 11)),
                          order_id=[100 + s for s in range(1, 11)], due_h=[100.0] * 10,
                          postponed_from={6: 2}, disruptions=[(2, 0, "delay", 6.5)])
    swaps = find_swaps(inst)
    assert len(swaps) == 1
    plan = Plan(inst.slot.copy(), "swap", swaps=swaps)
    table = calloffs(inst, plan).set_index("order_id")
    assert table.loc[[103, 107], "action"].tolist() == [RECALLED, RECALLED]
    assert table.loc[103, "part_of_order"] == "107" and table.loc[107, "part_of_order"] == "103"
    # 103 at slot 3 holds the part ready at 2 h: 1 h; 107 at slot 7 the one ready at 6.5 h: 0.5 h
    assert table.loc[[103, 107], "stock_h"].tolist() == [1.0, 0.5]
    assert table.loc[103, "calloff_time"] == "0 h"  # the re-call goes out now
    assert (table.drop([103, 107])["action"] == UNCHANGED).all()
    summary = calloff_summary(inst, plan)
    assert summary.loc[0, "re_called"] == 2 and summary.loc[0, "sequence_adherence"] == 1.0


def test_failed_part_is_recalled():
    inst = build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[4.0, 10.0], slots=list(range(1, 9)),
                          due_h=[100.0] * 8, disruptions=[(1, 0, "failure")],
                          supplier_names=["a", "b"], first_slot=1, horizon_slots=8)
    plan = make_policy("step")(inst)
    assert evaluate(inst, plan).feasible
    table = calloffs(inst, plan).set_index(["supplier", "order_id"])
    assert table.loc[("a", 2), "action"] == RECALLED
    assert table.loc[("b", 2), "action"] == HELD_IN_STOCK  # its b-part waits for the new slot


def _loop_streams(inst, plan):
    """Each supplier's stream by a plain loop over the plan's slots and swaps."""
    part_of = {}
    for s in plan.swaps:
        part_of[(s.row, s.supplier)] = s.partner_row
        part_of[(s.partner_row, s.supplier)] = s.row
    out = {}
    for m, name in enumerate(inst.supplier_names):
        rows = sorted(range(inst.n_orders), key=lambda i: plan.slot[i])
        out[name] = [(inst.labels.order_label(inst.order_id[i]),
                      inst.labels.version_label(name, inst.version[i, m]),
                      inst.labels.order_label(inst.order_id[part_of.get((i, m), i)]),
                      bool(inst.started[i, m]), int(plan.slot[i])) for i in rows]
    return out


CASES = [(1, "dynamic", True), (2, "step", True), (3, "leap", False), (5, "step", True)]


def _case(seed):
    return generate_instance(seed, n_slots=80, n_disrupted=3, postponed_share=0.5)


@pytest.mark.parametrize("seed,policy,swap", CASES)
def test_streams_equal_a_loop_and_summary_equals_evaluate(seed, policy, swap):
    inst = _case(seed)
    plan = make_policy(policy, swap=swap)(inst)
    table = calloffs(inst, plan)
    for name, expected in _loop_streams(inst, plan).items():
        got = table[table["supplier"] == name]
        assert list(zip(got["order"], got["version"], got["part_of_order"], got["started"],
                        got["new_slot"], strict=True)) == expected
        assert got["sequence_no"].tolist() == list(range(1, inst.n_orders + 1))
    ev = evaluate(inst, plan)
    summary = calloff_summary(inst, plan, table)
    for row in summary.itertuples():
        assert row.inversions == ev.kpis[f"inversions_{row.supplier}"]
    assert summary["stock_h"].sum() == pytest.approx(ev.terms["stock_component_h"])
    kept = np.count_nonzero(plan.slot == inst.slot) / inst.n_orders
    assert np.allclose(summary["sequence_adherence"], kept)


def test_swap_seed_has_swaps():
    """The loop test above covers swaps: at least one of its cases swaps parts."""
    assert any(make_policy(policy, swap=swap)(_case(seed)).swaps for seed, policy, swap in CASES)


def test_labels_come_back_unchanged():
    inst = _hand()
    labels = Labels(order={int(o): f"TR-{int(o):05d}" for o in inst.order_id},
                    version={"a": {0: "A-basic"}, "b": {0: "B-std"}},
                    time_origin=datetime(2026, 12, 1, 6, 0))
    inst = inst.replace(labels=labels)
    table = calloffs(inst, Plan(HAND_SLOTS, "hand"))
    rows = table.set_index(["supplier", "order_id"])
    for o in inst.order_id.tolist():
        assert rows.loc[("a", o), "order"] == f"TR-{o:05d}"
    assert set(table.loc[table["supplier"] == "a", "version"]) == {"A-basic"}
    assert set(table.loc[table["supplier"] == "b", "version"]) == {"B-std"}
    # order 2 at slot 6: 6 h after the origin; its a-call-off was sent at 2 - 4 = -2 h
    assert rows.loc[("a", 2), "new_slot_time"] == "2026-12-01 12:00"
    assert rows.loc[("a", 2), "calloff_time"] == "2026-12-01 04:00"
