"""``jisopt solve``: run a policy on an instance file, evaluate the plan, optionally save it.

Exit status: 0 when the policy's plan is feasible, 1 when it violates a
constraint (a result, e.g. rules under hard ratio rules), 2 for usage errors
and unreadable or invalid files, 3 when the exact model (``--policy milp``) is
infeasible (the plan shown is then the fallback rule's). A solver failure or a time
limit without any plan is not infeasibility: the fallback rule's plan is shown and
the exit status is that plan's (0 or 1). ``--out`` names a ``.json`` file (the plan,
jisopt-plan/1) or a ``.csv`` file (the plan as a table, :func:`jisopt.plan_io.plan_table_csv`).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from jisopt.cli import _outputs
from jisopt.cli._out import output_format
from jisopt.cli.check import EXIT_STATUS as CHECK_EXIT_STATUS
from jisopt.cli.check import (
    add_evaluation_arguments,
    add_instance_argument,
    evaluate_args,
    evaluation_lines,
    instance_line,
    parse_finite,
    print_json,
    resolve_weights,
)
from jisopt.errors import InputError, printable
from jisopt.evaluate import unresolved_disrupted
from jisopt.instance import KIND_NAMES, Instance
from jisopt.instance_io import read_instance
from jisopt.plan import Plan
from jisopt.plan_io import plan_to_dict, write_plan, write_plan_csv
from jisopt.policies import POLICY_NAMES, make_policy
from jisopt.subsequences import disruption_bounds
from jisopt.weights import Weights

EXIT_STATUS = (CHECK_EXIT_STATUS + ", 3 exact model (--policy milp) infeasible (a solver error "
               "is not: the fallback rule's plan decides between 0 and 1)")
EXIT_MODEL_INFEASIBLE = 3


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``solve``."""
    p = subparsers.add_parser(
        "solve",
        help="resequence an instance with a policy and evaluate the plan",
        description="Read a rescheduling instance (jisopt-instance/2 or /1), answer it with a policy, "
        "print the disrupted orders' bounds and targets, the objective terms and feasibility, "
        "and optionally write the plan (jisopt-plan/1).",
        epilog=EXIT_STATUS,
    )
    add_instance_argument(p)
    p.add_argument("--policy", required=True, metavar="NAME",
                   help=f"policy: {', '.join(POLICY_NAMES)}")
    p.add_argument("--swap", action="store_true", help="try the component swap first")
    p.add_argument("--skew-h", type=parse_finite, default=0.0, metavar="H",
                   help="threshold of the skewed dynamic rule (h): step only if the completion "
                   "under leap exceeds the due date by more than H (default 0)")
    p.add_argument("--out", metavar="PLAN",
                   help="write the plan to this file: .json (jisopt-plan/1) or .csv (a table: "
                   "order, label, old and new slot and start times)")
    milp = p.add_argument_group("exact model (--policy milp); it uses --weights, --max-later and --no-bounds")
    milp.add_argument("--time-limit", type=parse_finite, default=None, metavar="S",
                      help="wall-clock limit of the whole exact solve (build, HiGHS, re-solves, "
                      "diagnosis) in seconds (default 60)")
    milp.add_argument("--mip-gap", type=parse_finite, default=None, metavar="G",
                      help="relative optimality gap at which HiGHS stops (default 1e-6)")
    milp.add_argument("--method", choices=("auto", "pyomo", "highs", "fast"), default=None,
                      help="auto: assignment path without ratio rules, highs with them; "
                           "highs: the model built from arrays for highspy, after the option "
                           "relaxation (docs/milp.md); pyomo: the readable reference model")
    milp.add_argument("--verbose", action="store_true",
                      help="show the HiGHS log of every solver run on standard error")
    milp.add_argument("--fallback", default=None, metavar="RULE",
                      help="rule whose plan is used when the model has none (default dynamic)")
    add_evaluation_arguments(p)
    _outputs.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt solve``."""
    out_format = None if args.out is None else output_format(args.out, (".json", ".csv"))
    instance = read_instance(args.instance)
    weights = resolve_weights(args.weights, instance)
    policy = make_policy(args.policy, swap=args.swap, skew_h=args.skew_h, **milp_options(args, weights))
    if args.verbose:
        from jisopt.policies.milp.highs_model import highs_log_to

        with highs_log_to(sys.stderr):
            plan = policy(instance)
    else:
        plan = policy(instance)
    evaluation = evaluate_args(instance, plan, args)
    if out_format == "csv":
        write_plan_csv(instance, plan, args.out)
    elif out_format == "json":
        write_plan(instance, plan, args.out)
    disrupted = disrupted_orders(instance, plan)
    if args.json:
        print_json({
            "instance": instance.name,
            "policy": plan.policy,
            "status": plan.status,
            "runtime_s": plan.runtime_s,
            "disrupted": disrupted,
            "plan": plan_to_dict(instance, plan),
            "evaluation": evaluation.as_dict(weights),
        })
    else:
        print(instance_line(args.instance, instance))
        print(f"           {instance.n_orders} orders in slots [{instance.first_slot}, "
              f"{instance.horizon_end}), now {instance.labels.time_text(instance.now_h)}, "
              f"takt {instance.takt_h:g} h")
        print(f"policy     {plan.policy}  (status {plan.status}, runtime {plan.runtime_s * 1e3:.3g} ms)")
        if plan.solver is not None:
            print(plan.solver.summary())
        print("\n".join(disrupted_lines(disrupted)))
        swaps = [f"order {s['order']} takes the {s['supplier']} part of order {s['partner']}"
                 for s in plan_to_dict(instance, plan)["swaps"]]
        print("swaps      " + ("; ".join(swaps) if swaps else "none"))
        print(moved_line(instance, plan))
        print("\n".join(evaluation_lines(evaluation, weights)))
        if args.out is not None:
            print(f"plan written to {printable(args.out)}")
    _outputs.write_outputs(args, instance, plan)
    if plan.info.get("solver_status") == "infeasible":
        return EXIT_MODEL_INFEASIBLE
    return 0 if evaluation.feasible else 1


def moved_line(instance: Instance, plan: Plan, shown: int = 10) -> str:
    """``moved  N order(s): id: old->new, ...`` (the first ``shown`` in slot order); with the
    instance's labels, ``TR-00017: slot 103 → 105 (06:43 → 06:45)``."""
    moved = plan.moved_rows(instance)
    moved = moved[np.argsort(instance.slot[moved], kind="stable")]
    labels = instance.labels
    takt = instance.takt_h
    items = []
    for i in moved[:shown]:
        name = printable(labels.order_label(int(instance.order_id[i])))
        old, new = int(instance.slot[i]), int(plan.slot[i])
        if labels.time_origin is None and not labels.order:
            items.append(f"{name}: {old}->{new}")
        elif labels.time_origin is None:
            items.append(f"{name}: slot {old} → {new}")
        else:
            items.append(f"{name}: slot {old} → {new} ({labels.time_text(old * takt)} → "
                         f"{labels.time_text(new * takt)})")
    if moved.size > shown:
        items.append(f"... ({moved.size - shown} more; --json lists all)")
    return f"moved      {moved.size} order(s): " + (", ".join(items) or "none")


_MILP_FLAGS: dict[str, str] = {
    "time_limit_s": "--time-limit",
    "mip_rel_gap": "--mip-gap",
    "method": "--method",
    "fallback": "--fallback",
}
"""Option of the exact model -> its command-line flag (only for ``--policy milp``)."""


def milp_options(args: argparse.Namespace, weights: Weights) -> dict[str, object]:
    """Options of ``--policy milp`` from the command line (none for the rules)."""
    # argparse stores --time-limit as args.time_limit, and so on
    given = {option: getattr(args, flag[2:].replace("-", "_")) for option, flag in _MILP_FLAGS.items()}
    given = {k: v for k, v in given.items() if v is not None}
    if args.policy != "milp":
        if given:
            flag = _MILP_FLAGS[sorted(given)[0]]
            raise InputError(f"{flag} applies to --policy milp only", field="policy", value=args.policy)
        return {}
    return {"weights": weights, "max_later_slots": args.max_later,
            "enforce_bounds": not args.no_bounds, "diagnose": True, **given}


def disrupted_orders(instance: Instance, plan: Plan) -> list[dict]:
    """Per disrupted order: its disrupted parts, slot, ready time, step, leap, target, new slot.

    The bounds use the ready times after the plan's swaps, as the rules do; an
    order whose late parts were all swapped for ready ones is ``resolved_by_swap``.
    ``target`` is the policy's target slot, if the policy reports one.
    """
    ready = plan.ready_after_swaps(instance)
    bounds = disruption_bounds(instance, ready if plan.swaps else None)
    still = unresolved_disrupted(instance, ready)
    info = plan.info or {}
    targets = dict(zip(info.get("orders", ()), info.get("target", ()), strict=False))
    out = []
    for k, i in enumerate(bounds.rows.tolist()):
        oid = int(instance.order_id[i])
        label = instance.labels.order.get(oid)
        parts = [
            {"supplier": instance.supplier_names[m], "kind": KIND_NAMES[kind],
             "ready_h": float(instance.ready_h[i, m])}
            for row, m, kind in zip(instance.disrupted_order.tolist(),
                                    instance.disrupted_supplier.tolist(),
                                    instance.disrupted_kind.tolist(), strict=True)
            if row == i
        ]
        out.append({
            "order": oid,
            **({} if label is None else {"label": label}),
            "parts": parts,
            "slot": int(bounds.current_slot[k]),
            "ready_h": float(bounds.ready_h[k]),
            "step": int(bounds.step[k]),
            "leap": int(bounds.leap[k]),
            "target": targets.get(oid),
            "new_slot": int(plan.slot[i]),
            "resolved_by_swap": not bool(still[k]),
        })
    return out


def disrupted_lines(disrupted: list[dict]) -> list[str]:
    """The disrupted orders as a small table (the order column as wide as its longest label)."""
    lines = [f"disrupted  {len(disrupted)} order(s)"]
    if not disrupted:
        return lines
    names = [printable(d.get("label", str(d["order"]))) for d in disrupted]
    width = max(8, *(len(n) for n in names))
    lines.append(f"  {'order':>{width}}  {'parts':<22} {'slot':>6} {'ready_h':>9} {'step':>6} "
                 f"{'leap':>6} {'target':>6} {'new slot':>8}")
    for name, d in zip(names, disrupted, strict=True):
        parts = ",".join(f"{p['supplier']} {p['kind']}" for p in d["parts"])
        target = "swap" if d["resolved_by_swap"] else ("-" if d["target"] is None else d["target"])
        lines.append(f"  {name:>{width}}  {parts:<22} {d['slot']:>6} {d['ready_h']:>9g} {d['step']:>6} "
                     f"{d['leap']:>6} {target!s:>6} {d['new_slot']:>8}")
    return lines
    lines.append(f"  {'order':>8}  {'parts':<22} {'slot':>6} {'ready_h':>9} {'step':>6} {'leap':>6} "
                 f"{'target':>6} {'new slot':>8}")
    for d in disrupted:
        name = printable(d.get("label", str(d["order"])))
        parts = ",".join(f"{p['supplier']} {p['kind']}" for p in d["parts"])
        target = "swap" if d["resolved_by_swap"] else ("-" if d["target"] is None else d["target"])
        lines.append(f"  {name:>8}  {parts:<22} {d['slot']:>6} {d['ready_h']:>9g} {d['step']:>6} "
                     f"{d['leap']:>6} {target!s:>6} {d['new_slot']:>8}")
    return lines
