"""Running grids: backends agree, results are stored as they come, resume loses and repeats nothing."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from experiments_tasks import FailOn, fake_replication, slow_first_replication

from jisopt.errors import InputError
from jisopt.experiments import (
    TIMING_COLUMNS,
    ProcessBackend,
    ResultStore,
    SerialBackend,
    TaskError,
    available_cpus,
    make_backend,
    make_grid,
    run_tasks,
)

GRID = make_grid(reliabilities=(0.97, 0.93), policies=("step", "leap"), replications=4)
MANIFEST = {"experiment": {"scenarios": {"tractor": "fake"}}}


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table])


def test_table_has_one_row_per_task_in_grid_order():
    report = run_tasks(GRID, fake_replication)
    table = report.table
    assert list(table["task_key"]) == [t.key for t in GRID]
    assert list(table.columns[:7]) == ["task_key", "scenario", "reliability", "policy", "policy_label",
                                       "replication", "seed"]
    assert table.columns[-1] == "wall_time_s"
    assert report.n_run == len(GRID) and report.n_resumed == 0


def test_one_and_two_worker_processes_give_identical_tables(tmp_path):
    serial = run_tasks(GRID, slow_first_replication, backend=SerialBackend(), out_dir=tmp_path / "a")
    parallel = run_tasks(GRID, slow_first_replication, backend=ProcessBackend(2), out_dir=tmp_path / "b")
    assert parallel.backend == "processes x2"
    # two processes really ran (the fake wall time is the worker's pid) ...
    assert parallel.table["wall_time_s"].nunique() == 2
    # ... yet every non-timing value is identical, in the same order
    pd.testing.assert_frame_equal(_comparable(serial.table), _comparable(parallel.table))
    on_disk = pd.read_parquet(tmp_path / "b" / "replications.parquet")
    pd.testing.assert_frame_equal(_comparable(on_disk), _comparable(serial.table))
    csv = pd.read_csv(tmp_path / "b" / "replications.csv")
    assert list(csv["task_key"]) == [t.key for t in GRID]


def test_common_random_numbers_across_policies():
    table = run_tasks(GRID, fake_replication).table
    step = table[table.policy == "step"].set_index(["reliability", "replication"])
    leap = table[table.policy == "leap"].set_index(["reliability", "replication"])
    # the fake task's policy effect is exactly 1 h of delay on the same noise
    assert (leap["mean_delay_h"] - step["mean_delay_h"]).round(12).eq(1.0).all()


def test_results_are_written_as_tasks_finish_and_a_crash_keeps_them(tmp_path):
    crash_at = GRID[5]
    with pytest.raises(TaskError, match=crash_at.key):
        run_tasks(GRID, FailOn(crash_at.key), out_dir=tmp_path, manifest=MANIFEST)
    store = ResultStore(tmp_path)
    assert store.done_keys() == {t.key for t in GRID[:5]}
    assert not list((tmp_path / "parts").glob(".*"))  # no half-written file
    assert not (tmp_path / "replications.parquet").exists()


def test_resume_after_interruption_neither_loses_nor_duplicates(tmp_path):
    uninterrupted = run_tasks(GRID, fake_replication, out_dir=tmp_path / "full", manifest=MANIFEST).table

    out = tmp_path / "resumed"
    with pytest.raises(TaskError):
        run_tasks(GRID, FailOn(GRID[6].key), out_dir=out, manifest=MANIFEST)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("*.parquet")}
    # a stray temporary file from the killed run
    (out / "parts" / f".{GRID[6].key}.123.abcd.tmp").write_bytes(b"partial")

    calls = []

    def counting(task):
        calls.append(task.key)
        return fake_replication(task)

    report = run_tasks(GRID, counting, out_dir=out, manifest=MANIFEST, resume=True)
    assert report.n_resumed == 6 and report.n_run == len(GRID) - 6
    assert sorted(calls) == sorted(t.key for t in GRID[6:])  # nothing run twice
    after = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("*.parquet")}
    assert all(after[name] == mtime for name, mtime in before.items())  # old parts untouched
    assert len(after) == len(GRID) and not list((out / "parts").glob(".*"))
    pd.testing.assert_frame_equal(_comparable(report.table), _comparable(uninterrupted))
    assert report.table["task_key"].is_unique


def test_resume_of_a_complete_run_runs_nothing(tmp_path):
    run_tasks(GRID, fake_replication, out_dir=tmp_path, manifest=MANIFEST)
    report = run_tasks(GRID, FailOn("anything"), out_dir=tmp_path, manifest=MANIFEST, resume=True)
    assert report.n_run == 0 and len(report.table) == len(GRID)


def test_without_resume_earlier_results_are_replaced(tmp_path):
    run_tasks(GRID, fake_replication, out_dir=tmp_path, manifest=MANIFEST)
    small = GRID[:2]
    report = run_tasks(small, fake_replication, out_dir=tmp_path, manifest=MANIFEST)
    assert report.n_run == 2
    assert ResultStore(tmp_path).done_keys() == {t.key for t in small}
    assert len(pd.read_csv(tmp_path / "replications.csv")) == 2


def test_resume_refuses_a_different_experiment(tmp_path):
    run_tasks(GRID[:2], fake_replication, out_dir=tmp_path, manifest=MANIFEST)
    other = {"experiment": {"scenarios": {"tractor": "changed"}}}
    with pytest.raises(InputError, match="different experiment"):
        run_tasks(GRID, fake_replication, out_dir=tmp_path, manifest=other, resume=True)
    stored = json.loads((tmp_path / "experiment.json").read_text())
    assert stored["experiment"] == MANIFEST["experiment"]


def test_resume_needs_an_output_directory():
    with pytest.raises(InputError, match="output directory"):
        run_tasks(GRID, fake_replication, resume=True)


def test_process_backend_reports_a_failing_task():
    with pytest.raises(TaskError, match=GRID[3].key):
        run_tasks(GRID, FailOn(GRID[3].key), backend=ProcessBackend(2))


def test_make_backend():
    assert isinstance(make_backend(1), SerialBackend)
    backend = make_backend(2)
    assert isinstance(backend, ProcessBackend) and backend.workers == 2
    with pytest.raises(InputError):
        make_backend(-1)


def test_dask_backend_gives_the_same_table():
    pytest.importorskip("distributed")
    from jisopt.experiments import DaskBackend

    small = GRID[:4]
    expected = run_tasks(small, fake_replication).table
    got = run_tasks(small, fake_replication, backend=DaskBackend(None, jobs=1)).table
    pd.testing.assert_frame_equal(_comparable(got), _comparable(expected))


def test_missing_dask_is_a_clear_input_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(InputError, match=r"jisopt\[dask\]"):
        make_backend(2, dask="local")


def test_every_cpu_by_default():
    backend = make_backend(0)
    assert backend.workers == available_cpus()


def test_stored_table_equals_the_in_memory_one_with_mixed_columns(tmp_path):
    grid = make_grid(reliabilities=(None, 0.9), policies=("step", ("dynamic", {"skew_h": 6.0, "swap": True})),
                     replications=2, vary={"line_freeze_h": (0.0, 24.0)})
    in_memory = run_tasks(grid, fake_replication).table
    stored = run_tasks(grid, fake_replication, out_dir=tmp_path).table
    pd.testing.assert_frame_equal(_comparable(stored), _comparable(in_memory))
    assert stored["skew_h"].isna().sum() == len(grid) // 2
    assert stored["reliability"].isna().sum() == len(grid) // 2
    assert list(stored.columns[7:10]) == ["line_freeze_h", "skew_h", "swap"]
