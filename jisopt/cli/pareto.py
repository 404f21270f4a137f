"""``jisopt pareto``: the Pareto front of total delay against reschedules of one instance.

Writes the front as CSV (or Parquet, by the file extension) and, optionally, a
PNG with the rules step, leap, dynamic and ontime drawn as points. Exit status:
0 with a front, 3 when the exact model is infeasible (no front), 1 when the solver
failed or stopped without a plan (no front; not infeasibility), 2 for bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from jisopt.cli._out import output_format
from jisopt.cli.check import (
    add_constraint_arguments,
    add_instance_argument,
    bounded_int,
    instance_line,
    parse_finite,
)
from jisopt.cli.solve import EXIT_MODEL_INFEASIBLE
from jisopt.errors import InputError, printable
from jisopt.instance_io import read_instance
from jisopt.weights import Weights

EXIT_NO_FRONT = 1
"""Exit status when the solver failed or stopped before any plan (not infeasibility)."""

EXIT_INTERRUPTED = 130
"""Exit status after an interrupt (Ctrl-C): the partial front is printed and written."""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``pareto``."""
    p = subparsers.add_parser(
        "pareto",
        help="trace the front of total delay vs reschedules with the exact model",
        description="Sweep the weight of reschedules (supported points, fast) or constrain their "
        "number (every point, MILP) and write the non-dominated plans' delay and reschedules.",
        epilog="exit status: 0 front written, 1 no front: solver error or time limit without a plan, "
        "2 usage error or bad file, 3 exact model infeasible, 130 interrupted (the partial front "
        "is written)",
    )
    add_instance_argument(p)
    p.add_argument("--method", choices=("weights", "epsilon"), default="weights",
                   help="weights: dichotomic weight sweep (default); epsilon: epsilon-constraint")
    p.add_argument("--out", metavar="FILE", help="front as .csv or .parquet")
    p.add_argument("--plot", metavar="PNG", help="draw the front and the rules into this PNG")
    p.add_argument("--weights", metavar="KEY=W,...",
                   help="weights of the other terms (displacement, stock, idle, ratio), held fixed")
    add_constraint_arguments(p)
    p.add_argument("--time-limit", type=parse_finite, default=60.0, metavar="S",
                   help="wall-clock limit per exact solve in seconds (default 60)")
    p.add_argument("--max-points", type=bounded_int(2, 100_000), default=100, metavar="N",
                   help="at most N solves (default 100)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar of the solves on stderr (default: when stderr is a terminal)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt pareto``."""
    from jisopt.policies.milp.pareto import pareto_front

    instance = read_instance(args.instance)
    base = Weights.parse(args.weights) if args.weights else None
    if args.out is not None:
        output_format(args.out, (".csv", ".parquet"))
    if not args.time_limit > 0:
        raise InputError("time limit must be a positive number of seconds", field="--time-limit",
                         value=args.time_limit)
    front = pareto_front(instance, method=args.method, base=base, max_later_slots=args.max_later,
                         enforce_bounds=not args.no_bounds, time_limit_s=args.time_limit,
                         max_points=args.max_points, progress=args.progress)
    print(instance_line(args.instance, instance))
    rules = [f"{r['rule']} {r['total_delay_h']:g} h / {r['reschedules']:g}"
             + ("" if r["feasible"] else " (infeasible)") for _, r in front.rules.iterrows()]
    print("rules      " + ", ".join(rules) + "  (delay / reschedules)")
    if front.message:
        print(f"notes      {printable(front.message)}")
    if front.points.empty:
        if front.failure in ("", "infeasible"):
            print("front      none: the exact model has no feasible plan")
            return EXIT_MODEL_INFEASIBLE
        print(f"front      none: the solver gave no plan (status {front.failure}; see notes)")
        return EXIT_NO_FRONT
    partial = " - PARTIAL: interrupted before the trace ended" if front.interrupted else ""
    print(f"front      {len(front.points)} point(s) ({args.method}){partial}")
    print(f"  {'reschedules':>11}  {'total_delay_h':>13}")
    for _, r in front.points.iterrows():
        print(f"  {r['reschedules']:>11g}  {r['total_delay_h']:>13g}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        table = pd.concat([front.points.assign(kind="front"), front.rules.assign(kind="rule")],
                          ignore_index=True)
        if out.suffix.lower() == ".csv":
            table.to_csv(out, index=False)
        else:
            table.to_parquet(out, index=False)
        print(f"front written to {out}")
    if args.plot:
        from jisopt.plotting import plot_pareto, save_figure

        ax = plot_pareto(front, title=instance.name or Path(args.instance).stem)
        print(f"plot written to {save_figure(ax.figure, args.plot)}")
    return EXIT_INTERRUPTED if front.interrupted else 0
