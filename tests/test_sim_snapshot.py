"""The simulator's instances, built lazily, equal the copied snapshot of the state.

The oracle is the construction the simulator used before instances were deferred: every
order's components gathered from the state at the event. At every event of simulated
runs (rules with and without swap, line freeze, planning with slack) the deferred
instance must give the same rows through its row readers, the same arrays once
materialised, and -- for instances a policy keeps -- the same arrays after the run.
Also: the rule ``none`` (no instance built) gives the results of ``none`` with every
instance built, and the numpy-only computation of the line gives its KPIs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sim_cases import Recording, small_scenario

from jisopt.instance import Instance
from jisopt.policies.registry import make_policy
from jisopt.sim import Simulator, collect_result, run_replication
from jisopt.sim.state import LineState

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from numpy_line import none_line_kpis
from scale_scenario import scale_scenario

ARRAYS = ("lead_time_h", "order_id", "slot", "due_h", "version", "planned_delivery_h", "ready_h",
          "disrupted_order", "disrupted_supplier", "disrupted_kind")
SCALARS = ("now_h", "takt_h", "line_freeze_h", "supplier_names", "first_slot", "horizon_slots",
           "option_names", "ratio_rules", "weights", "name")


def copied_instance(state: LineState, now_h: float, line_freeze_h: float, supplier_names,
                    disruptions, name: str) -> Instance:
    """The snapshot as the simulator built it before: array copies gathered at the event."""
    first = state.next_slot
    end = state.horizon_end
    window = state.sequence[first:end]
    idx = np.flatnonzero(window >= 0)
    ids = window[idx]
    slots = idx + first
    parts = np.take(state.cell_part, ids, axis=0)
    d = np.array(disruptions, dtype=np.int64).reshape(-1, 3)
    rows = np.searchsorted(slots, state.slot[d[:, 0]])
    return Instance(
        now_h=float(now_h), takt_h=state.takt_h, line_freeze_h=float(line_freeze_h),
        supplier_names=supplier_names, lead_time_h=state.lead_time_h, first_slot=int(first),
        horizon_slots=int(end - first), order_id=ids, slot=slots, due_h=state.due_h[ids],
        version=np.take(state.version, ids, axis=0), planned_delivery_h=state.part_planned_h[parts],
        ready_h=state.part_known_h[parts], disrupted_order=rows,
        disrupted_supplier=d[:, 1].copy(), disrupted_kind=d[:, 2].copy(), name=name,
    )


def assert_same_instance(a: Instance, b: Instance) -> None:
    for field in SCALARS:
        assert getattr(a, field) == getattr(b, field), field
    for field in ARRAYS:
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype and x.shape == y.shape, field
        np.testing.assert_array_equal(x, y, err_msg=field)
    np.testing.assert_array_equal(a.started, b.started)
    np.testing.assert_array_equal(a.has_started, b.has_started)


class Oracle:
    """Wrap a policy: compare every instance with the copied snapshot, keep some."""

    def __init__(self, policy, keep_every: int = 3) -> None:
        self.policy, self.name = policy, policy.name
        self.sim: Simulator | None = None
        self.keep_every = keep_every
        self.kept: list[tuple[Instance, Instance]] = []
        self.calls = 0

    def __call__(self, instance: Instance):
        state = self.sim.state
        d = [(int(instance.order_id[r]), int(m), int(k)) for r, m, k in zip(
            instance.disrupted_order, instance.disrupted_supplier, instance.disrupted_kind,
            strict=True)]
        oracle = copied_instance(state, instance.now_h, instance.line_freeze_h,
                                 instance.supplier_names, d, instance.name)
        rng = np.random.default_rng(self.calls)
        rows = np.sort(rng.choice(instance.n_orders, min(5, instance.n_orders), replace=False))
        # Row readers first (before anything materialises the arrays) ...
        np.testing.assert_array_equal(instance.has_started_of(rows), oracle.has_started[rows])
        np.testing.assert_array_equal(instance.has_started, oracle.has_started)
        np.testing.assert_array_equal(instance.started_of(rows), oracle.started[rows])
        np.testing.assert_array_equal(instance.ready_of(rows), oracle.ready_h[rows])
        np.testing.assert_array_equal(instance.started_of(slice(1, 7)), oracle.started[1:7])
        for m in range(instance.n_suppliers):
            for got, full in zip(instance.component_column(m), (oracle.version, oracle.started,
                                                                oracle.ready_h), strict=True):
                np.testing.assert_array_equal(got, full[:, m])
        plan = self.policy(instance)
        self.calls += 1
        if self.calls % self.keep_every == 0:
            self.kept.append((instance, oracle))  # ... compared after the run
        else:
            assert_same_instance(instance, oracle)
        return plan


CASES = [
    (small_scenario(), "dynamic"),
    (small_scenario(), "leap+swap"),
    (small_scenario(line_freeze_h=3.0), "step+swap"),
    (small_scenario(planning_slack_every=4, monitoring={"point": 0.3}), "ontime"),
    (small_scenario(), "none+swap"),
]


@pytest.mark.parametrize(("scenario", "policy"), CASES)
def test_deferred_instances_equal_the_copied_snapshot(scenario, policy):
    from jisopt.policies import PolicySpec

    oracle = Oracle(PolicySpec.parse(policy).build(scenario))
    sim = Simulator(scenario, oracle, seed=3, replication=0)
    oracle.sim = sim
    sim.run()
    assert oracle.calls > 20 and oracle.kept
    for instance, copy in oracle.kept:  # materialised when the state moved on
        assert_same_instance(instance, copy)
    # and the run is the run without the oracle
    plain = run_replication(scenario, policy, seed=3)
    assert collect_result(sim).kpis.keys() == plain.kpis.keys()
    for key, value in collect_result(sim).kpis.items():
        if not key.startswith("decision_time"):
            assert value == plain.kpis[key] or (np.isnan(value) and np.isnan(plain.kpis[key])), key


def _without_decision_times(result):
    kpis = {k: v for k, v in result.kpis.items() if not k.startswith("decision_time")}
    return kpis, result.instances.drop(columns=["decision_time_s"])


@pytest.mark.parametrize("scenario", [small_scenario(), small_scenario(line_freeze_h=3.0),
                                      scale_scenario(8.0, days=4.0, warmup_days=1.0)])
def test_none_without_instances_equals_none_with_instances(scenario):
    fast = run_replication(scenario, "none", seed=5, record_orders=True)
    built = Recording(make_policy("none"))  # not the rule object: every instance is built
    sim = Simulator(scenario, built, seed=5, replication=0)
    sim.run()
    slow = collect_result(sim, record_orders=True)
    assert len(built.calls) == len(fast.instances) > 0
    kpis_fast, log_fast = _without_decision_times(fast)
    kpis_slow, log_slow = _without_decision_times(slow)
    pd.testing.assert_series_equal(pd.Series(kpis_fast), pd.Series(kpis_slow), check_exact=True)
    pd.testing.assert_frame_equal(log_fast, log_slow, check_exact=True)
    pd.testing.assert_frame_equal(fast.orders, slow.orders, check_exact=True)
    pd.testing.assert_frame_equal(fast.events, slow.events, check_exact=True)
    assert (fast.instances["decision_time_s"] == 0.0).all()  # none decides nothing


@pytest.mark.parametrize("scenario", [
    small_scenario(), small_scenario(line_freeze_h=3.0),
    small_scenario(planning_slack_every=4, monitoring={"point": 0.3}),
    small_scenario(monitoring={"enabled": False}),
    scale_scenario(8.0, days=4.0, warmup_days=1.0),
])
@pytest.mark.parametrize("replication", [0, 1])
def test_numpy_line_gives_the_simulators_kpis(scenario, replication):
    expected = run_replication(scenario, "none", seed=9, replication=replication).kpis
    got = none_line_kpis(scenario, seed=9, replication=replication)
    assert got.keys() == expected.keys()
    pd.testing.assert_series_equal(pd.Series(got), pd.Series(expected), check_exact=True)
