"""Figures of experiment summaries: one ``plot_*`` function per file, each taking an optional ``ax``.

Figures are drawn on the Agg canvas without pyplot, so plotting never changes
the user's matplotlib backend; :func:`save_figure` writes PNG.
"""

from jisopt.plotting._figure import new_axes, save_figure
from jisopt.plotting.plot_delay_reschedules import plot_delay_reschedules
from jisopt.plotting.plot_kpi_sweep import plot_kpi_sweep
from jisopt.plotting.plot_okay_rate import plot_okay_rate
from jisopt.plotting.plot_pareto import plot_pareto
from jisopt.plotting.plot_plan import plot_plan
from jisopt.plotting.plot_policy_bars import plot_policy_bars
from jisopt.plotting.plot_reliability_sweep import plot_reliability_sweep
from jisopt.plotting.plot_sequence import plot_sequence
from jisopt.plotting.plot_tradeoff import plot_tradeoff

__all__ = [
    "new_axes",
    "plot_delay_reschedules",
    "plot_kpi_sweep",
    "plot_okay_rate",
    "plot_pareto",
    "plot_plan",
    "plot_policy_bars",
    "plot_reliability_sweep",
    "plot_sequence",
    "plot_tradeoff",
    "save_figure",
]
