"""A plan against its instance: the sequence before and after, one lane per supplier, the
displacement chain from old to new slot, and an overview strip of the whole horizon."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from jisopt.calloffs import EXPEDITED, HELD_IN_STOCK, RECALLED, RESEQUENCED, calloffs
from jisopt.instance import Instance
from jisopt.plan import Plan
from jisopt.plotting._figure import new_axes
from jisopt.plotting.plot_sequence import (
    DEFAULT_CONTEXT_SLOTS,
    DISRUPTED_COLOR,
    FAILED,
    GAP,
    HELD,
    LATE,
    STARTED,
    UNSTARTED,
    before_states,
    default_title,
    draw_lanes,
    finish_axes,
    freeze_line,
    lane_cells,
    lane_figsize,
    lane_ticks,
    legend,
    slot_window,
)
from jisopt.plotting.plot_sequence import (
    EXPEDITED as EXPEDITED_CELL,
)
from jisopt.plotting.plot_sequence import (
    RECALLED as RECALLED_CELL,
)
from jisopt.plotting.plot_sequence import (
    RESEQUENCED as RESEQUENCED_CELL,
)
from jisopt.subsequences import slot_end

__all__ = ["plot_plan"]

_ACTION_CELLS = {RESEQUENCED: RESEQUENCED_CELL, HELD_IN_STOCK: HELD, RECALLED: RECALLED_CELL,
                 EXPEDITED: EXPEDITED_CELL}
CHAIN_COLOR = "0.35"
SWAP_COLOR = "tab:purple"
BAND = 3.0  # height of the band between the two blocks, in lanes


def plot_plan(instance: Instance, plan: Plan, *, ax: Axes | None = None,
              first_slot: int | None = None, last_slot: int | None = None,
              context_slots: int = DEFAULT_CONTEXT_SLOTS, overview: bool = True,
              title: str | None = None) -> Axes:
    """The sequence before (top block) and after the plan (bottom block), one lane per
    supplier and one cell per slot, with a line from every moved order's old slot to its
    new one.

    The top block colours each part as started, not started or disrupted; the bottom
    block colours it by its call-off action (:func:`jisopt.calloffs.calloffs`): unchanged
    parts grey as above, resequenced, held in stock, re-called. The disrupted orders'
    moves are red arrows labelled with the order; the displacement chain's moves are
    thin grey lines; a component swap is a purple dashed line between the two orders'
    slots. Gaps are white. The strip on top shows the whole reinsertion area with the
    moved orders and the window drawn below.

    Parameters
    ----------
    instance
        The snapshot; its labels name the orders and the times on the axis.
    plan
        The plan drawn (orders without a slot are left out of the bottom block).
    ax
        Axes to draw on (default: a new figure sized for the number of suppliers).
    first_slot, last_slot
        The slots shown (inclusive). Default: the slots that changed (every moved
        order's old and new slot, every swapped order) with ``context_slots`` either side.
    context_slots
        Slots of context in the default window.
    overview
        Draw the strip of the whole reinsertion area above the lanes.
    title
        Title (default: the instance's name, ``now`` and the policy).

    Returns
    -------
    matplotlib.axes.Axes
    """
    new = np.asarray(plan.slot, dtype=np.int64)
    old = instance.slot
    moved = plan.moved_rows(instance)
    moved = moved[new[moved] >= 0]
    swapped = np.array([r for s in plan.swaps for r in (s.row, s.partner_row)], dtype=np.int64)
    changed = np.concatenate((old[moved], new[moved], old[swapped], new[swapped][new[swapped] >= 0],
                              old[instance.disrupted_rows]))
    if changed.size:
        low, high = int(changed.min()), int(changed.max())
    else:
        low, high = instance.first_slot, instance.horizon_end - 1
    first, last = slot_window(instance, low, high, context_slots, first_slot, last_slot)

    M = instance.n_suppliers
    ax = new_axes(ax, figsize=lane_figsize(M, blocks=2))
    after_top = M + BAND
    draw_lanes(ax, lane_cells(instance, old, before_states(instance), first, last), first, 0.0)
    draw_lanes(ax, lane_cells(instance, new, _after_states(instance, plan), first, last), first,
               after_top)
    lane_ticks(ax, instance, [(0.0, "before: "), (after_top, "after: ")])

    disrupted = np.zeros(instance.n_orders, dtype=bool)
    disrupted[instance.disrupted_rows] = True
    chain = moved[~disrupted[moved]]
    segments = [((old[i] + 0.5, M), (new[i] + 0.5, after_top)) for i in chain.tolist()]
    ax.add_collection(LineCollection(segments, colors=CHAIN_COLOR, linewidths=0.6, zorder=2))
    for s in plan.swaps:
        ax.plot([old[s.partner_row] + 0.5, old[s.row] + 0.5], [M + 0.4 * BAND, M + 0.4 * BAND],
                color=SWAP_COLOR, ls="--", lw=1.5, zorder=3)
    for i in moved[disrupted[moved]].tolist():
        ax.annotate("", (new[i] + 0.5, after_top), xytext=(old[i] + 0.5, M),
                    arrowprops={"arrowstyle": "-|>", "color": DISRUPTED_COLOR, "lw": 1.8},
                    zorder=4)
    for k, i in enumerate(instance.disrupted_rows[np.argsort(old[instance.disrupted_rows])].tolist()):
        ax.annotate(f"order {instance.labels.order_label(instance.order_id[i])}",
                    (old[i] + 0.5, 0.0), xytext=(0, 4 + 11 * (k % 3)), textcoords="offset points",
                    ha="center",
                    va="bottom", fontsize=8, color=DISRUPTED_COLOR)
    freeze_line(ax, instance, first, last, 0.0, after_top + M)
    finish_axes(ax, instance, first, last, top=-2.4, bottom=after_top + M)
    handles = (Line2D([], [], color=DISRUPTED_COLOR, lw=1.8, label="disrupted order's move"),
               Line2D([], [], color=CHAIN_COLOR, lw=0.8, label="displaced order's move"),
               Line2D([], [], color=SWAP_COLOR, ls="--", lw=1.5, label="component swap"))
    legend(ax, (GAP, UNSTARTED, STARTED, LATE, FAILED, RESEQUENCED_CELL, HELD, RECALLED_CELL),
           handles)
    text = title if title is not None else f"{default_title(instance)}, policy {plan.policy}"
    if overview:
        _overview(ax, instance, plan, moved, first, last).set_title(text, fontsize=10)
    else:
        ax.set_title(text, fontsize=10)
    return ax


def _after_states(instance: Instance, plan: Plan) -> np.ndarray:
    """``(n, M)`` cell states under the plan: unchanged parts as before (started or not),
    the others by their call-off action."""
    states = np.where(instance.started, STARTED, UNSTARTED)
    table = calloffs(instance, plan)
    row_of = {int(o): r for r, o in enumerate(instance.order_id.tolist())}
    for m, name in enumerate(instance.supplier_names):
        stream = table[table["supplier"] == name]
        for order_id, action in zip(stream["order_id"].tolist(), stream["action"].tolist(),
                                    strict=True):
            if action in _ACTION_CELLS:
                states[row_of[order_id], m] = _ACTION_CELLS[action]
    return states


def _overview(ax: Axes, instance: Instance, plan: Plan, moved: np.ndarray, first: int,
              last: int) -> Axes:
    """A strip above ``ax``: the whole reinsertion area, the moved orders' old slots, the
    disrupted orders and the window drawn in ``ax``."""
    strip = ax.inset_axes((0.0, 1.04, 1.0, 0.05))
    start, end = instance.first_slot, max(slot_end(instance), last + 1)
    strip.axvspan(start, instance.horizon_end, color="0.9", lw=0)
    strip.vlines(instance.slot[moved], 0, 1, colors=CHAIN_COLOR, lw=0.5)
    strip.vlines(instance.slot[instance.disrupted_rows], 0, 1, colors=DISRUPTED_COLOR, lw=1.5)
    strip.add_patch(Rectangle((first, 0), last + 1 - first, 1, fill=False, ec="black", lw=1.2))
    strip.set_xlim(start, end)
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.tick_params(axis="x", labelsize=7, length=2, pad=1)
    strip.xaxis.tick_top()
    strip.set_ylabel("all slots", rotation=0, ha="right", va="center", fontsize=7)
    strip.set_xlabel("")
    return strip
