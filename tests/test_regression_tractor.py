"""Regression table of the tractor case: a fixed seed gives exactly these KPIs.

Speed work must never change a result. The table covers every KPI (except the
policies' wall-clock decision times) of 36 runs: reliabilities 0.99 / 0.97 / 0.93, the
rules none / step / leap / dynamic / ontime / dynamic+swap, two replications each,
100 days with 30 days warm-up, seed 7.

Regenerate (only when a change of results is intended and documented) with
``PYTHONPATH=. python tests/test_regression_tractor.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jisopt.scenario import load_scenario
from jisopt.sim import run_replication

TABLE = Path(__file__).parent / "data" / "tractor_kpis_seed7.csv"
RELIABILITIES = (0.99, 0.97, 0.93)
POLICIES = ("none", "step", "leap", "dynamic", "ontime", "dynamic+swap")
UNTIMED = "decision_time"


def kpi_table() -> pd.DataFrame:
    """The 36 runs' KPIs, one row per run."""
    rows = []
    base = load_scenario("tractor")
    for r in RELIABILITIES:
        scenario = base.with_reliability(r)
        for policy in POLICIES:
            for rep in (0, 1):
                result = run_replication(scenario, policy, seed=7, replication=rep)
                rows.append({"reliability": r, "policy": policy, "replication": rep, **result.kpis})
    table = pd.DataFrame(rows)
    return table[[c for c in table.columns if not c.startswith(UNTIMED)]]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return kpi_table()


def test_tractor_kpis_identical_to_the_stored_table(table):
    stored = pd.read_csv(TABLE)
    assert list(table.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), stored, check_exact=True,
                                  check_dtype=False)


def test_supplier_inversions_add_up_to_the_total(table):
    per_supplier = table[[c for c in table.columns if c.startswith("inversions_")]].sum(axis=1)
    assert (per_supplier * table["assembled_orders"]).round(6).equals(table["inversions"].round(6))
    assert (table.loc[table.policy != "none", "inversions"] > 0).all()


if __name__ == "__main__":  # pragma: no cover
    kpi_table().to_csv(TABLE, index=False, float_format="%.17g")
    print(f"wrote {TABLE}")
