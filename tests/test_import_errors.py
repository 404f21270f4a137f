"""Bad planner tables through ``jisopt import``: exit 2, one line per problem naming file,
row and column, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from jisopt.cli import main

HEADER = [
    "# now: 2026-01-01 06:00",
    "# takt: 1 h",
    "# line_freeze: 2 h",
    "# lead_time.seats: 3 h",
]
COLUMNS = "order,planned_start,due,seats.version,seats.status,seats.eta"
# Rows 6..9 (the header block is rows 1-4, the column names row 5). Slot starts 06:00 ..
# 09:00; seats call-offs at 03:00 .. 06:00, all not after now: every component started.
GOOD = [
    "A1,2026-01-01 06:00,2026-01-01 08:00,S1,delivered,2026-01-01 05:00",
    "A2,2026-01-01 07:00,2026-01-01 09:00,S2,in production,2026-01-01 06:30",
    "A3,2026-01-01 08:00,2026-01-01 10:00,S1,in production,2026-01-01 07:30",
    "A4,2026-01-01 09:00,2026-01-01 11:00,S2,in production,2026-01-01 08:30",
]


def _table(tmp_path: Path, rows: list[str], header: list[str] = HEADER,
           columns: str = COLUMNS) -> Path:
    path = tmp_path / "seq.csv"
    path.write_text("\n".join([*header, columns, *rows]) + "\n")
    return path


def _replace(row: int, column: str, value: str, columns: str = COLUMNS) -> list[str]:
    """GOOD with the cell of spreadsheet row ``row`` in ``column`` replaced."""
    rows = [r.split(",") for r in GOOD]
    rows[row - 6][columns.split(",").index(column)] = value
    return [",".join(r) for r in rows]


def _run(tmp_path: Path, path: Path, capsys, *extra: str) -> list[str]:
    code = main(["import", str(path), "--out", str(tmp_path / "out.json"), *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out.json").exists()
    return captured.err.splitlines()


def test_the_good_table_imports(tmp_path, capsys):
    assert main(["import", str(_table(tmp_path, GOOD)), "--out", str(tmp_path / "o.json")]) == 0


CELL_CASES = [
    # (row, column, new cell, words of the message)
    (7, "seats.status", "in prod", "unknown status"),
    (8, "due", "tomorrow", "not a date and time"),
    (8, "due", "2026-01-01", "a date without a time"),
    (9, "order", "A1", "duplicate order id (also in row 6)"),
    (8, "planned_start", "2026-01-01 06:30", "not after the row before (row 7)"),
    (8, "planned_start", "2026-01-01 08:20", "not on the takt grid"),
    (7, "seats.eta", "2026-01-01 05:00", "ETA before now"),
    (6, "seats.eta", "2026-01-01 07:00", "delivered component with an ETA after now"),
    (7, "seats.eta", "2026-01-01 07:30", "within the line freeze"),  # slot 07:00 < 06:00 + 2 h
    (7, "seats.eta", "", "needs its ETA"),
    (7, "seats.version", "", "empty cell"),
    (6, "order", "", "empty cell"),
]


@pytest.mark.parametrize(("row", "column", "value", "words"), CELL_CASES)
def test_bad_cell(tmp_path, capsys, row, column, value, words):
    lines = _run(tmp_path, _table(tmp_path, _replace(row, column, value)), capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"jisopt import: error: {tmp_path / 'seq.csv'}: row {row}, "
                               f"column '{column}': ")
    assert words in lines[0]
    if value:
        assert repr(value) in lines[0]


def test_failed_needs_a_replacement_after_now(tmp_path, capsys):
    rows = _replace(8, "seats.status", "failed")
    rows = [r.replace("2026-01-01 07:30", "2026-01-01 06:00") for r in rows]
    lines = _run(tmp_path, _table(tmp_path, rows), capsys)
    assert len(lines) == 1 and "row 8, column 'seats.eta'" in lines[0]
    assert "replacement must be after now" in lines[0]


def test_not_called_off_but_due(tmp_path, capsys):
    # row 9: slot 09:00 - 3 h = 06:00 is not after now (06:00): the call-off is overdue
    rows = _replace(9, "seats.status", "not called off")
    rows[3] = rows[3].rsplit(",", 1)[0] + ","
    lines = _run(tmp_path, _table(tmp_path, rows), capsys)
    assert len(lines) == 1 and "row 9, column 'seats.status'" in lines[0]
    assert "call-off time" in lines[0] and "2026-01-01 06:00" in lines[0]


def test_eta_of_a_component_not_called_off(tmp_path, capsys):
    # with a 2 h lead time row 9's call-off is 07:00, after now: not called off is right, but
    # its ETA is not used
    rows = _replace(9, "seats.status", "not called off")
    lines = _run(tmp_path, _table(tmp_path, rows), capsys, "--lead-time", "seats=2 h")
    assert len(lines) == 1 and "row 9, column 'seats.eta'" in lines[0]
    assert "not called off" in lines[0]


def test_sequence_numbers_must_increase(tmp_path, capsys):
    columns = COLUMNS.replace("planned_start", "seq")
    rows = [r.replace(r.split(",")[1], str(k), 1) for k, r in zip((1, 2, 2, "x"), GOOD, strict=True)]
    lines = _run(tmp_path, _table(tmp_path, rows, columns=columns), capsys)
    assert len(lines) == 2
    assert "row 8, column 'seq': not after the row before (row 7)" in lines[0]
    assert "row 9, column 'seq': not a whole number (got 'x')" in lines[1]


@pytest.mark.parametrize(("columns", "words"), [
    (COLUMNS.replace("due", "deadline"), "column 'due': missing column"),
    (COLUMNS.replace("planned_start", "start_time"), "missing column: give the sequence number"),
    (COLUMNS.replace("seats.eta", "seats.arrival"), "unknown supplier column"),
    (COLUMNS.replace("seats.eta", "seats.status"), "column given twice"),
])
def test_bad_columns(tmp_path, capsys, columns, words):
    lines = _run(tmp_path, _table(tmp_path, GOOD, columns=columns), capsys)
    assert any(words in line for line in lines), lines
    assert all(line.startswith(f"jisopt import: error: {tmp_path / 'seq.csv'}: ") for line in lines)


@pytest.mark.parametrize(("header", "extra", "words"), [
    ([h for h in HEADER if "takt" not in h], (), "setting 'takt': missing"),
    ([*HEADER[:1], "# takt: 60", *HEADER[2:]], (), "row 2, setting 'takt': not a duration"),
    ([*HEADER, "# speed: fast"], (), "row 5, setting 'speed': unknown setting"),
    (HEADER[:3], (), "setting 'lead_time.seats': missing"),
    (HEADER, ("--now", "soon"), "command line: setting 'now': not a date and time"),
    (HEADER, ("--takt", "5 s"), "the takt must be at least 10 s"),
    (HEADER, ("--lead-time", "doors=2 h"), "no columns of supplier 'doors'"),
])
def test_bad_settings(tmp_path, capsys, header, extra, words):
    lines = _run(tmp_path, _table(tmp_path, GOOD, header=header), capsys, *extra)
    assert any(words in line for line in lines), lines


def test_many_problems_are_cut_after_twenty(tmp_path, capsys):
    rows = [f"B{k},2026-01-01 {6 + k:02d}:00,2026-01-02 00:00,S1,lost,2026-01-01 05:00"
            for k in range(17)]  # 17 unknown statuses
    rows += [f"B{k},2026-01-01 {6 + k:02d}:00,never,S1,delivered," for k in range(17, 18)]
    lines = _run(tmp_path, _table(tmp_path, rows), capsys, "--line-freeze", "0 h")
    # 17 statuses, 1 due, and (the 23 h takt rows lie on the grid) nothing else; add 10
    # empty versions to pass twenty
    assert len(lines) == 18
    rows += [f"C{k},2026-01-02 {k:02d}:00,2026-01-03 00:00,,delivered," for k in range(10)]
    lines = _run(tmp_path, _table(tmp_path, rows), capsys, "--line-freeze", "0 h")
    assert len(lines) == 21 and lines[-1] == "jisopt import: error: ... and 8 more"
    assert all("row " in line for line in lines[:20])


def test_unreadable_files(tmp_path, capsys):
    broken = tmp_path / "seq.xlsx"
    broken.write_bytes(b"not a workbook")
    lines = _run(tmp_path, broken, capsys)
    assert len(lines) == 1 and "not a readable .xlsx workbook" in lines[0]
    lines = _run(tmp_path, tmp_path / "missing.csv", capsys)
    assert len(lines) == 1 and "cannot read file" in lines[0]
    odd = tmp_path / "seq.ods"
    odd.write_text("x")
    lines = _run(tmp_path, odd, capsys)
    assert len(lines) == 1 and "give a .csv or .xlsx" in lines[0]
    empty = tmp_path / "empty.csv"
    empty.write_text("# takt: 1 h\n")
    lines = _run(tmp_path, empty, capsys)
    assert len(lines) == 1 and "no header row" in lines[0]


def test_problem_only_with_csplib(tmp_path, capsys):
    lines = _run(tmp_path, _table(tmp_path, GOOD), capsys, "--problem", "2")
    assert len(lines) == 1 and "--problem" in lines[0]


def test_excel_rows_are_numbered_as_excel_shows_them(tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A2"] = "# takt"  # row 1 empty, then the header block in A/B
    sheet["B2"] = "1 h"
    sheet["A3"] = "# lead_time.seats: 3 h"
    sheet["A4"] = "# now"
    sheet["B4"] = _datetime("2026-01-01 06:00")
    sheet.append(COLUMNS.split(","))  # row 5
    for k, row in enumerate(GOOD):  # rows 6-9; row 8 with an unknown status
        cells: list[object] = row.split(",")
        cells[1:3] = [_datetime(str(c)) for c in cells[1:3]]
        cells[5] = _datetime(str(cells[5]))
        if k == 2:
            cells[4] = "lost"
        sheet.append(cells)
    path = tmp_path / "seq.xlsx"
    book.save(path)
    lines = _run(tmp_path, path, capsys)
    assert lines == [f"jisopt import: error: {path}: row 8, column 'seats.status': unknown status "
                     "(one of 'not called off', 'in production', 'delivered', 'failed') "
                     "(got 'lost')"]


def _datetime(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_limits_of_an_instance_file(tmp_path, capsys):
    # 20,000,000 sequence numbers is more slots than an instance may hold (10,000,000)
    columns = COLUMNS.replace("planned_start", "seq")
    rows = [r.replace(r.split(",")[1], str(k), 1) for k, r in zip((1, 2, 3, 20_000_000), GOOD,
                                                                   strict=True)]
    lines = _run(tmp_path, _table(tmp_path, rows, columns=columns), capsys)
    assert len(lines) == 1 and "row 9, column 'seq': the sequence would span" in lines[0]
    # a due date 80 years on with a 10 s takt: 80 * 8760 * 360 = 252 million takts away
    rows = _replace(7, "due", "2106-01-01 00:00")
    lines = _run(tmp_path, _table(tmp_path, rows), capsys, "--takt", "10 s", "--line-freeze", "0 h")
    assert any("row 7, column 'due': lies more than 10,000,000 takts" in line for line in lines), lines
    # now 40 years (14,610 days with 10 leap days) and 6 h before the first slot (06:00) with
    # a 10 s takt: (14,610 * 24 + 6) h * 360 = 126,232,560 takts
    lines = _run(tmp_path, _table(tmp_path, GOOD), capsys, "--takt", "10 s", "--now",
                 "1986-01-01 00:00")
    assert lines == ["jisopt import: error: command line: setting 'now': now lies 126,232,560 "
                     "takts before the first order's slot, more than 10,000,000 "
                     "(got '1986-01-01 00:00:00')"]


def test_comment_rows_among_the_orders_are_skipped(tmp_path, capsys):
    rows = [*GOOD[:2], "# a break in the export", *GOOD[2:]]
    assert main(["import", str(_table(tmp_path, rows)), "--out", str(tmp_path / "o.json")]) == 0
