"""Figures without pyplot: the Agg canvas, PNG output, KPI lookup in summary tables, and
the pieces several figures share (error bars, the delay/reschedules twin axes)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
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


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Save ``fig`` as PNG (creating the directory) and return the path."""
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


def errorbar(ax: Axes, x: ArrayLike, rows: pd.DataFrame, **kwargs: Any) -> None:
    """Means with their confidence intervals as error bars (no bar where the interval is unknown)."""
    yerr = rows["half_width"].fillna(0.0).to_numpy()
    ax.errorbar(x, rows["mean"].to_numpy(), yerr=yerr, capsize=3, **kwargs)


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
    ax.right_ax = right
    return right
