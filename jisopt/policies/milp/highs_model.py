"""The exact reinsertion model built as sparse arrays and solved with ``highspy`` directly.

The same model as :mod:`jisopt.policies.milp.model` (the readable Pyomo reference,
written out in docs/milp.md), built column by column from the arrays of
:class:`~jisopt.policies.milp.data.ReinsertionData` without any modelling layer:

* columns: ``x[k, s]`` (one binary per candidate pair), ``y[o, s]`` (the
  *aggregated* ratio form only: number of window orders carrying option ``o``
  in slot ``s``, continuous in ``[0, 1]``), ``excess[r, t] >= 0`` (soft windows);
* rows: assignment (``= 1`` per window order), slot capacity (``<= 1`` per
  slot with candidates), in the aggregated form the count links
  ``sum_{carriers k} x[k, s] - y[o, s] = 0``, and one row per ratio window
  ``sum_{t <= s < t + N} y[o, s] (- excess) <= cap - fixed`` (in the *pairs*
  form the window row sums the carriers' ``x`` directly).

The aggregated form has far fewer nonzeros when windows are long (each carrier
pair enters one link row instead of ``N`` window rows); :func:`build_array_model`
picks the form with fewer nonzeros unless told which one. Hard window rows can
be *lazy* (:func:`solve_array_model`): solve without them, add the windows the
plan breaks, solve again, until the plan breaks none; that plan is optimal for
the full model, since every model solved is a relaxation of it.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
import scipy.sparse as sp

from jisopt.policies.milp.data import ReinsertionData
from jisopt.policies.milp.highs import HighsRun, _start_accepted, checked_options, new_highs

__all__ = [
    "RATIO_FORMS",
    "ArrayModel",
    "build_array_model",
    "highs_log_to",
    "solve_array_model",
]

RATIO_FORMS = ("auto", "aggregated", "pairs")
"""How ratio windows enter the model: ``aggregated`` (per-slot option counts, window
rows over them), ``pairs`` (window rows over the carriers' pair columns), ``auto`` (the
one with fewer nonzeros)."""

_LOG_STREAM: contextvars.ContextVar[TextIO | None] = contextvars.ContextVar(
    "jisopt_highs_log_stream", default=None)


@contextlib.contextmanager
def highs_log_to(stream: TextIO | None = sys.stderr) -> Iterator[None]:
    """Within the block, every HiGHS run of the exact model also writes its log to ``stream``
    (``jisopt solve/pareto/gaps --verbose``)."""
    token = _LOG_STREAM.set(stream)
    try:
        yield
    finally:
        _LOG_STREAM.reset(token)


def log_stream() -> TextIO | None:
    """The stream HiGHS logs are shown on (``None``: they are only captured)."""
    return _LOG_STREAM.get()


@dataclass(frozen=True)
class ArrayModel:
    """The exact model of one :class:`ReinsertionData` as arrays.

    Attributes
    ----------
    data
        The model's data.
    ratio_form
        ``aggregated`` or ``pairs`` (see :data:`RATIO_FORMS`).
    col_cost, col_lower, col_upper, col_integer
        ``(n_cols,)`` objective coefficients, bounds and integrality; the first
        ``data.n_pairs`` columns are the pairs' ``x``.
    matrix
        ``(n_rows, n_cols)`` constraint matrix (CSR).
    row_lower, row_upper
        ``(n_rows,)`` row bounds.
    offset
        The objective's constant (``data.constant``).
    count_col
        Per ratio rule, ``(n_slots,)`` column of ``y[o, s]`` for the window slots
        (``-1``: no carrier can take the slot; the pairs form: all ``-1``).
    excess_col
        Per ratio rule, ``(W,)`` column of each window's excess (``-1``: hard rule).
    window_row
        Per ratio rule, ``(W,)`` row of each window.
    lazy_rows
        Rows of hard ratio windows (the candidates for lazy addition).
    """

    data: ReinsertionData
    ratio_form: str
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    col_integer: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float
    count_col: tuple[np.ndarray, ...]
    excess_col: tuple[np.ndarray, ...]
    window_row: tuple[np.ndarray, ...]
    lazy_rows: np.ndarray

    @property
    def nonzeros(self) -> int:
        """Nonzeros of the constraint matrix."""
        return int(self.matrix.nnz)

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return int(self.col_cost.shape[0])

    def start_values(self, chosen: np.ndarray) -> np.ndarray:
        """``(n_cols,)`` column values of the plan given by one chosen pair per window order
        (counts and the least soft excess it implies)."""
        data = self.data
        value = np.zeros(self.n_cols)
        value[chosen] = 1.0
        slot_of = data.pair_slot[chosen]
        for r, rw in enumerate(data.ratio):
            cols = self.count_col[r]
            taken = slot_of[rw.carrier] - data.window_start
            value[cols[taken][cols[taken] >= 0]] = 1.0
        for r, excess in enumerate(data.soft_excess(chosen)):
            cols = self.excess_col[r]
            value[cols[cols >= 0]] = excess[cols >= 0]
        return value

    def broken_hard_windows(self, chosen: np.ndarray) -> np.ndarray:
        """Rows of the hard ratio windows whose count exceeds the cap under ``chosen``."""
        broken = [self.window_row[r][mask]
                  for r, mask in enumerate(self.data.broken_hard_windows(chosen))]
        return np.concatenate(broken) if broken else np.zeros(0, np.int64)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every ``i``, the indices ``lo[i], ..., hi[i] - 1``: ``(owner i, index)`` arrays."""
    length = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(lo.shape[0]), length)
    first = np.concatenate(([0], np.cumsum(length)[:-1])) if lo.size else np.zeros(0, np.int64)
    index = np.arange(owner.shape[0]) - np.repeat(first, length) + np.repeat(lo, length)
    return owner, index


def _window_entries(data: ReinsertionData, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carrier pairs of rule ``r`` sorted by slot, and per window their ``[lo, hi)`` range."""
    rw = data.ratio[r]
    pairs = np.flatnonzero(rw.carrier[data.pair_order])
    pairs = pairs[np.argsort(data.pair_slot[pairs], kind="stable")]
    slots = data.pair_slot[pairs]
    lo = np.searchsorted(slots, rw.start)
    hi = np.searchsorted(slots, rw.start + rw.rule.window)
    return pairs, lo, hi


def ratio_nonzeros(data: ReinsertionData) -> dict[str, int]:
    """Nonzeros of the ratio rows in each form (``aggregated``, ``pairs``)."""
    agg = pairs_nz = 0
    for r, rw in enumerate(data.ratio):
        pairs, lo, hi = _window_entries(data, r)
        slots = np.unique(data.pair_slot[pairs])
        n_soft = 0 if rw.rule.hard else rw.start.shape[0]
        pairs_nz += int((hi - lo).sum()) + n_soft
        s_lo = np.searchsorted(slots, rw.start)
        s_hi = np.searchsorted(slots, rw.start + rw.rule.window)
        agg += pairs.shape[0] + slots.shape[0] + int((s_hi - s_lo).sum()) + n_soft
    return {"aggregated": agg, "pairs": pairs_nz}


def build_array_model(data: ReinsertionData, *, ratio_form: str = "auto",
                      reschedule_limit: tuple[np.ndarray, int] | None = None,
                      objective_floor: float | None = None) -> ArrayModel:
    """Build the exact model of ``data`` as arrays.

    Parameters
    ----------
    data
        The model's data.
    ratio_form
        One of :data:`RATIO_FORMS`.
    reschedule_limit
        ``(flags, limit)``: the Pareto front's epsilon row
        ``sum rescheduled[k, s] x[k, s] <= limit`` (see
        :func:`jisopt.policies.milp.model.add_reschedule_limit`).
    objective_floor
        A proven lower bound of the optimum (e.g. an option relaxation's,
        :mod:`jisopt.policies.milp.relaxation`): the valid row ``objective >= floor``, which
        lets HiGHS stop as soon as a plan reaches it.
    """
    if ratio_form not in RATIO_FORMS:
        raise ValueError(f"ratio_form must be one of {RATIO_FORMS}, not {ratio_form!r}")
    if ratio_form == "auto":
        nz = ratio_nonzeros(data)
        ratio_form = "aggregated" if nz["aggregated"] <= nz["pairs"] else "pairs"
    P, n_slots = data.n_pairs, data.n_slots
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    cost = [data.pair_cost.astype(np.float64)]
    n_rows, n_cols = 0, P

    def add_rows(r_idx: np.ndarray, c_idx: np.ndarray, v: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> np.ndarray:
        nonlocal n_rows
        rows.append(r_idx + n_rows)
        cols.append(c_idx)
        vals.append(v)
        lower.append(lo.astype(np.float64))
        upper.append(hi.astype(np.float64))
        first = n_rows
        n_rows += lo.shape[0]
        return np.arange(first, n_rows)

    def add_cols(n: int, c: np.ndarray) -> np.ndarray:
        nonlocal n_cols
        cost.append(c.astype(np.float64))
        first = n_cols
        n_cols += n
        return np.arange(first, n_cols)

    pair_idx = np.arange(P)
    ones = np.ones(P)
    # 1. assignment: sum_s x[k, s] = 1
    add_rows(data.pair_order, pair_idx, ones, np.ones(data.n_window), np.ones(data.n_window))
    # 2. slot capacity: sum_k x[k, s] <= 1 over the slots with candidates
    used, slot_row = np.unique(data.pair_slot, return_inverse=True)
    add_rows(slot_row.reshape(-1), pair_idx, ones, np.full(used.shape[0], -np.inf),
             np.ones(used.shape[0]))
    count_col, excess_col, window_row, lazy = [], [], [], []
    for r, rw in enumerate(data.ratio):
        pairs, lo, hi = _window_entries(data, r)
        W = rw.start.shape[0]
        counts = np.full(n_slots, -1, dtype=np.int64)
        if ratio_form == "aggregated":
            # y[o, s] = sum of the carrier pairs at s, one column per slot with carriers
            slots, at = np.unique(data.pair_slot[pairs], return_inverse=True)
            y = add_cols(slots.shape[0], np.zeros(slots.shape[0]))
            counts[slots - data.window_start] = y
            link_r = np.concatenate((at.reshape(-1), np.arange(slots.shape[0])))
            link_c = np.concatenate((pairs, y))
            link_v = np.concatenate((np.ones(pairs.shape[0]), -np.ones(slots.shape[0])))
            add_rows(link_r, link_c, link_v, np.zeros(slots.shape[0]), np.zeros(slots.shape[0]))
            owner, index = _ranges(np.searchsorted(slots, rw.start),
                                   np.searchsorted(slots, rw.start + rw.rule.window))
            w_c = y[index]
        else:
            owner, index = _ranges(lo, hi)
            w_c = pairs[index]
        w_v = np.ones(owner.shape[0])
        exc = np.full(W, -1, dtype=np.int64)
        if not rw.rule.hard:
            exc = add_cols(W, np.full(W, data.weights.ratio * rw.rule.penalty))
            owner = np.concatenate((owner, np.arange(W)))
            w_c = np.concatenate((w_c, exc))
            w_v = np.concatenate((w_v, -np.ones(W)))
        rhs = (rw.cap - rw.fixed_count).astype(np.float64)
        w_rows = add_rows(owner, w_c, w_v, np.full(W, -np.inf), rhs)
        count_col.append(counts)
        excess_col.append(exc)
        window_row.append(w_rows)
        if rw.rule.hard:
            lazy.append(w_rows)
    if reschedule_limit is not None:
        flags, limit = reschedule_limit
        on = np.flatnonzero(np.asarray(flags, dtype=float))
        add_rows(np.zeros(on.shape[0], np.int64), on, np.ones(on.shape[0]), np.array([-np.inf]),
                 np.array([float(limit)]))
    col_cost = np.concatenate(cost)
    if objective_floor is not None and math.isfinite(objective_floor):
        on = np.flatnonzero(col_cost)
        add_rows(np.zeros(on.shape[0], np.int64), on, col_cost[on],
                 np.array([objective_floor - float(data.constant)]), np.array([np.inf]))
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n_rows, n_cols))
    n_extra = n_cols - P
    return ArrayModel(
        data=data,
        ratio_form=ratio_form,
        col_cost=col_cost,
        col_lower=np.zeros(n_cols),
        col_upper=np.concatenate((np.ones(P), np.full(n_extra, np.inf))),
        col_integer=np.concatenate((np.ones(P, bool), np.zeros(n_extra, bool))),
        matrix=matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        offset=float(data.constant),
        count_col=tuple(count_col),
        excess_col=tuple(excess_col),
        window_row=tuple(window_row),
        lazy_rows=np.concatenate(lazy) if lazy else np.zeros(0, np.int64),
    )


def _new_highs(options: dict[str, object], log: list[str]) -> Any:
    """A HiGHS instance with the checked options (``threads=1`` first), its log captured."""
    h = new_highs()
    for name, value in options.items():
        h.setOptionValue(name, value)
    stream = log_stream()

    def on_log(event: Any) -> None:
        log.append(event.message)
        if stream is not None:
            stream.write(event.message)

    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.cbLogging.subscribe(on_log)
    return h


def _pass_model(h: Any, model: ArrayModel, active_rows: np.ndarray) -> None:
    """Pass the columns and the ``active_rows`` of ``model`` to HiGHS (column-wise arrays)."""
    import highspy

    a = model.matrix[active_rows].tocsc()
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = int(active_rows.shape[0])
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower[active_rows]
    lp.row_upper_ = model.row_upper[active_rows]
    lp.offset_ = model.offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = int(active_rows.shape[0])
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in model.col_integer.tolist()]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model arrays")


def _add_rows(h: Any, model: ArrayModel, new_rows: np.ndarray) -> None:
    """Add rows of ``model`` to the model HiGHS holds."""
    import highspy

    a = model.matrix[new_rows]
    status = h.addRows(int(new_rows.shape[0]), model.row_lower[new_rows], model.row_upper[new_rows],
                       int(a.nnz), a.indptr.astype(np.int32), a.indices.astype(np.int32),
                       a.data.astype(np.float64))
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the added rows")


def _set_start(h: Any, values: np.ndarray) -> None:
    import highspy

    sol = highspy.HighsSolution()
    sol.col_value = values.tolist()
    sol.value_valid = True
    h.setSolution(sol)


_TERMINATION = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kInfeasible": "infeasible",
    "kInterrupt": "other_limit",
    "kHighsInterrupt": "other_limit",
    "kIterationLimit": "other_limit",
    "kSolutionLimit": "other_limit",
    "kObjectiveBound": "other_limit",
    "kObjectiveTarget": "other_limit",
}


def solve_array_model(
    model: ArrayModel,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    options: dict[str, object] | None = None,
    start: np.ndarray | None = None,
    lazy: bool = False,
) -> tuple[HighsRun, np.ndarray | None]:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    model
        The model.
    time_limit_s
        Wall-clock limit over every HiGHS run of the call, seconds.
    mip_rel_gap
        Relative gap at which HiGHS stops.
    options
        Further HiGHS options (checked by :func:`~jisopt.policies.milp.highs.checked_options`).
    start
        ``(n_window,)`` chosen pair per window order of a plan the model accepts: the
        MIP start (given again to every lazy round, where it stays feasible).
    lazy
        Start without the hard ratio windows; add the ones the plan breaks and solve again
        until it breaks none (each round gets the time left).

    Returns
    -------
    tuple
        The :class:`~jisopt.policies.milp.highs.HighsRun` (objective and bound as HiGHS
        reports them, ``log`` over all rounds) and the chosen pair per window order
        (``None`` without a plan). Solver trouble is a run with ``termination="error"``.
        A lazy round stopped by the time limit with a plan that breaks a hard window
        returns the start instead (``time_limit``, objective from the model's data), or
        no plan without a start.
    """
    opts = checked_options(options)
    log: list[str] = []
    t0 = time.perf_counter()
    data = model.data
    try:
        h = _new_highs(opts, log)
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        all_rows = np.arange(model.row_lower.shape[0])
        active = np.setdiff1d(all_rows, model.lazy_rows) if lazy else all_rows
        _pass_model(h, model, active)
        start_values = None if start is None else model.start_values(start)
        accepted: bool | None = None
        rounds = 0
        while True:
            left = time_limit_s - (time.perf_counter() - t0)
            if left <= 0 and rounds:
                return _start_or_nothing(model, start, accepted, t0, log,
                                         "time limit spent between lazy rounds")
            h.setOptionValue("time_limit", max(left, 1e-3))
            if start_values is not None:
                _set_start(h, start_values)
            n_log = len(log)
            h.run()
            rounds += 1
            if start_values is not None and accepted is None:
                accepted = _start_accepted("".join(log[n_log:]))
            status = h.getModelStatus()
            termination = _TERMINATION.get(status.name)
            if termination is None:
                return HighsRun.error(f"HiGHS ended with model status {h.modelStatusToString(status)}",
                                      time.perf_counter() - t0, "".join(log)), None
            info = h.getInfo()
            has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
            if termination == "infeasible":
                return HighsRun("infeasible", False, None, None, time.perf_counter() - t0, accepted,
                                "".join(log)), None
            bound = float(info.mip_dual_bound)
            bound_or_none = bound if math.isfinite(bound) else None
            if not has_solution:
                if termination == "optimal":
                    return HighsRun.error("HiGHS reports optimal but holds no solution",
                                          time.perf_counter() - t0, "".join(log)), None
                return HighsRun(termination, False, None, bound_or_none, time.perf_counter() - t0,
                                accepted, "".join(log)), None
            x = np.asarray(h.getSolution().col_value[: data.n_pairs])
            chosen = _chosen(x, data)
            if chosen is None:
                return HighsRun.error("HiGHS solution does not give every window order exactly one "
                                      "slot", time.perf_counter() - t0, "".join(log)), None
            broken = model.broken_hard_windows(chosen) if lazy else np.zeros(0, np.int64)
            if not broken.size:
                return HighsRun(termination, True, float(info.objective_function_value),
                                bound_or_none, time.perf_counter() - t0, accepted,
                                "".join(log)), chosen
            if termination != "optimal" and time_limit_s - (time.perf_counter() - t0) <= 0:
                return _start_or_nothing(model, start, accepted, t0, log,
                                         "time limit reached in a lazy round", bound_or_none)
            _add_rows(h, model, broken)
    except Exception as exc:  # solver trouble is a result, not a crash
        return HighsRun.error(f"{type(exc).__name__}: {exc}", time.perf_counter() - t0,
                              "".join(log)), None


def _start_or_nothing(model: ArrayModel, start: np.ndarray | None, accepted: bool | None, t0: float,
                      log: list[str], why: str,
                      bound: float | None = None) -> tuple[HighsRun, np.ndarray | None]:
    """The end of a lazy solve stopped by time: the start (a plan of the full model) if any."""
    runtime = time.perf_counter() - t0
    if start is None:
        return HighsRun("time_limit", False, None, bound, runtime, accepted, "".join(log), why), None
    return HighsRun("time_limit", True, model.data.plan_objective(start), bound, runtime, accepted,
                    "".join(log), why), start


def _chosen(x: np.ndarray, data: ReinsertionData) -> np.ndarray | None:
    """Chosen pair per window order from the pair columns' values (``None`` unless one each)."""
    take = np.flatnonzero(x > 0.5)
    if take.shape[0] != data.n_window or not np.array_equal(
        np.sort(data.pair_order[take]), np.arange(data.n_window)
    ):
        return None
    return take[np.argsort(data.pair_order[take], kind="stable")]
