"""The ``jisopt`` command line: a thin layer over the Python API.

Each sub-command lives in its own module with an ``add_parser(subparsers)``
function that registers it and sets ``func`` (``args -> exit code``).
Usage errors and bad input files print one line on stderr and exit with 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from jisopt import __version__
from jisopt.errors import JisoptError

__all__ = ["COMMANDS", "main"]

COMMANDS: tuple[str, ...] = ("solve", "check", "generate", "pareto", "gaps", "simulate", "reproduce")
"""Sub-command modules of ``jisopt.cli``, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised via CLI tests
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every sub-command."""
    parser = _Parser(
        prog="jisopt",
        description="Resequencing mixed-model assembly lines under unreliable JIS supply.",
    )
    parser.add_argument("--version", action="version", version=f"jisopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"jisopt.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jisopt`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk or device fails here, not after the exit status is set
        return code
    except JisoptError as exc:
        print(f"jisopt {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into a reader that closed early (e.g. ``| head``): not an error.
        sys.stderr.close()
        return 0
    except OSError as exc:
        # The system refused a write or read (disk full, read-only, /dev/full): one line, exit 2.
        print(f"jisopt {args.command}: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jisopt {args.command}: interrupted", file=sys.stderr)
        return 130


def _os_error(exc: OSError) -> str:
    """``file: reason`` of an operating-system error, on one line.

    If standard output cannot be written (the failing write may have been its
    own), it is pointed at the null device so the exit does not fail on it again.
    """
    reason = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    where = exc.filename
    if _stdout_fails():
        _discard_stdout()
        where = where if where is not None else "standard output"
    return f"{where}: {reason}" if where is not None else reason


def _stdout_fails() -> bool:
    """Whether standard output cannot take the text it still holds."""
    try:
        sys.stdout.flush()
    except OSError:
        return True
    except ValueError:  # closed
        return False
    return False


def _discard_stdout() -> None:
    """Point standard output at the null device, so the exit does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
