"""Intervals that respect the support: non-negative KPIs are cut at 0, differences are not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jisopt.experiments import paired_differences, summarize, t_interval
from jisopt.experiments.report import kpi_table
from jisopt.sim.metrics import kpi_lower_bound

T_975_2DF = 4.302652729911275  # t(0.975, 2), as in test_experiments_statistics


def test_cut_interval_by_hand():
    # (0, 0, 0.3): mean 0.1; s² = (0.01 + 0.01 + 0.04) / 2 = 0.03; s/√3 = √0.01 = 0.1;
    # h = 4.3027 · 0.1 = 0.43027: plain [-0.33027, 0.53027], cut at 0: [0, 0.53027]
    iv = t_interval([0.0, 0.0, 0.3], lower_bound=0.0)
    assert iv.mean == pytest.approx(0.1)
    assert iv.half_width == pytest.approx(0.1 * T_975_2DF)
    assert (iv.low, iv.high) == (0.0, pytest.approx(0.1 + 0.1 * T_975_2DF))
    plain = t_interval([0.0, 0.0, 0.3])
    assert plain.low == pytest.approx(0.1 - 0.1 * T_975_2DF) and plain.low < 0
    assert plain.high == iv.high


@given(st.lists(st.floats(0.0, 1e6), min_size=0, max_size=8))
def test_cut_interval_is_the_t_interval_above_zero(values):
    cut, plain = t_interval(values, lower_bound=0.0), t_interval(values)
    if cut.n >= 2:
        assert cut.low >= 0.0
        assert cut.low == max(plain.low, 0.0)
        assert cut.high == plain.high and cut.half_width == plain.half_width
        assert cut.low <= cut.mean <= cut.high


def test_an_observation_below_the_bound_is_an_error():
    with pytest.raises(ValueError, match="below the lower bound"):
        t_interval([1.0, -0.5], lower_bound=0.0)


def test_built_in_kpis_are_non_negative_and_other_names_are_not():
    for name in ("mean_delay_h", "okay_rate", "idle_takts", "inversions_drive_per_order",
                 "ratio_hard_per_1000", "ratio_opt_2_per_1000"):
        assert kpi_lower_bound(name) == 0.0, name
    for name in ("my_margin", "inversions_drive", "mean_delay_h_change"):
        assert kpi_lower_bound(name) == -math.inf, name


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "policy_label": ["step"] * 3 + ["leap"] * 3,
        "reliability": 0.97, "seed": 1, "replication": [0, 1, 2] * 2,
        "mean_delay_h": [0.0, 0.0, 0.3, 0.5, 0.1, 0.3],
        "margin": [0.0, 0.0, 0.3, 0.5, 0.1, 0.3],  # a user KPI that may be negative
    })


def test_summary_cuts_built_in_kpis_only_and_the_table_says_so():
    summary = summarize(_table(), ["policy_label"], ["mean_delay_h", "margin"])
    step = summary[summary.policy_label == "step"].set_index("kpi")
    assert step.loc["mean_delay_h", "ci_low"] == 0.0
    assert step.loc["margin", "ci_low"] == pytest.approx(0.1 - 0.1 * T_975_2DF)
    assert step.loc["mean_delay_h", "half_width"] == step.loc["margin", "half_width"]
    bounded = summarize(_table(), ["policy_label"], ["margin"], lower_bounds={"margin": 0.0})
    assert bounded.loc[bounded.policy_label == "step", "ci_low"].item() == 0.0
    cells = kpi_table(summary, ["policy_label"], ["mean_delay_h", "margin"], short=False)
    # 0.1 + 0.4303 above, 0.1 below (down to 0); the unbounded user KPI keeps ±
    assert cells.loc[0, "mean_delay_h"] == "0.1000 +0.4303/−0.1000"
    assert cells.loc[0, "margin"] == "0.1000 ± 0.4303"
    # leap (0.5, 0.1, 0.3): mean 0.3, s = 0.2, h = 4.3027 · 0.2 / √3 = 0.4968 > 0.3: cut too
    assert cells.loc[1, "mean_delay_h"] == "0.3000 +0.4968/−0.3000"


def test_paired_differences_keep_the_plain_interval():
    # step - leap: (-0.5, -0.1, 0): mean -0.2, s = √((0.09 + 0.01 + 0.04) / 2) = √0.07
    paired = paired_differences(_table(), "step", "leap", ["mean_delay_h"])
    row = paired.iloc[0]
    s = math.sqrt(0.07)
    assert row["mean_diff"] == pytest.approx(-0.2)
    assert row["ci_low"] == pytest.approx(-0.2 - T_975_2DF * s / math.sqrt(3))
    assert row["ci_high"] == pytest.approx(-0.2 + T_975_2DF * s / math.sqrt(3))
    assert np.isfinite(row["p_value"])
