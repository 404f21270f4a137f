"""Component swap (docs/model.md §3): give a disrupted order a part waiting in stock."""

from __future__ import annotations

import numpy as np

from jisopt.instance import Instance
from jisopt.plan import Swap
from jisopt.slots import is_not_earlier, is_not_later

__all__ = ["find_swaps"]


def find_swaps(instance: Instance) -> tuple[Swap, ...]:
    """Swaps for the disrupted components, tried before any resequencing.

    For a disrupted order X (slot order ascending) and affected supplier m, the
    partner Y is the nearest later order that needs the same version of m, whose
    part has started, that is not itself disrupted, whose part is ready by X's
    slot start, and whose own slot starts at or after the disrupted part's ready
    time. The two physical parts are exchanged; no cascade, each part moves at
    most once.
    """
    if instance.n_disrupted == 0:
        return ()
    takt = instance.takt_h
    slot = instance.slot
    disrupted = np.zeros(instance.n_orders, dtype=bool)
    disrupted[instance.disrupted_rows] = True
    taken: dict[int, np.ndarray] = {}  # per affected supplier: parts already swapped
    columns: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    swaps = []
    order = np.argsort(slot[instance.disrupted_order], kind="stable")
    for k in order:
        x, m = int(instance.disrupted_order[k]), int(instance.disrupted_supplier[k])
        if m not in columns:  # one supplier's column only
            columns[m] = instance.component_column(m)
            taken[m] = np.zeros(instance.n_orders, dtype=bool)
        version, started, ready = columns[m]
        x_start = slot[x] * takt
        candidates = (
            (slot > slot[x])
            & (version == version[x])
            & started
            & ~disrupted
            & ~taken[m]
            & is_not_later(ready, x_start)
            & is_not_earlier(slot * takt, ready[x])
        )
        rows = np.flatnonzero(candidates)
        if rows.size == 0:
            continue
        y = int(rows[np.argmin(slot[rows])])
        taken[m][y] = taken[m][x] = True
        swaps.append(Swap(row=x, partner_row=y, supplier=m))
    return tuple(swaps)
