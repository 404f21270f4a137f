"""Policies by name, for the CLI and experiment grids."""

from __future__ import annotations

import re
from typing import Any

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.ratio_rules import RATIO_PREFIX, RATIO_RULE_NAMES, RatioRulePolicy
from jisopt.policies.rules import RULES, RulePolicy
from jisopt.scenario import Scenario

__all__ = ["POLICY_NAMES", "make_policy", "parse_policy_label", "scenario_policy"]

POLICY_NAMES: tuple[str, ...] = (*RULES, *RATIO_RULE_NAMES, "milp")

_SKEW = re.compile(r"^(?P<base>[^()]+)\(skew=(?P<skew>[^()]+)h\)$")


def parse_policy_label(label: str) -> tuple[str, bool, float | None]:
    """Split a policy label (a policy's ``name``) into name, swap and skew threshold.

    ``dynamic`` -> ``("dynamic", False, None)``; ``ratio-dynamic(skew=6h)+swap`` ->
    ``("ratio-dynamic", True, 6.0)``; ``milp+swap`` -> ``("milp", True, None)``. Labels
    round-trip: ``make_policy(policy.name) == policy`` for every rule and ratio-aware
    rule (skew thresholds as the name prints them, ``%g``).

    Raises
    ------
    InputError
        On an option other than ``+swap`` or a malformed skew.
    """
    base, plus, option = label.partition("+")
    if plus and option != "swap":
        raise InputError("unknown policy option (only '+swap')", field="policy", value=label)
    skew = None
    match = _SKEW.match(base)
    if match:
        base = match["base"]
        try:
            skew = float(match["skew"])
        except ValueError:
            raise InputError("the skew threshold must be a number of hours", field="policy",
                             value=label) from None
    return base, bool(plus), skew

_MILP_OPTIONS = (
    "weights", "max_later_slots", "enforce_bounds", "time_limit_s", "mip_rel_gap", "method",
    "fallback", "warm_start", "diagnose", "highs_options", "ratio",
)


def make_policy(name: str, *, swap: bool = False, skew_h: float = 0.0, **options: Any) -> Policy:
    """Build a policy by name.

    Parameters
    ----------
    name
        ``none``, ``step``, ``leap``, ``dynamic``, ``ontime``, their ratio-aware variants
        ``ratio-step``, ``ratio-leap``, ``ratio-dynamic``, ``ratio-ontime``
        (:class:`~jisopt.policies.ratio_rules.RatioRulePolicy`), or ``milp``; or a full
        label as a policy's ``name`` gives it (``dynamic+swap``, ``ratio-dynamic(skew=6h)``,
        :func:`parse_policy_label`).
    swap
        Try the component swap first (also when the label ends in ``+swap``).
    skew_h
        Threshold of the skewed dynamic rule (or from the label).
    **options
        Options of other policy families: for ``milp`` the parameters of
        :class:`~jisopt.policies.milp.ExactPolicy` (``weights`` may also be a
        ``"delay=1,reschedules=0.2"`` string or a mapping).

    Raises
    ------
    InputError
        On an unknown name or an option the policy does not take.
    """
    name, label_swap, label_skew = parse_policy_label(name)
    swap = swap or label_swap
    if label_skew is not None:
        if skew_h and skew_h != label_skew:
            raise InputError(f"the label's skew threshold {label_skew:g} h differs from skew_h",
                             field="skew_h", value=skew_h)
        skew_h = label_skew
    if name in RULES or name in RATIO_RULE_NAMES:
        if options:
            raise InputError(f"option not accepted by rule '{name}'", field="policy",
                             value=sorted(options)[0])
        if name in RATIO_RULE_NAMES:
            return RatioRulePolicy(name[len(RATIO_PREFIX):], swap=swap, skew_h=skew_h)
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
    """:func:`make_policy` for a simulation of ``scenario``: the dynamic rule (plain or
    ratio-aware) takes the scenario's ``dynamic_skew_h`` unless ``skew_h`` is given (as an
    option or in the label)."""
    base, _, label_skew = parse_policy_label(name)
    if base in ("dynamic", RATIO_PREFIX + "dynamic") and label_skew is None:
        options.setdefault("skew_h", scenario.dynamic_skew_h)
    return make_policy(name, **options)
