"""The car study: the rules, the ratio-aware rules and the exact policy on the car plant.

Every policy runs on the car scenario (``models/car.toml``: 17 JIS suppliers, a
1-minute takt, CSPLib's ``H:N`` option rules) with the same seed and
replications, so all of them see the identical disruption streams. The study
reports what a car plant cares about besides delay and reschedules: ratio-rule
violations (hard and soft, per rule), sequence inversions per supplier and idle
takts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from jisopt.experiments.grid import Scalar, Task, make_grid
from jisopt.experiments.report import kpi_table, render_markdown, render_text
from jisopt.experiments.statistics import summarize
from jisopt.experiments.studies import StudyResults, write_summary_markdown

__all__ = [
    "CAR_FIGURE_KPIS",
    "CAR_KPIS",
    "CAR_POLICIES",
    "TITLE",
    "car_grid",
    "car_kpi_columns",
    "write_car_results",
]

TITLE = "The car plant: rules, ratio-aware rules and the exact policy on identical streams"

CAR_POLICIES: tuple[str, ...] = (
    "none", "step", "leap", "dynamic", "ontime",
    "ratio-step", "ratio-leap", "ratio-dynamic", "ratio-ontime",
)
"""The policies compared by default (the exact policy is added with ``exact=True``)."""

EXACT_POLICY: tuple[str, Mapping[str, Scalar]] = ("milp", {"ratio": "ignore"})
"""The exact policy of the study (see :func:`car_grid`)."""

CAR_KPIS: tuple[str, ...] = (
    "okay_rate", "mean_delay_h", "reschedules_per_order", "ratio_hard_per_1000",
    "ratio_soft_per_1000", "idle_takts", "inversions_per_order", "decision_time_mean_s",
)
"""The KPIs of the main table."""

CAR_FIGURE_KPIS: tuple[str, ...] = (
    "mean_delay_h", "reschedules_per_order", "ratio_hard_per_1000", "ratio_soft_per_1000",
    "idle_takts", "inversions_per_order",
)
"""The panels of the figure."""

RATIO_PREFIX, INVERSION_PREFIX, PER_ORDER = "ratio_", "inversions_", "_per_order"


def car_grid(*, replications: int, seed: int = 1, scenario: str = "car",
             overrides: Mapping[str, Scalar] | None = None, policies: Sequence[str] | None = None,
             exact: bool = False) -> list[Task]:
    """Policies × replications on the car scenario at its own reliability, on the same seeds.

    Parameters
    ----------
    replications, seed, scenario, overrides
        As in :func:`~jisopt.experiments.make_grid`.
    policies
        Policy names (default :data:`CAR_POLICIES`).
    exact
        Add the exact policy (:data:`EXACT_POLICY`).
    """
    chosen: list[str | tuple[str, Mapping[str, Scalar]]] = list(policies or CAR_POLICIES)
    if exact:
        chosen.append(EXACT_POLICY)
    return make_grid(scenario=scenario, reliabilities=(None,), policies=chosen,
                     replications=replications, seed=seed, overrides=overrides)


def car_kpi_columns(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The per-rule ratio KPIs and the per-supplier inversion KPIs present in ``table``."""
    per_rule = [c for c in table.columns if c.startswith(RATIO_PREFIX) and c.endswith("_per_1000")
                and c not in ("ratio_hard_per_1000", "ratio_soft_per_1000")]
    per_supplier = [c for c in table.columns if c.startswith(INVERSION_PREFIX) and c.endswith(PER_ORDER)
                    and c != "inversions_per_order"]
    return per_rule, per_supplier


def _with_inversions_per_order(table: pd.DataFrame) -> pd.DataFrame:
    if "inversions_per_order" in table or "inversions" not in table:
        return table
    per_order = table["inversions"] / table["assembled_orders"].where(table["assembled_orders"] > 0)
    return table.assign(inversions_per_order=per_order)


def _wide(summary: pd.DataFrame, kpis: Sequence[str], prefix: str, suffix: str) -> pd.DataFrame:
    """Policies as rows, one column per KPI, headed by the KPI's name between prefix and suffix."""
    wide = kpi_table(summary, ["policy_label"], kpis, short=False)
    return wide.rename(columns={k: k.removeprefix(prefix).removesuffix(suffix) for k in kpis})


def write_car_results(table: pd.DataFrame, out_dir: str | Path, *, figures: bool = True,
                      header: str = "") -> StudyResults:
    """Summary (CSV + Markdown), the six-panel figure and a text summary of the car study."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = _with_inversions_per_order(table)
    per_rule, per_supplier = car_kpi_columns(table)
    by = ["policy_label"]
    summary = summarize(table, by, [*CAR_KPIS, *per_rule, *per_supplier])
    files = {"summary_csv": out / "summary.csv", "summary_md": out / "summary.md"}
    summary.to_csv(files["summary_csv"], index=False)

    main = kpi_table(summary, by, CAR_KPIS)
    rules = _wide(summary, per_rule, RATIO_PREFIX, "_per_1000")
    suppliers = _wide(summary, per_supplier, INVERSION_PREFIX, PER_ORDER)
    figure = _figure(summary, out) if figures else None
    if figure is not None:
        files["figure"] = figure
    notes = [
        "Ratio violations: excess units max(0, count − H) per window of N consecutive measured "
        "slots, per 1000 measured orders, per rule:\n\n" + render_markdown(rules),
        "Sequence inversions per assembled order, per supplier (pairs of started orders whose "
        "relative order a plan changed):\n\n" + render_markdown(suppliers),
    ]
    write_summary_markdown(files["summary_md"], TITLE, header, main, figure=figure, figure_name="car",
                           notes=notes)
    parts = [header, TITLE] if header else [TITLE]
    parts += ["", "mean ± 95% CI half width", render_text(main),
              "", "ratio violations per 1000 orders, per rule:", render_text(rules),
              "", "inversions per order, per supplier:", render_text(suppliers)]
    return StudyResults(summary=summary, files=files, text="\n".join(parts))


def _figure(summary: pd.DataFrame, out: Path) -> Path:
    from jisopt.plotting import new_axes, plot_policy_bars, save_figure

    present = [k for k in CAR_FIGURE_KPIS if (summary["kpi"] == k).any()]
    fig = new_axes(None, figsize=(15.0, 8.0)).figure
    fig.clear()
    axes = fig.subplots(2, 3).ravel()
    for ax, kpi in zip(axes, present, strict=False):
        plot_policy_bars(summary, kpi=kpi, ax=ax)
    for ax in axes[len(present):]:
        ax.set_visible(False)
    fig.suptitle(TITLE)
    return save_figure(fig, out / "study_car.png")
