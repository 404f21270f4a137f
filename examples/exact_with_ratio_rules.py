"""The exact model on an instance with hard and soft H:N ratio rules, against the rules.

An instance is generated with the option rules of the CSPLib car-sequencing problems
(1:2, 2:3, 1:3, 2:5 hard; 1:5 made soft, priced per unit of excess a plan adds over each
window's cap, docs/model.md §5). The plain rules ignore the ratio rules, the ratio-aware
rules keep the hard ones where they can, and the exact model keeps them and prices the soft
one. The script prints each plan's status, objective and
hard-rule verdict, and checks that the optimum is no worse than any feasible plan.

Run: ``python examples/exact_with_ratio_rules.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path


def main() -> None:
    """Solve, compare and write the comparison table to ``--out``."""
    import pandas as pd

    from jisopt.evaluate import evaluate
    from jisopt.generate import generate_instance
    from jisopt.policies import make_policy
    from jisopt.policies.milp import solve_exact
    from jisopt.ratio import hard_rules_kept
    from jisopt.weights import Weights

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small instance (for the tests)")
    parser.add_argument("--out", type=Path, default=Path("results/exact_with_ratio_rules"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    instance = generate_instance(seed=8, n_slots=80 if args.quick else 300, n_disrupted=2,
                                 ratio_rules=((1, 2), (2, 3), (1, 3), (2, 5), (1, 5)))
    rules = list(instance.ratio_rules)
    rules[-1] = dataclasses.replace(rules[-1], hard=False, penalty=5.0)  # 1:5 soft
    instance = instance.replace(ratio_rules=tuple(rules), name="CSPLib option rules")
    weights = Weights(delay=1.0, reschedules=0.2)

    rows = []
    for name in ("step", "dynamic", "ontime", "ratio-step", "ratio-dynamic", "ratio-ontime"):
        plan = make_policy(name)(instance)
        result = evaluate(instance, plan)
        rows.append({"policy": name, "status": plan.status, "feasible": result.feasible,
                     "hard_rules_kept": hard_rules_kept(instance, plan.slot),
                     "objective": result.objective(weights)})
    exact = solve_exact(instance, weights, time_limit_s=60.0)
    assert exact.plan is not None
    check = evaluate(instance, exact.plan)
    rows.append({"policy": "milp", "status": exact.status.value, "feasible": check.feasible,
                 "hard_rules_kept": hard_rules_kept(instance, exact.plan.slot),
                 "objective": exact.objective})
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(exact.summary())
    best_rule = table[table["feasible"] & (table["policy"] != "milp")]["objective"].min()
    assert exact.objective is not None
    assert abs(exact.objective - check.objective(weights)) <= 1e-6 * max(1.0, abs(exact.objective))
    verdict = "holds" if exact.objective <= best_rule + 1e-9 else "FAILS"
    print(f"optimum {exact.objective:.6g} <= best feasible rule plan {best_rule:.6g}: {verdict}")
    table.to_csv(args.out / "comparison.csv", index=False)


if __name__ == "__main__":
    main()
