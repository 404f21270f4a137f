"""Fig. 5 of the paper: delay against reschedules of several policies at one reliability."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import delay_and_reschedules, kpi_series, new_axes

__all__ = ["plot_tradeoff"]


def plot_tradeoff(
    summary: pd.DataFrame,
    *,
    reliability: float = 0.97,
    policies: Sequence[str] = ("step", "leap"),
    ax: Axes | None = None,
) -> Axes:
    """Mean delivery delay (black, left axis) and reschedules per job (grey, right axis) per policy.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by
        ``reliability`` and ``policy_label``.
    reliability
        The reliability to show.
    policies
        Policy labels along the horizontal axis.
    ax
        Axes for the delay; the reschedules go on a twin axis.

    Returns
    -------
    matplotlib.axes.Axes
        The delay axes (the twin is ``ax.right_ax``).
    """
    ax = new_axes(ax)
    x = np.arange(len(policies))
    delay = pd.concat([kpi_series(summary, "mean_delay_h", reliability=reliability, policy_label=p)
                       for p in policies])
    resched = pd.concat([kpi_series(summary, "reschedules_per_order", reliability=reliability,
                                    policy_label=p) for p in policies])
    delay_and_reschedules(ax, x - 0.03, delay, x + 0.03, resched, loc="upper center",
                          bbox_to_anchor=(0.5, -0.08), ncols=2, frameon=False)
    ax.set_xticks(x, list(policies))
    ax.set_xlim(-0.5, len(policies) - 0.5)
    ax.set_title(f"Optimality and stability at {reliability:.0%} reliability")
    return ax
