"""``jisopt generate``: write a random but realistic rescheduling instance."""

from __future__ import annotations

import argparse

from jisopt.cli._experiment import parse_seed
from jisopt.cli._out import output_format
from jisopt.cli.check import bounded_int, parse_finite
from jisopt.errors import InputError
from jisopt.generate import generate_instance
from jisopt.instance_io import MAX_HORIZON_SLOTS, MAX_INTEGER, write_instance
from jisopt.scenario import load_scenario


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``generate``."""
    p = subparsers.add_parser(
        "generate",
        help="write a random rescheduling instance (JSON)",
        description="Generate a steady-state snapshot of a scenario's line with disruptions "
        "known now, as a jisopt-instance/2 JSON file.",
    )
    p.add_argument("--seed", required=True, metavar="N",
                   help="random seed, an integer in [0, 2**63 - 1] (same seed, same instance)")
    p.add_argument("--out", required=True, metavar="FILE", help="instance file to write (.json)")
    p.add_argument("--scenario", default="tractor", help="scenario name or TOML path (default: tractor)")
    p.add_argument("--slots", type=bounded_int(2, MAX_HORIZON_SLOTS), default=1344,
                   help="slots in the sequence horizon (default: 1344, the paper's frozen zone)")
    p.add_argument("--disrupted", type=bounded_int(0, MAX_HORIZON_SLOTS), default=1,
                   help="disrupted orders known now (default: 1)")
    p.add_argument("--failure-share", type=parse_finite, default=None,
                   help="share of failures among disruptions (default: the scenario's)")
    p.add_argument("--gap-share", type=parse_finite, default=0.0, help="share of empty slots (default: 0)")
    p.add_argument("--postponed-share", type=parse_finite, default=0.01,
                   help="share of orders postponed earlier, with parts in stock (default: 0.01)")
    p.add_argument("--ratio", action="append", default=[], metavar="H:N",
                   help="add an option with a hard H:N ratio rule (repeatable)")
    p.set_defaults(func=run)
    return p


def _parse_ratio(text: str) -> tuple[int, int]:
    head, sep, tail = text.partition(":")
    try:
        h, n = int(head), int(tail)
    except ValueError:
        h = n = -1
    if not sep or h < 0 or n < 1 or h > n or n > MAX_INTEGER:
        raise InputError(f"expected H:N with 0 <= H <= N, 1 <= N <= {MAX_INTEGER}", field="--ratio",
                         value=text)
    return h, n


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt generate``."""
    output_format(args.out, (".json",))
    instance = generate_instance(
        parse_seed(args.seed),
        n_slots=args.slots,
        n_disrupted=args.disrupted,
        scenario=load_scenario(args.scenario),
        gap_share=args.gap_share,
        postponed_share=args.postponed_share,
        failure_share=args.failure_share,
        ratio_rules=tuple(_parse_ratio(r) for r in args.ratio),
    ).check()
    write_instance(instance, args.out)
    print(
        f"wrote {args.out}: {instance.n_orders} orders in {instance.horizon_slots} slots, "
        f"{instance.n_disrupted} disrupted, now = {instance.now_h:g} h"
    )
    return 0
