"""Options and steps shared by the commands that run simulation experiments."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jisopt.documents import json_ready
from jisopt.errors import InputError

if TYPE_CHECKING:  # the experiment and simulator stack (pandas, pyarrow) loads when a run starts
    from jisopt.experiments import Task
    from jisopt.experiments.runner import RunReport
    from jisopt.experiments.simulation import SimulationTask
    from jisopt.scenario import Scenario

__all__ = [
    "SCENARIO_FLAGS",
    "add_run_options",
    "add_scenario_options",
    "check_scenario_flags",
    "describe_runs",
    "experiment_run",
    "out_dir",
    "parse_float",
    "parse_int",
    "parse_monitoring_point",
    "parse_reliability",
    "parse_seed",
    "print_summary_json",
    "record_outputs",
    "run_experiment",
    "run_settings",
    "scenario_overrides",
]

MAX_REPLICATIONS = 10_000
"""Most replications per setting (``--replications``)."""

SCENARIO_FLAGS: dict[str, str] = {
    "days": "--days",
    "warmup_days": "--warmup-days",
    "monitoring.enabled": "--monitoring-point",
    "monitoring.point": "--monitoring-point",
    "line_freeze_h": "--line-freeze-h",
    "planning_slack_every": "--planning-slack-every",
}
"""The scenario field each scenario option sets (the scenario validates the values)."""


def parse_float(text: str, field: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, what: str = "") -> float:
    """A finite number within bounds, else :class:`InputError` naming ``field``."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InputError("not a number", field=field, value=text) from None
    bad = not math.isfinite(value)
    bad |= low is not None and (value <= low if low_open else value < low)
    bad |= high is not None and value > high
    if bad:
        raise InputError(f"must be {what}" if what else "out of range", field=field, value=text)
    return value


def _number(text: str, field: str) -> float:
    """A number, any range (the scenario checks it: one definition of every range)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        raise InputError("not a number", field=field, value=text) from None


def parse_reliability(text: str, field: str = "--reliability") -> float:
    """Supply reliability; its range, (0, 1], is the scenario's (:func:`check_scenario_flags`)."""
    return _number(text, field)


def parse_monitoring_point(text: str) -> float | None:
    """A monitoring point (its range is the scenario's), or ``None`` for ``off``."""
    if text.strip().lower() in ("off", "none", "no"):
        return None
    return _number(text, "--monitoring-point")


def parse_seed(text: str, field: str = "--seed") -> int:
    """A root seed: an integer in [0, 2**63 - 1] (seeds go into int64 table columns)."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise InputError("not an integer", field=field, value=text) from None
    from jisopt.sim.streams import MAX_SEED  # the simulator loads on use only

    if not 0 <= value <= MAX_SEED:
        raise InputError("must be an integer in [0, 2**63 - 1]", field=field, value=text)
    return value


def check_scenario_flags(label: str, base: Scenario, overrides: dict[str, Any],
                         reliabilities: Sequence[float | None] = (None,),
                         flags: dict[str, str] | None = None) -> Scenario:
    """``base`` with the scenario options and each reliability applied, validated by the scenario.

    An invalid value is reported under its option (``--days``, ``--reliability``); a
    conflict with a value of the scenario file names the file and the field.
    ``flags`` maps fields to the option that set them, where not :data:`SCENARIO_FLAGS`.
    Returns the scenario of the last reliability.
    """
    from jisopt.experiments.grid import apply_overrides

    names = {**SCENARIO_FLAGS, **(flags or {})}
    scenario = base
    for reliability in reliabilities:
        try:
            scenario = apply_overrides(base, overrides.items())
            if reliability is not None:
                scenario = scenario.with_reliability(reliability)
        except InputError as exc:
            field = exc.field or ""
            flag = names.get(field) if field in overrides else None
            if reliability is not None and field.startswith("suppliers[") and field.endswith(
                    "].reliability"):
                flag = "--reliability"
            if flag is not None:
                raise InputError(exc.problem, field=flag, value=exc.value,
                                 has_value=exc.has_value) from None
            given = sorted({names.get(k, k) for k in overrides}
                           | ({"--reliability"} if reliability is not None else set()))
            raise InputError(exc.problem, source=f"{label} (with {', '.join(given)})" if given else label,
                             field=exc.field, value=exc.value, has_value=exc.has_value) from None
    return scenario


def add_scenario_options(parser: argparse.ArgumentParser) -> None:
    """``--scenario``, ``--days``, ``--warmup-days``, ``--monitoring-point``, ``--line-freeze-h``,
    ``--planning-slack-every``."""
    g = parser.add_argument_group("scenario")
    g.add_argument("--scenario", default="tractor", metavar="NAME|TOML",
                   help="scenario name (looked up in $JISOPT_MODELS and ./models; shipped: "
                        "tractor, car) or TOML file (default: tractor, the paper's case)")
    g.add_argument("--days", metavar="D", help="simulated days (default: the scenario's, 100)")
    g.add_argument("--warmup-days", metavar="D",
                   help="days not measured at the start (default: the scenario's, 30)")
    g.add_argument("--monitoring-point", metavar="F|off",
                   help="share of the lead time after production start at which an event becomes "
                        "known, in (0, 1]; 'off': no monitoring (default: the scenario's, 0.5)")
    g.add_argument("--line-freeze-h", metavar="H",
                   help="no resequencing of orders whose slot starts within H hours (default: 0)")
    g.add_argument("--planning-slack-every", metavar="G",
                   help="planning with slack: leave every G-th slot empty (default: none)")


def scenario_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Scenario field changes from the scenario options (only those given)."""
    changes: dict[str, Any] = {}
    if args.days is not None:
        changes["days"] = _number(args.days, "--days")
    if args.warmup_days is not None:
        changes["warmup_days"] = _number(args.warmup_days, "--warmup-days")
    if args.monitoring_point is not None:
        point = parse_monitoring_point(args.monitoring_point)
        if point is None:
            changes["monitoring.enabled"] = False
        else:
            changes["monitoring.enabled"] = True
            changes["monitoring.point"] = point
    if args.line_freeze_h is not None:
        changes["line_freeze_h"] = _number(args.line_freeze_h, "--line-freeze-h")
    if args.planning_slack_every is not None:
        changes["planning_slack_every"] = parse_int(args.planning_slack_every, "--planning-slack-every",
                                                    -(2**63))
    return changes


def add_run_options(parser: argparse.ArgumentParser, *, default_out: str, default_replications: int,
                    out_help: str | None = None, replications_help: str | None = None) -> None:
    """``--replications``, ``--seed``, ``--jobs``, ``--dask``, ``--out``, ``--resume``, ``--progress``."""
    g = parser.add_argument_group("running")
    g.add_argument("--replications", "-r", metavar="R",
                   help=replications_help or f"replications per setting (default: {default_replications})")
    g.add_argument("--seed", default="1", metavar="N",
                   help="root seed, an integer in [0, 2**63 - 1]; every policy of a replication sees "
                        "the same disruptions (default: 1)")
    g.add_argument("--jobs", "-j", default="0", metavar="J",
                   help="worker processes (default 0: every CPU; 1: in this process)")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster (scheduler address, or 'local'); needs jisopt[dask]")
    g.add_argument("--out", default=default_out, metavar="DIR",
                   help=out_help or f"output directory (default: {default_out})")
    g.add_argument("--resume", action="store_true",
                   help="keep the finished runs of an interrupted run in --out and run the rest")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")


def parse_int(text: str, field: str, low: int) -> int:
    """An integer ``>= low``, else :class:`InputError` naming ``field``."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise InputError("not an integer", field=field, value=text) from None
    if value < low:
        raise InputError(f"must be an integer >= {low}", field=field, value=text)
    return value


def run_settings(args: argparse.Namespace, default_replications: int) -> tuple[int, int]:
    """``(replications, seed)`` from ``--replications`` (else ``default_replications``) and ``--seed``."""
    replications = (parse_int(args.replications, "replications", 1) if args.replications is not None
                    else default_replications)
    if replications > MAX_REPLICATIONS:  # the grid is built in memory before anything runs
        raise InputError(f"must be at most {MAX_REPLICATIONS:,}", field="replications",
                         value=args.replications)
    return replications, parse_seed(args.seed)


def describe_runs(scenario: Scenario, replications: int) -> str:
    """``tractor: 10 replication(s) x 100 days (30 warm-up)``: what each setting runs."""
    return (f"{scenario.name}: {replications} replication(s) x {scenario.days:g} days "
            f"({scenario.warmup_days:g} warm-up)")


def print_summary_json(data: dict[str, Any]) -> None:
    """Print an experiment's summary as indented JSON (numpy values as plain ones, no NaN)."""
    print(json.dumps(json_ready(data), indent=2, allow_nan=False))


@contextlib.contextmanager
def experiment_run(
    args: argparse.Namespace,
    tasks: Sequence[Task],
    sim: SimulationTask,
    *,
    command: str,
    outputs: Sequence[str] = (),
) -> Iterator[RunReport]:
    """Validate the grid, then run it on the backend chosen by ``--jobs`` / ``--dask``.

    ``--out`` stays locked while inside, so the command writes its summaries and
    figures before another run may use the directory; list them with
    :func:`record_outputs`; ``outputs`` names them beforehand, so that a file of
    such a name that jisopt did not write is refused before anything runs.
    Files rejected on resume are reported on stderr, one line each.
    """
    from jisopt.experiments import ResultStore, make_backend, run_tasks
    from jisopt.experiments.locking import lock_folder
    from jisopt.experiments.simulation import experiment_manifest

    if not tasks:
        raise InputError("nothing to run", field="grid", has_value=False)
    sim.validate(list(tasks))
    jobs = parse_int(args.jobs, "jobs", 0)
    backend = make_backend(min(jobs, len(tasks)) if jobs else min(len(tasks), _cpus()), args.dask)
    manifest = experiment_manifest(sim, list(tasks), command=command,
                                   argv=shlex.join(sys.argv[1:]) if sys.argv else "")
    ResultStore(args.out).check_usable()
    with lock_folder(args.out):
        yield run_tasks(tasks, sim, backend=backend, out_dir=Path(args.out), manifest=manifest,
                        resume=args.resume, orders=sim.record_orders, progress=args.progress,
                        outputs=outputs,
                        warn=lambda text: print(f"jisopt {args.command}: warning: {text}",
                                                file=sys.stderr, flush=True))


def run_experiment(args: argparse.Namespace, tasks: Sequence[Task], sim: SimulationTask, *,
                   command: str) -> RunReport:
    """:func:`experiment_run` for commands that write nothing after the run (the lock ends here)."""
    with experiment_run(args, tasks, sim, command=command) as report:
        return report


def record_outputs(report: RunReport, files: Iterable[str | Path]) -> None:
    """List files a command writes into ``--out`` in its manifest (the next run removes them)."""
    from jisopt.experiments import ResultStore

    ResultStore(out_dir(report)).record_outputs(files)


def out_dir(report: RunReport) -> Path:
    """The output directory of a command's run (``--out``; every command stores its runs)."""
    if report.out_dir is None:
        raise RuntimeError("the run stored no results")
    return report.out_dir


def _cpus() -> int:
    from jisopt.experiments.backends import available_cpus

    return available_cpus()
