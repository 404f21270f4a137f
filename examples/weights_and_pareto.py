"""Delay against reschedules: a weight study in simulation and the Pareto front of one instance.

1. The rules and the exact policy ``milp`` under three reschedule weights (delay weight 1) on
   identical disruption streams; the points no other beats in both KPIs are flagged.
2. The front of total delay against reschedules of one instance with tight due dates, traced by
   a weight sweep of the exact model, with the rules' plans as points.

Run: ``python examples/weights_and_pareto.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    """Run both parts and write their tables and figures to ``--out``."""
    from jisopt.experiments import make_backend, run_tasks
    from jisopt.experiments.simulation import SimulationTask
    from jisopt.experiments.weights_study import weights_grid, write_weights_results
    from jisopt.generate import generate_instance
    from jisopt.plotting import plot_pareto
    from jisopt.plotting._figure import save_figure
    from jisopt.policies.milp.pareto import pareto_front
    from jisopt.scenario import load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
    parser.add_argument("--out", type=Path, default=Path("results/weights_and_pareto"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. the weight study in simulation
    days, warmup, reps = (10.0, 2.0, 2) if args.quick else (60.0, 10.0, 5)
    tasks = weights_grid(replications=reps, seed=3, reschedule_weights=(0.1, 1.0, 10.0),
                         overrides={"days": days, "warmup_days": warmup})
    report = run_tasks(tasks, SimulationTask({"tractor": load_scenario("tractor")}),
                       backend=make_backend(jobs=args.jobs), out_dir=args.out / "study")
    results = write_weights_results(report.table, args.out / "study")
    print(results.text)

    # 2. the front of one instance whose due dates leave little slack
    instance = generate_instance(seed=11, n_slots=120 if args.quick else 400, n_disrupted=2)
    tight = (instance.slot + 3) * instance.takt_h  # due three takts after the current slot
    instance = instance.replace(due_h=tight, name="tight due dates")
    front = pareto_front(instance, method="weights", max_points=12)
    print(front.points[["total_delay_h", "reschedules", "status"]].to_string(index=False))
    print(front.rules[["rule", "total_delay_h", "reschedules", "feasible"]].to_string(index=False))
    front.points.to_csv(args.out / "front.csv", index=False)
    save_figure(plot_pareto(front, title="one instance, tight due dates"), args.out / "front.png")
    print(f"front: {len(front.points)} point(s); wrote {args.out / 'front.png'}")


if __name__ == "__main__":
    main()
