"""Decision time of the reinsertion rules on paper-sized instances.

Generates realistic instances with the paper's 1344-slot frozen zone (single
disruptions and batches of three), times every rule (with and without swap)
and, as the in-process baseline, the solver-free ``evaluate`` of the same plan.
Prints medians and p95 in milliseconds and the ratio rule / evaluate.

    python benchmarks/bench_rules.py [--instances 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from jisopt import evaluate, make_policy
from jisopt.generate import generate_instance


def _time_ms(func, repeats: int) -> float:
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        best.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(best))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for batch in (1, 3):
        instances = [generate_instance(seed, n_disrupted=batch) for seed in range(args.instances)]
        for rule in ("step", "leap", "dynamic", "ontime"):
            for swap in (False, True):
                policy = make_policy(rule, swap=swap)
                for inst in instances:
                    plan = policy(inst)
                    rows.append({
                        "batch": batch, "policy": policy.name,
                        # A fresh copy per call: instances cache derived arrays (bounds, ...).
                        "policy_ms": _time_ms(lambda p=policy, i=inst: p(i.replace()), args.repeats),
                        "evaluate_ms": _time_ms(lambda i=inst, p=plan: evaluate(i.replace(), p),
                                                args.repeats),
                    })
    df = pd.DataFrame(rows)
    summary = df.groupby(["batch", "policy"]).agg(
        policy_median_ms=("policy_ms", "median"),
        policy_p95_ms=("policy_ms", lambda s: s.quantile(0.95)),
        evaluate_median_ms=("evaluate_ms", "median"),
    )
    summary["ratio_policy_to_evaluate"] = summary.policy_median_ms / summary.evaluate_median_ms
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
