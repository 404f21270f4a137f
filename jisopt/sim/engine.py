"""The supply–assembly event simulator (docs/model.md §2).

Things happen at *instants*; happenings that are the same time to the resolution
(within :data:`jisopt.slots.TIME_TOLERANCE_H`, half a second) form one instant, handled in
docs/model.md's order: (1) arrivals,
(2) the planning run, (3) production starts and their draws (longest lead time first),
(4) every event that becomes known, as one rescheduling instance, (5) assembly of the
slot starting now. Times need not lie
on the takt grid: a production start of slot ``s`` at supplier ``m`` happens at exactly
``s * takt - L_m``, an event becomes known at exactly production start + ``f * L_m``.

The loop stops only where the sequence can change: at planning epochs and at instants
when events become known (kept in a heap ordered by ``(time, phase, part id, attempt)``,
all policy-independent). Between two stops the sequence is fixed, so the production
starts and assemblies in between are carried out as vectorised batches over the
pre-drawn randomness; a stop is forced at least every ``min_m f * L_m`` hours, so every
event a batch draws becomes known after the batch.
"""

from __future__ import annotations

import heapq
import math
import weakref
from collections.abc import Callable

import numpy as np

from jisopt.changes import PlanChanges, plan_changes
from jisopt.evaluate import evaluate
from jisopt.instance import DELAY, FAILURE, Instance
from jisopt.options import ratio_rules
from jisopt.plan import Plan
from jisopt.policies.base import Policy
from jisopt.policies.rules import RulePolicy
from jisopt.scenario import Scenario
from jisopt.sim.invariants import SimulationInvariantError, check_plan, check_state
from jisopt.sim.metrics import SUPPLIER_INVERSIONS
from jisopt.sim.planner import plan_period
from jisopt.sim.snapshot import PlanTarget, _apply_plan, apply_plan, build_instance, window_orders
from jisopt.sim.state import LineState
from jisopt.sim.streams import (
    NO_EVENT,
    Demand,
    DisruptionDraws,
    attempt_limit_error,
    draw_demand,
    draw_options,
)
from jisopt.slots import TIME_TOLERANCE_H, is_later

__all__ = [
    "PHASE_ARRIVALS",
    "PHASE_ASSEMBLY",
    "PHASE_EVENTS",
    "PHASE_PLANNING",
    "PHASE_PRODUCTION",
    "Simulator",
]

PHASE_ARRIVALS = 1
PHASE_PLANNING = 2
PHASE_PRODUCTION = 3
PHASE_EVENTS = 4
PHASE_ASSEMBLY = 5
"""Order of the things that happen at one instant (docs/model.md §2)."""

_SLOT_MARGIN = 4096

InstanceHook = Callable[[int, Instance, Plan, PlanChanges], None]


class Simulator:
    """One replication of one scenario under one policy.

    Parameters
    ----------
    scenario
        The plant.
    policy
        Called with every rescheduling instance; its plan is applied.
    seed, replication
        Identity of the random streams.
    check_invariants
        Evaluate every plan in full and check the state after every instance and every
        assembly batch (slow).
    on_instance
        Called as ``on_instance(index, instance, plan, changes)`` after each
        rescheduling instance (used to capture instances to files).
    demand, draws
        Replace the drawn demand or disruption outcomes (for hand-made test cases);
        ``draws`` needs the methods of :class:`DisruptionDraws`.
    max_batch_h
        Longest stretch of time handled as one batch (default and upper limit:
        ``min_m f * L_m``). Smaller values only cost time; the output is the same.
    options
        Replace the drawn ``(n_orders, O)`` order options (hand-made test cases).

    Attributes
    ----------
    instances
        One dict per rescheduling instance (see :data:`jisopt.sim.metrics.INSTANCE_COLUMNS`).
    events
        One tuple per drawn event: ``(order id the part was made for, supplier, attempt,
        kind, delay_h, production start, holder at the draw)``.
    """

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        seed: int,
        replication: int,
        *,
        check_invariants: bool = False,
        on_instance: InstanceHook | None = None,
        demand: Demand | None = None,
        draws: DisruptionDraws | None = None,
        max_batch_h: float | None = None,
        options: np.ndarray | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.seed = seed
        self.replication = replication
        self.check_invariants = check_invariants
        self.on_instance = on_instance
        if demand is None:
            demand = draw_demand(scenario, seed, replication)
        if draws is None:
            draws = DisruptionDraws(scenario, seed, replication, demand.n_orders)
        self.draws = draws
        self._max_attempts = scenario.max_attempts  # a derived figure (not a stored field)
        self.takt_h = scenario.takt_h
        self.end_h = scenario.duration_h
        self.lead_time_h = [float(x) for x in scenario.lead_times_h]
        self.n_suppliers = len(self.lead_time_h)
        self.supplier_names = scenario.supplier_names
        monitoring = scenario.monitoring
        self.monitoring = monitoring.enabled and monitoring.point < 1.0
        point = monitoring.point if self.monitoring else 1.0
        self.known_after_h = [point * lt for lt in self.lead_time_h]
        self.max_batch_h = min(self.known_after_h) if max_batch_h is None else min(
            max_batch_h, min(self.known_after_h))
        # The nominal order of the suppliers at one instant (docs/model.md); outcomes do
        # not depend on it, and _produce starts every supplier's parts in one pass.
        self.production_order = sorted(range(self.n_suppliers), key=lambda m: -self.lead_time_h[m])
        n_slots = math.ceil((self.end_h + scenario.otd_min_h) / self.takt_h) + _SLOT_MARGIN
        self.state = LineState(
            takt_h=self.takt_h,
            lead_time_h=np.asarray(scenario.lead_times_h, dtype=float),
            arrival_h=demand.arrival_h,
            due_h=demand.due_h,
            version=demand.version,
            n_slots=n_slots,
            options=draw_options(scenario, seed, replication, demand.n_orders)
            if options is None else np.asarray(options, dtype=bool),
        )
        self.ratio_rules = ratio_rules(scenario.options)
        self.option_names = tuple(spec.name for spec in scenario.options)
        self._heap: list[tuple[float, int, int, int]] = []
        self._next_production = [0] * self.n_suppliers  # first slot not started, per supplier
        self._assembled_to = 0  # slots before it are assembled (state.next_slot may be ahead)
        self._lead_h = np.asarray(self.lead_time_h, dtype=float)
        self._first_draws: tuple[np.ndarray] | None = None
        self._vob_low = 0
        self.instances: list[dict] = []
        # The rule none without swaps never changes the sequence: no instance is built for
        # it (unless instances are checked or handed to a hook).
        self._never_resequences = (
            isinstance(policy, RulePolicy) and policy.rule == "none" and not policy.swap
            and not check_invariants and on_instance is None)
        self.events: list[tuple[int, int, int, int, float, float, int]] = []

    # ---- main loop ---------------------------------------------------------------
    def run(self) -> None:
        """Simulate from the first planning epoch to the end of the run."""
        sc = self.scenario
        end, eps = self.end_h, TIME_TOLERANCE_H
        heap = self._heap
        lookahead_h = self.max_batch_h
        epoch = 0
        t = -sc.otd_min_h  # the first arrivals; nothing happens before the first epoch
        # A policy that never resequences never changes the sequence, so at a planning run
        # production can start at once for every slot up to the next planning epoch: the
        # heap then holds every event a stop needs (and events known later, which do not
        # change the choice of the next stop). Assembly waits for the next planning run;
        # whether a part is assembled at a stop follows from its slot. Outputs are the same.
        lazy = self._never_resequences
        produced_until = -math.inf
        while True:  # bounded: Scenario.run_size.stops + event instants (<= draw_rows), LIMITS
            t_epoch = -sc.frozen_zone_h + epoch * sc.planning_period_h
            t_next = min(t_epoch, end, t + lookahead_h)
            if heap and heap[0][0] < t_next:
                t_next = heap[0][0]
            t = t_next
            if t >= end - eps:
                self._produce(end - eps)
                self._assemble(end - eps)
                break
            planning = t_epoch <= t + eps
            if not lazy or planning or t + eps > produced_until:
                # Everything before t, and the production starts at t when no planning run
                # comes first (production and assembly of different slots do not interact).
                self._produce(t - eps if planning else t + eps)
                if planning or self.check_invariants:
                    self._assemble(t - eps)
                else:  # the batch's work waits for the next planning run (same outcome)
                    self._advance(t - eps)
                # (1) arrivals are read from the pre-drawn demand by the planner.
                if planning:  # (2), then (3)
                    self._plan(epoch, t)
                    epoch += 1
                    self._produce(t + eps)
                produced_until = t + eps
                if lazy:  # ahead, up to the next planning run (and never at the end)
                    ahead = min(-sc.frozen_zone_h + epoch * sc.planning_period_h, end) - eps
                    if ahead > produced_until:
                        self._produce(ahead)
                        produced_until = ahead
            if heap and heap[0][0] <= t + eps:  # (4)
                self._events(t)
            # (5) the slot starting at t is assembled in the next batch.

    # ---- (2) planning ------------------------------------------------------------
    def _plan(self, epoch: int, t: float) -> None:
        sc, state = self.scenario, self.state
        start = epoch * sc.planning_period_slots
        end = start + sc.planning_period_slots
        state.ensure_slots(end)
        arrived = int(np.searchsorted(state.arrival_h, t + TIME_TOLERANCE_H, side="right"))
        candidates = np.arange(self._vob_low, arrived)
        vob = candidates[state.slot[candidates] < 0]
        chosen = plan_period(state.sequence, state.slot, vob, state.due_h, start, end,
                             sc.planning_slack_every, options=state.options, rules=self.ratio_rules)
        state.first_slot[chosen] = state.slot[chosen]
        state.horizon_end = max(state.horizon_end, end)
        unscheduled = np.flatnonzero(state.slot[self._vob_low:arrived] < 0)
        self._vob_low += int(unscheduled[0]) if unscheduled.size else arrived - self._vob_low

    # ---- (3) production ------------------------------------------------------------
    def _produce(self, until_h: float) -> None:
        """Production starts at every slot whose call-off time is at most ``until_h``.

        All suppliers in one vectorised pass (the draws are keyed by order id, so the
        order of the suppliers does not change any outcome)."""
        state, takt = self.state, self.takt_h
        first = self._next_production
        n_seq = state.sequence.shape[0]
        ms: list[int] = []
        counts: list[int] = []
        ranges = []
        for m, lead in enumerate(self.lead_time_h):  # floor((until + L_m) / takt) + 1
            stop = math.floor((until_h + lead) / takt) + 1
            low = first[m]
            if stop > low:
                first[m] = stop
                count = min(stop, n_seq) - low
                if count > 0:
                    ms.append(m)
                    counts.append(count)
                    ranges.append(np.arange(low, low + count))
        if not ms:
            return
        slots = ranges[0] if len(ranges) == 1 else np.concatenate(ranges)
        m_all = np.array(ms, dtype=np.int64).repeat(counts)
        orders = state.sequence[slots]
        placed = (orders >= 0).nonzero()[0]
        if placed.size == 0:
            return
        if placed.size < orders.size:  # empty slots
            m_all, slots, orders = m_all[placed], slots[placed], orders[placed]
        pids = state.cell_part[orders, m_all]
        fresh = np.isnan(state.part_planned_h[pids]).nonzero()[0]  # else: a postponed order
        if fresh.size:
            if fresh.size < pids.size:
                m_all, pids, slots = m_all[fresh], pids[fresh], slots[fresh]
            lead_h = self._lead_h[m_all]
            self._start_first_attempts(m_all, pids, slots * takt - lead_h, lead_h)

    def _start_first_attempts(self, ms: np.ndarray, pids: np.ndarray, start_h: np.ndarray,
                              lead_h: np.ndarray) -> None:
        """:meth:`_start_attempts` of attempt 0 for parts of several suppliers ``ms``
        (``lead_h``: their lead times)."""
        if self._first_draws is None:
            arrays = [self.draws.arrays(m, 0) for m in range(self.n_suppliers)]
            # per part id (order * M + supplier): its attempt 0 has an event
            self._first_draws = ((np.stack([k for k, _ in arrays]) != NO_EVENT).T.ravel(),)
        drawn = self._first_draws[0]
        self._mark_started(pids, ms, 0, start_h, start_h + lead_h)
        for i in drawn[pids].nonzero()[0].tolist():
            self._drawn_event(int(ms[i]), int(pids[i]), 0, float(start_h[i]))

    def _start_attempts(self, m: int, pids: np.ndarray, attempt: int, start_h: np.ndarray) -> None:
        """Start production attempt ``attempt`` of supplier ``m``'s parts and draw outcomes."""
        self._mark_started(pids, m, attempt, start_h, start_h + self.lead_time_h[m])
        kinds = self.draws.arrays(m, attempt)[0]
        made_for = pids // self.n_suppliers
        for i in (kinds[made_for] != NO_EVENT).nonzero()[0].tolist():
            self._drawn_event(m, int(pids[i]), attempt, float(start_h[i]))

    def _mark_started(self, pids: np.ndarray, ms: np.ndarray | int, attempt: int,
                      start_h: np.ndarray, planned_h: np.ndarray) -> None:
        """Parts ``pids`` (of suppliers ``ms``) start attempt ``attempt`` at ``start_h``; each
        is planned, known and truly ready at ``planned_h`` until its draw says otherwise."""
        state = self.state
        state.part_attempt[pids] = attempt
        state.part_start_h[pids] = start_h
        state.part_planned_h[pids] = planned_h
        state.part_known_h[pids] = planned_h
        state.part_true_h[pids] = planned_h
        owners = state.part_owner[pids]
        state.order_started[owners, ms] = True
        state.has_started[owners] = True

    def _drawn_event(self, m: int, pid: int, attempt: int, start: float) -> None:
        """Record the event drawn for part ``pid``'s attempt started at ``start``."""
        state = self.state
        d = pid // self.n_suppliers
        kind, delay_h = self.draws.outcome(d, m, attempt)
        owner = int(state.part_owner[pid])
        if kind == DELAY:
            state.part_true_h[pid] = start + self.lead_time_h[m] + delay_h
            state.delay_events[owner] += 1
        else:
            state.part_true_h[pid] = math.inf
            state.failure_events[owner] += 1
        self.events.append((d, m, attempt, kind, delay_h, start, owner))
        if self.monitoring:
            heapq.heappush(self._heap, (start + self.known_after_h[m], PHASE_EVENTS, pid, attempt))

    # ---- (4) events that become known --------------------------------------------
    def _events(self, t: float) -> None:
        state, heap, takt = self.state, self._heap, self.takt_h
        freeze_h = self.scenario.line_freeze_h
        disruptions: list[tuple[int, int, int]] = []
        # Bounded: every push here is a reproduction, known f·L_m >= 1 s later (a later
        # instant), and each part has at most Scenario.max_attempts attempts.
        # Slots before this one are assembled by now (also when the batch is deferred).
        open_slot = math.floor((t - TIME_TOLERANCE_H) / takt) + 1
        while heap and heap[0][0] <= t + TIME_TOLERANCE_H:
            known_h, _, pid, attempt = heapq.heappop(heap)
            if (state.part_done[pid] or state.part_attempt[pid] != attempt
                    or state.slot[state.part_owner[pid]] < open_slot):
                continue
            m = pid % self.n_suppliers
            if state.part_true_h[pid] == math.inf:
                kind = FAILURE  # the reproduction starts at once
                if attempt + 1 >= self._max_attempts:  # bounds the reproductions
                    raise attempt_limit_error(self.supplier_names[m], attempt + 1)
                self._start_attempts(m, np.array([pid]), attempt + 1, np.array([known_h]))
            else:
                kind = DELAY
                state.part_known_h[pid] = state.part_true_h[pid]
            o = int(state.part_owner[pid])
            start_h = float(state.slot[o] * takt)
            # is_later(known, start) and is_not_earlier(start, t + freeze), on floats
            if (float(state.part_known_h[pid]) > start_h + TIME_TOLERANCE_H
                    and start_h >= t + freeze_h - TIME_TOLERANCE_H):
                disruptions.append((o, m, kind))
        if disruptions:
            self._resequence(t, disruptions)

    def _resequence(self, t: float, disruptions: list[tuple[int, int, int]]) -> None:
        state = self.state
        index = len(self.instances)
        if self._never_resequences:
            self._record_unchanged(t, disruptions)
            return
        instance = build_instance(state, t, self.scenario.line_freeze_h, self.supplier_names,
                                  disruptions, name=f"{self.scenario.name} t={t:g}h #{index}",
                                  option_names=self.option_names, ratio_rules=self.ratio_rules)
        plan = self.policy(instance)
        changes = plan_changes(instance, plan)
        feasible = math.nan
        if self.check_invariants:
            evaluation = evaluate(instance, plan)
            check_plan(instance, plan, evaluation)
            feasible = float(evaluation.feasible)
        record = {
            "time_h": t,
            "orders": instance.n_orders,
            "disrupted_orders": instance.n_disrupted,
            "events": len(disruptions),
            "reschedules": changes.reschedules,
            "changed_unstarted": changes.changed_unstarted,
            "swaps": changes.swaps,
            "inversions": sum(changes.inversions.tolist()),
            "decision_time_s": plan.runtime_s,
            "feasible": feasible,
            SUPPLIER_INVERSIONS: changes.inversions,
        }
        rescheduled = instance.order_id[changes.rescheduled_rows]
        if self.on_instance is not None:
            instance.materialize()  # the hook keeps a copy: later changes must not reach it
            apply_plan(state, instance, plan)
            state.reschedules[rescheduled] += 1
            self.instances.append(record)
            self.on_instance(index, instance, plan, changes)
        else:
            target = PlanTarget.of(instance)
            alive = weakref.ref(instance)
            del instance
            kept = alive()
            if kept is not None:  # the policy kept the instance: freeze its deferred arrays
                kept.materialize()
                del kept
            new = np.asarray(plan.slot)
            every_placed = new.size == 0 or int(new.min()) >= 0  # then plan_changes' moved rows
            _apply_plan(state, target, plan, changes.moved_rows if every_placed else None)
            state.reschedules[rescheduled] += 1
            self.instances.append(record)
        if self.check_invariants:
            check_state(state)

    def _record_unchanged(self, t: float, disruptions: list[tuple[int, int, int]]) -> None:
        """The instance log row of a policy that never changes the sequence (``none``),
        without building the instance: no moves, no swaps, decision time 0."""
        self.instances.append({
            "time_h": t,
            "orders": window_orders(self.state, math.floor((t - TIME_TOLERANCE_H) / self.takt_h) + 1),
            "disrupted_orders": len({o for o, _, _ in disruptions}),
            "events": len(disruptions),
            "reschedules": 0,
            "changed_unstarted": 0,
            "swaps": 0,
            "inversions": 0,
            "decision_time_s": 0.0,
            "feasible": math.nan,
            SUPPLIER_INVERSIONS: np.zeros(self.n_suppliers, dtype=np.int64),
        })

    # ---- (5) assembly ------------------------------------------------------------
    def _advance(self, until_h: float) -> None:
        """Mark every slot that starts at most at ``until_h`` as assembled; the batch's
        work is done by the next :meth:`_assemble`.

        The outcome of an assembly does not depend on when it is computed: slots before
        ``next_slot`` never change their order, no part of such an order is swapped, and
        events that become known later for its parts are ignored (``_events``)."""
        stop = math.floor(until_h / self.takt_h) + 1
        if stop > self.state.next_slot:
            self.state.next_slot = stop

    def _assemble(self, until_h: float) -> None:
        """Assemble every slot that starts at most at ``until_h``."""
        state, takt = self.state, self.takt_h
        first = self._assembled_to
        stop = math.floor(until_h / takt) + 1
        if stop <= first:
            return
        self._assembled_to = stop
        state.next_slot = max(state.next_slot, stop)
        window = state.sequence[first:min(stop, state.sequence.shape[0])]
        idx = np.flatnonzero(window >= 0)  # empty slots are idle takts
        if idx.size == 0:
            return
        orders = window[idx]
        start_h = (first + idx) * takt
        parts = np.take(state.cell_part, orders, axis=0)
        arrival = state.part_true_h[parts]
        for i, m in np.argwhere(np.isinf(arrival)).tolist():
            arrival[i, m] = self._final_arrival(int(parts[i, m]))
        missing = is_later(arrival, start_h[:, None])
        rework = np.asarray(missing.any(axis=1))
        last_missing = np.where(missing, arrival, -np.inf).max(axis=1)
        state.assembled[orders] = True
        state.slot_start_h[orders] = start_h
        state.rework[orders] = rework
        state.completion_h[orders] = np.where(
            rework, np.maximum(start_h + takt, last_missing + self.scenario.rework_h), start_h + takt)
        waiting = np.where(missing, 0.0, np.maximum(start_h[:, None] - arrival, 0.0))
        state.stock_component_h[orders] = waiting.sum(axis=1)
        state.part_done[parts] = True
        if self.check_invariants:
            self._check_assembled(orders, start_h, parts, rework)

    def _final_arrival(self, pid: int) -> float:
        """True arrival of a failed part, following its reproductions to the end."""
        state = self.state
        made_for, m = divmod(pid, self.n_suppliers)
        lead = self.lead_time_h[m]
        owner = int(state.part_owner[pid])
        start_h = float(state.part_start_h[pid])
        # bounded: attempts 0 .. Scenario.max_attempts - 1, the most a scenario allows
        for attempt in range(int(state.part_attempt[pid]) + 1, self._max_attempts):
            start_h += self.known_after_h[m]  # the failure is known: reproduction starts
            kind, delay_h = self.draws.outcome(made_for, m, attempt)
            if kind == NO_EVENT:
                return start_h + lead
            self.events.append((made_for, m, attempt, kind, delay_h, start_h, owner))
            if kind == DELAY:
                state.delay_events[owner] += 1
                return start_h + lead + delay_h
            state.failure_events[owner] += 1
        raise attempt_limit_error(self.supplier_names[m], self._max_attempts)

    def _check_assembled(self, orders: np.ndarray, start_h: np.ndarray, parts: np.ndarray,
                         rework: np.ndarray) -> None:
        state = self.state
        never = np.isnan(state.part_planned_h[parts]).any(axis=1)
        if never.any():
            raise SimulationInvariantError(
                f"order {orders[never][0]} assembled with a component that never started")
        okay = ~rework
        late = is_later(state.part_true_h[parts[okay]], start_h[okay, None]).any(axis=1)
        late |= is_later(state.part_known_h[parts[okay]], start_h[okay, None]).any(axis=1)
        if late.any():
            raise SimulationInvariantError(
                f"order {orders[okay][late][0]} counted okay with a part not ready at its slot")
        check_state(state)
