"""One KPI against a swept parameter, one line per policy (studies)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import errorbar, kpi_series, label, new_axes

__all__ = ["plot_kpi_sweep"]


def plot_kpi_sweep(
    summary: pd.DataFrame,
    *,
    x: str,
    kpi: str,
    policies: Sequence[str] | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean and 95% interval of ``kpi`` against the column ``x``, one line per policy.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by ``x`` and
        ``policy_label``.
    x
        The swept column, e.g. ``monitoring.point``.
    kpi
        The KPI to show.
    policies
        Policy labels (default: every one in the table, in order of appearance).
    xlabel
        Label of the horizontal axis (default: ``x``).
    ax
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    if policies is None:
        policies = list(dict.fromkeys(summary["policy_label"]))
    for i, policy in enumerate(policies):
        rows = kpi_series(summary, kpi, policy_label=policy).sort_values(x)
        errorbar(ax, rows[x].to_numpy(dtype=float), rows, marker="os^dvx"[i % 6], label=policy)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(label(kpi))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax
