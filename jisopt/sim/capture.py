"""Write every rescheduling instance of a run, with the plan applied, for offline replay.

Files are named ``<index>_t<time>h.instance.json`` and ``<index>_t<time>h.plan.json``
(index zero-padded to six digits, time in hours), written with
:func:`jisopt.instance_io.write_instance` and :func:`jisopt.plan_io.write_plan`, so that
``jisopt solve`` reads them.
"""

from __future__ import annotations

import os
from pathlib import Path

from jisopt.changes import PlanChanges
from jisopt.instance import Instance
from jisopt.plan import Plan

__all__ = ["InstanceCapture", "capture_stem"]


def capture_stem(index: int, now_h: float) -> str:
    """File stem of the ``index``-th instance of a run, taken at ``now_h``."""
    return f"{index:06d}_t{now_h:.4f}h"


class InstanceCapture:
    """An ``on_instance`` hook that writes instance and plan files into ``directory``."""

    def __init__(self, directory: str | os.PathLike) -> None:
        from jisopt.instance_io import write_instance
        from jisopt.plan_io import write_plan

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write_instance = write_instance
        self._write_plan = write_plan

    def __call__(self, index: int, instance: Instance, plan: Plan, changes: PlanChanges) -> None:
        """Write the ``index``-th instance and its plan."""
        stem = capture_stem(index, instance.now_h)
        self._write_instance(instance, self.directory / f"{stem}.instance.json")
        self._write_plan(instance, plan, self.directory / f"{stem}.plan.json")
