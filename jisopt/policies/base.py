"""The policy protocol: an instance in, a plan out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from jisopt.instance import Instance
from jisopt.plan import Plan

__all__ = ["Policy"]


@runtime_checkable
class Policy(Protocol):
    """Anything that turns a rescheduling instance into a plan.

    Implementations are plain callables with a ``name``; they must not keep
    state between calls that changes their answers (the simulator calls the
    same object for every event of a run).
    """

    @property
    def name(self) -> str:
        """The policy's label (as tables and plans show it)."""
        ...

    def __call__(self, instance: Instance) -> Plan:
        """Return a plan for ``instance`` (with ``runtime_s`` set)."""
        ...
