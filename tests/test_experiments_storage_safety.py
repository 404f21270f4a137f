"""Output directories through the CLI: jisopt deletes only its own files, one run at a time,
bad stored files are reported and rerun, workers die with their parent, OS errors are one line."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jisopt
import jisopt.cli
from jisopt.experiments import TIMING_COLUMNS
from jisopt.experiments.locking import LOCK_FILE, lock_folder

SIM = ["simulate", "--days", "3", "--warmup-days", "1", "--jobs", "1"]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(jisopt.__file__).parents[1]),
                                                    os.environ.get("PYTHONPATH", "")])}


def cli(*argv) -> int:
    return jisopt.cli.main([str(a) for a in argv])


def one_error_line(capsys, *words: str) -> str:
    """The command's stderr: exactly one line, containing every word."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def comparable(path: Path) -> pd.DataFrame:
    table = pd.read_parquet(path / "replications.parquet")
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table])


def foreign_files(out: Path) -> dict[Path, bytes]:
    """Files a user keeps in the directory, at the top and inside ``orders/`` and ``parts/``."""
    files = {out / "notes.txt": b"mine", out / "orders" / "customers.csv": b"id\n1\n",
             out / "parts" / "mine.txt": b"keep",
             out / "parts" / "step_r0.9_s1_rep0000_0123456789.parquet": b"not jisopt's"}
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def assert_intact(files: dict[Path, bytes]) -> None:
    for path, data in files.items():
        assert path.read_bytes() == data, path


# ---- 1. never delete a file jisopt did not write ------------------------------------------------
def test_a_directory_that_is_not_a_jisopt_result_directory_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    files = foreign_files(out)
    assert cli(*SIM, "-r", 1, "--out", out) == 2
    one_error_line(capsys, str(out), "not empty", "experiment.json")
    assert_intact(files)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "orders", "parts"]  # no lock file


def test_foreign_files_in_a_result_directory_survive_a_new_run(tmp_path, capsys):
    out = tmp_path / "res"
    assert cli(*SIM, "-r", 2, "--out", out) == 0
    old_parts = sorted((out / "parts").glob("dynamic*.parquet"))
    files = foreign_files(out)
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    assert_intact(files)
    new_parts = sorted((out / "parts").glob("dynamic*.parquet"))
    assert len(new_parts) == 1 and new_parts[0] in old_parts  # rep 1 removed, rep 0 rewritten
    assert len(pd.read_csv(out / "replications.csv")) == 1


def test_a_run_with_orders_keeps_foreign_files_in_orders(tmp_path):
    out = tmp_path / "res"
    assert cli(*SIM, "-r", 2, "--orders", "--out", out) == 0
    files = foreign_files(out)
    assert cli(*SIM, "-r", 1, "--out", out) == 0  # no --orders now: jisopt's order tables go
    assert_intact(files)
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["customers.csv"]
    assert not (out / "orders.parquet").exists()


# ---- 2. one run per directory ------------------------------------------------------------------
def _hold_lock(out: Path) -> subprocess.Popen:
    """Another process that holds the run lock of ``out`` until killed."""
    code = ("import sys, time\nfrom jisopt.experiments.locking import lock_folder\n"
            "with lock_folder(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], env=ENV, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_on_a_directory_in_use_is_refused(tmp_path, capsys):
    out = tmp_path / "busy"
    assert cli(*SIM, "-r", 2, "--out", out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != LOCK_FILE}
    holder = _hold_lock(out)
    try:
        for extra in ((), ("--resume",)):
            assert cli(*SIM, "-r", 2, *extra, "--out", out) == 2
            one_error_line(capsys, str(out), f"in use by another jisopt run (pid {holder.pid})")
            assert {p: p.read_bytes() for p in before} == before  # nothing touched
    finally:
        holder.kill()  # SIGKILL: the operating system releases the lock
        holder.wait()
    assert cli(*SIM, "-r", 2, "--out", out) == 0


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across(tmp_path, capsys):
    out = tmp_path / "held"
    with lock_folder(out), lock_folder(out):  # a command holds it around run_tasks, which takes it too
        proc = subprocess.run([sys.executable, "-m", "jisopt", *SIM, "-r", "1", "--out", str(out)],
                              env=ENV, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1
        assert f"in use by another jisopt run (pid {os.getpid()})" in proc.stderr
    assert cli(*SIM, "-r", 1, "--out", out) == 0


# ---- 3. bad stored files on resume -------------------------------------------------------------
def _damage(part: Path, how: str, other: Path) -> None:
    if how == "truncated":
        part.write_bytes(part.read_bytes()[:100])
    elif how == "empty":
        part.write_bytes(b"")
    elif how == "garbage":
        part.write_bytes(b"PAR1" + os.urandom(300))
    elif how == "other task's":
        part.write_bytes(other.read_bytes())
    elif how == "foreign Parquet":
        pq.write_table(pa.table({"okay_rate": [1.0]}), part)
    elif how == "other task's key column":
        table = pq.read_table(part)
        column = table.schema.get_field_index("task_key")
        pq.write_table(table.set_column(column, "task_key", pa.array([other.stem])), part)


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "other task's", "foreign Parquet",
                                 "other task's key column"])
def test_a_bad_part_is_reported_and_its_run_repeated(how, tmp_path, capsys):
    out = tmp_path / "res"
    argv = [*SIM, "-r", 3, "--out", out]
    assert cli(*argv) == 0
    reference = comparable(out)
    parts = sorted((out / "parts").glob("*.parquet"))
    _damage(parts[1], how, parts[0])
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    captured = capsys.readouterr()
    warning = captured.err.strip()
    assert warning.count("\n") == 0 and "warning" in warning and str(parts[1]) in warning
    assert "1 run(s)" in captured.out and "2 resumed" in captured.out
    pd.testing.assert_frame_equal(comparable(out), reference)
    assert (out / "parts" / f"{parts[1].name}.bad").is_file()  # set aside, not deleted
    assert cli(*argv, "--resume") == 0  # and the next resume finds everything in order
    assert "3 resumed" in capsys.readouterr().out


def test_a_part_renamed_to_another_task_does_not_enter_the_table(tmp_path, capsys):
    """Even with its key rewritten (column and metadata): the parameter digest gives it away."""
    out = tmp_path / "res"
    argv = [*SIM, "-r", 2, "--out", out]
    assert cli(*argv) == 0
    reference = comparable(out)
    first, second = sorted((out / "parts").glob("*.parquet"))
    table = pq.read_table(first)
    column = table.schema.get_field_index("task_key")
    forged = table.set_column(column, "task_key", pa.array([second.stem]))
    meta = {**forged.schema.metadata, b"jisopt.task_key": second.stem.encode()}
    forged = forged.replace_schema_metadata(meta)
    pq.write_table(forged, second)
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    assert "other parameters" in capsys.readouterr().err
    pd.testing.assert_frame_equal(comparable(out), reference)


def test_a_bad_order_table_reruns_its_task(tmp_path, capsys):
    out = tmp_path / "res"
    argv = [*SIM, "-r", 2, "--orders", "--out", out]
    assert cli(*argv) == 0
    reference = pd.read_parquet(out / "orders.parquet")
    first = sorted((out / "orders").glob("*.parquet"))[0]
    first.write_bytes(first.read_bytes()[:50])
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and str(first) in captured.err
    assert "1 run(s)" in captured.out
    pd.testing.assert_frame_equal(pd.read_parquet(out / "orders.parquet"), reference)


@pytest.mark.parametrize("resume", [True, False])
@pytest.mark.parametrize("content", [b"", b'{"experiment": {"scen', b"[1, 2]"])
def test_an_unreadable_manifest_is_an_error_naming_it(content, resume, tmp_path, capsys):
    out = tmp_path / "res"
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    (out / "experiment.json").write_bytes(content)
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert cli(*SIM, "-r", 1, *(["--resume"] if resume else []), "--out", out) == 2
    one_error_line(capsys, str(out / "experiment.json"))
    assert {p: p.read_bytes() for p in files} == files


# ---- 4. workers end with the main process ------------------------------------------------------
def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(name)] = (int(fields[1]), fields[0])
    return table


def _descendants(root: int) -> set[int]:
    table, found, frontier = _processes(), set(), {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _living(pids: set[int]) -> set[int]:
    table = _processes()
    return {pid for pid in pids if pid in table and table[pid][1] not in "ZX"}  # zombies are dead


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path):
    argv = ["simulate", "--days", "60", "--warmup-days", "1", "-r", "40", "--jobs", "2"]
    proc = subprocess.Popen([sys.executable, "-m", "jisopt", *argv, "--out", str(tmp_path / "out")],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    helpers: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(helpers) < 4:  # tracker, fork server, 2 workers
            time.sleep(0.05)
            helpers = _descendants(proc.pid)
        assert len(helpers) >= 4 and proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
        proc.wait()
        deadline = time.monotonic() + 5
        while _living(helpers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _living(helpers)
    finally:  # survivors (if the test failed) are still in the command's process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_watchdog_ends_a_worker_whose_parent_is_gone():
    """The portable fallback alone (no ``PR_SET_PDEATHSIG``): a grandchild outlives its parent."""
    grandchild_code = ("import os\nfrom jisopt.experiments.backends import _watchdog\n"
                       "parent = os.getppid()\nprint(os.getpid(), flush=True)\n"
                       "_watchdog(parent, parent)\n")
    code = ("import subprocess, sys, os\n"
            f"child = subprocess.Popen([sys.executable, '-c', {grandchild_code!r}], "
            "stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)\n"
            "print(child.stdout.readline().strip(), flush=True)\n"
            "os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True,
                         timeout=60).stdout
    grandchild = int(out.split()[0])
    try:
        deadline = time.monotonic() + 10
        while _living({grandchild}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _living({grandchild})
    finally:
        if _living({grandchild}):
            os.kill(grandchild, signal.SIGKILL)


# ---- 5. outputs of an earlier run --------------------------------------------------------------
def test_a_new_run_removes_the_outputs_of_the_earlier_one(tmp_path, capsys):
    out = tmp_path / "res"
    assert cli("reproduce", "--study", "skew", "--days", 3, "--warmup-days", 1, "-r", 1, "--jobs", 1,
               "--out", out, "--json") == 0
    listed = json.loads((out / "experiment.json").read_text())["outputs"]
    assert {"summary.md", "summary.csv", "study_skew.png", "replications.csv"} <= set(listed)
    (out / "my_figure.png").write_bytes(b"mine")
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    assert not (out / "summary.md").exists() and not (out / "study_skew.png").exists()
    assert (out / "my_figure.png").read_bytes() == b"mine"
    assert json.loads((out / "experiment.json").read_text())["outputs"] == [
        "replications.csv", "replications.parquet", "summary.csv"]


def test_a_manifest_lists_only_plain_names_in_the_directory(tmp_path):
    out = tmp_path / "res"
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    manifest = json.loads((out / "experiment.json").read_text())
    manifest["outputs"] += ["../victim.txt", str(victim), "parts", ".."]
    (out / "experiment.json").write_text(json.dumps(manifest))
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    assert victim.read_text() == "keep" and (out / "parts").is_dir()


# ---- 6. odd options and OS errors: one line, exit 2 ----------------------------------------------
def test_resume_with_capture_says_what_was_not_captured(tmp_path, capsys):
    argv = [*SIM, "-r", 2, "--reliability", "0.999", "--out", tmp_path / "out", "--capture",
            tmp_path / "cap"]
    assert cli(*argv) == 0
    next((tmp_path / "out" / "parts").glob("*.parquet")).unlink()
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    one_error_line(capsys, "1 reused run(s) were not captured")


def test_a_bad_dask_address_is_one_line(tmp_path, capsys):
    pytest.importorskip("distributed")
    assert cli(*SIM, "-r", 1, "--dask", "not a url", "--out", tmp_path / "out") == 2
    one_error_line(capsys, "dask", "not a url")
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "file"
    path.write_text("mine")
    assert cli(*SIM, "-r", 1, "--out", path) == 2
    one_error_line(capsys, str(path), "not a directory")
    assert path.read_text() == "mine"


def test_a_read_only_out_is_one_line(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: refuse the lock file as a read-only file system would
        real_open = os.open

        def read_only(path, *args, **kwargs):
            if Path(path).parent == out:
                raise PermissionError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("jisopt.experiments.locking.os.open", read_only)
    try:
        assert cli(*SIM, "-r", 1, "--out", out) == 2
        one_error_line(capsys, str(out), "cannot write")
    finally:
        out.chmod(0o755)


def test_disk_full_while_writing_a_part_is_one_line(tmp_path, capsys, monkeypatch):
    def full(table, where, *args, **kwargs):
        Path(where).write_bytes(b"PAR1")  # a partial temporary file
        raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left")

    monkeypatch.setattr("jisopt.experiments.storage.pq.write_table", full)
    out = tmp_path / "out"
    assert cli(*SIM, "-r", 1, "--out", out) == 2
    one_error_line(capsys, str(out / "parts"), "No space left")
    assert not [p for p in (out / "parts").iterdir()]  # no temporary left behind


def test_disk_full_while_writing_the_summary_is_one_line(tmp_path, capsys, monkeypatch):
    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "out"
    assert cli(*SIM, "-r", 1, "--out", out) == 2
    one_error_line(capsys, "No space left on device")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("json_output", [False, True])
def test_stdout_to_a_full_device_is_one_line(json_output, tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "jisopt", *SIM, "-r", "1", "--out",
                               str(tmp_path / "out"), *(["--json"] if json_output else [])],
                              env=ENV, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "standard output" in proc.stderr, proc.stderr


def test_a_result_directory_of_an_earlier_version_is_resumed_and_cleared(tmp_path, capsys):
    """Manifest without ``format``/``outputs``, parts without metadata: still recognised as jisopt's."""
    out = tmp_path / "old"
    argv = [*SIM, "-r", 2, "--out", out]
    assert cli(*argv) == 0
    manifest = json.loads((out / "experiment.json").read_text())
    del manifest["format"], manifest["outputs"]
    (out / "experiment.json").write_text(json.dumps(manifest))
    for part in (out / "parts").glob("*.parquet"):
        pq.write_table(pq.read_table(part).replace_schema_metadata(None), part)
    capsys.readouterr()
    assert cli(*argv, "--resume") == 0
    assert "2 resumed" in capsys.readouterr().out
    # summary.csv, listed nowhere, was taken for that version's output: replaced, not refused
    assert "summary.csv" in json.loads((out / "experiment.json").read_text())["outputs"]
    for part in (out / "parts").glob("*.parquet"):
        pq.write_table(pq.read_table(part).replace_schema_metadata(None), part)
    some_part = next((out / "parts").glob("*.parquet")).read_bytes()
    (out / "parts" / "extra_r0.9_s1_rep0007_0123456789.parquet").write_bytes(some_part)  # not ours
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    names = sorted(p.name for p in (out / "parts").iterdir())
    assert len(names) == 2 and "extra_r0.9_s1_rep0007_0123456789.parquet" in names


def test_a_file_the_run_would_overwrite_is_refused_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "res"
    assert cli(*SIM, "-r", 1, "--out", out) == 0
    parts = {p.name for p in (out / "parts").iterdir()}
    (out / "summary.md").write_text("my notes")  # a name the paper's experiment writes
    assert cli("reproduce", "--days", 3, "--warmup-days", 1, "-r", 1, "--jobs", 1, "--out", out) == 2
    one_error_line(capsys, str(out), "'summary.md'")
    assert (out / "summary.md").read_text() == "my notes"
    assert {p.name for p in (out / "parts").iterdir()} == parts  # nothing ran, nothing removed


def test_outputs_are_reserved_before_they_are_written(tmp_path, capsys, monkeypatch):
    """A run stopped while writing its summaries leaves nothing that blocks the next run."""
    out = tmp_path / "res"
    argv = ["reproduce", "--study", "skew", "--days", 3, "--warmup-days", 1, "-r", 1, "--jobs", 1,
            "--out", out]

    def stopped(table, study, out_dir, **kwargs):
        (Path(out_dir) / "summary.md").write_text("half")
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("jisopt.cli.reproduce.write_study_results", stopped)
        assert cli(*argv) == 130
    assert "summary.md" in json.loads((out / "experiment.json").read_text())["outputs"]
    assert cli(*argv, "--resume") == 0
    assert (out / "summary.md").read_text() != "half"
