"""Write the example planner sequence ``frozen_sequence.csv`` and ``frozen_sequence.xlsx``.

A car line with a 2-minute takt at 06:00 on 1 December 2026: the next 360 orders
(12 hours) in sequence, with three JIS suppliers (seats 4 h, cockpit 6 h, wiring harness
16 h lead time). A component is called off when its slot start minus the lead time has
passed; it arrives 30 min before its slot (delivered if that lies before now). Two
disruptions are known: the seats of one order arrive 45 min after its slot start (a
delay), and the cockpit of another failed (its replacement arrives with the next
production, now + 6 h). Run from the repository root::

    python models/sequences/make_example.py

The same seed gives the same files.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261201
NOW = datetime(2026, 12, 1, 6, 0)
TAKT = timedelta(minutes=2)
LINE_FREEZE = timedelta(minutes=30)
N_ORDERS = 360
BUFFER = timedelta(minutes=30)  # parts arrive this long before their slot
SUPPLIERS = {  # name: (lead time, version labels)
    "seats": (timedelta(hours=4), ["cloth-black", "cloth-grey", "leather-black", "leather-cognac",
                                   "sport-black"]),
    "cockpit": (timedelta(hours=6), ["CP-LHD-BASE", "CP-LHD-NAV", "CP-RHD-BASE", "CP-RHD-NAV"]),
    "wiring_harness": (timedelta(hours=16), ["WH-A1", "WH-A2", "WH-B1", "WH-B2", "WH-C1",
                                             "WH-EV"]),
}
DELAYED = ("seats", 75, timedelta(minutes=45))   # supplier, row, ETA after the slot start
FAILED = ("cockpit", 100)                         # supplier, row


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def example_frame() -> pd.DataFrame:
    """The example sequence, one row per order, datetimes as ``datetime`` objects."""
    rng = np.random.default_rng(SEED)
    rows = []
    first_id = 48_213
    for k in range(N_ORDERS):
        start = NOW + k * TAKT
        # due: the planned completion plus up to a day of slack (a few orders already late)
        due = start + TAKT + timedelta(minutes=int(rng.integers(-60, 24 * 60)) // 15 * 15)
        row: dict[str, object] = {
            "order": f"VIN-{first_id + k:06d}",
            "model": ["hatchback", "estate", "suv"][int(rng.integers(3))],
            "planned_start": start,
            "due": due,
        }
        for name, (lead, versions) in SUPPLIERS.items():
            row[f"{name}.version"] = versions[int(rng.integers(len(versions)))]
            if start - lead > NOW:
                row[f"{name}.status"], row[f"{name}.eta"] = "not called off", None
                continue
            eta = start - BUFFER
            row[f"{name}.status"] = "delivered" if eta <= NOW else "in production"
            row[f"{name}.eta"] = eta
        rows.append(row)
    supplier, k, late = DELAYED
    rows[k][f"{supplier}.eta"] = rows[k]["planned_start"] + late
    supplier, k = FAILED
    rows[k][f"{supplier}.status"] = "failed"
    rows[k][f"{supplier}.eta"] = NOW + SUPPLIERS[supplier][0]
    return pd.DataFrame(rows, dtype=object)


HEADER = [
    ("now", _text(NOW)),
    ("takt", "2 min"),
    ("line_freeze", "30 min"),
    *((f"lead_time.{name}", f"{lead / timedelta(hours=1):g} h") for name, (lead, _) in SUPPLIERS.items()),
]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The table with its header block, datetimes as ``YYYY-MM-DD HH:MM``."""
    out = frame.copy()
    for column in out.columns:
        if column in ("planned_start", "due") or column.endswith(".eta"):
            out[column] = [_text(v) if isinstance(v, datetime) else "" for v in out[column]]
    lines = ["# Frozen sequence of line 1, exported 2026-12-01 06:00"]
    lines += [f"# {key}: {value}" for key, value in HEADER]
    path.write_text("\n".join(lines) + "\n" + out.to_csv(index=False, lineterminator="\n"))


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """The table in a workbook: the header block in column A (``# key`` and the value in
    column B), then the header row; datetimes as Excel datetimes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "sequence"
    sheet.append(["# Frozen sequence of line 1, exported 2026-12-01 06:00"])
    for key, value in HEADER:
        sheet.append([f"# {key}", NOW if key == "now" else value])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        sheet.append([None if v is None or (isinstance(v, float) and np.isnan(v)) else v
                      for v in row])
    for cells in sheet.iter_rows(min_row=len(HEADER) + 3):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    book.properties.created = NOW  # reproducible file metadata
    book.properties.modified = NOW
    book.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the workbook (a zip archive) with every entry and its modification time dated
    ``NOW``, so that the same content gives the same bytes."""
    stamp = NOW.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename == "docProps/core.xml":  # the save time, set on every save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            fixed = zipfile.ZipInfo(info.filename, date_time=NOW.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            archive.writestr(fixed, data)


def main() -> None:
    frame = example_frame()
    write_csv(frame, HERE / "frozen_sequence.csv")
    write_xlsx(frame, HERE / "frozen_sequence.xlsx")
    print(f"wrote {HERE / 'frozen_sequence.csv'} and .xlsx: {len(frame)} orders")


if __name__ == "__main__":
    main()
