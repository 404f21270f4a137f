"""``jisopt import``: a planner's sequence table (CSV, Excel) or a CSPLib car-sequencing
problem as an instance file (docs/import.md).

Exit status: 0 when the instance was written, 2 for usage errors and bad input (every
malformed cell of a table on its own line, at most 20, then ``... and N more``).
"""

from __future__ import annotations

import argparse
import sys

from jisopt.cli._experiment import parse_seed
from jisopt.cli._out import output_format
from jisopt.cli.check import bounded_int
from jisopt.errors import InputError
from jisopt.importing.csplib import read_csplib
from jisopt.importing.planner_table import import_planner_table
from jisopt.importing.problems import TableError
from jisopt.instance import Instance
from jisopt.instance_io import MAX_HORIZON_SLOTS, write_instance
from jisopt.scenario import load_scenario

FORMATS = ("table", "csplib")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``import``."""
    p = subparsers.add_parser(
        "import",
        help="turn a planner's sequence (CSV/Excel) or a CSPLib problem into an instance",
        description="Read a planner's frozen sequence (.csv or .xlsx, one row per order with "
        "per-supplier version, status and ETA; layout in docs/import.md) or a CSPLib "
        "car-sequencing problem (--format csplib) and write an instance file.",
        epilog="Exit status: 0 written, 2 usage error or bad input (one line per problem).",
    )
    p.add_argument("file", metavar="FILE", help="the table (.csv, .xlsx) or CSPLib data file")
    p.add_argument("--out", required=True, metavar="FILE", help="instance file to write (JSON)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default) or csplib")
    p.add_argument("--scenario", default=None, metavar="NAME|FILE.toml",
                   help="takt, line freeze and lead times where the table does not give them; "
                   "with --format csplib the suppliers too (default there: car)")
    table = p.add_argument_group("table settings (override the file's header block)")
    table.add_argument("--now", metavar="DATETIME", help="the moment of the snapshot, e.g. "
                       "'2026-12-01 06:00' (default: the first order's planned start)")
    table.add_argument("--takt", metavar="DURATION", help="takt, e.g. '2 min' or '90 s'")
    table.add_argument("--line-freeze", metavar="DURATION", help="line freeze, e.g. '30 min'")
    table.add_argument("--start", metavar="DATETIME",
                       help="with a 'seq' column: the planned start of the first row")
    table.add_argument("--lead-time", action="append", default=[], metavar="SUPPLIER=DURATION",
                       help="a supplier's lead time, e.g. 'seats=6 h' (repeatable)")
    table.add_argument("--name", help="instance name (default: the file name)")
    csplib = p.add_argument_group("CSPLib options")
    csplib.add_argument("--problem", metavar="K|NAME",
                        help="problem by 1-based position or name (e.g. 60-01; default: the first)")
    csplib.add_argument("--seed", default=None, metavar="N",
                        help="seed of versions and disruptions (default: 0)")
    csplib.add_argument("--disrupted", type=bounded_int(0, MAX_HORIZON_SLOTS), default=None,
                        help="disrupted orders known now (default: 1)")
    p.set_defaults(func=run)
    return p


def _table_settings(args: argparse.Namespace) -> dict[str, str]:
    settings = {key: getattr(args, attr) for key, attr in (
        ("now", "now"), ("takt", "takt"), ("line_freeze", "line_freeze"), ("start", "start"),
        ("name", "name")) if getattr(args, attr) is not None}
    for text in args.lead_time:
        supplier, sep, duration = text.partition("=")
        if not sep or not supplier.strip():
            raise InputError("expected SUPPLIER=DURATION such as 'seats=6 h'", field="--lead-time",
                             value=text)
        settings[f"lead_time.{supplier.strip()}"] = duration
    return settings


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt import``."""
    output_format(args.out, (".json",))  # refused before any reading
    instance: Instance
    if args.format == "csplib":
        table_only = [flag for flag, value in (
            ("--now", args.now), ("--takt", args.takt), ("--line-freeze", args.line_freeze),
            ("--start", args.start), ("--lead-time", args.lead_time), ("--name", args.name))
            if value]
        if table_only:
            raise InputError("only for tables; with --format csplib the scenario gives it",
                             field=table_only[0])
        instance = read_csplib(args.file, args.problem, scenario=args.scenario or "car",
                               seed=parse_seed(args.seed or "0"),
                               n_disrupted=1 if args.disrupted is None else args.disrupted)
    else:
        for flag, value in (("--problem", args.problem), ("--seed", args.seed),
                            ("--disrupted", args.disrupted)):
            if value is not None:
                raise InputError("only with --format csplib", field=flag, value=value)
        scenario = load_scenario(args.scenario) if args.scenario is not None else None
        try:
            instance = import_planner_table(args.file, scenario=scenario,
                                            settings=_table_settings(args))
        except TableError as exc:
            for line in exc.lines():
                print(f"jisopt import: error: {line}", file=sys.stderr)
            return 2
    write_instance(instance, args.out)
    rules = f", {len(instance.ratio_rules)} ratio rules" if instance.ratio_rules else ""
    print(f"wrote {args.out}: {instance.n_orders} orders in {instance.horizon_slots} slots, "
          f"{instance.n_suppliers} suppliers, {instance.n_disrupted} disrupted{rules}, "
          f"now = {instance.labels.time_text(instance.now_h)}")
    return 0
