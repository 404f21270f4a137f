"""Scenarios: a typed, validated description of a plant.

The defaults are the paper's tractor case (docs/model.md §1); ``models/tractor.toml``
holds the same values as an editable file. Load a scenario by name or path with
:func:`load_scenario`.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jisopt.errors import InputError, field_path
from jisopt.options import OptionSpecs

__all__ = [
    "DemandSpec",
    "DisruptionSpec",
    "MonitoringSpec",
    "Scenario",
    "SupplierSpec",
    "load_scenario",
    "scenario_from_dict",
]

_Frozen = ConfigDict(frozen=True, extra="forbid")

HOURS_PER_DAY = 24.0
"""The line runs around the clock."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveHours = Annotated[float, Field(gt=0.0)]
NonNegativeHours = Annotated[float, Field(ge=0.0)]


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
        ``r_m``: probability that a production attempt has no event.
    """

    model_config = _Frozen
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
    lead_time_h: PositiveHours
    versions: Annotated[int, Field(ge=1)] = 4
    reliability: Probability = 0.97


class DemandSpec(BaseModel):
    """Order arrivals and due dates.

    Due date = arrival + U[``due_min_factor`` · OTD_min, ``due_max_factor`` · OTD_min],
    with OTD_min = frozen zone + planning period.
    """

    model_config = _Frozen
    mean_interarrival_h: PositiveHours = 0.5
    due_min_factor: Annotated[float, Field(ge=0.0)] = 1.0
    due_max_factor: Annotated[float, Field(ge=0.0)] = 2.0

    @model_validator(mode="after")
    def _ordered(self) -> DemandSpec:
        if self.due_max_factor < self.due_min_factor:
            raise ValueError(
                f"due_max_factor ({self.due_max_factor}) must be >= due_min_factor "
                f"({self.due_min_factor})"
            )
        return self


class DisruptionSpec(BaseModel):
    """What happens when a production attempt has an event.

    An event is a failure with probability ``failure_share``, else a delay drawn
    from an exponential with scale ``delay_scale_h`` conditioned on
    [``delay_min_h``, ``delay_max_h``] (truncated, not clipped).
    """

    model_config = _Frozen
    failure_share: Probability = 0.10
    delay_scale_h: PositiveHours = 12.0
    delay_min_h: NonNegativeHours = 2.0
    delay_max_h: PositiveHours = 48.0

    @model_validator(mode="after")
    def _bounds(self) -> DisruptionSpec:
        if self.delay_max_h <= self.delay_min_h:
            raise ValueError(
                f"delay_max_h ({self.delay_max_h}) must exceed delay_min_h ({self.delay_min_h})"
            )
        return self

    def delay_quantile_h(self, u: np.ndarray | float) -> np.ndarray:
        """Delay (h) at probability ``u`` in [0, 1): the inverse distribution function.

        Feeding uniform draws gives delays of the truncated exponential; this is
        the one place the delay distribution is defined.
        """
        lam = 1.0 / self.delay_scale_h
        ea, eb = math.exp(-lam * self.delay_min_h), math.exp(-lam * self.delay_max_h)
        return -np.log(ea - np.asarray(u) * (ea - eb)) / lam

    def mean_delay_h(self) -> float:
        """Mean of the truncated exponential delay, in hours."""
        lam = 1.0 / self.delay_scale_h
        a, b = self.delay_min_h, self.delay_max_h
        ea, eb = math.exp(-lam * a), math.exp(-lam * b)
        return (a * ea - b * eb) / (ea - eb) + self.delay_scale_h


class MonitoringSpec(BaseModel):
    """Supply-chain transparency.

    With monitoring on, an event becomes known at production start + ``point`` ·
    ``L_m``; ``point = 1`` or ``enabled = false`` means nothing is known before the
    planned delivery (no resequencing possible).
    """

    model_config = _Frozen
    enabled: bool = True
    point: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5


class Scenario(BaseModel):
    """A plant: line, suppliers, demand, planning, disruptions and monitoring.

    Every default is the paper's tractor case (docs/model.md §1).
    """

    model_config = _Frozen
    name: str = "tractor"
    description: str = "The paper's tractor case: 3 JIS suppliers, 30-minute takt, 24/7."
    takt_h: PositiveHours = 0.5
    suppliers: Annotated[tuple[SupplierSpec, ...], Field(min_length=1)] = (
        SupplierSpec(name="drive", lead_time_h=432.0),
        SupplierSpec(name="engine", lead_time_h=288.0),
        SupplierSpec(name="cabin", lead_time_h=144.0),
    )
    demand: DemandSpec = DemandSpec()
    frozen_zone_h: PositiveHours = 672.0
    planning_period_h: PositiveHours = 168.0
    planning_slack_every: Annotated[int, Field(ge=2)] | None = None
    disruption: DisruptionSpec = DisruptionSpec()
    monitoring: MonitoringSpec = MonitoringSpec()
    line_freeze_h: NonNegativeHours = 0.0
    rework_h: NonNegativeHours = 2.0
    days: PositiveHours = 100.0
    warmup_days: NonNegativeHours = 30.0
    dynamic_skew_h: float = 0.0
    due_date_rule: Literal["uniform_otd"] = "uniform_otd"
    options: OptionSpecs = ()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [s.name for s in self.suppliers]
        if len(set(names)) != len(names):
            raise ValueError(f"supplier names must be unique, got {names}")
        for label in ("frozen_zone_h", "planning_period_h"):
            value = getattr(self, label)
            if not _is_multiple(value, self.takt_h):
                raise ValueError(f"{label} ({value}) must be a multiple of takt_h ({self.takt_h})")
        longest = max(s.lead_time_h for s in self.suppliers)
        if self.frozen_zone_h < longest:
            raise ValueError(
                f"frozen_zone_h ({self.frozen_zone_h}) must be at least the longest lead time "
                f"({longest} h): suppliers call off only frozen slots"
            )
        if self.warmup_days >= self.days:
            raise ValueError(f"warmup_days ({self.warmup_days}) must be below days ({self.days})")
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
    return abs(ratio - round(ratio)) < 1e-9


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
        raise InputError(
            message, source=source, field=field_path(loc) or None,
            value=err.get("input") if has_value else None, has_value=has_value,
        ) from None


def _search_dirs() -> list[Path]:
    dirs = []
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
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(candidate)) from None
    return scenario_from_dict(data, source=str(candidate))
