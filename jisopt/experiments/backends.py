"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

Every backend maps a picklable function over tasks and yields ``(task,
result)`` pairs as they finish. A task's result depends on the task alone
(its seed and replication travel with it; random streams are derived inside
the simulator), never on the worker that ran it or on the order in which
tasks finish, so every backend gives the same results.

Worker processes are started with the ``forkserver`` method where it exists
(``spawn`` elsewhere): forking a process whose numerical libraries already
run thread pools can deadlock. They end when the process that started the
pool ends, however it ends (``SIGKILL`` included): on Linux the kernel kills a
worker when its parent dies (``PR_SET_PDEATHSIG``; the fork server itself
exits when the main process is gone), and everywhere a watchdog thread in each
worker exits it once its parent or the main process is gone.

Both start methods import the main script in every worker, so a script that runs
an experiment on worker processes must do so under ``if __name__ == "__main__":``;
otherwise the workers start the experiment again, fail and the pool breaks. A broken
pool raises :class:`WorkerProcessError`, which names the script when it has no such
guard.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

from jisopt.errors import InputError, JisoptError

__all__ = [
    "Backend",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "TaskError",
    "WorkerProcessError",
    "available_cpus",
    "make_backend",
]

class Job(Protocol):
    """What a backend runs a function on: a grid's :class:`~jisopt.experiments.grid.Task`,
    or any other item named by a ``key`` (used to order results and name failures)."""

    @property
    def key(self) -> str: ...


JobT = TypeVar("JobT", bound=Job)
ResultT = TypeVar("ResultT")


class TaskError(JisoptError):
    """A task raised; the original exception is chained as ``__cause__``."""

    def __init__(self, task: Job, exc: BaseException) -> None:
        self.task = task
        super().__init__(f"task {task.key} failed: {type(exc).__name__}: {exc}")


class WorkerProcessError(JisoptError):
    """Worker processes ended abruptly (the pool is broken); the message says the likely
    cause: a main script without an ``if __name__ == "__main__":`` guard, else a worker
    killed (e.g. out of memory) or crashed."""


_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]\s*:""", re.MULTILINE)


def unguarded_main_script() -> Path | None:
    """The main script, if it is a file with no ``if __name__ == "__main__":`` line
    (``None`` for an interactive session, ``python -c`` or a guarded script)."""
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if not file:
        return None
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return None if _MAIN_GUARD.search(text) else path


def broken_pool_error(exc: BaseException) -> WorkerProcessError:
    """The :class:`WorkerProcessError` that explains a broken process pool."""
    script = unguarded_main_script()
    if script is not None:
        return WorkerProcessError(
            f"worker processes ended abruptly: the script {script} has no "
            "'if __name__ == \"__main__\":' guard. Every worker process imports the main "
            "script when it starts, so the workers ran the experiment again and failed. Put "
            "the code that runs the experiment under 'if __name__ == \"__main__\":' (functions "
            "the workers use, such as user KPIs, stay at the top level)")
    return WorkerProcessError(
        f"worker processes ended abruptly ({exc}): a worker was killed (e.g. out of memory) or "
        "crashed; run with one job to see the task's own error")


def _reraise(task: Job, exc: BaseException) -> NoReturn:
    """Raise what ``task`` raised: a deliberate jisopt error (bad input) as it is, a broken
    pool as a :class:`WorkerProcessError`, anything else as a :class:`TaskError` caused by it."""
    if isinstance(exc, JisoptError):
        raise exc
    if isinstance(exc, BrokenProcessPool):
        raise broken_pool_error(exc) from exc
    raise TaskError(task, exc) from exc


class Backend(Protocol):
    """Runs tasks; used as a context manager."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[[JobT], ResultT],
                      tasks: Iterable[JobT]) -> Iterator[tuple[JobT, ResultT]]:
        """Yield ``(task, fn(task))`` in order of completion."""
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...


def available_cpus() -> int:
    """CPUs this process may use (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialBackend:
    """Run every task in this process, one after another (debugging, tiny grids)."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[JobT], ResultT],
                      tasks: Iterable[JobT]) -> Iterator[tuple[JobT, ResultT]]:
        """Yield ``(task, fn(task))`` in order of completion."""
        for task in tasks:
            try:
                result = fn(task)
            except Exception as exc:
                _reraise(task, exc)
            yield task, result

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


_PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL_S = 0.5
"""How often a worker's watchdog looks whether the processes it serves still exist."""


def _die_with_parent() -> None:
    """Linux: have the kernel send ``SIGKILL`` to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter is linked with
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no usable libc
        pass


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by another user
        return True
    return True


def _watchdog(parent: int, main: int) -> None:
    """Exit this process as soon as its parent or the main process has gone."""
    while os.getppid() == parent and _alive(main):
        time.sleep(WATCHDOG_INTERVAL_S)
    os._exit(1)


def worker_init(main_pid: int) -> None:
    """Initializer of every worker process: end with the process that started the pool.

    Parameters
    ----------
    main_pid
        Pid of the process that owns the pool.
    """
    _die_with_parent()
    if not _alive(main_pid):  # pragma: no cover - died before the kernel was told
        os._exit(1)
    parent = os.getppid()
    threading.Thread(target=_watchdog, args=(parent, main_pid), name="jisopt-watchdog",
                     daemon=True).start()


class ProcessBackend:
    """Run tasks in ``jobs`` local worker processes.

    Parameters
    ----------
    jobs
        Number of worker processes (>= 1).
    start_method
        ``multiprocessing`` start method; default ``forkserver`` (``spawn``
        where there is none).
    preload
        Modules the fork server imports once, before it forks the workers
        (saves each worker importing them).
    """

    name = "processes"

    def __init__(
        self, jobs: int, *, start_method: str | None = None, preload: tuple[str, ...] = ("jisopt",)
    ) -> None:
        if jobs < 1:
            raise InputError("must be at least 1", field="jobs", value=jobs)
        self.workers = jobs
        self._context = multiprocessing.get_context(start_method or _start_method())
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(list(preload))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessBackend:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                         initializer=worker_init, initargs=(os.getpid(),))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered(self, fn: Callable[[JobT], ResultT],
                      tasks: Iterable[JobT]) -> Iterator[tuple[JobT, ResultT]]:
        """Yield ``(task, fn(task))`` in order of completion."""
        if self._pool is None:
            raise RuntimeError("use ProcessBackend as a context manager")
        try:
            pending: dict[Future[ResultT], JobT] = {self._pool.submit(fn, task): task for task in tasks}
        except BrokenProcessPool as broken:
            raise broken_pool_error(broken) from broken
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f].key):
                    task = pending.pop(future)
                    exc = future.exception()
                    if exc is not None:
                        _reraise(task, exc)
                    yield task, future.result()
        finally:
            for future in pending:
                future.cancel()


class DaskBackend:
    """Run tasks on a Dask cluster (needs the optional extra ``jisopt[dask]``).

    Parameters
    ----------
    address
        Scheduler address (``tcp://host:8786``); ``None`` or ``"local"``
        starts a :class:`distributed.LocalCluster` with ``jobs`` single-threaded
        worker processes.
    jobs
        Workers of the local cluster (ignored with an address).

    Notes
    -----
    Remote workers need jisopt installed in the same version; the task
    function carries the loaded scenarios, so no scenario files are needed
    on the workers.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, jobs: int = 1) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(
                "the Dask backend needs the optional dependency: pip install 'jisopt[dask]'",
                field="dask", value=address,
            ) from None
        self.address = None if address in (None, "", "local") else _check_address(address)
        self.workers = jobs
        self._jobs = jobs
        self._client: Any = None  # distributed.Client (an optional dependency)
        self._cluster: Any = None  # distributed.LocalCluster

    def __enter__(self) -> DaskBackend:
        from distributed import Client, LocalCluster

        if self.address is None:
            self._cluster = LocalCluster(n_workers=self._jobs, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.address, timeout="20s")
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(f"cannot connect to the Dask scheduler: {exc}", field="dask",
                                 value=self.address) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_unordered(self, fn: Callable[[JobT], ResultT],
                      tasks: Iterable[JobT]) -> Iterator[tuple[JobT, ResultT]]:
        """Yield ``(task, fn(task))`` in order of completion."""
        from distributed import as_completed

        if self._client is None:
            raise RuntimeError("use DaskBackend as a context manager")
        futures = {}
        for task in tasks:
            future = self._client.submit(fn, task, key=f"jisopt-{task.key}", pure=False)
            futures[future] = task
        try:
            for future in as_completed(futures):
                task = futures.pop(future)
                if future.status == "error":
                    exc = future.exception()
                    _reraise(task, exc)
                yield task, future.result()
        finally:
            for future in futures:
                future.cancel()


def _check_address(address: str) -> str:
    """A Dask scheduler address as ``[protocol://]host:port``, else :class:`InputError`."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a Dask scheduler address such as tcp://host:8786 or 'local' ({exc})",
                         field="dask", value=address) from None
    if not location or any(c.isspace() for c in address):
        raise InputError("not a Dask scheduler address such as tcp://host:8786 or 'local'",
                         field="dask", value=address)
    return address


def make_backend(jobs: int | None = 1, dask: str | None = None) -> Backend:
    """The backend for ``--jobs`` / ``--dask``.

    Parameters
    ----------
    jobs
        Worker processes; ``None`` or ``0``: every available CPU; ``1``: run
        in this process.
    dask
        Dask scheduler address, or ``"local"`` for a local Dask cluster.
    """
    if jobs is not None and jobs < 0:
        raise InputError("must be >= 0 (0: every CPU)", field="jobs", value=jobs)
    n = jobs if jobs else available_cpus()
    if dask is not None:
        return DaskBackend(dask, jobs=n)
    return SerialBackend() if n == 1 else ProcessBackend(n)
