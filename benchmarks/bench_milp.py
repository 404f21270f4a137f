"""Per-event time of the exact model on realistic instances (run by hand).

Instances come from :func:`jisopt.generate.generate_instance` with the paper's
1344-slot frozen zone (tractor case: lead times 432/288/144 h, takt 0.5 h, now at
a slot boundary, a component started iff ``slot * takt - L_m <= now``). For each
instance the script times the whole call of :func:`solve_exact` (model data,
solve, plan) on the fast path and on the Pyomo path side by side, checks that
both reach the same objective, and prints medians and 95th percentiles.

``--captured DIR`` takes the instances instead from a directory that ``jisopt simulate
--capture DIR`` filled (e.g. one 100-day replication at 97 %), so the events are the
simulator's own: every event goes through the fast path, an evenly spread subsample
(``--pyomo`` per kind) also through the Pyomo path; single-order events and batches are
reported separately. Reading the files is not part of the per-event time.

``--scenario NAME`` (e.g. ``car``: 17 suppliers, takt 1 min, an 8640-slot frozen zone) times
the fast path on ``--events`` generated events of that scenario's plant (the frozen zone as
the horizon, 1-3 disrupted orders), with the peak memory of the numpy arrays of one event
(``tracemalloc``) and of the process. ``--compare`` also runs, in the same process and on the
same events, the model without the candidate reduction (``build_data(..., reduce=False)``,
the baseline) and checks that both reach the same objective; it applies to ``--captured``
too.

``--compare-solvers`` also times the candidates for the assignment problem on
the same candidate pairs: scipy's sparse Jonker-Volgenant (the one used),
dense ``linear_sum_assignment``, a HiGHS LP from numpy arrays, and networkx
min-cost flow.

Usage::

    python benchmarks/bench_milp.py                       # defaults below
    python benchmarks/bench_milp.py --single 50 --batch 20 --pyomo 5 --compare-solvers 3
    jisopt simulate --policy dynamic --reliability 0.97 -r 1 --jobs 1 --capture captured/
    python benchmarks/bench_milp.py --captured captured/ --pyomo 20
    python benchmarks/bench_milp.py --scenario car --events 30 --compare
    jisopt simulate --scenario car --policy dynamic --days 2 --warmup-days 1 --capture car/
    python benchmarks/bench_milp.py --captured car/ --pyomo 0 --compare
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jisopt.generate import generate_instance
from jisopt.instance import Instance
from jisopt.policies.milp import build_data, solve_exact
from jisopt.policies.milp.fast import solve_assignment
from jisopt.scenario import load_scenario
from jisopt.weights import Weights

N_SLOTS = 1344


def stats_ms(values: list[float]) -> str:
    a = np.asarray(values) * 1e3
    return f"median {np.median(a):9.1f} ms   p95 {np.percentile(a, 95):9.1f} ms   (n={a.size})"


def run_events(label: str, seeds: range, n_disrupted: tuple[int, int], n_pyomo: int,
               weights: Weights) -> None:
    rng = np.random.default_rng(12345)
    fast_total, fast_data, fast_solve = [], [], []
    pyomo_total, pyomo_highs = [], []
    window, pairs, max_diff = [], [], 0.0
    for k, seed in enumerate(seeds):
        n_dis = int(rng.integers(n_disrupted[0], n_disrupted[1] + 1))
        inst = generate_instance(seed, n_slots=N_SLOTS, n_disrupted=n_dis)
        fast = solve_exact(inst, weights, method="fast")
        fast_total.append(fast.runtime_s)
        fast_data.append(fast.stats["build_s"])
        fast_solve.append(fast.stats["solve_s"])
        window.append(fast.stats["window_orders"])
        pairs.append(fast.stats["pairs"])
        if k < n_pyomo:
            exact = solve_exact(inst, weights, method="pyomo", time_limit_s=300)
            pyomo_total.append(exact.runtime_s)
            pyomo_highs.append(exact.stats["solve_s"])
            if exact.objective is not None and fast.objective is not None:
                max_diff = max(max_diff, abs(exact.objective - fast.objective))
            print(f"  {label} seed {seed}: fast {fast.runtime_s * 1e3:7.1f} ms, pyomo "
                  f"{exact.runtime_s:6.2f} s ({exact.status.value}, HiGHS {exact.stats['solve_s']:.2f} s, "
                  f"warm start {exact.warm_start_accepted}), objective {fast.objective:g} / "
                  f"{exact.objective:g}", flush=True)
    print(f"\n{label}: {len(fast_total)} events, window orders median {np.median(window):.0f}, "
          f"candidate pairs median {np.median(pairs):.0f}")
    print(f"  fast path   total  {stats_ms(fast_total)}")
    print(f"              data   {stats_ms(fast_data)}")
    print(f"              solve  {stats_ms(fast_solve)}")
    if pyomo_total:
        print(f"  pyomo path  total  {stats_ms(pyomo_total)}")
        print(f"              HiGHS  {stats_ms(pyomo_highs)}")
        print(f"  largest objective difference between the paths: {max_diff:.3g}")
    print()


def unreduced_fast(inst: Instance, weights: Weights) -> tuple[float, float, float, int, float | None]:
    """The baseline: build every candidate pair (no reduction) and solve the assignment.

    Returns ``(total_s, build_s, solve_s, pairs, objective)``.
    """
    t0 = time.perf_counter()
    data = build_data(inst, weights, reduce=False)
    t1 = time.perf_counter()
    out = solve_assignment(data)
    t2 = time.perf_counter()
    return t2 - t0, t1 - t0, t2 - t1, data.n_pairs, out.objective


def peak_array_mb(fn) -> float:
    """Peak memory (MB) that numpy and Python allocate while ``fn()`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def max_rss_mb() -> float:
    """Peak resident memory of the process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_compare(label: str, instances: list[Instance], weights: Weights, compare: bool,
                   n_memory: int = 5) -> None:
    """Fast path with the reduction; with ``compare``, the unreduced baseline on the same events."""
    red_total, red_build, red_solve, red_pairs, objectives = [], [], [], [], []
    for inst in instances:
        r = solve_exact(inst, weights, method="fast")
        red_total.append(r.runtime_s)
        red_build.append(r.stats["build_s"])
        red_solve.append(r.stats["solve_s"])
        red_pairs.append(r.stats["pairs"])
        objectives.append(r.objective)
    mem = [peak_array_mb(lambda inst=inst: solve_exact(inst, weights, method="fast"))
           for inst in instances[:n_memory]]
    rss_reduced = max_rss_mb()
    print(f"{label}: {len(instances)} events, window orders median "
          f"{np.median([i.n_orders for i in instances]):.0f} orders in the instance")
    print(f"  reduced   pairs median {np.median(red_pairs):.0f}, max {max(red_pairs)}")
    print(f"            total  {stats_ms(red_total)}")
    print(f"            build  {stats_ms(red_build)}")
    print(f"            solve  {stats_ms(red_solve)}")
    print(f"            peak array memory per event median {np.median(mem):.0f} MB, max {max(mem):.0f} MB "
          f"(first {len(mem)} events); process peak RSS so far {rss_reduced:.0f} MB")
    if not compare:
        print()
        return
    full = [unreduced_fast(inst, weights) for inst in instances]
    diff = max((abs(f[4] - o) for f, o in zip(full, objectives, strict=True)
                if f[4] is not None and o is not None), default=0.0)
    same_status = sum((f[4] is None) == (o is None) for f, o in zip(full, objectives, strict=True))
    mem_full = [peak_array_mb(lambda inst=inst: unreduced_fast(inst, weights))
                for inst in instances[:n_memory]]
    print(f"  unreduced pairs median {np.median([f[3] for f in full]):.0f}, max {max(f[3] for f in full)}")
    print(f"            total  {stats_ms([f[0] for f in full])}")
    print(f"            build  {stats_ms([f[1] for f in full])}")
    print(f"            solve  {stats_ms([f[2] for f in full])}")
    print(f"            peak array memory per event median {np.median(mem_full):.0f} MB, max "
          f"{max(mem_full):.0f} MB; process peak RSS {max_rss_mb():.0f} MB")
    print(f"  same status on {same_status}/{len(full)} events, largest objective difference {diff:.3g}")
    print(f"  speed-up of the median total: {np.median([f[0] for f in full]) / np.median(red_total):.1f}x\n")


def run_scenario(name: str, n_events: int, weights: Weights, compare: bool) -> None:
    """Generated events of a scenario's plant with its frozen zone as the horizon."""
    sc = load_scenario(name)
    n_slots = sc.frozen_zone_slots
    rng = np.random.default_rng(4321)
    instances = [generate_instance(seed, n_slots=n_slots, scenario=sc,
                                   n_disrupted=int(rng.integers(1, 4)), gap_share=0.01)
                 for seed in range(5000, 5000 + n_events)]
    # drop the ratio rules: the fast path is the model without them (milp[ratio=ignore])
    instances = [i.replace(ratio_rules=()) if i.ratio_rules else i for i in instances]
    print(f"scenario {name}: {len(sc.suppliers)} suppliers, takt {sc.takt_h * 60:g} min, "
          f"{n_slots}-slot frozen zone\n")
    report_compare(f"generated events of {name}", instances, weights, compare)


def _spread(n_total: int, n_pick: int) -> set[int]:
    """``n_pick`` positions spread evenly over ``range(n_total)``."""
    if n_pick >= n_total:
        return set(range(n_total))
    return {int(k) for k in np.linspace(0, n_total - 1, n_pick).round()}


def run_captured(directory: str, n_pyomo: int, weights: Weights, compare: bool = False) -> None:
    """Per-event time of both paths on captured simulator instances."""
    from jisopt.experiments.gaps import captured_instances

    jobs = captured_instances(directory)
    print(f"{len(jobs)} captured instances in {directory}", flush=True)
    if compare:
        loaded = [job.load() for job in jobs]
        loaded = [i.replace(ratio_rules=()) if i.ratio_rules else i for i in loaded]
        for label, batch in (("captured single-order events", False), ("captured batches", True)):
            sel = [i for i in loaded if (i.n_disrupted > 1) == batch]
            if sel:
                report_compare(label, sel, weights, compare=True)
        if n_pyomo == 0:
            return
    rows = []
    t_read = 0.0
    for job in jobs:
        t0 = time.perf_counter()
        inst = job.load()
        t_read += time.perf_counter() - t0
        fast = solve_exact(inst, weights, method="fast")
        rows.append({"job": job, "batch": inst.n_disrupted > 1, "n_disrupted": inst.n_disrupted,
                     "time_h": inst.now_h, "orders": inst.n_orders, "fast_s": fast.runtime_s,
                     "fast_build_s": fast.stats["build_s"], "fast_solve_s": fast.stats["solve_s"],
                     "window": fast.stats["window_orders"], "pairs": fast.stats["pairs"],
                     "fast_objective": fast.objective, "status": fast.status.value})
    print(f"read in {t_read:.1f} s ({t_read / len(jobs) * 1e3:.0f} ms per file, not timed below)\n")
    for label, batch in (("single-order events", False), ("batches (2+ orders)", True)):
        sel = [r for r in rows if r["batch"] == batch]
        if not sel:
            print(f"{label}: none\n")
            continue
        picked = _spread(len(sel), n_pyomo)
        pyomo_total, pyomo_highs, max_diff = [], [], 0.0
        for k, r in enumerate(sel):
            if k not in picked:
                continue
            exact = solve_exact(r["job"].load(), weights, method="pyomo", time_limit_s=300)
            pyomo_total.append(exact.runtime_s)
            pyomo_highs.append(exact.stats["solve_s"])
            if exact.objective is not None and r["fast_objective"] is not None:
                max_diff = max(max_diff, abs(exact.objective - r["fast_objective"]))
            print(f"  {r['job'].key}: fast {r['fast_s'] * 1e3:6.1f} ms, pyomo {exact.runtime_s:6.2f} s "
                  f"({exact.status.value}, HiGHS {exact.stats['solve_s']:.2f} s), objective "
                  f"{r['fast_objective']:.6g} / {exact.objective:.6g}", flush=True)
        counts = Counter(r["n_disrupted"] for r in sel)
        sizes = ", ".join(f"{counts[d]} x {d}" for d in sorted(counts))
        print(f"\n{label}: {len(sel)} events (disrupted orders: {sizes}); window orders median "
              f"{np.median([r['window'] for r in sel]):.0f}, candidate pairs median "
              f"{np.median([r['pairs'] for r in sel]):.0f}; statuses "
              f"{sorted({r['status'] for r in sel})}")
        print(f"  fast path   total  {stats_ms([r['fast_s'] for r in sel])}")
        print(f"              data   {stats_ms([r['fast_build_s'] for r in sel])}")
        print(f"              solve  {stats_ms([r['fast_solve_s'] for r in sel])}")
        if pyomo_total:
            print(f"  pyomo path  total  {stats_ms(pyomo_total)}")
            print(f"              HiGHS  {stats_ms(pyomo_highs)}")
            print(f"  largest objective difference between the paths: {max_diff:.3g}")
        print()


def compare_solvers(seeds: range, weights: Weights) -> None:
    """Time every candidate algorithm for the assignment on the same pairs."""
    import highspy
    import networkx as nx
    import scipy.sparse as sp
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    def lapjvsp(d):
        shifted = d.pair_cost - d.pair_cost.min() + 1.0
        g = sp.csr_matrix((shifted, (d.pair_order, d.pair_slot - d.window_start)),
                          shape=(d.n_window, d.n_slots))
        r, c = min_weight_full_bipartite_matching(g)
        return float(g[r, c].sum()) + (d.pair_cost.min() - 1.0) * d.n_window

    def dense(d):
        cost = np.full((d.n_window, d.n_slots), np.inf)
        cost[d.pair_order, d.pair_slot - d.window_start] = d.pair_cost
        r, c = linear_sum_assignment(cost)
        return float(cost[r, c].sum())

    def highs_lp(d):
        h = highspy.Highs()
        h.setOptionValue("threads", 1)
        h.setOptionValue("output_flag", False)
        n_pairs, n_rows = d.n_pairs, d.n_window + d.n_slots
        rows = np.concatenate([d.pair_order, d.n_window + d.pair_slot - d.window_start])
        cols = np.concatenate([np.arange(n_pairs), np.arange(n_pairs)])
        a = sp.csc_matrix((np.ones(2 * n_pairs), (rows, cols)), shape=(n_rows, n_pairs))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_pairs, n_rows
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = d.pair_cost, np.zeros(n_pairs), np.ones(n_pairs)
        lp.row_lower_ = np.concatenate([np.ones(d.n_window), np.zeros(d.n_slots)])
        lp.row_upper_ = np.ones(n_rows)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(h.modelStatusToString(h.getModelStatus()))
        return h.getInfo().objective_function_value

    def networkx_flow(d):
        g = nx.DiGraph()
        g.add_node("s", demand=-d.n_window)
        g.add_node("t", demand=d.n_window)
        g.add_edges_from((("s", ("o", k)) for k in range(d.n_window)), capacity=1, weight=0)
        g.add_edges_from(((("slot", s), "t") for s in range(d.window_start, d.end)), capacity=1, weight=0)
        for k, s, c in zip(d.pair_order.tolist(), d.pair_slot.tolist(), d.pair_cost.tolist(), strict=True):
            g.add_edge(("o", k), ("slot", s), capacity=1, weight=round(c * 1000))
        return nx.min_cost_flow_cost(g) / 1000

    candidates = {"scipy LAPJVsp (sparse)": lapjvsp, "scipy linear_sum_assignment (dense)": dense,
                  "HiGHS LP (numpy arrays)": highs_lp, "networkx min-cost flow": networkx_flow}
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for seed in seeds:
        d = build_data(generate_instance(seed, n_slots=N_SLOTS, n_disrupted=1), weights)
        values = {}
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            values[name] = fn(d)
            times[name].append(time.perf_counter() - t0)
        print(f"  seed {seed}: {d.n_window} orders x {d.n_slots} slots, {d.n_pairs} pairs; objectives "
              + ", ".join(f"{v + d.constant:g}" for v in values.values()), flush=True)
    print("\nassignment solvers on the same pairs (solve only):")
    for name, ts in times.items():
        print(f"  {name:<38} {stats_ms(ts)}")
    print()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--single", type=int, default=40, help="single-order events (default 40)")
    p.add_argument("--batch", type=int, default=20, help="events with 2-5 disrupted orders (default 20)")
    p.add_argument("--pyomo", type=int, default=3,
                   help="how many of each kind (single, batch) also go through the Pyomo path "
                        "(default 3; seconds each)")
    p.add_argument("--compare-solvers", type=int, default=0, metavar="N",
                   help="also time the assignment algorithms on N instances (networkx and the LP are slow)")
    p.add_argument("--weights", default=None, help="objective weights, e.g. delay=1,reschedules=0.2")
    p.add_argument("--captured", metavar="DIR",
                   help="time the events captured by 'jisopt simulate --capture DIR' instead")
    p.add_argument("--scenario", help="time generated events of this scenario's plant (e.g. car)")
    p.add_argument("--events", type=int, default=30, help="events for --scenario (default 30)")
    p.add_argument("--compare", action="store_true",
                   help="also run the model without the candidate reduction (the baseline)")
    args = p.parse_args(argv)
    weights = Weights.parse(args.weights)
    if args.scenario:
        solve_exact(generate_instance(0, n_slots=200, n_disrupted=1), method="fast")  # imports
        run_scenario(args.scenario, args.events, weights, args.compare)
        return
    solve_exact(generate_instance(0, n_slots=200, n_disrupted=1), method="pyomo")  # imports, first run
    if args.captured:
        print(f"jisopt exact model on captured simulator events, weights {weights}\n")
        run_captured(args.captured, args.pyomo, weights, args.compare)
        return
    print(f"jisopt exact model, {N_SLOTS}-slot frozen zone, weights {weights}\n")
    run_events("single-order events", range(1000, 1000 + args.single), (1, 1), args.pyomo, weights)
    run_events("batches of 2-5 orders", range(2000, 2000 + args.batch), (2, 5), args.pyomo, weights)
    if args.compare:
        report_compare("tractor events (reduced against unreduced)",
                       [generate_instance(seed, n_slots=N_SLOTS, n_disrupted=1 + seed % 3)
                        for seed in range(1000, 1000 + args.single)], weights, compare=True)
    if args.compare_solvers:
        compare_solvers(range(3000, 3000 + args.compare_solvers), weights)


if __name__ == "__main__":
    main()
