"""Order options and ``H:N`` ratio rules of a scenario (docs/simulation.md, *Options*).

A scenario may declare options; each order carries option ``k`` with probability
``share`` (drawn per order, :func:`jisopt.sim.streams.draw_options`). An option may have
a ratio rule ``H:N``: at most ``H`` of any ``N`` consecutive slots carry the option (an
empty slot carries none). A hard rule is kept by the planner
(:func:`jisopt.sim.planner.plan_period`); a soft rule costs ``penalty`` per unit of
excess. In TOML::

    [[options]]
    name = "sunroof"
    share = 0.2          # probability that an order carries the option
    rule = "1:5"         # optional H:N
    hard = true          # hard rule, or soft with penalty
    penalty = 1.0        # objective cost per unit of excess (soft)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from jisopt.instance import RatioRule

__all__ = ["MAX_WINDOW", "OptionSpec", "OptionSpecs", "ratio_rules"]

MAX_WINDOW = 10_000
"""Largest window ``N`` of a ratio rule (a week of one-minute takts is 10080 slots)."""

_RULE = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")


class OptionSpec(BaseModel):
    """One order option and its optional ``H:N`` rule.

    Attributes
    ----------
    name
        Identifier (letters, digits, ``_``, ``-``), unique within the scenario.
    share
        Probability in [0, 1] that an order carries the option.
    rule
        ``"H:N"`` with ``1 <= H <= N <= MAX_WINDOW``, or ``None`` (no rule).
    hard
        A hard rule is kept by the planner; a soft rule is only counted and penalised.
    penalty
        Objective cost per unit of excess of a soft rule (finite, ``>= 0``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
    share: Annotated[float, Field(ge=0.0, le=1.0)]
    rule: str | None = None
    hard: bool = True
    penalty: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 1.0

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _RULE.match(value)
        if not match:
            raise ValueError(f"rule must be 'H:N' with integers H and N, got {value!r}")
        h, n = int(match[1]), int(match[2])
        if not 1 <= n <= MAX_WINDOW:
            raise ValueError(f"window N of rule {value!r} must lie in [1, {MAX_WINDOW}]")
        if not 1 <= h <= n:
            raise ValueError(f"H of rule {value!r} must lie in [1, N]")
        return f"{h}:{n}"

    @property
    def max_count(self) -> int | None:
        """``H`` of the rule (``None`` without a rule)."""
        return None if self.rule is None else int(self.rule.split(":")[0])

    @property
    def window(self) -> int | None:
        """``N`` of the rule (``None`` without a rule)."""
        return None if self.rule is None else int(self.rule.split(":")[1])


def _unique_names(options: tuple[OptionSpec, ...]) -> tuple[OptionSpec, ...]:
    names = [o.name for o in options]
    if len(set(names)) != len(names):
        raise ValueError(f"option names must be unique, got {names}")
    return options


OptionSpecs = Annotated[tuple[OptionSpec, ...], AfterValidator(_unique_names)]
"""The type of ``Scenario.options``: option specs with unique names."""


def ratio_rules(options: Sequence[OptionSpec]) -> tuple[RatioRule, ...]:
    """The ratio rules of a scenario's options, in option order.

    ``RatioRule.option`` is the index of the option in ``options`` (the column of the
    simulator's ``LineState.options``); options without a rule give none.
    """
    rules = []
    for k, spec in enumerate(options):
        if spec.max_count is not None and spec.window is not None:  # the option has a rule
            rules.append(RatioRule(option=k, max_count=spec.max_count, window=spec.window,
                                   hard=spec.hard, penalty=spec.penalty))
    return tuple(rules)
