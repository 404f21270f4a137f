"""How often the ratio-aware rules find no ratio-keeping slot when the input breaks windows.

Generates instances with the paper's 1344-slot frozen zone, hard 1:3 and 2:5 rules and one
disruption, once with the generator's ratio-feasible options and once with the options
redrawn at random (each order carries each option with probability ``--share``, so the
input sequence breaks many windows). Prints, per rule and option draw, how many events
needed a search (the plain plan broke a hard rule), how many were ``ratio_infeasible``,
and how many plain-rule plans ``evaluate`` finds broken.

    python benchmarks/bench_ratio_broken_inputs.py [--instances 40] [--share 0.3]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from jisopt import evaluate, make_policy
from jisopt.generate import generate_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--slots", type=int, default=1344)
    parser.add_argument("--share", type=float, default=0.3)
    args = parser.parse_args()
    rows = []
    for draw in ("feasible", "random"):
        for seed in range(args.instances):
            inst = generate_instance(seed, n_slots=args.slots, ratio_rules=((1, 3), (2, 5)))
            if draw == "random":
                rng = np.random.default_rng(10_000 + seed)
                inst = inst.replace(options=rng.random(inst.options.shape) < args.share)
            for rule in ("step", "dynamic"):
                plain = make_policy(rule)(inst)
                aware = make_policy("ratio-" + rule)(inst)
                rows.append({
                    "options": draw, "rule": rule,
                    "plain_broken": any(v.kind == "ratio" for v in evaluate(inst, plain).violations),
                    "searched": not aware.info.get("ratio", {}).get("plain_kept", True),
                    "ratio_infeasible": aware.status == "ratio_infeasible",
                    "aware_broken": any(v.kind == "ratio" for v in evaluate(inst, aware).violations),
                })
    df = pd.DataFrame(rows)
    print(df.groupby(["options", "rule"])[["plain_broken", "searched", "ratio_infeasible",
                                           "aware_broken"]].sum().to_string())


if __name__ == "__main__":
    main()
