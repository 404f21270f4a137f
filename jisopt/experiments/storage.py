"""Results on disk, written as they come, so a stopped sweep resumes where it stopped.

Layout of an output directory::

    experiment.json          what was run (scenarios, options, jisopt version), each
                             policy's identity ("policies": label -> source and
                             digest, docs/policies.md) and the outputs written
                             ("outputs": file names)
    .jisopt.lock             lock held by the run using the directory
    parts/<task key>.parquet one row per finished task (written atomically)
    orders/<task key>.parquet per-order table of a finished task (optional)
    replications.parquet     the tidy table: one row per task, parameters + KPIs
    replications.csv         the same as CSV
    orders.parquet           every per-order table, with the task's parameters

A part is written to a hidden temporary file in the same directory and then
renamed (atomic on POSIX), so a part either exists completely or not at all;
a run that is killed leaves at most a stray temporary file, which the next run
removes. The per-order table of a task is written before its part, so a part
implies its orders. Both record the task's key and parameter digest in their
Parquet metadata. On resume, tasks whose part exists and checks out (readable,
naming its task, with its per-order table) are skipped; a part that does not is
reported, renamed to ``<name>.bad`` and its task run again. The final tables are
assembled from the parts of the current grid in grid order, which makes them
independent of the order in which tasks finished.

jisopt deletes only files it wrote: the outputs listed in the manifest, parts
and per-order tables that name their task, and its own temporary files. A
non-empty directory without a manifest is refused; an unreadable manifest is an
error naming the file (it is not rebuilt: without it, jisopt cannot tell which
files are its own).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jisopt.errors import InputError
from jisopt.experiments.grid import Task
from jisopt.experiments.locking import LOCK_FILE, prepare_folder

__all__ = ["TIMING_COLUMNS", "ResultStore", "StorageWarning", "TaskResult", "result_row",
           "rows_to_frame"]

TIMING_COLUMNS: tuple[str, ...] = ("wall_time_s", "decision_time_mean_s", "decision_time_p95_s")
"""Columns measured on the clock: the only ones that differ between identical runs."""

MANIFEST = "experiment.json"
FORMAT = "jisopt-results/1"
"""Value of the manifest's ``format`` key, which marks a jisopt result directory."""
PARTS = "parts"
REPLICATIONS = "replications"
ORDERS = "orders"
_LEGACY_OUTPUTS = [f"{REPLICATIONS}.parquet", f"{REPLICATIONS}.csv", f"{ORDERS}.parquet"]
"""The store's own tables (what a manifest of earlier versions, without ``outputs``, stands for)."""
_TASK_KEY = b"jisopt.task_key"
_TASK_DIGEST = b"jisopt.task_digest"
_HAS_ORDERS = b"jisopt.orders"
_KEY_FILE = re.compile(r"^[A-Za-z0-9_.=+-]+_rep\d{4,}_[0-9a-f]{10}\.parquet$")
_ARROW_SOURCE = re.compile(r"Could not open Parquet input source '[^']*': ")
_TEMPORARY = re.compile(r"^\..+\.\d+\.[0-9a-f]+\.tmp$|^\.replications\.csv\.tmp$")
"""Temporary files as jisopt names them (``.<name>.<pid>.<hex>.tmp``; older: ``.replications.csv.tmp``)."""


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


def _temporary(path: Path) -> Path:
    """A hidden temporary file beside ``path``: ``.<name>.<pid>.<8 hex digits>.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message, with its type (for one-line reports)."""
    text = _ARROW_SOURCE.sub("", str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary one and an atomic rename.

    Raises
    ------
    InputError
        Naming ``path`` if it cannot be written (disk full, no permission).
    """
    tmp = _temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write file ({_first_line(exc)})", source=str(path)) from None
    finally:
        tmp.unlink(missing_ok=True)


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    _atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _atomic_write_json(data: Any, path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    _atomic_write(path, write)


def _frame_to_table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _tagged(table: pa.Table, task: Task, **extra: str) -> pa.Table:
    """``table`` with the task it belongs to recorded in its Parquet metadata."""
    meta = dict(table.schema.metadata or {})
    meta[_TASK_KEY] = task.key.encode()
    meta[_TASK_DIGEST] = task.digest.encode()
    meta.update({f"jisopt.{k}".encode(): v.encode() for k, v in extra.items()})
    return table.replace_schema_metadata(meta)


def _untagged(table: pa.Table) -> pa.Table:
    """``table`` without the task metadata (for the combined tables)."""
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if not k.startswith(b"jisopt.")}
    return table.replace_schema_metadata(meta or None)


def _owners(table: pa.Table) -> set[str]:
    """The task keys a stored table names: in its metadata and in its ``task_key`` column."""
    owners = set()
    key = (table.schema.metadata or {}).get(_TASK_KEY)
    if key is not None:
        owners.add(key.decode("utf-8", "replace"))
    if "task_key" in table.column_names:
        owners.update(str(k) for k in table.column("task_key").unique().to_pylist())
    return owners


def _read_stored(path: Path, task: Task, *, part: bool = True) -> pa.Table | str:
    """Read a stored table of ``task``: the table, or a text saying what is wrong with it.

    Every key the table names (metadata, ``task_key`` column) must be the task's,
    and so must the parameter digest in its metadata; a part must name its task
    (per-order tables of earlier versions name none).
    """
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        return f"cannot be read ({_first_line(exc)})"
    others = sorted(_owners(table) - {task.key})
    if others:
        return f"belongs to task {others[0]!r}, not {task.key!r}"
    if part and not _owners(table):
        return "names no task (not written by jisopt)"
    digest = (table.schema.metadata or {}).get(_TASK_DIGEST)
    if digest is not None and digest.decode("utf-8", "replace") != task.digest:
        return f"was written for other parameters of task {task.key!r}"
    return table


def _set_aside(path: Path) -> Path:
    """Rename a rejected file to a free ``<name>.bad[-N]`` beside it (never deleted by jisopt)."""
    for n in range(1, 10_000):
        target = path.with_name(f"{path.name}.bad" if n == 1 else f"{path.name}.bad-{n}")
        if not target.exists():
            os.replace(path, target)
            return target
    raise InputError("too many rejected copies beside it; remove them", source=str(path))


def _check_policies(stored: object, current: object, out_dir: Path) -> None:
    """Refuse to resume when a policy of both runs has another identity (its source changed).

    Manifests without ``policies`` (earlier versions) and policies new to the grid pass.
    """
    if not isinstance(stored, Mapping) or not isinstance(current, Mapping):
        return
    for label in sorted(set(stored) & set(current)):
        if stored[label] != current[label]:
            was, now = stored[label], current[label]
            what = ("its source changed" if isinstance(was, Mapping) and isinstance(now, Mapping)
                    and was.get("source") == now.get("source") else "it comes from another source")
            raise InputError(f"holds results of policy '{label}', but {what} since "
                             "(source digest differs); use another output directory or run "
                             "without resume", source=str(out_dir))


def _safe_output_name(name: object) -> bool:
    """Whether a name listed in a manifest is a plain file name in the directory itself."""
    return (isinstance(name, str) and bool(name) and name not in (".", "..")
            and "/" not in name and "\\" not in name and not name.startswith("."))


class ResultStore:
    """Append-only store of task results under one output directory.

    Parameters
    ----------
    out_dir
        Output directory (created if needed).

    Notes
    -----
    The store deletes only what jisopt wrote: the outputs its manifest lists,
    parts and per-order tables that name their task, and its own temporary
    files. It refuses a non-empty directory without a manifest. Hold
    :func:`~jisopt.experiments.locking.lock_folder` while using it
    (:func:`~jisopt.experiments.runner.run_tasks` does).
    """

    def __init__(self, out_dir: str | os.PathLike) -> None:
        self.out_dir = Path(out_dir)
        self.parts_dir = self.out_dir / PARTS
        self.orders_dir = self.out_dir / ORDERS
        self.manifest_path = self.out_dir / MANIFEST

    # ---- lifecycle ----------------------------------------------------------------
    def open(
        self,
        manifest: Mapping[str, Any],
        *,
        resume: bool,
        tasks: Sequence[Task] | None = None,
        warn: Callable[[str], None] | None = None,
        outputs: Iterable[str] = (),
    ) -> set[str]:
        """Prepare the directory and return the keys of tasks already done.

        Parameters
        ----------
        manifest
            JSON-able description of the experiment (scenarios, options); on
            resume its ``"experiment"`` must equal the stored one.
        resume
            Keep the finished tasks of an earlier run of the same experiment;
            otherwise earlier results in this directory are removed. The
            outputs an earlier run listed in the manifest are removed either way.
        tasks
            The grid: if given, the part of each of its tasks is checked (readable,
            naming that task, with its per-order table), and a bad one is
            reported through ``warn``, set aside as ``<name>.bad`` and its task
            counted as not done.
        warn
            Receives one line per rejected file (default: :func:`warnings.warn`).
        outputs
            Names of the files the caller will write into the directory after the
            run (besides the store's tables); they are listed in the manifest at
            once, like the store's ``replications.parquet`` and ``.csv``.

        Raises
        ------
        InputError
            If the manifest cannot be read, the directory is not empty and
            holds no manifest, on resume it holds a different experiment, or a
            file of an output's name is there that no jisopt run listed (it would
            be overwritten).
        """
        prepare_folder(self.out_dir)
        manifest = json.loads(json.dumps(manifest, sort_keys=True))
        stored = self.read_manifest()
        if stored is None:
            self._refuse_foreign()
        elif resume and stored.get("experiment") != manifest.get("experiment"):
            raise InputError(
                "holds results of a different experiment (other scenario or options); "
                "use another output directory or run without resume", source=str(self.out_dir))
        elif resume:
            _check_policies(stored.get("policies"), manifest.get("policies"), self.out_dir)
        outputs = list(outputs)
        self._remove_outputs(stored, outputs)
        self._refuse_overwrite([*_LEGACY_OUTPUTS, *outputs])
        if not resume:
            self._remove_results()
        self._remove_temporaries()
        # the names are reserved now, so a run killed while writing them leaves none unlisted
        reserved = sorted({*_LEGACY_OUTPUTS[:2], *filter(_safe_output_name, outputs)})
        _atomic_write_json({**manifest, "format": FORMAT, "outputs": reserved}, self.manifest_path)
        self.parts_dir.mkdir(exist_ok=True)
        if tasks is None:
            return self.done_keys()
        return self._checked_keys(tasks, warn or _warn)

    def read_manifest(self) -> dict[str, Any] | None:
        """The stored manifest, or ``None`` if there is none.

        Raises
        ------
        InputError
            Naming the file if it is not a readable jisopt manifest (truncated,
            corrupt, or some other JSON).
        """
        path = self.manifest_path
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot be read as a jisopt manifest ({_first_line(exc)}); without it "
                             "jisopt cannot tell which files here are its own: use another output "
                             "directory or empty this one", source=str(path)) from None
        if not isinstance(data, dict) or not (data.get("format") == FORMAT or "experiment" in data):
            raise InputError(f"is not a jisopt manifest (no 'format': {FORMAT!r}); use another "
                             "output directory", source=str(path))
        return data

    def check_usable(self) -> None:
        """Refuse, before anything is written, a directory jisopt may not write into.

        That is a regular file, a non-empty directory without a manifest or one
        with an unreadable manifest (:meth:`open` checks again under the lock).

        Raises
        ------
        InputError
            Naming the directory or the manifest.
        """
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise InputError("exists and is not a directory", source=str(self.out_dir))
        if self.out_dir.is_dir() and self.read_manifest() is None:
            self._refuse_foreign()

    def record_outputs(self, names: Iterable[str | os.PathLike]) -> None:
        """List files written into the directory in the manifest, so the next run removes them.

        Parameters
        ----------
        names
            File names (or paths of files) directly in the output directory.
        """
        stored = self.read_manifest() or {}
        listed = set(stored.get("outputs") or ())
        for name in names:
            path = Path(name)
            if path.parent not in (Path(), self.out_dir) and path.parent.resolve() != self.out_dir.resolve():
                raise ValueError(f"not directly in {self.out_dir}: {path}")
            listed.add(path.name)
        stored["outputs"] = sorted(n for n in listed if _safe_output_name(n))
        _atomic_write_json(stored, self.manifest_path)

    def clear(self) -> None:
        """Remove the results of an earlier run: only files jisopt wrote.

        That is the outputs the manifest lists, the parts and per-order tables
        that name their task, jisopt's temporary files and the manifest. Other
        files stay, and so do the folders that hold them.
        """
        self._remove_outputs(self.read_manifest())
        self._remove_results()
        self._remove_temporaries()
        self.manifest_path.unlink(missing_ok=True)

    def _refuse_foreign(self) -> None:
        """Refuse a non-empty directory without a manifest: its files are not jisopt's."""
        entries = sorted(p.name for p in self.out_dir.iterdir() if p.name != LOCK_FILE)
        if entries:
            raise InputError(
                f"is not empty and holds no jisopt results (no {MANIFEST}; it holds {entries[0]!r}"
                f"{f' and {len(entries) - 1} more' if len(entries) > 1 else ''}); "
                "use a new or empty output directory", source=str(self.out_dir))

    def _refuse_overwrite(self, names: Iterable[str]) -> None:
        """Refuse if a file the run will write is there although no jisopt run listed it."""
        for name in names:
            if (self.out_dir / name).exists():
                raise InputError(
                    f"holds {name!r}, which no jisopt run listed as its output and this run would "
                    "overwrite; move it away or use another output directory", source=str(self.out_dir))

    def _remove_outputs(self, stored: Mapping[str, Any] | None, planned: Sequence[str] = ()) -> None:
        """Remove the outputs the manifest lists.

        A manifest of an earlier version lists none: then the store's tables and
        the ``planned`` outputs of this run stand for what the earlier run wrote.
        """
        if stored is None:
            return
        names = stored.get("outputs")
        if not isinstance(names, list):
            names = [*_LEGACY_OUTPUTS, *planned]
        for name in names:
            if _safe_output_name(name):
                path = self.out_dir / name
                if path.is_file() and not path.is_symlink():
                    path.unlink()

    def _remove_results(self) -> None:
        """Remove the parts and per-order tables jisopt wrote (and their folders once empty)."""
        for sub, is_part in ((self.parts_dir, True), (self.orders_dir, False)):
            if not sub.is_dir():
                continue
            for path in sub.iterdir():
                if _is_own_result(path, is_part):
                    path.unlink()
            with contextlib.suppress(OSError):
                sub.rmdir()  # only if empty

    def _remove_temporaries(self) -> None:
        """Remove temporary files a killed run left (named as jisopt names them)."""
        for sub in (self.out_dir, self.parts_dir, self.orders_dir):
            if sub.is_dir():
                for tmp in sub.glob(".*.tmp"):
                    if _TEMPORARY.match(tmp.name) and tmp.is_file():
                        tmp.unlink(missing_ok=True)

    # ---- parts ------------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        """Keys of the tasks whose part is on disk (unchecked)."""
        if not self.parts_dir.is_dir():
            return set()
        return {p.stem for p in self.parts_dir.glob("*.parquet") if not p.name.startswith(".")}

    def _part(self, key: str) -> Path:
        return self.parts_dir / f"{key}.parquet"

    def _orders(self, key: str) -> Path:
        return self.orders_dir / f"{key}.parquet"

    def check(self, task: Task) -> str | None:
        """What is wrong with the stored results of ``task`` (``None``: fine, or none stored).

        A part must be a readable one-row table naming ``task`` (key and
        parameter digest); if it says it has a per-order table, or one is
        stored, that table must be readable and name ``task`` too.
        """
        table = _read_stored(self._part(task.key), task)
        if isinstance(table, str):
            return table
        if table.num_rows != 1:
            return f"holds {table.num_rows} rows instead of 1"
        orders = self._orders(task.key)
        if orders.is_file():
            stored_orders = _read_stored(orders, task, part=False)
            if isinstance(stored_orders, str):
                return f"its per-order table {orders} {stored_orders}"
        elif (table.schema.metadata or {}).get(_HAS_ORDERS) == b"1":
            return f"its per-order table {orders} is missing"
        return None

    def _checked_keys(self, tasks: Sequence[Task], warn: Callable[[str], None]) -> set[str]:
        """Keys of the tasks with good stored results; bad ones are reported and set aside."""
        done = set()
        for task in tasks:
            part = self._part(task.key)
            if not part.exists():
                continue
            problem = self.check(task)
            if problem is None:
                done.add(task.key)
                continue
            moved = [_set_aside(part)]
            orders = self._orders(task.key)
            if orders.is_file() and isinstance(_read_stored(orders, task, part=False), str):
                moved.append(_set_aside(orders))
            warn(f"{part}: {problem}; set aside as {', '.join(p.name for p in moved)}, "
                 "the run is repeated")
        return done

    def write(self, task: Task, result: TaskResult | Mapping[str, Any]) -> dict[str, Any]:
        """Store one finished task (orders first, then its row) and return the row.

        Both files record the task's key and parameter digest in their Parquet
        metadata, so a file copied under another task's name is recognised.
        """
        row = result_row(task, result)
        orders = result.orders if isinstance(result, TaskResult) else None
        if orders is not None:
            self.orders_dir.mkdir(exist_ok=True)
            _atomic_write_table(_tagged(_frame_to_table(orders), task), self._orders(task.key))
        part = _tagged(pa.Table.from_pylist([row]), task, orders="1" if orders is not None else "0")
        _atomic_write_table(part, self._part(task.key))
        return row

    def read_rows(self, tasks: Sequence[Task]) -> pd.DataFrame:
        """The rows of ``tasks``, in the order given.

        Raises
        ------
        KeyError
            If a task has no stored part.
        InputError
            If a part cannot be read or names another task.
        """
        missing = [t.key for t in tasks if not self._part(t.key).is_file()]
        if missing:
            raise KeyError(f"{len(missing)} task(s) have no results, e.g. {missing[0]}")
        if not tasks:
            return pd.DataFrame()
        parts = []
        for task in tasks:
            stored = _read_stored(self._part(task.key), task)
            if isinstance(stored, str):
                raise InputError(stored, source=str(self._part(task.key)))
            parts.append(_untagged(stored))
        table = pa.concat_tables(parts, promote_options="permissive").to_pandas()
        return _order_columns(table, [p.column_names for p in parts], tasks)

    # ---- final tables --------------------------------------------------------------
    def finalize(self, tasks: Sequence[Task], *, orders: bool = False) -> pd.DataFrame:
        """Write ``replications.parquet`` and ``.csv`` (and ``orders.parquet``); return the table.

        The files are listed in the manifest before they are written.
        """
        table = self.read_rows(tasks)
        names = [f"{REPLICATIONS}.parquet", f"{REPLICATIONS}.csv"]
        self.record_outputs(names + ([f"{ORDERS}.parquet"] if orders else []))
        _atomic_write_table(_frame_to_table(table), self.out_dir / names[0])
        _atomic_write(self.out_dir / names[1], lambda tmp: table.to_csv(tmp, index=False))
        if orders:
            self._combine_orders(tasks)
        return table

    def _combine_orders(self, tasks: Iterable[Task]) -> None:
        files = [(t, self._orders(t.key)) for t in tasks]
        files = [(t, p) for t, p in files if p.is_file()]
        if not files:
            return
        columns = ("task_key", "policy_label", "reliability", "replication", "seed")
        tables = []
        for task, path in files:
            stored = _read_stored(path, task, part=False)
            if isinstance(stored, str):
                raise InputError(stored, source=str(path))
            table = _untagged(stored)
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
        path = self._orders(task.key)
        return pd.read_parquet(path) if path.is_file() else None


def _warn(message: str) -> None:
    warnings.warn(message, StorageWarning, stacklevel=3)


class StorageWarning(UserWarning):
    """A stored file was rejected (unreadable, or of another task) and its task is run again."""


def _is_own_result(path: Path, is_part: bool) -> bool:
    """Whether a file in ``parts/`` or ``orders/`` is one jisopt wrote there.

    Its name is a task key and its Parquet metadata names that key; parts of
    older versions carry the key in their ``task_key`` column, per-order tables
    of older versions only in their name.
    """
    if not (path.is_file() and not path.is_symlink() and _KEY_FILE.match(path.name)):
        return False
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError):
        return False
    key = (schema.metadata or {}).get(_TASK_KEY)
    if key is not None:
        return key.decode("utf-8", "replace") == path.stem
    if not is_part:
        return True
    try:
        column = pq.read_table(path, columns=["task_key"]).column("task_key")
    except (pa.ArrowException, OSError, ValueError, KeyError):
        return False
    return len(column) == 1 and column[0].as_py() == path.stem


def _order_columns(table: pd.DataFrame, names: list[list[str]], tasks: Sequence[Task]) -> pd.DataFrame:
    """Task parameters first, then the other columns in first-seen order, the wall time last."""
    seen: dict[str, None] = {}
    for task in tasks:
        seen.update(dict.fromkeys(task.row()))
    for columns in names:
        seen.update(dict.fromkeys(columns))
    cols = [c for c in seen if c != "wall_time_s"] + (["wall_time_s"] if "wall_time_s" in seen else [])
    return table[cols]
