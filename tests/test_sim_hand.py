"""A small hand-checkable line: one supplier, takt 1 h, lead time 4 h, one forced event.

Orders ``i = 0, 1, ...`` arrive at ``-6 + i`` h with due date ``i + 1`` h; the planner
(epochs every 2 h from -4 h, frozen zone 4 h) puts order ``i`` into slot ``i``, so every
order completes exactly on time unless something happens. Supplier production of slot
``s`` starts at ``s - 4`` h; with monitoring point 0.5 an event is known 2 h later.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_cases import ScriptedDraws

from jisopt.instance import DELAY, FAILURE
from jisopt.policies import PolicySpec
from jisopt.scenario import Scenario, SupplierSpec
from jisopt.sim.engine import Simulator
from jisopt.sim.runner import collect_result
from jisopt.sim.streams import Demand


def hand_scenario(lead_time_h: float = 4.0, **changes) -> Scenario:
    base = Scenario(
        name="hand", takt_h=1.0,
        suppliers=(SupplierSpec(name="s", lead_time_h=lead_time_h, versions=1, reliability=1.0),),
        frozen_zone_h=4.0, planning_period_h=2.0, days=0.5, warmup_days=0.0, rework_h=2.0,
    )
    return base.replace(**changes) if changes else base


def run_hand(policy: str, script: dict, scenario: Scenario | None = None):
    scenario = scenario or hand_scenario()
    arrival = -6.0 + np.arange(18.0)  # 18 orders arrive before the end (12 h)
    demand = Demand(arrival_h=arrival, due_h=arrival + 7.0, version=np.zeros((18, 1), dtype=np.int64))
    sim = Simulator(scenario, PolicySpec.parse(policy).build(scenario), seed=0, replication=0,
                    check_invariants=True, demand=demand,
                    draws=ScriptedDraws(18, script))
    sim.run()
    return collect_result(sim, record_orders=True)


def test_reliable_line_assembles_every_order_on_time_in_its_slot():
    r = run_hand("step", {})
    o = r.orders.set_index("order_id")
    assembled = o[o.assembled]
    assert list(assembled.index) == list(range(12))  # slots 0..11 of the 12-hour run
    assert (assembled.final_slot == assembled.index).all()
    assert (assembled.delay_h == 0).all() and not assembled.rework.any()
    k = r.kpis
    assert k["okay_rate"] == 1.0 and k["idle_takts"] == 0 and k["throughput_per_day"] == 24.0
    # The last epoch, 10 h, plans slots 14, 15 (orders 14, 15); orders 16, 17 wait in the VOB.
    assert k["vob_length_end"] == 2 and k["unassembled_orders"] == 6
    assert k["resequencing_instances"] == 0 and len(r.events) == 0


def test_forced_delay_with_step():
    # Order 5 (slot 5): production starts at 1 h, a 1.5 h delay is known at 3 h, ready 6.5 h.
    r = run_hand("step", {(5, 0, 0): (DELAY, 1.5)})
    o = r.orders.set_index("order_id")
    inst = r.instances.iloc[0]
    assert len(r.instances) == 1 and inst.time_h == 3.0
    # step = max(5 + 1, ceil(6.5)) = 7 = leap = floor((3 + 4) / 1). Order 7 (slot 7) started
    # at 3 h (production comes before events at one instant), so both are reschedules; the
    # chain ends at slot 8, the first empty slot; slot 5 stays empty.
    assert o.final_slot[5] == 7 and o.final_slot[7] == 8
    assert inst.reschedules == 2 and inst.changed_unstarted == 0
    assert inst.inversions == 1  # orders 5 and 6 swapped their relative order
    # Epoch 4 h plans slots [8, 10): slot 8 is kept by order 7, order 8 gets slot 9.
    assert o.first_slot[8] == 9 and o.final_slot[8] == 9
    assert list(o[o.assembled].final_slot.sort_values()) == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    # Completion = slot + 1, due = id + 1: order 5 is 2 h late, orders 7..10 1 h each.
    assert o.delay_h[5] == 2.0 and o.delay_h[7] == 1.0 and o.delay_h[10] == 1.0
    assert o.stock_component_h[5] == 0.5 and o.stock_component_h[7] == 1.0
    k = r.kpis
    assert k["assembled_orders"] == 11 and k["idle_takts"] == 1
    assert k["okay_rate"] == 1.0 and k["rework_count"] == 0
    assert k["mean_delay_h"] == pytest.approx(6.0 / 11)
    assert k["reschedules_per_order"] == pytest.approx(2.0 / 11)
    assert k["mean_postponement_h"] == pytest.approx(3.0 / 11)  # order 5: 2 h, order 7: 1 h
    assert k["stock_component_h"] == pytest.approx(1.5)
    assert k["events_delay"] == 1 and k["events_failure"] == 0
    assert k["reschedules_total"] == 2 and k["vob_length_end"] == 3


def test_forced_delay_without_resequencing_goes_to_rework():
    r = run_hand("none", {(5, 0, 0): (DELAY, 1.5)})
    o = r.orders.set_index("order_id")
    assert len(r.instances) == 1 and r.instances.reschedules.iloc[0] == 0
    assert o.final_slot[5] == 5 and o.rework[5]
    # Rework ends 2 h after the part arrives at 6.5 h: completion 8.5 h, due 6 h.
    assert o.completion_h[5] == 8.5 and o.delay_h[5] == 2.5
    assert r.kpis["okay_rate"] == pytest.approx(11 / 12) and r.kpis["rework_count"] == 1


def test_forced_failure_with_and_without_monitoring():
    script = {(5, 0, 0): (FAILURE, 0.0)}
    r = run_hand("step", script)
    o = r.orders.set_index("order_id")
    # Known at 3 h, reproduced at once: ready 7 h, step = leap = 7.
    assert o.final_slot[5] == 7 and not o.rework[5] and o.stock_component_h[5] == 0.0
    assert list(r.events.attempt) == [0] and r.kpis["events_failure"] == 1
    off = run_hand("step", script, hand_scenario(monitoring={"enabled": False}))
    o = off.orders.set_index("order_id")
    # Without monitoring the failure is found at the planned delivery (5 h), reproduced
    # then (ready 9 h): rework ends at 11 h, 5 h after the due date.
    assert len(off.instances) == 0 and o.rework[5]
    assert o.completion_h[5] == 11.0 and o.delay_h[5] == 5.0


def test_second_failure_of_a_reproduction():
    script = {(5, 0, 0): (FAILURE, 0.0), (5, 0, 1): (DELAY, 2.0)}
    r = run_hand("step", script)
    o = r.orders.set_index("order_id")
    # Reproduction starts at 3 h (planned 7 h); its delay is known at 5 h: ready 9 h. At
    # 5 h order 5 sits at slot 7 -> step = max(8, 9) = 9 = leap = floor(9).
    assert list(r.instances.time_h) == [3.0, 5.0]
    assert o.final_slot[5] == 9 and o.reschedules[5] == 2
    assert list(zip(r.events.attempt, r.events.kind, strict=True)) == [(0, FAILURE), (1, DELAY)]


def test_event_time_off_the_takt_grid():
    # L = 3.6 h: order 5's production starts at 1.4 h, its delay is known at 3.2 h.
    r = run_hand("step", {(5, 0, 0): (DELAY, 1.5)}, hand_scenario(lead_time_h=3.6))
    o = r.orders.set_index("order_id")
    inst = r.instances.iloc[0]
    assert math.isclose(inst.time_h, 3.2)
    assert r.events.start_h.iloc[0] == pytest.approx(1.4)
    # leap = max(step 7, floor((3.2 + 3.6) / 1) = 6) = 7. Order 7's production (7 - 3.6 =
    # 3.4 h) has not started: its move is not a reschedule, and it is produced for slot 8.
    assert o.final_slot[5] == 7 and o.final_slot[7] == 8
    assert inst.reschedules == 1 and inst.changed_unstarted == 1
    assert o.stock_component_h[7] == 0.0 and o.delay_h[7] == 1.0
