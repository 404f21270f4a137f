"""``jisopt gaps``: how far the rules' plans are from the exact optimum, event by event.

The instances come from a directory of captured files (``jisopt simulate --capture
DIR``) or from one simulated replication kept in memory (``--simulate``). For every
instance and weighting, the plans of the rules and the optimum of the exact model are
evaluated with the same solver-free evaluation; the tidy table (one row per instance,
weighting and rule) and a summary per weighting and rule are written with ``--out``.
Exit status: 0 done, 2 usage error or bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from jisopt.cli._experiment import (
    add_scenario_options,
    check_scenario_flags,
    parse_float,
    parse_int,
    parse_reliability,
    parse_seed,
    scenario_overrides,
)
from jisopt.cli._out import output_format
from jisopt.cli.check import add_constraint_arguments
from jisopt.errors import InputError
from jisopt.experiments.report import format_number, render_text
from jisopt.policies.spec import split_labels
from jisopt.weights import Weights

__all__ = ["add_parser", "run", "summary_path"]

_SIMULATION_ONLY = ("policy", "reliability", "replication", "scenario", "days", "warmup_days",
                    "monitoring_point", "line_freeze_h", "planning_slack_every")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``gaps``."""
    p = subparsers.add_parser(
        "gaps",
        help="optimality gaps of the rules' plans against the exact model, per event",
        description=(
            "For every rescheduling instance and weighting: the objective and feasibility of the "
            "plans of the rules (no swap) and the exact optimum, and the gap rule - optimum, "
            "absolute and relative to max(optimum, 1e-9). Prints a summary per weighting and rule "
            "(mean, median and 95th percentile of the gap over the feasible rule plans, share of "
            "events where the rule is optimal, share of rule plans the model does not allow)."
        ),
        epilog="exit status: 0 done, 2 usage error or bad input",
    )
    p.add_argument("instances", nargs="?", metavar="DIR",
                   help="directory of captured instances (*.instance.json, also in subdirectories, "
                        "as 'jisopt simulate --capture DIR' writes them)")
    g = p.add_argument_group("comparison")
    g.add_argument("--weights", action="append", metavar="K=V,...",
                   help="objective weighting, e.g. delay=1,reschedules=0.1; repeat for several "
                        "(default: delay=1,reschedules=1)")
    g.add_argument("--rules", default="step,leap,dynamic,ontime", metavar="RULE[,RULE...]",
                   help="rules to compare: step, leap, dynamic, ontime, the ratio-aware "
                        "ratio-step, ratio-leap, ratio-dynamic, ratio-ontime, or plug-in policies "
                        "(module:attr, file.py:attr; docs/policies.md) (default: step,leap,dynamic,ontime)")
    add_constraint_arguments(g)
    g.add_argument("--time-limit", default="60", metavar="S",
                   help="wall-clock limit per exact solve in seconds (ratio rules only; default 60)")
    g = p.add_argument_group("simulated source (instead of DIR)")
    g.add_argument("--simulate", action="store_true",
                   help="simulate one replication and study its instances (kept in memory)")
    g.add_argument("--policy", metavar="NAME",
                   help="policy that answers the events during the run (default: dynamic)")
    g.add_argument("--reliability", metavar="R", help="reliability of every supplier, in (0, 1]")
    g.add_argument("--replication", metavar="N", help="replication index (default: 0)")
    add_scenario_options(p)
    g = p.add_argument_group("running and output")
    g.add_argument("--seed", default="1", metavar="N",
                   help="root seed of the simulation, in [0, 2**63 - 1] (default: 1)")
    g.add_argument("--jobs", "-j", default="0", metavar="J",
                   help="worker processes (default 0: every CPU; 1: in this process)")
    g.add_argument("--out", metavar="FILE",
                   help="write the table (.csv or .parquet) and the summary next to it "
                        "(FILE's name with _summary)")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)
    return p


def summary_path(out: Path) -> Path:
    """Where the summary goes: ``gaps.parquet`` -> ``gaps_summary.parquet``."""
    return out.with_name(f"{out.stem}_summary{out.suffix}")


def _weightings(texts: list[str] | None) -> list[Weights]:
    if not texts:
        return [Weights()]
    weightings = [Weights.parse(text) for text in texts]
    from jisopt.experiments.gaps import weights_label

    labels = [weights_label(w) for w in weightings]
    for k, label in enumerate(labels):
        if label in labels[:k]:
            raise InputError("the same weighting is given twice", field="weights", value=texts[k])
    return weightings


def _source(args: argparse.Namespace) -> tuple[list[Any], str, dict[str, float] | None]:
    """The instances to study and a line describing them (and the run's KPIs, if simulated)."""
    from jisopt.experiments.gaps import captured_instances, simulated_instances

    given = [name for name in _SIMULATION_ONLY
             if getattr(args, name) is not None and not (name == "scenario" and args.scenario == "tractor")]
    if args.simulate:
        if args.instances is not None:
            raise InputError("give a directory of instances or --simulate, not both", field="instances",
                             value=args.instances)
        from jisopt.policies import PolicySpec
        from jisopt.scenario import load_scenario

        given_reliability = parse_reliability(args.reliability) if args.reliability is not None else None
        scenario = check_scenario_flags(args.scenario, load_scenario(args.scenario),
                                        scenario_overrides(args), [given_reliability])
        seed = parse_seed(args.seed)
        replication = parse_int(args.replication, "replication", 0) if args.replication else 0
        policy = PolicySpec.parse(args.policy or "dynamic").build(scenario)
        jobs, kpis = simulated_instances(scenario, policy, seed=seed, replication=replication)
        reliability = sorted({s.reliability for s in scenario.suppliers})
        text = (f"simulated {scenario.name}, reliability {'/'.join(f'{r:g}' for r in reliability)}, "
                f"{scenario.days:g} days, seed {seed}, replication {replication}, policy {policy.name}: "
                f"{len(jobs)} instances (okay-rate {kpis['okay_rate']:.4f}, delay "
                f"{kpis['mean_delay_h']:.3f} h, reschedules/order {kpis['reschedules_per_order']:.2f})")
        return jobs, text, kpis
    if args.instances is None:
        raise InputError("give a directory of captured instances or --simulate", field="instances",
                         has_value=False)
    if given:
        raise InputError("applies to --simulate only", field=given[0].replace("_", "-"),
                         value=getattr(args, given[0]))
    jobs = captured_instances(args.instances)
    return jobs, f"{len(jobs)} captured instances in {args.instances}", None


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt gaps``."""
    from jisopt.experiments.gaps import check_rules, gap_table, summarize_gaps

    weightings = _weightings(args.weights)
    rules = split_labels(args.rules, "rules")
    check_rules(rules)
    time_limit_s = parse_float(args.time_limit, "time-limit", low=0.0, low_open=True,
                               what="a positive number of seconds")
    workers = parse_int(args.jobs, "jobs", 0)
    out = Path(args.out) if args.out else None
    if args.out is not None:
        output_format(args.out, (".csv", ".parquet"))
    jobs, source, kpis = _source(args)
    table = gap_table(jobs, weightings, rules=rules, workers=workers, max_later_slots=args.max_later,
                      enforce_bounds=not args.no_bounds, time_limit_s=time_limit_s)
    summary = summarize_gaps(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        for frame, path in ((table, out), (summary, summary_path(out))):
            if path.suffix.lower() == ".csv":
                frame.to_csv(path, index=False)
            else:
                frame.to_parquet(path, index=False)
    if args.json:
        print(json.dumps({
            "source": source,
            "instances": len(jobs),
            "batches": int((table.drop_duplicates("instance")["disrupted_orders"] > 1).sum()),
            "weightings": [w.as_dict() for w in weightings],
            "rules": rules,
            "simulation_kpis": {k: _json_number(v) for k, v in kpis.items()} if kpis else None,
            "out": None if out is None else str(out),
            "summary": [{k: _json_number(v) for k, v in rec.items()} for rec in summary.to_dict("records")],
        }, indent=2, allow_nan=False))
        return 0
    print(source)
    n_events = table.drop_duplicates("instance")
    print(f"{len(n_events)} events ({int((n_events['disrupted_orders'] > 1).sum())} with several "
          f"disrupted orders); gap = rule - optimum (objective units), relative to max(optimum, 1e-9); "
          f"gap statistics over the feasible rule plans")
    print(render_text(_printable(summary)))
    unproven = table.drop_duplicates(["instance", "weights"])
    unproven = unproven[unproven["exact_status"] != "optimal"]
    if len(unproven):
        counts = unproven["exact_status"].value_counts()
        print(f"\nnot proven optimal: {len(unproven)} event-weighting(s) "
              f"({', '.join(f'{k} {v}' for k, v in counts.items())}); their gaps are left out")
    if out is not None:
        print(f"\ntable written to {out}, summary to {summary_path(out)}")
    return 0


def _printable(summary: pd.DataFrame) -> pd.DataFrame:
    def pct(x: float) -> str:
        return "–" if not math.isfinite(x) else f"{100 * x:.1f}%"

    return pd.DataFrame({
        "weights": summary["weights"],
        "rule": summary["rule"],
        "events": summary["events"],
        "solved": summary["solved"],
        "infeasible": summary["share_infeasible"].map(pct),
        "ratio broken": summary["share_ratio_broken"].map(pct),
        "optimal": summary["share_optimal"].map(pct),
        "gap mean": summary["gap_abs_mean"].map(format_number),
        "gap median": summary["gap_abs_median"].map(format_number),
        "gap p95": summary["gap_abs_p95"].map(format_number),
        "rel. mean": summary["gap_rel_mean"].map(pct),
        "rel. median": summary["gap_rel_median"].map(pct),
        "rel. p95": summary["gap_rel_p95"].map(pct),
    })


def _json_number(value: object) -> object:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
