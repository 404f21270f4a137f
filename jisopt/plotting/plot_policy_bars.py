"""One KPI per policy as horizontal bars with their 95% intervals (studies without a sweep)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import kpi_series, label, new_axes

__all__ = ["plot_policy_bars"]


def plot_policy_bars(
    summary: pd.DataFrame,
    *,
    kpi: str,
    policies: Sequence[str] | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean of ``kpi`` per policy as a bar, its 95% interval as a whisker.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by ``policy_label``.
    kpi
        The KPI to show.
    policies
        Policy labels, top to bottom (default: every one in the table, in order).
    xlabel
        Label of the value axis (default: the KPI's label).
    ax
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    rows = kpi_series(summary, kpi).set_index("policy_label")
    if policies is None:
        policies = list(dict.fromkeys(rows.index))
    rows = rows.loc[list(policies)]
    y = np.arange(len(policies))
    mean = rows["mean"].to_numpy(dtype=float)
    low = np.nan_to_num(mean - rows["ci_low"].to_numpy(dtype=float))
    high = np.nan_to_num(rows["ci_high"].to_numpy(dtype=float) - mean)
    ax.barh(y, mean, xerr=np.vstack([low, high]), color="0.6", edgecolor="black", linewidth=0.6,
            error_kw={"elinewidth": 0.8, "capsize": 2})
    ax.set_yticks(y, labels=list(policies), fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel(xlabel or label(kpi))
    ax.grid(axis="x", alpha=0.3)
    return ax
