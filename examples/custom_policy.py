"""A researcher's own policy against the paper's rules, on identical disruption streams.

``GapFirst`` reinserts each disrupted order at the first gap inside its [step, leap] (so the
chain stops at once and no other order moves); without a gap there it falls back to the
dynamic rule's target. It is run against step, leap and dynamic through the grid API on two
worker processes; the script prints the KPI table with 95 % intervals and the paired
difference against dynamic, and writes a figure.

The same policy from the command line (a plug-in, docs/policies.md)::

    jisopt simulate --policy examples/custom_policy.py:GapFirst,dynamic -r 5 --jobs 2

Run: ``python examples/custom_policy.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.policies.rules import reinsert, rule_targets
from jisopt.slots import is_later
from jisopt.subsequences import disruption_bounds


@dataclass(frozen=True)
class GapFirst:
    """Reinsert at the first gap inside [step, leap], else at the dynamic rule's target.

    Parameters
    ----------
    skew_h
        Threshold of the dynamic fallback (the simulator passes the scenario's).
    """

    skew_h: float = 0.0

    @property
    def name(self) -> str:
        """The policy's label in tables and figures."""
        return "gap-first"

    def __call__(self, instance: Instance) -> Plan:
        """The plan: targets as above, carried out with the chain rule of the paper."""
        t0 = time.perf_counter()
        if instance.n_disrupted == 0:
            return Plan(instance.slot.copy(), self.name, runtime_s=time.perf_counter() - t0)
        bounds = disruption_bounds(instance)
        still = is_later(bounds.ready_h, bounds.current_slot * instance.takt_h)  # still late
        rows, steps, leaps = bounds.rows[still], bounds.step[still], bounds.leap[still]
        if rows.size == 0:
            return Plan(instance.slot.copy(), self.name, runtime_s=time.perf_counter() - t0)
        targets = rule_targets("dynamic", bounds, instance.due_h[bounds.rows], instance.takt_h,
                               self.skew_h)[still]
        taken = set(instance.slot.tolist()) - set(instance.slot[rows].tolist())
        for k in np.argsort(steps, kind="stable"):
            gap = next((s for s in range(int(steps[k]), int(leaps[k]) + 1) if s not in taken), None)
            if gap is not None:
                targets[k] = gap
            taken.add(int(targets[k]))
        new_slot = reinsert(instance, rows, targets, steps, leaps)
        return Plan(new_slot, self.name, runtime_s=time.perf_counter() - t0,
                    info={"target": targets.tolist()})


def main() -> None:
    """Run the comparison and write the table and figure to ``--out``."""
    from jisopt.experiments import make_backend, make_grid, paired_differences, run_tasks, summarize
    from jisopt.experiments.simulation import SimulationTask
    from jisopt.plotting import plot_policy_bars
    from jisopt.plotting._figure import save_figure
    from jisopt.scenario import load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
    parser.add_argument("--out", type=Path, default=Path("results/custom_policy"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    days, warmup, reps = (12.0, 2.0, 3) if args.quick else (60.0, 10.0, 10)
    here = Path(__file__).resolve()
    policies = (f"{here}:GapFirst", "step", "leap", "dynamic")  # a plug-in label and built-ins
    tasks = make_grid(reliabilities=(0.93,), policies=policies, replications=reps, seed=7,
                      overrides={"days": days, "warmup_days": warmup})
    simulate = SimulationTask({"tractor": load_scenario("tractor")})
    report = run_tasks(tasks, simulate, backend=make_backend(jobs=args.jobs), out_dir=args.out / "runs")
    table = report.table
    table["policy_label"] = table["policy_label"].str.replace(f"{here}:GapFirst", "gap-first")
    kpis = ("okay_rate", "mean_delay_h", "reschedules_per_order")
    summary = summarize(table, ("policy_label",), kpis)
    print(summary[["policy_label", "kpi", "n", "mean", "ci_low", "ci_high"]].to_string(index=False))
    diff = paired_differences(table, "gap-first", "dynamic", ("reschedules_per_order", "mean_delay_h"))
    print("\ngap-first - dynamic (paired, same streams):")
    print(diff.to_string(index=False))
    summary.to_csv(args.out / "summary.csv", index=False)
    ax = plot_policy_bars(summary, kpi="reschedules_per_order")
    save_figure(ax, args.out / "custom_policy.png")
    print(f"\nwrote {args.out / 'summary.csv'} and {args.out / 'custom_policy.png'}")


if __name__ == "__main__":
    main()
