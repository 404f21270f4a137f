"""The supply–assembly event simulator (MODEL.md §2) and its KPIs (MODEL.md §4)."""

from jisopt.sim.metrics import KPI_NAMES
from jisopt.sim.runner import ReplicationResult, policy_from_name, run_replication

__all__ = ["KPI_NAMES", "ReplicationResult", "policy_from_name", "run_replication"]
