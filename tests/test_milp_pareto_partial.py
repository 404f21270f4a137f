"""``pareto --method epsilon``: points from the weight sweep, and the partial front on interrupt."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, single_instances
from test_cli_solve_check import run

from jisopt.evaluate import evaluate
from jisopt.instance_io import read_instance
from jisopt.policies.milp import pareto as pareto_module
from jisopt.policies.milp import solve_exact
from jisopt.policies.milp.pareto import pareto_front
from jisopt.weights import Weights

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"


@settings(max_examples=6, deadline=None)
@given(inst=st.one_of(single_instances(), batch_instances()))
def test_epsilon_front_equals_one_solve_per_epsilon(inst):
    # Reference: minimise delay for every eps from the least-delay plan's reschedules down
    # to the fewest, one solve each, and keep the non-dominated points.
    base = Weights(delay=1.0, reschedules=1e-6)  # the front's weights: delay, then reschedules
    first = solve_exact(inst, base, diagnose=False, fallback=None)
    if not first.status.has_solution:
        return
    fewest = solve_exact(inst, Weights(delay=1e-6, reschedules=1.0), diagnose=False, fallback=None)
    hi = round(evaluate(inst, first.plan).terms["reschedules"])
    lo = round(evaluate(inst, fewest.plan).terms["reschedules"])
    points = []
    for eps in range(hi, lo - 1, -1):
        r = solve_exact(inst, base, diagnose=False, fallback=None, max_reschedules=eps)
        terms = evaluate(inst, r.plan).terms
        points.append((terms["reschedules"], round(terms["total_delay_h"], 6)))
    reference = sorted({p for p in points
                        if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)})
    front = pareto_front(inst, method="epsilon", max_points=200)
    got = [(r, round(d, 6)) for r, d in front.points[["reschedules", "total_delay_h"]].values.tolist()]
    assert got == reference and not front.interrupted


def interrupt_after(monkeypatch, n_calls: int) -> None:
    """Let ``n_calls`` exact solves of the front run, then raise KeyboardInterrupt."""
    calls = {"n": 0}
    real = pareto_module.solve_exact

    def solve(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n_calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pareto_module, "solve_exact", solve)


def test_interrupt_returns_the_partial_front(monkeypatch):
    # single_delay.json: the extremes are (1 reschedule, 0.5 h) and (2, 0 h), found by the
    # first two solves; the third solve is interrupted, so the front is those two points.
    inst = read_instance(INSTANCES / "single_delay.json")
    interrupt_after(monkeypatch, 2)
    front = pareto_front(inst, method="epsilon")
    assert front.interrupted and "interrupted after 2 solves: partial front" in front.message
    assert front.points[["reschedules", "total_delay_h"]].values.tolist() == [[1.0, 0.5], [2.0, 0.0]]


def test_cli_writes_the_partial_front_and_exits_non_zero(monkeypatch, capsys, tmp_path):
    csv = tmp_path / "front.csv"
    interrupt_after(monkeypatch, 2)
    code, out, _ = run(capsys, "pareto", INSTANCES / "single_delay.json", "--method", "epsilon",
                       "--out", csv, "--no-progress")
    assert code == 130
    assert "PARTIAL: interrupted" in out and "front written to" in out
    table = pd.read_csv(csv)
    assert table[table["kind"] == "front"][["reschedules", "total_delay_h"]].values.tolist() == [
        [1.0, 0.5], [2.0, 0.0]]
