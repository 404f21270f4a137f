"""Supplier call-offs after a plan: the new build sequence each JIS supplier must follow.

A JIS supplier builds its parts in the order of its call-off stream, one call-off per
order (a sequence number, the order, the part version, the point in time it is needed).
:func:`calloffs` lists, per supplier, every order of the instance in the plan's new
sequence with what the plan asks of the supplier for it (an *action*);
:func:`calloff_summary` condenses that per supplier. Every figure reuses the one
definition of its term: sequence inversions from :func:`jisopt.changes.plan_changes`,
stock hours from :func:`jisopt.objective.component_stock_h`. docs/calloffs.md defines
each column and action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from jisopt.changes import plan_changes
from jisopt.instance import FAILURE, Instance
from jisopt.objective import component_stock_h
from jisopt.plan import Plan

if TYPE_CHECKING:  # pandas is loaded when a table is built (a fast-starting `jisopt solve`)
    import pandas as pd

__all__ = [
    "ACTIONS",
    "CALLOFF_COLUMNS",
    "EXPEDITED",
    "HELD_IN_STOCK",
    "NOT_PLACED",
    "RECALLED",
    "RESEQUENCED",
    "SUMMARY_COLUMNS",
    "UNCHANGED",
    "calloff_summary",
    "calloffs",
]

UNCHANGED = "unchanged"
"""The order keeps its slot and its part is not re-called."""
RESEQUENCED = "resequenced"
"""An unstarted part (not yet called off) whose order moved: it is called off for the new slot."""
HELD_IN_STOCK = "held in stock"
"""A started part (already called off) whose order moved later: it waits for the new slot."""
RECALLED = "re-called"
"""A failed part (reproduced) or a swapped part (the order receives another order's part)."""
EXPEDITED = "expedited"
"""A started part whose order moved earlier (only in plans that violate ``earlier``)."""
NOT_PLACED = "not placed"
"""The plan gives the order no slot (only in plans that violate ``missing``)."""

ACTIONS: tuple[str, ...] = (UNCHANGED, RESEQUENCED, HELD_IN_STOCK, RECALLED, EXPEDITED, NOT_PLACED)
"""Every action a call-off row can carry."""

CALLOFF_COLUMNS: tuple[str, ...] = (
    "supplier", "sequence_no", "order", "order_id", "version", "part_of_order", "started",
    "action", "old_position", "new_position", "old_slot", "new_slot", "old_slot_time",
    "new_slot_time", "calloff_time", "stock_h",
)
"""Columns of :func:`calloffs`, in order (docs/calloffs.md defines them)."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "supplier", "orders", "changes", "resequenced", "held_in_stock", "re_called", "inversions",
    "stock_h", "stock_added_h", "sequence_adherence",
)
"""Columns of :func:`calloff_summary`, in order."""


def calloffs(instance: Instance, plan: Plan) -> pd.DataFrame:
    """Every supplier's call-off stream under ``plan``: one row per supplier and order.

    Parameters
    ----------
    instance
        The snapshot the plan answers (its labels name orders, versions and times).
    plan
        The plan: new slots and component swaps.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CALLOFF_COLUMNS`; per supplier (in the instance's supplier order)
        the orders in their new sequence (ascending new slot, orders without a slot
        last). ``sequence_no`` and ``new_position`` are the 1-based position in the new
        stream (empty for an order without a slot), ``old_position`` the position in the
        instance's sequence. Times are wall-clock text when the instance has a time
        origin, else hours (:meth:`jisopt.labels.Labels.time_text`); ``stock_h`` is the
        hours a started part waits in stock under the plan (empty for unstarted parts).
    """
    import pandas as pd

    frames = [_supplier_calloffs(instance, plan, m) for m in range(instance.n_suppliers)]
    if not frames:
        return pd.DataFrame(columns=list(CALLOFF_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def calloff_summary(instance: Instance, plan: Plan, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per supplier: how many call-offs change, inversions, stock and sequence adherence.

    Parameters
    ----------
    instance, plan
        As for :func:`calloffs`.
    table
        The plan's :func:`calloffs` table, if already computed.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`: ``orders`` in the stream; ``changes``, rows whose
        action is not ``unchanged``, and the counts of the three main actions;
        ``inversions``, the plan's sequence inversions of the supplier (the KPI
        ``inversions_<supplier>`` of :func:`jisopt.evaluate.evaluate`); ``stock_h``, the
        supplier's share of the ``stock_component_h`` term under the plan, and
        ``stock_added_h`` that share less the one of the instance's own sequence;
        ``sequence_adherence``, the share of the stream's orders built in their planned
        takt (new slot = old slot; 1.0 for an empty stream).
    """
    import pandas as pd

    table = calloffs(instance, plan) if table is None else table
    inversions = plan_changes(instance, plan).inversions
    placed = np.flatnonzero(np.asarray(plan.slot) >= 0)
    new_slot = np.asarray(plan.slot, dtype=np.int64)[placed]
    ready = plan.ready_after_swaps(instance)
    rows = []
    for m, name in enumerate(instance.supplier_names):
        stream = table[table["supplier"] == name]
        actions = stream["action"]
        stock_h = float(component_stock_h(instance, placed, new_slot, m, ready).sum())
        stock_before_h = float(component_stock_h(instance, placed, instance.slot[placed], m).sum())
        kept = int((stream["old_slot"] == stream["new_slot"]).sum())
        rows.append({
            "supplier": name,
            "orders": len(stream),
            "changes": int((actions != UNCHANGED).sum()),
            "resequenced": int((actions == RESEQUENCED).sum()),
            "held_in_stock": int((actions == HELD_IN_STOCK).sum()),
            "re_called": int((actions == RECALLED).sum()),
            "inversions": int(inversions[m]),
            "stock_h": stock_h,
            "stock_added_h": stock_h - stock_before_h,
            "sequence_adherence": kept / len(stream) if len(stream) else 1.0,
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _supplier_calloffs(instance: Instance, plan: Plan, m: int) -> pd.DataFrame:
    """The call-off stream of supplier ``m`` (see :func:`calloffs`)."""
    import pandas as pd

    labels = instance.labels
    name = instance.supplier_names[m]
    takt = instance.takt_h
    old = np.asarray(instance.slot, dtype=np.int64)
    new = np.asarray(plan.slot, dtype=np.int64)
    placed = new >= 0
    version, started, _ = instance.component_column(m)
    started = np.asarray(started, dtype=bool)

    part_of = np.arange(instance.n_orders)  # row whose physical part each row receives
    swapped = np.zeros(instance.n_orders, dtype=bool)
    for s in plan.swaps:
        if s.supplier == m:
            part_of[s.row], part_of[s.partner_row] = s.partner_row, s.row
            swapped[[s.row, s.partner_row]] = True
    failed = np.zeros(instance.n_orders, dtype=bool)
    failed[instance.disrupted_order[(instance.disrupted_supplier == m)
                                    & (instance.disrupted_kind == FAILURE)]] = True
    recalled = swapped | failed

    action = np.full(instance.n_orders, UNCHANGED, dtype=object)
    moved = placed & (new != old)
    action[moved & ~started] = RESEQUENCED
    action[moved & started & (new > old)] = HELD_IN_STOCK
    action[moved & started & (new < old)] = EXPEDITED
    action[recalled] = RECALLED
    action[~placed] = NOT_PLACED

    old_order = np.argsort(old, kind="stable")
    old_position = np.empty(instance.n_orders, dtype=np.int64)
    old_position[old_order] = np.arange(1, instance.n_orders + 1)
    sort_slot = np.where(placed, new, np.iinfo(np.int64).max)
    stream = np.lexsort((old, sort_slot))  # new slot; orders without one last, in old order
    new_position = np.full(instance.n_orders, -1, dtype=np.int64)
    n_placed = int(placed.sum())
    new_position[stream[:n_placed]] = np.arange(1, n_placed + 1)

    ready = plan.ready_after_swaps(instance)
    stock_h = np.full(instance.n_orders, np.nan)
    rows = np.flatnonzero(placed & started)
    stock_h[rows] = component_stock_h(instance, rows, new[rows], m, ready)
    # The call-off the part is built on: to be sent (unstarted), sent (started), sent now
    # (re-called).
    calloff_h = np.where(started, instance.planned_delivery_h[:, m], new * takt) - instance.lead_time_h[m]
    calloff_h = np.where(recalled, instance.now_h, np.where(placed | started, calloff_h, np.nan))

    def times(hours: np.ndarray) -> list[str]:
        return [labels.time_text(h) if np.isfinite(h) else "" for h in hours.tolist()]

    def order_labels(row_ids: np.ndarray) -> list[str]:
        return [labels.order_label(o) for o in instance.order_id[row_ids].tolist()]

    r = stream
    sequence_no = pd.array(np.where(new_position[r] > 0, new_position[r], 0), dtype="Int64")
    sequence_no[new_position[r] <= 0] = pd.NA
    return pd.DataFrame({
        "supplier": name,
        "sequence_no": sequence_no,
        "order": order_labels(r),
        "order_id": instance.order_id[r].astype(np.int64),
        "version": [labels.version_label(name, v) for v in np.asarray(version)[r].tolist()],
        "part_of_order": order_labels(part_of[r]),
        "started": started[r],
        "action": action[r].astype(str),
        "old_position": old_position[r],
        "new_position": sequence_no.copy(),
        "old_slot": old[r],
        "new_slot": new[r],
        "old_slot_time": times(old[r] * takt),
        "new_slot_time": times(np.where(placed[r], new[r] * takt, np.nan)),
        "calloff_time": times(calloff_h[r]),
        "stock_h": stock_h[r],
    }, columns=list(CALLOFF_COLUMNS))
