"""The task function that runs one simulation replication."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jisopt import __version__
from jisopt.errors import InputError
from jisopt.experiments.grid import Task
from jisopt.experiments.storage import TaskResult
from jisopt.policies.spec import policy_identity
from jisopt.scenario import Scenario, load_scenario
from jisopt.sim.metrics import KPI_NAMES, KpiFunction, user_kpi_name

__all__ = ["KPI_NAMES", "SimulationTask", "experiment_manifest", "policy_identities"]


@dataclass
class SimulationTask:
    """Run one replication of a task with the simulator (picklable; ship it to workers).

    Parameters
    ----------
    scenarios
        Loaded base scenarios by the label tasks use (``Task.scenario``);
        a label not in it is loaded with :func:`~jisopt.scenario.load_scenario`.
    record_orders
        Also return the per-order table.
    capture_dir
        Directory where the simulator captures rescheduling instances; each
        task gets its own subdirectory named by its key.
    check_invariants
        Let the simulator check its invariants (slow).
    user_kpis
        User KPI functions (:class:`~jisopt.sim.metrics.KpiFunction`, picklable), whose
        KPIs become columns of the result table.
    """

    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    record_orders: bool = False
    capture_dir: str | None = None
    check_invariants: bool = False
    user_kpis: tuple[KpiFunction, ...] = ()

    def scenario(self, task: Task) -> Scenario:
        """The task's scenario, with its overrides and reliability applied."""
        base = self.scenarios.get(task.scenario)
        if base is None:
            base = load_scenario(task.scenario)
        return task.resolve_scenario(base)

    def __call__(self, task: Task) -> TaskResult:
        """Simulate the replication ``task`` describes and return its KPIs."""
        from jisopt.sim import run_replication

        capture = Path(self.capture_dir) / task.key if self.capture_dir is not None else None
        scenario = self.scenario(task)
        result = run_replication(
            scenario, task.build_policy(scenario), seed=task.seed, replication=task.replication,
            record_orders=self.record_orders, capture_dir=capture,
            check_invariants=self.check_invariants, user_kpis=self.user_kpis,
        )
        return TaskResult(kpis={k: float(v) for k, v in result.kpis.items()},
                          wall_time_s=float(result.wall_time_s), orders=result.orders)

    def validate(self, tasks: list[Task]) -> None:
        """Resolve every distinct scenario and policy once, so bad input fails before any run.

        Policies are built from their specs as the runs build them (``Task.build_policy``
        with the task's scenario); the dynamic rule takes the option ``skew_h``, else the
        scenario's ``dynamic_skew_h``.

        Raises
        ------
        InputError
            On an invalid override, reliability, policy or policy option.
        """
        seen: set[tuple] = set()
        for task in tasks:
            key = (task.scenario, task.overrides, task.reliability, task.policy, task.policy_options,
                   id(task.policy_object))
            if key not in seen:
                seen.add(key)
                task.build_policy(self.scenario(task))


def experiment_manifest(sim: SimulationTask, tasks: list[Task], **info: Any) -> dict[str, Any]:
    """What an output directory holds: the experiment (compared on resume) and provenance.

    Parameters
    ----------
    sim
        The task function (its scenarios and options define the experiment).
    tasks
        The grid.
    **info
        Extra provenance (e.g. the command line).
    """
    labels = sorted({t.scenario for t in tasks})
    missing = [label for label in labels if label not in sim.scenarios]
    if missing:
        raise InputError("scenario not loaded for the experiment", field="scenario", value=missing[0])
    return {
        "experiment": {
            "scenarios": {label: _scenario_json(sim.scenarios[label]) for label in labels},
            "record_orders": sim.record_orders,
            **({"user_kpis": [user_kpi_name(f) for f in sim.user_kpis]} if sim.user_kpis else {}),
        },
        "policies": policy_identities(tasks),
        "n_tasks": len(tasks),
        "jisopt_version": __version__,
        **info,
    }


def policy_identities(tasks: list[Task]) -> dict[str, dict[str, Any]]:
    """Each distinct policy of a grid by label: its source and the digest of that source
    (:func:`~jisopt.policies.spec.policy_identity`); resuming refuses a policy whose
    identity changed (:meth:`~jisopt.experiments.storage.ResultStore.open`)."""
    identities: dict[str, dict[str, Any]] = {}
    for task in tasks:
        label = task.policy_label
        if label not in identities:
            policy = task.policy_object if task.policy_object is not None else task.policy_spec
            identity = policy_identity(policy)
            identities[label] = {"source": identity["source"], "sha1": identity["sha1"]}
    return identities


def _scenario_json(scenario: Scenario) -> dict[str, Any]:
    """The scenario as JSON; without options the ``options`` field is left out, so the
    manifests of scenarios without options match those written before options existed
    (``--resume`` keeps working on them)."""
    data = scenario.model_dump(mode="json")
    if not scenario.options:
        data.pop("options", None)
    return data
