"""Means with Student-t confidence intervals, and paired differences between policies.

Replications are independent, so the mean of a KPI over ``n`` replications
has the interval ``mean ± t(1 - α/2, n - 1) · s / √n`` with ``s`` the sample
standard deviation. Policies compared on the same seed and replication see
the same disruption stream (common random numbers), so their difference is
estimated from the per-replication differences ``a_i - b_i``, whose interval
is usually far narrower than the two separate intervals suggest.

A KPI that cannot be negative (every built-in KPI: counts, rates, delays, times;
:func:`jisopt.sim.metrics.kpi_lower_bound`) gets the t interval cut at 0:
``[max(0, mean - h), mean + h]``. The true mean lies in the support, so cutting
removes only values it cannot take and keeps the coverage of the t interval
exactly; a log-scale interval fails on replications with a value of 0 (common:
no idle takts, no delay), and a bootstrap interval from 3 to 5 replications
covers far less than its nominal level. Paired differences can be negative and
keep the plain t interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Interval", "paired_differences", "summarize", "t_interval"]


@dataclass(frozen=True)
class Interval:
    """A sample mean with its two-sided Student-t confidence interval, cut at the lower
    end of the support if there is one.

    Attributes
    ----------
    n
        Number of (finite) observations.
    mean
        Sample mean (NaN if ``n == 0``).
    std
        Sample standard deviation, ``ddof = 1`` (NaN if ``n < 2``).
    half_width
        ``t(1 - α/2, n - 1) · std / √n`` (NaN if ``n < 2``).
    confidence
        Confidence level, e.g. 0.95.
    lower_bound
        Least value the quantity can take (``-inf``: none); the interval does not
        reach below it.
    """

    n: int
    mean: float
    std: float
    half_width: float
    confidence: float = 0.95
    lower_bound: float = -math.inf

    @property
    def low(self) -> float:
        """Lower end of the interval: ``max(lower_bound, mean - half_width)``."""
        return max(self.mean - self.half_width, self.lower_bound)

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    def excludes_zero(self) -> bool:
        """Whether the interval lies strictly on one side of zero."""
        return bool(self.low > 0 or self.high < 0)


def t_interval(values: Iterable[float], confidence: float = 0.95,
               lower_bound: float = -math.inf) -> Interval:
    """Mean and Student-t confidence interval of ``values`` (NaNs are dropped).

    Parameters
    ----------
    values
        The observations.
    confidence
        Confidence level.
    lower_bound
        Least value the quantity can take: the interval is cut there (see the module
        notes); ``-inf`` for none.

    Raises
    ------
    ValueError
        On a confidence outside ``(0, 1)``, or an observation below ``lower_bound``.

    Examples
    --------
    >>> iv = t_interval([1, 2, 3, 4, 5])
    >>> round(iv.mean, 3), round(iv.half_width, 3)
    (3.0, 1.963)
    >>> iv = t_interval([0.0, 0.0, 0.3], lower_bound=0.0)
    >>> round(iv.mean - iv.half_width, 3), iv.low, round(iv.high, 3)
    (-0.33, 0.0, 0.53)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if x.size and x.min() < lower_bound:
        raise ValueError(f"observation {x.min():g} below the lower bound {lower_bound:g}")
    n = int(x.size)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, confidence, lower_bound)
    mean = float(x.mean())
    if n < 2:
        return Interval(n, mean, math.nan, math.nan, confidence, lower_bound)
    from scipy.special import stdtrit  # what scipy.stats.t.ppf calls; scipy.stats is slow to import

    std = float(x.std(ddof=1))
    t = float(stdtrit(n - 1, 0.5 + confidence / 2.0))
    return Interval(n, mean, std, t * std / math.sqrt(n), confidence, lower_bound)


def _groups(table: pd.DataFrame, by: Sequence[str]) -> Iterator[tuple[tuple, pd.DataFrame]]:
    if not by:
        yield (), table
        return
    for key, group in table.groupby(list(by), sort=False, dropna=False):
        yield (key if isinstance(key, tuple) else (key,)), group


def summarize(
    table: pd.DataFrame, by: Sequence[str], kpis: Sequence[str], confidence: float = 0.95,
    lower_bounds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Mean and confidence interval of every KPI per group (tidy: one row per group and KPI).

    The interval of a KPI that cannot be negative is cut at 0 (``ci_low`` is
    ``max(0, mean - half_width)``; ``half_width`` stays the t half width).

    Parameters
    ----------
    table
        One row per replication.
    by
        Grouping columns, e.g. ``("reliability", "policy_label")``.
    kpis
        KPI columns to summarise (missing columns are skipped).
    confidence
        Confidence level.
    lower_bounds
        KPI name -> least value it can take (``-inf``: none), for user KPIs or to
        override :func:`jisopt.sim.metrics.kpi_lower_bound` (0 for the built-in KPIs,
        none for other names).

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, kpi, n, mean, std, half_width, ci_low, ci_high``, groups
        in order of first appearance.
    """
    from jisopt.sim.metrics import kpi_lower_bound

    by = list(by)
    bounds = dict(lower_bounds or {})
    rows = []
    for key, group in _groups(table, by):
        for kpi in kpis:
            if kpi not in group:
                continue
            iv = t_interval(group[kpi], confidence, bounds.get(kpi, kpi_lower_bound(kpi)))
            rows.append({**dict(zip(by, key, strict=True)), "kpi": kpi, "n": iv.n, "mean": iv.mean,
                         "std": iv.std, "half_width": iv.half_width, "ci_low": iv.low,
                         "ci_high": iv.high})
    return pd.DataFrame(rows, columns=[*by, "kpi", "n", "mean", "std", "half_width", "ci_low",
                                       "ci_high"])


def paired_differences(
    table: pd.DataFrame,
    a: str,
    b: str,
    kpis: Sequence[str],
    *,
    by: Sequence[str] = ("reliability",),
    pair_on: Sequence[str] = ("seed", "replication"),
    policy_column: str = "policy_label",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired differences ``a - b`` between two policies on the same disruption streams.

    Within each group of ``by``, the replications of ``a`` and ``b`` are
    matched on ``pair_on``; the interval is the Student-t interval of the
    per-pair differences. Pairs where either value is NaN are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, kpi, a, b, n_pairs, mean_a, mean_b, mean_diff,
        half_width, ci_low, ci_high, p_value`` (two-sided paired t-test).

    Raises
    ------
    ValueError
        If a policy has two rows for the same pair within a group (a varying
        parameter is missing from ``by``).
    """
    by, pair_on = list(by), list(pair_on)
    rows = []
    for key, group in _groups(table, by):
        sides = {}
        for name in (a, b):
            side = group[group[policy_column] == name]
            if side.duplicated(pair_on).any():
                raise ValueError(f"policy {name!r} has several rows for the same {pair_on} within "
                                 f"{dict(zip(by, key, strict=True))}: add the varying columns to by")
            sides[name] = side.set_index(pair_on)
        if sides[a].empty or sides[b].empty:
            continue
        common = sides[a].index.intersection(sides[b].index)
        for kpi in kpis:
            if kpi not in group:
                continue
            xa = sides[a].loc[common, kpi].to_numpy(dtype=float)
            xb = sides[b].loc[common, kpi].to_numpy(dtype=float)
            ok = np.isfinite(xa) & np.isfinite(xb)
            xa, xb = xa[ok], xb[ok]
            diff = xa - xb
            iv = t_interval(diff, confidence)
            p_value = _paired_p_value(iv)
            rows.append({
                **dict(zip(by, key, strict=True)), "kpi": kpi, "a": a, "b": b, "n_pairs": iv.n,
                "mean_a": float(xa.mean()) if xa.size else math.nan,
                "mean_b": float(xb.mean()) if xb.size else math.nan,
                "mean_diff": iv.mean, "half_width": iv.half_width, "ci_low": iv.low,
                "ci_high": iv.high, "p_value": p_value,
            })
    return pd.DataFrame(rows, columns=[*by, "kpi", "a", "b", "n_pairs", "mean_a", "mean_b", "mean_diff",
                                       "half_width", "ci_low", "ci_high", "p_value"])


def _paired_p_value(iv: Interval) -> float:
    """Two-sided p-value of the paired t-test of mean difference zero."""
    if iv.n < 2:
        return math.nan
    if iv.std == 0:
        return 1.0 if iv.mean == 0 else 0.0
    from scipy.special import stdtr  # scipy.stats.t.sf(x, df) is stdtr(df, -x)

    t = iv.mean / (iv.std / math.sqrt(iv.n))
    return float(2.0 * stdtr(iv.n - 1, -abs(t)))
