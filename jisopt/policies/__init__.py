"""Policies: the reinsertion rules and the exact model, behind one protocol."""

from jisopt.policies.base import Policy
from jisopt.policies.registry import POLICY_NAMES, make_policy, scenario_policy
from jisopt.policies.rules import RULES, RulePolicy

__all__ = ["POLICY_NAMES", "RULES", "Policy", "RulePolicy", "make_policy", "scenario_policy"]
