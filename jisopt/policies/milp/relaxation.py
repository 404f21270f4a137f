"""Ratio-rule models solved through the option relaxation and a completion (exact).

With ratio rules most of the model's size is in the *free* window orders: nothing of
them is started, they are on time wherever they may go, so (with the default weights)
any slot of their interval costs them the same, and they may move far earlier. Their
only part in the objective is through the ratio windows. A few small models then
decide most events (docs/milp.md, "Option relaxation"):

1. **Bound.** The same model in which the free orders' options count in no ratio
   window (:func:`~jisopt.policies.milp.data.build_data` with ``ratio_exempt``): a
   relaxation (every plan of the model is one of it at no higher cost), and small,
   since the candidate reduction then puts all free orders of one lower bound into one
   group. Its optimum ``L`` is a lower bound of the model's optimum.
2. **Tightening.** Where the bound's plan, counted with the real options, breaks a hard
   window or pays soft excess, the free orders near those windows count their options
   again and the relaxation is solved anew (any exempt subset of the free orders gives a
   relaxation, so each optimum is a lower bound; ``L`` is the largest).
3. **Completion.** The model restricted to the relaxation's slots for every other
   order and to slots near their own for the free orders (those the others do not
   take): a restriction, so each of its plans is a plan of the model. If its optimum
   ``U`` meets ``L`` (within the gap), that plan is optimal for the model.

When the completion does not meet the bound either, the caller solves the whole model (if
it is not too large), starting from the best plan found, and reports at least ``L`` as the
bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from jisopt.policies.milp.bounds import exchangeable_groups
from jisopt.policies.milp.data import ReinsertionData, build_data
from jisopt.policies.milp.highs import HighsRun
from jisopt.policies.milp.highs_model import ArrayModel, build_array_model, solve_array_model
from jisopt.policies.milp.result import larger_bound

__all__ = ["RELAXATION_HIGHS_OPTIONS", "RelaxationOutcome", "free_orders", "solve_by_relaxation"]

RELAXATION_HIGHS_OPTIONS: dict[str, object] = {"presolve": "off", "mip_detect_symmetry": False}
"""HiGHS options of the first relaxation run and of the completion runs (the caller's options
override them). Their models are mostly orders that keep their slots, which HiGHS's presolve
finds only by probing every binary: at S = 8640 presolve took 10-14 s of a 19 s solve that
takes 1.5-7 s without it (4 car events); at S = 1344 the two settings are within 0.15 s of each
other. Presolve does prove some infeasible relaxations at once (0.1-0.3 s on car batches) that
take long without it, so a relaxation not decided in half the time runs again with it."""

MAX_TIGHTENINGS = 3
"""How often a relaxation whose plan breaks a hard window or pays soft excess is tightened
by counting the options of the free orders near those windows."""

TIGHTENING_MAX_PAIRS = 300_000
"""A tightened relaxation larger than this, or than half the model, is not solved (unless it
is no larger than :data:`TIGHTENING_SMALL_PAIRS` or than the relaxation before it): the time
is better spent on the completion and the model itself. Measured: on 1344-slot batches whose
relaxation plan broke 60-70 windows, the first tightening counted about 300 free orders
(100 000 of the model's 105 000 pairs) and ran 23 s without a result; without it the
completion proved one of them optimal in 1.8 s."""

TIGHTENING_SMALL_PAIRS = 20_000
"""Tightened relaxations up to this size are always solved (on small models a tightening
decided all 24 test cases that the relaxation alone left open)."""



@dataclass(frozen=True)
class RelaxationOutcome:
    """What the option relaxation and its completion established.

    Attributes
    ----------
    infeasible
        The relaxation is infeasible, hence the model is (every plan of the model is a plan
        of the relaxation); nothing else is set.
    chosen
        ``(n_window,)`` chosen pair (of the model's data) per window order of the best
        completion, a plan of the model; ``None`` if no completion was found.
    objective
        Its objective (``None`` without a plan).
    bound
        A lower bound of the model's optimum: the relaxation's (HiGHS's dual bound),
        ``None`` if the relaxation was not solved to optimality.
    proven
        ``objective`` meets ``bound`` within the gap: the plan is optimal for the model.
    relaxed_pairs, completion_pairs
        Sizes of the relaxation and of the last completion solved (pairs; 0: none).
    solve_s
        Time spent, seconds.
    warm_start_accepted
        Whether HiGHS accepted the start in the relaxation (``None``: no start given).
    note
        What happened, for the solver message.
    tightenings
        How many tightened relaxations were run (free orders near the windows the plan
        broke or paid for counting their options).
    """

    infeasible: bool
    chosen: np.ndarray | None
    objective: float | None
    bound: float | None
    proven: bool
    relaxed_pairs: int
    completion_pairs: int
    solve_s: float
    warm_start_accepted: bool | None
    note: str
    tightenings: int = 0


def free_orders(data: ReinsertionData) -> np.ndarray:
    """``(n_window,)`` bool: the window orders of the candidate reduction's exchangeable
    groups (nothing started, on time over their interval)."""
    positions, _ = exchangeable_groups(data.instance, data.rows, data.lower, data.upper,
                                       bool(data.weights.delay))
    free = np.zeros(data.n_window, dtype=bool)
    free[positions] = True
    return free


def _completion(data: ReinsertionData, free: np.ndarray, relaxed_slot: np.ndarray,
                radius: int) -> ReinsertionData:
    """The model restricted to the relaxation's slots for the orders that are not free and,
    for the free ones, to the slots those do not take, at most ``radius`` before their own."""
    slot_of = relaxed_slot[data.rows]
    owner_free = free[data.pair_order]
    fixed_slot = np.zeros(data.n_slots + 1, dtype=bool)
    fixed_slot[slot_of[~free] - data.window_start] = True
    near = data.pair_slot >= data.instance.slot[data.rows][data.pair_order] - radius
    keep = np.where(owner_free, ~fixed_slot[data.pair_slot - data.window_start] & near,
                    data.pair_slot == slot_of[data.pair_order])
    return data.restricted(keep)


def solve_by_relaxation(data: ReinsertionData, *, deadline: float, mip_rel_gap: float,
                        highs_options: dict | None = None,
                        start_slot: np.ndarray | None = None,
                        max_reschedules: int | None = None,
                        clock: Callable[[], float] = time.perf_counter,
                        max_tightenings: int | None = None) -> RelaxationOutcome | None:
    """Bound the model by its option relaxation and complete the relaxation's plan.

    The relaxation exempts every free order (:func:`free_orders`) carrying an option of a
    ratio rule. Its plan, counted with the real options, is a plan of the model; if it
    keeps every hard window and its objective meets the relaxation's bound, it is
    optimal. Otherwise the free orders near the windows the plan breaks or pays soft excess
    in count their options again, and the tighter relaxation is solved (at most
    ``max_tightenings`` times; the bound is the largest). Then the completion
    (:func:`_completion`: the other orders where the relaxation put them, the free orders
    near their own slots, radius ``N_max + K + 1``, then twice that) is solved; a completion
    that meets the bound is optimal too.

    Parameters
    ----------
    data
        The model (with ratio rules; reduced or not).
    deadline
        ``clock()`` time by which to stop; each HiGHS run gets the time left.
    mip_rel_gap
        The relative gap of the model's solve; also the test of ``proven``.
    highs_options
        Further HiGHS options.
    start_slot
        ``(n,)`` slots of a plan of the model (e.g. the best rule plan): the relaxation's
        MIP start (a plan of the model is a plan of the relaxation).
    max_reschedules
        The Pareto front's epsilon row (at most this many rescheduled orders), in the model
        and so in the relaxation and the completion.
    clock
        The clock ``deadline`` refers to.
    max_tightenings
        At most this many tightened relaxations (default :data:`MAX_TIGHTENINGS`; 0: none).

    Returns
    -------
    RelaxationOutcome or None
        ``None`` when there is nothing to relax (no free order carries an option of a
        ratio rule), when no time is left, or on solver trouble: the caller then solves the
        whole model. A relaxation not solved in time gives an outcome without a plan and with
        HiGHS's dual bound of the relaxation (``None`` if it proved none).
    """
    t0 = clock()
    options = data.instance.options
    if options is None or not data.ratio or not data.n_window:
        return None
    free = free_orders(data)
    rule_options = sorted({rw.rule.option for rw in data.ratio})
    exempt_window = free & options[data.rows][:, rule_options].any(axis=1)
    if not exempt_window.any():
        return None
    run_options = {**RELAXATION_HIGHS_OPTIONS, **(highs_options or {})}
    radius = max(rw.rule.window for rw in data.ratio) + data.max_later_slots + 1
    own_slot = data.instance.slot[data.rows]
    notes: list[str] = []
    bound: float | None = None
    best: tuple[np.ndarray, float] | None = None
    accepted: bool | None = None
    relaxed_pairs = 0
    relaxed_slot: np.ndarray | None = None
    tightened = 0  # tightened relaxations run
    most = MAX_TIGHTENINGS if max_tightenings is None else max_tightenings
    if most < 0:
        raise ValueError(f"max_tightenings must be >= 0, not {most}")
    most_pairs = min(TIGHTENING_MAX_PAIRS, max(data.n_pairs // 2, TIGHTENING_SMALL_PAIRS))
    for tightening in range(most + 1):
        if deadline - clock() <= 0:
            if tightening == 0:
                return None
            notes.append("time limit spent")
            break
        relaxed = _relaxed_data(data, exempt_window)
        if tightening and relaxed.n_pairs > max(most_pairs, relaxed_pairs):
            notes.append(f"tightening {tightening} not tried ({relaxed.n_pairs} pairs, more "
                         f"than {most_pairs})")
            break
        t_round = clock()
        run, chosen = _solve_relaxation(
            relaxed, deadline=deadline, mip_rel_gap=mip_rel_gap, options=run_options,
            presolve_retry=tightening == 0, highs_options=highs_options,
            start_slot=start_slot if best is None else data.slot_array(best[0]),
            max_reschedules=max_reschedules, clock=clock)
        relaxed_pairs = relaxed.n_pairs
        tightened = tightening
        if tightening == 0:
            accepted = run.warm_start_accepted
        what = "the option relaxation" if tightening == 0 else f"tightening {tightening}"
        if run.termination == "infeasible":
            # every plan of the model is a plan of any of these relaxations
            return RelaxationOutcome(True, None, None, None, False, relaxed_pairs, 0, clock() - t0,
                                     accepted, "; ".join(
                                         [*notes, f"{what} ({relaxed_pairs} pairs) is infeasible"]),
                                     tightened)
        if run.termination == "error":
            if tightening == 0:
                return None
            notes.append(f"{what}: solver error")
            break
        if run.termination != "optimal" or chosen is None:
            # not decided in time: HiGHS's dual bound of the relaxation still bounds the model
            bound = larger_bound(bound, run.bound)
            notes.append(f"{what} ({relaxed_pairs} pairs) was not solved in "
                         f"{clock() - t_round:.3g} s ({run.termination})")
            if tightening == 0:
                return RelaxationOutcome(False, None, None, bound, False, relaxed_pairs, 0,
                                         clock() - t0, accepted, "; ".join(notes))
            break
        # an optimal run: its bound is at most its plan's value, recomputed from the data
        value = relaxed.plan_objective(chosen)
        round_bound = value if run.bound is None else min(run.bound, value)
        bound = round_bound if bound is None else max(bound, round_bound)
        relaxed_slot = relaxed.slot_array(chosen)
        notes.append(f"{'relaxation' if tightening == 0 else what} bound {round_bound:.9g} "
                     f"({relaxed_pairs} pairs, {clock() - t_round:.2f} s)")
        own = data.pair_index(data.exchanged(relaxed_slot))
        if own is None:
            break
        if not any(b.any() for b in data.broken_hard_windows(own)):
            own_objective = data.plan_objective(own)
            best = _better(best, own, own_objective)
            notes.append(f"its plan keeps every hard window: {own_objective:.9g}")
        if best is not None and _meets(best[1], bound, mip_rel_gap):
            break
        # Tighten: count the real options of the free orders near the windows where the plan
        # breaks a hard rule or pays soft excess, by their own slots or where the relaxation
        # put them (any exempt subset is a relaxation).
        hot = _hot_window_slots(data, own)
        near = _near(own_slot, hot, radius) | _near(relaxed_slot[data.rows], hot, radius)
        if tightening == most or not (exempt_window & near).any():
            break
        n_near = int((exempt_window & near).sum())
        notes.append(f"{n_near} free order{'s' * (n_near != 1)} near {hot.shape[0]} "
                     f"window{'s' * (hot.shape[0] != 1)} count their options")
        exempt_window = exempt_window & ~near
    assert relaxed_slot is not None and bound is not None  # round 0 returned otherwise
    completion_pairs = 0
    for _try in range(2):
        if best is not None and _meets(best[1], bound, mip_rel_gap):
            break
        left = deadline - clock()
        if left <= 0:
            notes.append("time limit spent")
            break
        completion = _completion(data, free, relaxed_slot, radius)
        completion_pairs = completion.n_pairs
        if np.bincount(completion.pair_order, minlength=data.n_window).min() == 0:
            notes.append(f"completion within {radius} slots: an order has no slot")
        else:
            run_c, chosen_c = solve_array_model(_model(completion, max_reschedules, bound),
                                                time_limit_s=left, mip_rel_gap=mip_rel_gap,
                                                options=run_options)
            notes.append(f"completion within {radius} slots: {run_c.termination} "
                         f"({completion.n_pairs} pairs, {run_c.runtime_s:.2f} s)")
            if run_c.termination == "error":
                break
            if chosen_c is not None:
                pairs = data.pair_index(completion.slot_array(chosen_c))
                if pairs is not None:
                    best = _better(best, pairs, data.plan_objective(pairs))
                if run_c.termination == "optimal":
                    break
        radius *= 2
    solve_s = clock() - t0
    if best is None:
        return RelaxationOutcome(False, None, None, bound, False, relaxed_pairs, completion_pairs,
                                 solve_s, accepted, "; ".join(notes), tightened)
    return RelaxationOutcome(False, best[0], best[1], bound, _meets(best[1], bound, mip_rel_gap),
                             relaxed_pairs, completion_pairs, solve_s, accepted, "; ".join(notes),
                             tightened)


def _relaxed_data(data: ReinsertionData, exempt_window: np.ndarray) -> ReinsertionData:
    """The relaxation in which the window orders ``exempt_window`` count in no ratio window."""
    exempt = np.zeros(data.instance.n_orders, dtype=bool)
    exempt[data.rows[exempt_window]] = True
    return build_data(data.instance, data.weights, max_later_slots=data.max_later_slots,
                      enforce_bounds=data.enforce_bounds, ready_h=data.ready_h,
                      reduce=data.reduced, ratio_exempt=exempt)


def _solve_relaxation(relaxed: ReinsertionData, *, deadline: float, mip_rel_gap: float,
                      options: dict, presolve_retry: bool, highs_options: dict | None,
                      start_slot: np.ndarray | None, max_reschedules: int | None,
                      clock: Callable[[], float]) -> tuple[HighsRun, np.ndarray | None]:
    """Solve a relaxation (:func:`_relaxed_data`).

    Parameters
    ----------
    relaxed
        The relaxation's data.
    deadline
        ``clock()`` time by which to stop.
    mip_rel_gap
        HiGHS's relative gap.
    options
        HiGHS options of the run (:data:`RELAXATION_HIGHS_OPTIONS` and the caller's).
    presolve_retry
        Run with ``options`` for half the time left and, if undecided, again with
        ``highs_options`` only (HiGHS's presolve on) for the rest; else one run.
    highs_options
        The caller's HiGHS options.
    start_slot
        ``(n,)`` slots of a plan of the model (a plan of every relaxation): the MIP start.
    max_reschedules
        The epsilon row's limit, if any.
    clock
        The clock of ``deadline``.

    Returns
    -------
    tuple
        The last run (its ``bound`` the best bound any run proved, ``None`` if none) and its
        chosen pair per window order (``None`` without a plan).
    """
    start = None if start_slot is None else relaxed.pair_index(relaxed.exchanged(start_slot))
    model = _model(relaxed, max_reschedules)
    attempts = [(options, 0.5), (highs_options, 1.0)] if presolve_retry else [(options, 1.0)]
    proven_bounds: list[float] = []
    for attempt_options, share in attempts:
        left = deadline - clock()
        run, chosen = solve_array_model(model, time_limit_s=max(share * left, 1e-3),
                                        mip_rel_gap=mip_rel_gap, options=attempt_options,
                                        start=start)
        if run.bound is not None:
            proven_bounds.append(run.bound)
        if run.termination in ("optimal", "infeasible", "error") or deadline - clock() <= 0:
            break
    return replace(run, bound=max(proven_bounds, default=None)), chosen


def _better(best: tuple[np.ndarray, float] | None, chosen: np.ndarray,
            objective: float) -> tuple[np.ndarray, float]:
    """The better of the best plan so far and ``chosen`` (a plan of the model) of ``objective``."""
    return (chosen, objective) if best is None or objective < best[1] else best


def _hot_window_slots(data: ReinsertionData, chosen: np.ndarray) -> np.ndarray:
    """First slots of the model windows where the plan ``chosen`` (counted with the real
    options) exceeds the cap: a hard rule broken, or soft excess that costs something."""
    hot = [rw.start[excess > 0] for rw, excess in zip(data.ratio, data.soft_excess(chosen), strict=True)
           if rw.rule.hard or data.weights.ratio * rw.rule.penalty > 0]
    return np.unique(np.concatenate(hot)) if hot else np.zeros(0, np.int64)


def _near(slot: np.ndarray, window_start: np.ndarray, radius: int) -> np.ndarray:
    """Bool per entry of ``slot``: within ``radius`` slots of a window start of
    ``window_start`` (ascending)."""
    if not window_start.shape[0]:
        return np.zeros(slot.shape[0], dtype=bool)
    i = np.searchsorted(window_start, slot)
    before = np.abs(slot - window_start[np.maximum(i - 1, 0)])
    after = np.abs(window_start[np.minimum(i, window_start.shape[0] - 1)] - slot)
    return np.minimum(before, after) <= radius


def _model(data: ReinsertionData, max_reschedules: int | None,
           objective_floor: float | None = None) -> ArrayModel:
    """The array model of ``data``, with the epsilon row when there is a reschedule limit."""
    limit = None
    if max_reschedules is not None:
        limit = (data.reschedule_flags(), int(max_reschedules))
    return build_array_model(data, reschedule_limit=limit, objective_floor=objective_floor)


HIGHS_ABSOLUTE_GAP = 1e-6
"""HiGHS's default ``mip_abs_gap``."""


def _meets(objective: float, bound: float, mip_rel_gap: float) -> bool:
    """The objective is within the relative gap of the bound, or within HiGHS's absolute gap
    (HiGHS's own test of optimality)."""
    return objective - bound <= max(mip_rel_gap * abs(objective), HIGHS_ABSOLUTE_GAP)
