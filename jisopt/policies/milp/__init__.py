"""Exact reinsertion within permutable-subsequence bounds (docs/model.md §5; docs/milp.md).

``solve_exact(instance, weights)`` builds the model once as arrays
(:mod:`.data`), solves it as a sparse assignment problem when there are no
ratio rules (:mod:`.fast`) or as a Pyomo model with HiGHS (:mod:`.model`,
:mod:`.highs`), and returns a :class:`SolveResult`. :class:`ExactPolicy` is the
same as a policy (``make_policy("milp")``).
"""

from jisopt.policies.milp.data import ReinsertionData, build_data
from jisopt.policies.milp.policy import ExactPolicy
from jisopt.policies.milp.result import SolveResult, SolveStatus
from jisopt.policies.milp.solve import METHODS, best_rule_plan, solve_exact

__all__ = [
    "METHODS",
    "ExactPolicy",
    "ReinsertionData",
    "SolveResult",
    "SolveStatus",
    "best_rule_plan",
    "build_data",
    "solve_exact",
]
