"""Run a grid of tasks on a backend, storing each result as soon as it is finished."""

from __future__ import annotations

import contextlib
import pickle
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jisopt.errors import InputError
from jisopt.experiments.backends import Backend, SerialBackend
from jisopt.experiments.grid import Task, task_keys
from jisopt.experiments.locking import lock_folder
from jisopt.experiments.storage import ResultStore, TaskResult, result_row, rows_to_frame

__all__ = ["RunReport", "check_shippable", "run_tasks"]

_FILE_MODULE_PREFIX = "_jisopt_plugin_"
"""Prefix of the modules of policy files loaded by path (:mod:`jisopt.policies.spec`)."""


@dataclass
class RunReport:
    """Outcome of :func:`run_tasks`.

    Attributes
    ----------
    table
        One row per task of the grid, in grid order.
    n_run
        Tasks run now.
    n_resumed
        Tasks whose stored results were reused.
    wall_time_s
        Wall-clock time of the whole run.
    backend
        Name of the backend and its number of workers, e.g. ``processes x2``.
    out_dir
        Output directory, if results were stored.
    orders
        Per-order tables by task key, when asked for and not stored on disk.
    """

    table: pd.DataFrame
    n_run: int
    n_resumed: int
    wall_time_s: float
    backend: str
    out_dir: Path | None = None
    orders: dict[str, pd.DataFrame] | None = None


def _progress(total: int, initial: int, enabled: bool | None) -> Any:
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, initial=initial, disable=not enabled, unit="run", desc="simulating",
                file=sys.stderr, dynamic_ncols=True)


def check_shippable(tasks: Sequence[Task]) -> None:
    """Refuse policy objects that worker processes cannot receive.

    A task given a policy object (not a label) sends it to the workers by pickling:
    the object must pickle, and its class must be importable by module name in a
    fresh process (a module on ``sys.path``, not a file loaded by path; give such a
    file's policy by its label ``file.py:Attr`` instead, which every worker loads).

    Raises
    ------
    InputError
        Naming the policy and the reason.
    """
    seen: set[int] = set()
    for task in tasks:
        obj = task.policy_object
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        remedy = "; run in this process (jobs=1) or give the policy by its label"
        module = type(obj).__module__
        if module.startswith(_FILE_MODULE_PREFIX):
            raise InputError("was loaded from a file by path, which worker processes cannot import"
                             f" (give it as 'file.py:Attr'){remedy}", field="policy", value=task.policy)
        try:
            pickle.dumps(obj)
        except Exception as exc:
            text = str(exc).strip().splitlines()
            raise InputError(f"cannot be sent to worker processes ({type(exc).__name__}: "
                             f"{text[0] if text else ''}){remedy}", field="policy",
                             value=task.policy) from None


def run_tasks(
    tasks: Sequence[Task],
    fn: Callable[[Task], TaskResult | Mapping[str, Any]],
    *,
    backend: Backend | None = None,
    out_dir: str | Path | None = None,
    manifest: Mapping[str, Any] | None = None,
    resume: bool = False,
    orders: bool = False,
    progress: bool | None = None,
    warn: Callable[[str], None] | None = None,
    outputs: Sequence[str] = (),
) -> RunReport:
    """Run ``fn`` over every task and gather one tidy row per task.

    Parameters
    ----------
    tasks
        The grid (keys must be unique).
    fn
        Picklable function of a task returning a :class:`TaskResult` or a
        mapping of KPI name to value. It must depend on the task alone.
    backend
        Where to run (default: in this process).
    out_dir
        Store every result there as soon as it is finished (see
        :mod:`jisopt.experiments.storage`) and write the final tables.
    manifest
        Description of the experiment stored with the results; resuming
        requires an equal ``manifest["experiment"]``.
    resume
        Skip tasks whose results are already stored in ``out_dir``.
    orders
        Also combine the per-order tables into ``orders.parquet``.
    progress
        Show a progress bar (default: when stderr is a terminal).
    warn
        Receives one line per stored file that is rejected on resume (unreadable,
        or of another task) and whose task is run again (default: :func:`warnings.warn`).
    outputs
        Names of the files the caller will write into ``out_dir`` after the run: a
        file of such a name that no jisopt run listed is refused before anything
        runs (list them with :meth:`ResultStore.record_outputs` once written).

    Raises
    ------
    InputError
        If a task's policy object cannot be sent to the backend's workers
        (:func:`check_shippable`), if ``out_dir`` is in use by another run (see
        :func:`~jisopt.experiments.locking.lock_folder`), is not empty and holds
        no jisopt results, or (on resume) holds another experiment.

    Returns
    -------
    RunReport
        With the table in grid order, whatever the order of completion.
    """
    start = time.perf_counter()
    keys = task_keys(tasks)
    backend = backend if backend is not None else SerialBackend()
    if backend.name != SerialBackend.name:
        check_shippable(tasks)
    store = ResultStore(out_dir) if out_dir is not None else None
    if resume and store is None:
        raise InputError("resuming needs an output directory", field="resume", has_value=False)
    if store is not None:
        store.check_usable()  # before the lock file is created in a directory that is not ours
    # the lock is held from before the directory is looked at until the tables are written
    with lock_folder(store.out_dir) if store is not None else contextlib.nullcontext():
        done = (store.open(manifest or {}, resume=resume, tasks=tasks, warn=warn,
                           outputs=outputs)
                if store is not None else set())
        pending = [t for t in tasks if t.key not in done]
        rows: dict[str, dict[str, Any]] = {}
        order_tables: dict[str, pd.DataFrame] = {}
        with backend, _progress(len(tasks), len(tasks) - len(pending), progress) as bar:
            for task, result in backend.map_unordered(fn, pending):
                if store is not None:
                    store.write(task, result)
                else:
                    rows[task.key] = result_row(task, result)
                    if orders and isinstance(result, TaskResult) and result.orders is not None:
                        order_tables[task.key] = result.orders
                bar.update(1)
        if store is not None:
            table = store.finalize(tasks, orders=orders)
        else:
            table = rows_to_frame([rows[k] for k in keys], tasks)
    return RunReport(
        table=table, n_run=len(pending), n_resumed=len(tasks) - len(pending),
        wall_time_s=time.perf_counter() - start, backend=f"{backend.name} x{backend.workers}",
        out_dir=Path(out_dir) if out_dir is not None else None,
        orders=order_tables if orders and store is None else None,
    )
