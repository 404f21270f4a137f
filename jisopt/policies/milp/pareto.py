"""The Pareto front of total delay against reschedules for one instance.

Two methods:

* ``weights`` (default): supported points by the dichotomic weight method.
  Each solve minimises ``total_delay_h + λ · reschedules`` (plus the fixed other
  terms of ``base``) exactly — on the fast path without ratio rules. Starting
  from the two lexicographic extremes, each pair of neighbours ``A, B`` gives
  ``λ = (delay_B − delay_A) / (resch_A − resch_B)``; a solution strictly below the
  segment is a new point between them. This finds every extreme supported point.
* ``epsilon``: the complete front by the epsilon-constraint method. The weight
  sweep runs first; then for ``ε`` from the reschedules of the least-delay plan
  down to the fewest, minimise delay subject to at most ``ε`` reschedules (the
  Pyomo model with one more constraint). An ``ε`` equal to a swept point's
  reschedules takes that point without a solve, and a solve whose plan has
  ``r < ε`` reschedules answers every ``ε`` down to ``r``. Slower; it also finds
  unsupported points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.policies.milp.result import SolveStatus
from jisopt.policies.milp.solve import WARM_START_RULES, solve_exact
from jisopt.policies.rules import RulePolicy
from jisopt.weights import Weights

__all__ = ["PARETO_METHODS", "ParetoFront", "pareto_front"]

PARETO_METHODS = ("weights", "epsilon")

_SMALL = 1e-6  # weight of the second criterion in a lexicographic extreme
_LARGE = 1e6


@dataclass(frozen=True)
class ParetoFront:
    """Non-dominated plans of one instance, and the rules' plans for comparison.

    Attributes
    ----------
    points
        One row per front point, by ascending reschedules: ``total_delay_h``,
        ``reschedules``, the other objective terms, ``status`` and the method's
        parameter (``lambda`` or ``epsilon``).
    rules
        One row per rule (step, leap, dynamic, ontime): its terms and ``feasible``.
    plans
        The front's plans, aligned with ``points``.
    message
        Notes (a time limit, an infeasible instance).
    failure
        Without a front, the status of the extreme solve that gave no plan:
        ``infeasible`` (the model has no feasible plan), ``error`` (the solver
        failed) or ``time_limit_no_solution``; empty with a front.
    """

    points: pd.DataFrame
    rules: pd.DataFrame
    plans: tuple[Plan, ...] = field(default=(), repr=False)
    message: str = ""
    failure: str = ""
    interrupted: bool = False


def _weights(base: Weights, reschedules: float, delay: float = 1.0) -> Weights:
    """``base`` with the weights of delay and reschedules replaced."""
    return replace(base, delay=delay, reschedules=reschedules)


def _row(instance: Instance, plan: Plan, constraints: dict[str, Any], **extra: Any) -> dict[str, Any]:
    ev = evaluate(instance, plan, **constraints)
    return {**ev.terms, "feasible": ev.feasible, **extra}


def pareto_front(
    instance: Instance,
    *,
    method: str = "weights",
    base: Weights | None = None,
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    time_limit_s: float = 60.0,
    max_points: int = 100,
    progress: bool | None = False,
) -> ParetoFront:
    """Trace the front of total delay (h) against reschedules.

    Parameters
    ----------
    instance
        The snapshot.
    method
        ``weights`` (supported points, fast) or ``epsilon`` (every point, MILP).
    base
        Weights of the other terms (displacement, stock, idle, ratio), held fixed;
        its ``delay`` and ``reschedules`` are not used. Default: all zero except ratio 1.
    max_later_slots, enforce_bounds
        As in :func:`~jisopt.policies.milp.solve_exact`.
    time_limit_s
        Per solve (Pyomo path).
    max_points
        Stop after this many solves.
    progress
        Progress bar of the solves on stderr (``None``: when stderr is a terminal).

    An interrupt (``KeyboardInterrupt``) after the two extremes ends the trace: the
    front of the solves done is returned with ``interrupted`` set.

    Raises
    ------
    InputError
        On an unknown method or ``max_points < 2``.
    """
    if method not in PARETO_METHODS:
        raise InputError(f"unknown method (methods: {', '.join(PARETO_METHODS)})", field="method",
                         value=method)
    if max_points < 2:
        raise InputError("need at least 2 points", field="max_points", value=max_points)
    base = base or Weights(delay=0.0, reschedules=0.0)
    constraints: dict[str, Any] = {"max_later_slots": max_later_slots, "enforce_bounds": enforce_bounds}
    opts: dict[str, Any] = dict(max_later_slots=max_later_slots, enforce_bounds=enforce_bounds,
                                time_limit_s=time_limit_s, diagnose=False, fallback=None)
    rules = pd.DataFrame([
        {"rule": r, **_row(instance, RulePolicy(r)(instance), constraints)} for r in WARM_START_RULES
    ])
    found: dict[tuple[float, float], tuple[dict, Plan]] = {}
    notes: list[str] = []
    failures: list[str] = []

    def solve(weights: Weights, **extra: Any) -> tuple[float, float] | None:
        result = solve_exact(instance, weights, **opts, **extra)
        if not result.status.has_solution:
            notes.append(f"{extra or weights}: {result.status.value} {result.message}".strip())
            failures.append(result.status.value)
            return None
        if result.status == SolveStatus.FEASIBLE:
            notes.append(f"{extra or weights}: time limit, point may be dominated")
        assert result.plan is not None  # a status with a solution has its plan
        tag = {"epsilon": extra["max_reschedules"]} if extra else {}
        row = _row(instance, result.plan, constraints, status=result.status.value, **tag)
        key = (row["total_delay_h"], row["reschedules"])
        found.setdefault(key, (row, result.plan))
        return key

    least_delay = solve(_weights(base, _SMALL))
    fewest = solve(_weights(base, 1.0, delay=_SMALL))
    if least_delay is None or fewest is None:
        # a solver failure is not infeasibility: report it unless every failure was infeasible
        failure = next((f for f in failures if f != SolveStatus.INFEASIBLE.value),
                       SolveStatus.INFEASIBLE.value)
        return ParetoFront(pd.DataFrame(), rules, (), "; ".join(notes), failure)
    n_solves = 2
    interrupted = False
    bar = _progress(method, max_points, progress)
    bar.update(2)
    try:
        for key in (least_delay, fewest):
            found[key][0]["lambda"] = _SMALL if key == least_delay else _LARGE
        segments = [(least_delay, fewest)]
        while segments and n_solves < max_points:
            a, b = segments.pop()
            if a[1] - b[1] <= 0 or b[0] - a[0] <= 0:
                continue
            lam = (b[0] - a[0]) / (a[1] - b[1])
            c = solve(_weights(base, lam))
            n_solves += 1
            bar.update(1)
            if c is None:
                continue
            found[c][0].setdefault("lambda", lam)
            if c[0] + lam * c[1] < a[0] + lam * a[1] - 1e-9 * max(1.0, abs(a[0] + lam * a[1])):
                segments += [(a, c), (c, b)]
        if method == "epsilon":
            # The sweep's points are Pareto-optimal: at eps = a point's reschedules the least
            # delay is that point's, so only the eps between them need a solve; and a solve
            # whose plan has r <= eps reschedules answers every eps in [r, eps].
            supported = {round(k[1]): k for k in found if "lambda" in found[k][0]}
            hi, lo = round(least_delay[1]), round(fewest[1])
            found[least_delay][0]["epsilon"] = hi
            eps = hi - 1
            while eps >= lo:
                if eps in supported:
                    found[supported[eps]][0].setdefault("epsilon", eps)
                    eps -= 1
                    continue
                if n_solves >= max_points:
                    notes.append(f"stopped after {max_points} solves")
                    break
                c = solve(_weights(base, _SMALL), max_reschedules=eps)
                n_solves += 1
                bar.update(1)
                eps = min(eps, round(c[1])) - 1 if c is not None else eps - 1
    except KeyboardInterrupt:
        interrupted = True
        notes.append(f"interrupted after {n_solves} solves: partial front")
    finally:
        bar.close()
    rows = sorted(_non_dominated([r for r, _ in found.values()]),
                  key=lambda r: (r["reschedules"], r["total_delay_h"]))
    plan_of = {id(r): p for r, p in found.values()}
    return ParetoFront(pd.DataFrame(rows), rules, tuple(plan_of[id(r)] for r in rows), "; ".join(notes),
                       interrupted=interrupted)


def _progress(method: str, max_points: int, enabled: bool | None) -> Any:
    """A progress bar of the solves on stderr (default: when stderr is a terminal)."""
    import sys

    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=max_points, disable=not enabled, unit="solve", desc=f"pareto {method}",
                file=sys.stderr, dynamic_ncols=True)


def _non_dominated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows not dominated in (total_delay_h, reschedules), one per distinct point."""
    out: list[dict[str, Any]] = []
    for r in rows:
        d, n = r["total_delay_h"], r["reschedules"]
        dominated = any(
            (o["total_delay_h"] <= d + 1e-9 and o["reschedules"] <= n + 1e-9)
            and (o["total_delay_h"] < d - 1e-9 or o["reschedules"] < n - 1e-9)
            for o in rows
        )
        if not dominated and not any(math.isclose(o["total_delay_h"], d) and o["reschedules"] == n
                                     for o in out):
            out.append(r)
    return out
