"""save_figure takes what the plot functions return; labels of crowded points do not overlap."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from jisopt.plotting import new_axes, plot_delay_reschedules, save_figure
from jisopt.plotting._figure import annotate_points, interval_errors

PNG = b"\x89PNG\r\n\x1a\n"


def test_save_figure_takes_a_figure_axes_or_subfigure_axes(tmp_path):
    ax = new_axes(None)
    ax.plot([0, 1], [0, 1])
    assert save_figure(ax, tmp_path / "a" / "axes.png").read_bytes()[:8] == PNG
    assert save_figure(ax.figure, tmp_path / "figure.png").read_bytes()[:8] == PNG
    fig = Figure()
    sub_ax = fig.subfigures(1, 2)[1].add_subplot()
    assert save_figure(sub_ax, tmp_path / "sub.png").read_bytes()[:8] == PNG
    assert isinstance(fig.canvas, FigureCanvasAgg)
    with pytest.raises(TypeError, match="Figure or Axes"):
        save_figure("plot.png", tmp_path / "x.png")


def _boxes(texts, renderer):
    return [Text.get_window_extent(t, renderer) for t in texts]  # the text, without its leader


def _overlap(a, b) -> float:
    return max(min(a.x1, b.x1) - max(a.x0, b.x0), 0) * max(min(a.y1, b.y1) - max(a.y0, b.y0), 0)


def test_annotate_points_places_crowded_labels_apart_and_deterministically():
    def draw():
        ax = new_axes(None)
        points = [(1.0, 1.0), (1.02, 1.0), (1.0, 1.02), (1.03, 1.03), (2.0, 2.0), (1.01, 0.99)]
        ax.plot(*zip(*points, strict=True), "o")
        ax.set_xlim(0, 3)
        ax.set_ylim(0, 3)
        texts = annotate_points(ax, points, [f"label {k}" for k in range(len(points))])
        return ax, texts

    ax, texts = draw()
    ax.figure.canvas.draw()  # the labels' positions are final once drawn
    renderer = ax.figure.canvas.get_renderer()
    boxes = _boxes(texts, renderer)
    for a, b in itertools.combinations(boxes, 2):
        assert _overlap(a, b) == 0.0
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 for b in boxes)
    _, again = draw()
    assert [t.xyann for t in texts] == [t.xyann for t in again]


def _summary() -> pd.DataFrame:
    """Rules and weightings whose points crowd together (as in a short run)."""
    points = {"step": (8.3, 0.27), "leap": (2.4, 0.59), "dynamic": (3.3, 0.38),
              "ontime": (2.8, 0.38), "milp[w=0.01]": (0.54, 0.36), "milp[w=0.3]": (0.55, 0.36),
              "milp[w=1]": (0.27, 0.50)}
    weights = {"milp[w=0.01]": 0.01, "milp[w=0.3]": 0.3, "milp[w=1]": 1.0}
    rows = []
    for name, (x, y) in points.items():
        for kpi, mean in (("reschedules_per_order", x), ("mean_delay_h", y)):
            rows.append({"policy_label": name, "reschedule_weight": weights.get(name, np.nan),
                         "kpi": kpi, "n": 2, "mean": mean, "half_width": 2 * mean,
                         "ci_low": 0.0, "ci_high": 3 * mean, "pareto_optimal": name == "step"})
    return pd.DataFrame(rows)


def test_delay_reschedules_labels_do_not_overlap_and_bars_stop_at_zero():
    ax = plot_delay_reschedules(_summary(), ax=new_axes(None, figsize=(7.5, 5.0)))
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    texts = [t for t in ax.texts]
    assert sorted(t.get_text() for t in texts) == ["dynamic", "leap", "ontime", "step", "w=0.01, 0.3",
                                                   "w=1"]
    for a, b in itertools.combinations(_boxes(texts, renderer), 2):
        assert _overlap(a, b) == 0.0
    assert ax.get_ylim()[0] == 0.0
    # every error bar starts at its ci_low = 0 (never below): bars are cut, not symmetric
    for collection in ax.collections:
        for segment in collection.get_segments():
            assert np.min(segment) >= -1e-12


def test_interval_errors_use_the_cut_interval():
    rows = pd.DataFrame({"mean": [0.1, 2.0], "half_width": [0.43, 0.5], "ci_low": [0.0, 1.5],
                         "ci_high": [0.53, 2.5]})
    np.testing.assert_allclose(interval_errors(rows), [[0.1, 0.5], [0.43, 0.5]])
    plain = rows.drop(columns=["ci_low", "ci_high"])
    np.testing.assert_allclose(interval_errors(plain), [[0.43, 0.5], [0.43, 0.5]])
