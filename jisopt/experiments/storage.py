"""Results on disk, written as they come, so a stopped sweep resumes where it stopped.

Layout of an output directory::

    experiment.json          what was run (scenarios, options, jisopt version)
    parts/<task key>.parquet one row per finished task (written atomically)
    orders/<task key>.parquet per-order table of a finished task (optional)
    replications.parquet     the tidy table: one row per task, parameters + KPIs
    replications.csv         the same as CSV
    orders.parquet           every per-order table, with the task's parameters

A part is written to a hidden temporary file in the same directory and then
renamed (atomic on POSIX), so a part either exists completely or not at all;
a run that is killed leaves at most a stray temporary file, which the next run
removes. The per-order table of a task is written before its part, so a part
implies its orders. On resume, tasks whose part exists are skipped; the final
tables are assembled from the parts of the current grid in grid order, which
makes them independent of the order in which tasks finished.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jisopt.errors import InputError
from jisopt.experiments.grid import Task

__all__ = ["TIMING_COLUMNS", "ResultStore", "TaskResult", "result_row", "rows_to_frame"]

TIMING_COLUMNS: tuple[str, ...] = ("wall_time_s", "decision_time_mean_s", "decision_time_p95_s")
"""Columns measured on the clock: the only ones that differ between identical runs."""

MANIFEST = "experiment.json"
REPLICATIONS = "replications"
ORDERS = "orders"


@dataclass
class TaskResult:
    """What one task produced.

    Attributes
    ----------
    kpis
        KPI name -> value.
    wall_time_s
        Wall-clock time of the task.
    orders
        Optional per-order table.
    """

    kpis: dict[str, float]
    wall_time_s: float = float("nan")
    orders: pd.DataFrame | None = field(default=None, repr=False)


def result_row(task: Task, result: TaskResult | Mapping[str, Any]) -> dict[str, Any]:
    """One tidy row: the task's parameters, then every KPI, then the wall time."""
    if not isinstance(result, TaskResult):
        result = TaskResult(kpis=dict(result))
    row = task.row()
    clash = set(row) & set(result.kpis)
    if clash:
        raise ValueError(f"KPI names clash with task parameters: {sorted(clash)}")
    row.update(result.kpis)
    row["wall_time_s"] = result.wall_time_s
    return row


def rows_to_frame(rows: Sequence[Mapping[str, Any]], tasks: Sequence[Task] = ()) -> pd.DataFrame:
    """Rows (dicts, possibly with different keys) as a table typed exactly as the stored one.

    The parameters of ``tasks`` lead the columns.
    """
    if not rows:
        return pd.DataFrame()
    names = list(dict.fromkeys(k for row in rows for k in row))
    table = pa.Table.from_pydict({n: [row.get(n) for row in rows] for n in names}).to_pandas()
    return _order_columns(table, [names], tasks)


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _frame_to_table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


class ResultStore:
    """Append-only store of task results under one output directory.

    Parameters
    ----------
    out_dir
        Output directory (created if needed).
    """

    def __init__(self, out_dir: str | os.PathLike) -> None:
        self.out_dir = Path(out_dir)
        self.parts_dir = self.out_dir / "parts"
        self.orders_dir = self.out_dir / ORDERS

    # ---- lifecycle ----------------------------------------------------------------
    def open(self, manifest: Mapping[str, Any], *, resume: bool) -> set[str]:
        """Prepare the directory and return the keys of tasks already done.

        Parameters
        ----------
        manifest
            JSON-able description of the experiment (scenarios, options); on
            resume it must equal the stored one.
        resume
            Keep the finished tasks of an earlier run of the same experiment;
            otherwise earlier results in this directory are removed.

        Raises
        ------
        InputError
            On resume, if the directory holds a different experiment.
        """
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create output directory: {exc.strerror}",
                             source=str(self.out_dir)) from None
        path = self.out_dir / MANIFEST
        manifest = json.loads(json.dumps(manifest, sort_keys=True))
        if resume and path.is_file():
            stored = json.loads(path.read_text())
            if stored.get("experiment") != manifest.get("experiment"):
                raise InputError(
                    "holds results of a different experiment (other scenario or options); "
                    "use another output directory or run without resume", source=str(self.out_dir))
        elif not resume:
            self.clear()
        self.parts_dir.mkdir(exist_ok=True)
        self._remove_temporaries()
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        return self.done_keys()

    def clear(self) -> None:
        """Remove the results of an earlier run (only files this store writes)."""
        for sub in (self.parts_dir, self.orders_dir):
            if sub.is_dir():
                shutil.rmtree(sub)
        for name in (MANIFEST, f"{REPLICATIONS}.parquet", f"{REPLICATIONS}.csv", f"{ORDERS}.parquet"):
            (self.out_dir / name).unlink(missing_ok=True)

    def _remove_temporaries(self) -> None:
        for sub in (self.parts_dir, self.orders_dir):
            if sub.is_dir():
                for tmp in sub.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)

    # ---- parts ------------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        """Keys of the tasks whose part is on disk."""
        if not self.parts_dir.is_dir():
            return set()
        return {p.stem for p in self.parts_dir.glob("*.parquet") if not p.name.startswith(".")}

    def write(self, task: Task, result: TaskResult | Mapping[str, Any]) -> dict[str, Any]:
        """Store one finished task (orders first, then its row) and return the row."""
        row = result_row(task, result)
        orders = result.orders if isinstance(result, TaskResult) else None
        if orders is not None:
            self.orders_dir.mkdir(exist_ok=True)
            _atomic_write_table(_frame_to_table(orders), self.orders_dir / f"{task.key}.parquet")
        _atomic_write_table(pa.Table.from_pylist([row]), self.parts_dir / f"{task.key}.parquet")
        return row

    def read_rows(self, tasks: Sequence[Task]) -> pd.DataFrame:
        """The rows of ``tasks``, in the order given.

        Raises
        ------
        KeyError
            If a task has no stored part.
        """
        missing = [t.key for t in tasks if not (self.parts_dir / f"{t.key}.parquet").is_file()]
        if missing:
            raise KeyError(f"{len(missing)} task(s) have no results, e.g. {missing[0]}")
        if not tasks:
            return pd.DataFrame()
        parts = [pq.read_table(self.parts_dir / f"{t.key}.parquet") for t in tasks]
        table = pa.concat_tables(parts, promote_options="permissive").to_pandas()
        return _order_columns(table, [p.column_names for p in parts], tasks)

    # ---- final tables --------------------------------------------------------------
    def finalize(self, tasks: Sequence[Task], *, orders: bool = False) -> pd.DataFrame:
        """Write ``replications.parquet`` and ``.csv`` (and ``orders.parquet``); return the table."""
        table = self.read_rows(tasks)
        _atomic_write_table(_frame_to_table(table), self.out_dir / f"{REPLICATIONS}.parquet")
        tmp = self.out_dir / f".{REPLICATIONS}.csv.tmp"
        table.to_csv(tmp, index=False)
        os.replace(tmp, self.out_dir / f"{REPLICATIONS}.csv")
        if orders:
            self._combine_orders(tasks)
        return table

    def _combine_orders(self, tasks: Iterable[Task]) -> None:
        files = [(t, self.orders_dir / f"{t.key}.parquet") for t in tasks]
        files = [(t, p) for t, p in files if p.is_file()]
        if not files:
            return
        columns = ("task_key", "policy_label", "reliability", "replication", "seed")
        tables = []
        for task, path in files:
            table = pq.read_table(path)
            row = task.row()
            for i, name in enumerate(columns):
                if name not in table.column_names:
                    value = row[name]
                    arr = pa.array([value] * table.num_rows,
                                   type=pa.float64() if name == "reliability" else None)
                    table = table.add_column(i, name, arr)
            tables.append(table)
        combined = pa.concat_tables(tables, promote_options="permissive")
        _atomic_write_table(combined, self.out_dir / f"{ORDERS}.parquet")

    def read_orders(self, task: Task) -> pd.DataFrame | None:
        """The per-order table of one task, if stored."""
        path = self.orders_dir / f"{task.key}.parquet"
        return pd.read_parquet(path) if path.is_file() else None


def _order_columns(table: pd.DataFrame, names: list[list[str]], tasks: Sequence[Task]) -> pd.DataFrame:
    """Task parameters first, then the other columns in first-seen order, the wall time last."""
    seen: dict[str, None] = {}
    for task in tasks:
        seen.update(dict.fromkeys(task.row()))
    for columns in names:
        seen.update(dict.fromkeys(columns))
    cols = [c for c in seen if c != "wall_time_s"] + (["wall_time_s"] if "wall_time_s" in seen else [])
    return table[cols]
