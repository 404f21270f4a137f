"""``jisopt simulate``: replications of one scenario under one or more policies."""

from __future__ import annotations

import argparse
import inspect
import sys

from jisopt.cli._experiment import (
    add_run_options,
    add_scenario_options,
    check_scenario_flags,
    describe_runs,
    experiment_run,
    out_dir,
    parse_float,
    parse_reliability,
    print_summary_json,
    record_outputs,
    run_settings,
    scenario_overrides,
)
from jisopt.cli.check import split_items
from jisopt.errors import InputError
from jisopt.experiments import make_grid, summarize
from jisopt.experiments.grid import Scalar
from jisopt.experiments.report import kpi_table, render_text, summary_json
from jisopt.experiments.runner import RunReport
from jisopt.experiments.simulation import KPI_NAMES, SimulationTask
from jisopt.policies.spec import PolicySpec, split_labels
from jisopt.scenario import Scenario, load_scenario
from jisopt.sim.metrics import kpi_names
from jisopt.weights import Weights

__all__ = ["add_parser", "run"]

DEFAULT_OUT = "results/simulate"
DEFAULT_REPLICATIONS = 10


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``simulate``."""
    p = subparsers.add_parser(
        "simulate",
        help="simulate replications of a scenario under resequencing policies",
        description=(
            "Simulate the supply-assembly line for R replications under one or more policies "
            "(in parallel processes) and print every KPI with its mean and 95% confidence "
            "interval. Every policy of a replication sees the same disruptions. Writes "
            "replications.parquet/.csv (one row per replication) and summary.csv into --out."
        ),
    )
    g = p.add_argument_group("policy and supply")
    g.add_argument("--policy", default="dynamic", metavar="NAME[,NAME...]",
                   help="policy or comma-separated policies: none, step, leap, dynamic, ontime, ..., "
                        "or plug-ins module:Attr, ./file.py:Attr[key=value;...] (docs/policies.md) "
                        "(default: dynamic)")
    g.add_argument("--swap", action="store_true", help="try the component swap first")
    g.add_argument("--skew-h", metavar="H",
                   help="threshold of the skewed dynamic rule (default: the scenario's dynamic_skew_h)")
    g.add_argument("--weights", metavar="K=V,...", action="append",
                   help="objective weights for policies that take them, e.g. delay=1,reschedules=0.2; "
                        "repeat to run each such policy once per weighting")
    g.add_argument("--reliability", metavar="R[,R...]",
                   help="reliability of every supplier, in (0, 1]; several separated by commas "
                        "(default: the scenario's)")
    add_scenario_options(p)
    add_run_options(p, default_out=DEFAULT_OUT, default_replications=DEFAULT_REPLICATIONS)
    g = p.add_argument_group("output")
    g.add_argument("--orders", action="store_true", help="also write per-order tables (orders.parquet)")
    g.add_argument("--capture", metavar="DIR",
                   help="write every rescheduling instance and its plan into DIR/<run>/")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)
    return p


def _policies(args: argparse.Namespace) -> list[tuple[str, dict[str, Scalar]]]:
    """Each policy label with the options that apply to it.

    ``--swap`` goes to every policy, ``--skew-h`` to the dynamic rules (plain and
    ratio-aware), ``--weights`` to the exact model and to plug-ins whose class or factory
    takes ``weights``; each of them runs once per ``--weights``.
    """
    labels = split_labels(args.policy) if args.policy.strip() else ["dynamic"]
    specs = [PolicySpec.parse(label) for label in labels]
    skew_h = parse_float(args.skew_h, "skew-h", what="a number") if args.skew_h is not None else None
    weightings = [_weights_text(text) for text in args.weights or ()]
    if skew_h is not None and not any(spec.is_dynamic for spec in specs):
        raise InputError("applies to the dynamic rule only, which is not among the policies",
                         field="skew-h", value=args.skew_h)
    weighted = [_takes_weights(spec) for spec in specs]
    if weightings and not any(weighted):
        raise InputError("no policy given takes weights (the rules do not; e.g. --policy milp)",
                         field="weights", value=args.weights[0])
    parsed = [Weights.parse(text) for text in weightings]
    for k, weights in enumerate(parsed):
        if weights in parsed[:k]:
            raise InputError("the same weighting is given twice", field="weights", value=args.weights[k])
    policies: list[tuple[str, dict[str, Scalar]]] = []
    for label, spec, takes_weights in zip(labels, specs, weighted, strict=True):
        options: dict[str, Scalar] = {}
        if args.swap:
            options["swap"] = True
        if skew_h is not None and spec.is_dynamic:
            options["skew_h"] = skew_h
        if weightings and takes_weights:
            policies.extend((label, {**options, "weights": weights}) for weights in weightings)
        else:
            policies.append((label, options))
    return policies


def _takes_weights(spec: PolicySpec) -> bool:
    """Whether ``--weights`` applies: the exact model, or a plug-in with a ``weights`` parameter."""
    if spec.is_builtin:
        return not spec.is_rule
    try:
        return "weights" in inspect.signature(spec.target()).parameters
    except (TypeError, ValueError):
        return False


def _weights_text(text: str) -> str:
    """Validated weights in a canonical form, only the keys given (e.g. ``delay=1,reschedules=0.2``)."""
    parsed = Weights.parse(text)
    keys = dict.fromkeys(item.partition("=")[0].strip() for item in text.split(",") if item.strip())
    return ",".join(f"{key}={getattr(parsed, key):g}" for key in keys)


def _split(text: str, field: str = "policy") -> list[str]:
    """The items of a comma-separated list (an empty item is an error)."""
    return split_items(text, field)


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt simulate``."""
    base = load_scenario(args.scenario)
    overrides = scenario_overrides(args)
    reliabilities = ([parse_reliability(r) for r in _split(args.reliability, "reliability")]
                     if args.reliability is not None else [None])
    check_scenario_flags(args.scenario, base, overrides, reliabilities)
    policies = _policies(args)
    replications, seed = run_settings(args, DEFAULT_REPLICATIONS)
    tasks = make_grid(scenario=args.scenario, reliabilities=reliabilities, policies=policies,
                      replications=replications, seed=seed, overrides=overrides)
    sim = SimulationTask({args.scenario: base}, record_orders=args.orders, capture_dir=args.capture)
    with experiment_run(args, tasks, sim, command="simulate", outputs=["summary.csv"]) as report:
        if args.capture is not None and report.n_resumed:
            print(f"jisopt simulate: note: {report.n_resumed} reused run(s) were not captured into "
                  f"{args.capture} (only runs that run now are; run without --resume to capture "
                  "every run)", file=sys.stderr)
        return _write_and_print(args, report, tasks[0].resolve_scenario(base),
                                _scenario_reliability(base), seed, replications)


def _write_and_print(args: argparse.Namespace, report: RunReport, scenario: Scenario,
                     reliability: float, seed: int, replications: int) -> int:
    """Write ``summary.csv`` and print the summary (text or JSON)."""
    table = report.table
    by = ["reliability", "policy_label"]
    if table["reliability"].isna().all():
        table = table.assign(reliability=reliability)
    names = KPI_NAMES + kpi_names(scenario)[len(KPI_NAMES):]  # + the ratio KPIs, if any
    summary = summarize(table, by, names)
    record_outputs(report, ["summary.csv"])
    summary.to_csv(out_dir(report) / "summary.csv", index=False)
    if args.json:
        print_summary_json({
            "scenario": scenario.name, "seed": seed, "replications": replications,
            "days": scenario.days, "warmup_days": scenario.warmup_days,
            "out": str(report.out_dir), "runs": report.n_run, "resumed": report.n_resumed,
            "wall_time_s": round(report.wall_time_s, 3), "summary": summary_json(summary, by),
        })
        return 0
    print(f"{describe_runs(scenario, replications)}, seed {seed}; mean ± 95% CI half width")
    wide = kpi_table(summary, by, names)
    # one column per (reliability, policy): KPIs down the side read better
    cols = [f"{r} {p}" if len(wide) > 1 else p for r, p in zip(wide.iloc[:, 0], wide.iloc[:, 1],
                                                               strict=True)]
    long = wide.iloc[:, 3:].T
    long.columns = cols
    long.insert(0, "KPI", [k for k in names if k in summary["kpi"].values])
    print(render_text(long.reset_index(drop=True)))
    print(f"\n{report.n_run} run(s) in {report.wall_time_s:.1f} s on {report.backend}"
          + (f", {report.n_resumed} resumed" if report.n_resumed else "")
          + f"; tables in {report.out_dir}/ (replications.parquet, .csv, summary.csv)")
    return 0


def _scenario_reliability(scenario: Scenario) -> float:
    """The reliability every supplier shares (NaN if they differ)."""
    values = {s.reliability for s in scenario.suppliers}
    return values.pop() if len(values) == 1 else float("nan")
