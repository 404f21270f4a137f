"""Policies: the reinsertion rules and the exact model, behind one protocol."""

from jisopt.policies.base import Policy
from jisopt.policies.ratio_rules import RATIO_RULE_NAMES, RatioRulePolicy
from jisopt.policies.registry import POLICY_NAMES, make_policy, parse_policy_label, scenario_policy
from jisopt.policies.rules import RULES, RulePolicy

__all__ = [
    "POLICY_NAMES",
    "RATIO_RULE_NAMES",
    "RULES",
    "Policy",
    "RatioRulePolicy",
    "RulePolicy",
    "make_policy",
    "parse_policy_label",
    "scenario_policy",
]
