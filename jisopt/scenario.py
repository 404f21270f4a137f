"""Scenarios: a typed, validated description of a plant.

The defaults are the paper's tractor case (docs/model.md §1); ``models/tractor.toml``
holds the same values as an editable file. Load a scenario by name or path with
:func:`load_scenario`.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from jisopt.errors import InputError, field_path
from jisopt.options import OptionSpecs
from jisopt.slots import MIN_TAKT_H, SECOND_H

__all__ = [
    "LIMITS",
    "MAX_ATTEMPTS",
    "MAX_DAYS",
    "MAX_HOURS",
    "MIN_ATTEMPTS",
    "MIN_KNOWN_AFTER_H",
    "MIN_TAKT_H",
    "DemandSpec",
    "DisruptionSpec",
    "MonitoringSpec",
    "RunSize",
    "Scenario",
    "SupplierSpec",
    "load_scenario",
    "scenario_from_dict",
]

_Frozen = ConfigDict(frozen=True, extra="forbid")

HOURS_PER_DAY = 24.0
"""The line runs around the clock."""

# ---- ranges (docs/simulation.md, "Scenario limits") ------------------------------------
MAX_HOURS = 87_600.0
"""Longest time a scenario may hold (lead times, frozen zone, planning period, line freeze,
rework, delays, skew): 10 years of hours."""
MAX_DAYS = 3_650.0
"""Longest simulated run (``days``): 10 years."""
MIN_KNOWN_AFTER_H = SECOND_H
"""An event becomes known at least one second after its production start
(``monitoring.point`` · shortest lead time, or the lead time without monitoring)."""
MIN_INTERARRIVAL_TAKTS = 0.01
"""Mean interarrival time at least this share of the takt (at most 100 orders per slot)."""
MAX_DUE_FACTOR = 1_000.0
"""Largest due-date factor (due dates up to 1000 · OTD_min after arrival)."""
MAX_VERSIONS = 1_000_000
"""Most versions per supplier."""
MAX_ATTEMPTS = 50
"""Most production attempts of one component (the first one and its reproductions)."""
MIN_ATTEMPTS = 4
"""Fewest attempts a scenario allows, however reliable its suppliers."""
ATTEMPT_RISK = 1e-6
"""A scenario's attempt bound is the smallest number of attempts such that the chance that
any part of a run fails that often in a row is at most this (a union bound over parts)."""
LIMITS: dict[str, float] = {
    "orders": 10_000_000,
    "slots": 10_000_000,
    "parts": 20_000_000,
    "stops": 1_000_000,
    "planning_rows": 20_000_000_000,
    "draw_rows": 100_000_000,
}
"""A-priori bounds of one run (see :class:`RunSize`); a scenario beyond any is refused."""


def _at_least(low: float, text: str) -> AfterValidator:
    def check(value: float) -> float:
        if value < low:
            raise ValueError(f"must be at least {text}")
        return value
    return AfterValidator(check)


def _at_most(high: float, text: str) -> AfterValidator:
    def check(value: float) -> float:
        if value > high:
            raise ValueError(f"must be at most {text}")
        return value
    return AfterValidator(check)


def _reliability(value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise ValueError("must be in (0, 1] (0 would make every production attempt fail)")
    return value


_Number = Field(strict=True, allow_inf_nan=False)
"""A finite number; TOML integers are taken where a float is expected, booleans and strings
never (``strict``)."""
_LE_MAX_HOURS = _at_most(MAX_HOURS, f"{MAX_HOURS:g} h (10 years)")
Probability = Annotated[float, _Number, Field(ge=0.0, le=1.0)]
PositiveHours = Annotated[float, _Number, Field(gt=0.0), _LE_MAX_HOURS]
NonNegativeHours = Annotated[float, _Number, Field(ge=0.0), _LE_MAX_HOURS]
Hours = Annotated[float, _Number, Field(ge=-MAX_HOURS), _LE_MAX_HOURS]
Days = Annotated[float, _Number, _at_most(MAX_DAYS, f"{MAX_DAYS:g} days (10 years)")]
Count = Annotated[int, Field(strict=True)]


class SupplierSpec(BaseModel):
    """One JIS supplier: it builds one component per order, in sequence.

    Attributes
    ----------
    name
        Identifier (``drive``, ``engine``, ...).
    lead_time_h
        Order-to-delivery lead time ``L_m``: production starts ``L_m`` hours
        before the order's slot start.
    versions
        Number of component versions; each order picks one uniformly.
    reliability
        ``r_m``: probability that a production attempt has no event, in (0, 1] (0 would
        make every attempt fail).

    Ranges: ``lead_time_h`` from one second to :data:`MAX_HOURS`; ``versions`` from 1 to
    :data:`MAX_VERSIONS`.
    """

    model_config = _Frozen
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
    lead_time_h: Annotated[PositiveHours, _at_least(MIN_KNOWN_AFTER_H, "one second (1/3600 h)")]
    versions: Annotated[Count, Field(ge=1), _at_most(MAX_VERSIONS, f"{MAX_VERSIONS:,}")] = 4
    reliability: Annotated[float, _Number, AfterValidator(_reliability)] = 0.97


class DemandSpec(BaseModel):
    """Order arrivals and due dates.

    Due date = arrival + U[``due_min_factor`` · OTD_min, ``due_max_factor`` · OTD_min],
    with OTD_min = frozen zone + planning period.

    Ranges: ``mean_interarrival_h`` at least 1/100 of the takt (checked by the scenario)
    and at most :data:`MAX_HOURS`; the factors in [0, 1000].
    """

    model_config = _Frozen
    mean_interarrival_h: PositiveHours = 0.5
    due_min_factor: Annotated[float, _Number, Field(ge=0.0), _at_most(MAX_DUE_FACTOR, "1000")] = 1.0
    due_max_factor: Annotated[float, _Number, Field(ge=0.0), _at_most(MAX_DUE_FACTOR, "1000")] = 2.0

    @model_validator(mode="after")
    def _ordered(self) -> DemandSpec:
        if self.due_max_factor < self.due_min_factor:
            raise _FieldError(
                f"due_max_factor ({self.due_max_factor}) must be >= due_min_factor "
                f"({self.due_min_factor})", "due_max_factor"
            )
        return self


class DisruptionSpec(BaseModel):
    """What happens when a production attempt has an event.

    An event is a failure with probability ``failure_share``, else a delay drawn
    from an exponential with scale ``delay_scale_h`` conditioned on
    [``delay_min_h``, ``delay_max_h``] (truncated, not clipped).

    Ranges: ``failure_share`` in [0, 1]; every time positive (``delay_min_h`` >= 0) and at
    most :data:`MAX_HOURS`. A failure share and reliabilities under which a part would
    likely fail more than :data:`MAX_ATTEMPTS` attempts in a row are refused by the
    scenario (see :attr:`Scenario.run_size`).
    """

    model_config = _Frozen
    failure_share: Probability = 0.10
    delay_scale_h: PositiveHours = 12.0
    delay_min_h: NonNegativeHours = 2.0
    delay_max_h: PositiveHours = 48.0

    @model_validator(mode="after")
    def _bounds(self) -> DisruptionSpec:
        if self.delay_max_h <= self.delay_min_h:
            raise _FieldError(
                f"delay_max_h ({self.delay_max_h}) must exceed delay_min_h ({self.delay_min_h})",
                "delay_max_h",
            )
        return self

    def delay_quantile_h(self, u: np.ndarray | float) -> np.ndarray:
        """Delay (h) at probability ``u`` in [0, 1): the inverse distribution function.

        Feeding uniform draws gives delays of the truncated exponential; this is
        the one place the delay distribution is defined. Any positive scale works: when
        ``exp(-delay_min_h / delay_scale_h)`` would underflow, the distribution is
        computed shifted to ``delay_min_h`` (``expm1``/``log1p``); otherwise in the
        original unshifted form, so the delays of existing seeds stay bit for bit the same.
        """
        s, a, b = self.delay_scale_h, self.delay_min_h, self.delay_max_h
        u = np.asarray(u)
        if a / s <= _UNSHIFTED_UP_TO:
            lam = 1.0 / s
            ea, eb = math.exp(-lam * a), math.exp(-lam * b)
            return -np.log(ea - u * (ea - eb)) / lam
        return a - s * np.log1p(u * math.expm1(-(b - a) / s))

    def mean_delay_h(self) -> float:
        """Mean of the truncated exponential delay, in hours.

        ``a + s - w e^{-w/s} / (1 - e^{-w/s})`` with ``w = b - a``: finite for any positive
        scale ``s`` (the last term tends to 0 for small ``s``, to ``s - w/2`` for large).
        """
        s, a, b = self.delay_scale_h, self.delay_min_h, self.delay_max_h
        z = (b - a) / s
        return a + s - (b - a) * math.exp(-z) / -math.expm1(-z)


class MonitoringSpec(BaseModel):
    """Supply-chain transparency.

    With monitoring on, an event becomes known at production start + ``point`` ·
    ``L_m``; ``point = 1`` or ``enabled = false`` means nothing is known before the
    planned delivery (no resequencing possible). The scenario requires ``point`` · the
    shortest lead time to be at least one second (:data:`MIN_KNOWN_AFTER_H`).
    """

    model_config = _Frozen
    enabled: Annotated[bool, Field(strict=True)] = True
    point: Annotated[float, _Number, Field(gt=0.0, le=1.0)] = 0.5


class Scenario(BaseModel):
    """A plant: line, suppliers, demand, planning, disruptions and monitoring.

    Every default is the paper's tractor case (docs/model.md §1).

    Every number is finite; every time at most :data:`MAX_HOURS` (10 years); ``takt_h`` at
    least 10 s; ``days`` at most :data:`MAX_DAYS`, and ``days - warmup_days`` holds at least
    one takt; ``dynamic_skew_h`` within ±:data:`MAX_HOURS`. A run must stay within
    :data:`LIMITS` (see :attr:`run_size`). docs/simulation.md, "Scenario limits", lists
    every range.
    """

    model_config = _Frozen
    name: str = "tractor"
    description: str = "The paper's tractor case: 3 JIS suppliers, 30-minute takt, 24/7."
    takt_h: Annotated[PositiveHours, _at_least(MIN_TAKT_H, "10 seconds (1/360 h)")] = 0.5
    suppliers: Annotated[tuple[SupplierSpec, ...], Field(min_length=1)] = (
        SupplierSpec(name="drive", lead_time_h=432.0),
        SupplierSpec(name="engine", lead_time_h=288.0),
        SupplierSpec(name="cabin", lead_time_h=144.0),
    )
    demand: DemandSpec = DemandSpec()
    frozen_zone_h: PositiveHours = 672.0
    planning_period_h: PositiveHours = 168.0
    planning_slack_every: Annotated[Count, Field(ge=2), _at_most(LIMITS["slots"], "10,000,000")] | None = None
    disruption: DisruptionSpec = DisruptionSpec()
    monitoring: MonitoringSpec = MonitoringSpec()
    line_freeze_h: NonNegativeHours = 0.0
    rework_h: NonNegativeHours = 2.0
    days: Annotated[Days, Field(gt=0.0)] = 100.0
    warmup_days: Annotated[Days, Field(ge=0.0)] = 30.0
    dynamic_skew_h: Hours = 0.0
    due_date_rule: Literal["uniform_otd"] = "uniform_otd"
    options: OptionSpecs = ()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [s.name for s in self.suppliers]
        if len(set(names)) != len(names):
            twice = next(k for k, name in enumerate(names) if name in names[:k])
            raise _FieldError(f"supplier names must be unique, got {names}", f"suppliers[{twice}].name")
        for label in ("frozen_zone_h", "planning_period_h"):
            value = getattr(self, label)
            if not _is_multiple(value, self.takt_h):
                raise _FieldError(f"{label} ({value}) must be a multiple of takt_h ({self.takt_h})", label)
            if round(value / self.takt_h) < 1:
                raise _FieldError(f"{label} ({value}) must be at least one takt ({self.takt_h} h)", label)
        longest = max(s.lead_time_h for s in self.suppliers)
        if self.frozen_zone_h < longest:
            raise _FieldError(
                f"frozen_zone_h ({self.frozen_zone_h}) must be at least the longest lead time "
                f"({longest} h): suppliers call off only frozen slots", "frozen_zone_h"
            )
        if self.warmup_days >= self.days:
            raise _FieldError(f"warmup_days ({self.warmup_days}) must be below days ({self.days})",
                              "warmup_days")
        return self

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        """The ranges that involve several fields, and the a-priori size of a run (:data:`LIMITS`)."""
        _check_run_size(self)
        return self

    # ---- derived quantities -------------------------------------------------
    @property
    def otd_min_h(self) -> float:
        """Minimum system order-to-delivery time: frozen zone + planning period."""
        return self.frozen_zone_h + self.planning_period_h

    @property
    def duration_h(self) -> float:
        """Simulated time, ``days`` in hours (a run ends at this time)."""
        return self.days * HOURS_PER_DAY

    @property
    def warmup_h(self) -> float:
        """End of the warm-up: ``warmup_days`` in hours."""
        return self.warmup_days * HOURS_PER_DAY

    @property
    def supplier_names(self) -> tuple[str, ...]:
        """Supplier names, in order."""
        return tuple(s.name for s in self.suppliers)

    @property
    def lead_times_h(self) -> tuple[float, ...]:
        """Supplier lead times ``L_m`` (h), in order."""
        return tuple(s.lead_time_h for s in self.suppliers)

    @property
    def frozen_zone_slots(self) -> int:
        """The frozen zone in slots."""
        return round(self.frozen_zone_h / self.takt_h)

    @property
    def planning_period_slots(self) -> int:
        """The planning period in slots."""
        return round(self.planning_period_h / self.takt_h)

    @property
    def run_size(self) -> RunSize:
        """A-priori bounds of the size of one run of this scenario (see :class:`RunSize`)."""
        return _run_size(self)

    @property
    def max_attempts(self) -> int:
        """Most production attempts of one component in a run; the simulator stops with an
        error at the next (docs/simulation.md, "Scenario limits")."""
        return int(_run_size(self).max_attempts)

    def with_reliability(self, reliability: float) -> Scenario:
        """Return a copy with every supplier at ``reliability``."""
        suppliers = tuple(s.model_copy(update={"reliability": reliability}) for s in self.suppliers)
        return scenario_from_dict({**self.model_dump(), "suppliers": [s.model_dump() for s in suppliers]})

    def replace(self, **changes: object) -> Scenario:
        """Return a validated copy with top-level fields changed.

        Nested sections may be given as dicts of the fields to change, e.g.
        ``replace(monitoring={"point": 0.3})``.
        """
        data = self.model_dump()
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return scenario_from_dict(data)


def _is_multiple(value: float, unit: float) -> bool:
    ratio = value / unit
    return abs(ratio - round(ratio)) < 1e-9 * max(1.0, ratio)


_UNSHIFTED_UP_TO = 500.0
"""``delay_min_h / delay_scale_h`` up to which the delay quantile keeps its unshifted form."""


class _FieldError(ValueError):
    """A validator's error about one field (a path relative to the model that raises it)."""

    def __init__(self, message: str, field: str, value: object = None, has_value: bool = False) -> None:
        super().__init__(message)
        self.field, self.value, self.has_value = field, value, has_value


@dataclass(frozen=True)
class RunSize:
    """A-priori upper bounds of the work of one run; each must stay within :data:`LIMITS`.

    Attributes
    ----------
    orders
        Expected order arrivals from ``-OTD_min`` to the end of the run.
    slots
        Slots from 0 to the latest slot an order may reach: the end of the run plus OTD_min,
        the longest delay and ``max_attempts`` longest lead times (the simulator's sequence
        array and the longest rescheduling instance).
    parts
        ``orders`` x suppliers: the components the simulator tracks.
    stops
        Loop iterations of the simulator that are not event instants: planning epochs plus
        the forced stops every ``monitoring.point`` · shortest lead time.
    planning_rows
        Planning epochs x orders: what the planner may scan over a run (its VOB is at
        most every order that arrived so far).
    draw_rows
        Rows of disruption draws over every (supplier, attempt) stream a run may open:
        ``orders`` x the sum over suppliers of their attempt bounds.
    max_attempts
        Production attempts a component may take: the smallest ``k`` with
        ``orders · p^k <= ATTEMPT_RISK`` for every supplier, ``p = (1 - r_m) · failure_share``
        the chance that one attempt fails; at least :data:`MIN_ATTEMPTS`, at most
        :data:`MAX_ATTEMPTS`.
    """

    orders: float
    slots: float
    parts: float
    stops: float
    planning_rows: float
    draw_rows: float
    max_attempts: float


def _attempt_bound(orders: float, fail: float) -> float:
    """Attempts ``k`` such that ``orders`` parts all succeed within ``k`` with probability
    at least ``1 - ATTEMPT_RISK`` (``inf`` if no such ``k`` exists)."""
    if fail <= 0.0:
        return MIN_ATTEMPTS
    if fail >= 1.0 - 1e-12:
        return math.inf
    return max(MIN_ATTEMPTS, math.ceil(math.log(ATTEMPT_RISK / max(orders, 1.0)) / math.log(fail) - 1e-9))


def _run_size(sc: Scenario) -> RunSize:
    horizon_h = sc.duration_h + sc.otd_min_h
    orders = horizon_h / sc.demand.mean_interarrival_h
    monitoring = sc.monitoring.enabled and sc.monitoring.point < 1.0
    known_after_h = min(sc.lead_times_h) * (sc.monitoring.point if monitoring else 1.0)
    epochs = (sc.duration_h + sc.frozen_zone_h) / sc.planning_period_h + 1
    bounds = [_attempt_bound(orders, (1.0 - s.reliability) * sc.disruption.failure_share)
              for s in sc.suppliers]
    reach_h = horizon_h + sc.disruption.delay_max_h + min(max(bounds), MAX_ATTEMPTS) * max(sc.lead_times_h)
    return RunSize(
        orders=orders,
        slots=math.ceil(reach_h / sc.takt_h),
        parts=orders * len(sc.suppliers),
        stops=epochs + horizon_h / known_after_h,
        planning_rows=epochs * orders,
        draw_rows=orders * sum(bounds),
        max_attempts=max(bounds),
    )


_LIMIT_FIELDS = {
    "orders": ("days", "days and demand.mean_interarrival_h"),
    "slots": ("days", "days, takt_h, OTD_min, disruption.delay_max_h and the lead times"),
    "parts": ("days", "days, demand.mean_interarrival_h and the number of suppliers"),
    "stops": ("monitoring.point", "days, monitoring.point, the shortest lead time and planning_period_h"),
    "planning_rows": ("planning_period_h", "days, planning_period_h and demand.mean_interarrival_h"),
    "draw_rows": ("disruption.failure_share", "days, the reliabilities and disruption.failure_share"),
}


def _check_run_size(sc: Scenario) -> None:
    """Refuse a scenario whose run could not end in reasonable time and memory."""
    if sc.demand.mean_interarrival_h < MIN_INTERARRIVAL_TAKTS * sc.takt_h:
        raise _FieldError(
            f"must be at least 1/100 of takt_h ({sc.takt_h} h): at most 100 orders per slot",
            "demand.mean_interarrival_h", sc.demand.mean_interarrival_h, True)
    if (sc.days - sc.warmup_days) * HOURS_PER_DAY < sc.takt_h - 1e-9:
        raise _FieldError(
            f"days - warmup_days ({sc.days} - {sc.warmup_days}) must hold at least one takt "
            f"({sc.takt_h} h) to measure", "days", sc.days, True)
    point = sc.monitoring.point if sc.monitoring.enabled and sc.monitoring.point < 1.0 else 1.0
    shortest = min(sc.lead_times_h)
    if point * shortest < MIN_KNOWN_AFTER_H:
        raise _FieldError(
            f"monitoring.point x the shortest lead time ({shortest} h) is {point * shortest:g} h: an "
            f"event must become known at least one second (1/3600 h) after its production start",
            "monitoring.point", sc.monitoring.point, True)
    size = _run_size(sc)
    if size.max_attempts > MAX_ATTEMPTS:
        worst = min(range(len(sc.suppliers)), key=lambda m: sc.suppliers[m].reliability)
        fail = (1 - sc.suppliers[worst].reliability) * sc.disruption.failure_share
        raise _FieldError(
            f"with failure_share {sc.disruption.failure_share} a part of supplier "
            f"'{sc.suppliers[worst].name}' fails an attempt with probability {fail:.12g}"
            f": a run would likely need more than {MAX_ATTEMPTS} production attempts of one part "
            f"(limit MAX_ATTEMPTS)", f"suppliers[{worst}].reliability", sc.suppliers[worst].reliability, True)
    for name, limit in LIMITS.items():
        value = getattr(size, name)
        if value > limit:
            field, cause = _LIMIT_FIELDS[name]
            raise _FieldError(
                f"a run would need about {value:.3g} {name.replace('_', ' ')} (from {cause}), more than "
                f"the limit of {limit:,.0f} (jisopt.scenario.LIMITS[{name!r}])", field,
                _field_value(sc, field), True)


def _field_value(sc: Scenario, dotted: str) -> object:
    value: object = sc
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def scenario_from_dict(data: dict, *, source: str | None = None) -> Scenario:
    """Validate a mapping into a :class:`Scenario`.

    Raises
    ------
    InputError
        Naming the source, the first offending field and its value.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        message = err["msg"].removeprefix("Value error, ")
        has_value = err["type"] != "missing" and bool(loc)
        value = err.get("input") if has_value else None
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, _FieldError):  # a model validator's error about one of its fields
            loc = (*loc, *_split_path(cause.field))
            has_value, value = cause.has_value, cause.value
        raise InputError(
            message, source=source, field=field_path(loc) or None,
            value=value if has_value else None, has_value=has_value,
        ) from None


def _split_path(path: str) -> tuple[str | int, ...]:
    """``"suppliers[2].name"`` -> ``("suppliers", 2, "name")``."""
    parts: list[str | int] = []
    for item in path.split("."):
        head, *indices = item.split("[")
        parts.append(head)
        parts.extend(int(i.rstrip("]")) for i in indices)
    return tuple(parts)


def _search_dirs() -> list[Path]:
    dirs: list[Path] = []
    if env := os.environ.get("JISOPT_MODELS"):
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    dirs.append(Path.cwd() / "models")
    return dirs


def _embedded_scenario(name: str) -> Path | None:
    """The scenario file ``jisopt/data/<name>.toml`` shipped with the package, if any
    (``models/<name>.toml`` links to it: one source of truth)."""
    if not name.replace("_", "").replace("-", "").isalnum():
        return None
    path = Path(__file__).resolve().parent / "data" / f"{name}.toml"
    return path if path.is_file() else None


def load_scenario(name_or_path: str | os.PathLike | None = None) -> Scenario:
    """Load a scenario by name (``tractor``) or from a TOML file.

    Lookup order: an existing file path; ``<name>.toml`` in the directories of
    ``$JISOPT_MODELS`` and in ``./models``; the scenario files shipped in
    ``jisopt/data`` (``car``); the embedded default for ``tractor`` (or ``None``).

    Raises
    ------
    InputError
        If the file cannot be read or parsed, or a value is invalid.
    """
    if name_or_path is None:
        return Scenario()
    candidate = Path(name_or_path)
    if not candidate.is_file():
        name = str(name_or_path)
        found = [d / f"{name}.toml" for d in _search_dirs() if (d / f"{name}.toml").is_file()]
        if found:
            candidate = found[0]
        elif (embedded := _embedded_scenario(name)) is not None:
            candidate = embedded
        elif name == "tractor":
            return Scenario()
        else:
            raise InputError(
                "no such scenario file or name (names are looked up as <name>.toml in "
                "$JISOPT_MODELS and ./models)", source=name,
            )
    try:
        with candidate.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(candidate)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 TOML (cannot decode byte {exc.start}: {exc.reason})",
                         source=str(candidate)) from None
    except RecursionError:
        raise InputError("not valid TOML: nested too deeply", source=str(candidate)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(candidate)) from None
    return scenario_from_dict(data, source=str(candidate))
