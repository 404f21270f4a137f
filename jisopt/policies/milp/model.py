"""The exact reinsertion model as a Pyomo model (docs/model.md §5; written out in docs/milp.md).

One function per part of the formulation. The slot-bound families
(readiness and call-off, no earlier move for started orders, line freeze,
[step, leap] of disrupted orders, at most ``K`` slots later) are computed in
:mod:`jisopt.policies.milp.data` as one interval per window order; the model
creates the assignment variable ``x[k, s]`` only for the slots ``s`` in order
``k``'s interval, which is the same as adding ``x[k, s] = 0`` for every other
slot and keeps the model as small as the candidate set.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from jisopt.policies.milp.data import ReinsertionData

__all__ = ["add_reschedule_limit", "build_model", "chosen_pairs", "set_start"]


def build_model(data: ReinsertionData) -> pyo.ConcreteModel:
    """Build the Pyomo model of ``data``.

    Sets: ``ORDERS`` (window orders, by position ``k``), ``SLOTS`` (window
    slots), ``PAIRS`` (candidate ``(k, s)``), ``RATIO_WINDOWS`` (``(r, t)``: rule
    ``r``, window starting at slot ``t``). Variables: ``x[k, s]`` binary, order
    ``k`` takes slot ``s``; ``excess[r, t] >= 0`` for soft rules.
    """
    m = pyo.ConcreteModel(name=f"reinsertion[{data.instance.name}]")
    m.data_pairs = list(zip(data.pair_order.tolist(), data.pair_slot.tolist(), strict=True))
    m.ORDERS = pyo.Set(initialize=range(data.n_window), ordered=True)
    m.SLOTS = pyo.Set(initialize=range(data.window_start, data.end), ordered=True)
    m.PAIRS = pyo.Set(dimen=2, initialize=m.data_pairs, ordered=True)
    m.x = pyo.Var(m.PAIRS, domain=pyo.Binary)
    _assign_each_order(m, data)
    _slot_capacity(m, data)
    _ratio_rules(m, data)
    _objective(m, data)
    return m


def _assign_each_order(m: pyo.ConcreteModel, data: ReinsertionData) -> None:
    """Every window order takes exactly one slot of its interval:
    ``sum_s x[k, s] = 1`` for every ``k`` in ``ORDERS``."""
    by_order: list[list[int]] = [[] for _ in range(data.n_window)]
    for k, s in m.data_pairs:
        by_order[k].append(s)

    def rule(m, k):
        return pyo.quicksum(m.x[k, s] for s in by_order[k]) == 1

    m.assign_each_order = pyo.Constraint(m.ORDERS, rule=rule)


def _slot_capacity(m: pyo.ConcreteModel, data: ReinsertionData) -> None:
    """Every window slot holds at most one order: ``sum_k x[k, s] <= 1`` for every
    ``s`` in ``SLOTS`` (a slot left empty is a gap)."""
    by_slot: dict[int, list[int]] = {}
    for k, s in m.data_pairs:
        by_slot.setdefault(s, []).append(k)

    def rule(m, s):
        if s not in by_slot:
            return pyo.Constraint.Skip
        return pyo.quicksum(m.x[k, s] for k in by_slot[s]) <= 1

    m.slot_capacity = pyo.Constraint(m.SLOTS, rule=rule)


def _ratio_rules(m: pyo.ConcreteModel, data: ReinsertionData) -> None:
    """``H:N`` rules over every window of ``N`` consecutive slots that a carrier
    of the option can enter:

    ``fixed[r, t] + sum_{k carries r, t <= s < t + N} x[k, s] <= cap[r, t] (+ excess[r, t])``

    where ``fixed[r, t]`` counts the carriers outside the reinsertion window in
    those slots; ``cap[r, t]`` is ``max(H_r, count under the input sequence)``
    (:func:`jisopt.ratio.window_caps`: a window the input already breaks may not get
    worse; a soft rule pays for the excess over the same cap); the ``excess`` term
    only for soft rules. Empty slots carry no option.
    """
    windows = [(r, int(t)) for r, rw in enumerate(data.ratio) for t in rw.start]
    m.RATIO_WINDOWS = pyo.Set(dimen=2, initialize=windows, ordered=True)
    soft = [(r, t) for r, t in windows if not data.ratio[r].rule.hard]
    m.SOFT_WINDOWS = pyo.Set(dimen=2, initialize=soft, ordered=True)
    m.excess = pyo.Var(m.SOFT_WINDOWS, domain=pyo.NonNegativeReals)
    if not windows:
        return
    fixed, cap = {}, {}
    carrier_pairs = []  # per rule: (slots ascending, orders) of the carriers' candidate pairs
    for r, rw in enumerate(data.ratio):
        fixed.update({(r, int(t)): int(c) for t, c in zip(rw.start, rw.fixed_count, strict=True)})
        cap.update({(r, int(t)): int(c) for t, c in zip(rw.start, rw.cap, strict=True)})
        idx = np.flatnonzero(rw.carrier[data.pair_order])
        idx = idx[np.argsort(data.pair_slot[idx], kind="stable")]
        carrier_pairs.append((data.pair_slot[idx], data.pair_order[idx]))

    def rule(m, r, t):
        slots, orders = carrier_pairs[r]
        rule_r = data.ratio[r].rule
        lo, hi = np.searchsorted(slots, [t, t + rule_r.window])
        count = fixed[r, t] + pyo.quicksum(
            m.x[int(k), int(s)] for k, s in zip(orders[lo:hi], slots[lo:hi], strict=True)
        )
        if rule_r.hard:
            return count <= cap[r, t]
        return count <= cap[r, t] + m.excess[r, t]

    m.ratio_rule = pyo.Constraint(m.RATIO_WINDOWS, rule=rule)


def add_reschedule_limit(m: pyo.ConcreteModel, data: ReinsertionData, flags: np.ndarray,
                         limit: int) -> None:
    """Epsilon constraint of the Pareto front (not part of docs/model.md §5):
    ``sum_{(k,s)} rescheduled[k, s] x[k, s] <= limit``, where ``rescheduled[k, s]`` is the
    ``reschedules`` term of :func:`jisopt.objective.pair_terms` for the pair (orders
    outside the window do not move, so they add nothing)."""
    coef = dict(zip(m.data_pairs, np.asarray(flags, dtype=float).tolist(), strict=True))
    m.reschedule_limit = pyo.Constraint(
        expr=pyo.quicksum(coef[p] * m.x[p] for p in m.data_pairs if coef[p]) <= limit
    )


def _objective(m: pyo.ConcreteModel, data: ReinsertionData) -> None:
    """Minimise

    ``sum_{(k,s)} c[k, s] x[k, s] + C + w_ratio * sum_{soft r, t} p_r * excess[r, t]``

    with ``c[k, s]`` the weighted separable terms of placing window order ``k``
    at slot ``s`` (:func:`jisopt.objective.pair_terms`: ``w_delay`` · delay (h)
    + ``w_reschedules`` · [started and moved] + ``w_displacement`` · |s - c| · takt
    (h) + ``w_stock`` · component-hours waiting + ``w_idle`` · (-1 if ``s`` is in
    the horizon)), ``C`` the constant (orders outside the window at their slots,
    ``w_idle`` · horizon slots, fixed soft-ratio excess) and ``p_r`` the penalty of
    soft rule ``r`` per unit of excess.
    """
    cost = dict(zip(m.data_pairs, data.pair_cost.tolist(), strict=True))
    expr = pyo.quicksum(cost[p] * m.x[p] for p in m.data_pairs) + data.constant
    if len(m.SOFT_WINDOWS):
        ratio_cost = [data.weights.ratio * rw.rule.penalty for rw in data.ratio]
        expr = expr + pyo.quicksum(ratio_cost[r] * m.excess[r, t] for r, t in m.SOFT_WINDOWS)
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)


def set_start(m: pyo.ConcreteModel, data: ReinsertionData, chosen: np.ndarray) -> None:
    """Set the variable values of a start solution (one chosen pair per window order),
    including the soft excess it implies."""
    take = set(zip(data.pair_order[chosen].tolist(), data.pair_slot[chosen].tolist(), strict=True))
    for p in m.data_pairs:
        m.x[p].set_value(1 if p in take else 0)
    for r, excess in enumerate(data.soft_excess(chosen)):
        if data.ratio[r].rule.hard:
            continue
        for t, e in zip(data.ratio[r].start.tolist(), excess.tolist(), strict=True):
            m.excess[r, t].set_value(e)


def chosen_pairs(m: pyo.ConcreteModel, data: ReinsertionData) -> np.ndarray | None:
    """Index of the chosen pair per window order from the loaded values, or
    ``None`` if some order does not have exactly one slot."""
    values = np.array([m.x[p].value or 0.0 for p in m.data_pairs])
    take = np.flatnonzero(values > 0.5)
    if take.shape[0] != data.n_window or not np.array_equal(
        np.sort(data.pair_order[take]), np.arange(data.n_window)
    ):
        return None
    return take[np.argsort(data.pair_order[take], kind="stable")]
