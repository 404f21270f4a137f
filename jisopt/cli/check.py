"""``jisopt check``: validate a plan file against its instance and report its objective.

Exit status: 0 when the plan is feasible, 1 when it violates a constraint,
2 for usage errors and unreadable or invalid files. The helpers that declare
the instance argument and the constraint options, resolve weights and print an
evaluation are shared with ``jisopt solve`` and ``jisopt pareto``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable

from jisopt.cli import _outputs
from jisopt.documents import json_ready
from jisopt.errors import InputError, printable
from jisopt.evaluate import Evaluation, evaluate
from jisopt.instance import Instance
from jisopt.instance_io import read_instance
from jisopt.plan import Plan
from jisopt.plan_io import read_plan
from jisopt.weights import Weights

EXIT_STATUS = "exit status: 0 feasible plan, 1 infeasible plan, 2 usage error or bad file"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``check``."""
    p = subparsers.add_parser(
        "check",
        help="validate a plan and report its KPIs and objective",
        description="Check a plan (jisopt-plan/1) against its instance (jisopt-instance/2 or /1): list "
        "every violated constraint, the objective terms, the weighted objective and further KPIs.",
        epilog=EXIT_STATUS,
    )
    add_instance_argument(p)
    p.add_argument("plan", metavar="PLAN", help="plan file (jisopt-plan/1 JSON)")
    add_evaluation_arguments(p)
    _outputs.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def add_instance_argument(p: argparse.ArgumentParser) -> None:
    """The positional ``INSTANCE`` file argument."""
    p.add_argument("instance", metavar="INSTANCE", help="instance file (jisopt-instance/2 or /1 JSON)")


def add_constraint_arguments(p: argparse.ArgumentParser) -> None:
    """``--max-later`` and ``--no-bounds``: the constraint settings of :func:`~jisopt.evaluate.evaluate`."""
    p.add_argument("--max-later", type=parse_count, default=None, metavar="K",
                   help="how many slots any non-disrupted order may move later "
                   "(default: the number of disrupted orders)")
    p.add_argument("--no-bounds", action="store_true",
                   help="do not require disrupted orders to land within their [step, leap]")


def add_evaluation_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by ``check`` and ``solve``: weights, constraint settings, ``--json``."""
    defaults = ", ".join(f"{k}={v:g}" for k, v in Weights().as_dict().items())
    p.add_argument(
        "--weights", metavar="KEY=W,...",
        help=f"objective weights, e.g. delay=1,reschedules=0.2; keys not given take their "
        f"defaults ({defaults}). Without this option: the instance's own weights, if it has "
        "them, else the defaults",
    )
    add_constraint_arguments(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")


MAX_COUNT = 10_000_000
"""Largest count a flag such as ``--max-later`` takes (the largest horizon, in slots)."""


def parse_count(text: str) -> int:
    """An integer in ``[0, MAX_COUNT]`` (an argparse ``type``)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, {MAX_COUNT}], "
                                         f"got {printable(text[:40])!r}")
    return value


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``[low, high]``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer in [{low}, {high}], "
                                             f"got {printable(text[:40])!r}")
        return value

    parse.__name__ = "integer"
    return parse


def parse_finite(text: str) -> float:
    """A finite number (an argparse ``type``): ``nan``, ``inf`` and ``1e400`` are refused."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {printable(text[:40])!r}")
    return value


def split_items(text: str | None, field: str) -> list[str]:
    """The items of a comma-separated flag value (``--policy step,dynamic``), stripped.

    Raises
    ------
    InputError
        If an item is empty (``--policy ,,,``, ``step,,leap``, a trailing comma).
    """
    if text is None:
        return []
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise InputError("empty name in a comma-separated list", field=field, value=text)
    return items




def resolve_weights(text: str | None, instance: Instance) -> Weights:
    """``--weights`` if given, else the instance's weights, else the defaults."""
    if text is not None:
        return Weights.parse(text)
    return instance.weights or Weights()


def evaluate_args(instance: Instance, plan: Plan, args: argparse.Namespace) -> Evaluation:
    """:func:`~jisopt.evaluate.evaluate` with the constraint settings of the command line."""
    return evaluate(instance, plan, enforce_bounds=not args.no_bounds, max_later_slots=args.max_later)


def instance_line(path: str, instance: Instance) -> str:
    """``instance   PATH: name``, the first line of a report on an instance file."""
    return f"instance   {printable(path)}" + (f": {printable(instance.name)}" if instance.name else "")


def run(args: argparse.Namespace) -> int:
    """Run ``jisopt check``."""
    instance = read_instance(args.instance)
    plan = read_plan(args.plan, instance)
    weights = resolve_weights(args.weights, instance)
    evaluation = evaluate_args(instance, plan, args)
    if args.json:
        print_json({"instance": instance.name, "policy": plan.policy, **evaluation.as_dict(weights)})
    else:
        print(instance_line(args.instance, instance))
        print(f"plan       {printable(args.plan)}"
              + (f" (policy {printable(plan.policy)})" if plan.policy else ""))
        print("\n".join(evaluation_lines(evaluation, weights)))
    _outputs.write_outputs(args, instance, plan)
    return 0 if evaluation.feasible else 1


def evaluation_lines(evaluation: Evaluation, weights: Weights, shown: int = 20) -> list[str]:
    """:meth:`Evaluation.summary <jisopt.evaluate.Evaluation.summary>` as lines."""
    return evaluation.summary(weights, shown).splitlines()


def print_json(data: dict) -> None:
    """Print ``data`` as indented JSON (numpy scalars and arrays become plain values)."""
    print(json.dumps(json_ready(data), indent=2))
