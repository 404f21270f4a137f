"""The paper's experiment (section 4, Figs. 4-6): grid, claims, tables and figures.

Reliabilities 0.99/0.97/0.95/0.93 (every supplier) × policies none/step/leap/
dynamic × R replications on the tractor case. Every policy of one replication
sees the same disruption stream, so the policies are compared by paired
differences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from jisopt.experiments.grid import Scalar, Task, make_grid
from jisopt.experiments.report import CI_NOTE, format_number, kpi_table, render_markdown, render_text
from jisopt.experiments.simulation import KPI_NAMES
from jisopt.experiments.statistics import paired_differences, summarize

__all__ = [
    "MAIN_KPIS",
    "PAPER_CLAIMS",
    "PAPER_POLICIES",
    "PAPER_REFERENCE",
    "PAPER_RELIABILITIES",
    "TABLE_KPIS",
    "Claim",
    "check_claims",
    "paper_grid",
    "paper_reference",
    "write_paper_results",
]

PAPER_RELIABILITIES: tuple[float, ...] = (0.99, 0.97, 0.95, 0.93)
PAPER_POLICIES: tuple[str, ...] = ("none", "step", "leap", "dynamic")
MAIN_KPIS: tuple[str, ...] = ("okay_rate", "mean_delay_h", "reschedules_per_order")
"""The paper's three indicators: okay-rate, delivery delay per job, reschedules per job."""
TABLE_KPIS: tuple[str, ...] = (*MAIN_KPIS, "mean_postponement_h", "idle_takts", "throughput_per_day",
                               "vob_length_end", "unassembled_orders", "swaps")
"""KPIs of the Markdown summary (the CSV holds every KPI)."""
BY: tuple[str, ...] = ("reliability", "policy_label")


@dataclass(frozen=True)
class Claim:
    """A pairwise statement of the paper: ``a`` ``relation`` ``b`` on ``kpi`` (at one reliability).

    ``<`` holds when the paired 95% interval of ``a - b`` lies below zero;
    ``<=`` holds when ``a`` is not significantly greater than ``b`` (the
    interval's lower end is at most zero).
    """

    kpi: str
    a: str
    b: str
    relation: Literal["<", "<="]

    def verdict(self, ci_low: float, ci_high: float, mean_diff: float) -> str:
        """``holds``, ``not significant``, ``fails`` or ``no data``, from the paired interval of ``a - b``."""
        if not math.isfinite(mean_diff):
            return "no data"
        if self.relation == "<":
            if ci_high < 0:
                return "holds"
            return "not significant" if mean_diff < 0 else "fails"
        return "holds" if not ci_low > 0 else "fails"

    def __str__(self) -> str:
        rel = "<" if self.relation == "<" else "≤"
        return f"{self.kpi}: {self.a} {rel} {self.b}"


PAPER_CLAIMS: tuple[Claim, ...] = (
    Claim("reschedules_per_order", "leap", "dynamic", "<"),
    Claim("reschedules_per_order", "dynamic", "step", "<"),
    Claim("mean_delay_h", "step", "dynamic", "<="),
    Claim("mean_delay_h", "dynamic", "leap", "<"),
)
"""At 97%: reschedules leap < dynamic < step; delay step ≤ dynamic < leap."""


def paper_grid(
    *,
    replications: int = 30,
    seed: int = 1,
    scenario: str = "tractor",
    reliabilities: Sequence[float] = PAPER_RELIABILITIES,
    policies: Sequence[str] = PAPER_POLICIES,
    overrides: Mapping[str, Scalar] | None = None,
) -> list[Task]:
    """The paper's grid: reliabilities × policies × replications."""
    return make_grid(scenario=scenario, reliabilities=reliabilities, policies=policies,
                     replications=replications, seed=seed, overrides=overrides)


def check_claims(table: pd.DataFrame, reliability: float = 0.97,
                 claims: Sequence[Claim] = PAPER_CLAIMS) -> pd.DataFrame:
    """Paired comparisons of :data:`PAPER_CLAIMS` at one reliability, with verdicts."""
    at = table[table["reliability"] == reliability]
    rows = []
    for claim in claims:
        diff = paired_differences(at, claim.a, claim.b, (claim.kpi,), by=("reliability",))
        rec = diff.iloc[0].to_dict() if len(diff) else {
            "n_pairs": 0, "mean_a": math.nan, "mean_b": math.nan, "mean_diff": math.nan,
            "half_width": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
        rows.append({
            "reliability": reliability, "claim": str(claim), "kpi": claim.kpi, "a": claim.a,
            "b": claim.b, "relation": claim.relation, "n_pairs": int(rec["n_pairs"]),
            "mean_a": rec["mean_a"], "mean_b": rec["mean_b"], "mean_diff": rec["mean_diff"],
            "ci_low": rec["ci_low"], "ci_high": rec["ci_high"], "p_value": rec["p_value"],
            "verdict": claim.verdict(rec["ci_low"], rec["ci_high"], rec["mean_diff"]),
        })
    return pd.DataFrame(rows)


def _mean(summary: pd.DataFrame, kpi: str, policy: str, reliability: float | None = None) -> float:
    mask = (summary["kpi"] == kpi) & (summary["policy_label"] == policy)
    if reliability is not None:
        mask &= summary["reliability"] == reliability
    values = summary.loc[mask, "mean"]
    if values.empty:
        return math.nan
    return float(values.max()) if reliability is None else float(values.iloc[0])


PAPER_REFERENCE: tuple[tuple[str, str, str, str, float | None], ...] = (
    ("okay-rate, no resequencing, 93%", "about 0.81 (≈ r³ = 0.804)", "okay_rate", "none", 0.93),
    ("okay-rate, dynamic, 93%", "virtually 1 (rework eliminated)", "okay_rate", "dynamic", 0.93),
    ("mean delay (h), dynamic, 97%", "below 2 h, like step", "mean_delay_h", "dynamic", 0.97),
    ("mean delay (h), step, 97%", "low (step minimises delay)", "mean_delay_h", "step", 0.97),
    ("reschedules per job, dynamic, 97%", "about 15, slightly above leap", "reschedules_per_order",
     "dynamic", 0.97),
    ("reschedules per job, leap, 97%", "fewest", "reschedules_per_order", "leap", 0.97),
    ("max mean delay (h), dynamic, any reliability", "below 3 h throughout", "mean_delay_h", "dynamic",
     None),
)
"""The paper's reported numbers: ``(quantity, what the paper says, KPI, policy, reliability)``;
the reliability ``None`` takes the largest mean over every reliability."""


def paper_reference(summary: pd.DataFrame) -> pd.DataFrame:
    """The paper's reported numbers (:data:`PAPER_REFERENCE`) next to this run's."""
    return pd.DataFrame([
        {"quantity": quantity, "paper": paper,
         "jisopt": format_number(_mean(summary, kpi, policy, reliability))}
        for quantity, paper, kpi, policy, reliability in PAPER_REFERENCE
    ])


@dataclass
class PaperResults:
    """What :func:`write_paper_results` produced."""

    summary: pd.DataFrame
    claims: pd.DataFrame
    reference: pd.DataFrame
    files: dict[str, Path]
    text: str


def _claims_display(claims: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "at 97%": claims["claim"],
        "mean a": claims["mean_a"].map(format_number),
        "mean b": claims["mean_b"].map(format_number),
        "a - b [95% CI]": [f"{format_number(d)} [{format_number(lo)}, {format_number(hi)}]"
                           for d, lo, hi in zip(claims["mean_diff"], claims["ci_low"],
                                                claims["ci_high"], strict=True)],
        "pairs": claims["n_pairs"],
        "verdict": claims["verdict"],
    })


def write_paper_results(table: pd.DataFrame, out_dir: str | Path, *, figures: bool = True,
                        header: str = "", n_suppliers: int = 3) -> PaperResults:
    """Summary (CSV + Markdown), paired comparisons, Figs. 4-6, and a text summary.

    Parameters
    ----------
    table
        One row per replication (``replications.parquet``).
    out_dir
        Where to write ``summary.csv``, ``summary.md``, ``comparisons.csv`` and
        ``fig4_okay_rate.png``, ``fig5_step_vs_leap_97.png``, ``fig6_dynamic.png``.
    figures
        Also draw the figures.
    header
        First lines of the Markdown file and text summary (what was run).
    n_suppliers
        Number of suppliers, for the reference ``r ** n`` in Fig. 4.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(table, BY, KPI_NAMES)
    claims = check_claims(table)
    reference = paper_reference(summary)
    files = {"summary_csv": out / "summary.csv", "summary_md": out / "summary.md",
             "comparisons_csv": out / "comparisons.csv"}
    summary.to_csv(files["summary_csv"], index=False)
    claims.to_csv(files["comparisons_csv"], index=False)

    main = kpi_table(summary, BY, MAIN_KPIS)
    wide = kpi_table(summary, BY, TABLE_KPIS)
    claims_view = _claims_display(claims)
    md = [f"# Paper reproduction\n\n{header}\n" if header else "# Paper reproduction\n",
          CI_NOTE,
          render_markdown(wide), "\n## Paired comparisons at 97% (same disruption streams)\n",
          "`a - b` per replication; `<` holds if the interval lies below 0, `≤` if `a` is not "
          "significantly greater.\n", render_markdown(claims_view),
          "\n## Against the paper's numbers\n", render_markdown(reference), ""]
    if figures:
        files.update(_figures(summary, out, n_suppliers))
        md.append("\n## Figures\n")
        md.extend(f"![{name}]({path.name})\n" for name, path in files.items() if name.startswith("fig"))
    files["summary_md"].write_text("\n".join(md))

    text = "\n".join([
        header, "", render_text(main), "", "Paired comparisons at 97% (a - b, 95% CI):",
        render_text(claims_view), "", "Against the paper:", render_text(reference),
    ]).lstrip("\n")
    return PaperResults(summary=summary, claims=claims, reference=reference, files=files, text=text)


def _figures(summary: pd.DataFrame, out: Path, n_suppliers: int) -> dict[str, Path]:
    from jisopt.plotting import plot_okay_rate, plot_reliability_sweep, plot_tradeoff, save_figure

    files = {}
    ax = plot_okay_rate(summary, policies=("none",), n_suppliers=n_suppliers)
    files["fig4"] = save_figure(ax.figure, out / "fig4_okay_rate.png")
    ax = plot_tradeoff(summary, reliability=0.97, policies=("step", "leap"))
    files["fig5"] = save_figure(ax.figure, out / "fig5_step_vs_leap_97.png")
    ax = plot_reliability_sweep(summary, policy="dynamic")
    files["fig6"] = save_figure(ax.figure, out / "fig6_dynamic.png")
    return files
