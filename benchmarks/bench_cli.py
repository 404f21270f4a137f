"""Wall time of whole ``jisopt`` commands (start-up included), medians over repeats.

Usage: ``python benchmarks/bench_cli.py [REPO ...]`` times each repository's
``jisopt`` (default: this one) on the same generated instance, so an old
checkout and a new one are compared in one process. Timings are noisy on a
shared machine; compare medians only.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 5


def _wall_s(repo: Path, argv: list[str]) -> float:
    """Median wall time in seconds of ``python -m jisopt argv`` run from ``repo``."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jisopt", *argv], cwd=repo, env={"PYTHONPATH": str(repo)},
                       capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repos: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        instance, plan = Path(folder, "big.json"), Path(folder, "plan.json")
        subprocess.run([sys.executable, "-m", "jisopt", "generate", "--scenario", "car", "--seed", "1",
                        "--out", str(instance)], cwd=repos[0], env={"PYTHONPATH": str(repos[0])}, check=True)
        commands = {
            "--help": ["--help"],
            "solve --policy dynamic": ["solve", str(instance), "--policy", "dynamic", "--out", str(plan)],
            "check": ["check", str(instance), str(plan)],
        }
        for repo in repos:
            for label, argv in commands.items():
                print(f"{repo}\t{label}\t{_wall_s(repo, argv):.3f} s (median of {REPEATS})")


if __name__ == "__main__":
    main([Path(p).resolve() for p in sys.argv[1:]] or [Path(__file__).resolve().parents[1]])
