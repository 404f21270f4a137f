"""Pareto fronts of total delay against reschedules, and ``jisopt pareto``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batch_instances, single_instances
from test_cli_solve_check import assert_one_line_error, run

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.instance_io import read_instance
from jisopt.policies.milp import solve_exact
from jisopt.policies.milp.pareto import pareto_front

INSTANCES = Path(__file__).resolve().parents[1] / "models" / "instances"


def test_single_delay_front_by_hand():
    """single_delay.json: leap moves only order 5 (1 reschedule) and is 0.5 h late; moving
    5 to 109 and 9 to the gap at 110 is on time with 2 reschedules; nothing is on time
    with 1 reschedule, and 0 reschedules is impossible (order 5 must move)."""
    inst = read_instance(INSTANCES / "single_delay.json")
    for method in ("weights", "epsilon"):
        front = pareto_front(inst, method=method)
        assert front.points[["reschedules", "total_delay_h"]].values.tolist() == [[1.0, 0.5], [2.0, 0.0]]
        assert len(front.plans) == 2
        assert set(front.rules["rule"]) == {"step", "leap", "dynamic", "ontime"}


def dominated_by_front(point: tuple[float, float], front: pd.DataFrame) -> bool:
    resch, delay = point
    return bool(((front["reschedules"] <= resch + 1e-9) & (front["total_delay_h"] <= delay + 1e-6)).any())


@settings(max_examples=8)
@given(inst=st.one_of(single_instances(), batch_instances()))
def test_epsilon_front_dominates_every_rule_and_contains_the_weight_sweep(inst):
    if not solve_exact(inst).status.has_solution:
        return
    eps = pareto_front(inst, method="epsilon", max_points=40)
    assert not eps.message
    pts = eps.points
    for plan, (_, row) in zip(eps.plans, pts.iterrows(), strict=True):
        ev = evaluate(inst, plan)
        assert ev.feasible
        assert (ev.terms["reschedules"], ev.terms["total_delay_h"]) == pytest.approx(
            (row["reschedules"], row["total_delay_h"]))
    # Strictly better in one criterion when more of the other.
    assert pts["reschedules"].is_monotonic_increasing
    assert pts["total_delay_h"].diff().dropna().lt(0).all()
    for _, r in eps.rules[eps.rules["feasible"]].iterrows():
        assert dominated_by_front((r["reschedules"], r["total_delay_h"]), pts)
    supported = pareto_front(inst, method="weights").points
    for _, r in supported.iterrows():
        assert ((pts["reschedules"] == r["reschedules"])
                & (pts["total_delay_h"] - r["total_delay_h"]).abs().lt(1e-6)).any()


def test_bad_method():
    with pytest.raises(InputError, match="unknown method"):
        pareto_front(read_instance(INSTANCES / "single_delay.json"), method="grid")


def test_cli_writes_csv_parquet_and_png(capsys, tmp_path):
    csv, png = tmp_path / "front.csv", tmp_path / "front.png"
    code, out, err = run(capsys, "pareto", INSTANCES / "single_delay.json", "--out", csv, "--plot", png)
    assert code == 0 and err == "" and "front      2 point(s) (weights)" in out
    table = pd.read_csv(csv)
    front = table[table["kind"] == "front"]
    assert front[["reschedules", "total_delay_h"]].values.tolist() == [[1.0, 0.5], [2.0, 0.0]]
    assert set(table.loc[table["kind"] == "rule", "rule"]) == {"step", "leap", "dynamic", "ontime"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    parquet = tmp_path / "front.parquet"
    # With K = 3 the hard sunroof rule allows an on-time plan (2 reschedules) besides leap.
    code, _, err = run(capsys, "pareto", INSTANCES / "options.json", "--method", "epsilon",
                       "--max-later", "3", "--out", parquet)
    assert code == 0 and err == "" and pd.read_parquet(parquet)["kind"].eq("front").sum() == 2


def test_cli_infeasible_and_bad_input(capsys, tmp_path):
    code, out, err = run(capsys, "pareto", INSTANCES / "failure.json", "--max-later", "0")
    assert code == 3 and "front      none" in out
    code, out, err = run(capsys, "pareto", INSTANCES / "single_delay.json", "--out", tmp_path / "f.xlsx")
    assert code == 2
    assert_one_line_error(err, "pareto")
