"""Plots draw the summary they are given, on the axes they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from jisopt.plotting import (
    plot_kpi_sweep,
    plot_okay_rate,
    plot_reliability_sweep,
    plot_tradeoff,
    save_figure,
)


def _summary():
    rows = []
    for r in (0.99, 0.97, 0.95, 0.93):
        for k, policy in enumerate(("none", "step", "leap", "dynamic")):
            for kpi, mean in (("okay_rate", r**3 if policy == "none" else 1.0),
                              ("mean_delay_h", k * (1 - r) * 10), ("reschedules_per_order", 100 * (1 - r))):
                rows.append({"reliability": r, "policy_label": policy, "kpi": kpi, "n": 5, "mean": mean,
                             "half_width": 0.1 * mean if policy != "leap" else np.nan})
    return pd.DataFrame(rows)


def test_okay_rate_draws_means_and_the_serial_reference():
    ax = plot_okay_rate(_summary(), n_suppliers=3)
    data_line, reference = ax.get_lines()[0], ax.get_lines()[-1]
    np.testing.assert_allclose(sorted(data_line.get_ydata()), sorted(r**3 for r in (0.99, 0.97, 0.95, 0.93)))
    x = reference.get_xdata()
    np.testing.assert_allclose(reference.get_ydata(), x**3)
    assert ax.xaxis_inverted()


def test_tradeoff_uses_the_given_axes_and_a_twin():
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    out = plot_tradeoff(_summary(), reliability=0.97, policies=("step", "leap"), ax=ax)
    assert out is ax
    (delay,) = [c for c in ax.containers if c.get_label() == "mean delivery delay (h)"]
    np.testing.assert_allclose(delay.lines[0].get_ydata(), [0.3, 0.6])  # step 1*0.03*10, leap 2*0.03*10
    (resched,) = out.right_ax.containers
    assert resched.lines[0].get_ydata() == pytest.approx([3.0, 3.0])


def test_reliability_sweep_and_kpi_sweep(tmp_path):
    ax = plot_reliability_sweep(_summary(), policy="dynamic")
    path = save_figure(ax.figure, tmp_path / "fig6.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    ax = plot_kpi_sweep(_summary(), x="reliability", kpi="reschedules_per_order")
    assert len(ax.get_legend().get_texts()) == 4


def test_missing_data_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        plot_tradeoff(_summary(), reliability=0.5)
