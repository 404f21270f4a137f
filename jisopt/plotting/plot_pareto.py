"""The Pareto front of total delay against reschedules of one instance, with the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.axes import Axes

from jisopt.plotting._figure import new_axes

if TYPE_CHECKING:
    from jisopt.policies.milp.pareto import ParetoFront

__all__ = ["plot_pareto"]

RULE_MARKERS = {"step": "s", "leap": "^", "dynamic": "D", "ontime": "v"}


def plot_pareto(front: ParetoFront, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Front points (joined as a staircase) and the rules' plans as labelled points
    (filled if feasible, hollow if they violate a constraint).

    Parameters
    ----------
    front
        A :class:`~jisopt.policies.milp.pareto.ParetoFront`.
    ax
        Axes to draw on (default: a new figure).
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    pts = front.points
    if len(pts):
        ax.step(pts["reschedules"], pts["total_delay_h"], where="post", color="0.6", lw=1, zorder=1)
        ax.plot(pts["reschedules"], pts["total_delay_h"], "o", color="black", ms=5, zorder=2,
                label="exact model (Pareto front)")
    names_at: dict[tuple[float, float], list[str]] = {}
    for _, r in front.rules.iterrows():
        marker = RULE_MARKERS.get(r["rule"], "x")
        face = "tab:blue" if r["feasible"] else "none"
        ax.plot(r["reschedules"], r["total_delay_h"], marker, ms=8, mfc=face, mec="tab:blue", zorder=3,
                label=r["rule"] + ("" if r["feasible"] else " (infeasible)"))
        names_at.setdefault((r["reschedules"], r["total_delay_h"]), []).append(r["rule"])
    for xy, names in names_at.items():
        ax.annotate(", ".join(names), xy, textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("reschedules")
    ax.set_ylabel("total delivery delay (h)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return ax
