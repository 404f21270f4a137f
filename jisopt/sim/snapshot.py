"""Between the simulator's state and the policies: build an Instance, apply a Plan."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jisopt.instance import Instance, RatioRule
from jisopt.plan import Plan
from jisopt.sim.invariants import SimulationInvariantError
from jisopt.sim.state import LineState

__all__ = ["apply_plan", "build_instance"]


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
    delivery and its known ready time; an unstarted one ``nan``.

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
    idx = np.flatnonzero(window >= 0)
    ids = window[idx]
    slots = idx + first
    parts = np.take(state.cell_part, ids, axis=0)  # faster than row fancy indexing
    d = np.array(disruptions, dtype=np.int64).reshape(-1, 3)
    rows = np.searchsorted(slots, state.slot[d[:, 0]])
    return Instance(
        now_h=float(now_h),
        takt_h=state.takt_h,
        line_freeze_h=float(line_freeze_h),
        supplier_names=supplier_names,
        lead_time_h=state.lead_time_h,
        first_slot=int(first),
        horizon_slots=int(end - first),
        order_id=ids,
        slot=slots,
        due_h=state.due_h[ids],
        version=np.take(state.version, ids, axis=0),
        planned_delivery_h=state.part_planned_h[parts],
        ready_h=state.part_known_h[parts],
        disrupted_order=rows,
        disrupted_supplier=d[:, 1].copy(),
        disrupted_kind=d[:, 2].copy(),
        option_names=option_names,
        options=state.options[ids] if option_names else None,
        ratio_rules=ratio_rules,
        name=name,
    )


def apply_plan(state: LineState, instance: Instance, plan: Plan) -> np.ndarray:
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
    ids = instance.order_id
    for swap in plan.swaps:
        x, y, m = int(ids[swap.row]), int(ids[swap.partner_row]), swap.supplier
        px, py = state.cell_part[x, m], state.cell_part[y, m]
        state.cell_part[x, m], state.cell_part[y, m] = py, px
        state.part_owner[px], state.part_owner[py] = y, x
        state.swaps_received[x] += 1
    new = np.asarray(plan.slot, dtype=np.int64)
    moved = np.flatnonzero(new != instance.slot)
    if moved.size:
        targets = new[moved]
        last = int(targets.max())
        state.ensure_slots(last)
        movers = ids[moved]
        refused = SimulationInvariantError(
            f"plan of {plan.policy!r} at t={instance.now_h:g} h leaves an order without a slot "
            "or puts two orders into one slot")
        if int(targets.min()) < instance.first_slot:
            raise refused
        state.sequence[instance.slot[moved]] = -1
        taken = (state.sequence[targets] >= 0).any()
        state.sequence[targets] = movers
        if taken or (state.sequence[targets] != movers).any():  # or two movers share a slot
            raise refused
        state.slot[movers] = targets
        state.horizon_end = max(state.horizon_end, last + 1)
    return moved
