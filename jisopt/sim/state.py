"""The simulator's state as arrays: orders, the sequence and the physical parts.

Orders are indexed by order id (arrival order). Every physical part has a fixed id
``pid = order * M + supplier`` of the order it was made for (its disruption draws use
that order id and the part's attempt count); ``cell_part[order, supplier]`` says which
part an order currently holds. A component swap exchanges two cells, so a part keeps
its ready time and its future draws when it changes hands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LineState"]


@dataclass
class LineState:
    """Mutable state of one replication.

    Attributes
    ----------
    takt_h, lead_time_h
        Takt and ``(M,)`` lead times.
    arrival_h, due_h, version
        Demand per order id.
    options
        ``(N, O)`` bool: the options of every order id (``O = 0`` without options;
        ``None`` on construction means none).
    slot
        Current slot per order (``-1``: in the virtual order bank).
    first_slot
        Slot of the first frozen plan (``-1``: never planned).
    assembled, rework, completion_h, slot_start_h
        Outcome of assembled orders.
    reschedules, changed_unstarted, swaps_received
        Per order: instances that rescheduled it (slot change with a started
        component), moved it before any component had started, gave it a swapped part.
    delay_events, failure_events
        Per order: events drawn on a part while the order held it.
    stock_component_h
        Component-hours the order's parts waited beyond plan before assembly.
    sequence
        Slot -> order id (``-1``: empty).
    horizon_end
        First slot after the planned horizon (and after every order pushed beyond it).
    next_slot
        First slot not yet assembled.
    cell_part
        ``(N, M)`` part held by each order for each supplier.
    part_owner, part_attempt, part_start_h, part_planned_h, part_known_h, part_true_h, part_done
        Per part: holder, current attempt (0 = first production), production start and
        planned delivery of the current attempt (``nan`` before the first start), the
        ready time known to the plant, the true ready time of the current attempt
        (``inf`` for a failed attempt whose reproduction has not started), and whether the
        part has been assembled.
    order_started, has_started
        ``(N, M)`` per order and supplier: the part it holds has started production; and per
        order: any of them has (an instance's ``started`` and ``has_started``, kept up to
        date so that instances need not gather them).
    """

    takt_h: float
    lead_time_h: np.ndarray
    arrival_h: np.ndarray
    due_h: np.ndarray
    version: np.ndarray
    n_slots: int
    options: np.ndarray | None = None
    slot: np.ndarray = field(init=False)
    first_slot: np.ndarray = field(init=False)
    assembled: np.ndarray = field(init=False)
    rework: np.ndarray = field(init=False)
    completion_h: np.ndarray = field(init=False)
    slot_start_h: np.ndarray = field(init=False)
    reschedules: np.ndarray = field(init=False)
    changed_unstarted: np.ndarray = field(init=False)
    swaps_received: np.ndarray = field(init=False)
    delay_events: np.ndarray = field(init=False)
    failure_events: np.ndarray = field(init=False)
    stock_component_h: np.ndarray = field(init=False)
    sequence: np.ndarray = field(init=False)
    horizon_end: int = 0
    next_slot: int = 0
    cell_part: np.ndarray = field(init=False)
    part_owner: np.ndarray = field(init=False)
    part_attempt: np.ndarray = field(init=False)
    part_start_h: np.ndarray = field(init=False)
    part_planned_h: np.ndarray = field(init=False)
    part_known_h: np.ndarray = field(init=False)
    part_true_h: np.ndarray = field(init=False)
    part_done: np.ndarray = field(init=False)
    order_started: np.ndarray = field(init=False)
    has_started: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.arrival_h.shape[0]
        n_sup = self.lead_time_h.shape[0]
        if self.options is None:
            self.options = np.zeros((n, 0), dtype=bool)
        self.slot = np.full(n, -1, dtype=np.int64)
        self.first_slot = np.full(n, -1, dtype=np.int64)
        self.assembled = np.zeros(n, dtype=bool)
        self.rework = np.zeros(n, dtype=bool)
        self.completion_h = np.full(n, np.nan)
        self.slot_start_h = np.full(n, np.nan)
        self.reschedules = np.zeros(n, dtype=np.int64)
        self.changed_unstarted = np.zeros(n, dtype=np.int64)
        self.swaps_received = np.zeros(n, dtype=np.int64)
        self.delay_events = np.zeros(n, dtype=np.int64)
        self.failure_events = np.zeros(n, dtype=np.int64)
        self.stock_component_h = np.zeros(n)
        self.sequence = np.full(self.n_slots, -1, dtype=np.int64)
        self.cell_part = np.arange(n * n_sup, dtype=np.int64).reshape(n, n_sup)
        self.part_owner = np.repeat(np.arange(n, dtype=np.int64), n_sup)
        self.part_attempt = np.zeros(n * n_sup, dtype=np.int64)
        self.part_start_h = np.full(n * n_sup, np.nan)
        self.part_planned_h = np.full(n * n_sup, np.nan)
        self.part_known_h = np.full(n * n_sup, np.nan)
        self.part_true_h = np.full(n * n_sup, np.nan)
        self.part_done = np.zeros(n * n_sup, dtype=bool)
        self.order_started = np.zeros((n, n_sup), dtype=bool)
        self.has_started = np.zeros(n, dtype=bool)

    @property
    def n_orders(self) -> int:
        """Number of order ids (arrived or to arrive)."""
        return int(self.arrival_h.shape[0])

    @property
    def n_suppliers(self) -> int:
        """Number of suppliers."""
        return int(self.lead_time_h.shape[0])

    def ensure_slots(self, last_slot: int) -> None:
        """Grow the sequence so that ``last_slot`` is a valid index."""
        if last_slot >= self.sequence.shape[0]:
            extra = max(last_slot + 1 - self.sequence.shape[0], self.sequence.shape[0] // 2)
            self.sequence = np.concatenate((self.sequence, np.full(extra, -1, dtype=np.int64)))
