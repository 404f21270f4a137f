"""Mean delivery delay against reschedules per job: the exact policy under several weightings
(a line of points) and the rules (labelled markers), each with 95% error bars both ways."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jisopt.plotting._figure import annotate_points, interval_errors, kpi_series, label, new_axes
from jisopt.plotting.plot_pareto import RULE_MARKERS

__all__ = ["plot_delay_reschedules"]

X_KPI = "reschedules_per_order"
Y_KPI = "mean_delay_h"


def _points(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per policy label: x/y means, error bar lengths below and above (``x_lo``,
    ``x_hi``, ``y_lo``, ``y_hi``), weight and Pareto flag."""
    x = kpi_series(summary, X_KPI).set_index("policy_label")
    y = kpi_series(summary, Y_KPI).set_index("policy_label")
    x_err, y_err = interval_errors(x), interval_errors(y)
    pts = pd.DataFrame({"x": x["mean"], "x_lo": x_err[0], "x_hi": x_err[1],
                        "y": y["mean"], "y_lo": y_err[0], "y_hi": y_err[1]})
    pts["weight"] = x.get("reschedule_weight", math.nan)
    pts["pareto"] = x["pareto_optimal"].astype(bool) if "pareto_optimal" in x else False
    pts["policy"] = [p.split("[")[0] for p in pts.index]
    return pts


def plot_delay_reschedules(summary: pd.DataFrame, *, ax: Axes | None = None,
                           title: str | None = None) -> Axes:
    """Mean delay (h) against reschedules per job, one point per policy or weighting.

    Points with a reschedule weight (the exact policy) are joined in order of
    the weight and annotated ``w=<weight>``; the others (the rules) are
    labelled markers. Labels are placed so that they do not overlap
    (:func:`~jisopt.plotting._figure.annotate_points`: the nearest free position,
    with a leader line when it is away from the point). Pareto-optimal points
    (column ``pareto_optimal``) get a red ring.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize` grouped by
        ``policy_label`` with KPIs ``reschedules_per_order`` and ``mean_delay_h``;
        optional columns ``reschedule_weight`` (NaN for the rules) and
        ``pareto_optimal``.
    ax
        Axes to draw on (default: a new figure).
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    pts = _points(summary)
    weighted = pts[pts["weight"].notna()].sort_values("weight")
    rules = pts[pts["weight"].isna()]
    labels: list[tuple[tuple[float, float], str]] = []
    if len(weighted):
        ax.errorbar(weighted["x"], weighted["y"], xerr=_errors(weighted, "x"),
                    yerr=_errors(weighted, "y"), marker="o", color="black", capsize=3, lw=1,
                    zorder=2, label="exact model (delay weight 1, reschedule weight w)")
        # weightings whose points lie within 3 % of the axis spans share one annotation
        span_x = max(float(pts["x"].max() - pts["x"].min()), 1e-9)
        span_y = max(float(pts["y"].max() - pts["y"].min()), 1e-9)
        groups: list[tuple[tuple[float, float], list[str]]] = []
        for _, r in weighted.iterrows():
            for (gx, gy), weights in groups:
                if abs(r["x"] - gx) < 0.03 * span_x and abs(r["y"] - gy) < 0.03 * span_y:
                    weights.append(f"{r['weight']:g}")
                    break
            else:
                groups.append(((r["x"], r["y"]), [f"{r['weight']:g}"]))
        labels += [(xy, "w=" + ", ".join(weights)) for xy, weights in groups]
    for name, r in rules.iterrows():
        ax.errorbar([r["x"]], [r["y"]], xerr=[[r["x_lo"]], [r["x_hi"]]],
                    yerr=[[r["y_lo"]], [r["y_hi"]]], marker=RULE_MARKERS.get(r["policy"], "x"),
                    ms=8, ls="none", capsize=3, zorder=3, label=str(name))
        labels.append(((r["x"], r["y"]), str(name)))
    front = pts[pts["pareto"]]
    if len(front):
        ax.plot(front["x"], front["y"], "o", ms=13, mfc="none", mec="tab:red", zorder=4,
                label="Pareto-optimal (means)")
    ax.set_xlabel(label(X_KPI))
    ax.set_ylabel(label(Y_KPI))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title, fontsize="medium")
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.grid(alpha=0.3)
    annotate_points(ax, [xy for xy, _ in labels], [text for _, text in labels])
    return ax


def _errors(pts: pd.DataFrame, axis: str) -> np.ndarray:
    """``(2, n)`` error bar lengths below and above of one axis."""
    return np.vstack([pts[f"{axis}_lo"].to_numpy(), pts[f"{axis}_hi"].to_numpy()])
