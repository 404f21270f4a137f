"""A car-plant-like scenario for the scale benchmarks, built in code.

17 JIS suppliers ``s01 .. s17`` with lead times spread geometrically from 6 h to
120 h (rounded to whole minutes), 4 versions each, reliability 0.97; frozen zone
144 h (6 days), daily planning (24 h), mean interarrival = takt, 30 days with a
5-day warm-up. The takt sets the size: the frozen zone holds ``S = 144 h / takt``
slots (takt 8, 4, 2, 1, 0.5 min give S = 1080, 2160, 4320, 8640, 17280).
"""

from __future__ import annotations

from jisopt.scenario import Scenario, SupplierSpec

N_SUPPLIERS = 17
FROZEN_ZONE_H = 144.0
TAKTS_MIN = (8.0, 4.0, 2.0, 1.0, 0.5)


def lead_times_h(n: int = N_SUPPLIERS, shortest_h: float = 6.0, longest_h: float = 120.0) -> list[float]:
    """Geometric spread from ``longest_h`` down to ``shortest_h``, rounded to minutes."""
    ratio = longest_h / shortest_h
    return [round(longest_h / ratio ** (k / (n - 1)) * 60.0) / 60.0 for k in range(n)]


def scale_scenario(takt_min: float = 1.0, *, days: float = 30.0, warmup_days: float = 5.0,
                   reliability: float = 0.97, planning_period_h: float = 24.0) -> Scenario:
    """The 17-supplier line at ``takt_min`` minutes per order."""
    takt_h = takt_min / 60.0
    suppliers = tuple(
        SupplierSpec(name=f"s{k + 1:02d}", lead_time_h=lt, versions=4, reliability=reliability)
        for k, lt in enumerate(lead_times_h()))
    return Scenario(
        name=f"car17-takt{takt_min:g}min",
        description="17 JIS suppliers, 6 h .. 5 d lead times (benchmark scenario)",
        takt_h=takt_h,
        suppliers=suppliers,
        demand={"mean_interarrival_h": takt_h},
        frozen_zone_h=FROZEN_ZONE_H,
        planning_period_h=planning_period_h,
        days=days,
        warmup_days=warmup_days,
    )
