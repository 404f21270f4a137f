"""Per-event time of the exact model with ratio rules (run by hand).

Instances come from :func:`jisopt.generate.generate_instance` with the CSPLib prob001
option mix: the ratio rules 1:2, 2:3, 1:3, 2:5 (hard) and 1:5 (made soft, penalty 2 per
unit of excess). The default plant is the tractor case with its 1344-slot frozen zone;
``--scenario car --slots 8640`` takes the car plant instead (17 suppliers, takt 1 min).
``--events`` single-order events (one disrupted order) and ``--batches`` batches (2 or 3
disrupted orders) are generated.

Every event is solved by ``solve_exact(inst, Weights(), time_limit_s=T, diagnose=False)``
(as the exact policy decides an event in a simulation; ``--diagnose`` adds the explanation of
an infeasible model that ``jisopt solve`` gives) with the default
method (with ratio rules the ``highs`` path: arrays for highspy, the option relaxation
first); the whole call is timed, in one process, with HiGHS on one thread. Per kind the
script prints the median and 95th percentile of the wall time, the share proven optimal,
how many events the option relaxation decided alone (no completion, no whole model:
its message begins with "optimal by the option relaxation") and the model's pairs.

The baseline is the Pyomo reference (``method="pyomo"``, the same time limit), run in the
same process on the first ``--baseline`` events of each kind: its median, the ratio of
the medians on those events, and the check that wherever both paths prove optimality the
objectives agree to 1e-6 relative (and that no proven optimum lies above a plan the other
path found, nor a bound above a proven optimum). A disagreement prints a line beginning
with ``MISMATCH`` and the script exits with status 1.

Every returned plan is checked by :func:`jisopt.evaluate.evaluate` (feasible, and its
objective equals ``result.objective`` to 1e-6 relative); a failed check prints a line
beginning with ``CHECK FAILED`` and also gives exit status 1. ``--csv FILE`` writes one
row per (event, method).

Usage::

    python benchmarks/bench_milp_ratio.py                           # defaults below
    python benchmarks/bench_milp_ratio.py --events 40 --batches 20 --baseline 10 --csv ratio.csv
    python benchmarks/bench_milp_ratio.py --scenario car --slots 8640 --events 20 --batches 5 \\
        --baseline 0 --time-limit 60
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core: before numpy is imported

import argparse  # noqa: E402
import csv  # noqa: E402
import dataclasses  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jisopt.errors import InputError  # noqa: E402
from jisopt.evaluate import evaluate  # noqa: E402
from jisopt.generate import generate_instance  # noqa: E402
from jisopt.instance import Instance  # noqa: E402
from jisopt.policies.milp import SolveResult, SolveStatus, solve_exact  # noqa: E402
from jisopt.scenario import Scenario, load_scenario  # noqa: E402
from jisopt.weights import Weights  # noqa: E402

#: CSPLib prob001 option mix, ``(H, N)``; the last rule is made soft.
RATIO_RULES: tuple[tuple[int, int], ...] = ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
SOFT_PENALTY = 2.0
RELAXATION_PREFIX = "optimal by the option relaxation"
REL_TOL = 1e-6
CSV_FIELDS = ("kind", "seed", "n_disrupted", "method", "path", "status", "runtime_s", "objective",
              "bound", "pairs", "relaxed_pairs", "by_relaxation", "plan_feasible", "violations",
              "evaluated_objective", "message")


def ratio_instance(seed: int, n_slots: int, n_disrupted: int, scenario: Scenario | None) -> Instance:
    """A generated instance with the prob001 ratio rules, the last one soft.

    Parameters
    ----------
    seed
        Seed of :func:`~jisopt.generate.generate_instance`.
    n_slots
        Horizon in slots.
    n_disrupted
        Disrupted orders of the event.
    scenario
        The plant (``None``: the tractor case).

    Returns
    -------
    Instance
        The instance, its last ratio rule soft with penalty :data:`SOFT_PENALTY`.
    """
    inst = generate_instance(seed, n_slots=n_slots, scenario=scenario, ratio_rules=RATIO_RULES,
                             n_disrupted=n_disrupted)
    rules = inst.ratio_rules
    soft = dataclasses.replace(rules[-1], hard=False, penalty=SOFT_PENALTY)
    return inst.replace(ratio_rules=(*rules[:-1], soft))


def close(a: float, b: float) -> bool:
    """``a`` and ``b`` agree to :data:`REL_TOL` relative (absolute near 0)."""
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def relaxed_pairs(result: SolveResult) -> int | None:
    """Pairs of the last option relaxation solved (``None``: not run)."""
    return result.stats.get("relaxation_pairs")


@dataclasses.dataclass
class Run:
    """One solve of one event and the independent check of its plan."""

    kind: str
    seed: int
    n_disrupted: int
    method: str
    wall_s: float
    result: SolveResult
    plan_feasible: bool | None
    violations: int
    evaluated_objective: float | None
    check_ok: bool

    @property
    def by_relaxation(self) -> bool:
        """Decided by the option relaxation (or its completion) without the whole model."""
        return self.result.message.startswith(RELAXATION_PREFIX)

    @property
    def infeasible_by_relaxation(self) -> bool:
        """Proven infeasible by the option relaxation (the whole model was not built)."""
        return "the option relaxation" in self.result.message and "is infeasible" in self.result.message

    @property
    def relaxation_alone(self) -> bool:
        """Decided by the relaxation's own plan (first or tightened), no completion solved."""
        return self.by_relaxation and "completion within" not in self.result.message

    @property
    def tightened(self) -> bool:
        """A tightened relaxation was solved (its message names a tightening)."""
        return bool(self.result.stats.get("relaxation_tightenings"))

    def row(self) -> dict:
        """The CSV row."""
        r = self.result
        return {"kind": self.kind, "seed": self.seed, "n_disrupted": self.n_disrupted,
                "method": self.method, "path": r.method, "status": r.status.value,
                "runtime_s": f"{self.wall_s:.6f}", "objective": r.objective, "bound": r.bound,
                "pairs": r.stats.get("pairs"), "relaxed_pairs": relaxed_pairs(r),
                "by_relaxation": self.by_relaxation, "plan_feasible": self.plan_feasible,
                "violations": self.violations, "evaluated_objective": self.evaluated_objective,
                "message": r.message}


def solve_and_check(inst: Instance, kind: str, seed: int, method: str, time_limit_s: float,
                    weights: Weights, diagnose: bool = False) -> Run:
    """Time the whole :func:`solve_exact` call and check the plan with :func:`evaluate`."""
    t0 = time.perf_counter()
    result = solve_exact(inst, weights, method=method, time_limit_s=time_limit_s,
                         diagnose=diagnose)
    wall = time.perf_counter() - t0
    feasible, n_viol, ev_obj, ok = None, 0, None, True
    if result.plan is not None:
        ev = evaluate(inst, result.plan)
        feasible, n_viol, ev_obj = ev.feasible, len(ev.violations), ev.objective(weights)
        problems = []
        if result.status.has_solution:
            # a plan of the model: feasible, and the model's objective is the plan's
            if not ev.feasible:
                kinds = sorted({v.kind for v in ev.violations})
                problems.append(f"infeasible plan ({n_viol} violations: {', '.join(kinds)})")
            if result.objective is None or not close(ev_obj, result.objective):
                problems.append(f"objective {result.objective} but evaluate gives {ev_obj:.9g}")
        if problems:
            ok = False
            print(f"CHECK FAILED {kind} seed {seed} {method}: {'; '.join(problems)}", flush=True)
    elif result.status.has_solution:
        ok = False
        print(f"CHECK FAILED {kind} seed {seed} {method}: status {result.status.value} without a plan",
              flush=True)
    return Run(kind, seed, inst.n_disrupted, method, wall, result, feasible, n_viol, ev_obj, ok)


def compare(new: Run, ref: Run) -> list[str]:
    """Disagreements between the highs path and the Pyomo reference on one event."""
    a, b = new.result, ref.result
    out = []
    opt_a, opt_b = a.status == SolveStatus.OPTIMAL, b.status == SolveStatus.OPTIMAL
    if opt_a and opt_b and not close(a.objective, b.objective):
        out.append(f"both optimal, objectives {a.objective:.9g} (default) vs {b.objective:.9g} (pyomo)")
    # a proven optimum may not lie above a plan of the model the other path found
    if opt_a and b.status.has_solution and not opt_b and a.objective > b.objective and not close(
            a.objective, b.objective):
        out.append(f"default optimal at {a.objective:.9g} above pyomo's plan {b.objective:.9g}")
    if opt_b and a.status.has_solution and not opt_a and b.objective > a.objective and not close(
            a.objective, b.objective):
        out.append(f"pyomo optimal at {b.objective:.9g} above the default path's plan {a.objective:.9g}")
    # nor a bound above a proven optimum
    if opt_b and a.bound is not None and a.bound > b.objective and not close(a.bound, b.objective):
        out.append(f"default path's bound {a.bound:.9g} above pyomo's optimum {b.objective:.9g}")
    if opt_a and b.bound is not None and b.bound > a.objective and not close(b.bound, a.objective):
        out.append(f"pyomo's bound {b.bound:.9g} above the default path's optimum {a.objective:.9g}")
    if (a.status == SolveStatus.INFEASIBLE) != (b.status == SolveStatus.INFEASIBLE) and (
            a.status.has_solution or b.status.has_solution):
        out.append(f"statuses {a.status.value} (default) vs {b.status.value} (pyomo)")
    return out


def fmt(value: float | None) -> str:
    """An objective for the per-event lines."""
    return "-" if value is None else f"{value:.9g}"


def seconds(values: list[float]) -> str:
    """Median and 95th percentile of wall times."""
    a = np.asarray(values)
    return f"median {np.median(a):8.3f} s   p95 {np.percentile(a, 95):8.3f} s   (n={a.size})"


def run_kind(kind: str, seeds: range, n_disrupted: tuple[int, int], n_slots: int,
             scenario: Scenario | None, time_limit_s: float, n_baseline: int, weights: Weights,
             rows: list[dict], diagnose: bool = False) -> tuple[int, int]:
    """Solve and report one kind of event; returns ``(mismatches, failed checks)``."""
    rng = np.random.default_rng(12345 + seeds.start)
    runs: list[Run] = []
    refs: list[tuple[Run, Run]] = []
    mismatches = 0
    for k, seed in enumerate(seeds):
        n_dis = int(rng.integers(n_disrupted[0], n_disrupted[1] + 1))
        inst = ratio_instance(seed, n_slots, n_dis, scenario)
        run = solve_and_check(inst, kind, seed, "auto", time_limit_s, weights, diagnose)
        runs.append(run)
        rows.append(run.row())
        r = run.result
        line = (f"  {kind} seed {seed} ({n_dis} disrupted, {r.stats.get('pairs')} pairs): "
                f"{r.method} {run.wall_s:7.3f} s {r.status.value:<8} objective {fmt(r.objective)}"
                f"{'  [relaxation]' if run.by_relaxation else ''}")
        if k < n_baseline:
            ref = solve_and_check(inst, kind, seed, "pyomo", time_limit_s, weights, diagnose)
            refs.append((run, ref))
            rows.append(ref.row())
            line += (f" | pyomo {ref.wall_s:7.3f} s {ref.result.status.value:<8} objective "
                     f"{fmt(ref.result.objective)}")
            for text in compare(run, ref):
                mismatches += 1
                print(f"MISMATCH {kind} seed {seed}: {text}", flush=True)
        print(line, flush=True)

    n = len(runs)
    if not n:
        print(f"\n{kind}: none\n")
        return 0, 0
    failed = sum(not x.check_ok for x in runs) + sum(not ref.check_ok for _, ref in refs)
    optimal = sum(x.result.status == SolveStatus.OPTIMAL for x in runs)
    by_relax = sum(x.by_relaxation for x in runs)
    alone = sum(x.relaxation_alone for x in runs)
    tightened = sum(x.relaxation_alone and x.tightened for x in runs)
    infeasible = sum(x.infeasible_by_relaxation for x in runs)
    statuses = sorted({x.result.status.value for x in runs})
    pairs = [x.result.stats["pairs"] for x in runs if "pairs" in x.result.stats]
    relaxed = [p for p in (relaxed_pairs(x.result) for x in runs) if p is not None]
    viol = sum(x.violations for x in runs)
    with_plan = sum(x.result.plan is not None for x in runs)
    print(f"\n{kind}: {n} events, statuses {statuses}")
    print(f"  default path ({runs[0].result.method})  total  {seconds([x.wall_s for x in runs])}")
    print(f"  proven optimal {optimal}/{n} ({100 * optimal / n:.0f} %); optimal by the option "
          f"relaxation {by_relax}/{n} (its own plan {alone - tightened}, a tightened one's "
          f"{tightened}, after a completion {by_relax - alone}); "
          f"infeasible by the relaxation {infeasible}; not decided by it {n - by_relax - infeasible}")
    if pairs:
        print(f"  model pairs median {np.median(pairs):.0f}, max {max(pairs)}"
              + (f"; relaxation pairs median {np.median(relaxed):.0f}, max {max(relaxed)}"
                 if relaxed else ""))
    print(f"  plans checked by evaluate: {with_plan}/{n}, violations {viol}, failed checks "
          f"{sum(not x.check_ok for x in runs)}")
    if refs:
        new_t = [a.wall_s for a, _ in refs]
        ref_t = [b.wall_s for _, b in refs]
        both = sum(a.result.status == SolveStatus.OPTIMAL and b.result.status == SolveStatus.OPTIMAL
                   for a, b in refs)
        ref_opt = sum(b.result.status == SolveStatus.OPTIMAL for _, b in refs)
        ref_viol = sum(b.violations for _, b in refs)
        diff = max((abs(a.result.objective - b.result.objective) for a, b in refs
                    if a.result.status == SolveStatus.OPTIMAL and b.result.status == SolveStatus.OPTIMAL),
                   default=0.0)
        print(f"  pyomo reference     total  {seconds(ref_t)}")
        print(f"  default path on the same {len(refs)} events: {seconds(new_t)}")
        print(f"  ratio of the medians pyomo / default: {np.median(ref_t) / np.median(new_t):.1f}x; "
              f"pyomo proven optimal {ref_opt}/{len(refs)}, both optimal on {both}; largest "
              f"objective difference {diff:.6g}; pyomo plan violations {ref_viol}; mismatches "
              f"{mismatches}")
    print()
    return mismatches, failed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (1 on a mismatch or a failed check)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=20, help="single-order events (default 20)")
    p.add_argument("--batches", type=int, default=10, help="batches of 2-3 disrupted orders (default 10)")
    p.add_argument("--baseline", type=int, default=5,
                   help="how many events of each kind also go through method='pyomo' (default 5)")
    p.add_argument("--diagnose", action="store_true",
                   help="explain infeasible models (as jisopt solve does); default off, as in a "
                        "simulation")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="time_limit_s of every solve, seconds (default 60)")
    p.add_argument("--scenario", default=None, help="plant scenario, e.g. car (default: the tractor case)")
    p.add_argument("--slots", type=int, default=1344, help="horizon in slots (default 1344)")
    p.add_argument("--csv", metavar="FILE", help="write one row per (event, method)")
    args = p.parse_args(argv)
    for name in ("events", "batches", "baseline"):
        if getattr(args, name) < 0:
            p.error(f"--{name} must be >= 0 (got {getattr(args, name)})")
    if args.slots < 200:
        p.error(f"--slots must be >= 200 (got {args.slots})")
    if not (args.time_limit > 0 and np.isfinite(args.time_limit)):
        p.error(f"--time-limit must be a positive number of seconds (got {args.time_limit})")
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        p.error(f"--csv: no such directory for {args.csv!r}")
    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
    except InputError as exc:
        p.error(str(exc))
    weights = Weights()

    # imports and first calls, not timed
    warm = ratio_instance(0, 200, 1, scenario)
    solve_exact(warm, weights, time_limit_s=args.time_limit)
    if args.baseline:
        solve_exact(warm, weights, method="pyomo", time_limit_s=args.time_limit)

    plant = (f"scenario {args.scenario}: {len(scenario.suppliers)} suppliers, takt "
             f"{scenario.takt_h * 60:g} min" if scenario else "tractor case (default scenario)")
    rules = ", ".join(f"{h}:{n}" for h, n in RATIO_RULES)
    print(f"jisopt exact model with ratio rules {rules} (last soft, penalty {SOFT_PENALTY:g}); {plant}; "
          f"{args.slots} slots; time limit {args.time_limit:g} s; weights {weights}\n", flush=True)
    rows: list[dict] = []
    m1, f1 = run_kind("single-order events", range(1000, 1000 + args.events), (1, 1), args.slots,
                      scenario, args.time_limit, args.baseline, weights, rows, args.diagnose)
    m2, f2 = run_kind("batches of 2-3 orders", range(2000, 2000 + args.batches), (2, 3), args.slots,
                      scenario, args.time_limit, args.baseline, weights, rows, args.diagnose)
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {len(rows)} rows to {args.csv}")
    mismatches, failed = m1 + m2, f1 + f2
    print(f"summary: {mismatches} mismatches against the Pyomo reference, {failed} failed plan checks")
    return 1 if mismatches or failed else 0


if __name__ == "__main__":
    sys.exit(main())
