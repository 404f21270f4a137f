"""The line without resequencing, computed directly with numpy (the ``none`` baseline).

Without resequencing the sequence is what the planner made of it, so every part's
production start, every draw and every arrival follows from the pre-drawn streams
at once: planning per period, then per supplier and attempt one vectorised pass.
The only loop over time groups the events that become known into instants (to count
the rescheduling instances the simulator would log). :func:`none_line_kpis` returns
the simulator's KPIs (``jisopt.sim.metrics.compute_kpis``) for the rule ``none``;
``tests/test_numpy_line.py`` checks they are identical, and
``benchmarks/bench_sim_scale.py`` times the simulator against it.
"""

from __future__ import annotations

import math

import numpy as np

from jisopt.instance import DELAY, FAILURE
from jisopt.scenario import Scenario
from jisopt.sim.metrics import INSTANCE_COLUMNS, compute_kpis
from jisopt.sim.planner import plan_period
from jisopt.sim.streams import NO_EVENT, DisruptionDraws, draw_demand
from jisopt.slots import TIME_TOLERANCE_H, is_earlier, is_later, is_not_earlier

__all__ = ["none_line_kpis"]


def _plan(scenario: Scenario, arrival_h: np.ndarray, due_h: np.ndarray) -> np.ndarray:
    """Slot per order id (``-1``: never planned), from the planning epochs before the end."""
    eps, end = TIME_TOLERANCE_H, scenario.duration_h
    n = arrival_h.shape[0]
    period = scenario.planning_period_slots
    n_epochs = 0
    while -scenario.frozen_zone_h + n_epochs * scenario.planning_period_h < end - eps:
        n_epochs += 1
    sequence = np.full(n_epochs * period + 1, -1, dtype=np.int64)
    slot = np.full(n, -1, dtype=np.int64)
    low = 0
    for j in range(n_epochs):
        t = -scenario.frozen_zone_h + j * scenario.planning_period_h
        arrived = int(np.searchsorted(arrival_h, t + eps, side="right"))
        candidates = np.arange(low, arrived)
        vob = candidates[slot[candidates] < 0]
        plan_period(sequence, slot, vob, due_h, j * period, (j + 1) * period,
                    scenario.planning_slack_every)
        unscheduled = np.flatnonzero(slot[low:arrived] < 0)
        low += int(unscheduled[0]) if unscheduled.size else arrived - low
    return slot


def none_line_kpis(scenario: Scenario, seed: int, replication: int = 0) -> dict[str, float]:
    """Every KPI of the rule ``none`` for ``(seed, replication)``, without the simulator."""
    eps, takt, end = TIME_TOLERANCE_H, scenario.takt_h, scenario.duration_h
    demand = draw_demand(scenario, seed, replication)
    draws = DisruptionDraws(scenario, seed, replication, demand.n_orders)
    slot = _plan(scenario, demand.arrival_h, demand.due_h)
    monitoring = scenario.monitoring.enabled and scenario.monitoring.point < 1.0
    point = scenario.monitoring.point if monitoring else 1.0
    n_assembled_slots = math.floor((end - eps) / takt) + 1
    assembled = (slot >= 0) & (slot < n_assembled_slots)
    orders = np.flatnonzero(slot >= 0)  # every planned order: its events may become known
    start_h = slot[orders] * takt
    n, n_sup = orders.size, len(scenario.suppliers)
    arrival = np.empty((n, n_sup))
    delay_events = np.zeros(n, dtype=np.int64)
    failure_events = np.zeros(n, dtype=np.int64)
    # Events that become known (monitoring): time, order row, slot start, new ready time.
    known_t, known_row, known_ready = [], [], []
    for m, spec in enumerate(scenario.suppliers):
        lead = spec.lead_time_h
        after = point * lead
        rows = np.arange(n)
        attempt_start = start_h - lead
        attempt = 0
        while rows.size:
            kinds, delays = draws.arrays(m, attempt)
            kind = kinds[orders[rows]]
            ok = kind == NO_EVENT
            arrival[rows[ok], m] = attempt_start[ok] + lead
            late = kind == DELAY
            arrival[rows[late], m] = attempt_start[late] + lead + delays[orders[rows[late]]]
            np.add.at(delay_events, rows[late], 1)
            failed = kind == FAILURE
            np.add.at(failure_events, rows[failed], 1)
            if monitoring:
                event = ~ok
                known = attempt_start[event] + after
                ready = np.where(late[event], attempt_start[event] + lead
                                 + delays[orders[rows[event]]], known + lead)
                known_t.append(known)
                known_row.append(rows[event])
                known_ready.append(ready)
            rows, attempt_start = rows[failed], attempt_start[failed] + after
            attempt += 1
    missing = is_later(arrival, start_h[:, None])
    rework = missing.any(axis=1)
    last_missing = np.where(missing, arrival, -np.inf).max(axis=1, initial=-np.inf)
    completion = np.where(rework, np.maximum(start_h + takt, last_missing + scenario.rework_h),
                          start_h + takt)
    stock = np.where(missing, 0.0, np.maximum(start_h[:, None] - arrival, 0.0)).sum(axis=1)

    instants = _instants(scenario, known_t, known_row, known_ready, start_h) if monitoring else []
    done = assembled[orders]
    orders, start_h, rework, completion, stock = (
        x[done] for x in (orders, start_h, rework, completion, stock))
    delay_events, failure_events = delay_events[done], failure_events[done]

    N = demand.n_orders
    full = {name: np.zeros(N) for name in ("rework", "delay_events", "failure_events")}
    completion_h = np.full(N, np.nan)
    slot_start_h = np.full(N, np.nan)
    stock_h = np.full(N, np.nan)
    completion_h[orders], slot_start_h[orders], stock_h[orders] = completion, start_h, stock
    full["rework"] = np.zeros(N, dtype=bool)
    full["rework"][orders] = rework
    full["delay_events"][orders] = delay_events
    full["failure_events"][orders] = failure_events
    with np.errstate(invalid="ignore"):
        measured = assembled & is_not_earlier(slot_start_h, scenario.warmup_h) & is_earlier(
            slot_start_h, end)
    records = {
        "due_h": demand.due_h,
        "first_slot": slot,
        "delay_h": np.maximum(completion_h - demand.due_h, 0.0),
        "reschedules": np.zeros(N, dtype=np.int64),
        "stock_component_h": stock_h,
        "postponement_h": np.where(slot >= 0, 0.0, np.nan),
        "assembled": assembled,
        "measured": measured,
        **full,
    }
    log = {c: np.zeros(len(instants)) for c in INSTANCE_COLUMNS}
    log["time_h"] = np.asarray(instants, dtype=float)
    return compute_kpis(records, log, scenario)


def _instants(scenario: Scenario, known_t: list, known_row: list, known_ready: list,
              start_h: np.ndarray) -> list[float]:
    """Times of the instants with an event that needs action, as the simulator's stops
    group them (planning epochs, forced stops every ``min f * L``, events within the
    time resolution of the stop)."""
    eps, takt, end = TIME_TOLERANCE_H, scenario.takt_h, scenario.duration_h
    t_all = np.concatenate(known_t) if known_t else np.zeros(0)
    order = np.argsort(t_all, kind="stable")
    t_all = t_all[order]
    row = np.concatenate(known_row)[order]
    ready = np.concatenate(known_ready)[order]
    slot_start = start_h[row]
    lookahead = min(scenario.monitoring.point * s.lead_time_h for s in scenario.suppliers)
    freeze = scenario.line_freeze_h
    instants: list[float] = []
    ptr, n_ev, epoch = 0, t_all.size, 0
    t = -scenario.otd_min_h
    while True:
        t_epoch = -scenario.frozen_zone_h + epoch * scenario.planning_period_h
        t_next = min(t_epoch, end, t + lookahead)
        if ptr < n_ev and t_all[ptr] < t_next:
            t_next = float(t_all[ptr])
        t = t_next
        if t >= end - eps:
            return instants
        if t_epoch <= t + eps:
            epoch += 1
        if ptr < n_ev and t_all[ptr] <= t + eps:
            stop = int(np.searchsorted(t_all, t + eps, side="right"))
            s = slot_start[ptr:stop]
            done = s < (math.floor((t - eps) / takt) + 1) * takt - eps
            need = ~done & is_later(ready[ptr:stop], s) & is_not_earlier(s, t + freeze)
            if need.any():
                instants.append(t)
            ptr = stop
