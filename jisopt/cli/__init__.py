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
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from jisopt import __version__
from jisopt.errors import JisoptError

__all__ = ["COMMANDS", "main"]

COMMANDS: tuple[str, ...] = (
    "solve", "check", "generate", "import_", "migrate", "pareto", "gaps", "simulate", "reproduce",
)
"""Sub-command modules of ``jisopt.cli``, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - exercised via CLI tests
        self.exit(2, f"{self.prog}: error: {message}\n")


_MODULE_OF_COMMAND = {"import": "import_"}
"""Sub-command modules whose name differs from the command's (``import`` is a keyword)."""


def build_parser(commands: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser with the sub-commands of the modules ``commands`` (default: all)."""
    parser = _Parser(
        prog="jisopt",
        description="Resequencing mixed-model assembly lines under unreliable JIS supply.",
    )
    parser.add_argument("--version", action="version", version=f"jisopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in commands:  # a module per command (``import_``: ``import`` is a keyword)
        importlib.import_module(f"jisopt.cli.{name}").add_parser(sub)
    return parser


def _commands_needed(argv: Sequence[str]) -> Sequence[str]:
    """The command modules a command line needs: only its own when it names one, else all.

    A run or ``--help`` of one command then loads only that command's module (not,
    say, the experiment stack of ``simulate``); ``jisopt --help`` and a mistyped
    command build the full parser, so their texts list every command.
    """
    if not argv or argv[0].startswith("-"):
        return COMMANDS
    module = _MODULE_OF_COMMAND.get(argv[0], argv[0])
    is_command = module in COMMANDS and argv[0] not in _MODULE_OF_COMMAND.values()
    return (module,) if is_command else COMMANDS


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jisopt`` console command."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_commands_needed(argv))
    args = parser.parse_args(argv)
    stdout = sys.stdout
    if stdout is not None:
        sys.stdout = _GuardedStdout(stdout)
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
        if isinstance(exc, StdoutError):
            _discard(stdout)
        print(f"jisopt {args.command}: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jisopt {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout = stdout


class StdoutError(OSError):
    """Standard output could not be written (e.g. a full disk or ``/dev/full``)."""


class _GuardedStdout:
    """Standard output whose write errors (other than a closed pipe) are :class:`StdoutError`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._guard(self._stream.write, text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    @staticmethod
    def _guard(call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror or str(exc)) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _os_error(exc: OSError) -> str:
    """``file: reason`` of an operating-system error, on one line."""
    reason = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    where = "standard output" if isinstance(exc, StdoutError) else exc.filename
    return f"{where}: {reason}" if where is not None else reason


def _discard(stream: TextIO) -> None:
    """Point a stream's descriptor at the null device, so the exit does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _discard_stdout() -> None:
    """Point stdout's file descriptor at the null device, so that the output still buffered
    does not fail again when Python flushes it at exit."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced stdout (tests): nothing buffered at exit
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
