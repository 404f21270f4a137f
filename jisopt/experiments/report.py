"""Readable tables of experiment summaries: plain text for the terminal, Markdown for files, JSON."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = [
    "CI_NOTE",
    "SHORT_LABELS",
    "format_number",
    "json_value",
    "kpi_table",
    "render_markdown",
    "render_text",
    "summary_json",
]

SHORT_LABELS: dict[str, str] = {
    "reliability": "r",
    "policy_label": "policy",
    "okay_rate": "okay-rate",
    "mean_delay_h": "delay (h)",
    "reschedules_per_order": "resched./job",
    "mean_postponement_h": "postponement (h)",
    "idle_takts": "idle takts",
    "throughput_per_day": "jobs/day",
    "vob_length_end": "VOB at end",
    "unassembled_orders": "unassembled",
    "mean_lateness_unassembled_h": "lateness unassembled (h)",
    "stock_component_h": "stock (comp.-h)",
    "rework_count": "rework",
    "reschedules_total": "reschedules",
    "decision_time_mean_s": "decision (s)",
    "monitoring.point": "monitoring point",
    "planning_slack_every": "slack every g",
    "dynamic_skew_h": "skew θ (h)",
}
"""Column headings of the printed and Markdown tables (files keep the full names)."""

CI_NOTE = ("Means over replications ± half width of the 95% Student-t interval; where that would "
           "reach below 0 for a KPI that cannot be negative, the interval is cut at 0, written "
           "mean +above/−below.\n")
"""What the ``mean ± half width`` cells of :func:`kpi_table` are (a line of every Markdown summary)."""

_NUMERIC = re.compile(r"^[-+]?[0-9.–]")


def format_number(value: float) -> str:
    """A KPI value with a precision that suits its size (``–`` when unknown)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    a = abs(value)
    if a >= 1000:
        return f"{value:.0f}"
    if a >= 100:
        return f"{value:.1f}"
    if a >= 10:
        return f"{value:.2f}"
    if a > 1:
        return f"{value:.3f}"
    return f"{value:.4f}"


def _cell(mean: float, half_width: float, ci_low: float | None = None) -> str:
    """``mean ± half width``; ``mean +half width/−(mean − ci_low)`` for an interval cut at
    its lower bound."""
    text = format_number(mean)
    if half_width is None or not math.isfinite(half_width):
        return text
    if ci_low is not None and math.isfinite(ci_low) and ci_low > mean - half_width:
        return f"{text} +{format_number(half_width)}/−{format_number(mean - ci_low)}"
    return f"{text} ± {format_number(half_width)}"


def _group_name(value: object) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:g}"
    return "–" if value is None else str(value)


def kpi_table(summary: pd.DataFrame, by: Sequence[str], kpis: Sequence[str], *,
              short: bool = True) -> pd.DataFrame:
    """One row per group, one ``mean ± half width`` cell per KPI (strings, ready to print);
    an interval cut at its lower bound is written ``mean +above/−below``.

    Parameters
    ----------
    summary
        Output of :func:`~jisopt.experiments.summarize`.
    by
        Its grouping columns (they become the leading columns).
    kpis
        KPI columns, in order (those absent from the summary are left out).
    short
        Use the headings of :data:`SHORT_LABELS`.
    """
    by = list(by)
    present = [k for k in kpis if (summary["kpi"] == k).any()]
    rows: dict[tuple, dict[str, Any]] = {}
    for rec in summary.to_dict("records"):
        if rec["kpi"] not in present:
            continue
        key = tuple(_group_name(rec[c]) for c in by)
        row = rows.setdefault(key, {**dict(zip(by, key, strict=True)), "n": rec["n"]})
        row[rec["kpi"]] = _cell(rec["mean"], rec["half_width"], rec.get("ci_low"))
    table = pd.DataFrame(list(rows.values()), columns=[*by, "n", *present]).fillna("–")
    return table.rename(columns=SHORT_LABELS) if short else table


def render_text(table: pd.DataFrame) -> str:
    """Aligned plain-text table (numbers right-aligned)."""
    cols = list(table.columns)
    cells = [[str(c) for c in cols]] + [[str(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cols))]
    lines = []
    for n, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [
            v.rjust(w) if _NUMERIC.match(v) else v.ljust(w)
            for v, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(table: pd.DataFrame) -> str:
    """GitHub-flavoured Markdown table."""
    cols = [str(c) for c in table.columns]
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        out.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(out)


def _json_number(value: float) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def summary_json(summary: pd.DataFrame, by: Sequence[str]) -> list[dict[str, Any]]:
    """The summary as JSON-able groups.

    Each group is ``{<by columns>..., "kpis": {name: {n, mean, half_width, ci_low, ci_high}}}``.
    """
    by = list(by)
    groups: dict[tuple, dict[str, Any]] = {}
    for rec in summary.to_dict("records"):
        key = tuple(_group_name(rec[c]) for c in by)
        group = groups.setdefault(key, {**{c: json_value(rec[c]) for c in by}, "kpis": {}})
        group["kpis"][rec["kpi"]] = {
            "n": int(rec["n"]),
            **{k: _json_number(rec[k]) for k in ("mean", "half_width", "ci_low", "ci_high")},
        }
    return list(groups.values())


def json_value(value: object) -> object:
    """A table cell as a JSON value: numpy scalars as plain ones, a non-finite float as ``None``."""
    if isinstance(value, float):
        return _json_number(value)
    if hasattr(value, "item"):
        return value.item()
    return value
