"""The weekly due-date planner, with and without slack."""

from __future__ import annotations

import numpy as np
from sim_cases import small_scenario

from jisopt.sim import run_replication
from jisopt.sim.planner import free_planning_slots, plan_period


def test_plan_period_fills_free_slots_by_due_date_and_keeps_pushed_orders():
    sequence = np.full(12, -1)
    sequence[5] = 9  # pushed into the period by a displacement chain
    slot = np.full(12, -1)
    slot[9] = 5
    due = np.array([50.0, 10.0, 30.0, 10.0, 40.0, 0, 0, 0, 0, 99.0, 0, 0])
    chosen = plan_period(sequence, slot, np.array([0, 1, 2, 3, 4]), due, 4, 8)
    # Due dates 10 (id 1), 10 (id 3, tie broken by id), 30 (id 2) into slots 4, 6, 7.
    assert chosen.tolist() == [1, 3, 2]
    assert sequence[4:8].tolist() == [1, 9, 3, 2]
    assert slot[[1, 3, 2, 9]].tolist() == [4, 6, 7, 5]
    assert slot[[0, 4]].tolist() == [-1, -1]  # wait in the VOB


def test_short_vob_leaves_the_period_end_empty():
    sequence = np.full(10, -1)
    slot = np.full(3, -1)
    plan_period(sequence, slot, np.array([0, 1]), np.array([5.0, 1.0, 0.0]), 2, 6)
    assert sequence[2:6].tolist() == [1, 0, -1, -1]


def test_slack_slots_are_skipped():
    free = free_planning_slots(np.full(30, -1), 8, 24, slack_every=5)
    assert 9 not in free and 14 not in free and 19 not in free
    assert len(free) == 16 - 3


def test_planning_with_slack_leaves_the_expected_gaps():
    g = 6
    # A reliable line with demand above capacity: every non-slack slot is filled.
    scenario = small_scenario(reliability=1.0, planning_slack_every=g,
                              demand={"mean_interarrival_h": 0.4})
    result = run_replication(scenario, "step", seed=1, record_orders=True)
    done = result.orders[result.orders.assembled]
    assert ((done.final_slot + 1) % g != 0).all()
    assert ((done.first_slot + 1) % g != 0).all()
    takt = scenario.takt_h
    window = np.arange(round(scenario.warmup_days * 24 / takt), round(scenario.days * 24 / takt))
    assert result.kpis["idle_takts"] == np.count_nonzero((window + 1) % g == 0)
    assert result.kpis["assembled_orders"] == np.count_nonzero((window + 1) % g != 0)


def test_slack_gaps_absorb_disruptions():
    base = small_scenario(reliability=0.9)
    plain = run_replication(base, "step", seed=6)
    slack = run_replication(base.replace(planning_slack_every=4), "step", seed=6)
    # Chains end at the nearest gap: intentional gaps shorten them, as long as there are
    # more gaps (here 1 in 4 slots) than events fill (about 0.3 per order at 90 %).
    assert slack.kpis["reschedules_per_order"] < 0.5 * plain.kpis["reschedules_per_order"]
