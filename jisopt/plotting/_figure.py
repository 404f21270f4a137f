"""Figures without pyplot: the Agg canvas, PNG output, KPI lookup in summary tables."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

KPI_LABELS: dict[str, str] = {
    "okay_rate": "okay-rate",
    "mean_delay_h": "mean delivery delay (h)",
    "reschedules_per_order": "reschedules per job",
    "mean_postponement_h": "mean postponement (h)",
    "idle_takts": "idle takts",
    "throughput_per_day": "throughput per day",
    "stock_component_h": "stock (component-h)",
    "rework_count": "rework",
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
    return KPI_LABELS.get(kpi, kpi)


def errorbar(ax: Axes, x, rows: pd.DataFrame, **kwargs) -> None:
    """Means with their confidence intervals as error bars (no bar where the interval is unknown)."""
    yerr = rows["half_width"].fillna(0.0).to_numpy()
    ax.errorbar(x, rows["mean"].to_numpy(), yerr=yerr, capsize=3, **kwargs)
