"""Regression table of a car-plant-like line: a fixed seed gives exactly these KPIs.

The 17-supplier line of ``benchmarks/scale_scenario.py`` (lead times 6 h .. 5 days,
frozen zone 6 days, daily planning) at takt 8 min (6 days, 1 warm-up; two
replications) and 2 min (2 days, half a day warm-up; one replication), the rules none /
step / leap / dynamic / ontime / dynamic+swap, seed 7: every KPI except the policies'
decision times. The
table was written by the simulator before the speed work (instances built by copying
every order's components at every event); it was rewritten once since, when the time
resolution became half a second (one run's inversion count changed by 8: a production start
within a second of an event instant) and the per-supplier inversion KPIs were added, both
checked column by column. It must not change.

Regenerate (only when a change of results is intended and documented) with
``PYTHONPATH=. python tests/test_regression_car.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from jisopt.sim import run_replication

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from scale_scenario import scale_scenario

TABLE = Path(__file__).parent / "data" / "car17_kpis_seed7.csv"
POLICIES = ("none", "step", "leap", "dynamic", "ontime", "dynamic+swap")
RUNS = ((8.0, 6.0, 1.0, 2), (2.0, 2.0, 0.5, 1))  # takt (min), days, warm-up days, replications


def kpi_table() -> pd.DataFrame:
    """The 18 runs' KPIs, one row per run."""
    rows = []
    for takt_min, days, warmup, replications in RUNS:
        scenario = scale_scenario(takt_min, days=days, warmup_days=warmup)
        for policy in POLICIES:
            for rep in range(replications):
                result = run_replication(scenario, policy, seed=7, replication=rep)
                rows.append({"takt_min": takt_min, "policy": policy, "replication": rep,
                             **result.kpis})
    table = pd.DataFrame(rows)
    return table[[c for c in table.columns if not c.startswith("decision_time")]]


def test_car_kpis_identical_to_the_stored_table():
    stored = pd.read_csv(TABLE)
    table = kpi_table()
    assert list(table.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), stored, check_exact=True,
                                  check_dtype=False)


if __name__ == "__main__":  # pragma: no cover
    kpi_table().to_csv(TABLE, index=False, float_format="%.17g")
    print(f"wrote {TABLE}")
