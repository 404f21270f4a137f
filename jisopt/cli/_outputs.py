"""``--calloffs DIR`` and ``--plot FILE`` of ``jisopt solve`` and ``jisopt check``.

``--calloffs`` writes one CSV per supplier (``DIR/<supplier>.csv``, the supplier's
call-off stream, :func:`jisopt.calloffs.calloffs`) and ``DIR/summary.csv``
(:func:`jisopt.calloffs.calloff_summary`). DIR must be missing, empty or hold only
call-off files of an earlier run (CSV files whose header is a call-off or summary
header); those are replaced, so the directory holds one run. Any other file refuses DIR.
``--plot`` draws :func:`jisopt.plotting.plot_plan.plot_plan` to a ``.png`` or ``.svg``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from jisopt.calloffs import CALLOFF_COLUMNS, SUMMARY_COLUMNS, calloff_summary, calloffs
from jisopt.errors import InputError, printable
from jisopt.instance import Instance
from jisopt.plan import Plan

__all__ = ["PLOT_FORMATS", "add_output_arguments", "write_outputs"]

PLOT_FORMATS = (".png", ".svg")
SUMMARY_FILE = "summary.csv"
_HEADERS = (",".join(CALLOFF_COLUMNS), ",".join(SUMMARY_COLUMNS))


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--calloffs DIR`` and ``--plot FILE``."""
    group = parser.add_argument_group("outputs for suppliers and planners")
    group.add_argument("--calloffs", metavar="DIR", type=calloff_dir,
                       help="write each supplier's new call-off stream to DIR/<supplier>.csv and "
                       "DIR/summary.csv (DIR: missing, empty or from an earlier --calloffs)")
    group.add_argument("--plot", metavar="FILE", type=plot_file,
                       help="draw the sequence before and after the plan (.png or .svg)")


def calloff_dir(text: str) -> Path:
    """``--calloffs``: a directory jisopt may write call-offs into (an argparse ``type``)."""
    try:
        return _writable_dir(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def plot_file(text: str) -> Path:
    """``--plot``: a ``.png`` or ``.svg`` path (an argparse ``type``)."""
    if Path(text).suffix.lower() not in PLOT_FORMATS:
        raise argparse.ArgumentTypeError(
            f"pictures are written as {' or '.join(PLOT_FORMATS)}, got {printable(text[:80])!r}")
    return Path(text)


def write_outputs(args: argparse.Namespace, instance: Instance, plan: Plan) -> None:
    """Write what ``--calloffs`` and ``--plot`` ask for; say so unless ``--json``."""
    notes = []
    if getattr(args, "calloffs", None) is not None:
        written = write_calloffs(args.calloffs, instance, plan)
        notes.append(f"call-offs written to {printable(str(args.calloffs))} ({len(written)} files)")
    if getattr(args, "plot", None) is not None:
        from matplotlib.figure import Figure  # deferred: matplotlib loads slowly

        from jisopt.plotting.plot_plan import plot_plan

        path = Path(args.plot)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure = plot_plan(instance, plan).figure
        assert isinstance(figure, Figure)  # plot_plan draws on a figure of its own
        figure.savefig(path, format=path.suffix.lower()[1:], dpi=130)
        notes.append(f"picture written to {printable(str(path))}")
    if not getattr(args, "json", False):
        for note in notes:
            print(note)


def write_calloffs(directory: Path, instance: Instance, plan: Plan) -> list[Path]:
    """Write the call-off CSVs into ``directory``; return the files written.

    Raises
    ------
    InputError
        If ``directory`` holds a file jisopt did not write.
    """
    earlier = set(_jisopt_files(_writable_dir(str(directory))))
    directory.mkdir(parents=True, exist_ok=True)
    table = calloffs(instance, plan)
    written = []
    for name, file_name in zip(instance.supplier_names, supplier_file_names(instance.supplier_names),
                               strict=True):
        path = directory / file_name
        table[table["supplier"] == name].to_csv(path, index=False)
        written.append(path)
    summary = directory / SUMMARY_FILE
    calloff_summary(instance, plan, table).to_csv(summary, index=False)
    written.append(summary)
    for stale in earlier - set(written):
        stale.unlink()
    return written


def supplier_file_names(names: tuple[str, ...]) -> list[str]:
    """``<supplier>.csv`` per supplier: characters other than letters, digits, ``.``, ``_``
    and ``-`` become ``_``; a name that is then empty, taken or ``summary`` gets ``-<k>``
    (its 1-based supplier number)."""
    out: list[str] = []
    for k, name in enumerate(names, start=1):
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
        taken = {f.lower() for f in out} | {SUMMARY_FILE}
        if not stem or f"{stem}.csv".lower() in taken:
            stem = f"{stem}-{k}"
        out.append(f"{stem}.csv")
    return out


def _writable_dir(text: str) -> Path:
    """``text`` as a directory that is missing, empty or holds only call-off files."""
    if not text:
        raise InputError("empty path: name the call-off directory", field="--calloffs", value=text)
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise InputError("not a directory", field="--calloffs", value=text)
    if path.is_dir():
        _jisopt_files(path)
    return path


def _jisopt_files(path: Path) -> list[Path]:
    """The files of a directory, all call-off files of an earlier run (else InputError)."""
    if not path.is_dir():
        return []
    files = []
    for entry in sorted(path.iterdir()):
        if not (entry.is_file() and entry.suffix == ".csv" and _first_line(entry) in _HEADERS):
            raise InputError("the directory holds a file that is not a jisopt call-off file; "
                             "give an empty or new directory", field="--calloffs",
                             value=str(entry))
        files.append(entry)
    return files


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return f.readline(4096).rstrip("\r\n")
    except OSError:
        return ""
