"""A script that runs worker processes without a ``__main__`` guard gets one clear error."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from jisopt.experiments.backends import (
    WorkerProcessError,
    broken_pool_error,
    unguarded_main_script,
)

ROOT = Path(__file__).resolve().parents[1]

BODY = """\
import sys
sys.path.insert(0, {tests!r})
from experiments_tasks import fake_replication
from jisopt.experiments import ProcessBackend, make_grid, run_tasks

def main():
    report = run_tasks(make_grid(policies=("step",), replications=2), fake_replication,
                       backend=ProcessBackend(2))
    print("rows", len(report.table))
"""


def _run(script: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=120, cwd=script.parent)


def test_missing_guard_gives_one_clear_error_and_the_guard_fixes_it(tmp_path):
    body = BODY.format(tests=str(ROOT / "tests"))
    bad = tmp_path / "no_guard.py"
    bad.write_text(body + "main()\n")
    out = _run(bad)
    assert out.returncode != 0
    # the workers' own tracebacks and a resource-tracker warning may surround it
    errors = [line for line in out.stderr.splitlines()
              if line.startswith("jisopt.experiments.backends.WorkerProcessError: ")]
    assert len(errors) == 1, out.stderr
    assert str(bad) in errors[0] and 'if __name__ == "__main__":' in errors[0]
    good = tmp_path / "guarded.py"
    good.write_text(body + 'if __name__ == "__main__":\n    main()\n')
    out = _run(good)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "rows 2"


@pytest.mark.parametrize(("source", "unguarded"), [
    ("run()\n", True),
    ("# if __name__ == '__main__':\nrun()\n", True),
    ("if __name__ == '__main__':\n    run()\n", False),
    ('def f():\n    pass\nif __name__=="__main__" :\n    f()\n', False),
])
def test_unguarded_main_script_reads_the_script(tmp_path, monkeypatch, source, unguarded):
    script = tmp_path / "script.py"
    script.write_text(source)
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert (unguarded_main_script() == script) is unguarded
    message = str(broken_pool_error(RuntimeError("pool broke")))
    assert ("has no 'if __name__" in message) is unguarded
    assert ("killed" in message) is not unguarded


def test_no_script_no_guard_claim(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert unguarded_main_script() is None
    assert isinstance(broken_pool_error(RuntimeError("x")), WorkerProcessError)
