"""The supply–assembly event simulator (docs/model.md §2) and its KPIs (docs/model.md §4).

:func:`run_replication` runs one replication of a scenario under a policy and returns a
:class:`ReplicationResult`; :class:`~jisopt.sim.engine.Simulator` is the engine itself
(for hand-made demand or disruptions), :func:`collect_result` turns a finished simulator
into a result. See ``docs/simulation.md``.
"""

from jisopt.sim.engine import Simulator
from jisopt.sim.metrics import KPI_NAMES
from jisopt.sim.runner import ReplicationResult, collect_result, run_replication

__all__ = [
    "KPI_NAMES",
    "ReplicationResult",
    "Simulator",
    "collect_result",
    "run_replication",
]
