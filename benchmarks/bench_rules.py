"""Decision time of the reinsertion rules on paper-sized instances.

Generates realistic instances with the paper's 1344-slot frozen zone (single
disruptions and batches of three), times every rule (with and without swap)
and, as the in-process baseline, the solver-free ``evaluate`` of the same plan.
Prints medians and p95 in milliseconds and the ratio rule / evaluate.

With ``--ratio H:N`` (repeatable) the instances carry one option per rule with
a hard ``H:N`` rule, and the ratio-aware variants (``ratio-step``, ...) are
timed too, next to their plain rule on the same instances: the table adds the
median ratio-aware / plain time and how many events needed a search (the plain
plan broke a hard rule) or found no slot (``ratio_infeasible``).

    python benchmarks/bench_rules.py [--instances 50] [--repeats 5] [--slots 1344]
    python benchmarks/bench_rules.py --ratio 1:2 --ratio 2:3 --ratio 1:3 --ratio 2:5 --ratio 3:5
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


def _ratio(text: str) -> tuple[int, int]:
    h, _, n = text.partition(":")
    return int(h), int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slots", type=int, default=1344)
    parser.add_argument("--ratio", action="append", default=[], metavar="H:N",
                        help="add an option with a hard H:N rule; also time the ratio-aware rules")
    args = parser.parse_args()
    ratio_rules = tuple(_ratio(r) for r in args.ratio)
    rows = []
    for batch in (1, 3):
        instances = [generate_instance(seed, n_slots=args.slots, n_disrupted=batch,
                                       ratio_rules=ratio_rules) for seed in range(args.instances)]
        for rule in ("step", "leap", "dynamic", "ontime"):
            for swap in (False, True):
                names = [rule] + ([f"ratio-{rule}"] if ratio_rules else [])
                for name in names:
                    policy = make_policy(name, swap=swap)
                    for k, inst in enumerate(instances):
                        plan = policy(inst)
                        rows.append({
                            "batch": batch, "policy": policy.name, "plain": make_policy(rule, swap=swap).name,
                            "instance": k,
                            # A fresh copy per call: instances cache derived arrays (bounds, ...).
                            "policy_ms": _time_ms(lambda p=policy, i=inst: p(i.replace()), args.repeats),
                            "evaluate_ms": _time_ms(lambda i=inst, p=plan: evaluate(i.replace(), p),
                                                    args.repeats),
                            "searched": not plan.info.get("ratio", {}).get("plain_kept", True),
                            "ratio_infeasible": plan.status == "ratio_infeasible",
                        })
    df = pd.DataFrame(rows)
    summary = df.groupby(["batch", "policy"]).agg(
        policy_median_ms=("policy_ms", "median"),
        policy_p95_ms=("policy_ms", lambda s: s.quantile(0.95)),
        evaluate_median_ms=("evaluate_ms", "median"),
    )
    summary["ratio_policy_to_evaluate"] = summary.policy_median_ms / summary.evaluate_median_ms
    if ratio_rules:
        plain = df[df.policy == df.plain].set_index(["batch", "plain", "instance"]).policy_ms
        aware = df[df.policy != df.plain].copy()
        aware["to_plain"] = aware.policy_ms.to_numpy() / plain.loc[
            list(zip(aware.batch, aware.plain, aware.instance, strict=True))].to_numpy()
        extra = aware.groupby(["batch", "policy"]).agg(
            median_to_plain=("to_plain", "median"),
            searched=("searched", "sum"),
            infeasible=("ratio_infeasible", "sum"),
        )
        summary = summary.join(extra)
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
