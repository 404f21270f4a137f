"""The objective: its terms and weights, defined once (MODEL.md §5).

Every objective term is computed here and nowhere else. :func:`pair_terms`
gives the separable terms for placing given orders at given slots; both
:func:`jisopt.evaluate.evaluate` (for a plan) and the exact model (for every
candidate order–slot pair) use it, so the solver's objective and the
solver-free evaluation cannot drift apart. The soft ratio term is not
separable; :func:`ratio_window_counts` defines it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from jisopt.errors import InputError
from jisopt.instance import Instance

__all__ = [
    "OBJECTIVE_TERMS",
    "Weights",
    "idle_slots_constant",
    "pair_terms",
    "ratio_window_counts",
]

OBJECTIVE_TERMS: dict[str, str] = {
    "delay": "total_delay_h",
    "reschedules": "reschedules",
    "displacement": "displacement_h",
    "stock": "stock_component_h",
    "idle": "idle_slots",
    "ratio": "ratio_penalty",
}
"""Weight key -> objective term name."""

_TERM_DOC = {
    "total_delay_h": "sum over orders of max(0, completion - due), completion = (slot + 1) * takt",
    "reschedules": "orders with a started component whose slot changed",
    "displacement_h": "sum over orders of |new slot - old slot| * takt",
    "stock_component_h": "sum over started components of max(0, slot start - ready time)",
    "idle_slots": "empty slots within the sequence horizon",
    "ratio_penalty": "sum over soft H:N rules of penalty * excess over H in every window",
}


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
    """

    delay: float = 1.0
    reschedules: float = 1.0
    displacement: float = 0.0
    stock: float = 0.0
    idle: float = 0.0
    ratio: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError("weight must be a finite number >= 0", field=f.name, value=value)

    @classmethod
    def parse(cls, text: str | None) -> Weights:
        """Parse ``"delay=1,reschedules=0.2"``; keys not given keep their default.

        Raises
        ------
        InputError
            On an unknown key, a missing ``=``, or a value that is not a number >= 0.
        """
        if text is None or not text.strip():
            return cls()
        values: dict[str, float] = {}
        for item in text.split(","):
            key, sep, raw = item.partition("=")
            key = key.strip()
            if not sep:
                raise InputError("expected key=value", field="weights", value=item.strip())
            if key not in OBJECTIVE_TERMS:
                raise InputError(
                    f"unknown weight (known: {', '.join(OBJECTIVE_TERMS)})", field="weights",
                    value=key,
                )
            try:
                values[key] = float(raw)
            except ValueError:
                raise InputError("weight is not a number", field=f"weights.{key}",
                                 value=raw.strip()) from None
        return cls(**values)

    @classmethod
    def from_mapping(cls, data: dict, source: str | None = None) -> Weights:
        """Build from a mapping of weight key to value (as in instance files)."""
        unknown = set(data) - set(OBJECTIVE_TERMS)
        if unknown:
            raise InputError(f"unknown weight (known: {', '.join(OBJECTIVE_TERMS)})",
                             source=source, field="weights", value=sorted(unknown)[0])
        try:
            return cls(**{k: float(v) for k, v in data.items()})
        except (TypeError, ValueError):
            raise InputError("weights must be numbers", source=source, field="weights",
                             value=data) from None

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in self.as_dict().items())

    def combine(self, terms: dict[str, float]) -> float:
        """Weighted sum of objective terms."""
        return float(sum(getattr(self, key) * terms[name] for key, name in OBJECTIVE_TERMS.items()))


def pair_terms(
    instance: Instance,
    rows: np.ndarray,
    slots: np.ndarray,
    ready_h: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Separable objective terms of placing order ``rows[k]`` at ``slots[k]``.

    Parameters
    ----------
    instance
        The snapshot (old slots, due dates, component states).
    rows, slots
        Equal-length integer arrays of candidate (order, slot) pairs.
    ready_h
        ``(n, M)`` ready times to use (after component swaps); defaults to the
        instance's.

    Returns
    -------
    dict
        ``total_delay_h``: ``max(0, (s + 1) * takt - due)``;
        ``reschedules``: 1 if the order has a started component and ``s`` differs
        from its slot; ``displacement_h``: ``|s - c| * takt``;
        ``stock_component_h``: sum over started components of
        ``max(0, s * takt - ready)``; ``idle_slots``: ``-1`` if ``s`` lies in the
        horizon (add :func:`idle_slots_constant` for the count of empty slots).
    """
    ready = instance.ready_h if ready_h is None else ready_h
    takt = instance.takt_h
    start_h = slots * takt
    old = instance.slot[rows]
    started = instance.started[rows]
    wait = np.where(started, start_h[:, None] - ready[rows], 0.0)
    in_horizon = (slots >= instance.first_slot) & (slots < instance.horizon_end)
    return {
        "total_delay_h": np.maximum(0.0, start_h + takt - instance.due_h[rows]),
        "reschedules": (instance.has_started[rows] & (slots != old)).astype(np.float64),
        "displacement_h": np.abs(slots - old) * takt,
        "stock_component_h": np.maximum(wait, 0.0).sum(axis=1),
        "idle_slots": -in_horizon.astype(np.float64),
    }


def idle_slots_constant(instance: Instance) -> float:
    """Constant part of ``idle_slots``: the number of slots in the horizon."""
    return float(instance.horizon_slots)


def ratio_window_counts(instance: Instance, slot_of_row: np.ndarray, end: int) -> list[np.ndarray]:
    """Option counts in every window of every ratio rule.

    Windows are the ``N`` consecutive slots starting at ``first_slot .. end - N``
    (the whole reinsertion area); an empty slot carries no option.

    Returns
    -------
    list of numpy.ndarray
        Per rule, the count of the option in each window (length
        ``max(0, end - first_slot - N + 1)``).
    """
    counts = []
    length = end - instance.first_slot
    valid = (slot_of_row >= instance.first_slot) & (slot_of_row < end)
    for rule in instance.ratio_rules:
        carried = np.zeros(max(length, 0), dtype=np.int64)
        has = instance.options[:, rule.option] & valid
        np.add.at(carried, slot_of_row[has] - instance.first_slot, 1)
        csum = np.concatenate(([0], np.cumsum(carried)))
        n_windows = max(length - rule.window + 1, 0)
        counts.append(csum[rule.window:rule.window + n_windows] - csum[:n_windows])
    return counts
