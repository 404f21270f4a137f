"""The fast exact path: the model without ratio rules as a sparse assignment problem.

Without ratio rules every constraint but "one slot per order, one order per
slot" is a bound on an order's slot, so the model is a rectangular assignment
problem (window orders × window slots; the spare and empty slots are the
columns no order takes, at zero cost). Its LP relaxation is integral, and the
Jonker–Volgenant algorithm for sparse graphs
(:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`) solves it
exactly in a few milliseconds on the paper's 1344-slot frozen zone. It was the
fastest of the candidates measured in ``benchmarks/bench_milp.py`` (dense
``linear_sum_assignment``, a HiGHS LP, networkx min-cost flow).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from jisopt.policies.milp.data import ReinsertionData
from jisopt.policies.milp.result import PathOutcome, SolveStatus

__all__ = ["solve_assignment"]


def solve_assignment(data: ReinsertionData) -> PathOutcome:
    """Solve the model without ratio rules exactly.

    Parameters
    ----------
    data
        The model data (must have no ratio rules).

    Returns
    -------
    PathOutcome
        ``OPTIMAL`` with the chosen pair per window order, ``INFEASIBLE`` (no full
        matching), or ``ERROR`` (a cost that is not finite, another solver failure).

    Notes
    -----
    LAPJVsp needs non-zero edge weights, so every cost is shifted by the same
    amount ``1 - min(cost)``; every window order takes exactly one pair, so the
    shift changes the optimum's value by ``n_window * shift`` and not its argmin.
    The objective is recomputed from the unshifted costs.
    """
    if data.has_ratio_rules:
        raise ValueError("the assignment path does not handle ratio rules; use the Pyomo model")
    t0 = time.perf_counter()
    empty = data.empty_intervals
    if empty.size:
        return PathOutcome(SolveStatus.INFEASIBLE, message=data.describe_interval(int(empty[0])),
                           solve_s=time.perf_counter() - t0)
    n_window = data.n_window
    if n_window == 0:
        return PathOutcome(SolveStatus.OPTIMAL, np.zeros(0, dtype=np.int64), data.constant,
                           data.constant, solve_s=time.perf_counter() - t0)
    cost = data.pair_cost
    if not np.isfinite(cost).all():
        return PathOutcome(SolveStatus.ERROR, message="a pair cost is not finite",
                           solve_s=time.perf_counter() - t0)
    # (cost - min) + 1 >= 1: no edge weight rounds to zero, whatever the magnitudes.
    shifted = (cost - float(cost.min())) + 1.0
    graph = csr_matrix(
        (shifted, (data.pair_order, data.pair_slot - data.window_start)),
        shape=(n_window, data.n_slots),
    )
    try:
        order_pos, col = min_weight_full_bipartite_matching(graph)
    except ValueError as exc:
        if "no full matching" not in str(exc):  # anything else is a solver failure
            return PathOutcome(SolveStatus.ERROR, message=f"assignment solver failed: {exc}",
                               solve_s=time.perf_counter() - t0)
        return PathOutcome(
            SolveStatus.INFEASIBLE,
            message="no assignment gives every window order its own slot within its bounds",
            solve_s=time.perf_counter() - t0,
        )
    slot = np.empty(n_window, dtype=np.int64)
    slot[order_pos] = col + data.window_start
    full = data.instance.slot.copy()
    full[data.rows] = slot
    chosen = data.pair_index(full)
    if chosen is None:  # pragma: no cover - the matching only uses candidate edges
        return PathOutcome(SolveStatus.ERROR, message="matching used a slot outside an interval",
                           solve_s=time.perf_counter() - t0)
    objective = data.plan_objective(chosen)
    return PathOutcome(SolveStatus.OPTIMAL, chosen, objective, objective,
                       solve_s=time.perf_counter() - t0)
