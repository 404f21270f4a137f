"""Reading a planner's table (CSV or Excel) into settings and rows of cells.

A table file holds an optional *header block* of settings, one per line (CSV) or row
(Excel) whose first cell starts with ``#`` (``# takt: 2 min``, or ``# takt`` with the
value in the next cell), then a header row of column names, then one row per order.
Cells are kept as read (text, numbers, Excel datetimes); :mod:`jisopt.importing.cells`
parses them. Row numbers are those a spreadsheet shows: the first line is row 1.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from jisopt.errors import InputError

__all__ = ["Setting", "TableFile", "cell_text", "read_table_file"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


@dataclass(frozen=True)
class Setting:
    """One ``# key: value`` entry of the header block (``row`` 1-based)."""

    key: str
    value: object
    row: int | None


@dataclass(frozen=True)
class TableFile:
    """A table as read: settings, column names and rows of cells.

    Attributes
    ----------
    source
        The file name, for messages.
    settings
        The header block, in file order.
    columns
        Column names of the header row (stripped).
    rows
        One tuple of cells per data row (``None`` for an empty cell).
    row_numbers
        The spreadsheet row number of each data row.
    """

    source: str
    settings: tuple[Setting, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_numbers: tuple[int, ...]


def read_table_file(path: str | Path) -> TableFile:
    """Read a ``.csv`` or ``.xlsx`` planner table.

    Raises
    ------
    InputError
        If the file cannot be read, has no header row, or its format is unknown.
    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        grid = _excel_grid(path)
    elif suffix in (".csv", ".txt"):
        grid = _csv_grid(path)
    else:
        raise InputError("unknown table format: give a .csv or .xlsx file (or --format csplib)",
                         source=source)
    settings: list[Setting] = []
    start = 0
    while start < len(grid):
        cells = grid[start]
        first = cells[0] if cells else None
        if all(c is None for c in cells):
            start += 1
            continue
        if isinstance(first, str) and first.startswith("#"):
            settings.extend(_setting(cells, start + 1))
            start += 1
            continue
        break
    if start >= len(grid):
        raise InputError("no header row (a row of column names such as 'order,seq,due,...')",
                         source=source)
    columns = tuple("" if c is None else str(c).strip() for c in grid[start])
    while columns and columns[-1] == "":
        columns = columns[:-1]
    rows: list[tuple[object, ...]] = []
    numbers: list[int] = []
    for index in range(start + 1, len(grid)):
        row = tuple(grid[index][:len(columns)])
        row += (None,) * (len(columns) - len(row))
        if all(c is None for c in row) or (isinstance(row[0], str) and row[0].startswith("#")):
            continue  # an empty row or a comment
        rows.append(row)
        numbers.append(index + 1)
    return TableFile(source, tuple(settings), columns, tuple(rows), tuple(numbers))


def _setting(cells: list[object], row: int) -> list[Setting]:
    """The setting of a header-block row (none for a comment: a key must be one word of
    letters, digits, ``_``, ``-`` and ``.``, such as ``lead_time.seats``)."""
    text = str(cells[0]).lstrip("#").strip()
    key, colon, value = text.partition(":")
    key = key.strip()
    if not _KEY.fullmatch(key):
        return []
    if colon:
        return [Setting(key, value.strip(), row)] if key else []
    rest = [c for c in cells[1:] if c is not None]
    if key and rest:
        return [Setting(key, rest[0], row)]
    return []


def _clean(value: object) -> object:
    """An empty cell as ``None``; text stripped; other values as read."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _csv_grid(path: Path) -> list[list[object]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (cannot decode byte {exc.start}: {exc.reason})",
                         source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path)) from None
    lines = text.splitlines()
    header = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    delimiter = max(",;\t", key=header.count)  # the header row's most frequent of , ; and tab
    grid: list[list[object]] = []
    for line in lines:
        if line.lstrip().startswith("#"):
            # a header-block line is taken whole: its value may hold the delimiter
            grid.append([line.strip()])
            continue
        try:
            cells = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", source=str(path)) from None
        grid.append([_clean(c) for c in cells] or [None])
    return grid


def _excel_grid(path: Path) -> list[list[object]]:
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except FileNotFoundError:
        raise InputError("cannot read file: No such file or directory", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path)) from None
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__})",
                         source=str(path)) from None
    grid = [[_clean(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return grid


def cell_text(value: object) -> str:
    """A cell as text: integral numbers without ``.0``, datetimes in ISO form."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)
