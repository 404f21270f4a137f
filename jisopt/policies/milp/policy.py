"""The exact model as a policy: ``make_policy("milp", ...)``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from jisopt.errors import InputError
from jisopt.instance import Instance
from jisopt.objective import Weights
from jisopt.plan import Plan
from jisopt.policies.milp.solve import check_arguments, policy_name, solve_exact
from jisopt.policies.rules import RulePolicy

__all__ = ["ExactPolicy"]


@dataclass(frozen=True)
class ExactPolicy:
    """Optimal reinsertion of every disrupted order of an instant (docs/model.md §5).

    Parameters
    ----------
    weights
        Objective weights; ``None``: the instance's own weights, else the defaults.
    max_later_slots
        ``K`` (default: the number of disrupted orders of the instance).
    enforce_bounds
        Keep each disrupted order within its own [step, leap].
    swap
        Carry out the component swaps first, then reinsert the orders still
        disrupted (as the rules' swap option does).
    time_limit_s, mip_rel_gap
        HiGHS limits (the MILP paths, i.e. with ratio rules).
    method
        ``auto``, ``pyomo``, ``highs`` or ``fast``; see :func:`~jisopt.policies.milp.solve_exact`.
    fallback
        Rule whose plan is returned when the model has no plan (infeasible,
        solver error, time limit without incumbent); ``None``: keep the sequence.
    warm_start, highs_options
        As in :func:`~jisopt.policies.milp.solve_exact`.
    diagnose
        As in :func:`~jisopt.policies.milp.solve_exact`, but off by default: inside a
        simulation an infeasible event is answered by the fallback rule without the
        diagnosis re-solves (``jisopt solve`` turns it on; ``milp[diagnose=true]`` asks for
        it in a simulation).
    ratio
        ``model``: the instance's ratio rules are constraints / costs of the model;
        ``ignore``: the model is solved without them (the assignment path, fast at car
        scale) and the plan is judged with them like any other plan, so its ratio
        violations show in ``evaluate`` and in the simulator's KPIs.

    Notes
    -----
    The returned :class:`~jisopt.plan.Plan` has ``status`` = the solver status
    (``optimal``, ``feasible``, ``infeasible``, ``time_limit_no_solution``,
    ``error``) and ``info`` = :meth:`SolveResult.as_info` (objective, bound, gap,
    method, warm start, message, fallback, sizes and times).
    """

    weights: Weights | None = None
    max_later_slots: int | None = None
    enforce_bounds: bool = True
    swap: bool = False
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-6
    method: str = "auto"
    fallback: str | None = "dynamic"
    warm_start: bool = True
    diagnose: bool = False  # off in simulations; jisopt solve asks for it
    highs_options: dict | None = field(default=None, hash=False)
    ratio: str = "model"

    def __post_init__(self) -> None:
        if self.ratio not in ("model", "ignore"):
            raise InputError("must be 'model' or 'ignore'", field="ratio", value=self.ratio)
        check_arguments(self.method, self.time_limit_s, self.mip_rel_gap, self.max_later_slots,
                        self.fallback, self.weights, self.highs_options)

    @property
    def name(self) -> str:
        """``milp``, or ``milp+swap``."""
        return policy_name(self.swap)

    def __call__(self, instance: Instance) -> Plan:
        """Solve the exact model for ``instance``; the plan's ``info`` is :meth:`SolveResult.as_info`."""
        t0 = time.perf_counter()
        modelled = instance.replace(ratio_rules=()) if self.ratio == "ignore" else instance
        result = solve_exact(
            modelled, self.weights, max_later_slots=self.max_later_slots,
            enforce_bounds=self.enforce_bounds, swap=self.swap, method=self.method,
            time_limit_s=self.time_limit_s, mip_rel_gap=self.mip_rel_gap, warm_start=self.warm_start,
            fallback=self.fallback,
            diagnose=self.diagnose, highs_options=self.highs_options,
        )
        swaps = () if result.plan is None else result.plan.swaps
        if result.plan is not None:
            slot = result.plan.slot
        elif self.fallback is not None:
            fb = RulePolicy(self.fallback, swap=self.swap)(instance)
            slot, swaps = fb.slot, fb.swaps
            result = replace(result, fallback=self.fallback, message=(
                f"{result.message}; returning the {self.fallback} rule's plan instead"))
        else:
            slot = instance.slot.copy()
            result = replace(result, message=f"{result.message}; keeping the current sequence")
        return Plan(slot, self.name, swaps, time.perf_counter() - t0, result.status.value,
                    result.as_info(), solver=result)


def parse_weights(value: object) -> Weights | None:
    """Accept a :class:`Weights`, a ``"delay=1,reschedules=0.2"`` string, a mapping or ``None``."""
    if value is None or isinstance(value, Weights):
        return value
    if isinstance(value, str):
        return Weights.parse(value)
    if isinstance(value, dict):
        return Weights.from_mapping(value)
    raise InputError("weights must be a Weights object, a 'key=value,...' string or a mapping",
                     field="weights", value=value)
