"""Solving the Pyomo model with HiGHS (Pyomo's APPSI interface), every option and status checked.

Pitfalls this module guards against (docs/milp.md, "Solving"):

* HiGHS ignores an unknown option or an illegal value with only a log line, and
  Pyomo's interface does not look at the return status. Every option is first
  set on a scratch HiGHS instance, its status checked and its value read back
  (:func:`checked_options`); the solve log is scanned for option errors too.
* The HiGHS thread pool is process-global: every instance gets ``threads=1``
  before anything else, so solves in one process never mix thread counts.
* Pyomo raises on a time limit even when an incumbent exists unless
  ``load_solution`` is off; it is off, and the termination condition and the
  existence of a solution are checked before any value is loaded.
* Whether HiGHS accepted the warm start is read from its log ("MIP start
  solution is feasible/infeasible").
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.common.tee import capture_output

from jisopt.errors import InputError

__all__ = ["DEFAULT_HIGHS_OPTIONS", "HighsRun", "checked_options", "new_highs", "solve_with_highs"]

DEFAULT_HIGHS_OPTIONS: dict[str, object] = {
    "threads": 1,
    "mip_heuristic_run_feasibility_jump": False,
    "random_seed": 0,
}
"""Options set on every HiGHS instance (``threads`` first)."""

_CHECKED: dict[tuple, dict[str, object]] = {}
_START_RE = re.compile(r"MIP start solution is (feasible|infeasible)")
_ASSESS_RE = re.compile(r"Assessing feasibility of MIP solution.*:\s*(feasible|infeasible)")
_OPTION_ERROR_RE = re.compile(r"(getOptionIndex|Option .* unknown|illegal value|not a valid)", re.I)


@dataclass(frozen=True)
class HighsRun:
    """One HiGHS run on a Pyomo model.

    Attributes
    ----------
    termination
        ``optimal``, ``time_limit``, ``infeasible``, ``other_limit`` or ``error``.
    has_solution
        HiGHS holds a feasible solution; its values have been loaded into the model.
    objective, bound
        Incumbent objective and best dual bound (``None`` if unknown).
    runtime_s
        HiGHS's own run time, seconds.
    warm_start_accepted
        ``True``/``False`` from the log, ``None`` if no start was given or the
        log does not say.
    log
        The captured HiGHS log.
    message
        Details on an error.
    """

    termination: str
    has_solution: bool
    objective: float | None
    bound: float | None
    runtime_s: float
    warm_start_accepted: bool | None
    log: str
    message: str = ""

    @classmethod
    def error(cls, message: str, runtime_s: float = 0.0, log: str = "") -> HighsRun:
        """A run that failed: no solution, no bound, ``message`` says why."""
        return cls("error", False, None, None, runtime_s, None, log, message)


def new_highs():
    """A raw HiGHS instance, silent, with ``threads=1`` set first."""
    import highspy

    with capture_output(capture_fd=True):
        h = highspy.Highs()
    status = h.setOptionValue("threads", 1)
    if status != highspy.HighsStatus.kOk:  # pragma: no cover - threads exists in every version
        raise RuntimeError("HiGHS rejected threads=1")
    h.setOptionValue("output_flag", False)
    return h


def checked_options(options: dict[str, object] | None = None) -> dict[str, object]:
    """Merge ``options`` over :data:`DEFAULT_HIGHS_OPTIONS` and verify each.

    Each option is set on a scratch HiGHS instance (``threads=1`` first); the
    returned status must be OK and the value read back must equal the value set.

    Raises
    ------
    InputError
        On an unknown option, an illegal value, or ``threads`` other than 1.
    """
    merged = {**DEFAULT_HIGHS_OPTIONS, **(options or {})}
    key = tuple(sorted((k, repr(v)) for k, v in merged.items()))
    if key in _CHECKED:
        return dict(_CHECKED[key])
    if merged["threads"] != 1:
        raise InputError("HiGHS must run with threads=1 (its thread pool is process-global)",
                         field="highs_options.threads", value=merged["threads"])
    import highspy

    h = new_highs()
    for name, value in merged.items():
        with capture_output(capture_fd=True):
            status = h.setOptionValue(name, value)
        if status != highspy.HighsStatus.kOk:
            raise InputError("HiGHS rejects this option or value", field=f"highs_options.{name}",
                             value=value)
        status, read_back = h.getOptionValue(name)
        if status != highspy.HighsStatus.kOk or not _same(read_back, value):
            raise InputError(f"HiGHS did not take the option (reads back {read_back!r})",
                             field=f"highs_options.{name}", value=value)
    _CHECKED[key] = dict(merged)
    return dict(merged)


def _same(a: object, b: object) -> bool:
    if (isinstance(a, int | float) and isinstance(b, int | float)
            and (isinstance(a, float) or isinstance(b, float))):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


def solve_with_highs(
    model: pyo.ConcreteModel,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    options: dict[str, object] | None = None,
    warm_start: bool = False,
) -> HighsRun:
    """Solve ``model`` with HiGHS through Pyomo's APPSI interface.

    Parameters
    ----------
    model
        The Pyomo model; with ``warm_start``, its variables hold the start values.
    time_limit_s
        HiGHS time limit, seconds.
    mip_rel_gap
        Relative optimality gap at which HiGHS stops.
    options
        Further HiGHS options (checked by :func:`checked_options`).
    warm_start
        Pass the model's current variable values as a MIP start.

    Returns
    -------
    HighsRun
        Never raises for solver trouble: an exception or an unexpected status
        comes back as ``termination="error"`` with a message.
    """
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers.highs import Highs

    opts = checked_options(options)
    buffer = io.StringIO()
    logger = logging.getLogger("jisopt.policies.milp.highs.log")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(buffer)
    logger.addHandler(handler)
    t0 = time.perf_counter()
    try:
        solver = Highs()
        if not solver.available():
            return HighsRun.error(f"HiGHS is not available ({solver.available()})")
        solver.config.load_solution = False
        solver.config.time_limit = float(time_limit_s)
        solver.config.mip_gap = float(mip_rel_gap)
        solver.config.warmstart = bool(warm_start)
        solver.config.stream_solver = False
        solver.config.solver_output_logger = logger
        solver.config.log_level = logging.INFO
        solver.highs_options = opts
        with capture_output(capture_fd=True):  # the banner printed when HiGHS is created
            results = solver.solve(model)
        runtime = float(results.wallclock_time or (time.perf_counter() - t0))
        tc = results.termination_condition
        log = buffer.getvalue()
        from jisopt.policies.milp.highs_model import log_stream

        shown = log_stream()
        if shown is not None:  # --verbose: the log of this run, as HiGHS wrote it
            shown.write(log)
            shown.flush()
        option_errors = [ln for ln in log.splitlines() if _OPTION_ERROR_RE.search(ln)]
        if option_errors:
            return HighsRun.error("HiGHS reported an option error: " + option_errors[0].strip(), runtime, log)
        other_limits = (TerminationCondition.maxIterations, TerminationCondition.objectiveLimit,
                        TerminationCondition.interrupted)
        has_solution = results.best_feasible_objective is not None and (
            tc in (TerminationCondition.optimal, TerminationCondition.maxTimeLimit) or tc in other_limits
        )
        if tc == TerminationCondition.optimal:
            termination = "optimal"
        elif tc == TerminationCondition.maxTimeLimit:
            termination = "time_limit"
        elif tc in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded):
            termination = "infeasible"
        elif tc in other_limits:
            termination = "other_limit"
        else:
            return HighsRun.error(f"HiGHS ended with termination condition {tc.name}", runtime, log)
        if termination == "optimal" and not has_solution:
            return HighsRun.error("HiGHS reports optimal but holds no solution", runtime, log)
        if has_solution:
            results.solution_loader.load_vars()
        bound = results.best_objective_bound
        bound = None if bound is None or not math.isfinite(bound) else float(bound)
        return HighsRun(
            termination=termination,
            has_solution=has_solution,
            objective=None if not has_solution else float(results.best_feasible_objective),
            bound=bound,
            runtime_s=runtime,
            warm_start_accepted=_start_accepted(log) if warm_start else None,
            log=log,
        )
    except Exception as exc:  # solver trouble is a result, not a crash
        return HighsRun.error(f"{type(exc).__name__}: {exc}", time.perf_counter() - t0, buffer.getvalue())
    finally:
        logger.removeHandler(handler)


def _start_accepted(log: str) -> bool | None:
    """Whether the log says the MIP start was feasible (``None``: it does not say)."""
    found = _START_RE.findall(log) or _ASSESS_RE.findall(log)
    if not found:
        return None
    return found[0] == "feasible"
