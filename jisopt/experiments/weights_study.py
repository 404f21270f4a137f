"""The weights study: the simulation-level Pareto front of delay against reschedules.

At one reliability, the rules step, leap, dynamic and ontime and the exact
policy ``milp`` under a sweep of reschedule weights (delay weight 1) run on the
same disruption streams (same seed and replications). Each policy or weighting
gives one point, its mean reschedules per job and mean delivery delay; the
points no other point beats in both (:func:`non_dominated`) form the front.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jisopt.experiments.grid import Scalar, Task, make_grid
from jisopt.experiments.paper import MAIN_KPIS
from jisopt.experiments.report import kpi_table, render_text
from jisopt.experiments.simulation import KPI_NAMES
from jisopt.experiments.statistics import summarize
from jisopt.experiments.studies import SUMMARY_KPIS, StudyResults, write_summary_markdown
from jisopt.policies.ratio_rules import RATIO_RULE_NAMES
from jisopt.weights import Weights

__all__ = [
    "DEFAULT_RESCHEDULE_WEIGHTS",
    "EXACT_POLICY",
    "RULES_COMPARED",
    "TITLE",
    "mark_pareto",
    "non_dominated",
    "reschedule_weight",
    "weights_grid",
    "weights_policies",
    "write_weights_results",
]

DEFAULT_RESCHEDULE_WEIGHTS: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
"""Reschedule weights of the exact policy (the delay weight is 1)."""

RULES_COMPARED: tuple[str, ...] = ("step", "leap", "dynamic", "ontime")
"""The rules shown next to the exact policy."""

EXACT_POLICY = "milp"
"""The policy run once per weighting."""

TITLE = "Delay against reschedules: the rules and the exact policy under several weightings"

X_KPI = "reschedules_per_order"
Y_KPI = "mean_delay_h"


def weights_text(reschedules: float) -> str:
    """The weighting ``delay=1,reschedules=<w>`` (the form ``jisopt simulate --weights`` labels)."""
    return f"delay=1,reschedules={reschedules:g}"


def weights_policies(reschedule_weights: Sequence[float] = DEFAULT_RESCHEDULE_WEIGHTS,
                     rules: Sequence[str] = RULES_COMPARED) -> list[tuple[str, dict[str, Scalar]]]:
    """The rules, then the exact policy once per reschedule weight (labels
    ``milp[weights=delay=1,reschedules=0.1]``)."""
    policies: list[tuple[str, dict[str, Scalar]]] = [(rule, {}) for rule in rules]
    policies += [(EXACT_POLICY, {"weights": weights_text(w)}) for w in reschedule_weights]
    return policies


def has_hard_ratio_rules(scenario: str) -> bool:
    """Whether the scenario's options carry a hard ``H:N`` rule (the car plant does)."""
    from jisopt.scenario import load_scenario

    return any(o.rule is not None and o.hard for o in load_scenario(scenario).options)


def weights_grid(*, replications: int, seed: int = 1, reliability: float = 0.97,
                 scenario: str = "tractor", overrides: dict[str, Scalar] | None = None,
                 reschedule_weights: Sequence[float] = DEFAULT_RESCHEDULE_WEIGHTS) -> list[Task]:
    """Policies and weightings × replications at one reliability, all on the same seeds.

    On a scenario with hard ratio rules (the car plant) the study is its documented car
    variant: the ratio-aware rules join the rules, and the exact policy ignores the ratio
    rules in its model (``milp`` with ``ratio=ignore``, as in the car study), so every
    weighting stays on the fast assignment path of an 8640-slot frozen zone; its plans'
    ratio violations are measured by the simulator like every policy's.
    """
    if has_hard_ratio_rules(scenario):
        policies = [(p, {**params, "ratio": "ignore"}) if p == EXACT_POLICY else (p, params)
                    for p, params in weights_policies(reschedule_weights,
                                                      (*RULES_COMPARED, *RATIO_RULE_NAMES))]
    else:
        policies = weights_policies(reschedule_weights)
    return make_grid(scenario=scenario, reliabilities=(reliability,), policies=policies,
                     replications=replications, seed=seed, overrides=overrides)


def reschedule_weight(weights: object) -> float:
    """The reschedule weight of a ``weights`` cell (NaN for the rules, which have none)."""
    if not isinstance(weights, str) or not weights:
        return float("nan")
    return Weights.parse(weights).reschedules


def non_dominated(x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """Which points ``(x_i, y_i)`` no other point dominates, both to be minimised.

    Point ``j`` dominates ``i`` when ``x_j <= x_i`` and ``y_j <= y_i`` with at least
    one strict. Equal points do not dominate each other; points with a NaN
    coordinate are never non-dominated and dominate nothing.

    Examples
    --------
    >>> non_dominated([1.0, 2.0, 3.0, 2.5], [5.0, 3.0, 1.0, 3.5]).tolist()
    [True, True, True, False]
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    valid = np.isfinite(xs) & np.isfinite(ys)
    weakly = (xs[None, :] <= xs[:, None]) & (ys[None, :] <= ys[:, None])
    strictly = (xs[None, :] < xs[:, None]) | (ys[None, :] < ys[:, None])
    dominated = (weakly & strictly & valid[None, :]).any(axis=1)
    return valid & ~dominated


def mark_pareto(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` (tidy, grouped by ``policy_label``) with the column ``pareto_optimal``:
    whether the group's mean (reschedules per job, mean delay) is non-dominated."""
    means = summary.pivot_table(index="policy_label", columns="kpi", values="mean", sort=False)
    flags = non_dominated(means[X_KPI], means[Y_KPI])
    optimal = dict(zip(means.index, flags, strict=True))
    return summary.assign(pareto_optimal=summary["policy_label"].map(optimal).astype(bool))


def write_weights_results(table: pd.DataFrame, out_dir: str | Path, *, figures: bool = True,
                          header: str = "") -> StudyResults:
    """Summary with Pareto flags (CSV + Markdown), the delay/reschedules figure, a text summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by = ["policy_label"]
    summary = summarize(table, by, KPI_NAMES)
    weight_of = dict(zip(table["policy_label"], table.get("weights", pd.Series(index=table.index)).map(
        reschedule_weight), strict=True))
    summary.insert(1, "reschedule_weight", summary["policy_label"].map(weight_of))
    summary = mark_pareto(summary)
    files = {"summary_csv": out / "summary.csv", "summary_md": out / "summary.md"}
    summary.to_csv(files["summary_csv"], index=False)

    def flagged(kpis: Sequence[str]) -> pd.DataFrame:
        wide = kpi_table(summary, by, kpis)
        optimal = summary.drop_duplicates("policy_label").set_index("policy_label")["pareto_optimal"]
        wide.insert(1, "Pareto", ["yes" if optimal[p] else "" for p in wide.iloc[:, 0]])
        return wide

    figure = _figure(summary, out) if figures else None
    if figure is not None:
        files["figure"] = figure
    front = summary[summary["pareto_optimal"]]["policy_label"].unique()
    note = ("Pareto: no other policy or weighting has at most as many mean reschedules per job and "
            "at most as much mean delay, fewer or less in one. Non-dominated: " + ", ".join(front) + ".")
    write_summary_markdown(files["summary_md"], TITLE, header, flagged(SUMMARY_KPIS), figure=figure,
                           figure_name="weights", notes=(note,))
    parts = [header, TITLE] if header else [TITLE]
    parts += ["", "mean ± 95% CI half width; Pareto: non-dominated in (reschedules/job, delay)",
              render_text(flagged(MAIN_KPIS))]
    return StudyResults(summary=summary, files=files, text="\n".join(parts))


def _figure(summary: pd.DataFrame, out: Path) -> Path:
    from jisopt.plotting import new_axes, plot_delay_reschedules, save_figure

    ax = plot_delay_reschedules(summary, ax=new_axes(None, figsize=(7.5, 5.0)), title=TITLE)
    return save_figure(ax.figure, out / "study_weights.png")
