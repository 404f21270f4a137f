"""Fig. 6 of the paper: one policy's delay and reschedules across reliabilities."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import delay_and_reschedules, kpi_series, new_axes

__all__ = ["plot_reliability_sweep"]


def plot_reliability_sweep(summary: pd.DataFrame, *, policy: str = "dynamic",
                           ax: Axes | None = None) -> Axes:
    """Mean delivery delay (black, left) and reschedules per job (grey, right) against reliability.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by
        ``reliability`` and ``policy_label``.
    policy
        The policy label to show.
    ax
        Axes for the delay; the reschedules go on a twin axis.

    Returns
    -------
    matplotlib.axes.Axes
        The delay axes (the twin is ``ax.right_ax``).
    """
    ax = new_axes(ax)
    delay = kpi_series(summary, "mean_delay_h", policy_label=policy).sort_values("reliability")
    resched = kpi_series(summary, "reschedules_per_order", policy_label=policy).sort_values("reliability")
    x_delay = delay["reliability"].to_numpy(float)
    x_resched = resched["reliability"].to_numpy(float)
    span = float(max(x_delay.max(initial=0), x_resched.max(initial=0))
                 - min(x_delay.min(initial=1), x_resched.min(initial=1)))
    shift = 0.006 * span  # keep the two sets of error bars apart
    delay_and_reschedules(ax, x_delay - shift, delay, x_resched + shift, resched, loc="upper left")
    ax.set_xlabel("supply reliability $r$ (every supplier)")
    ax.invert_xaxis()
    ax.set_title(f"Performance of the {policy} strategy for different reliabilities")
    return ax
