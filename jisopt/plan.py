"""Plans: the new sequence a policy proposes for an instance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from jisopt.instance import Instance

if TYPE_CHECKING:
    from jisopt.policies.milp.result import SolveResult

__all__ = ["Plan", "Swap", "ready_after_swaps"]


@dataclass(frozen=True)
class Swap:
    """Exchange of two physical parts of one supplier between two orders.

    Attributes
    ----------
    row
        Row of the disrupted order X, which receives the partner's part.
    partner_row
        Row of the order Y that gives its (ready) part and receives X's late one.
    supplier
        Supplier index of the exchanged part.
    """

    row: int
    partner_row: int
    supplier: int


@dataclass(frozen=True, eq=False)
class Plan:
    """A policy's answer to an instance.

    Attributes
    ----------
    slot
        ``(n,)`` new slot of every order, aligned with the instance's rows
        (``-1``: the order was not placed).
    policy
        Name of the policy that produced it.
    swaps
        Component swaps applied before resequencing.
    runtime_s
        The policy's own decision time (wall clock, seconds).
    status
        ``"ok"`` for rules; solver status for exact methods.
    info
        Policy-specific details (bounds, solver statistics, ...), JSON-friendly.
    solver
        The exact model's typed outcome (:class:`~jisopt.policies.milp.result.SolveResult`:
        status, objective, bound, gap, message; ``summary()`` gives its text) for a plan of
        the exact policy; ``None`` for the rules and for plans read from a file.
    """

    slot: np.ndarray
    policy: str
    swaps: tuple[Swap, ...] = ()
    runtime_s: float = 0.0
    status: str = "ok"
    info: dict = field(default_factory=dict)
    solver: SolveResult | None = field(default=None, repr=False)

    def moved_rows(self, instance: Instance) -> np.ndarray:
        """Rows whose slot differs from the instance's."""
        return np.flatnonzero(self.slot != instance.slot)

    def ready_after_swaps(self, instance: Instance) -> np.ndarray:
        """``(n, M)`` ready times once the plan's swaps are carried out."""
        return ready_after_swaps(instance, self.swaps)


def ready_after_swaps(instance: Instance, swaps: Sequence[Swap]) -> np.ndarray:
    """``(n, M)`` ready times of ``instance`` once ``swaps`` are carried out (the
    instance's own array if there are none).

    A swap exchanges the two physical parts, so each order takes the other's ready time.
    """
    if not swaps:
        return instance.ready_h
    ready = instance.ready_h.copy()
    for s in swaps:
        x, y, m = s.row, s.partner_row, s.supplier
        ready[x, m], ready[y, m] = instance.ready_h[y, m], instance.ready_h[x, m]
    return ready
