"""Consistency checks of the simulator (``check_invariants=True``).

They raise :class:`SimulationInvariantError` naming the order and slot at fault.
"""

from __future__ import annotations

import numpy as np

from jisopt.errors import JisoptError
from jisopt.evaluate import Evaluation
from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.sim.state import LineState

__all__ = ["MEASURED", "TOLERATED_UNMOVED", "SimulationInvariantError", "check_plan", "check_state"]

TOLERATED_UNMOVED = frozenset({"ready", "bounds"})
"""Violations a plan may leave on orders it does not move: a policy may decline to act
(``none``), and orders within the line freeze stay late and go to rework."""


MEASURED = frozenset({"ratio"})
"""Violations the simulator measures instead of refusing: a plan that breaks a hard ratio
rule is carried out (the plain rules ignore ratio rules; a ratio-aware rule that finds no
slot says so in its status), and the ratio KPIs count the excess."""


class SimulationInvariantError(JisoptError, AssertionError):
    """The simulator reached an inconsistent state."""


def check_plan(instance: Instance, plan: Plan, evaluation: Evaluation) -> None:
    """A plan the simulator applies keeps the line consistent.

    Every constraint of :func:`jisopt.evaluate.evaluate` must hold, except that an order
    the plan leaves in place may stay late (``ready``/``bounds``), and broken ratio
    rules are measured, not refused (:data:`MEASURED`). Orders with a started component
    are never moved earlier.
    """
    new = np.asarray(plan.slot)
    earlier = instance.has_started & (new < instance.slot)
    if earlier.any():
        i = int(np.flatnonzero(earlier)[0])
        raise SimulationInvariantError(
            f"order {instance.order_id[i]} has a started component and was moved earlier "
            f"(slot {instance.slot[i]} -> {new[i]}) at t={instance.now_h:g} h")
    unmoved = set(instance.order_id[new == instance.slot].tolist())
    for v in evaluation.violations:
        if v.kind in MEASURED or (v.kind in TOLERATED_UNMOVED and v.order in unmoved):
            continue
        raise SimulationInvariantError(f"infeasible plan at t={instance.now_h:g} h: {v.message}")


def check_state(state: LineState) -> None:
    """No order lost or duplicated; at most one order per slot; assembled orders behind."""
    seq = state.sequence
    scheduled = np.flatnonzero(state.slot >= 0)
    holders = seq[seq >= 0]
    if holders.size != np.unique(holders).size:
        ids, counts = np.unique(holders, return_counts=True)
        raise SimulationInvariantError(f"order {int(ids[counts > 1][0])} holds several slots")
    if holders.size != scheduled.size:
        missing = np.setdiff1d(scheduled, holders)
        what = f"order {int(missing[0])} lost from the sequence" if missing.size else (
            f"order {int(np.setdiff1d(holders, scheduled)[0])} in the sequence but unscheduled")
        raise SimulationInvariantError(what)
    wrong = seq[state.slot[scheduled]] != scheduled
    if wrong.any():
        o = int(scheduled[wrong][0])
        raise SimulationInvariantError(f"order {o} is not at its slot {int(state.slot[o])}")
    pending = scheduled[~state.assembled[scheduled]]
    if pending.size and state.slot[pending].min() < state.next_slot:
        o = int(pending[np.argmin(state.slot[pending])])
        raise SimulationInvariantError(
            f"order {o} at slot {int(state.slot[o])} was skipped by the line (next slot "
            f"{state.next_slot})")
    done = scheduled[state.assembled[scheduled]]
    if done.size and state.slot[done].max() >= state.next_slot:
        raise SimulationInvariantError("an order was assembled ahead of the line")
