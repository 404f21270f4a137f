"""Random streams of one replication: demand and disruption draws.

Every stream is derived from ``numpy.random.SeedSequence(seed, spawn_key=(replication,
stream, supplier, attempt))`` and consumed only through ``Generator.random``, one row of
uniforms per order id, in order id order. Order ids are assigned in arrival order, which
no policy can change, so the draws of an order depend only on (seed, replication, order
id, supplier, attempt): every policy sees the identical disruption stream (common random
numbers), and the streams do not depend on the process that runs the replication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jisopt.errors import JisoptError
from jisopt.instance import DELAY, FAILURE
from jisopt.scenario import Scenario

__all__ = [
    "MAX_SEED",
    "NO_EVENT",
    "STREAM_DEMAND",
    "STREAM_DISRUPTION",
    "STREAM_OPTIONS",
    "AttemptLimitError",
    "Demand",
    "DisruptionDraws",
    "attempt_limit_error",
    "draw_demand",
    "draw_options",
    "stream_generator",
]

STREAM_DEMAND = 0
"""Stream index of the order arrivals, due dates and versions."""
STREAM_DISRUPTION = 1
"""Stream index of the production outcomes (one stream per supplier and attempt)."""
STREAM_OPTIONS = 2
"""Stream index of the order options (one stream per option; its ``supplier`` key is the
option index)."""

NO_EVENT = -1
"""Outcome code of a production attempt without event (else ``DELAY`` or ``FAILURE``)."""

_DEMAND_CHUNK = 4096

MAX_SEED = 2**63 - 1
"""Largest root seed: seeds go into int64 table columns (``SeedSequence`` takes any
non-negative integer)."""


class AttemptLimitError(JisoptError):
    """A component failed every production attempt the scenario allows (``Scenario.max_attempts``)."""


def attempt_limit_error(supplier: str, attempts: int) -> AttemptLimitError:
    """The error when a component of ``supplier`` failed ``attempts`` attempts, the most allowed."""
    return AttemptLimitError(
        f"a component of supplier '{supplier}' failed {attempts} production attempts in a row, "
        f"the most this scenario allows (its reliabilities and failure_share make this less "
        f"likely than 1 in 1e6 per run; see Scenario.max_attempts)")


def stream_generator(seed: int, replication: int, stream: int, supplier: int = 0,
                     attempt: int = 0) -> np.random.Generator:
    """A fresh generator for one stream of one replication.

    Parameters
    ----------
    seed
        Root seed of the experiment (non-negative integer).
    replication
        Replication index.
    stream
        :data:`STREAM_DEMAND` or :data:`STREAM_DISRUPTION`.
    supplier, attempt
        Supplier index and production attempt (``0`` = first production) of a
        disruption stream; ``0`` for the demand stream.
    """
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be an integer in [0, 2**63 - 1], got {seed}")
    sequence = np.random.SeedSequence(int(seed), spawn_key=(int(replication), stream, supplier, attempt))
    return np.random.Generator(np.random.PCG64(sequence))


@dataclass(frozen=True)
class Demand:
    """The orders of one replication, indexed by order id (arrival order).

    Attributes
    ----------
    arrival_h, due_h
        ``(N,)`` arrival time and due date.
    version
        ``(N, M)`` component version per supplier.
    """

    arrival_h: np.ndarray
    due_h: np.ndarray
    version: np.ndarray

    @property
    def n_orders(self) -> int:
        """Number of orders drawn."""
        return int(self.arrival_h.shape[0])


def draw_demand(scenario: Scenario, seed: int, replication: int) -> Demand:
    """Poisson arrivals from ``-(frozen zone + planning period)`` to the end of the run.

    Each order uses one row of ``2 + M`` uniforms: interarrival time, due date, then one
    version per supplier. Due date = arrival + U[min, max factor] · OTD_min.
    """
    gen = stream_generator(seed, replication, STREAM_DEMAND)
    spec = scenario.demand
    start_h = -scenario.otd_min_h
    end_h = scenario.duration_h
    n_sup = len(scenario.suppliers)
    rows: list[np.ndarray] = []
    last_h = start_h
    # A-priori bound: the expected count (<= LIMITS["orders"]) plus a margin no Poisson
    # count exceeds in practice (40 standard deviations).
    expected = (end_h - start_h) / spec.mean_interarrival_h
    max_chunks = math.ceil((expected + 40.0 * math.sqrt(expected) + 64) / _DEMAND_CHUNK) + 1
    while last_h < end_h:
        if len(rows) >= max_chunks:
            raise JisoptError(f"order arrivals exceed {max_chunks * _DEMAND_CHUNK} orders "
                              f"(expected {expected:.0f})")
        chunk = gen.random((_DEMAND_CHUNK, 2 + n_sup))
        rows.append(chunk)
        last_h += float(-np.log1p(-chunk[:, 0]).sum()) * spec.mean_interarrival_h
    u = np.concatenate(rows)
    arrival = start_h + np.cumsum(-np.log1p(-u[:, 0]) * spec.mean_interarrival_h)
    n = int(np.searchsorted(arrival, end_h, side="left"))
    u, arrival = u[:n], arrival[:n]
    otd = scenario.otd_min_h
    due = arrival + otd * (spec.due_min_factor + (spec.due_max_factor - spec.due_min_factor) * u[:, 1])
    counts = np.array([s.versions for s in scenario.suppliers])
    version = np.minimum((u[:, 2:] * counts).astype(np.int64), counts - 1)
    return Demand(arrival, due, version)


class DisruptionDraws:
    """Production outcomes per (supplier, attempt), drawn lazily for every order id.

    The outcome of attempt ``a`` of supplier ``m``'s part made for order ``i`` uses row
    ``i`` of the stream ``(seed, replication, STREAM_DISRUPTION, m, a)``: three uniforms
    for event, kind and delay. With probability ``1 - r_m`` an event happens; it is a
    failure with probability ``failure_share``, else a delay from the truncated
    exponential.

    Parameters
    ----------
    scenario
        Reliabilities and the disruption distribution.
    seed, replication
        Stream identity.
    n_orders
        Number of order ids to draw for.
    """

    def __init__(self, scenario: Scenario, seed: int, replication: int, n_orders: int) -> None:
        self._seed = seed
        self._replication = replication
        self._n = n_orders
        self._reliability = [s.reliability for s in scenario.suppliers]
        self._spec = scenario.disruption
        self.max_attempts = scenario.max_attempts
        self._names = scenario.supplier_names
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def arrays(self, supplier: int, attempt: int) -> tuple[np.ndarray, np.ndarray]:
        """Outcome codes (:data:`NO_EVENT`, ``DELAY``, ``FAILURE``) and delays (h) per order id."""
        key = (supplier, attempt)
        if attempt >= self.max_attempts:  # bounds the attempts (and streams) of a run
            raise attempt_limit_error(self._names[supplier], attempt)
        if key not in self._cache:
            u = stream_generator(self._seed, self._replication, STREAM_DISRUPTION, supplier,
                                 attempt).random((self._n, 3))
            event = u[:, 0] < 1.0 - self._reliability[supplier]
            failure = u[:, 1] < self._spec.failure_share
            kind = np.where(event, np.where(failure, FAILURE, DELAY), NO_EVENT)
            delay = np.where(kind == DELAY, self._spec.delay_quantile_h(u[:, 2]), 0.0)
            self._cache[key] = (kind.astype(np.int64), delay)
        return self._cache[key]

    def outcome(self, order_id: int, supplier: int, attempt: int) -> tuple[int, float]:
        """``(kind, delay_h)`` of one production attempt."""
        kind, delay = self.arrays(supplier, attempt)
        return int(kind[order_id]), float(delay[order_id])


def draw_options(scenario: Scenario, seed: int, replication: int, n_orders: int) -> np.ndarray:
    """``(n_orders, O)`` bool: the options of every order id.

    Option ``k`` of order ``i`` is ``u < share_k`` with ``u`` the ``i``-th uniform of the
    stream ``(seed, replication, STREAM_OPTIONS, k, 0)``: it depends only on (seed,
    replication, order id, option index), never on the policy, on the other options or
    on the demand and disruption streams (which it does not shift). Without options the
    array has no column.
    """
    out = np.zeros((n_orders, len(scenario.options)), dtype=bool)
    for k, spec in enumerate(scenario.options):
        u = stream_generator(seed, replication, STREAM_OPTIONS, k).random(n_orders)
        out[:, k] = u < spec.share
    return out
