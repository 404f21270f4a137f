"""Small deterministic task functions for testing the experiment machinery.

They live in their own module so worker processes can import them.
"""

from __future__ import annotations

import os
import time

import numpy as np

from jisopt.experiments import Task, TaskResult

POLICY_EFFECT = {"none": 0.0, "step": 1.0, "leap": 2.0, "dynamic": 1.5}


def fake_replication(task: Task) -> TaskResult:
    """KPIs drawn from a stream derived from (seed, replication) only, like the simulator's.

    Policies share the stream (common random numbers); the wall time differs by process.
    """
    rng = np.random.default_rng(np.random.SeedSequence(task.seed, spawn_key=(task.replication,)))
    noise = rng.normal(size=3)
    r = 0.97 if task.reliability is None else task.reliability
    effect = POLICY_EFFECT[task.policy]
    kpis = {
        "okay_rate": float(r**3 + 0.01 * noise[0]),
        "mean_delay_h": float(effect + 0.5 * noise[1]),
        "reschedules_per_order": float(10 * (1 - r) * (3 - effect) + noise[2]),
        "decision_time_mean_s": float(os.getpid() % 7) * 1e-3,
    }
    return TaskResult(kpis=kpis, wall_time_s=float(os.getpid()))


def slow_first_replication(task: Task) -> TaskResult:
    """Like :func:`fake_replication`, but early replications finish last."""
    time.sleep(0.03 * max(0, 4 - task.replication))
    return fake_replication(task)


class FailOn:
    """Fails on one task key (a crash in the middle of a sweep)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, task: Task) -> TaskResult:
        if task.key == self.key:
            raise RuntimeError("worker crashed")
        return fake_replication(task)
