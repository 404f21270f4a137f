"""Summary statistics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jisopt.experiments import paired_differences, summarize, t_interval


def test_t_interval_by_hand():
    # x = 1..5: mean 3; s^2 = (4+1+0+1+4)/4 = 2.5, s = 1.5811;
    # t(0.975, 4) = 2.7764 (table); half width = 2.7764 * 1.5811 / sqrt(5) = 1.9632
    iv = t_interval([1, 2, 3, 4, 5])
    assert iv.n == 5 and iv.mean == 3.0
    assert iv.std == pytest.approx(1.5811, abs=1e-4)
    assert iv.half_width == pytest.approx(1.9632, abs=1e-4)
    assert (iv.low, iv.high) == pytest.approx((1.0368, 4.9632), abs=1e-4)


def test_t_interval_two_values_by_hand():
    # x = (10, 14): mean 12, s = sqrt(8) = 2.8284; t(0.975, 1) = 12.7062;
    # half width = 12.7062 * 2.8284 / sqrt(2) = 25.4124
    iv = t_interval([10.0, 14.0])
    assert iv.half_width == pytest.approx(25.4124, abs=1e-3)


def test_t_interval_other_confidence_matches_scipy():
    x = np.array([0.3, 0.9, 0.4, 0.7, 0.2, 0.8])
    low, high = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    iv = t_interval(x, confidence=0.9)
    assert (iv.low, iv.high) == pytest.approx((low, high))


def test_t_interval_degenerate_cases():
    assert math.isnan(t_interval([]).mean)
    one = t_interval([2.0, float("nan")])
    assert one.n == 1 and one.mean == 2.0 and math.isnan(one.half_width)
    same = t_interval([4.0, 4.0, 4.0])
    assert same.half_width == 0.0 and same.excludes_zero()
    assert not t_interval([0.0, 0.0]).excludes_zero()
    with pytest.raises(ValueError):
        t_interval([1, 2], confidence=95)


def _table():
    # two policies on the same three replications at two reliabilities
    return pd.DataFrame({
        "reliability": [0.97] * 6 + [0.93] * 6,
        "policy_label": ["step"] * 3 + ["leap"] * 3 + ["step"] * 3 + ["leap"] * 3,
        "seed": 1,
        "replication": [0, 1, 2] * 4,
        "mean_delay_h": [1.0, 2.0, 3.0, 5.0, 5.0, 8.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0],
        "reschedules_per_order": [20.0, 22.0, 24.0, 10.0, 11.0, 15.0] * 2,
    })


def test_summarize_by_group():
    summary = summarize(_table(), by=("reliability", "policy_label"), kpis=("mean_delay_h", "missing"))
    assert list(summary.columns) == ["reliability", "policy_label", "kpi", "n", "mean", "std",
                                     "half_width", "ci_low", "ci_high"]
    assert len(summary) == 4  # the missing KPI is skipped
    row = summary[(summary.reliability == 0.97) & (summary.policy_label == "leap")].iloc[0]
    # leap at 0.97: (5, 5, 8): mean 6, s = sqrt(((1+1+4)/2)) = sqrt(3) = 1.7321;
    # half width = t(0.975, 2) 4.3027 * 1.7321 / sqrt(3) = 4.3027
    assert row["mean"] == 6.0
    assert row["half_width"] == pytest.approx(4.3027, abs=1e-4)
    flat = summary[(summary.reliability == 0.93) & (summary.policy_label == "step")].iloc[0]
    assert flat["half_width"] == 0.0


def test_paired_differences_by_hand():
    paired = paired_differences(_table(), "leap", "step", ("mean_delay_h", "reschedules_per_order"))
    row = paired[(paired.reliability == 0.97) & (paired.kpi == "mean_delay_h")].iloc[0]
    # differences leap - step: (4, 3, 5): mean 4, s = 1, half width = 4.3027 / sqrt(3) = 2.4842
    assert row["n_pairs"] == 3
    assert (row["mean_a"], row["mean_b"], row["mean_diff"]) == (6.0, 2.0, 4.0)
    assert row["half_width"] == pytest.approx(2.4842, abs=1e-4)
    assert row["ci_low"] == pytest.approx(1.5158, abs=1e-4)
    # paired t = 4 / (1 / sqrt(3)) = 6.928 on 2 df: p = 0.0202
    assert row["p_value"] == pytest.approx(0.0202, abs=1e-4)
    res = paired[(paired.reliability == 0.97) & (paired.kpi == "reschedules_per_order")].iloc[0]
    # (10-20, 11-22, 15-24) = (-10, -11, -9): mean -10, s = 1
    assert res["mean_diff"] == -10.0 and res["ci_high"] < 0
    constant = paired[(paired.reliability == 0.93) & (paired.kpi == "mean_delay_h")].iloc[0]
    assert constant["mean_diff"] == 1.0 and constant["half_width"] == 0.0
    assert constant["p_value"] == 0.0


def test_paired_differences_match_only_shared_replications():
    table = _table()
    table = table.drop(index=[0])  # step misses replication 0 at 0.97
    paired = paired_differences(table, "leap", "step", ("mean_delay_h",), by=("reliability",))
    row = paired[paired.reliability == 0.97].iloc[0]
    # pairs (5-2, 8-3) = (3, 5)
    assert row["n_pairs"] == 2 and row["mean_diff"] == 4.0


def test_paired_differences_refuse_ambiguous_pairs():
    table = _table()
    with pytest.raises(ValueError, match="add the varying columns"):
        paired_differences(table, "leap", "step", ("mean_delay_h",), by=())
