"""Policies: the reinsertion rules, the exact model and plug-ins, behind one protocol."""

from jisopt.policies.base import Policy
from jisopt.policies.ratio_rules import RATIO_RULE_NAMES, RatioRulePolicy
from jisopt.policies.registry import POLICY_NAMES, make_policy
from jisopt.policies.rules import RULES, RulePolicy
from jisopt.policies.spec import ENTRY_POINT_GROUP, PolicySpec, policy_identity, split_labels

__all__ = [
    "ENTRY_POINT_GROUP",
    "POLICY_NAMES",
    "RATIO_RULE_NAMES",
    "RULES",
    "Policy",
    "PolicySpec",
    "RatioRulePolicy",
    "RulePolicy",
    "make_policy",
    "policy_identity",
    "split_labels",
]
