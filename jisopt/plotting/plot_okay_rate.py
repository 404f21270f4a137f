"""Fig. 4 of the paper: okay-rate against supply reliability."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import errorbar, kpi_series, new_axes

__all__ = ["plot_okay_rate"]


def plot_okay_rate(
    summary: pd.DataFrame,
    *,
    policies: Sequence[str] = ("none",),
    n_suppliers: int | None = 3,
    ax: Axes | None = None,
) -> Axes:
    """Okay-rate (share of workpieces assembled complete) per reliability.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by
        ``reliability`` and ``policy_label``.
    policies
        Policy labels to draw (the paper's figure: ``none``, no resequencing).
    n_suppliers
        Draw the serial-system reference ``r ** n_suppliers`` (``Π r_m`` with
        equal reliabilities); ``None`` to leave it out.
    ax
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    rel_all = []
    for i, policy in enumerate(policies):
        rows = kpi_series(summary, "okay_rate", policy_label=policy).sort_values("reliability")
        rel = rows["reliability"].to_numpy(dtype=float)
        rel_all.extend(rel)
        name = "no resequencing" if policy == "none" else policy
        errorbar(ax, rel, rows, marker="os^dv"[i % 5], color="black" if i == 0 else None,
                 label=f"{name} (mean, 95% CI)")
    if n_suppliers and rel_all:
        r = np.linspace(min(rel_all), max(rel_all), 50)
        ax.plot(r, r**n_suppliers, linestyle="--", color="0.5",
                label=rf"serial system $\Pi_m\, r_m = r^{{{n_suppliers}}}$")
    ax.set_xlabel("supply reliability $r$ (every supplier)")
    ax.set_ylabel("okay-rate")
    ax.set_title("Okay-rate for different supply chain reliabilities")
    ax.invert_xaxis()
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax
