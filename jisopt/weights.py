"""Objective weights: the research lever (docs/model.md §5)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from jisopt.errors import InputError

if TYPE_CHECKING:
    from jisopt.instance import Instance

__all__ = ["MAX_WEIGHT", "OBJECTIVE_TERMS", "TERM_DESCRIPTIONS", "PairCostFunction", "UserTerm",
           "Weights"]

MAX_WEIGHT = 1e9
"""Largest weight (and soft ratio-rule penalty) read from a file or the command line: keeps
every weighted objective finite for the times an instance file may hold."""

OBJECTIVE_TERMS: dict[str, str] = {
    "delay": "total_delay_h",
    "reschedules": "reschedules",
    "displacement": "displacement_h",
    "stock": "stock_component_h",
    "idle": "idle_slots",
    "ratio": "ratio_penalty",
}
"""Weight key -> objective term name."""

TERM_DESCRIPTIONS: dict[str, str] = {
    "total_delay_h": "sum over orders of max(0, completion - due), completion = (slot + 1) * takt",
    "reschedules": "orders with a started component whose slot changed",
    "displacement_h": "sum over orders of |new slot - old slot| * takt",
    "stock_component_h": "sum over started components of max(0, slot start - ready time)",
    "idle_slots": "empty slots within the sequence horizon",
    "ratio_penalty": ("sum over soft H:N rules of penalty * excess in every window over its cap "
                      "max(H, input count), i.e. the excess the plan adds"),
}


class PairCostFunction(Protocol):
    """Cost of placing order ``rows[k]`` at slot ``slots[k]``, for every ``k`` at once.

    Called as ``cost(instance, rows, slots)`` with two equal-length integer arrays;
    returns a float array of the same shape (finite values, in the term's own unit).
    ``instance.ready_h`` holds the ready times after the plan's component swaps.
    """

    def __call__(self, instance: Instance, rows: np.ndarray, slots: np.ndarray) -> np.ndarray: ...


_RESERVED_NAMES = frozenset(OBJECTIVE_TERMS) | frozenset(OBJECTIVE_TERMS.values())


@dataclass(frozen=True)
class UserTerm:
    """A separable objective term a user defines: a cost per (order, slot) pair and its weight.

    The plan's value of the term is the sum of ``cost`` over its placed orders at their
    new slots; the objective adds ``weight`` times that value (docs/model.md §5).

    Attributes
    ----------
    name
        The term's name (an identifier, not one of the built-in term or weight names);
        :attr:`jisopt.evaluate.Evaluation.terms`-like outputs list it under this name.
    cost
        A :class:`PairCostFunction`. To run in worker processes it must be picklable: a
        function defined at the top level of an importable module (or of a script whose
        run is guarded by ``if __name__ == "__main__":``), not a lambda or a closure.
    weight
        Cost per unit of the term (finite, in ``[0, MAX_WEIGHT]``).
    """

    name: str
    cost: PairCostFunction
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise InputError("user term name must be an identifier", field="weights.user_terms",
                             value=self.name)
        if self.name in _RESERVED_NAMES:
            raise InputError("user term name is a built-in term or weight",
                             field="weights.user_terms", value=self.name)
        if not callable(self.cost):
            raise InputError("user term cost must be a function (instance, rows, slots) -> array",
                             field=f"weights.user_terms.{self.name}", value=self.cost)
        if isinstance(self.weight, bool) or not isinstance(self.weight, int | float):
            raise InputError("weight must be a number", field=f"weights.user_terms.{self.name}",
                             value=self.weight)
        _check_bound(float(self.weight), f"weights.user_terms.{self.name}", None)


@dataclass(frozen=True)
class Weights:
    """Objective weights: cost per unit of each term.

    Attributes
    ----------
    delay
        Per hour of total delivery delay.
    reschedules
        Per rescheduled order (an order with a started component whose slot changed).
    displacement
        Per slot-hour of displacement.
    stock
        Per component-hour waiting in stock.
    idle
        Per empty slot within the sequence horizon.
    ratio
        Multiplier of the soft ratio-rule penalties.
    user_terms
        Further separable terms (:class:`UserTerm`), each with its weight; names unique.
        :func:`jisopt.objective.weighted_pair_costs` adds them to the built-in terms, so the
        exact model and :meth:`jisopt.evaluate.Evaluation.objective` both count them.
    """

    delay: float = 1.0
    reschedules: float = 1.0
    displacement: float = 0.0
    stock: float = 0.0
    idle: float = 0.0
    ratio: float = 1.0
    user_terms: tuple[UserTerm, ...] = field(default=())

    def __post_init__(self) -> None:
        terms = tuple(self.user_terms)
        object.__setattr__(self, "user_terms", terms)
        for term in terms:
            if not isinstance(term, UserTerm):
                raise InputError("user terms must be UserTerm objects", field="weights.user_terms",
                                 value=term)
        names = [term.name for term in terms]
        if len(set(names)) != len(names):
            raise InputError("user term name given twice", field="weights.user_terms",
                             value=next(n for n in names if names.count(n) > 1))
        for key in OBJECTIVE_TERMS:
            value = getattr(self, key)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError("weight must be a finite number >= 0", field=f"weights.{key}",
                                 value=value)

    @classmethod
    def parse(cls, text: str | None) -> Weights:
        """Parse ``"delay=1,reschedules=0.2"``; keys not given keep their default.

        Raises
        ------
        InputError
            On an unknown or repeated key, an empty item, a missing ``=``, or a value that
            is not a number in ``[0, MAX_WEIGHT]``.
        """
        if text is None or not text.strip():
            return cls()
        values: dict[str, float] = {}
        for item in text.split(","):
            key, sep, raw = item.partition("=")
            key = key.strip()
            if not item.strip():
                raise InputError("empty item in the list of weights", field="weights", value=text)
            if not sep:
                raise InputError("expected key=value", field="weights", value=item.strip())
            if key not in OBJECTIVE_TERMS:
                raise InputError(
                    f"unknown weight (known: {', '.join(OBJECTIVE_TERMS)})", field="weights",
                    value=key,
                )
            if key in values:
                raise InputError("weight given twice", field=f"weights.{key}", value=text)
            try:
                values[key] = float(raw)
            except ValueError:
                raise InputError("weight is not a number", field=f"weights.{key}",
                                 value=raw.strip()) from None
            _check_bound(values[key], f"weights.{key}", None)
        return cls(**cast(dict[str, Any], values))

    @classmethod
    def from_mapping(cls, data: dict, source: str | None = None) -> Weights:
        """Build from a mapping of weight key to value (as in instance files)."""
        unknown = set(data) - set(OBJECTIVE_TERMS)
        if unknown:
            raise InputError(f"unknown weight (known: {', '.join(OBJECTIVE_TERMS)})",
                             source=source, field="weights", value=sorted(unknown)[0])
        try:
            values = {k: float(v) for k, v in data.items()}
        except (TypeError, ValueError, OverflowError):
            raise InputError("weights must be numbers", source=source, field="weights",
                             value=data) from None
        for k, v in values.items():
            _check_bound(v, f"weights.{k}", source)
        return cls(**cast(dict[str, Any], values))

    @property
    def has_user_terms(self) -> bool:
        """Whether user terms are given (their costs are arbitrary functions of the pair, so
        reductions that rely on the built-in terms' structure do not hold)."""
        return bool(self.user_terms)

    def as_dict(self) -> dict[str, float]:
        """Weight key -> weight, of the built-in terms (user terms: :attr:`user_terms`)."""
        return {key: getattr(self, key) for key in OBJECTIVE_TERMS}

    def __str__(self) -> str:
        return ",".join([*(f"{k}={v:g}" for k, v in self.as_dict().items()),
                         *(f"{t.name}={t.weight:g}" for t in self.user_terms)])

    def combine(self, terms: Mapping[str, float | np.ndarray]) -> float | np.ndarray:
        """Weighted sum of objective terms.

        Parameters
        ----------
        terms
            Term name -> value: a plan's totals (a float each), or per candidate
            pair (arrays of one shape, as :func:`~jisopt.objective.pair_terms`
            gives them); user terms under their names. A term not given counts zero.

        Returns
        -------
        float or numpy.ndarray
            A float for totals, an array of the terms' shape for per-pair values.
        """
        total = np.zeros_like(next(iter(terms.values())), dtype=np.float64)
        for key, name in OBJECTIVE_TERMS.items():
            w = getattr(self, key)
            if w and name in terms:
                total = total + w * terms[name]
        for term in self.user_terms:
            if term.weight and term.name in terms:
                total = total + term.weight * terms[term.name]
        return float(total) if np.ndim(total) == 0 else total


def _check_bound(value: float, field: str, source: str | None) -> None:
    if not (math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
        raise InputError(f"weight must be a finite number in [0, {MAX_WEIGHT:g}]", source=source,
                         field=field, value=value)
