"""Parameter studies beyond the paper: transparency, planning slack, skewed dynamic rule.

Each study sweeps one scenario field at one reliability for a few policies;
every point of the sweep uses the same seeds, so the curves are compared on
the same disruption streams.

- ``monitoring``: the monitoring point ``f`` from 0.1 to 1.0 (``f = 1``: an
  event is known only at the planned delivery, so nothing can be resequenced),
  with a 24 h line freeze (orders about to be assembled cannot be moved).
- ``slack``: planning with slack, one empty slot every ``g`` slots, against
  none (the empty slots absorb displacement chains; they cost capacity).
- ``skew``: the skewed dynamic rule's threshold ``θ``, which uses leap unless
  leap would finish more than ``θ`` hours late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import numpy as np
import pandas as pd

from jisopt.experiments.grid import Scalar, Task, make_grid
from jisopt.experiments.paper import MAIN_KPIS
from jisopt.experiments.report import (
    CI_NOTE,
    SHORT_LABELS,
    format_number,
    kpi_table,
    render_markdown,
    render_text,
)
from jisopt.experiments.simulation import KPI_NAMES
from jisopt.experiments.statistics import summarize

__all__ = ["STUDIES", "SUMMARY_KPIS", "Study", "StudyResults", "study_grid", "write_study_results",
           "write_summary_markdown"]


@dataclass(frozen=True)
class Study:
    """One swept scenario field.

    Attributes
    ----------
    name
        Identifier (``--study NAME``).
    title
        Heading of tables and figures.
    field
        The swept scenario field (dotted name).
    values
        Its values.
    xlabel
        Axis label of the plot.
    policies
        Policies compared at every value.
    fixed
        Scenario changes shared by every run of the study.
    plot_column
        Column on the plot's horizontal axis (a numeric stand-in for ``field``).
    """

    name: str
    title: str
    field: str
    values: tuple[Scalar, ...]
    xlabel: str
    policies: tuple[str, ...] = ("none", "step", "leap", "dynamic")
    fixed: Mapping[str, Scalar] = dataclass_field(default_factory=dict)
    plot_column: str | None = None

    @property
    def x(self) -> str:
        """The column on the horizontal axis: :attr:`plot_column`, else :attr:`field`."""
        return self.plot_column or self.field

    def label_of(self, x: float) -> str:
        """How a value of :attr:`x` is shown in tables."""
        if self.field == "planning_slack_every":
            return "none" if x == 0 else f"g={round(1.0 / x)}"
        return f"{x:g}"

    def add_plot_column(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with :attr:`plot_column` derived from :attr:`field`."""
        if self.field == "planning_slack_every":
            g = pd.to_numeric(table[self.field], errors="coerce")
            return table.assign(slack_share=np.where(g.notna(), 1.0 / g, 0.0))
        return table


STUDIES: dict[str, Study] = {
    "monitoring": Study(
        name="monitoring",
        title="Supply-chain transparency: monitoring point, 24 h line freeze",
        field="monitoring.point",
        values=tuple(round(0.1 * k, 1) for k in range(1, 11)),
        xlabel="monitoring point f (event known at production start + f · lead time)",
        fixed={"line_freeze_h": 24.0},
    ),
    "slack": Study(
        name="slack",
        title="Planning with slack: one empty slot every g slots",
        field="planning_slack_every",
        values=(None, 100, 50, 20, 10),
        xlabel="share of slots planned empty (1/g; 0: no slack)",
        plot_column="slack_share",
    ),
    "skew": Study(
        name="skew",
        title="Skewed dynamic rule: step only if leap is more than θ hours late",
        field="dynamic_skew_h",
        values=(0.0, 6.0, 12.0, 24.0, 48.0),
        xlabel="skew threshold θ (h)",
        policies=("step", "leap", "dynamic"),
    ),
}


def study_grid(study: Study, *, replications: int, seed: int = 1, reliability: float = 0.97,
               scenario: str = "tractor", overrides: Mapping[str, Scalar] | None = None,
               policies: Sequence[str] | None = None) -> list[Task]:
    """The study's grid: values × policies × replications at one reliability."""
    fixed = {**study.fixed, **(overrides or {})}
    fixed.pop(study.field, None)
    return make_grid(scenario=scenario, reliabilities=(reliability,),
                     policies=tuple(policies or study.policies), replications=replications,
                     seed=seed, overrides=fixed, vary={study.field: study.values})


SUMMARY_KPIS: tuple[str, ...] = (*MAIN_KPIS, "mean_postponement_h", "idle_takts", "throughput_per_day")
"""KPIs of a study's Markdown summary table."""


def write_summary_markdown(path: Path, title: str, header: str, table: pd.DataFrame, *,
                           figure: Path | None = None, figure_name: str = "",
                           notes: Sequence[str] = ()) -> Path:
    """A study's ``summary.md``: title, run description, the CI note, the table, notes, the figure."""
    md = [f"# {title}\n", header + "\n" if header else "", CI_NOTE, render_markdown(table)]
    md += [f"\n{note}" for note in notes]
    if figure is not None:
        md.append(f"\n![{figure_name}]({figure.name})\n")
    path.write_text("\n".join(md))
    return path


@dataclass
class StudyResults:
    """What :func:`write_study_results` produced."""

    summary: pd.DataFrame
    files: dict[str, Path]
    text: str


def _pivot(summary: pd.DataFrame, study: Study, kpi: str) -> pd.DataFrame:
    rows = summary[summary["kpi"] == kpi]
    wide = rows.pivot_table(index=study.x, columns="policy_label", values="mean", sort=True)
    policies = list(dict.fromkeys(rows["policy_label"]))
    out = pd.DataFrame({SHORT_LABELS.get(study.field, study.field): [study.label_of(v)
                                                                      for v in wide.index]})
    for p in policies:
        out[p] = [format_number(v) for v in wide[p]]
    return out


def write_study_results(table: pd.DataFrame, study: Study, out_dir: str | Path, *,
                        figures: bool = True, header: str = "") -> StudyResults:
    """Summary (CSV + Markdown), a three-panel figure and a text summary of a study."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = study.add_plot_column(table)
    by = [study.x, "policy_label"]
    summary = summarize(table, by, KPI_NAMES)
    files = {"summary_csv": out / "summary.csv", "summary_md": out / "summary.md"}
    summary.to_csv(files["summary_csv"], index=False)

    pivots = {k: _pivot(summary, study, k) for k in MAIN_KPIS}
    figure = _figure(summary, study, out) if figures else None
    if figure is not None:
        files["figure"] = figure
    write_summary_markdown(files["summary_md"], study.title, header,
                           kpi_table(summary, by, SUMMARY_KPIS), figure=figure, figure_name=study.name)
    parts = [header, study.title, "(means; CIs in summary.csv)"] if header else [study.title]
    for kpi, pivot in pivots.items():
        parts += ["", f"{SHORT_LABELS.get(kpi, kpi)}:", render_text(pivot)]
    return StudyResults(summary=summary, files=files, text="\n".join(parts))


def _figure(summary: pd.DataFrame, study: Study, out: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from jisopt.plotting import plot_kpi_sweep, save_figure

    fig = Figure(figsize=(15.0, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(MAIN_KPIS))
    for ax, kpi in zip(axes, MAIN_KPIS, strict=True):
        plot_kpi_sweep(summary, x=study.x, kpi=kpi, xlabel=study.xlabel, ax=ax)
    fig.suptitle(study.title)
    return save_figure(fig, out / f"study_{study.name}.png")
