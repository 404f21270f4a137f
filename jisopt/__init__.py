"""jisopt: resequencing mixed-model assembly lines under unreliable JIS supply."""

from jisopt.errors import InputError, JisoptError
from jisopt.evaluate import Evaluation, Violation, evaluate
from jisopt.instance import DELAY, FAILURE, Instance, RatioRule
from jisopt.plan import Plan, Swap
from jisopt.policies import Policy, RulePolicy, make_policy
from jisopt.scenario import Scenario, load_scenario
from jisopt.weights import Weights

__version__ = "0.1.0"

__all__ = [
    "DELAY",
    "FAILURE",
    "Evaluation",
    "InputError",
    "Instance",
    "JisoptError",
    "Plan",
    "Policy",
    "RatioRule",
    "RulePolicy",
    "Scenario",
    "Swap",
    "Violation",
    "Weights",
    "evaluate",
    "load_scenario",
    "make_policy",
]
