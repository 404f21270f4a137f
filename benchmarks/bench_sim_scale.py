"""Simulator speed at car-plant scale, the tractor case, and ``none`` against numpy.

Every measurement runs in a fresh subprocess (CPU time from ``time.process_time()``,
peak memory from ``resource.getrusage``), one replication per run, seeds 1, 2, ...;
medians over ``--repeats``.

* ``scale``: the 17-supplier line of ``scale_scenario.py`` (dynamic rule, 30 days, 5
  warm-up) at takts 8, 4, 2, 1, 0.5 min, i.e. S = 1080 .. 17280 frozen-zone slots:
  CPU s per replication, µs per simulated order (orders assembled over the whole run),
  the growth exponent of the cost per order between consecutive sizes and overall,
  peak memory.
* ``tractor``: the tractor case, 100 days, dynamic at 97 %.
* ``none``: the rule ``none`` against the numpy-only computation of the same line
  (``numpy_line.py``), both in the same process, on the tractor case and at takt 8 and
  1 min; the KPIs must be identical (checked).

``--compare-with SRC`` runs the same measurements with another source tree (e.g. an
unpacked older commit: ``git archive <commit> | tar -x -C /tmp/old``) and prints the
ratio.

    python benchmarks/bench_sim_scale.py [scale|tractor|none ...] [--repeats 3]
        [--takts 8,4,2,1,0.5] [--compare-with /tmp/old]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _one(kind: str, takt_min: float, policy: str, seed: int) -> dict:
    """One replication in this process (the subprocess side)."""
    import resource
    import time

    sys.path.insert(0, str(HERE))
    from scale_scenario import FROZEN_ZONE_H, scale_scenario

    from jisopt.scenario import load_scenario
    from jisopt.sim import run_replication

    if kind == "tractor":
        scenario = load_scenario("tractor").with_reliability(0.97)
        slots = scenario.frozen_zone_slots
    else:
        scenario = scale_scenario(takt_min)
        slots = round(FROZEN_ZONE_H * 60 / takt_min)
    cpu0 = time.process_time()
    result = run_replication(scenario, policy, seed=seed)
    cpu = time.process_time() - cpu0
    out = {"cpu_s": cpu, "slots": slots, "instances": len(result.instances),
           "orders": math.floor(scenario.duration_h / scenario.takt_h) + 1}
    if policy == "none":
        from numpy_line import none_line_kpis

        cpu0 = time.process_time()
        kpis = none_line_kpis(scenario, seed)
        out["numpy_cpu_s"] = time.process_time() - cpu0
        out["identical"] = all(
            kpis[k] == v or (isinstance(v, float) and math.isnan(v) and math.isnan(kpis[k]))
            for k, v in result.kpis.items() if not k.startswith("decision_time"))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def _run(src: Path, kind: str, takt_min: float, policy: str, seed: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import bench_sim_scale as b; "
            f"print(json.dumps(b._one({kind!r}, {takt_min!r}, {policy!r}, {seed!r})))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _measure(src: Path, kind: str, takt_min: float, policy: str, repeats: int) -> dict:
    runs = [_run(src, kind, takt_min, policy, seed) for seed in range(1, repeats + 1)]
    out = {k: _median(runs, k) for k in ("cpu_s", "peak_mb", "instances", "orders", "slots")}
    if policy == "none":
        out["numpy_cpu_s"] = _median(runs, "numpy_cpu_s")
        out["identical"] = all(r["identical"] for r in runs)
    return out


def scale(args) -> None:
    print("17 suppliers, dynamic, 30 days (5 warm-up); CPU per replication, median of "
          f"{args.repeats}")
    print(f"{'takt':>6} {'S':>6} {'cpu_s':>8} {'us/order':>9} {'exponent':>8} {'peak_MB':>8} "
          f"{'instances':>9}" + (f" {'old_cpu_s':>9} {'speed-up':>8}" if args.compare_with else ""))
    rows = []
    for takt in args.takts:
        new = _measure(ROOT, "scale", takt, "dynamic", args.repeats)
        per_order = new["cpu_s"] / new["orders"] * 1e6
        exponent = (math.log(per_order / rows[-1][1]) / math.log(new["slots"] / rows[-1][0])
                    if rows else float("nan"))
        rows.append((new["slots"], per_order))
        line = (f"{takt:>6g} {new['slots']:>6} {new['cpu_s']:>8.2f} {per_order:>9.1f} "
                f"{exponent:>8.2f} {new['peak_mb']:>8.0f} {new['instances']:>9.0f}")
        if args.compare_with:
            old = _measure(args.compare_with, "scale", takt, "dynamic", 1)
            line += f" {old['cpu_s']:>9.2f} {old['cpu_s'] / new['cpu_s']:>8.1f}"
        print(line, flush=True)
    if len(rows) > 1:
        overall = math.log(rows[-1][1] / rows[0][1]) / math.log(rows[-1][0] / rows[0][0])
        print(f"cost per order grows as S^{overall:.2f} between S = {rows[0][0]} and {rows[-1][0]}")


def tractor(args) -> None:
    new = _measure(ROOT, "tractor", 0.0, "dynamic", args.repeats)
    line = (f"tractor, 100 days, dynamic at 97 %: {new['cpu_s']:.3f} s CPU per replication "
            f"(median of {args.repeats}), peak {new['peak_mb']:.0f} MB")
    if args.compare_with:
        old = _measure(args.compare_with, "tractor", 0.0, "dynamic", args.repeats)
        line += f"; before {old['cpu_s']:.3f} s: {old['cpu_s'] / new['cpu_s']:.1f}x faster"
    print(line, flush=True)


def none(args) -> None:
    print(f"rule none against the numpy-only line (same process, median of {args.repeats})")
    print(f"{'case':>10} {'sim_cpu_s':>9} {'numpy_cpu_s':>11} {'ratio':>6} {'identical':>9}"
          + (f" {'old_sim_s':>9}" if args.compare_with else ""))
    for kind, takt in (("tractor", 0.0), ("scale", 8.0), ("scale", 1.0)):
        new = _measure(ROOT, kind, takt, "none", args.repeats)
        label = "tractor" if kind == "tractor" else f"takt {takt:g}"
        line = (f"{label:>10} {new['cpu_s']:>9.3f} {new['numpy_cpu_s']:>11.3f} "
                f"{new['cpu_s'] / new['numpy_cpu_s']:>6.1f} {new['identical']!s:>9}")
        if args.compare_with:
            old = _measure(args.compare_with, kind, takt, "none", 1)
            line += f" {old['cpu_s']:>9.3f}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", default=["tractor", "none", "scale"],
                        choices=["scale", "tractor", "none"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--takts", type=lambda s: [float(x) for x in s.split(",")],
                        default=[8.0, 4.0, 2.0, 1.0, 0.5], help="takts in minutes")
    parser.add_argument("--compare-with", type=Path, default=None, metavar="SRC",
                        help="source tree of another version to run the same measurements with")
    args = parser.parse_args()
    for what in args.what:
        {"scale": scale, "tractor": tractor, "none": none}[what](args)


if __name__ == "__main__":
    main()
