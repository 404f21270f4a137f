"""Exact reinsertion: build the model, pick the solver path, check and explain the outcome."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance import Instance
from jisopt.objective import Weights
from jisopt.plan import Plan, ready_after_swaps
from jisopt.policies.milp.data import ReinsertionData, build_data
from jisopt.policies.milp.fast import solve_assignment
from jisopt.policies.milp.result import (
    PathOutcome,
    SolveResult,
    SolveStatus,
    larger_bound,
    relative_gap,
)
from jisopt.policies.ratio_rules import RATIO_PREFIX, RATIO_RULES, RatioRulePolicy
from jisopt.policies.rules import RULES, RulePolicy
from jisopt.policies.swap import find_swaps

__all__ = ["METHODS", "POLICY_NAME", "WARM_START_RULES", "best_rule_plan", "solve_exact"]

METHODS = ("auto", "pyomo", "highs", "fast")

DIAGNOSIS_SHARE = 0.25
"""Share of the time limit the infeasibility diagnosis may take at most."""

WARM_START_RULES = ("step", "leap", "dynamic", "ontime")
"""Rules whose best feasible plan is the warm start of the MILP paths (with ratio rules the
ratio-aware variants are added, :func:`best_rule_plan`)."""

DIAGNOSIS_MAX_PAIRS = 2_000_000
"""Bound on (window orders) x (the diagnosis's larger ``K``), so its model stays bounded:
``K' = max(K + 1, min(window slots, DIAGNOSIS_MAX_PAIRS // window orders))`` is the whole
window at S = 1344 and 347 slots at S = 8640 (5 760 window orders), where ``K' =`` the window
built 25 M pairs and took the process past 20 GB."""

RELAXATION_SHARE = 0.5
"""Share of the time left that the option relaxation may take on the ``highs`` path (all of
it when the whole model is not tried, :data:`WHOLE_MODEL_MAX_PAIRS`)."""

LAZY_WINDOWS_MIN_PAIRS = 20_000
"""The whole array model adds hard ratio windows lazily from this many candidate pairs on:
lazy rounds won on 1344-slot models (about 100 000 pairs: 2.5-3.4 s against 3.6-33 s with
every window), every window at once on models of a few thousand pairs (0.55 s against no plan
within 8 s)."""

WHOLE_MODEL_MAX_PAIRS = 500_000
"""With ratio rules, the whole model is built after an undecided option relaxation only up to
this many candidate pairs. Measured: whole models of about 100 000 pairs (S = 1344) are solved in
2-30 s; of about 920 000 (S = 8640, car plant) none was solved within 60-120 s, and HiGHS ran
up to 50 s past its limit on them."""

POLICY_NAME = "milp"

_DIAGNOSIS_TIME_LIMIT_S = 10.0


def policy_name(swap: bool) -> str:
    """``milp``, or ``milp+swap`` when component swaps are tried first."""
    return POLICY_NAME + ("+swap" if swap else "")


def _is_count(value: object) -> bool:
    """An integer >= 0 (a bool is not one)."""
    return not isinstance(value, bool) and isinstance(value, int | np.integer) and bool(value >= 0)


def check_arguments(method: str, time_limit_s: float, mip_rel_gap: float,
                    max_later_slots: int | None, fallback: str | None, weights: object,
                    highs_options: dict | None = None) -> None:
    """Validate the settings of the exact model (see :func:`solve_exact`).

    Raises
    ------
    InputError
        Naming the first setting at fault.
    """
    if method not in METHODS:
        raise InputError(f"unknown method (methods: {', '.join(METHODS)})", field="method", value=method)
    if not (isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError("time limit must be a positive number of seconds", field="time_limit_s",
                         value=time_limit_s)
    if not (isinstance(mip_rel_gap, int | float) and math.isfinite(mip_rel_gap) and mip_rel_gap >= 0):
        raise InputError("relative gap must be a number >= 0", field="mip_rel_gap", value=mip_rel_gap)
    if max_later_slots is not None and not _is_count(max_later_slots):
        raise InputError("K must be an integer >= 0", field="max_later_slots", value=max_later_slots)
    if fallback is not None and fallback not in RULES:
        raise InputError(f"unknown fallback rule (rules: {', '.join(RULES)})", field="fallback",
                         value=fallback)
    if weights is not None and not isinstance(weights, Weights):
        raise InputError("weights must be a Weights object", field="weights", value=weights)
    if highs_options:
        from jisopt.policies.milp.highs import checked_options

        checked_options(highs_options)


def best_rule_plan(
    instance: Instance,
    weights: Weights,
    *,
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    swap: bool = False,
    rules: tuple[str, ...] = WARM_START_RULES,
    max_reschedules: int | None = None,
) -> tuple[str, Plan, float] | None:
    """The feasible rule plan with the lowest objective (``None`` if no rule's plan
    is feasible under :func:`~jisopt.evaluate.evaluate`).

    With ratio rules the default ``rules`` also take the ratio-aware variants
    (``ratio-step`` …), whose plans keep the hard rules where the plain ones break them.

    Returns
    -------
    tuple or None
        ``(rule, plan, objective)``.
    """
    best = None
    if instance.ratio_rules and rules == WARM_START_RULES:
        rules = rules + tuple(RATIO_PREFIX + r for r in RATIO_RULES)
    for rule in rules:
        policy = (RatioRulePolicy(rule[len(RATIO_PREFIX):], swap=swap)
                  if rule.startswith(RATIO_PREFIX) else RulePolicy(rule, swap=swap))
        plan = policy(instance)
        ev = evaluate(instance, plan, enforce_bounds=enforce_bounds, max_later_slots=max_later_slots)
        if ev.feasible and (max_reschedules is None or ev.terms["reschedules"] <= max_reschedules):
            value = ev.objective(weights)
            if best is None or value < best[2] - 1e-12:
                best = (rule, plan, value)
    return best


def _clock() -> float:
    """Wall-clock seconds (one function, so tests can simulate the passing of time)."""
    return time.perf_counter()


def _overrun_tolerance_s(limit_s: float) -> float:
    """How far past the time it was given a HiGHS run may end before it counts as an overrun."""
    return 0.1 + 0.01 * limit_s


def _solve_pyomo(data: ReinsertionData, *, time_limit_s: float, mip_rel_gap: float,
                 warm_start: np.ndarray | None, highs_options: dict | None,
                 reschedule_limit: tuple[np.ndarray, int] | None = None,
                 deadline: float | None = None) -> PathOutcome:
    """Build the Pyomo model of ``data`` and solve it with HiGHS.

    ``time_limit_s`` is the limit of the whole call (for messages); ``deadline``
    (a :func:`_clock` time, default now + ``time_limit_s``) is when it ends:
    each HiGHS run gets the time left, and no run starts once it has passed.

    HiGHS's value of its incumbent is checked against the plan's objective
    recomputed from the model's coefficients. A HiGHS value *below* the plan's
    cannot be right (the plan's soft excess is already the least possible); it
    was seen after HiGHS re-valued a warm start in its presolved space without
    the presolve offset and then declared that start optimal. The model is then
    solved again without the warm start (time permitting), and the message says so.
    """
    from jisopt.policies.milp import highs
    from jisopt.policies.milp.model import add_reschedule_limit, build_model, chosen_pairs, set_start

    if deadline is None:
        deadline = _clock() + time_limit_s
    model = build_model(data)
    if reschedule_limit is not None:
        add_reschedule_limit(model, data, *reschedule_limit)
    if warm_start is not None:
        set_start(model, data, warm_start)
    notes: list[str] = []
    use_start = warm_start is not None
    accepted = None
    solve_s = 0.0  # HiGHS's own run time, over both attempts
    previous: tuple[np.ndarray, float] | None = None  # (chosen, objective) of a mis-valued first attempt
    overrun = ""
    for _attempt in range(2):
        left = deadline - _clock()
        if left <= 0 and previous is None and warm_start is not None:
            # the warm start is a plan of the model (a feasible rule plan in the window)
            return PathOutcome(SolveStatus.FEASIBLE, warm_start, data.plan_objective(warm_start), None,
                               None, f"time limit of {time_limit_s:g} s spent before HiGHS could run; "
                               "returning the warm start (a plan of the model, not proven optimal): "
                               "bound and gap unknown", solve_s)
        if left <= 0 and previous is None:
            return PathOutcome(SolveStatus.TIME_LIMIT_NO_SOLUTION, warm_start_accepted=accepted,
                               message=f"time limit of {time_limit_s:g} s spent before HiGHS could run",
                               solve_s=solve_s)
        if left <= 0:
            assert previous is not None  # the case without one returned above
            chosen, objective = previous
            notes.append(f"time limit of {time_limit_s:g} s spent: not solved again; the plan is "
                         "HiGHS's incumbent, its optimality is not proven")
            return PathOutcome(SolveStatus.FEASIBLE, chosen, objective, None, accepted,
                               "; ".join(notes), solve_s)
        run = highs.solve_with_highs(model, time_limit_s=left, mip_rel_gap=mip_rel_gap,
                                     options=highs_options, warm_start=use_start)
        if use_start:
            accepted = run.warm_start_accepted
        solve_s += run.runtime_s
        if run.runtime_s > left + _overrun_tolerance_s(left):
            overrun = f"time limit of {time_limit_s:g} s exceeded: HiGHS stopped after {run.runtime_s:.3g} s"
            notes.append(overrun)
        if run.termination == "error":
            return PathOutcome(SolveStatus.ERROR, message="; ".join([run.message, *notes]),
                               solve_s=solve_s)
        if run.termination == "infeasible":
            return PathOutcome(SolveStatus.INFEASIBLE, message="; ".join(
                ["HiGHS proved the model infeasible", *notes]),
                warm_start_accepted=accepted, solve_s=solve_s)
        if not run.has_solution:
            if previous is not None:
                chosen, objective = previous
                notes.append("the second run found no plan; the plan is the first run's incumbent, "
                             "its optimality is not proven")
                return PathOutcome(SolveStatus.FEASIBLE, chosen, objective, None, accepted,
                                   "; ".join(notes), solve_s)
            return PathOutcome(SolveStatus.TIME_LIMIT_NO_SOLUTION, bound=run.bound,
                               warm_start_accepted=accepted,
                               message="; ".join([f"HiGHS stopped ({run.termination}) before finding "
                                                  "any plan", *notes]),
                               solve_s=solve_s)
        found = chosen_pairs(model, data)
        if found is None:
            return PathOutcome(SolveStatus.ERROR, message="HiGHS solution does not give every window "
                               "order exactly one slot", solve_s=solve_s)
        chosen = found
        objective = data.plan_objective(chosen)
        tol = 1e-6 * max(1.0, abs(objective))
        incumbent = run.objective
        assert incumbent is not None  # a run with a solution has its value
        if incumbent < objective - tol and use_start:
            notes.append(f"HiGHS valued its incumbent at {incumbent:.9g} but the plan costs "
                         f"{objective:.9g} (warm start mis-valued after presolve); solved again "
                         f"without the warm start")
            use_start = False
            previous = (chosen, objective)
            continue
        if incumbent < objective - tol:
            return PathOutcome(SolveStatus.ERROR, message=(
                f"HiGHS valued its incumbent at {incumbent:.9g} but the plan costs {objective:.9g}"),
                solve_s=solve_s)
        break
    assert incumbent is not None  # the loop ends only with a solved run
    if incumbent > objective + tol:
        notes.append(f"HiGHS incumbent value {incumbent:.9g} exceeds the plan's objective "
                     f"{objective:.9g} (slack in soft-excess variables)")
    return _run_with_plan(run.termination, chosen, objective, run.bound, accepted, notes, solve_s,
                          "" if overrun else
                          f"time limit of {time_limit_s:g} s reached (HiGHS ran {solve_s:.3g} s)")


def _run_with_plan(termination: str, chosen: np.ndarray, objective: float, bound: float | None,
                   accepted: bool | None, notes: list[str], solve_s: float,
                   limit_note: str) -> PathOutcome:
    """The outcome of a HiGHS run that ended with a plan, on either path: ``optimal`` if HiGHS
    proved it (bound: HiGHS's, else the objective), else ``feasible`` with ``limit_note``
    (unless empty), "returning the best plan found", and whether a bound is known. The bound
    reported never exceeds the objective."""
    status = SolveStatus.OPTIMAL if termination == "optimal" else SolveStatus.FEASIBLE
    if status == SolveStatus.OPTIMAL and bound is None:
        bound = objective
    if status == SolveStatus.FEASIBLE:
        notes = [*notes, *([limit_note] if limit_note else []), "returning the best plan found"]
        if bound is None:
            notes.append("HiGHS proved no lower bound before it stopped: bound and gap unknown")
    return PathOutcome(status, chosen, objective, None if bound is None else min(bound, objective),
                       accepted, "; ".join(notes), solve_s)


def _solve_arrays(data: ReinsertionData, *, time_limit_s: float, mip_rel_gap: float,
                  warm_start: np.ndarray | None, highs_options: dict | None,
                  reschedule_limit: tuple[np.ndarray, int] | None,
                  deadline: float | None, relax: bool = True,
                  stats: dict | None = None) -> PathOutcome:
    """The model built from the arrays for highspy (:mod:`.highs_model`), hard ratio windows
    added lazily; the same outcomes as :func:`_solve_pyomo` (``deadline``: as there). HiGHS's
    incumbent value is compared with the model's own recomputation, and the solve is repeated
    without the warm start when HiGHS values it lower (the defect :func:`_solve_pyomo` guards
    against).

    With ratio rules the option relaxation comes first
    (:mod:`.relaxation`, ``relax``): when its plan, or its completion, meets its bound, that
    plan is optimal and the whole model is not built; otherwise the whole model starts from
    the better of that plan and the warm start, and the relaxation's bound enters the
    reported bound. ``stats`` (if given) receives the relaxation's sizes and times:
    ``relaxation_pairs`` (of the last relaxation solved), ``relaxation_tightenings``,
    ``relaxation_completion_pairs``, ``relaxation_bound``, ``relaxation_s``.
    """
    from jisopt.policies.milp.highs_model import build_array_model, solve_array_model
    from jisopt.policies.milp.relaxation import solve_by_relaxation

    if deadline is None:
        deadline = _clock() + time_limit_s
    start, solve_s = warm_start, 0.0
    notes: list[str] = []
    floor = None

    def plan_so_far(with_plan: str, without_plan: str) -> PathOutcome:
        """The call ends: the best plan found so far (``feasible``, bound at most the
        relaxation's) or, without one, ``time_limit_no_solution``."""
        if start is None:
            return PathOutcome(SolveStatus.TIME_LIMIT_NO_SOLUTION, bound=floor, solve_s=solve_s,
                               message="; ".join([*notes, without_plan]))
        objective = data.plan_objective(start)
        return PathOutcome(SolveStatus.FEASIBLE, start, objective,
                           None if floor is None else min(floor, objective), None,
                           "; ".join([*notes, with_plan]), solve_s)

    if relax and data.has_ratio_rules:
        # at most RELAXATION_SHARE of the time: the whole model gets the rest, if it is tried
        whole_tried = data.n_pairs <= WHOLE_MODEL_MAX_PAIRS
        share = RELAXATION_SHARE if whole_tried else 1.0
        relax_deadline = _clock() + share * (deadline - _clock())
        outcome = solve_by_relaxation(
            data, deadline=relax_deadline, mip_rel_gap=mip_rel_gap, highs_options=highs_options,
            start_slot=None if warm_start is None else data.slot_array(warm_start),
            max_reschedules=None if reschedule_limit is None else reschedule_limit[1], clock=_clock)
        if outcome is not None and stats is not None:
            stats.update(relaxation_pairs=outcome.relaxed_pairs,
                         relaxation_tightenings=outcome.tightenings,
                         relaxation_completion_pairs=outcome.completion_pairs,
                         relaxation_bound=outcome.bound, relaxation_s=outcome.solve_s)
        if outcome is not None and outcome.infeasible:
            return PathOutcome(SolveStatus.INFEASIBLE, message=outcome.note + " (so is the model)",
                               warm_start_accepted=outcome.warm_start_accepted,
                               solve_s=outcome.solve_s)
        if outcome is not None:
            solve_s += outcome.solve_s
            floor = outcome.bound
            if outcome.proven and outcome.chosen is not None:
                assert outcome.bound is not None and outcome.objective is not None
                return PathOutcome(SolveStatus.OPTIMAL, outcome.chosen, outcome.objective,
                                   min(outcome.bound, outcome.objective),
                                   outcome.warm_start_accepted,
                                   "optimal by the option relaxation: " + outcome.note, solve_s)
            notes.append("option relaxation: " + outcome.note)
            if outcome.chosen is not None and outcome.objective is not None and (
                    start is None or outcome.objective < data.plan_objective(start)):
                start = outcome.chosen
            if not whole_tried:
                notes.append(f"the whole model ({data.n_pairs} pairs, more than "
                             f"{WHOLE_MODEL_MAX_PAIRS}) is not tried")
            spent = deadline - _clock() <= 0
            if not whole_tried or (spent and start is not None):
                return plan_so_far(
                    (f"time limit of {time_limit_s:g} s spent" if spent else "not proven optimal")
                    + "; returning the best plan found"
                    + ("" if floor is not None else " (bound and gap unknown)"),
                    "no plan found")
    # The relaxation's bound L only enters the reported bound: as a row (objective >= L) it
    # slowed HiGHS down (0.55 s -> 3.4 s on a 100-slot model). Small models are solved with every
    # hard window at once, large ones with lazy windows (measured at both sizes).
    model = None
    lazy = data.n_pairs > LAZY_WINDOWS_MIN_PAIRS
    for _attempt in range(2):
        left = deadline - _clock()
        if left > 0 and model is None:
            model = build_array_model(data, reschedule_limit=reschedule_limit)
            left = deadline - _clock()
        if left <= 0 or model is None:
            too_late = f"time limit of {time_limit_s:g} s spent before HiGHS could run"
            return plan_so_far(too_late + "; returning the warm start", too_late)
        run, chosen = solve_array_model(model, time_limit_s=left, mip_rel_gap=mip_rel_gap,
                                        options=highs_options, start=start, lazy=lazy)
        solve_s += run.runtime_s
        if run.termination == "error":
            return PathOutcome(SolveStatus.ERROR, message=run.message, solve_s=solve_s)
        if run.termination == "infeasible":
            return PathOutcome(SolveStatus.INFEASIBLE, message="HiGHS proved the model infeasible",
                               warm_start_accepted=run.warm_start_accepted, solve_s=solve_s)
        run_bound = larger_bound(floor, run.bound)
        if chosen is None:
            return PathOutcome(SolveStatus.TIME_LIMIT_NO_SOLUTION, bound=run_bound,
                               warm_start_accepted=run.warm_start_accepted, solve_s=solve_s,
                               message="; ".join([*notes, f"HiGHS stopped ({run.termination}) "
                                                  "before finding any plan"]))
        objective = data.plan_objective(chosen)
        tol = 1e-6 * max(1.0, abs(objective))
        if run.objective is not None and run.objective < objective - tol and start is not None:
            notes.append(f"HiGHS valued its incumbent at {run.objective:.9g} but the plan costs "
                         f"{objective:.9g}; solved again without the warm start")
            start = None
            continue
        return _run_with_plan(run.termination, chosen, objective, run_bound,
                              run.warm_start_accepted, notes, solve_s,
                              f"time limit of {time_limit_s:g} s reached")
    return PathOutcome(SolveStatus.ERROR, message="; ".join(notes), solve_s=solve_s)


def _run_path(data: ReinsertionData, method: str, *, time_limit_s: float, mip_rel_gap: float,
              warm_start: np.ndarray | None = None, highs_options: dict | None = None,
              reschedule_limit: tuple[np.ndarray, int] | None = None,
              deadline: float | None = None, stats: dict | None = None) -> PathOutcome:
    """Pre-checks that need no solver, then the chosen path (``deadline``: see :func:`_solve_pyomo`;
    ``stats``: see :func:`_solve_arrays`)."""
    empty = data.empty_intervals
    if empty.size:
        return PathOutcome(SolveStatus.INFEASIBLE, message=data.describe_interval(int(empty[0])))
    if data.fixed_late_parts:
        i, m, ready = data.fixed_late_parts[0]
        inst = data.instance
        return PathOutcome(SolveStatus.INFEASIBLE, message=(
            f"order {inst.order_id[i]} (slot {inst.slot[i]}) cannot move (it is before the first "
            f"disrupted slot {data.window_start}) and starts at {inst.slot[i] * inst.takt_h:g} h, "
            f"before its started {inst.supplier_names[m]} part is ready at {ready:g} h"))
    if data.fixed_hard_excess:
        r, start, count = data.fixed_hard_excess[0]
        rule = data.ratio[r].rule
        name = data.instance.option_names[rule.option]
        return PathOutcome(SolveStatus.INFEASIBLE, message=(
            f"hard rule {name} {rule.max_count}:{rule.window} is violated in slots "
            f"[{start}, {min(start + rule.window, data.end)}) ({count} carriers) by orders the "
            "model cannot move"))
    if method == "fast":
        return solve_assignment(data)
    if method == "highs":
        return _solve_arrays(data, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                             warm_start=warm_start, highs_options=highs_options,
                             reschedule_limit=reschedule_limit, deadline=deadline, stats=stats)
    return _solve_pyomo(data, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                        warm_start=warm_start, highs_options=highs_options,
                        reschedule_limit=reschedule_limit, deadline=deadline)


def _diagnose(instance: Instance, weights: Weights, data: ReinsertionData, ready_h: np.ndarray | None,
              *, time_limit_s: float, highs_options: dict | None,
              deadline: float | None = None) -> tuple[dict, str]:
    """Re-solve with one relaxation at a time; say which restore feasibility.

    Each re-solve gets at most ``_DIAGNOSIS_TIME_LIMIT_S`` and never runs past
    ``deadline`` (the end of the whole call); once it has passed, the remaining
    relaxations are not tried (``None``: not shown either way).
    """
    if deadline is None:
        deadline = _clock() + time_limit_s
    K = data.max_later_slots
    relaxations: dict[str, tuple[Instance, dict]] = {}
    if any(r.hard for r in instance.ratio_rules):
        soft = instance.replace(ratio_rules=tuple(replace(r, hard=False) for r in instance.ratio_rules))
        relaxations["soft_ratio"] = (soft, {})
    if data.enforce_bounds and instance.n_disrupted:
        relaxations["no_bounds"] = (instance, {"enforce_bounds": False})
    # as large as the window allows, within a bounded number of candidate pairs
    big_k = max(K + 1, min(data.n_slots, DIAGNOSIS_MAX_PAIRS // max(data.n_window, 1)))
    relaxations["larger_K"] = (instance, {"max_later_slots": big_k})
    found: dict[str, bool | None] = {}
    stopped = False
    for name, (inst, changes) in relaxations.items():
        left = deadline - _clock()
        if left <= 0:
            found[name], stopped = None, True
            continue
        d = build_data(inst, weights, max_later_slots=changes.get("max_later_slots", K),
                       enforce_bounds=changes.get("enforce_bounds", data.enforce_bounds), ready_h=ready_h)
        method = "highs" if d.has_ratio_rules else "fast"
        limit = min(left, _DIAGNOSIS_TIME_LIMIT_S)
        out = _run_path(d, method, time_limit_s=limit, mip_rel_gap=1e-4, highs_options=highs_options,
                        deadline=_clock() + limit)
        found[name] = (True if out.status.has_solution
                       else False if out.status == SolveStatus.INFEASIBLE else None)
    words = {
        "soft_ratio": "the hard ratio rules are made soft",
        "no_bounds": "disrupted orders may leave their [step, leap]",
        "larger_K": f"other orders may move up to K = {big_k} slots later (K = {K} now)",
    }
    fixes = [words[n] for n, ok in found.items() if ok]
    if fixes:
        text = "feasible if " + " or if ".join(fixes)
    elif any(v is None for v in found.values()):
        text = "no single relaxation was shown to restore feasibility within the time limit"
    else:
        text = "no single relaxation (soft ratio rules, no [step, leap] bounds, larger K) restores it"
    if stopped:
        text += (f"; diagnosis stopped: time limit of {time_limit_s:g} s spent ("
                 + ", ".join(n for n, v in found.items() if v is None) + " not tried)")
    return found, text


def _fallback_plan(instance: Instance, rule: str, weights: Weights, max_later_slots: int | None,
                   enforce_bounds: bool, swap: bool) -> tuple[Plan, float, str]:
    plan = RulePolicy(rule, swap=swap)(instance)
    ev = evaluate(instance, plan, enforce_bounds=enforce_bounds, max_later_slots=max_later_slots)
    note = "" if ev.feasible else (
        " (that plan violates: " + ", ".join(sorted({v.kind for v in ev.violations})) + ")")
    return plan, ev.objective(weights), note


def solve_exact(
    instance: Instance,
    weights: Weights | None = None,
    *,
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    swap: bool = False,
    method: str = "auto",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-6,
    warm_start: bool = True,
    fallback: str | None = "dynamic",
    diagnose: bool = True,
    highs_options: dict | None = None,
    max_reschedules: int | None = None,
    diagnosis_share: float = DIAGNOSIS_SHARE,
) -> SolveResult:
    """Reinsert the disrupted orders optimally within their permutable-subsequence bounds.

    Parameters
    ----------
    instance
        The snapshot (every disrupted order of the instant is handled together).
    weights
        Objective weights; default: the instance's, else :class:`~jisopt.weights.Weights`.
    max_later_slots
        ``K``: how far any order other than a disrupted one may move later
        (default: the number of disrupted orders).
    enforce_bounds
        Keep each disrupted order within its own [step, leap].
    swap
        Carry out the component swaps of docs/model.md §3 first
        (:func:`~jisopt.policies.swap.find_swaps`), then reinsert optimally the
        orders still disrupted, with the ready times after the swaps.
    method
        ``auto`` (assignment path without ratio rules or a reschedule limit, else
        ``highs``), ``highs`` (the array model, option relaxation first), ``pyomo`` (the
        readable reference model) or ``fast`` (assignment; not with ratio rules).
    time_limit_s, mip_rel_gap
        Limits of the MILP paths (``highs``, ``pyomo``): ``time_limit_s`` is wall-clock
        time over the whole call (build, warm start, option relaxation, every HiGHS run
        with the time left, diagnosis).
    warm_start
        Give HiGHS the best feasible rule plan (step, leap, dynamic, ontime, with ratio
        rules also their ratio-aware variants) as a start.
    fallback
        Rule whose plan is returned if the solver fails or stops without a plan
        (``None``: return no plan).
    diagnose
        For an infeasible model, re-solve with each relaxation (soft ratio rules,
        no [step, leap] bounds, larger ``K``) and say which one restores feasibility.
    diagnosis_share
        Share of ``time_limit_s`` the diagnosis may take at most (within what is left
        of the limit); the larger-``K`` relaxation is built with the candidate reduction.
    highs_options
        Further HiGHS options (each checked; ``threads`` must stay 1).
    max_reschedules
        Research setting for Pareto fronts (not part of docs/model.md §5): at most this
        many reschedules (an epsilon constraint; a MILP path, ``highs`` unless ``pyomo`` is asked).

    Returns
    -------
    SolveResult
        Status, plan, objective, bound, gap, times and a message. Infeasibility
        and solver trouble are results; only bad arguments raise.

    Raises
    ------
    InputError
        On an unknown method or fallback, a non-positive time limit, a negative
        gap or ``K``, ratio rules with ``method="fast"``, or bad HiGHS options.
    """
    t0 = _clock()
    deadline = t0 + time_limit_s
    if not (isinstance(diagnosis_share, int | float) and 0.0 <= diagnosis_share <= 1.0):
        raise InputError("must be a number in [0, 1]", field="diagnosis_share", value=diagnosis_share)
    check_arguments(method, time_limit_s, mip_rel_gap, max_later_slots, fallback, weights,
                    highs_options)
    weights = weights or instance.weights or Weights()
    swaps = find_swaps(instance) if swap else ()
    ready = ready_after_swaps(instance, swaps) if swaps else None
    data = build_data(instance, weights, max_later_slots=max_later_slots, enforce_bounds=enforce_bounds,
                      ready_h=ready)
    if method == "fast" and data.has_ratio_rules:
        raise InputError("the fast (assignment) path cannot handle ratio rules; use method "
                         "'highs', 'pyomo' or 'auto'", field="method", value=method)
    limit = None
    if max_reschedules is not None:
        if not _is_count(max_reschedules):
            raise InputError("must be an integer >= 0", field="max_reschedules", value=max_reschedules)
        if method == "fast":
            raise InputError("a reschedule limit needs a MILP path (highs or pyomo)", field="method",
                             value=method)
        limit = (data.reschedule_flags(), int(max_reschedules))
    needs_milp = data.has_ratio_rules or limit is not None
    path = "fast" if method == "auto" and not needs_milp else ("highs" if method == "auto" else method)
    build_s = _clock() - t0
    stats: dict = {"window_orders": data.n_window, "window_slots": data.n_slots, "pairs": data.n_pairs,
                   "max_later_slots": data.max_later_slots, "enforce_bounds": enforce_bounds}

    start = None
    if path in ("pyomo", "highs") and warm_start and data.n_window:
        best = best_rule_plan(instance, weights, max_later_slots=data.max_later_slots,
                              enforce_bounds=enforce_bounds, swap=swap, max_reschedules=max_reschedules)
        if best is not None:
            start = data.pair_index(data.exchanged(best[1].slot))
            stats.update(warm_start_rule=best[0], warm_start_objective=best[2])
            if start is None:
                stats["warm_start_rule"] = f"{best[0]} (outside the window; not passed)"
        else:
            stats["warm_start_rule"] = None

    out = _run_path(data, path, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, warm_start=start,
                    highs_options=highs_options, reschedule_limit=limit, deadline=deadline,
                    stats=stats)
    stats.update(build_s=build_s, solve_s=out.solve_s)
    diagnosis: dict[str, bool | None] = {}
    message, plan, fb = out.message, None, None
    objective, bound = out.objective, out.bound
    if out.status.has_solution:
        assert out.chosen is not None  # a path with a solution gives its pairs
        plan_slot = data.slot_array(out.chosen)
    elif out.status == SolveStatus.INFEASIBLE:
        message = "model infeasible: " + out.message
        if diagnose and limit is None:
            budget_end = min(deadline, _clock() + diagnosis_share * time_limit_s)
            diagnosis, text = _diagnose(instance, weights, data, ready, time_limit_s=time_limit_s,
                                        highs_options=highs_options, deadline=budget_end)
            message += "; " + text
    if (not out.status.has_solution and out.status != SolveStatus.INFEASIBLE and fallback is not None
            and limit is None):
        fb_plan, fb_objective, note = _fallback_plan(instance, fallback, weights, max_later_slots,
                                                     enforce_bounds, swap)
        plan_slot, fb, swaps = fb_plan.slot, fallback, fb_plan.swaps
        stats["fallback_objective"] = fb_objective
        message = (f"{message}; returning the {fallback} rule's plan instead{note}; it is not a "
                   "solution of the model: objective, bound and gap are empty")
    if not out.status.has_solution:
        # only the model's own plans have a model objective, bound and gap
        objective = bound = None
    status = out.status
    runtime = _clock() - t0
    if path in ("pyomo", "highs") and runtime > time_limit_s + _overrun_tolerance_s(time_limit_s):
        message = f"{message}; the whole solve took {runtime:.3g} s of a {time_limit_s:g} s limit"
    gap = 0.0 if status == SolveStatus.OPTIMAL else relative_gap(objective, bound)
    result = SolveResult(status, None, objective, bound, gap, runtime, path, out.warm_start_accepted,
                         message, fb, diagnosis, stats)
    if out.status.has_solution or fb is not None:
        plan = Plan(plan_slot, policy_name(swap), swaps, runtime, status.value, result.as_info())
        result = replace(result, plan=plan)
    return result
