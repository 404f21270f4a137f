"""``jisopt reproduce``: the paper's experiment (section 4, Figs. 4-6), and parameter studies."""

from __future__ import annotations

import argparse

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
from jisopt.experiments.car_study import car_grid, write_car_results
from jisopt.experiments.paper import PaperResults, paper_grid, write_paper_results
from jisopt.experiments.report import json_value, summary_json
from jisopt.experiments.runner import RunReport
from jisopt.experiments.simulation import SimulationTask
from jisopt.experiments.studies import STUDIES, StudyResults, study_grid, write_study_results
from jisopt.experiments.weights_study import (
    DEFAULT_RESCHEDULE_WEIGHTS,
    weights_grid,
    write_weights_results,
)
from jisopt.policies.spec import split_labels
from jisopt.scenario import Scenario, load_scenario

__all__ = ["QUICK", "QUICK_WEIGHTS", "add_parser", "parse_reschedule_weights", "run"]

DEFAULT_OUT = "results/reproduce"
DEFAULT_REPLICATIONS = 30
QUICK = {"replications": 3, "days": 40.0, "warmup_days": 10.0}
"""``--quick``: a smoke test (3 replications of 40 days, 10 of them warm-up)."""
WEIGHTS_REPLICATIONS = 5
"""Default replications of the weights study (the exact policy takes seconds per replication)."""
QUICK_WEIGHTS = {"replications": 2, "days": 10.0, "warmup_days": 2.0}
"""``--quick`` of the weights study: 2 replications of 10 days (2 warm-up)."""
CAR_REPLICATIONS = 5
"""Default replications of the car study (30 days of a 1-minute takt per run)."""
QUICK_CAR = {"replications": 2, "days": 4.0, "warmup_days": 1.0}
"""``--quick`` of the car study: 2 replications of 4 days (1 warm-up)."""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``reproduce``."""
    p = subparsers.add_parser(
        "reproduce",
        help="reproduce the paper's experiment (Figs. 4-6) or run a parameter study",
        description=(
            "The paper's experiment: reliabilities 0.99/0.97/0.95/0.93 x policies "
            "none/step/leap/dynamic x R replications of the tractor case (100 days, 30 warm-up). "
            "Writes replications.parquet/.csv, summary.csv/.md, comparisons.csv (paired "
            "comparisons at 97%) and fig4/fig5/fig6 PNGs into --out, and prints a summary. "
            "--study runs a sweep instead: monitoring (monitoring point 0.1..1 with a 24 h line "
            "freeze), slack (planning with slack), skew (skewed dynamic rule), weights (the rules "
            "and the exact policy milp under a sweep of reschedule weights: delay against "
            "reschedules and its non-dominated set), car (the rules, the ratio-aware rules and, with "
            "--exact, the exact policy on the car plant: delay, reschedules, ratio violations per "
            "rule, inversions per supplier, idle takts; the scenario defaults to car)."
        ),
    )
    p.add_argument("--study", choices=("paper", *STUDIES, "weights", "car"), default="paper",
                   help="what to run (default: paper)")
    p.add_argument("--quick", action="store_true",
                   help=f"a small smoke run: {QUICK['replications']} replications of "
                        f"{QUICK['days']:g} days ({QUICK['warmup_days']:g} warm-up)")
    p.add_argument("--reliability", metavar="R",
                   help="reliability of every supplier in a study (default: 0.97)")
    p.add_argument("--reschedule-weights", metavar="W[,W...]",
                   help="weights study: reschedule weights of the exact policy, delay weight 1 "
                        "(default: " + ",".join(f"{w:g}" for w in DEFAULT_RESCHEDULE_WEIGHTS) + ")")
    p.add_argument("--exact", action="store_true",
                   help="car study: also run the exact policy (milp, ratio rules ignored by the "
                        "model; see docs/experiments.md)")
    p.add_argument("--policies", metavar="NAME[,NAME...]",
                   help="parameter studies (" + ", ".join(STUDIES) + "): the policies compared, "
                        "any labels incl. plug-ins, e.g. dynamic,./my_policy.py:Attr "
                        "(docs/policies.md; default: the study's)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_scenario_options(p)
    p.set_defaults(scenario=None)  # the study's own: car for --study car, else tractor
    add_run_options(p, default_out=DEFAULT_OUT, default_replications=DEFAULT_REPLICATIONS,
                    out_help=f"output directory (default: {DEFAULT_OUT}; with --study NAME: "
                             "results/study-NAME)",
                    replications_help=f"replications per setting (default: {DEFAULT_REPLICATIONS}, "
                                      f"weights study {WEIGHTS_REPLICATIONS}; --quick: "
                                      f"{QUICK['replications']}, weights study "
                                      f"{QUICK_WEIGHTS['replications']})")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt reproduce``."""
    if args.reschedule_weights is not None and args.study != "weights":
        raise InputError("applies to --study weights only", field="reschedule-weights",
                         value=args.reschedule_weights)
    reschedule_weights = (parse_reschedule_weights(args.reschedule_weights)
                          if args.reschedule_weights is not None else DEFAULT_RESCHEDULE_WEIGHTS)
    if args.exact and args.study != "car":
        raise InputError("applies to --study car only", field="exact", has_value=False)
    if args.policies is not None and args.study not in STUDIES:
        raise InputError(f"applies to the parameter studies only ({', '.join(STUDIES)}); the "
                         f"{args.study} study's figures and comparisons need its own policies",
                         field="policies", value=args.policies)
    policies = split_labels(args.policies, "policies") if args.policies is not None else None
    if args.scenario is None:
        args.scenario = "car" if args.study == "car" else "tractor"
    base = load_scenario(args.scenario)
    overrides = scenario_overrides(args)
    quick = {"weights": QUICK_WEIGHTS, "car": QUICK_CAR}.get(args.study, QUICK)
    flags = {}
    if args.quick:
        for name in ("days", "warmup_days"):
            if name not in overrides:
                overrides[name] = quick[name]
                flags[name] = "--quick"
    if args.reliability is not None:
        check_scenario_flags(args.scenario, base, overrides, [parse_reliability(args.reliability)], flags)
    else:
        check_scenario_flags(args.scenario, base, overrides, [None], flags)
    default_replications = {"weights": WEIGHTS_REPLICATIONS, "car": CAR_REPLICATIONS}.get(
        args.study, DEFAULT_REPLICATIONS)
    replications, seed = run_settings(args, int(quick["replications"]) if args.quick
                                      else default_replications)
    if args.study != "paper" and args.out == DEFAULT_OUT:
        args.out = f"results/study-{args.study}"

    if args.study == "paper":
        if args.reliability is not None:
            raise InputError("the paper's experiment sweeps the reliability; use it with --study",
                             field="reliability", value=args.reliability)
        tasks = paper_grid(replications=replications, seed=seed, scenario=args.scenario,
                           overrides=overrides)
    elif args.study == "weights":
        reliability = parse_reliability(args.reliability) if args.reliability is not None else 0.97
        tasks = weights_grid(replications=replications, seed=seed, reliability=reliability,
                             scenario=args.scenario, overrides=overrides,
                             reschedule_weights=reschedule_weights)
    elif args.study == "car":
        if args.reliability is not None:
            raise InputError("the car study runs at the scenario's own reliabilities",
                             field="reliability", value=args.reliability)
        tasks = car_grid(replications=replications, seed=seed, scenario=args.scenario,
                         overrides=overrides, exact=args.exact)
    else:
        study = STUDIES[args.study]
        section = study.field.split(".")[0]
        if any(k.split(".")[0] == section for k in overrides):
            raise InputError(f"is swept by the {study.name} study", field=study.field,
                             has_value=False)
        reliability = parse_reliability(args.reliability) if args.reliability is not None else 0.97
        tasks = study_grid(study, replications=replications, seed=seed, reliability=reliability,
                           scenario=args.scenario, overrides=overrides, policies=policies)

    sim = SimulationTask({args.scenario: base})
    scenario = tasks[0].resolve_scenario(base)
    with experiment_run(args, tasks, sim, command=f"reproduce --study {args.study}",
                        outputs=_output_names(args.study)) as report:
        return _write_and_print(args, report, scenario, replications, seed, len(tasks))


def _output_names(study: str) -> list[str]:
    """The files a study writes into ``--out`` besides the tables of every run."""
    if study == "paper":
        return ["summary.csv", "summary.md", "comparisons.csv", "fig4_okay_rate.png",
                "fig5_step_vs_leap_97.png", "fig6_dynamic.png"]
    return ["summary.csv", "summary.md", f"study_{study}.png"]


def _write_and_print(args: argparse.Namespace, report: RunReport, scenario: Scenario,
                     replications: int, seed: int, n_tasks: int) -> int:
    """Write the study's summaries and figures into ``--out`` and print its summary."""
    header = (f"{describe_runs(scenario, replications)} per setting, seed {seed}; {n_tasks} runs "
              f"({report.n_run} now, {report.n_resumed} resumed) in {report.wall_time_s:.1f} s "
              f"on {report.backend}")
    folder = out_dir(report)
    results: PaperResults | StudyResults
    if args.study == "paper":
        results = write_paper_results(report.table, folder, header=header,
                                      n_suppliers=len(scenario.suppliers))
        payload = {"claims": [{k: json_value(v) for k, v in rec.items()}
                              for rec in results.claims.to_dict("records")]}
        by = ["reliability", "policy_label"]
    elif args.study == "weights":
        results = write_weights_results(report.table, folder, header=header)
        payload = {}
        by = ["policy_label", "reschedule_weight", "pareto_optimal"]
    elif args.study == "car":
        results = write_car_results(report.table, folder, header=header)
        payload = {}
        by = ["policy_label"]
    else:
        results = write_study_results(report.table, STUDIES[args.study], folder, header=header)
        payload = {}
        by = [STUDIES[args.study].x, "policy_label"]
    record_outputs(report, results.files.values())
    if args.json:
        print_summary_json({"study": args.study, "out": str(report.out_dir), "runs": n_tasks,
                            "wall_time_s": round(report.wall_time_s, 3),
                            "summary": summary_json(results.summary, by), **payload})
        return 0
    print(results.text)
    names = ["replications.parquet", "replications.csv"] + [p.name for p in results.files.values()]
    print(f"\nWritten to {report.out_dir}/: {', '.join(names)}")
    return 0


def parse_reschedule_weights(text: str) -> tuple[float, ...]:
    """Distinct reschedule weights ``> 0`` from a comma-separated list, in the order given."""
    items = split_items(text, "reschedule-weights")
    if not items:
        raise InputError("give at least one weight, e.g. 0.01,0.1,1", field="reschedule-weights",
                         value=text)
    weights = tuple(parse_float(item, "reschedule-weights", low=0.0, low_open=True, what="> 0")
                    for item in items)
    if len(set(weights)) < len(weights):
        raise InputError("the same weight is given twice", field="reschedule-weights", value=text)
    return weights
