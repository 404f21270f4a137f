"""Rescheduling instances: the snapshot of docs/model.md §5 as arrays.

An :class:`Instance` is built hundreds of times per simulation run, so it holds
numpy arrays (one row per order in the sequence, one column per supplier) and
does no per-order Python work on construction. :meth:`Instance.check` runs the
semantic validation that file readers and tests use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, NoReturn, Protocol

import numpy as np

from jisopt.errors import InputError
from jisopt.labels import NO_LABELS, Labels
from jisopt.slots import MIN_TAKT_H, first_slot_from, is_earlier, is_later, is_not_later, last_slot_until
from jisopt.weights import Weights

__all__ = ["DELAY", "FAILURE", "DeferredComponents", "Instance", "RatioRule"]

DELAY = 0
"""Disruption kind: the component arrives late."""
FAILURE = 1
"""Disruption kind: the component is unusable and is reproduced."""

KIND_NAMES = ("delay", "failure")


class _Fail(Protocol):
    """How :meth:`Instance.check` reports a problem: it raises, it never returns."""

    def __call__(self, problem: str, field: str | None = None, value: object = None) -> NoReturn: ...


@dataclass(frozen=True, eq=False)
class DeferredComponents:
    """Row readers of an instance's ``(n, M)`` arrays, for an instance built lazily.

    Each reader takes row indices (or a slice) and returns those rows; with all rows
    it returns the full array. :attr:`started` gives rows of ``~isnan(planned_delivery_h)``
    and :attr:`has_started` rows of the ``(n,)`` vector ``started.any(axis=1)``; the
    optional :attr:`column` gives ``(version[:, m], started[:, m], ready_h[:, m])`` of one
    supplier. The readers must give the same values at every call until the instance is
    materialised (see :meth:`Instance.materialize`).
    """

    version: Callable[[np.ndarray | slice], np.ndarray]
    planned_delivery_h: Callable[[np.ndarray | slice], np.ndarray]
    ready_h: Callable[[np.ndarray | slice], np.ndarray]
    started: Callable[[np.ndarray | slice], np.ndarray]
    has_started: Callable[[np.ndarray | slice], np.ndarray]
    column: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None


_DEFERRED_FIELDS = ("version", "planned_delivery_h", "ready_h")


@dataclass(frozen=True)
class RatioRule:
    """An ``H:N`` rule: at most ``max_count`` of any ``window`` consecutive slots
    carry ``option``; empty slots carry none.

    Attributes
    ----------
    option
        Index into :attr:`Instance.option_names`.
    max_count, window
        ``H`` and ``N``.
    hard
        Hard rule (a constraint) or soft (penalised per unit of excess).
    penalty
        Objective cost per unit of excess of a soft rule (over each window's cap,
        :func:`jisopt.ratio.window_caps`: what a plan adds; docs/model.md §5).
    """

    option: int
    max_count: int
    window: int
    hard: bool = True
    penalty: float = 1.0


@dataclass(frozen=True, eq=False)
class Instance:
    """A rescheduling snapshot at time ``now_h``.

    Attributes
    ----------
    now_h, takt_h, line_freeze_h
        Current time, takt and line freeze, in hours. Slot ``k`` starts at
        ``k * takt_h``.
    supplier_names, lead_time_h
        The JIS suppliers and their lead times ``L_m`` (shape ``(M,)``).
    first_slot, horizon_slots
        The sequence covers slots ``[first_slot, first_slot + horizon_slots)``;
        a slot without an order is a gap.
    order_id, slot, due_h
        Per order (shape ``(n,)``): identifier, current slot, due date.
    version
        ``(n, M)`` component version per order and supplier.
    planned_delivery_h, ready_h
        ``(n, M)``: for a started component, its planned delivery and its known
        ready time; ``nan`` where the component has not started.
    disrupted_order, disrupted_supplier, disrupted_kind
        One entry per known disruption (order row index, supplier index,
        :data:`DELAY` or :data:`FAILURE`). The new ready time is in ``ready_h``.
    option_names, options, ratio_rules
        Optional order options (``(n, O)`` bool) and ``H:N`` rules.
    weights
        Objective weights stored with the instance, if any.
    name
        Free text identifying the instance.
    labels
        The planner's order ids, version labels and time origin
        (:class:`~jisopt.labels.Labels`); presentation only, never read by a
        computation.

    Notes
    -----
    ``version``, ``planned_delivery_h`` and ``ready_h`` may be given as
    :class:`DeferredComponents` (the simulator does): they are then materialised on
    first access, and :meth:`started_of`, :meth:`ready_of`, :meth:`has_started_of` and
    :attr:`has_started` read only the rows asked for. Either way the arrays are the same.
    """

    now_h: float
    takt_h: float
    line_freeze_h: float
    supplier_names: tuple[str, ...]
    lead_time_h: np.ndarray
    first_slot: int
    horizon_slots: int
    order_id: np.ndarray
    slot: np.ndarray
    due_h: np.ndarray
    version: np.ndarray
    planned_delivery_h: np.ndarray
    ready_h: np.ndarray
    disrupted_order: np.ndarray
    disrupted_supplier: np.ndarray
    disrupted_kind: np.ndarray
    option_names: tuple[str, ...] = ()
    options: np.ndarray | None = None
    ratio_rules: tuple[RatioRule, ...] = ()
    weights: Weights | None = None
    name: str = ""
    labels: Labels = NO_LABELS
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ---- sizes ---------------------------------------------------------------
    @property
    def n_orders(self) -> int:
        """Number of orders ``n``."""
        return int(self.order_id.shape[0])

    @property
    def n_suppliers(self) -> int:
        """Number of suppliers ``M``."""
        return len(self.supplier_names)

    @property
    def horizon_end(self) -> int:
        """First slot after the sequence horizon."""
        return self.first_slot + self.horizon_slots

    # ---- derived state (cached; the arrays are never mutated) ------------------
    @property
    def started(self) -> np.ndarray:
        """``(n, M)`` bool: the component's production has started."""
        if "started" not in self._cache:
            self._cache["started"] = ~np.isnan(self.planned_delivery_h)
        return self._cache["started"]

    @property
    def has_started(self) -> np.ndarray:
        """``(n,)`` bool: the order has at least one started component."""
        if "has_started" not in self._cache and "started" not in self._cache:
            deferred = self._deferred("planned_delivery_h")
            if deferred is not None:
                self._cache["has_started"] = deferred.has_started(slice(None))
        if "has_started" not in self._cache:
            # Column by column: any(axis=1) over a short axis is about 8x slower.
            started = self.started
            has = np.zeros(self.n_orders, dtype=bool)
            for m in range(started.shape[1]):
                has |= started[:, m]
            self._cache["has_started"] = has
        return self._cache["has_started"]

    def started_of(self, rows: np.ndarray | slice) -> np.ndarray:
        """``started[rows]`` (``(k, M)`` bool), without materialising deferred arrays."""
        if "started" not in self._cache:
            deferred = self._deferred("planned_delivery_h")
            if deferred is not None:
                return deferred.started(rows)
        return self.started[rows]

    def has_started_of(self, rows: np.ndarray | slice) -> np.ndarray:
        """``has_started[rows]``, without materialising deferred arrays."""
        if "has_started" not in self._cache and "started" not in self._cache:
            deferred = self._deferred("planned_delivery_h")
            if deferred is not None:
                return deferred.has_started(rows)
        return self.has_started[rows]

    def component_column(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(version[:, m], started[:, m], ready_h[:, m])`` of supplier ``m``, without
        materialising deferred arrays."""
        deferred = self._deferred("ready_h")
        if deferred is not None and deferred.column is not None:
            return deferred.column(m)
        return self.version[:, m], self.started[:, m], self.ready_h[:, m]

    def ready_of(self, rows: np.ndarray | slice) -> np.ndarray:
        """``ready_h[rows]`` (``(k, M)``), without materialising deferred arrays."""
        deferred = self._deferred("ready_h")
        if deferred is not None:
            return deferred.ready_h(rows)
        return self.ready_h[rows]

    def materialize(self) -> Instance:
        """Materialise every deferred array (the instance no longer reads its source);
        return ``self``."""
        for name in _DEFERRED_FIELDS:
            getattr(self, name)
        return self

    def _deferred(self, name: str) -> DeferredComponents | None:
        value = self.__dict__["_" + name]
        return value if isinstance(value, DeferredComponents) else None

    @property
    def disrupted_rows(self) -> np.ndarray:
        """Sorted unique row indices of the disrupted orders."""
        if "disrupted_rows" not in self._cache:
            self._cache["disrupted_rows"] = np.unique(self.disrupted_order)
        return self._cache["disrupted_rows"]

    @property
    def n_disrupted(self) -> int:
        """Number of disrupted orders."""
        return int(self.disrupted_rows.shape[0])

    def earliest_slot(self) -> np.ndarray:
        """``(n,)`` earliest feasible slot per order (ignoring the no-earlier rule).

        The slot must start no earlier than every started component's known
        ready time, and every unstarted component must still be callable:
        ``s * takt - L_m > now``.
        """
        if "earliest_slot" not in self._cache:
            ready = np.where(self.started, self.ready_h, -np.inf).max(axis=1, initial=-np.inf)
            by_ready = first_slot_from(ready, self.takt_h)
            call_off = np.where(self.started, -np.inf, self.now_h + self.lead_time_h[None, :])
            by_call_off = last_slot_until(call_off.max(axis=1, initial=-np.inf), self.takt_h) + 1
            lower = np.maximum(by_ready, by_call_off)
            lower = np.where(np.isfinite(lower), lower, self.first_slot)
            self._cache["earliest_slot"] = np.maximum(lower, self.first_slot).astype(np.int64)
        return self._cache["earliest_slot"]

    def frozen_by_line(self) -> np.ndarray:
        """``(n,)`` bool: the order's slot starts within the line freeze."""
        return is_earlier(self.slot * self.takt_h, self.now_h + self.line_freeze_h)

    def row_of(self, order_id: int) -> int:
        """Row index of an order id."""
        if "row_of" not in self._cache:
            self._cache["row_of"] = {int(o): i for i, o in enumerate(self.order_id)}
        try:
            return self._cache["row_of"][int(order_id)]
        except KeyError:
            raise InputError(f"unknown order id {order_id}") from None

    def supplier_index(self, name: str) -> int:
        """Column index of a supplier name (:class:`InputError` if unknown)."""
        try:
            return self.supplier_names.index(name)
        except ValueError:
            raise InputError(
                f"unknown supplier (suppliers are {list(self.supplier_names)})", value=name
            ) from None

    def replace(self, **changes: Any) -> Instance:
        """Return a copy with fields changed (caches are not carried over)."""
        return replace(self, _cache={}, **changes)

    # ---- validation ----------------------------------------------------------
    def check(self, source: str | None = None) -> Instance:
        """Validate the snapshot's consistency; return ``self``.

        Raises
        ------
        InputError
            Naming the order, supplier, field and value at fault.
        """
        def fail(problem: str, field: str | None = None, value: object = None) -> NoReturn:
            raise InputError(problem, source=source, field=field, value=value)

        n, M = self.n_orders, self.n_suppliers
        if not (math.isfinite(self.takt_h) and self.takt_h >= MIN_TAKT_H):
            fail(f"takt must be finite and at least {MIN_TAKT_H:.6g} h (10 s, see the time "
                 "resolution in docs/model.md)", "takt_h", self.takt_h)
        if self.line_freeze_h < 0:
            fail("line freeze must be >= 0", "line_freeze_h", self.line_freeze_h)
        if M == 0:
            fail("at least one supplier is needed", "suppliers")
        if len(set(self.supplier_names)) != M:
            fail("supplier names must be unique", "suppliers", list(self.supplier_names))
        if self.lead_time_h.shape != (M,) or np.any(self.lead_time_h <= 0):
            fail("lead times must be positive", "suppliers.lead_time_h", self.lead_time_h.tolist())
        if self.horizon_slots < 0:
            fail("horizon must not be negative", "horizon.slots", self.horizon_slots)
        for arr_name, shape in (("slot", (n,)), ("due_h", (n,)), ("version", (n, M)),
                                ("planned_delivery_h", (n, M)), ("ready_h", (n, M))):
            if getattr(self, arr_name).shape != shape:
                fail(f"array has shape {getattr(self, arr_name).shape}, expected {shape}", arr_name)
        for arr, label in ((self.order_id, "id"), (self.slot, "slot")):
            values, first_row, counts = np.unique(arr, return_index=True, return_counts=True)
            if np.any(counts > 1):
                dup = values[counts > 1][0]
                second = int(np.flatnonzero(arr == dup)[1])
                fail(f"duplicate {label}: also used by orders[{int(first_row[counts > 1][0])}] "
                     f"(order {self.order_id[first_row[counts > 1][0]]})",
                     f"orders[{second}].{label}", int(dup))
        outside = (self.slot < self.first_slot) | (self.slot >= self.horizon_end)
        if np.any(outside):
            i = int(np.flatnonzero(outside)[0])
            fail(
                f"order {self.order_id[i]} has a slot outside the horizon "
                f"[{self.first_slot}, {self.horizon_end})", f"orders[{i}].slot", int(self.slot[i]),
            )
        if np.any(~np.isfinite(self.due_h)):
            i = int(np.flatnonzero(~np.isfinite(self.due_h))[0])
            fail(f"order {self.order_id[i]} has no finite due date", f"orders[{i}].due_h")
        if np.any(self.version < 0):
            i, m = (int(x) for x in np.argwhere(self.version < 0)[0])
            fail(f"order {self.order_id[i]}: version must be >= 0",
                 f"orders[{i}].components.{self.supplier_names[m]}.version", int(self.version[i, m]))
        started = self.started
        bad_ready = started & np.isnan(self.ready_h)
        if np.any(bad_ready):
            i, m = (int(x) for x in np.argwhere(bad_ready)[0])
            fail(f"order {self.order_id[i]}: started component needs a ready time",
                 f"orders[{i}].components.{self.supplier_names[m]}.ready_h")
        ready_unstarted = ~started & ~np.isnan(self.ready_h)
        if np.any(ready_unstarted):
            i, m = (int(x) for x in np.argwhere(ready_unstarted)[0])
            fail(f"order {self.order_id[i]}: a component that has not started has no ready time",
                 f"orders[{i}].components.{self.supplier_names[m]}.ready_h",
                 float(self.ready_h[i, m]))
        call_off = self.slot[:, None] * self.takt_h - self.lead_time_h[None, :]
        overdue = ~started & is_not_later(call_off, self.now_h)
        if np.any(overdue):
            i, m = (int(x) for x in np.argwhere(overdue)[0])
            fail(
                f"order {self.order_id[i]}: component of supplier '{self.supplier_names[m]}' "
                f"is not started although its call-off time {call_off[i, m]:g} h is not after "
                f"now ({self.now_h:g} h)",
                f"orders[{i}].components.{self.supplier_names[m]}.started", False,
            )
        self._check_disruptions(fail)
        self._check_options(fail)
        return self

    def _check_disruptions(self, fail: _Fail) -> None:
        n, M = self.n_orders, self.n_suppliers
        d = self.disrupted_order
        frozen = self.frozen_by_line()
        if not (d.shape == self.disrupted_supplier.shape == self.disrupted_kind.shape):
            fail("disruption arrays differ in length", "disruptions")
        for k in range(d.shape[0]):
            i, m, kind = int(d[k]), int(self.disrupted_supplier[k]), int(self.disrupted_kind[k])
            where = f"disruptions[{k}]"
            if not 0 <= i < n:
                fail("disruption refers to an unknown order", f"{where}.order", i)
            if not 0 <= m < M:
                fail("disruption refers to an unknown supplier", f"{where}.supplier", m)
            if kind not in (DELAY, FAILURE):
                fail("kind must be 'delay' or 'failure'", f"{where}.kind", kind)
            oid, sname = int(self.order_id[i]), self.supplier_names[m]
            if not self.started[i, m]:
                fail(f"order {oid}: a disrupted component must have started",
                     f"{where}.supplier", sname)
            start = self.slot[i] * self.takt_h
            if not is_later(self.ready_h[i, m], start):
                fail(
                    f"order {oid}: disruption needs no action, its ready time "
                    f"{self.ready_h[i, m]:g} h is not after the slot start {start:g} h",
                    f"orders[{i}].components.{sname}.ready_h", float(self.ready_h[i, m]),
                )
            if frozen[i]:
                fail(f"order {oid}: disrupted order lies within the line freeze "
                     f"(slot start {start:g} h < now + freeze {self.now_h + self.line_freeze_h:g} h)",
                     f"{where}.order", oid)
        pairs = set(zip(d.tolist(), self.disrupted_supplier.tolist(), strict=True))
        if len(pairs) != d.shape[0]:
            fail("the same component is listed as disrupted twice", "disruptions")

    def _check_options(self, fail: _Fail) -> None:
        n_opt = len(self.option_names)
        if self.options is not None and self.options.shape != (self.n_orders, n_opt):
            fail(f"options array has shape {self.options.shape}, expected {(self.n_orders, n_opt)}",
                 "orders.options")
        for k, rule in enumerate(self.ratio_rules):
            where = f"ratio_rules[{k}]"
            if not 0 <= rule.option < n_opt:
                fail("ratio rule refers to an unknown option", f"{where}.option", rule.option)
            if rule.window < 1:
                fail("window N must be >= 1", f"{where}.window", rule.window)
            if not 0 <= rule.max_count <= rule.window:
                fail("max H must lie in [0, N]", f"{where}.max", rule.max_count)
            if rule.penalty < 0:
                fail("penalty must be >= 0", f"{where}.penalty", rule.penalty)


def _deferrable(name: str) -> property:
    """A field that may hold :class:`DeferredComponents` until it is first read."""
    key = "_" + name

    def get(self: Instance) -> np.ndarray:
        value = self.__dict__[key]
        if isinstance(value, DeferredComponents):
            value = getattr(value, name)(slice(None))
            self.__dict__[key] = value
        return value

    def set_(self: Instance, value: object) -> None:  # only dataclass __init__ sets fields
        self.__dict__[key] = value

    return property(get, set_, doc=f"The ``{name}`` field (materialised on first access).")


for _name in _DEFERRED_FIELDS:
    setattr(Instance, _name, _deferrable(_name))
del _name


_FIELD_NAMES = frozenset(f.name for f in fields(Instance))


def instance_from_fields(values: dict) -> Instance:
    """``Instance(**values)`` without the dataclass ``__init__`` (which sets each of the
    frozen fields through ``object.__setattr__``): for the simulator, which builds an
    instance per event. ``values`` must name every field, defaults included; it is
    consumed (the instance keeps it as its attribute dict)."""
    if values.keys() != _FIELD_NAMES:
        raise TypeError(f"instance fields: {sorted(values.keys() ^ _FIELD_NAMES)} differ")
    for name in _DEFERRED_FIELDS:  # stored as _deferrable stores them
        values["_" + name] = values.pop(name)
    instance = object.__new__(Instance)
    object.__setattr__(instance, "__dict__", values)
    return instance
