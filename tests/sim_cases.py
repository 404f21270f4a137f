"""Small scenarios and helpers shared by the simulator tests."""

from __future__ import annotations

import numpy as np

from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.scenario import Scenario, SupplierSpec
from jisopt.sim.streams import NO_EVENT


def small_scenario(reliability: float = 0.85, **changes) -> Scenario:
    """A short, event-rich line: lead times 48 / 30.5 / 12.25 h (the last two off the
    0.5 h takt grid for the monitoring point), frozen zone 60 h, daily planning,
    12 days with 3 days warm-up. Few versions so that component swaps find partners."""
    base = Scenario(
        name="small",
        suppliers=(
            SupplierSpec(name="drive", lead_time_h=48.0, versions=2, reliability=reliability),
            SupplierSpec(name="engine", lead_time_h=30.5, versions=1, reliability=reliability),
            SupplierSpec(name="cabin", lead_time_h=12.25, versions=2, reliability=reliability),
        ),
        frozen_zone_h=60.0, planning_period_h=24.0, days=12.0, warmup_days=3.0,
    )
    return base.replace(**changes) if changes else base


class ScriptedDraws:
    """Production outcomes: no event, except the scripted ``(order, supplier, attempt)``."""

    def __init__(self, n_orders: int, script: dict) -> None:
        self.n_orders, self.script = n_orders, script

    def arrays(self, supplier: int, attempt: int) -> tuple[np.ndarray, np.ndarray]:
        kinds = np.full(self.n_orders, NO_EVENT, dtype=np.int64)
        delays = np.zeros(self.n_orders)
        for (order, m, a), (kind, delay_h) in self.script.items():
            if (m, a) == (supplier, attempt):
                kinds[order], delays[order] = kind, delay_h
        return kinds, delays

    def outcome(self, order_id: int, supplier: int, attempt: int) -> tuple[int, float]:
        return self.script.get((order_id, supplier, attempt), (NO_EVENT, 0.0))


class Recording:
    """Wrap a policy and keep every instance it answered with the plan."""

    def __init__(self, policy) -> None:
        self.policy = policy
        self.name = policy.name
        self.calls: list[tuple[Instance, Plan]] = []

    def __call__(self, instance: Instance) -> Plan:
        plan = self.policy(instance)
        self.calls.append((instance, plan))
        return plan
