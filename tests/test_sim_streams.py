"""Common random numbers: identical demand and disruption streams for every policy, run,
and process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sim_cases import small_scenario

from jisopt.instance import DELAY, FAILURE
from jisopt.scenario import Scenario
from jisopt.sim import run_replication
from jisopt.sim.streams import NO_EVENT, DisruptionDraws, draw_demand

POLICIES = ("none", "step", "leap+swap", "dynamic", "ontime+swap")
KEY = ["order_id", "supplier", "attempt"]
TIMING = {"decision_time_mean_s", "decision_time_p95_s"}


def _untimed(kpis: dict) -> dict:
    return {k: v for k, v in kpis.items() if k not in TIMING}


def _events(result) -> pd.DataFrame:
    return result.events.set_index(KEY).sort_index()


def test_every_policy_sees_the_same_disruptions():
    scenario = small_scenario()
    results = {p: run_replication(scenario, p, seed=7, record_orders=True) for p in POLICIES}
    base = _events(results["none"])
    assert len(base) > 100 and (base.kind == FAILURE).any()
    assert (base.index.get_level_values("attempt") > 0).any()
    for policy, result in results.items():
        other = _events(result)
        common = base.index.intersection(other.index)
        assert len(common) > 100, policy
        # Same kind and size of event for the same part of the same order and attempt,
        pd.testing.assert_frame_equal(base.loc[common, ["kind", "delay_h"]],
                                      other.loc[common, ["kind", "delay_h"]])
        # and the same first-attempt events for the orders both runs assembled.
        both = set(results["none"].orders.query("assembled").order_id) & set(
            result.orders.query("assembled").order_id)
        first = [k for k in base.index if k[2] == 0 and k[0] in both]
        first_other = [k for k in other.index if k[2] == 0 and k[0] in both]
        assert first == first_other, policy


def test_demand_is_the_same_for_every_policy():
    scenario = small_scenario()
    a = run_replication(scenario, "none", seed=3, record_orders=True).orders
    b = run_replication(scenario, "leap", seed=3, record_orders=True).orders
    columns = ["order_id", "arrival_h", "due_h"]
    pd.testing.assert_frame_equal(a[columns], b[columns])


def test_same_seed_same_result_and_other_seed_differs():
    scenario = small_scenario()
    a = run_replication(scenario, "dynamic+swap", seed=4, record_orders=True)
    b = run_replication(scenario, "dynamic+swap", seed=4, record_orders=True)
    assert _untimed(a.kpis) == _untimed(b.kpis)
    pd.testing.assert_frame_equal(a.orders, b.orders)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.instances.drop(columns="decision_time_s"),
                                  b.instances.drop(columns="decision_time_s"))
    c = run_replication(scenario, "dynamic+swap", seed=5)
    d = run_replication(scenario, "dynamic+swap", seed=4, replication=1)
    assert c.kpis["mean_delay_h"] != a.kpis["mean_delay_h"]
    assert d.kpis["mean_delay_h"] != a.kpis["mean_delay_h"]


def _run_elsewhere(seed: int) -> tuple[dict, pd.DataFrame]:
    result = run_replication(small_scenario(days=6.0, warmup_days=1.0), "step+swap", seed=seed)
    return result.kpis, result.events


def test_streams_do_not_depend_on_the_process():
    here = _run_elsewhere(9)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        there = pool.submit(_run_elsewhere, 9).result()
    assert _untimed(here[0]) == _untimed(there[0])
    pd.testing.assert_frame_equal(here[1], there[1])


def test_disruption_draws_follow_the_scenario():
    scenario = Scenario().with_reliability(0.9)
    draws = DisruptionDraws(scenario, seed=1, replication=0, n_orders=200_000)
    kinds, delays = draws.arrays(0, 0)
    event = kinds != NO_EVENT
    n = kinds.size
    # Binomial checks at 5 standard deviations.
    assert abs(event.mean() - 0.1) < 5 * np.sqrt(0.1 * 0.9 / n)
    share = (kinds[event] == FAILURE).mean()
    assert abs(share - 0.1) < 5 * np.sqrt(0.09 / event.sum())
    d = delays[kinds == DELAY]
    assert d.min() >= 2.0 and d.max() <= 48.0
    assert abs(d.mean() - scenario.disruption.mean_delay_h()) < 5 * d.std() / np.sqrt(d.size)
    assert (delays[kinds != DELAY] == 0).all()
    # Different suppliers and attempts are different streams; the same key is reproducible.
    assert not np.array_equal(kinds, draws.arrays(1, 0)[0])
    assert not np.array_equal(kinds, draws.arrays(0, 1)[0])
    again = DisruptionDraws(scenario, seed=1, replication=0, n_orders=1000)
    np.testing.assert_array_equal(again.arrays(0, 0)[0], kinds[:1000])
    assert draws.outcome(17, 0, 0) == (int(kinds[17]), float(delays[17]))


def test_demand_follows_the_scenario():
    scenario = Scenario()
    demand = draw_demand(scenario, seed=2, replication=0)
    a = demand.arrival_h
    start, end = -scenario.otd_min_h, scenario.days * 24
    assert a[0] > start and a[-1] < end and np.all(np.diff(a) > 0)
    gaps = np.diff(np.concatenate(([start], a)))
    assert abs(gaps.mean() - 0.5) < 5 * 0.5 / np.sqrt(gaps.size)
    slack = demand.due_h - a
    assert slack.min() >= scenario.otd_min_h and slack.max() <= 2 * scenario.otd_min_h
    counts = np.bincount(demand.version[:, 0], minlength=4)
    assert counts.size == 4 and counts.min() > 0.2 * a.size
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(a, draw_demand(scenario, seed=2, replication=1).arrival_h)
