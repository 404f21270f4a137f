"""Experiments at any scale: grids of tasks, backends, resumable storage, statistics.

A grid (:func:`make_grid`) is a list of frozen :class:`Task` records with
stable keys; :func:`run_tasks` runs a task function over it on a backend
(serial, local processes, Dask), storing each result as it finishes so a
stopped sweep resumes without losing or repeating a run; :mod:`.statistics`
summarises the tidy table with Student-t intervals and paired differences.
"""

from jisopt.experiments.backends import (
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    TaskError,
    available_cpus,
    make_backend,
)
from jisopt.experiments.grid import Task, apply_overrides, make_grid
from jisopt.experiments.runner import RunReport, run_tasks
from jisopt.experiments.statistics import Interval, paired_differences, summarize, t_interval
from jisopt.experiments.storage import TIMING_COLUMNS, ResultStore, TaskResult

__all__ = [
    "TIMING_COLUMNS",
    "DaskBackend",
    "Interval",
    "ProcessBackend",
    "ResultStore",
    "RunReport",
    "SerialBackend",
    "Task",
    "TaskError",
    "TaskResult",
    "apply_overrides",
    "available_cpus",
    "make_backend",
    "make_grid",
    "paired_differences",
    "run_tasks",
    "summarize",
    "t_interval",
]
