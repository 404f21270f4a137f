"""The planner's names for what an instance holds in numbers.

An :class:`~jisopt.instance.Instance` computes with integer order ids, integer
component versions and hours on an absolute clock. A planner's sequence speaks
order ids such as ``TR-00001``, version labels such as ``V1`` and wall-clock
times. :class:`Labels` keeps the planner's names next to the numbers, so that
every human-facing output can show them; computations never read it.

Every lookup falls back to the number itself, so an instance without labels
(:data:`NO_LABELS`) prints as before.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["NO_LABELS", "Labels"]

_EMPTY: Mapping = {}  # never mutated; a plain dict so that labels pickle


@dataclass(frozen=True, eq=False)
class Labels:
    """Planner-facing names of an instance's orders, versions and clock.

    Attributes
    ----------
    order
        Order id (the instance's integer) → the planner's order label.
    version
        Supplier name → (version number → the planner's version label).
    time_origin
        The wall-clock time of hour 0 of the instance's clock, or ``None`` when the
        instance's hours are not tied to a calendar.

    Notes
    -----
    Labels are presentation only: two instances that differ only in their labels
    give identical plans, objectives and KPIs.
    """

    order: Mapping[int, str] = field(default_factory=dict)
    version: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    time_origin: datetime | None = None

    @property
    def empty(self) -> bool:
        """True when no label and no time origin is set."""
        return not self.order and not self.version and self.time_origin is None

    def order_label(self, order_id: int) -> str:
        """The planner's label of an order id (the id as text if it has none)."""
        return self.order.get(int(order_id), str(int(order_id)))

    def version_label(self, supplier: str, version: int) -> str:
        """The planner's label of a supplier's component version (the number as text
        if it has none)."""
        return self.version.get(supplier, _EMPTY).get(int(version), str(int(version)))

    def datetime_of(self, hours: float) -> datetime | None:
        """The wall-clock time of an instant ``hours`` on the instance's clock, or
        ``None`` without a time origin (or for a non-finite time)."""
        if self.time_origin is None or not math.isfinite(hours):
            return None
        return self.time_origin + timedelta(hours=float(hours))

    def hours_of(self, moment: datetime) -> float:
        """The instant ``moment`` in hours on the instance's clock.

        Raises
        ------
        ValueError
            Without a time origin.
        """
        if self.time_origin is None:
            raise ValueError("the instance has no time origin")
        return (moment - self.time_origin) / timedelta(hours=1)

    def time_text(self, hours: float) -> str:
        """An instant for people: ``2026-12-01 06:30`` (seconds shown when not zero)
        with a time origin, else the hours (``104.5 h``)."""
        moment = self.datetime_of(hours)
        if moment is None:
            return f"{hours:.6g} h"
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
        pattern = "%Y-%m-%d %H:%M" if moment.second == 0 else "%Y-%m-%d %H:%M:%S"
        return moment.strftime(pattern)


NO_LABELS = Labels()
"""The labels of an instance that has none: every lookup gives the number."""
