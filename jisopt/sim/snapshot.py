"""Between the simulator's state and the policies: build an Instance, apply a Plan.

The instance's ``(n, M)`` arrays (versions, planned deliveries, ready times) are
deferred (:class:`jisopt.instance.DeferredComponents`): a policy that reads only the
disrupted rows never gathers the other rows' components. They read the state as it
is, so before the state changes the simulator materialises every instance that is
still referenced (:func:`release_instance`); the arrays are then the same as a
copy taken at build time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from jisopt.instance import DeferredComponents, Instance, RatioRule, instance_from_fields
from jisopt.labels import NO_LABELS
from jisopt.plan import Plan
from jisopt.sim.invariants import SimulationInvariantError
from jisopt.sim.state import LineState

__all__ = ["PlanTarget", "apply_plan", "build_instance", "window_orders"]


def build_instance(
    state: LineState,
    now_h: float,
    line_freeze_h: float,
    supplier_names: tuple[str, ...],
    disruptions: Sequence[tuple[int, int, int]],
    name: str = "",
    option_names: tuple[str, ...] = (),
    ratio_rules: tuple[RatioRule, ...] = (),
) -> Instance:
    """The rescheduling snapshot at ``now_h``, from array slices of the state.

    The instance covers the sequence from the first slot not yet assembled to the end
    of the planned horizon. A started component carries its current attempt's planned
    delivery and its known ready time; an unstarted one ``nan``. The ``(n, M)`` arrays
    are deferred: call :meth:`~jisopt.instance.Instance.materialize` before the state
    changes if the instance is kept (the simulator does).

    Parameters
    ----------
    state
        The simulator's state.
    now_h, line_freeze_h
        Current time and line freeze.
    supplier_names
        Supplier names in index order.
    disruptions
        ``(order id, supplier, kind)`` of every event of this instant that needs action.
    name
        Label of the instance.
    option_names, ratio_rules
        The scenario's options (columns of ``state.options``) and their ``H:N`` rules;
        the instance carries each order's options when there are any.
    """
    first = state.next_slot
    end = state.horizon_end
    window = state.sequence[first:end]
    idx = (window >= 0).nonzero()[0]
    ids = window[idx]
    slots = idx + first
    if len(disruptions) == 1:
        o, m, kind = disruptions[0]
        rows = slots.searchsorted(state.slot[o:o + 1])
        suppliers, kinds = np.array([m], dtype=np.int64), np.array([kind], dtype=np.int64)
    else:
        d = np.array(disruptions, dtype=np.int64).reshape(-1, 3)
        rows = np.searchsorted(slots, state.slot[d[:, 0]])
        suppliers, kinds = d[:, 1].copy(), d[:, 2].copy()
    components = _components(state, ids)
    cache: dict = {"slot_order": None}  # rows are in slot order (jisopt.changes)
    if rows.shape[0] == 1:  # Instance.disrupted_rows: np.unique of one row
        cache["disrupted_rows"] = rows.copy()
    return instance_from_fields({  # Instance(...), without its per-field __init__
        "now_h": float(now_h),
        "takt_h": state.takt_h,
        "line_freeze_h": float(line_freeze_h),
        "supplier_names": supplier_names,
        "lead_time_h": state.lead_time_h,
        "first_slot": int(first),
        "horizon_slots": int(end - first),
        "order_id": ids,
        "slot": slots,
        "due_h": state.due_h[ids],
        "version": components,
        "planned_delivery_h": components,
        "ready_h": components,
        "disrupted_order": rows,
        "disrupted_supplier": suppliers,
        "disrupted_kind": kinds,
        "option_names": option_names,
        "options": state.options[ids] if option_names and state.options is not None else None,
        "ratio_rules": ratio_rules,
        "name": name,
        "labels": NO_LABELS,
        "_cache": cache,
        "weights": None,
    })


def _components(state: LineState, ids: np.ndarray) -> DeferredComponents:
    """Row readers of the components of the orders ``ids`` (in the instance's row order)."""

    def parts(rows: np.ndarray | slice) -> np.ndarray:
        return state.cell_part.take(ids[rows], axis=0)  # faster than row fancy indexing

    return DeferredComponents(
        version=lambda rows: state.version.take(ids[rows], axis=0),
        planned_delivery_h=lambda rows: state.part_planned_h[parts(rows)],
        ready_h=lambda rows: state.part_known_h[parts(rows)],
        started=lambda rows: state.order_started.take(ids[rows], axis=0),
        has_started=lambda rows: state.has_started[ids[rows]],
        column=lambda m: _column(state, ids, m),
    )


def _column(state: LineState, ids: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(version, started, ready_h)`` of supplier ``m`` for the orders ``ids``."""
    parts = state.cell_part[ids, m]
    return state.version[ids, m], state.order_started[ids, m], state.part_known_h[parts]


def window_orders(state: LineState, open_slot: int = 0) -> int:
    """Number of orders an instance built now would hold (without building it), with the
    slots before ``open_slot`` assembled (for a deferred assembly batch)."""
    first = max(state.next_slot, open_slot)
    return int(np.count_nonzero(state.sequence[first:state.horizon_end] >= 0))


class PlanTarget(NamedTuple):
    """What :func:`apply_plan` reads of an instance (so that the instance itself may be
    released before the state changes)."""

    now_h: float
    first_slot: int
    order_id: np.ndarray
    slot: np.ndarray

    @classmethod
    def of(cls, instance: Instance) -> PlanTarget:
        """The fields of ``instance``."""
        return cls(instance.now_h, instance.first_slot, instance.order_id, instance.slot)


def apply_plan(state: LineState, instance: Instance | PlanTarget, plan: Plan) -> np.ndarray:
    """Carry out a plan: exchange swapped parts, then move orders to their new slots.

    A swap exchanges the two physical parts (with their ready times and future draws).
    A plan that would put two orders into one slot, or an order before the instance's
    first slot (or nowhere), is refused with :class:`SimulationInvariantError` (a cheap
    guard; ``check_invariants`` checks every constraint).

    Returns
    -------
    numpy.ndarray
        Rows of the instance whose slot changed.
    """
    return _apply_plan(state, instance, plan)


def _apply_plan(state: LineState, instance: Instance | PlanTarget, plan: Plan,
                moved: np.ndarray | None = None) -> np.ndarray:
    """:func:`apply_plan`; ``moved``: the rows whose slot changes, if known (every row of
    the plan is placed: :attr:`jisopt.changes.PlanChanges.moved_rows`)."""
    ids = instance.order_id
    for swap in plan.swaps:
        x, y, m = int(ids[swap.row]), int(ids[swap.partner_row]), swap.supplier
        px, py = state.cell_part[x, m], state.cell_part[y, m]
        state.cell_part[x, m], state.cell_part[y, m] = py, px
        state.part_owner[px], state.part_owner[py] = y, x
        state.swaps_received[x] += 1
        for o in (x, y):  # a swap may trade a started part for an unstarted one
            state.order_started[o] = ~np.isnan(state.part_planned_h[state.cell_part[o]])
            state.has_started[o] = state.order_started[o].any()
    new = np.asarray(plan.slot, dtype=np.int64)
    if moved is None:
        moved = (new != instance.slot).nonzero()[0]
    if moved.size:
        targets = new[moved]
        last = int(targets.max())
        state.ensure_slots(last)
        movers = ids[moved]
        if int(targets.min()) < instance.first_slot:
            raise _refused(plan, instance)
        state.sequence[instance.slot[moved]] = -1
        taken = int(state.sequence[targets].max()) >= 0  # some target holds an order
        state.sequence[targets] = movers
        if taken or (state.sequence[targets] != movers).any():  # or two movers share a slot
            raise _refused(plan, instance)
        state.slot[movers] = targets
        state.horizon_end = max(state.horizon_end, last + 1)
    return moved


def _refused(plan: Plan, instance: Instance | PlanTarget) -> SimulationInvariantError:
    """The error of a plan that :func:`apply_plan` refuses."""
    return SimulationInvariantError(
        f"plan of {plan.policy!r} at t={instance.now_h:g} h leaves an order without a slot "
        "or puts two orders into one slot")
