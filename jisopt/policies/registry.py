"""Policies by name, for the CLI and experiment grids."""

from __future__ import annotations

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.rules import RULES, RulePolicy

__all__ = ["POLICY_NAMES", "make_policy"]

POLICY_NAMES: tuple[str, ...] = RULES


def make_policy(name: str, *, swap: bool = False, skew_h: float = 0.0, **options) -> Policy:
    """Build a policy by name.

    Parameters
    ----------
    name
        ``none``, ``step``, ``leap``, ``dynamic`` or ``ontime``.
    swap
        Try the component swap first.
    skew_h
        Threshold of the skewed dynamic rule.
    **options
        Options of other policy families.

    Raises
    ------
    InputError
        On an unknown name or an option the policy does not take.
    """
    if name in RULES:
        if options:
            raise InputError(f"option not accepted by rule '{name}'", field="policy",
                             value=sorted(options)[0])
        return RulePolicy(name, swap=swap, skew_h=skew_h)
    raise InputError(f"unknown policy (policies: {', '.join(POLICY_NAMES)})", field="policy",
                     value=name)
