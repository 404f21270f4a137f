"""Optimality gaps of the rules against the exact model, event by event.

For every rescheduling instance and every weighting, the plan of each rule
(step, leap, dynamic, ontime; no swap) is evaluated with
:func:`jisopt.evaluate.evaluate` (its feasibility under docs/model.md §5 and its
objective) and compared with the optimum of the exact model
(:func:`jisopt.policies.milp.solve_exact`; the assignment path when there are no
ratio rules). The objective of both plans comes from ``evaluate``, so the gap
measures plans, not solver bookkeeping.

Gap
    ``gap_abs = rule objective − optimum`` (objective units: the weighted sum of
    hours of delay, reschedules, ...), and ``gap_rel = gap_abs / max(optimum,
    RELATIVE_GAP_FLOOR)``. Both objectives cover every order of the instance,
    so the constant part (delay of orders the event does not touch) is in the
    denominator too. A difference within ``1e-9 · max(1, |optimum|)`` is
    floating-point noise and is reported as exactly 0. For a plan that is feasible
    under the model the gap is never negative (docs/model.md §5); a rule plan the
    model does not allow (``rule_feasible`` false) may cost less than the
    optimum, and its gap is reported as it is -- except a plan that breaks a hard
    ratio rule (``rule_hard_kept`` false, :func:`jisopt.ratio.hard_rules_kept`): it
    is not a comparison point, and its gaps are NaN.

Rules
    The plain rules (:data:`GAP_RULES`) and the ratio-aware ones (``ratio-step``, ...;
    :data:`COMPARABLE_RULES`); ``rule_status`` is the plan's status (``ok`` or
    ``ratio_infeasible``). With ratio rules the exact model is the Pyomo model with
    the same caps; ``exact_status`` other than ``optimal`` (a time limit per event,
    ``time_limit_s``) leaves the optimum NaN: the event is not proven optimal.

Sources of instances
    :func:`captured_instances` (the files ``jisopt simulate --capture DIR``
    writes) and :func:`simulated_instances` (one replication, instances kept in
    memory through the simulator's ``on_instance`` hook).

``jisopt gaps`` is the command line of this module.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jisopt.errors import InputError
from jisopt.evaluate import Evaluation, evaluate
from jisopt.instance import Instance
from jisopt.objective import Weights
from jisopt.plan import Plan
from jisopt.policies.base import Policy
from jisopt.policies.ratio_rules import RATIO_RULE_NAMES
from jisopt.policies.spec import PolicySpec
from jisopt.ratio import hard_rules_kept
from jisopt.scenario import Scenario

__all__ = [
    "COMPARABLE_RULES",
    "GAP_COLUMNS",
    "GAP_RULES",
    "RELATIVE_GAP_FLOOR",
    "SUMMARY_COLUMNS",
    "GapJob",
    "GapTask",
    "captured_instances",
    "check_rules",
    "gap_table",
    "instance_gaps",
    "simulated_instances",
    "summarize_gaps",
    "weights_label",
]

GAP_RULES: tuple[str, ...] = ("step", "leap", "dynamic", "ontime")
"""Rules compared with the optimum by default (without component swaps)."""

COMPARABLE_RULES: tuple[str, ...] = (*GAP_RULES, *RATIO_RULE_NAMES)
"""Every rule ``jisopt gaps`` can compare: the plain rules and the ratio-aware ones."""

RELATIVE_GAP_FLOOR = 1e-9
"""Denominator floor of the relative gap: ``gap_abs / max(optimum, RELATIVE_GAP_FLOOR)``."""

_NOISE = 1e-9  # gaps within _NOISE * max(1, |optimum|) are reported as 0

GAP_COLUMNS: tuple[str, ...] = (
    "instance", "time_h", "orders", "disrupted_orders", "weights", "rule",
    "rule_feasible", "rule_status", "rule_hard_kept", "violations", "rule_objective",
    "rule_total_delay_h", "rule_reschedules",
    "exact_status", "optimum", "opt_total_delay_h", "opt_reschedules",
    "gap_abs", "gap_rel", "rule_optimal", "exact_method", "exact_time_s",
)
"""Columns of :func:`gap_table`: one row per instance, weighting and rule."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "weights", "rule", "events", "solved", "share_infeasible", "share_ratio_broken", "share_optimal",
    "gap_abs_mean", "gap_abs_median", "gap_abs_p95", "gap_abs_max",
    "gap_rel_mean", "gap_rel_median", "gap_rel_p95",
)
"""Columns of :func:`summarize_gaps`: one row per weighting and rule."""


def weights_label(weights: Weights) -> str:
    """Short label of a weighting: delay and reschedules always, other terms when they
    differ from their defaults (e.g. ``delay=1,reschedules=0.1``)."""
    default = Weights().as_dict()
    parts = [f"{key}={value:g}" for key, value in weights.as_dict().items()
             if key in ("delay", "reschedules") or value != default[key]]
    return ",".join(parts)


@dataclass(frozen=True)
class GapJob:
    """One instance to study: in memory, or a file read by the worker.

    Attributes
    ----------
    key
        Label of the instance in the table (e.g. the file's path below the source
        directory, or the index of the instance in its run).
    index
        Position in the source (the table keeps this order).
    instance
        The instance, or ``None`` if ``path`` is to be read.
    path
        A ``jisopt-instance/1`` file.
    """

    key: str
    index: int
    instance: Instance | None = None
    path: str | None = None

    def load(self) -> Instance:
        """The instance (read from ``path`` if it is not in memory)."""
        if self.instance is not None:
            return self.instance
        from jisopt.instance_io import read_instance

        if self.path is None:
            raise InputError("neither an instance nor a path", field="instances", has_value=False)
        return read_instance(self.path)


@dataclass(frozen=True)
class GapTask:
    """The picklable function that turns one :class:`GapJob` into its table rows.

    Parameters
    ----------
    weightings
        The weightings, each compared separately.
    rules
        The rules whose plans are compared with the optimum.
    max_later_slots, enforce_bounds
        Model settings, used for the exact model and for the rule plans' feasibility
        alike (defaults: docs/model.md §5).
    time_limit_s
        Wall-clock limit per exact solve (the Pyomo path, i.e. with ratio rules only).
    method
        ``auto``, ``fast`` or ``pyomo`` (see :func:`~jisopt.policies.milp.solve_exact`).
    """

    weightings: tuple[Weights, ...]
    rules: tuple[str, ...] = GAP_RULES
    max_later_slots: int | None = None
    enforce_bounds: bool = True
    time_limit_s: float = 60.0
    method: str = "auto"

    def __call__(self, job: GapJob) -> list[dict[str, Any]]:
        rows = instance_gaps(job.load(), self.weightings, rules=self.rules, key=job.key,
                             max_later_slots=self.max_later_slots, enforce_bounds=self.enforce_bounds,
                             time_limit_s=self.time_limit_s, method=self.method)
        for row in rows:
            row["_index"] = job.index
        return rows


def _evaluation(instance: Instance, slot: np.ndarray, swaps: tuple, *, policy: str,
                max_later_slots: int | None, enforce_bounds: bool) -> Evaluation:
    return evaluate(instance, Plan(slot, policy, swaps), enforce_bounds=enforce_bounds,
                    max_later_slots=max_later_slots)


def instance_gaps(
    instance: Instance,
    weightings: Sequence[Weights],
    *,
    rules: Sequence[str] = GAP_RULES,
    key: str = "",
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    time_limit_s: float = 60.0,
    method: str = "auto",
) -> list[dict[str, Any]]:
    """Gap of every rule plan to the optimum of one instance, under every weighting.

    Parameters
    ----------
    instance
        The rescheduling instance.
    weightings
        Objective weightings.
    rules
        Rule names (plans without component swaps).
    key
        Label of the instance in the rows (default: its name).
    max_later_slots, enforce_bounds
        Model settings for the exact model and the rule plans' feasibility.
    time_limit_s, method
        Passed to :func:`~jisopt.policies.milp.solve_exact`.

    Returns
    -------
    list of dict
        One row per weighting and rule, with the columns of :data:`GAP_COLUMNS`.
        Without an optimum (the model is infeasible, or stopped without proof)
        ``optimum`` and the gaps are NaN and ``exact_status`` says why.
    """
    from jisopt.policies.milp import SolveStatus, solve_exact

    settings: dict[str, Any] = {"max_later_slots": max_later_slots, "enforce_bounds": enforce_bounds}
    plans = {}

    status, kept = {}, {}
    for rule in rules:
        plan = PolicySpec.parse(rule).build()(instance)
        plans[rule] = _evaluation(instance, plan.slot, plan.swaps, policy=rule, **settings)
        status[rule], kept[rule] = plan.status, hard_rules_kept(instance, plan.slot)
    base = {
        "instance": key or instance.name,
        "time_h": float(instance.now_h),
        "orders": int(instance.n_orders),
        "disrupted_orders": int(instance.n_disrupted),
    }
    rows = []
    for weights in weightings:
        t0 = time.perf_counter()
        result = solve_exact(instance, weights, method=method, time_limit_s=time_limit_s,
                             fallback=None, diagnose=False, **settings)
        exact_s = time.perf_counter() - t0
        optimum = opt_delay = opt_resched = math.nan
        if result.status == SolveStatus.OPTIMAL and result.plan is not None:
            best = _evaluation(instance, result.plan.slot, result.plan.swaps, policy="milp", **settings)
            if not best.feasible:  # pragma: no cover - the model's plans are feasible
                raise RuntimeError(f"{key}: the exact model's plan violates "
                                   f"{sorted({v.kind for v in best.violations})}")
            optimum = best.objective(weights)
            opt_delay, opt_resched = best.terms["total_delay_h"], best.terms["reschedules"]
        for rule, ev in plans.items():
            value = ev.objective(weights)
            gap = value - optimum
            if abs(gap) <= _NOISE * max(1.0, abs(optimum)):
                gap = 0.0
            if not kept[rule]:  # breaks a hard ratio rule: not a comparison point, no gap
                gap = math.nan
            rows.append({
                **base,
                "weights": weights_label(weights),
                "rule": rule,
                "rule_feasible": ev.feasible,
                "rule_status": status[rule],
                "rule_hard_kept": kept[rule],
                "violations": ",".join(sorted({v.kind for v in ev.violations})),
                "rule_objective": value,
                "rule_total_delay_h": ev.terms["total_delay_h"],
                "rule_reschedules": ev.terms["reschedules"],
                "exact_status": result.status.value,
                "optimum": optimum,
                "opt_total_delay_h": opt_delay,
                "opt_reschedules": opt_resched,
                "gap_abs": gap,
                "gap_rel": gap / max(optimum, RELATIVE_GAP_FLOOR),
                "rule_optimal": bool(ev.feasible and gap == 0.0),
                "exact_method": result.method,
                "exact_time_s": exact_s,
            })
    return rows


def check_rules(rules: Sequence[str]) -> None:
    """Raise :class:`~jisopt.errors.InputError` unless ``rules`` are distinct rules that
    resequence (any of :data:`COMPARABLE_RULES`) or plug-in policies (docs/policies.md) that
    build."""
    if not rules:
        raise InputError("at least one rule is needed", field="rules", has_value=False)
    for k, rule in enumerate(rules):
        spec = PolicySpec.parse(rule)
        if spec.is_builtin and rule not in COMPARABLE_RULES:
            raise InputError(f"not a rule to compare (rules: {', '.join(COMPARABLE_RULES)})", field="rules",
                             value=rule)
        if rule in rules[:k]:
            raise InputError("rule given twice", field="rules", value=rule)
        if not spec.is_builtin:
            spec.build()  # a plug-in that cannot be built fails before any instance


def gap_table(
    jobs: Iterable[GapJob],
    weightings: Sequence[Weights],
    *,
    rules: Sequence[str] = GAP_RULES,
    workers: int = 1,
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    time_limit_s: float = 60.0,
    method: str = "auto",
) -> pd.DataFrame:
    """The tidy gap table over many instances.

    Parameters
    ----------
    jobs
        The instances (see :func:`captured_instances`, :func:`simulated_instances`).
    weightings
        Objective weightings (at least one).
    rules
        Rule names.
    workers
        Worker processes (1: in this process; 0: every CPU). Rows do not depend on it.
    max_later_slots, enforce_bounds, time_limit_s, method
        See :class:`GapTask`.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`GAP_COLUMNS`; rows by instance (in the order of
        ``jobs``), weighting (as given), rule (as given).
    """
    from jisopt.experiments.backends import make_backend

    weightings = tuple(weightings)
    if not weightings:
        raise InputError("at least one weighting is needed", field="weights", has_value=False)
    check_rules(rules)
    task = GapTask(weightings, tuple(rules), max_later_slots, enforce_bounds, time_limit_s, method)
    jobs = list(jobs)
    rows: list[dict[str, Any]] = []
    with make_backend(min(workers, max(len(jobs), 1)) if workers else None) as backend:
        for _job, result in backend.map_unordered(task, jobs):
            rows.extend(result)
    table = pd.DataFrame(rows, columns=[*GAP_COLUMNS, "_index"])
    order = {label: k for k, label in enumerate(dict.fromkeys(weights_label(w) for w in weightings))}
    rule_order = {r: k for k, r in enumerate(rules)}
    table = table.assign(_w=table["weights"].map(order), _r=table["rule"].map(rule_order))
    table = table.sort_values(["_index", "_w", "_r"], kind="stable", ignore_index=True)
    return table.drop(columns=["_index", "_w", "_r"]).astype(
        {"rule_feasible": bool, "rule_hard_kept": bool, "rule_optimal": bool})


def summarize_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Per weighting and rule: how far the rule is from the optimum.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SUMMARY_COLUMNS`:

        * ``events``: instances; ``solved``: those with a proven optimum;
        * ``share_infeasible``: rule plans the model does not allow, over ``events``;
        * ``share_ratio_broken``: rule plans that break a hard ratio rule (no gap), over
          ``events``;
        * ``share_optimal``: feasible rule plans with gap 0, over ``solved``;
        * ``gap_*``: mean, median, 95th percentile (and largest absolute gap) over the
          feasible rule plans of solved instances.
    """
    rows = []
    for (weights, rule), group in table.groupby(["weights", "rule"], sort=False):
        solved = group[np.isfinite(group["optimum"].to_numpy(dtype=float))]
        ok = solved[solved["rule_feasible"]]
        g_abs, g_rel = ok["gap_abs"].to_numpy(dtype=float), ok["gap_rel"].to_numpy(dtype=float)

        def stat(values: np.ndarray, fn: Callable[[np.ndarray], Any]) -> float:
            return float(fn(values)) if values.size else math.nan

        rows.append({
            "weights": weights, "rule": rule, "events": len(group), "solved": len(solved),
            "share_infeasible": float((~group["rule_feasible"]).mean()) if len(group) else math.nan,
            "share_ratio_broken": float((~group["rule_hard_kept"]).mean()) if len(group) else math.nan,
            "share_optimal": float(solved["rule_optimal"].mean()) if len(solved) else math.nan,
            "gap_abs_mean": stat(g_abs, np.mean),
            "gap_abs_median": stat(g_abs, np.median),
            "gap_abs_p95": stat(g_abs, lambda v: np.percentile(v, 95)),
            "gap_abs_max": stat(g_abs, np.max),
            "gap_rel_mean": stat(g_rel, np.mean),
            "gap_rel_median": stat(g_rel, np.median),
            "gap_rel_p95": stat(g_rel, lambda v: np.percentile(v, 95)),
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def captured_instances(directory: str | os.PathLike) -> list[GapJob]:
    """Every instance file below ``directory`` (as ``jisopt simulate --capture`` writes them,
    also in subdirectories), in path order; the files are read by the workers.

    Raises
    ------
    InputError
        If ``directory`` is not a directory or holds no ``*.instance.json`` file.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputError("not a directory", field="instances", value=str(directory))
    paths = sorted(root.rglob("*.instance.json"))
    if not paths:
        raise InputError("no instance files (*.instance.json) found", field="instances",
                         value=str(directory))
    return [GapJob(key=str(p.relative_to(root)).removesuffix(".instance.json"), index=k, path=str(p))
            for k, p in enumerate(paths)]


def simulated_instances(
    scenario: Scenario,
    policy: Policy | str = "dynamic",
    *,
    seed: int = 1,
    replication: int = 0,
) -> tuple[list[GapJob], dict[str, float]]:
    """Simulate one replication and keep its rescheduling instances in memory.

    Parameters
    ----------
    scenario
        The plant.
    policy
        The policy that answers the events during the run (its plans shape the later
        instances); a name or a policy object.
    seed, replication
        The random streams.

    Returns
    -------
    jobs, kpis
        One :class:`GapJob` per instance (key ``#<index> t=<time>h``), and the
        replication's KPIs.
    """
    from jisopt.sim import run_replication

    kept: list[Instance] = []
    result = run_replication(scenario, policy, seed=seed, replication=replication,
                             on_instance=lambda index, instance, plan, changes: kept.append(instance))
    jobs = [GapJob(key=f"#{k:06d} t={inst.now_h:g}h", index=k, instance=inst) for k, inst in enumerate(kept)]
    return jobs, dict(result.kpis)
