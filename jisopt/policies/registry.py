"""Policies by name, for the CLI and experiment grids."""

from __future__ import annotations

from typing import Any

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.rules import RULES, RulePolicy
from jisopt.scenario import Scenario

__all__ = ["POLICY_NAMES", "make_policy", "scenario_policy"]

POLICY_NAMES: tuple[str, ...] = (*RULES, "milp")

_MILP_OPTIONS = (
    "weights", "max_later_slots", "enforce_bounds", "time_limit_s", "mip_rel_gap", "method",
    "fallback", "warm_start", "diagnose", "highs_options",
)


def make_policy(name: str, *, swap: bool = False, skew_h: float = 0.0, **options: Any) -> Policy:
    """Build a policy by name.

    Parameters
    ----------
    name
        ``none``, ``step``, ``leap``, ``dynamic``, ``ontime`` or ``milp``.
    swap
        Try the component swap first.
    skew_h
        Threshold of the skewed dynamic rule.
    **options
        Options of other policy families: for ``milp`` the parameters of
        :class:`~jisopt.policies.milp.ExactPolicy` (``weights`` may also be a
        ``"delay=1,reschedules=0.2"`` string or a mapping).

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
    if name == "milp":
        from jisopt.policies.milp.policy import ExactPolicy, parse_weights

        if skew_h:
            raise InputError("a skew threshold applies to the dynamic rule only", field="skew_h",
                             value=skew_h)
        unknown = sorted(set(options) - set(_MILP_OPTIONS))
        if unknown:
            raise InputError(f"option not accepted by policy 'milp' (options: {', '.join(_MILP_OPTIONS)})",
                             field="policy", value=unknown[0])
        if "weights" in options:
            options["weights"] = parse_weights(options["weights"])
        return ExactPolicy(swap=swap, **options)
    raise InputError(f"unknown policy (policies: {', '.join(POLICY_NAMES)})", field="policy",
                     value=name)


def scenario_policy(name: str, scenario: Scenario, **options: Any) -> Policy:
    """:func:`make_policy` for a simulation of ``scenario``: the dynamic rule takes the
    scenario's ``dynamic_skew_h`` unless ``skew_h`` is given."""
    if name == "dynamic":
        options.setdefault("skew_h", scenario.dynamic_skew_h)
    return make_policy(name, **options)
