"""A planner's frozen sequence (CSV or Excel) as a rescheduling instance.

The table layout and how its statuses and ETAs map onto the model are documented in
``docs/import.md``; this module is that mapping. Every problem of the table is
collected and raised together (:class:`~jisopt.importing.problems.TableError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

from jisopt.importing.cells import (
    DELIVERED,
    FAILED,
    IN_PRODUCTION,
    NOT_CALLED_OFF,
    CellError,
    hours_between,
    parse_datetime,
    parse_duration_h,
    parse_integer,
    parse_status,
)
from jisopt.importing.problems import TableProblem, raise_if_any
from jisopt.importing.table_file import TableFile, cell_text, read_table_file
from jisopt.instance import DELAY, FAILURE, Instance
from jisopt.instance_io import MAX_HORIZON_SLOTS, MAX_SLOT_OFFSET, instance_from_dict, instance_to_dict
from jisopt.labels import Labels
from jisopt.scenario import Scenario
from jisopt.slots import first_slot_scalar, is_earlier, is_later, is_not_later, same_time

__all__ = ["COMMAND_LINE", "SETTING_KEYS", "import_planner_table", "instance_from_table"]

COMMAND_LINE = "command line"
"""The source named by problems of settings given as options."""

ORDER, SEQ, PLANNED_START, DUE = "order", "seq", "planned_start", "due"
VERSION, STATUS, ETA = "version", "status", "eta"
_COMPONENT_FIELDS = (VERSION, STATUS, ETA)

SETTING_KEYS = ("now", "takt", "line_freeze", "start", "name", "lead_time.<supplier>")
"""Keys of the header block (and of the matching command-line options)."""


def import_planner_table(
    path: str | Path,
    *,
    scenario: Scenario | None = None,
    settings: Mapping[str, str] | None = None,
) -> Instance:
    """Read a planner's sequence table (``.csv`` or ``.xlsx``) into an instance.

    Parameters
    ----------
    path
        The table file (layout: ``docs/import.md``).
    scenario
        Takt, line freeze and lead times where neither ``settings`` nor the file's
        header block gives them.
    settings
        Settings that override the header block (keys :data:`SETTING_KEYS`, values as
        in the header block, e.g. ``{"takt": "2 min"}``).

    Returns
    -------
    Instance
        Orders numbered ``1..n`` in sequence order, versions numbered per supplier,
        with the planner's labels and time origin in :attr:`Instance.labels`.

    Raises
    ------
    TableError
        Listing every malformed cell, missing column and bad setting.
    InputError
        If the file cannot be read.
    """
    return instance_from_table(read_table_file(path), scenario=scenario, settings=settings)


_Cell = TypeVar("_Cell")
"""What a cell parser returns."""


@dataclass
class _Row:
    number: int
    order: str
    position: int | float | None  # seq number or planned start in hours after the first row's
    due: datetime | None
    version: list[str | None]
    status: list[str | None]
    eta: list[datetime | None]
    eta_cell: list[object]  # as written, for messages
    position_cell: object


def instance_from_table(
    table: TableFile,
    *,
    scenario: Scenario | None = None,
    settings: Mapping[str, str] | None = None,
) -> Instance:
    """The instance of a table already read (see :func:`import_planner_table`)."""
    problems: list[TableProblem] = []
    suppliers, column = _columns(table, problems)
    config = _settings(table, suppliers, scenario, settings or {}, problems)
    rows = _rows(table, suppliers, column, problems)
    raise_if_any(problems)
    return _build(table, suppliers, config, rows, problems, overrides=settings or {})


# ---- columns -----------------------------------------------------------------------------
def _columns(table: TableFile, problems: list[TableProblem]) -> tuple[list[str], dict[str, int]]:
    """Supplier names (in column order) and the index of each known column."""
    def problem(name: str, text: str, value: object = None) -> None:
        problems.append(TableProblem(table.source, None, name, text, value))

    column: dict[str, int] = {}
    suppliers: list[str] = []
    for index, raw in enumerate(table.columns):
        name = raw if "." in raw else raw.lower()
        if "." in name:
            supplier, _, part = name.rpartition(".")
            part = part.lower()
            if part not in _COMPONENT_FIELDS or not supplier:
                problem(raw, "unknown supplier column (expected <supplier>.version, "
                        "<supplier>.status or <supplier>.eta)")
                continue
            if not supplier.replace("_", "").replace("-", "").isalnum() or not supplier.isascii():
                problem(raw, "supplier names hold only letters, digits, '_' and '-'")
                continue
            if supplier not in suppliers:
                suppliers.append(supplier)
            name = f"{supplier}.{part}"
        elif name not in (ORDER, SEQ, PLANNED_START, DUE):
            continue  # other columns (model, colour, ...) are the planner's own
        if name in column:
            problem(raw, "column given twice")
            continue
        column[name] = index
    for name in (ORDER, DUE):
        if name not in column:
            problem(name, "missing column")
    if SEQ not in column and PLANNED_START not in column:
        problem(f"{SEQ}' or '{PLANNED_START}", "missing column: give the sequence number or the "
                "planned start of each order")
    if not suppliers:
        problem("<supplier>.status", "missing columns: no supplier (columns <supplier>.version, "
                "<supplier>.status and <supplier>.eta)")
    for supplier in suppliers:
        for part in _COMPONENT_FIELDS:
            if f"{supplier}.{part}" not in column:
                problem(f"{supplier}.{part}", "missing column")
    return suppliers, column


# ---- settings ----------------------------------------------------------------------------
@dataclass
class _Config:
    now: datetime | None = None
    takt_h: float | None = None
    line_freeze_h: float = 0.0
    start: datetime | None = None
    name: str | None = None
    lead_time_h: dict[str, float] | None = None


def _settings(table: TableFile, suppliers: list[str], scenario: Scenario | None,
              overrides: Mapping[str, str], problems: list[TableProblem]) -> _Config:
    entries: dict[str, tuple[object, str, int | None]] = {}
    for s in table.settings:
        entries[s.key.strip().lower() if "." not in s.key else s.key.strip()] = (
            s.value, table.source, s.row)
    for option, text in overrides.items():
        entries[option] = (text, COMMAND_LINE, None)
    config = _Config(lead_time_h={})
    assert config.lead_time_h is not None
    if scenario is not None:
        config.takt_h = scenario.takt_h
        config.line_freeze_h = scenario.line_freeze_h
        config.lead_time_h.update(zip(scenario.supplier_names, scenario.lead_times_h, strict=True))
    unreadable: set[str] = set()
    for key, (value, source, row) in entries.items():
        def problem(text: str, key: str = key, value: object = value, source: str = source,
                    row: int | None = row) -> None:
            problems.append(TableProblem(source, row, key, text, value, setting=True))
        try:
            if key == "now":
                config.now = parse_datetime(value)
            elif key == "start":
                config.start = parse_datetime(value)
            elif key == "takt":
                config.takt_h = parse_duration_h(value)
            elif key == "line_freeze":
                config.line_freeze_h = parse_duration_h(value)
            elif key == "name":
                config.name = cell_text(value)
            elif key.lower().startswith("lead_time."):
                supplier = key.split(".", 1)[1]
                if supplier not in suppliers:
                    problem(f"no columns of supplier '{supplier}' in the table")
                    continue
                config.lead_time_h[supplier] = parse_duration_h(value)
            else:
                problem(f"unknown setting (known: {', '.join(SETTING_KEYS)})")
        except CellError as exc:
            problem(str(exc))
            unreadable.add(key)

    def missing(text: str, key: str) -> None:
        if key not in unreadable:  # a setting given but unreadable is reported once
            problems.append(TableProblem(table.source, None, key, text, setting=True))

    if config.takt_h is None:
        missing("missing: give '# takt: 2 min' in the header block, --takt or --scenario", "takt")
    elif not config.takt_h >= 10 / 3600:
        missing(f"the takt must be at least 10 s (got {config.takt_h * 3600:g} s)", "takt")
    for supplier in suppliers:
        lead = config.lead_time_h.get(supplier)
        if lead is None:
            missing(f"missing: give '# lead_time.{supplier}: 6 h' in the header block, "
                    f"--lead-time {supplier}=6h or a --scenario with supplier '{supplier}'",
                    f"lead_time.{supplier}")
        elif not lead >= 1 / 3600:
            missing(f"a lead time must be at least 1 s (got {lead * 3600:g} s)",
                    f"lead_time.{supplier}")
    return config


# ---- rows --------------------------------------------------------------------------------
def _rows(table: TableFile, suppliers: list[str], column: dict[str, int],
          problems: list[TableProblem]) -> list[_Row]:
    by_planned_start = PLANNED_START in column
    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    previous: tuple[int | float, int] | None = None
    first_start: datetime | None = None
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        def problem(name: str, text: str, value: object, number: int = number) -> None:
            problems.append(TableProblem(table.source, number, name, text, value))

        def cell(name: str, cells: tuple[object, ...] = cells) -> object:
            return cells[column[name]] if name in column else None

        def parsed(name: str, parse: Callable[[object], _Cell],
                   required: bool = True) -> _Cell | None:
            value = cell(name)
            if value is None:
                if required and name in column:
                    problem(name, "empty cell", None)
                return None
            try:
                return parse(value)
            except CellError as exc:
                problem(name, str(exc), value)
                return None

        order = cell(ORDER)
        label = cell_text(order) if order is not None else ""
        if order is None and ORDER in column:
            problem(ORDER, "empty cell", None)
        elif label in first_row_of:
            problem(ORDER, f"duplicate order id (also in row {first_row_of[label]})", label)
        elif ORDER in column:
            first_row_of[label] = number
        position: int | float | None
        if by_planned_start:
            start = parsed(PLANNED_START, parse_datetime)
            if start is not None and first_start is None:
                first_start = start
            position = None if start is None or first_start is None else hours_between(
                start, first_start)
            key = PLANNED_START
        else:
            position = parsed(SEQ, parse_integer)
            key = SEQ
        if position is not None:
            if previous is not None and not position > previous[0]:
                problem(key, f"not after the row before (row {previous[1]}): the rows must be in "
                        "sequence order, one order per slot", cell(key))
            else:
                previous = (position, number)
        due = parsed(DUE, parse_datetime)
        versions = [parsed(f"{s}.{VERSION}", cell_text) for s in suppliers]
        statuses = [parsed(f"{s}.{STATUS}", parse_status) for s in suppliers]
        etas = [parsed(f"{s}.{ETA}", parse_datetime, required=False) for s in suppliers]
        rows.append(_Row(number, label, position, due, versions, statuses, etas,
                         [cell(f"{s}.{ETA}") for s in suppliers], cell(key)))
    if not table.rows:
        problems.append(TableProblem(table.source, None, ORDER, "the table has no orders"))
    return rows


# ---- the instance ------------------------------------------------------------------------
def _build(table: TableFile, suppliers: list[str], config: _Config, rows: list[_Row],
           problems: list[TableProblem], overrides: Mapping[str, str]) -> Instance:
    assert config.takt_h is not None and config.lead_time_h is not None
    takt = config.takt_h
    first_seq = rows[0].position
    by_seq = isinstance(first_seq, int)
    # Slot offsets from the first row, and the wall-clock start of the first row's slot.
    if isinstance(first_seq, int):
        offsets = []
        for r in rows:
            assert isinstance(r.position, int)  # an empty seq cell was reported before
            offsets.append(r.position - first_seq)
        first_start = config.start or config.now
        if first_start is None:
            problems.append(TableProblem(table.source, None, "start",
                                         "missing: with a 'seq' column give the planned start of "
                                         "the first row ('# start: ...') or 'now'", setting=True))
            raise_if_any(problems)
            assert first_start is not None
    else:
        offsets = []
        for r in rows:
            assert isinstance(r.position, float)
            k = round(r.position / takt)
            if not same_time(k * takt, r.position):
                problems.append(TableProblem(
                    table.source, r.number, PLANNED_START,
                    f"not on the takt grid: {r.position * 60:g} min after the first row's planned "
                    f"start, not a whole number of takts ({takt * 60:g} min)", r.position_cell))
            offsets.append(k)
        raise_if_any(problems)
        first_start = _first_planned_start(table)
    now = config.now or first_start
    if offsets[-1] >= MAX_HORIZON_SLOTS:
        last = rows[-1]
        problems.append(TableProblem(
            table.source, last.number, SEQ if by_seq else PLANNED_START,
            f"the sequence would span {offsets[-1] + 1:,} slots, more than the "
            f"{MAX_HORIZON_SLOTS:,} an instance may hold", last.position_cell))
    # Hour 0 lies a whole number of takts before the first row's slot, so that now >= 0.
    first_slot = max(0, first_slot_scalar(hours_between(first_start, now), takt))
    if first_slot > MAX_SLOT_OFFSET:
        problems.append(TableProblem(
            COMMAND_LINE if "now" in overrides else table.source, None, "now",
            f"now lies {first_slot:,} takts before the first order's slot, more than "
            f"{MAX_SLOT_OFFSET:,}", cell_text(now), setting=True))
    raise_if_any(problems)
    origin = first_start - timedelta(hours=first_slot * takt)
    now_h = hours_between(now, origin)
    n, M = len(rows), len(suppliers)
    slot = np.array(offsets, dtype=np.int64) + first_slot
    lead = np.array([config.lead_time_h[s] for s in suppliers], dtype=float)
    due_h = np.array([hours_between(r.due, origin) for r in rows if r.due is not None])
    # every version cell is filled (an empty one is a problem raised above)
    version_labels = [sorted({str(r.version[m]) for r in rows}) for m in range(M)]
    version_number = [{label: k for k, label in enumerate(labels)} for labels in version_labels]
    version = np.array([[version_number[m][str(r.version[m])] for m in range(M)] for r in rows],
                       dtype=np.int64).reshape(n, M)
    planned = np.full((n, M), np.nan)
    ready = np.full((n, M), np.nan)
    disruptions: list[tuple[int, int, int]] = []
    freeze_end_h = now_h + config.line_freeze_h
    for i, r in enumerate(rows):
        start_h = float(slot[i]) * takt
        for m, supplier in enumerate(suppliers):
            status, eta = r.status[m], r.eta[m]
            eta_h = None if eta is None else hours_between(eta, origin)

            def problem(part: str, text: str, value: object, number: int = r.number,
                        supplier: str = supplier) -> None:
                problems.append(TableProblem(table.source, number, f"{supplier}.{part}", text, value))

            eta_text = None if eta is None else cell_text(r.eta_cell[m])
            if status == NOT_CALLED_OFF:
                call_off_h = start_h - lead[m]
                if eta is not None:
                    problem(ETA, "an ETA for a component that is not called off", eta_text)
                if is_not_later(call_off_h, now_h):
                    problem(STATUS, f"not called off although its call-off time (slot start "
                            f"{_clock(origin, start_h)} - lead time {lead[m]:g} h = "
                            f"{_clock(origin, call_off_h)}) is not after now "
                            f"({_clock(origin, now_h)})", cell_text(status))
                continue
            if status == DELIVERED:
                if eta_h is None:  # it is there: ready at the slot start
                    eta_h = start_h
                elif is_later(eta_h, now_h):
                    problem(ETA, f"a delivered component with an ETA after now "
                            f"({_clock(origin, now_h)})", eta_text)
                    continue
            elif status in (IN_PRODUCTION, FAILED):
                if eta_h is None:
                    problem(ETA, f"empty cell: a component '{status}' needs its ETA", None)
                    continue
                if status == IN_PRODUCTION and is_earlier(eta_h, now_h):
                    problem(ETA, f"ETA before now ({_clock(origin, now_h)}) for a component in "
                            "production (a component that has arrived is 'delivered')", eta_text)
                    continue
                if status == FAILED and is_not_later(eta_h, now_h):
                    problem(ETA, f"the ETA of a failed component's replacement must be after "
                            f"now ({_clock(origin, now_h)})", eta_text)
                    continue
            else:
                continue  # the status cell had a problem already
            # The model's ready time is never before the planned delivery: an early part waits.
            planned[i, m] = start_h
            ready[i, m] = max(eta_h, start_h)
            if is_later(eta_h, start_h):
                if is_earlier(start_h, freeze_end_h):
                    problem(ETA, f"the component arrives after its slot start "
                            f"({_clock(origin, start_h)}) but the order lies within the line "
                            f"freeze (until {_clock(origin, freeze_end_h)}) and cannot be "
                            "resequenced", eta_text)
                    continue
                disruptions.append((i, m, FAILURE if status == FAILED else DELAY))
    _check_reach(table, rows, suppliers, config, due_h, ready, first_slot, int(slot[-1]) + 1,
                 problems)
    raise_if_any(problems)
    labels = Labels(
        order={k + 1: r.order for k, r in enumerate(rows)},
        version={s: dict(enumerate(version_labels[m])) for m, s in enumerate(suppliers)},
        time_origin=origin,
    )
    instance = Instance(
        now_h=now_h,
        takt_h=takt,
        line_freeze_h=config.line_freeze_h,
        supplier_names=tuple(suppliers),
        lead_time_h=lead,
        first_slot=first_slot,
        horizon_slots=int(slot[-1]) - first_slot + 1,
        order_id=np.arange(1, n + 1, dtype=np.int64),
        slot=slot,
        due_h=due_h,
        version=version,
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=np.array([d[0] for d in disruptions], dtype=np.int64),
        disrupted_supplier=np.array([d[1] for d in disruptions], dtype=np.int64),
        disrupted_kind=np.array([d[2] for d in disruptions], dtype=np.int64),
        name=config.name or Path(table.source).stem,
        labels=labels,
    )
    instance.check(table.source)
    # what is written must read back: the file reader's limits, on the same numbers
    instance_from_dict(instance_to_dict(instance), source=table.source)
    return instance


def _check_reach(table: TableFile, rows: list[_Row], suppliers: list[str], config: _Config,
                 due_h: np.ndarray, ready_h: np.ndarray, first_slot: int, end_slot: int,
                 problems: list[TableProblem]) -> None:
    """Times within :data:`~jisopt.instance_io.MAX_SLOT_OFFSET` slots of the sequence and
    lead times of at most that many slots (the instance file's limits)."""
    assert config.takt_h is not None and config.lead_time_h is not None
    takt = config.takt_h
    low, high = first_slot - MAX_SLOT_OFFSET, end_slot + MAX_SLOT_OFFSET
    reach = f"lies more than {MAX_SLOT_OFFSET:,} takts before or after the sequence"
    for i, r in enumerate(rows):
        if not low <= due_h[i] / takt <= high:
            problems.append(TableProblem(table.source, r.number, DUE, reach, cell_text(r.due)))
        for m, supplier in enumerate(suppliers):
            if not np.isnan(ready_h[i, m]) and not low <= ready_h[i, m] / takt <= high:
                problems.append(TableProblem(table.source, r.number, f"{supplier}.{ETA}", reach,
                                             cell_text(r.eta_cell[m])))
    for supplier in suppliers:
        if config.lead_time_h[supplier] / takt > MAX_SLOT_OFFSET:
            problems.append(TableProblem(
                table.source, None, f"lead_time.{supplier}",
                f"longer than {MAX_SLOT_OFFSET:,} takts", setting=True))


def _first_planned_start(table: TableFile) -> datetime:
    """The planned start of the first row (already known to parse)."""
    index = [c.lower() for c in table.columns].index(PLANNED_START)
    return parse_datetime(table.rows[0][index])


def _clock(origin: datetime, hours: float) -> str:
    """An instant on the table's clock as the planner writes it."""
    if not math.isfinite(hours):
        return f"{hours:g} h"
    return Labels(time_origin=origin).time_text(hours)
