"""The supply–assembly event simulator (MODEL.md §2).

A next-event loop over a few explicit sources: planning epochs, production starts per
supplier (slot ``s`` of supplier ``m`` at ``s * takt - L_m``), the moments disruptions
become known (a heap ordered by ``(time, phase, sequence number)``) and the assembly of
each slot. Times need not lie on the takt grid; happenings whose times agree within
``1e-9`` h form one instant, handled in MODEL.md's order: (1) arrivals, (2) planning,
(3) production starts and their draws (longest lead time first), (4) every event that
becomes known, as one rescheduling instance, (5) assembly of the slot starting now.
All randomness is pre-drawn per order id (:mod:`jisopt.sim.streams`).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

import numpy as np

from jisopt.evaluate import Evaluation, evaluate
from jisopt.instance import DELAY, FAILURE, Instance
from jisopt.objective import pair_terms
from jisopt.plan import Plan
from jisopt.policies.base import Policy
from jisopt.scenario import Scenario
from jisopt.sim.invariants import check_plan, check_state
from jisopt.sim.planner import plan_period
from jisopt.sim.snapshot import apply_plan, build_instance
from jisopt.sim.state import LineState
from jisopt.sim.streams import NO_EVENT, DisruptionDraws, draw_demand

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
"""Order of the things that happen at one instant (MODEL.md §2)."""

_EPS = 1e-9
_SLOT_MARGIN = 4096

InstanceHook = Callable[[int, Instance, Plan, Evaluation], None]


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
        Check the state after every instance and every assembly (slow).
    on_instance
        Called as ``on_instance(index, instance, plan, evaluation)`` after each
        rescheduling instance (used to capture instances to files).
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
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.check_invariants = check_invariants
        self.on_instance = on_instance
        demand = draw_demand(scenario, seed, replication)
        self.draws = DisruptionDraws(scenario, seed, replication, demand.n_orders)
        self.takt_h = scenario.takt_h
        self.end_h = scenario.days * 24.0
        self.lead_time_h = [float(x) for x in scenario.lead_times_h]
        self.n_suppliers = len(self.lead_time_h)
        self.supplier_names = scenario.supplier_names
        monitoring = scenario.monitoring
        self.monitoring = monitoring.enabled and monitoring.point < 1.0
        self.known_after_h = [
            (monitoring.point if self.monitoring else 1.0) * lt for lt in self.lead_time_h
        ]
        self.production_order = sorted(range(self.n_suppliers), key=lambda m: -self.lead_time_h[m])
        n_slots = math.ceil((self.end_h + scenario.otd_min_h) / self.takt_h) + _SLOT_MARGIN
        self.state = LineState(
            takt_h=self.takt_h,
            lead_time_h=np.asarray(scenario.lead_times_h, dtype=float),
            arrival_h=demand.arrival_h,
            due_h=demand.due_h,
            version=demand.version,
            n_slots=n_slots,
        )
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._counter = itertools.count()
        self._vob_low = 0
        self.instances: list[dict] = []

    # ---- main loop ---------------------------------------------------------------
    def run(self) -> None:
        """Simulate from the first planning epoch to the end of the run."""
        sc = self.scenario
        takt, end, eps = self.takt_h, self.end_h, _EPS
        lead = self.lead_time_h
        heap = self._heap
        state = self.state
        prod_slot = [0] * self.n_suppliers
        order = self.production_order
        epoch = 0
        while True:
            t_epoch = -sc.frozen_zone_h + epoch * sc.planning_period_h
            t_asm = state.next_slot * takt
            t = min(t_epoch, t_asm, min(prod_slot[m] * takt - lead[m] for m in order))
            if heap and heap[0][0] < t:
                t = heap[0][0]
            if t >= end - eps:
                break
            # (1) arrivals are read from the pre-drawn demand when the planner runs.
            if t_epoch <= t + eps:  # (2)
                self._plan(epoch, t)
                epoch += 1
            for m in order:  # (3)
                while prod_slot[m] * takt - lead[m] <= t + eps:
                    self._production_start(m, prod_slot[m])
                    prod_slot[m] += 1
            if heap and heap[0][0] <= t + eps:  # (4)
                self._events(t)
            if t_asm <= t + eps:  # (5)
                self._assemble(state.next_slot)

    # ---- (2) planning ------------------------------------------------------------
    def _plan(self, epoch: int, t: float) -> None:
        sc, state = self.scenario, self.state
        start = epoch * sc.planning_period_slots
        end = start + sc.planning_period_slots
        state.ensure_slots(end)
        arrived = int(np.searchsorted(state.arrival_h, t + _EPS, side="right"))
        candidates = np.arange(self._vob_low, arrived)
        vob = candidates[state.slot[candidates] < 0]
        chosen = plan_period(state.sequence, state.slot, vob, state.due_h, start, end,
                             sc.planning_slack_every)
        state.first_slot[chosen] = state.slot[chosen]
        state.horizon_end = max(state.horizon_end, end)
        unscheduled = np.flatnonzero(state.slot[self._vob_low:arrived] < 0)
        self._vob_low += int(unscheduled[0]) if unscheduled.size else arrived - self._vob_low

    # ---- (3) production ------------------------------------------------------------
    def _production_start(self, m: int, s: int) -> None:
        state = self.state
        if s >= state.sequence.shape[0]:
            return
        o = state.sequence[s]
        if o < 0:
            return
        pid = state.cell_part[o, m]
        if not math.isnan(state.part_planned_h[pid]):
            return  # postponed order: its part started at its earlier slot
        self._start_attempt(int(pid), 0, s * self.takt_h - self.lead_time_h[m])

    def _start_attempt(self, pid: int, attempt: int, start_h: float) -> None:
        """Start production attempt ``attempt`` of part ``pid`` and draw its outcome."""
        state = self.state
        made_for, m = divmod(pid, self.n_suppliers)
        planned = start_h + self.lead_time_h[m]
        state.part_attempt[pid] = attempt
        state.part_start_h[pid] = start_h
        state.part_planned_h[pid] = planned
        state.part_known_h[pid] = planned
        kind, delay_h = self.draws.outcome(made_for, m, attempt)
        if kind == NO_EVENT:
            state.part_true_h[pid] = planned
            return
        owner = state.part_owner[pid]
        if kind == DELAY:
            state.delay_events[owner] += 1
            state.part_true_h[pid] = planned + delay_h
        else:
            state.failure_events[owner] += 1
            state.part_true_h[pid] = math.inf
        if self.monitoring:
            heapq.heappush(self._heap, (start_h + self.known_after_h[m], PHASE_EVENTS,
                                        next(self._counter), pid, attempt))

    # ---- (4) events that become known --------------------------------------------
    def _events(self, t: float) -> None:
        state, heap, takt = self.state, self._heap, self.takt_h
        freeze_h = self.scenario.line_freeze_h
        disruptions: list[tuple[int, int, int]] = []
        while heap and heap[0][0] <= t + _EPS:
            known_h, _, _, pid, attempt = heapq.heappop(heap)
            if state.part_done[pid] or state.part_attempt[pid] != attempt:
                continue
            m = pid % self.n_suppliers
            if state.part_true_h[pid] == math.inf:
                kind = FAILURE
                self._start_attempt(pid, attempt + 1, known_h)  # reproduction starts at once
            else:
                kind = DELAY
                state.part_known_h[pid] = state.part_true_h[pid]
            o = int(state.part_owner[pid])
            start = state.slot[o] * takt
            if state.part_known_h[pid] > start + _EPS and start >= t + freeze_h - _EPS:
                disruptions.append((o, m, kind))
        if disruptions:
            self._resequence(t, disruptions)

    def _resequence(self, t: float, disruptions: list[tuple[int, int, int]]) -> None:
        state = self.state
        index = len(self.instances)
        instance = build_instance(state, t, self.scenario.line_freeze_h, self.supplier_names,
                                  disruptions, name=f"{self.scenario.name} t={t:g}h #{index}")
        plan = self.policy(instance)
        evaluation = evaluate(instance, plan)
        if self.check_invariants:
            check_plan(instance, plan, evaluation)
        moved = apply_plan(state, instance, plan)
        counted = 0
        if moved.size:
            # Per-order reschedules through the objective's own definition.
            flags = pair_terms(instance, moved, plan.slot[moved])["reschedules"] > 0
            rescheduled = instance.order_id[moved[flags]]
            state.reschedules[rescheduled] += 1
            counted = int(rescheduled.size)
        self.instances.append({
            "time_h": t,
            "orders": instance.n_orders,
            "disrupted_orders": instance.n_disrupted,
            "events": len(disruptions),
            "reschedules": evaluation.terms["reschedules"],
            "reschedules_counted": counted,
            "changed_unstarted": evaluation.kpis["changed_unstarted"],
            "swaps": evaluation.kpis["swaps"],
            "inversions": evaluation.kpis["inversions"],
            "total_delay_h": evaluation.terms["total_delay_h"],
            "decision_time_s": plan.runtime_s,
            "feasible": evaluation.feasible,
        })
        if self.on_instance is not None:
            self.on_instance(index, instance, plan, evaluation)
        if self.check_invariants:
            check_state(state)

    # ---- (5) assembly ------------------------------------------------------------
    def _assemble(self, k: int) -> None:
        state = self.state
        state.next_slot = k + 1
        o = state.sequence[k] if k < state.sequence.shape[0] else -1
        if o < 0:
            return  # an idle takt
        start = k * self.takt_h
        parts = state.cell_part[o]
        arrivals = [self._final_arrival(int(p)) for p in parts]
        missing = [a for a in arrivals if a > start + _EPS]
        state.assembled[o] = True
        state.slot_start_h[o] = start
        state.stock_component_h[o] = sum(start - a for a in arrivals if a < start)
        if missing:
            state.rework[o] = True
            state.completion_h[o] = max(start + self.takt_h, max(missing) + self.scenario.rework_h)
        else:
            state.completion_h[o] = start + self.takt_h
        state.part_done[parts] = True
        if self.check_invariants:
            assert not np.isnan(state.part_planned_h[parts]).any(), (
                f"order {o} assembled at slot {k} with a component that never started")
            assert missing or max(arrivals) <= start + _EPS

    def _final_arrival(self, pid: int) -> float:
        """True arrival of a part, following its reproductions to the end."""
        state = self.state
        true_h = state.part_true_h[pid]
        if true_h != math.inf:
            return float(true_h)
        made_for, m = divmod(pid, self.n_suppliers)
        lead = self.lead_time_h[m]
        owner = state.part_owner[pid]
        attempt = int(state.part_attempt[pid])
        start = float(state.part_start_h[pid])
        while True:
            start += self.known_after_h[m]  # the failure is known: reproduction starts
            attempt += 1
            kind, delay_h = self.draws.outcome(made_for, m, attempt)
            if kind == NO_EVENT:
                return start + lead
            if kind == DELAY:
                state.delay_events[owner] += 1
                return start + lead + delay_h
            state.failure_events[owner] += 1
