"""Run one replication: :func:`run_replication` and its :class:`ReplicationResult`."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from jisopt.policies.base import Policy
from jisopt.policies.spec import PolicySpec
from jisopt.scenario import Scenario
from jisopt.sim.capture import InstanceCapture
from jisopt.sim.engine import InstanceHook, Simulator
from jisopt.sim.metrics import KpiFunction, compute_kpis, instance_records, order_records

if TYPE_CHECKING:
    from jisopt.changes import PlanChanges
    from jisopt.instance import Instance
    from jisopt.plan import Plan

__all__ = ["EVENT_COLUMNS", "ReplicationResult", "collect_result", "run_replication"]

EVENT_COLUMNS: tuple[str, ...] = (
    "order_id", "supplier", "attempt", "kind", "delay_h", "start_h", "holder",
)
"""Columns of the event log (in order of production start): the order id the part was
made for (its draws' key), the supplier index, the attempt (0 = first production), the kind (``DELAY`` = 0,
``FAILURE`` = 1), the delay, the attempt's production start and the order that held
the part when it was drawn."""


@dataclass(frozen=True)
class ReplicationResult:
    """Outcome of one replication.

    Attributes
    ----------
    kpis
        Every KPI of :data:`jisopt.sim.metrics.KPI_NAMES` (docs/model.md §4).
    orders
        One row per arrived order (see :func:`jisopt.sim.metrics.order_records`), if
        requested with ``record_orders=True``, else ``None``.
    instances
        One row per rescheduling instance (see
        :data:`jisopt.sim.metrics.INSTANCE_COLUMNS`).
    events
        One row per drawn disruption event (see :data:`EVENT_COLUMNS`).
    wall_time_s
        Wall-clock time of the replication.
    scenario, policy, seed, replication
        What was run.
    """

    kpis: dict[str, float]
    orders: pd.DataFrame | None
    instances: pd.DataFrame
    events: pd.DataFrame
    wall_time_s: float
    scenario: str = ""
    policy: str = ""
    seed: int = 0
    replication: int = 0
    info: dict = field(default_factory=dict)


def run_replication(
    scenario: Scenario,
    policy: Policy | str,
    seed: int = 1,
    replication: int = 0,
    record_orders: bool = False,
    capture_dir: str | os.PathLike | None = None,
    check_invariants: bool = False,
    on_instance: InstanceHook | None = None,
    user_kpis: Sequence[KpiFunction] = (),
) -> ReplicationResult:
    """Simulate one replication of ``scenario`` under ``policy``.

    Parameters
    ----------
    scenario
        The plant.
    policy
        A policy object (as ``jisopt solve`` uses) or a label (``step``, ``dynamic+swap``,
        ``./my_policy.py:GapFirst``; :class:`~jisopt.policies.spec.PolicySpec`), built for
        ``scenario`` (the dynamic rule takes its ``dynamic_skew_h``).
    seed, replication
        Identity of the random streams: the same pair gives the same demand and
        disruption draws under every policy.
    record_orders
        Return the per-order table.
    capture_dir
        Write every rescheduling instance and the plan applied into this directory.
    check_invariants
        Check the line's consistency after every instance and assembly (slower).
    on_instance
        Called as ``on_instance(index, instance, plan, changes)`` after every
        rescheduling instance, once its plan is applied (e.g. to keep the instances in
        memory: ``lambda k, inst, plan, changes: kept.append(inst)``). With
        ``capture_dir`` too, the files are written first.
    user_kpis
        User KPI functions (:class:`~jisopt.sim.metrics.KpiFunction`); their KPIs follow
        the built-in ones in ``kpis``.
    """
    if isinstance(policy, str):
        policy = PolicySpec.parse(policy).build(scenario)
    t0 = time.perf_counter()
    hook = _chain_hooks(InstanceCapture(capture_dir) if capture_dir is not None else None, on_instance)
    sim = Simulator(scenario, policy, seed, replication, check_invariants=check_invariants,
                    on_instance=hook)
    sim.run()
    return collect_result(sim, record_orders=record_orders, started_at=t0, user_kpis=user_kpis)


def _chain_hooks(*hooks: InstanceHook | None) -> InstanceHook | None:
    """One hook that calls every given hook in turn (``None`` if none is given)."""
    given = [h for h in hooks if h is not None]
    if len(given) <= 1:
        return given[0] if given else None

    def chained(index: int, instance: Instance, plan: Plan, changes: PlanChanges) -> None:
        for hook in given:
            hook(index, instance, plan, changes)

    return chained


def collect_result(sim: Simulator, *, record_orders: bool = False,
                   started_at: float | None = None,
                   user_kpis: Sequence[KpiFunction] = ()) -> ReplicationResult:
    """The result of a finished simulation: KPIs from its per-order and instance records.

    Parameters
    ----------
    sim
        A simulator whose :meth:`~jisopt.sim.engine.Simulator.run` has returned.
    record_orders
        Include the per-order table.
    started_at
        ``time.perf_counter()`` at the start of the replication, for ``wall_time_s``.
    user_kpis
        User KPI functions, computed after the built-in KPIs.
    """
    scenario = sim.scenario
    orders = order_records(sim.state, scenario)
    instances = instance_records(sim.instances, scenario.supplier_names)
    kpis = compute_kpis(orders, instances, scenario, user_kpis)
    events = pd.DataFrame(sim.events, columns=list(EVENT_COLUMNS)).sort_values(
        ["start_h", "supplier", "order_id", "attempt"], ignore_index=True)
    wall = time.perf_counter() - started_at if started_at is not None else float("nan")
    return ReplicationResult(
        kpis=kpis,
        orders=pd.DataFrame(orders) if record_orders else None,
        instances=pd.DataFrame(instances),
        events=events,
        wall_time_s=wall,
        scenario=scenario.name,
        policy=sim.policy.name,
        seed=sim.seed,
        replication=sim.replication,
    )
