"""An instance's sequence around its disruption: one lane per supplier, started and
unstarted parts, gaps and the disrupted orders with their [step, leap]."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from jisopt.instance import FAILURE, Instance
from jisopt.plotting._figure import new_axes
from jisopt.slots import first_slot_scalar
from jisopt.subsequences import disruption_bounds

__all__ = ["plot_sequence"]

# Cell states of a lane (one cell per slot and supplier) and their colours.
GAP, UNSTARTED, STARTED, LATE, FAILED, RESEQUENCED, HELD, RECALLED, EXPEDITED = range(9)
CELL_COLORS = ("white", "0.86", "0.45", "tab:red", "darkred", "tab:cyan", "tab:orange",
               "tab:purple", "gold")
CELL_NAMES = ("gap (no order)", "part not started", "part started", "disrupted part (delay)",
              "disrupted part (failure)", "resequenced (not started)", "held in stock (started)",
              "re-called (failure or swap)", "expedited (started, earlier)")
DISRUPTED_COLOR = "tab:red"
DEFAULT_CONTEXT_SLOTS = 12


def plot_sequence(instance: Instance, *, ax: Axes | None = None, first_slot: int | None = None,
                  last_slot: int | None = None, context_slots: int = DEFAULT_CONTEXT_SLOTS,
                  title: str | None = None) -> Axes:
    """The instance's sequence as it stands: one lane per supplier, one cell per slot.

    A cell shows whether the order in that slot has the supplier's part started (called
    off) or not, or is a gap; disrupted parts are red. Each disrupted order is labelled
    above the lanes, with its [step, leap] (docs/model.md §3) as a bracket. The line
    freeze ends at the dashed line.

    Parameters
    ----------
    instance
        The snapshot; its labels name the orders and the times on the axis.
    ax
        Axes to draw on (default: a new figure sized for the number of suppliers).
    first_slot, last_slot
        The slots shown (inclusive). Default: from ``context_slots`` before the first
        disrupted order to ``context_slots`` after the last leap (the whole horizon
        without a disruption), within the horizon.
    context_slots
        Slots of context around the disruption in the default window.
    title
        Axes title (default: the instance's name and ``now``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    bounds = disruption_bounds(instance)
    if bounds.rows.size:
        low = int(instance.slot[bounds.rows].min())
        high = int(max(bounds.leap.max(), instance.slot[bounds.rows].max()))
    else:
        low, high = instance.first_slot, instance.horizon_end - 1
    first, last = slot_window(instance, low, high, context_slots, first_slot, last_slot)
    ax = new_axes(ax, figsize=lane_figsize(instance.n_suppliers, blocks=1))
    cells = lane_cells(instance, instance.slot, before_states(instance), first, last)
    draw_lanes(ax, cells, first, y0=0.0)
    lane_ticks(ax, instance, [(0.0, "")])
    for k, row in enumerate(bounds.rows.tolist()):
        slot = int(instance.slot[row])
        step, leap = int(bounds.step[k]), int(bounds.leap[k])
        y = -0.6
        ax.plot([max(step, first), min(leap, last) + 1], [y, y], color=DISRUPTED_COLOR, lw=2,
                solid_capstyle="butt")
        ax.annotate(f"order {instance.labels.order_label(instance.order_id[row])}: "
                    f"step {step}, leap {leap}", (slot + 0.5, -0.1), xytext=(slot + 0.5, y - 0.5),
                    ha="left", va="bottom", fontsize=8, color=DISRUPTED_COLOR,
                    arrowprops={"arrowstyle": "-|>", "color": DISRUPTED_COLOR, "lw": 1})
    freeze_line(ax, instance, first, last, 0.0, instance.n_suppliers)
    finish_axes(ax, instance, first, last, top=-0.6 - 1.6 * max(1, bounds.rows.size > 0),
                bottom=instance.n_suppliers)
    legend(ax, (GAP, UNSTARTED, STARTED, LATE, FAILED), below=0.3)
    ax.set_title(title if title is not None else default_title(instance), fontsize=10)
    return ax


def default_title(instance: Instance) -> str:
    """``name: now <time>, takt <h>`` of an instance."""
    name = f"{instance.name}: " if instance.name else ""
    return f"{name}now {instance.labels.time_text(instance.now_h)}, takt {instance.takt_h:g} h"


def slot_window(instance: Instance, low: int, high: int, context_slots: int,
                first_slot: int | None, last_slot: int | None) -> tuple[int, int]:
    """The slots shown: ``[low - context, high + context]`` unless given, within the
    horizon (extended to ``high`` if that lies past it)."""
    end = max(instance.horizon_end - 1, high)
    first = max(instance.first_slot, low - context_slots) if first_slot is None else first_slot
    last = min(end, high + context_slots) if last_slot is None else last_slot
    if last < first:
        raise ValueError(f"empty slot window [{first}, {last}]")
    return first, last


def lane_figsize(n_suppliers: int, blocks: int) -> tuple[float, float]:
    """Figure size for ``blocks`` blocks of one lane per supplier."""
    return 11.0, 2.2 + blocks * (0.8 + 0.24 * n_suppliers) + (1.0 if blocks > 1 else 0.0)


def before_states(instance: Instance) -> np.ndarray:
    """``(n, M)`` cell states of the instance's own sequence."""
    states = np.where(instance.started, STARTED, UNSTARTED)
    late = np.where(instance.disrupted_kind == FAILURE, FAILED, LATE)
    states[instance.disrupted_order, instance.disrupted_supplier] = late
    return states


def lane_cells(instance: Instance, slot: np.ndarray, states: np.ndarray, first: int,
               last: int) -> np.ndarray:
    """``(M, last - first + 1)`` cell states of the slots ``first .. last`` (gaps where no
    order is), the orders at ``slot``."""
    cells = np.full((instance.n_suppliers, last - first + 1), GAP, dtype=np.int64)
    shown = np.flatnonzero((slot >= first) & (slot <= last))
    cells[:, slot[shown] - first] = states[shown].T
    return cells


def draw_lanes(ax: Axes, cells: np.ndarray, first: int, y0: float) -> None:
    """The lanes as an image: lane ``m`` spans ``y0 + m .. y0 + m + 1``, slot ``s`` spans
    ``s .. s + 1``."""
    n_lanes, width = cells.shape
    ax.imshow(cells, cmap=ListedColormap(CELL_COLORS), vmin=-0.5, vmax=len(CELL_COLORS) - 0.5,
              interpolation="nearest", aspect="auto",
              extent=(first, first + width, y0 + n_lanes, y0))
    for m in range(n_lanes + 1):
        ax.axhline(y0 + m, xmin=0, xmax=1, color="white", lw=0.6 if n_lanes < 30 else 0.3)


def lane_ticks(ax: Axes, instance: Instance, blocks: list[tuple[float, str]]) -> None:
    """Supplier names as y tick labels of each block (``(y0, prefix)`` per block)."""
    size = 8 if instance.n_suppliers <= 12 else 7
    ticks, names = [], []
    for y0, prefix in blocks:
        for m, name in enumerate(instance.supplier_names):
            ticks.append(y0 + m + 0.5)
            names.append(f"{prefix}{name}")
    ax.set_yticks(ticks, names, fontsize=size)
    ax.tick_params(axis="y", length=0)


def freeze_line(ax: Axes, instance: Instance, first: int, last: int, y_top: float,
                y_bottom: float) -> None:
    """A dashed line where the line freeze ends (if within the window)."""
    freeze_end_h = instance.now_h + instance.line_freeze_h
    slot = first_slot_scalar(freeze_end_h, instance.takt_h)
    if first < slot <= last:
        ax.vlines(slot, y_top, y_bottom, colors="black", linestyles="--", lw=1)
        ax.annotate("line freeze ends", (slot, y_bottom), xytext=(3, -3),
                    textcoords="offset points", va="top", fontsize=7)


def finish_axes(ax: Axes, instance: Instance, first: int, last: int, top: float,
                bottom: float) -> None:
    """Limits (y downwards), slot ticks with their times, no frame on top and right."""
    ax.set_xlim(first, last + 1)
    ax.set_ylim(bottom + 0.2, top)
    labels, takt = instance.labels, instance.takt_h
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _pos: f"{int(x)}\n{labels.time_text(int(x) * takt)}"))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("slot and its start time", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def legend(ax: Axes, states: tuple[int, ...], handles: tuple[Artist, ...] = (),
           below: float = 0.16) -> None:
    """A legend of the given cell states (and further ``handles``) below the axes."""
    patches: list[Artist] = [Patch(facecolor=CELL_COLORS[s], edgecolor="0.3", lw=0.5,
                                   label=CELL_NAMES[s]) for s in states]
    handles = (*patches, *handles)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -below), ncol=3,
              fontsize=7, frameon=False)
