"""``jisopt migrate``: rewrite an instance file in the current format (jisopt-instance/2)."""

from __future__ import annotations

import argparse

from jisopt.cli._out import output_format
from jisopt.errors import printable
from jisopt.instance_io import INSTANCE_FORMAT, read_instance, write_instance


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``migrate``."""
    p = subparsers.add_parser(
        "migrate",
        help="rewrite an instance file in the current format",
        description=f"Read an instance file of any version jisopt reads (jisopt-instance/1 or /2), "
        f"validate it and write it as {INSTANCE_FORMAT}. A /1 file has no labels: the result "
        "carries the same numbers and none.",
    )
    p.add_argument("instance", metavar="OLD", help="instance file to read")
    p.add_argument("--out", required=True, metavar="NEW", help="instance file to write (.json)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt migrate``."""
    output_format(args.out, (".json",))
    instance = read_instance(args.instance)
    write_instance(instance, args.out)
    print(f"wrote {printable(args.out)}: {INSTANCE_FORMAT}, {instance.n_orders} orders")
    return 0
