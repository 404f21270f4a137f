"""Parsing the cells of a planner's table: datetimes, durations, integers, statuses.

Each parser returns the value or raises :class:`CellError` with the reason; the table
reader turns that into one line naming file, row, column and cell.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["STATUSES", "CellError", "parse_datetime", "parse_duration_h", "parse_integer",
           "parse_status"]

NOT_CALLED_OFF = "not called off"
IN_PRODUCTION = "in production"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (NOT_CALLED_OFF, IN_PRODUCTION, DELIVERED, FAILED)
"""Component statuses of a table, as written (case, ``_`` and ``-`` do not matter)."""

_UNITS_H = {"s": 1 / 3600, "sec": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0}
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-z]+)$")


class CellError(ValueError):
    """A cell that cannot be read; the message says why."""


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 date and time (``2026-12-01 06:30``, ``2026-12-01T06:30:00``) or an
    Excel datetime cell. A time with a UTC offset is converted to UTC (without offset)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise CellError("not a date and time (expected ISO 8601 such as "
                            "'2026-12-01 06:30')") from None
        if len(value) <= 10:
            raise CellError("a date without a time (expected such as '2026-12-01 06:30')")
    else:
        raise CellError("not a date and time (expected ISO 8601 such as '2026-12-01 06:30')")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def parse_duration_h(value: object) -> float:
    """A duration with its unit (``90 s``, ``2 min``, ``6 h``, ``1.5 d``), in hours."""
    text = str(value).strip().lower()
    match = _DURATION.match(text)
    if match is None or match[2] not in _UNITS_H:
        raise CellError("not a duration with a unit (s, min, h or d), such as '2 min' or '6 h'")
    return float(match[1]) * _UNITS_H[match[2]]


def parse_integer(value: object) -> int:
    """A whole number (text or an integral number cell)."""
    if isinstance(value, bool):
        raise CellError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        return int(value)
    raise CellError("not a whole number")


def parse_status(value: object) -> str:
    """One of :data:`STATUSES`."""
    text = " ".join(re.split(r"[\s_\-]+", str(value).strip().lower()))
    if text not in STATUSES:
        raise CellError(f"unknown status (one of {', '.join(repr(s) for s in STATUSES)})")
    return text


def hours_between(later: datetime, earlier: datetime) -> float:
    """``later - earlier`` in hours."""
    return (later - earlier) / timedelta(hours=1)
