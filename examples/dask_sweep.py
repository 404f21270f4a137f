"""A sweep on a Dask cluster: a local one here, any scheduler address on a real cluster.

The monitoring point f (how early a supplier's disruption becomes known) is swept for the
rules on a Dask ``LocalCluster`` with two single-threaded workers. Results are written per
finished replication to ``--out``, so a killed sweep resumes (``--resume``) without losing or
repeating a run. The script then runs the same grid on local processes and checks that the two
tables are identical (a seed gives the same results whatever the backend).

On a cluster: ``make_backend(dask="tcp://scheduler:8786")`` (or ``jisopt simulate ... --dask
tcp://scheduler:8786``); the workers need jisopt installed in the same version.

Run: ``python examples/dask_sweep.py [--quick] [--out DIR] [--resume]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    """Run the sweep on Dask and on processes, compare, and summarise."""
    import pandas as pd

    from jisopt.experiments import TIMING_COLUMNS, make_backend, make_grid, run_tasks, summarize
    from jisopt.experiments.simulation import KPI_NAMES, SimulationTask
    from jisopt.scenario import load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
    parser.add_argument("--out", type=Path, default=Path("results/dask_sweep"))
    parser.add_argument("--resume", action="store_true", help="continue a stopped sweep")
    args = parser.parse_args()

    days, warmup, reps = (8.0, 2.0, 2) if args.quick else (100.0, 30.0, 10)
    tasks = make_grid(reliabilities=(0.95,), policies=("step", "dynamic"), replications=reps, seed=5,
                      overrides={"days": days, "warmup_days": warmup},
                      vary={"monitoring.point": (0.3, 0.7)})
    simulate = SimulationTask({"tractor": load_scenario("tractor")})
    on_dask = run_tasks(tasks, simulate, backend=make_backend(jobs=2, dask="local"),
                        out_dir=args.out / "dask", resume=args.resume).table
    on_processes = run_tasks(tasks, simulate, backend=make_backend(jobs=2),
                             out_dir=args.out / "processes", resume=args.resume).table
    # every KPI but the measured times (decision times and wall time vary from run to run)
    kpis = [k for k in KPI_NAMES if k in on_dask.columns and k not in TIMING_COLUMNS]
    a = on_dask.sort_values("task_key")[kpis].reset_index(drop=True)
    b = on_processes.sort_values("task_key")[kpis].reset_index(drop=True)
    same = a.equals(b)
    print(f"{len(on_dask)} runs on Dask; identical KPIs ({len(kpis)} columns) on processes: "
          f"{'yes' if same else 'NO'}")
    summary = summarize(on_dask, ("monitoring.point", "policy_label"), ("mean_delay_h",
                                                                        "reschedules_per_order"))
    with pd.option_context("display.width", 120):
        print(summary[["monitoring.point", "policy_label", "kpi", "mean", "ci_low", "ci_high"]]
              .to_string(index=False))
    summary.to_csv(args.out / "summary.csv", index=False)
    if not same:
        raise SystemExit("the Dask and process tables differ")


if __name__ == "__main__":
    main()
