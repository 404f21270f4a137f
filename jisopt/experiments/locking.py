"""One jisopt run per output directory: an OS-level lock on a file in the directory.

The lock is ``fcntl.flock`` on ``<dir>/.jisopt.lock``; the operating system
releases it when the process that holds it ends, however it ends (``SIGKILL``
included), so a killed run never leaves a stale lock behind. The lock file
holds the pid of the holder, which the refusal names. The file itself stays
(removing a lock file while another process opens it would let two runs lock
two different files).

Where ``fcntl`` does not exist (Windows), no lock is taken.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from jisopt.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]  # None marks the missing module

__all__ = ["LOCK_FILE", "lock_folder", "prepare_folder"]

LOCK_FILE = ".jisopt.lock"
"""Name of the lock file jisopt keeps in an output directory."""

_HELD: dict[Path, int] = {}
"""Directories this process has locked: resolved path -> descriptor of the lock file."""


def prepare_folder(directory: str | os.PathLike) -> Path:
    """Create ``directory`` (and its parents) if needed.

    Raises
    ------
    InputError
        If it exists and is not a directory, or cannot be created.
    """
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise InputError("exists and is not a directory", source=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output directory: {exc.strerror}", source=str(path)) from None
    return path


def _holder(fd: int) -> str:
    """The pid written into a lock file, as text (``?`` if unreadable)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


def _acquire(path: Path) -> int:
    """Open and lock ``path / LOCK_FILE``; return its descriptor."""
    lock = path / LOCK_FILE
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write to the output directory: {exc.strerror}",
                         source=str(path)) from None
    if fcntl is None:  # pragma: no cover - not POSIX
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pid = _holder(fd)
        os.close(fd)
        raise InputError(f"is in use by another jisopt run (pid {pid}); wait for it to finish or "
                         "use another output directory", source=str(path)) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


@contextlib.contextmanager
def lock_folder(directory: str | os.PathLike) -> Iterator[Path]:
    """Hold the run lock of an output directory (created if needed) while inside.

    Re-entrant within one process: a nested ``lock_folder`` of a directory this
    process already holds does nothing.

    Parameters
    ----------
    directory
        The output directory.

    Yields
    ------
    Path
        The directory.

    Raises
    ------
    InputError
        If another process holds the lock (naming its pid), or the directory
        cannot be created or written.
    """
    path = prepare_folder(directory)
    key = path.resolve()
    if key in _HELD:
        yield path
        return
    fd = _acquire(path)
    _HELD[key] = fd
    try:
        yield path
    finally:
        del _HELD[key]
        os.close(fd)  # closing the descriptor releases the lock
