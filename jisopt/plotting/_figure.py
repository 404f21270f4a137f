"""Figures without pyplot: the Agg canvas, PNG output, KPI lookup in summary tables, and
the pieces several figures share (error bars, the delay/reschedules twin axes)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from numpy.typing import ArrayLike

KPI_LABELS: dict[str, str] = {
    "okay_rate": "okay-rate",
    "mean_delay_h": "mean delivery delay (h)",
    "reschedules_per_order": "reschedules per job",
    "mean_postponement_h": "mean postponement (h)",
    "idle_takts": "idle takts",
    "throughput_per_day": "throughput per day",
    "stock_component_h": "stock (component-h)",
    "rework_count": "rework",
    "ratio_hard_per_1000": "hard ratio violations per 1000 orders",
    "ratio_soft_per_1000": "soft ratio violations per 1000 orders",
    "inversions_per_order": "sequence inversions per job",
}

DELAY_COLOR = "black"
RESCHEDULES_COLOR = "0.55"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """``ax``, or the axes of a new figure drawn on the Agg canvas (no global backend change)."""
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def save_figure(fig: Figure | SubFigure | Axes, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Save a figure as PNG (creating the directory) and return the path.

    Parameters
    ----------
    fig
        The figure, or any of its axes (what the ``plot_*`` functions return), or a
        subfigure: the whole figure is saved.
    path
        The PNG file.
    dpi
        Resolution.

    Raises
    ------
    TypeError
        If ``fig`` is neither a figure nor axes of one.
    """
    target: object = fig.figure if isinstance(fig, Axes) else fig
    if isinstance(target, SubFigure):
        target = target.figure  # the figure the subfigure belongs to, which is what is saved
    if not isinstance(target, Figure):
        raise TypeError(f"save_figure needs a matplotlib Figure or Axes, got {type(fig).__name__}")
    fig = target
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def kpi_series(summary: pd.DataFrame, kpi: str, **where: object) -> pd.DataFrame:
    """Rows of a :func:`~jisopt.experiments.summarize` table for one KPI and the given column values.

    Raises
    ------
    ValueError
        If nothing matches (the figure would be empty).
    """
    mask = summary["kpi"] == kpi
    for column, value in where.items():
        mask &= summary[column] == value
    rows = summary[mask]
    if rows.empty:
        raise ValueError(f"summary has no rows for kpi={kpi!r} with {where}")
    return rows


def label(kpi: str) -> str:
    """Axis label of a KPI (its name if it has none)."""
    return KPI_LABELS.get(kpi, kpi)


def interval_errors(rows: pd.DataFrame) -> np.ndarray:
    """``(2, n)`` lengths of the error bars below and above the means: from ``ci_low`` and
    ``ci_high`` where the summary has them (an interval cut at zero is drawn as it is),
    else ``half_width`` both ways; 0 where the interval is unknown."""
    mean = rows["mean"].to_numpy(dtype=float)
    if "ci_low" in rows and "ci_high" in rows:
        below = mean - rows["ci_low"].to_numpy(dtype=float)
        above = rows["ci_high"].to_numpy(dtype=float) - mean
    else:
        below = above = rows["half_width"].to_numpy(dtype=float)
    return np.nan_to_num(np.vstack([below, above]), nan=0.0)


def errorbar(ax: Axes, x: ArrayLike, rows: pd.DataFrame, **kwargs: Any) -> None:
    """Means with their confidence intervals as error bars (no bar where the interval is unknown)."""
    ax.errorbar(x, rows["mean"].to_numpy(), yerr=interval_errors(rows), capsize=3, **kwargs)


LABEL_RADII_PT: tuple[float, ...] = (6.0, 14.0, 26.0, 40.0, 56.0)
"""Distances (points) from a point at which :func:`annotate_points` tries its label."""

# (dx, dy) directions, tried in this order at every radius: right, above-right, below-right,
# above, below, left, above-left, below-left.
_DIRECTIONS: tuple[tuple[float, float], ...] = (
    (1.0, 0.0), (0.7, 0.7), (0.7, -0.7), (0.0, 1.0), (0.0, -1.0), (-1.0, 0.0), (-0.7, 0.7),
    (-0.7, -0.7),
)


def annotate_points(ax: Axes, points: Sequence[tuple[float, float]], texts: Sequence[str], *,
                    fontsize: float = 8, marker_pt: float = 7.0) -> list[Annotation]:
    """Label data points so that no two labels overlap, deterministically.

    The figure is drawn once so that limits and layout are final. Each label in turn
    goes to the first position, by increasing distance (:data:`LABEL_RADII_PT`) and then
    in a fixed order of directions, where its box lies inside the axes and overlaps
    neither a label placed before, nor any point's marker (a square of ``2 ·
    marker_pt`` points), nor the legend; a label away from its point gets a thin
    leader line. If no position is free the one with the least overlap is taken.

    Parameters
    ----------
    ax
        Axes with the points already drawn (and the legend, if any).
    points
        Data coordinates of the points.
    texts
        One label per point.
    fontsize, marker_pt
        Font size of the labels; half the marker size in points.

    Returns
    -------
    list of matplotlib.text.Annotation
        The labels, in the order of ``points``.
    """
    fig = ax.figure.figure if isinstance(ax.figure, SubFigure) else ax.figure
    assert isinstance(fig, Figure)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0
    centers = ax.transData.transform(np.asarray(points, dtype=float).reshape(-1, 2))
    half = marker_pt * px_per_pt
    obstacles = [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in centers]
    legend = ax.get_legend()
    if legend is not None:
        obstacles.append(legend.get_window_extent(renderer))
    frame = ax.get_window_extent(renderer)
    out = []
    for (cx, cy), xy, text in zip(centers, points, texts, strict=True):
        width, height = _text_size(ax, text, fontsize, renderer)
        best: tuple[float, tuple[float, float], str, str, Bbox] | None = None
        for radius in LABEL_RADII_PT:
            for dx, dy in _DIRECTIONS:
                ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                offset = (radius * dx, radius * dy)
                anchor_x = cx + offset[0] * px_per_pt
                anchor_y = cy + offset[1] * px_per_pt
                x0 = anchor_x if dx > 0 else anchor_x - width if dx < 0 else anchor_x - width / 2
                y0 = anchor_y if dy > 0 else anchor_y - height if dy < 0 else anchor_y - height / 2
                box = Bbox.from_bounds(x0, y0, width, height)
                overlap = sum(_overlap_area(box, o) for o in obstacles)
                outside = width * height - _overlap_area(box, frame)
                cost = overlap + 4.0 * outside
                if best is None or cost < best[0]:
                    best = (cost, offset, ha, va, box)
                if cost == 0.0:
                    break
            if best is not None and best[0] == 0.0:
                break
        assert best is not None
        _, offset, ha, va, box = best
        leader = math.hypot(*offset) > LABEL_RADII_PT[0]
        note = ax.annotate(text, xy, xytext=offset, textcoords="offset points", fontsize=fontsize,
                           ha=ha, va=va,
                           arrowprops=({"arrowstyle": "-", "lw": 0.6, "color": "0.45",
                                        "shrinkA": 1, "shrinkB": 4} if leader else None))
        obstacles.append(box)
        out.append(note)
    return out


def _text_size(ax: Axes, text: str, fontsize: float, renderer: Any) -> tuple[float, float]:
    """Width and height (pixels) of ``text`` at ``fontsize``."""
    probe = ax.text(0.0, 0.0, text, fontsize=fontsize)
    box = probe.get_window_extent(renderer)
    probe.remove()
    return float(box.width), float(box.height)


def _overlap_area(a: Bbox, b: Bbox) -> float:
    """Area (pixels²) common to two boxes."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def delay_and_reschedules(ax: Axes, x_delay: ArrayLike, delay: pd.DataFrame, x_resched: ArrayLike,
                          resched: pd.DataFrame, **legend: Any) -> Axes:
    """Mean delivery delay (black, left axis) and reschedules per job (grey, a twin right
    axis) as error bars, both axes from zero, with one legend for both.

    Parameters
    ----------
    ax
        Axes for the delay.
    x_delay, delay
        Positions and summary rows (KPI ``mean_delay_h``) of the delay.
    x_resched, resched
        Positions and summary rows (KPI ``reschedules_per_order``) of the reschedules.
    **legend
        Arguments of the legend (``loc`` and so on).

    Returns
    -------
    matplotlib.axes.Axes
        The twin axes of the reschedules (also set as ``ax.right_ax``).
    """
    errorbar(ax, x_delay, delay, marker="o", color=DELAY_COLOR, label=label("mean_delay_h"))
    right = ax.twinx()
    errorbar(right, x_resched, resched, marker="s", color=RESCHEDULES_COLOR,
             label=label("reschedules_per_order"))
    for axes, kpi, color in ((ax, "mean_delay_h", DELAY_COLOR),
                             (right, "reschedules_per_order", RESCHEDULES_COLOR)):
        axes.set_ylabel(label(kpi), color=color)
        axes.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    twin_handles, twin_labels = right.get_legend_handles_labels()
    ax.legend(handles + twin_handles, labels + twin_labels, fontsize="small", **legend)
    ax.grid(alpha=0.3)
    ax.right_ax = right  # type: ignore[attr-defined]  # documented attribute of these axes
    return right
