"""Every script of the examples gallery runs (quick sizes) and prints what it claims."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jisopt.cli import main
from jisopt.evaluate import evaluate
from jisopt.generate import generate_instance
from jisopt.policies import make_policy

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str, out: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(EXAMPLES / name), "--quick", "--out", str(out)],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_custom_policy(tmp_path: Path) -> None:
    out = run_example("custom_policy.py", tmp_path / "out")
    assert "gap-first - dynamic (paired, same streams)" in out
    assert (tmp_path / "out" / "custom_policy.png").stat().st_size > 0
    assert "gap-first" in (tmp_path / "out" / "summary.csv").read_text()


def test_weights_and_pareto(tmp_path: Path) -> None:
    out = run_example("weights_and_pareto.py", tmp_path / "out")
    assert "Pareto" in out and "front:" in out
    assert (tmp_path / "out" / "front.png").stat().st_size > 0


def test_exact_with_ratio_rules(tmp_path: Path) -> None:
    out = run_example("exact_with_ratio_rules.py", tmp_path / "out")
    assert "best feasible rule plan" in out and out.rstrip().endswith("holds")


def test_dask_sweep(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out = run_example("dask_sweep.py", tmp_path / "out")
    assert "on processes: yes" in out


def _gap_first():
    spec = importlib.util.spec_from_file_location("custom_policy", EXAMPLES / "custom_policy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.GapFirst()


@pytest.mark.parametrize("seed", range(12))
def test_the_custom_policy_plans_are_feasible_and_reinsert_into_gaps(seed: int) -> None:
    instance = generate_instance(seed=seed, n_slots=300, n_disrupted=1 + seed % 3, gap_share=0.05)
    policy = _gap_first()
    plan = policy(instance)
    assert evaluate(instance, plan).feasible
    # never more reschedules than the dynamic rule: a gap target moves no other order
    moved = len(plan.moved_rows(instance))
    assert moved <= len(make_policy("dynamic")(instance).moved_rows(instance))


def test_the_custom_policy_as_a_cli_plugin(tmp_path: Path, capsys) -> None:
    label = f"{EXAMPLES / 'custom_policy.py'}:GapFirst"
    assert main(["simulate", "--policy", f"{label},dynamic", "--days", "8", "--warmup-days", "2",
                 "-r", "1", "--jobs", "1", "--out", str(tmp_path / "sim")]) == 0
    assert "GapFirst" in capsys.readouterr().out
