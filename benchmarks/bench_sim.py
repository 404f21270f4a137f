"""Speed of the simulator: one 100-day replication of the default scenario per rule.

Runs the paper's tractor case at reliability 0.97 under none, step, leap and dynamic
(one untimed warm-up run each, then ``--repeats`` timed runs with seeds 1, 2, ...) and
prints the median wall-clock and CPU time per replication, the number of rescheduling
instances and the share of time spent in the policy. ``--profile RULE`` prints the
functions that dominate one replication under that rule.

    python benchmarks/bench_sim.py [--repeats 7] [--reliability 0.97] [--profile step]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np
import pandas as pd

from jisopt.scenario import Scenario
from jisopt.sim import run_replication

RULES = ("none", "step", "leap", "dynamic")


def _timed(scenario: Scenario, rule: str, seed: int) -> dict:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = run_replication(scenario, rule, seed=seed)
    return {
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "instances": len(result.instances),
        "policy_s": float(result.instances["decision_time_s"].sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--reliability", type=float, default=0.97)
    parser.add_argument("--profile", choices=RULES, default=None,
                        help="profile one replication under this rule instead")
    args = parser.parse_args()
    scenario = Scenario().with_reliability(args.reliability)
    if args.profile:
        run_replication(scenario, args.profile, seed=1)
        profiler = cProfile.Profile()
        profiler.runcall(run_replication, scenario, args.profile, seed=2)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        return
    rows = []
    for rule in RULES:
        run_replication(scenario, rule, seed=0)  # warm-up (imports, caches)
        runs = pd.DataFrame([_timed(scenario, rule, seed) for seed in range(1, args.repeats + 1)])
        rows.append({
            "rule": rule,
            "median_wall_s": runs["wall_s"].median(),
            "median_cpu_s": runs["cpu_s"].median(),
            "min_wall_s": runs["wall_s"].min(),
            "instances": runs["instances"].median(),
            "policy_share": float(np.median(runs["policy_s"] / runs["cpu_s"])),
        })
    table = pd.DataFrame(rows).set_index("rule")
    print(f"tractor case, reliability {args.reliability}, 100 days, {args.repeats} repeats")
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
