"""Start-up of the ``jisopt`` command: a command loads only the modules it needs.

Each check runs ``jisopt.cli.main`` in a fresh interpreter and inspects
``sys.modules`` afterwards (an import-based check, independent of timings).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyarrow", "jisopt.experiments", "jisopt.sim")

_PROBE = """
import contextlib, io, json, sys
import jisopt.cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = jisopt.cli.main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "loaded": sorted(sys.modules)}))
"""


def _run(*argv: str, cwd: Path) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["loaded"])


def _heavy(loaded: set[str]) -> list[str]:
    return [name for name in HEAVY if name in loaded]


def test_import_jisopt_does_not_load_pandas(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, jisopt; print('pandas' in sys.modules)"],
                          cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("command", ["solve", "check", "generate"])
def test_help_of_light_commands_loads_no_experiment_stack(command: str, tmp_path: Path) -> None:
    code, loaded = _run(command, "--help", cwd=tmp_path)
    assert code == 0
    assert _heavy(loaded) == []


def test_solve_with_a_rule_and_check_load_no_pandas(tmp_path: Path) -> None:
    instance, plan = tmp_path / "inst.json", tmp_path / "plan.json"
    code, _ = _run("generate", "--scenario", "car", "--seed", "3", "--out", str(instance),
                   cwd=tmp_path)
    assert code == 0 and instance.exists()
    code, loaded = _run("solve", str(instance), "--policy", "dynamic", "--out", str(plan),
                        cwd=tmp_path)
    assert code in (0, 1) and plan.exists()
    assert _heavy(loaded) == []
    code, loaded = _run("check", str(instance), str(plan), cwd=tmp_path)
    assert code in (0, 1)
    assert _heavy(loaded) == []


def test_simulate_help_still_loads_its_stack(tmp_path: Path) -> None:
    # Control: the probe does see the experiment stack when a command needs it.
    code, loaded = _run("simulate", "--help", cwd=tmp_path)
    assert code == 0
    assert "jisopt.experiments" in loaded
