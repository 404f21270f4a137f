"""Solve status and result of the exact reinsertion model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from jisopt.errors import printable
from jisopt.plan import Plan

__all__ = ["SolveResult", "SolveStatus", "solver_summary"]


class SolveStatus(StrEnum):
    """Outcome of one exact solve.

    ``OPTIMAL``: proven optimal (within the relative gap); ``FEASIBLE``: the time
    limit stopped the solver with an incumbent; ``INFEASIBLE``: the model has no
    solution (a property of the instance and the settings); ``TIME_LIMIT_NO_SOLUTION``:
    the time limit stopped the solver before it found any plan; ``ERROR``: the
    solver failed.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """The model returned a plan of its own (optimal or an incumbent)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveResult:
    """The result of :func:`jisopt.policies.milp.solve_exact`.

    Attributes
    ----------
    status
        The :class:`SolveStatus`.
    plan
        The model's plan if ``status.has_solution``; the fallback rule's plan
        (``fallback`` names it) after a solver error or a time limit without
        any plan; ``None`` otherwise.
    objective
        Objective of the model's plan (in objective units; equals
        ``evaluate(instance, plan).objective(weights)``); ``None`` without a plan
        of the model, also when a fallback rule's plan is returned (its
        objective is ``stats["fallback_objective"]``).
    bound
        Best lower bound on the optimum proven by the solver (``None`` if none,
        and always ``None`` without a plan of the model).
    gap
        Relative gap ``(objective - bound) / max(|objective|, 1e-9)``; 0 when optimal.
    runtime_s
        Wall-clock time of the whole call (build, solve, diagnosis), seconds.
    method
        ``"fast"`` (assignment), ``"highs"`` (the array model for highspy, option
        relaxation first) or ``"pyomo"`` (the Pyomo reference model solved by HiGHS).
    warm_start_accepted
        Whether HiGHS accepted the best rule's plan as a start (``None``: no warm
        start was given, or the method takes none).
    message
        One readable sentence on what happened (time limit, infeasibility cause,
        fallback).
    fallback
        Name of the rule whose plan was returned instead of the model's, if any.
    diagnosis
        For infeasible models: which relaxation restores feasibility, e.g.
        ``{"soft_ratio": True, "no_bounds": False, "larger_K": False}``.
    stats
        Sizes and timings: ``window_orders``, ``window_slots``, ``pairs``,
        ``build_s``, ``solve_s``, ``warm_start_rule``, ``warm_start_objective``,
        ``fallback_objective``; with ratio rules on the ``highs`` path also the option
        relaxation's ``relaxation_pairs``, ``relaxation_tightenings``,
        ``relaxation_completion_pairs``, ``relaxation_bound`` and ``relaxation_s``.
    """

    status: SolveStatus
    plan: Plan | None
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    method: str
    warm_start_accepted: bool | None = None
    message: str = ""
    fallback: str | None = None
    diagnosis: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    def summary(self) -> str:
        """The text ``jisopt solve`` prints on this outcome (:func:`solver_summary`)."""
        return solver_summary(self.as_info())

    def as_info(self) -> dict:
        """JSON-friendly summary (what :class:`~jisopt.plan.Plan.info` carries)."""
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "solver_status": self.status.value,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "gap": num(self.gap),
            "method": self.method,
            "warm_start_accepted": self.warm_start_accepted,
            "message": self.message,
            "fallback": self.fallback,
            "diagnosis": dict(self.diagnosis),
            **self.stats,
        }


def larger_bound(a: float | None, b: float | None) -> float | None:
    """The larger of two lower bounds, either unknown (``None``)."""
    return b if a is None else a if b is None else max(a, b)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``(objective - bound) / max(|objective|, 1e-9)``, floored at 0."""
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return max(0.0, (objective - bound) / max(abs(objective), 1e-9))


@dataclass(frozen=True)
class PathOutcome:
    """What one solver path (fast or Pyomo) returns to :func:`solve_exact`.

    Attributes
    ----------
    status
        The path's status.
    chosen
        ``(n_window,)`` index of the chosen candidate pair per window order, if
        the path found a plan.
    objective, bound
        Objective of the plan and best bound, as the path computed them.
    warm_start_accepted
        See :class:`SolveResult`.
    message
        Path-specific explanation (empty if there is nothing to say).
    solve_s
        Time spent in the solver proper, seconds.
    """

    status: SolveStatus
    chosen: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    warm_start_accepted: bool | None = None
    message: str = ""
    solve_s: float = 0.0


def solver_summary(info: Mapping[str, Any]) -> str:
    """The text on the exact model's outcome that ``jisopt solve`` prints, from
    :meth:`SolveResult.as_info` (also a plan's ``info``): status, method, objective, bound,
    gap, warm start and the message; after a fallback, whose plan it is."""
    def fmt(x: float | None, empty: str = "-") -> str:
        return empty if x is None else f"{x:g}"

    if info.get("fallback") is not None and info["solver_status"] != "infeasible":
        text = (f"solver     {info['solver_status']} ({info['method']}): no plan of the model "
                f"(objective, bound and gap empty); the plan is the {info['fallback']} rule's")
    else:
        unknown = "unknown" if info["solver_status"] == "feasible" else "-"
        text = (f"solver     {info['solver_status']} ({info['method']}): objective "
                f"{fmt(info['objective'])}, bound {fmt(info['bound'], unknown)}, "
                f"gap {fmt(info['gap'], unknown)}")
    if info.get("warm_start_accepted") is not None:
        text += f", warm start {'accepted' if info['warm_start_accepted'] else 'rejected'}"
    if info.get("message"):
        text += f"\n           {printable(info['message'])}"
    return text
