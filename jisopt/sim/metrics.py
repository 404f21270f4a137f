"""The KPIs of a replication (docs/model.md §4), each defined once, from per-order records.

:func:`order_records` turns the simulator's state into one record per order;
:func:`compute_kpis` computes every KPI from those records and from the log of
rescheduling instances. The measured orders are those whose slot starts in
[warm-up, end); instance-level KPIs count the instances whose time lies in the same
window. User KPIs (:class:`KpiFunction`) are computed from the same records and
returned after the built-in ones (:func:`user_kpis`).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from jisopt.errors import InputError
from jisopt.objective import window_counts, window_excess
from jisopt.options import ratio_rules
from jisopt.scenario import HOURS_PER_DAY, Scenario
from jisopt.sim.state import LineState
from jisopt.slots import first_slot_from, is_earlier, is_not_earlier

__all__ = [
    "INSTANCE_COLUMNS",
    "KPI_NAMES",
    "SUPPLIER_INVERSIONS",
    "KpiFunction",
    "compute_kpis",
    "instance_records",
    "kpi_lower_bound",
    "kpi_names",
    "order_records",
    "ratio_kpi_names",
    "ratio_kpis",
    "supplier_kpi_names",
    "user_kpi_name",
    "user_kpis",
]

KPI_NAMES: tuple[str, ...] = (
    "okay_rate",
    "mean_delay_h",
    "reschedules_per_order",
    "mean_postponement_h",
    "idle_takts",
    "throughput_per_day",
    "vob_length_end",
    "unassembled_orders",
    "mean_lateness_unassembled_h",
    "stock_component_h",
    "rework_count",
    "events_delay",
    "events_failure",
    "resequencing_instances",
    "reschedules_total",
    "changed_unstarted",
    "swaps",
    "inversions",
    "decision_time_mean_s",
    "decision_time_p95_s",
    "assembled_orders",
)
"""The KPIs :func:`compute_kpis` returns for every scenario, in this order; then come the
supplier KPIs (:func:`supplier_kpi_names`) and, with ratio rules, :func:`ratio_kpi_names`
(all of them: :func:`kpi_names`)."""

INSTANCE_COLUMNS: tuple[str, ...] = (
    "time_h", "orders", "disrupted_orders", "events", "reschedules", "changed_unstarted", "swaps",
    "inversions", "decision_time_s", "feasible",
)
"""Columns of the instance log (one row per rescheduling instance). ``feasible`` is 1/0
when the plans were evaluated in full (``check_invariants``), else ``nan``."""


def order_records(state: LineState, scenario: Scenario) -> dict[str, np.ndarray]:
    """One record per arrived order (columns of equal length, indexed by order id).

    Columns: ``order_id``, ``arrival_h``, ``due_h``, ``first_slot`` (first frozen plan,
    ``-1`` if never planned), ``final_slot`` (``-1`` if never planned), ``slot_start_h``,
    ``completion_h`` and ``delay_h = max(0, completion - due)`` (``nan`` if not
    assembled), ``rework``, ``reschedules``, ``disruptions`` = ``delay_events`` +
    ``failure_events``, ``swaps_received``, ``stock_component_h`` (component-hours its
    parts waited before its slot start), ``postponement_h`` = (final - first slot) ·
    takt, ``assembled`` and ``measured`` (slot start in [warm-up, end)); with options,
    one bool column ``option_<name>`` per option.
    """
    warmup_h, end_h = scenario.warmup_h, scenario.duration_h
    scheduled = state.first_slot >= 0
    options = state.options
    start = state.slot_start_h
    with np.errstate(invalid="ignore"):
        measured = state.assembled & is_not_earlier(start, warmup_h) & is_earlier(start, end_h)
    return {
        "order_id": np.arange(state.n_orders, dtype=np.int64),
        "arrival_h": state.arrival_h,
        "due_h": state.due_h,
        "first_slot": state.first_slot.copy(),
        "final_slot": state.slot.copy(),
        "slot_start_h": start.copy(),
        "completion_h": state.completion_h.copy(),
        "delay_h": np.maximum(state.completion_h - state.due_h, 0.0),
        "rework": state.rework.copy(),
        "reschedules": state.reschedules.copy(),
        "disruptions": state.delay_events + state.failure_events,
        "delay_events": state.delay_events.copy(),
        "failure_events": state.failure_events.copy(),
        "swaps_received": state.swaps_received.copy(),
        "stock_component_h": np.where(state.assembled, state.stock_component_h, np.nan),
        "postponement_h": np.where(scheduled, (state.slot - state.first_slot) * state.takt_h, np.nan),
        "assembled": state.assembled.copy(),
        "measured": measured,
        **({f"option_{spec.name}": options[:, k].copy()
            for k, spec in enumerate(scenario.options)} if options is not None else {}),
    }


SUPPLIER_INVERSIONS = "supplier_inversions"
"""Key of an instance-log row holding the ``(M,)`` sequence inversions per supplier."""


def instance_records(rows: Sequence[Mapping[str, object]],
                     supplier_names: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """The instance log as columns (see :data:`INSTANCE_COLUMNS`), plus
    ``inversions_<supplier>`` per supplier name given."""
    out = {c: np.array([r[c] for r in rows], dtype=float) for c in INSTANCE_COLUMNS}
    if supplier_names:
        per = np.array([r[SUPPLIER_INVERSIONS] for r in rows], dtype=float).reshape(
            len(rows), len(supplier_names))
        out.update({f"inversions_{name}": per[:, m] for m, name in enumerate(supplier_names)})
    return out


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


class KpiFunction(Protocol):
    """A user KPI: further KPI values of a replication from its records.

    Called as ``kpi(orders, instances, scenario)`` with the columns of
    :func:`order_records` and :func:`instance_records` (mappings of name to numpy
    array; select the measured orders with ``orders["measured"]``) and the scenario;
    returns a mapping of KPI name to a real number (``nan`` for "not defined", as the
    built-in KPIs do). The names must differ from the built-in KPIs' and from the other
    user KPIs'. To run in worker processes the function must be picklable: defined at
    the top level of an importable module (or of a script whose run is guarded by
    ``if __name__ == "__main__":``), or an instance of such a class; not a lambda or a
    closure.
    """

    def __call__(self, orders: Mapping[str, np.ndarray], instances: Mapping[str, np.ndarray],
                 scenario: Scenario) -> Mapping[str, float]: ...


def compute_kpis(
    orders: Mapping[str, np.ndarray], instances: Mapping[str, np.ndarray], scenario: Scenario,
    user: Iterable[KpiFunction] = (),
) -> dict[str, float]:
    """Every KPI of :func:`kpi_names` (:data:`KPI_NAMES`, then the ratio KPIs if the
    scenario has ratio rules), then those of the ``user`` KPI functions
    (:func:`user_kpis`).

    Order KPIs average or sum over the measured orders; ``idle_takts`` counts the slots
    in the window that assembled no order; ``vob_length_end``, ``unassembled_orders``
    and ``mean_lateness_unassembled_h`` (mean of ``max(0, end - due)``) look at every
    arrived order at the end; instance KPIs sum over the instances in the window.
    """
    warmup_h, end_h = scenario.warmup_h, scenario.duration_h
    takt = scenario.takt_h
    m = orders["measured"]
    assembled = int(m.sum())
    window_slots = int(first_slot_from(end_h, takt) - first_slot_from(warmup_h, takt))
    unassembled = ~orders["assembled"]
    in_window = is_not_earlier(instances["time_h"], warmup_h) & is_earlier(instances["time_h"], end_h)
    decision = instances["decision_time_s"][in_window]
    built_in = {
        "okay_rate": _mean(~orders["rework"][m]),
        "mean_delay_h": _mean(orders["delay_h"][m]),
        "reschedules_per_order": _mean(orders["reschedules"][m]),
        "mean_postponement_h": _mean(orders["postponement_h"][m]),
        "idle_takts": float(window_slots - assembled),
        # per day of the slots that start in the window (a window that is no whole number
        # of takts would otherwise count one slot too many per fraction of a takt)
        "throughput_per_day": (assembled / (window_slots * takt / HOURS_PER_DAY) if window_slots
                               else float("nan")),
        "vob_length_end": float(np.count_nonzero(orders["first_slot"] < 0)),
        "unassembled_orders": float(np.count_nonzero(unassembled)),
        "mean_lateness_unassembled_h": _mean(np.maximum(end_h - orders["due_h"][unassembled], 0.0)),
        "stock_component_h": float(orders["stock_component_h"][m].sum()),
        "rework_count": float(orders["rework"][m].sum()),
        "events_delay": float(orders["delay_events"][m].sum()),
        "events_failure": float(orders["failure_events"][m].sum()),
        "resequencing_instances": float(in_window.sum()),
        "reschedules_total": float(instances["reschedules"][in_window].sum()),
        "changed_unstarted": float(instances["changed_unstarted"][in_window].sum()),
        "swaps": float(instances["swaps"][in_window].sum()),
        "inversions": float(instances["inversions"][in_window].sum()),
        "decision_time_mean_s": _mean(decision),
        "decision_time_p95_s": float(np.percentile(decision, 95)) if decision.size else float("nan"),
        "assembled_orders": float(assembled),
        **supplier_kpis(instances, in_window, assembled, scenario),
        **ratio_kpis(orders, scenario),
    }
    return {**built_in, **user_kpis(user, orders, instances, scenario, taken=built_in)}


def user_kpi_name(fn: object) -> str:
    """``module.qualified_name`` of a user KPI function (how errors and manifests name it)."""
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module and module != "builtins" else str(name)


def user_kpis(
    functions: Iterable[KpiFunction],
    orders: Mapping[str, np.ndarray],
    instances: Mapping[str, np.ndarray],
    scenario: Scenario,
    taken: Iterable[str] = (),
) -> dict[str, float]:
    """The KPIs of user KPI functions (:class:`KpiFunction`), in the order given.

    Parameters
    ----------
    functions
        The KPI functions.
    orders, instances, scenario
        As :func:`compute_kpis` gets them (the functions see read-only copies).
    taken
        Names already in use (the built-in KPIs).

    Returns
    -------
    dict
        KPI name -> float.

    Raises
    ------
    InputError
        Naming the function (field ``user_kpis.<module.function>``) and, where there is
        one, the KPI: if the function raises, returns no mapping, a name that is no
        non-empty string or is already taken, or a value that is not a real number
        (``nan`` is allowed, an infinity is not).
    """
    used = set(taken)
    out: dict[str, float] = {}
    for fn in functions:
        field = f"user_kpis.{user_kpi_name(fn)}"
        try:
            values = fn(_read_only(orders), _read_only(instances), scenario)
        except Exception as exc:
            raise InputError(f"user KPI raised {type(exc).__name__}: {exc}", field=field,
                             has_value=False) from exc
        if not isinstance(values, Mapping):
            raise InputError("user KPI must return a mapping of KPI name to number", field=field,
                             value=type(values).__name__)
        for name, value in values.items():
            if not isinstance(name, str) or not name:
                raise InputError("user KPI name must be a non-empty string", field=field,
                                 value=name)
            if name in used:
                raise InputError("user KPI name is already taken (a built-in or another user KPI)",
                                 field=f"{field}.{name}", value=name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise InputError("user KPI value must be a real number", field=f"{field}.{name}",
                                 value=value)
            number = float(value)
            if math.isinf(number):
                raise InputError("user KPI value must be finite (or nan)", field=f"{field}.{name}",
                                 value=number)
            used.add(name)
            out[name] = number
    return out


def _read_only(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Read-only views of the columns (a user KPI cannot change the records)."""
    out = {}
    for name, column in columns.items():
        view = np.asarray(column).view()
        view.flags.writeable = False
        out[name] = view
    return out


def supplier_kpi_names(scenario: Scenario) -> tuple[str, ...]:
    """``inversions_<supplier>_per_order`` for every supplier, in supplier order."""
    return tuple(f"inversions_{name}_per_order" for name in scenario.supplier_names)


def supplier_kpis(instances: Mapping[str, np.ndarray], in_window: np.ndarray, assembled: int,
                  scenario: Scenario) -> dict[str, float]:
    """Sequence inversions per measured order, per supplier: the sum over the instances in
    the window of the pairs of that supplier's started parts whose order a plan changed,
    divided by the measured orders (``nan`` without them; 0 without instance columns)."""
    out = {}
    for name, kpi in zip(scenario.supplier_names, supplier_kpi_names(scenario), strict=True):
        column = instances.get(f"inversions_{name}")
        total = float(column[in_window].sum()) if column is not None else 0.0
        out[kpi] = total / assembled if assembled else float("nan")
    return out


def ratio_kpi_names(scenario: Scenario) -> tuple[str, ...]:
    """Names of the ratio KPIs of a scenario (none without ratio rules).

    ``ratio_hard_per_1000`` and ``ratio_soft_per_1000`` (totals over the hard and the
    soft rules), then ``ratio_<option>_per_1000`` per rule, in option order.
    """
    rules = ratio_rules(scenario.options)
    if not rules:
        return ()
    return ("ratio_hard_per_1000", "ratio_soft_per_1000",
            *(f"ratio_{scenario.options[r.option].name}_per_1000" for r in rules))


_NON_NEGATIVE_PATTERNS = (
    re.compile(r"inversions_.+_per_order"), re.compile(r"ratio_.+_per_1000"),
)


def kpi_lower_bound(name: str) -> float:
    """Least value a KPI can take: 0 for every built-in KPI (:data:`KPI_NAMES`, the
    supplier and ratio KPIs: counts, rates, delays and times), ``-inf`` for any other
    name (a user KPI may be negative). Confidence intervals are cut there
    (:func:`jisopt.experiments.summarize`)."""
    if name in KPI_NAMES or any(p.fullmatch(name) for p in _NON_NEGATIVE_PATTERNS):
        return 0.0
    return -math.inf


def kpi_names(scenario: Scenario) -> tuple[str, ...]:
    """Every KPI :func:`compute_kpis` returns for ``scenario``, in order."""
    return KPI_NAMES + supplier_kpi_names(scenario) + ratio_kpi_names(scenario)


def ratio_kpis(orders: Mapping[str, np.ndarray], scenario: Scenario) -> dict[str, float]:
    """Ratio-rule violations per 1000 measured orders, from the final sequence.

    The measured window is the slots ``[first slot from warm-up, first slot from end)``;
    a slot carries an option if a measured order with the option was assembled there
    (an empty slot carries none). For every window of ``N`` consecutive slots lying in
    the measured window, the excess is ``max(0, count - H)``
    (:func:`jisopt.objective.window_excess`, the unit of the KPI ``ratio_excess``; the
    objective's ``ratio_penalty`` counts the excess over each window's cap instead, i.e.
    what a plan adds); a rule's KPI is ``1000 ·`` its total excess / measured orders
    (``nan`` without measured orders). Empty without ratio rules.
    """
    rules = ratio_rules(scenario.options)
    if not rules:
        return {}
    takt = scenario.takt_h
    first = int(first_slot_from(scenario.warmup_h, takt))
    length = max(int(first_slot_from(scenario.duration_h, takt)) - first, 0)
    m = orders["measured"]
    at = orders["final_slot"][m] - first
    assembled = int(m.sum())
    per_rule: list[float] = []
    for rule in rules:
        carried = np.zeros(length, dtype=np.int64)
        carried[at[orders[f"option_{scenario.options[rule.option].name}"][m]]] = 1
        per_rule.append(float(window_excess(window_counts(carried, rule.window), rule.max_count).sum()))
    scale = 1000.0 / assembled if assembled else float("nan")
    names = ratio_kpi_names(scenario)
    return {
        names[0]: scale * sum(x for x, r in zip(per_rule, rules, strict=True) if r.hard),
        names[1]: scale * sum(x for x, r in zip(per_rule, rules, strict=True) if not r.hard),
        **{name: scale * x for name, x in zip(names[2:], per_rule, strict=True)},
    }
