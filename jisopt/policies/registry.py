"""Policies by name: :func:`make_policy`, a shorthand for :class:`~jisopt.policies.spec.PolicySpec`."""

from __future__ import annotations

from typing import Any

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.spec import BUILTIN_POLICY_NAMES, MILP_OPTIONS, PolicySpec

__all__ = ["POLICY_NAMES", "make_policy"]

POLICY_NAMES: tuple[str, ...] = BUILTIN_POLICY_NAMES
"""Names of the built-in policies."""


def make_policy(name: str, *, swap: bool = False, skew_h: float = 0.0, **options: Any) -> Policy:
    """Build a policy from a label and keyword options (no scenario).

    ``make_policy(label, swap=s, skew_h=h, **options)`` is
    ``PolicySpec.parse(label)`` with those options merged in, then
    :meth:`~jisopt.policies.spec.PolicySpec.build`.

    Parameters
    ----------
    name
        A label: ``none``, ``step``, ``leap``, ``dynamic``, ``ontime``, ``ratio-step``, ...,
        ``milp``, with options as a policy's ``name`` or a spec's ``label`` writes them
        (``dynamic(skew=6h)+swap``), or a plug-in (``module:Attr``, ``./file.py:Attr``,
        an entry-point name); see docs/policies.md.
    swap
        Try the component swap first (also when the label ends in ``+swap``).
    skew_h
        Threshold of the skewed dynamic rule; 0 leaves the label's (if any).
    **options
        Other options of the policy: for ``milp`` the parameters of
        :class:`~jisopt.policies.milp.ExactPolicy` (``weights`` may also be a
        ``"delay=1,reschedules=0.2"`` string or a mapping); for a plug-in the keyword
        arguments of its class or factory.

    Raises
    ------
    InputError
        On an unknown name or an option the policy does not take.
    """
    spec = PolicySpec.parse(name)
    if skew_h:
        if spec.skew_h is not None and spec.skew_h != skew_h:
            raise InputError(f"the label's skew threshold {spec.skew_h:g} h differs from skew_h",
                             field="skew_h", value=skew_h)
        spec = spec.replace(skew_h=skew_h)
    if swap:
        spec = spec.replace(swap=True)
    direct = {k: options.pop(k) for k in list(options) if not _label_value(options[k])}
    if options:
        spec = spec.replace(options=options)
    if not direct:
        return spec.build()
    if not spec.is_builtin or spec.is_rule:
        spec = spec.replace(options=direct)  # the spec's own check names the option
        return spec.build()
    from jisopt.policies.milp.policy import ExactPolicy, parse_weights

    unknown = sorted(set(direct) - set(MILP_OPTIONS))
    if unknown:
        raise InputError(f"option not accepted by policy 'milp' (options: {', '.join(MILP_OPTIONS)})",
                         field="policy", value=unknown[0])
    built = spec.build()  # the exact policy: the only built-in that is not a rule
    if "weights" in direct:
        direct["weights"] = parse_weights(direct["weights"])
    return ExactPolicy(**{**_exact_fields(built), **direct})


def _label_value(value: object) -> bool:
    """Whether an option value can be written in a label (else it is passed as it is)."""
    return value is None or isinstance(value, bool | int | float | str)


def _exact_fields(policy: Any) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(policy, f.name) for f in fields(policy)}
