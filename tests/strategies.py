"""Test helpers: hand-built and hypothesis-generated rescheduling instances.

Every instance is built directly from arrays (no files) and is consistent with
docs/model.md §2: a component is started iff its call-off ``slot * takt - L_m`` is not
after ``now`` -- except for orders that were postponed earlier, whose components
started while the order sat at an earlier slot (planned delivery at that slot's
start, the part now waiting in stock). Disruptions hit started components of
orders beyond the line freeze and always need action (new ready time after the
slot start). All times lie on a grid of a quarter takt, so every comparison
in the library and in the reference is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from hypothesis import strategies as st

from jisopt.instance import DELAY, FAILURE, Instance, RatioRule

__all__ = ["batch_instances", "build_instance", "instances", "layout", "single_instances"]

TAKTS_H = (0.25, 0.5, 1.0, 2.0)


def build_instance(
    *,
    takt_h: float,
    now_h: float,
    lead_time_h: Sequence[float],
    slots: Sequence[int],
    due_h: Sequence[float] | None = None,
    order_id: Sequence[int] | None = None,
    version: Sequence[Sequence[int]] | None = None,
    postponed_from: Mapping[int, int] | None = None,
    disruptions: Sequence[tuple] = (),
    line_freeze_h: float = 0.0,
    first_slot: int | None = None,
    horizon_slots: int | None = None,
    options: Sequence[Sequence[bool]] | None = None,
    ratio_rules: Sequence[RatioRule] = (),
    supplier_names: Sequence[str] | None = None,
) -> Instance:
    """Build a consistent instance by hand (rows in the order of ``slots``).

    Parameters
    ----------
    takt_h, now_h, lead_time_h
        Takt, current time and the suppliers' lead times.
    slots
        Slot of each order (row ``i`` sits at ``slots[i]``).
    due_h
        Due dates; default: on time at the current slot, ``(slot + 1) * takt``.
    order_id
        Order ids; default ``1 .. n`` in row order.
    version
        ``(n, M)`` versions; default all 0.
    postponed_from
        ``{row: earlier slot}``: the order's components started while it sat at
        the earlier slot (planned delivery = that slot's start).
    disruptions
        Tuples ``(row, supplier, "delay", ready_h)`` or ``(row, supplier, "failure")``
        (a failure's part is reproduced: ready at ``now + L_m``).
    line_freeze_h, first_slot, horizon_slots
        Line freeze and sequence horizon (default: ``min(slots) .. max(slots)``).
    options, ratio_rules
        Optional order options (one column per option, named ``o0, o1, ...``) and rules.
    supplier_names
        Default ``s0, s1, ...``.
    """
    n, M = len(slots), len(lead_time_h)
    lead = np.asarray(lead_time_h, dtype=float)
    slot = np.asarray(slots, dtype=np.int64)
    start_slot = slot.copy()
    for row, earlier in (postponed_from or {}).items():
        start_slot[row] = earlier
    started = start_slot[:, None] * takt_h - lead[None, :] <= now_h
    planned = np.where(started, start_slot[:, None] * takt_h, np.nan)
    ready = planned.copy()
    d_order, d_supplier, d_kind = [], [], []
    for dis in disruptions:
        row, m, kind = dis[0], dis[1], dis[2]
        if kind == "delay":
            ready[row, m] = dis[3]
            d_kind.append(DELAY)
        else:
            ready[row, m] = now_h + lead[m]
            d_kind.append(FAILURE)
        d_order.append(row)
        d_supplier.append(m)
    if first_slot is None:
        first_slot = int(slot.min())
    if horizon_slots is None:
        horizon_slots = int(slot.max()) - first_slot + 1
    option_arr = None if options is None else np.asarray(options, dtype=bool).reshape(n, -1)
    option_names = () if option_arr is None else tuple(f"o{k}" for k in range(option_arr.shape[1]))
    inst = Instance(
        now_h=float(now_h),
        takt_h=float(takt_h),
        line_freeze_h=float(line_freeze_h),
        supplier_names=tuple(supplier_names or (f"s{m}" for m in range(M))),
        lead_time_h=lead,
        first_slot=int(first_slot),
        horizon_slots=int(horizon_slots),
        order_id=np.asarray(order_id if order_id is not None else range(1, n + 1), dtype=np.int64),
        slot=slot,
        due_h=np.asarray(due_h if due_h is not None else (slot + 1) * takt_h, dtype=float),
        version=np.asarray(version if version is not None else np.zeros((n, M)), dtype=np.int64),
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=np.asarray(d_order, dtype=np.int64),
        disrupted_supplier=np.asarray(d_supplier, dtype=np.int64),
        disrupted_kind=np.asarray(d_kind, dtype=np.int64),
        option_names=option_names,
        options=option_arr,
        ratio_rules=tuple(ratio_rules),
        name="hand-built",
    )
    return inst.check()


@st.composite
def instances(
    draw: st.DrawFn,
    *,
    min_disrupted: int = 1,
    max_disrupted: int = 4,
    postponed: bool = True,
    freeze: bool = True,
    soft_ratio: bool = False,
    hard_ratio: bool = False,
) -> Instance:
    """Random consistent instances with ``min_disrupted .. max_disrupted`` disrupted
    components (fewer only if the instance has too few candidates).

    Parameters
    ----------
    min_disrupted, max_disrupted
        How many components are disrupted at this instant.
    postponed
        Allow orders that were postponed earlier (started parts waiting in stock).
    freeze
        Allow a non-zero line freeze.
    soft_ratio
        Add options and soft ``H:N`` rules (rules ignore them; they only cost).
    hard_ratio
        Add options and hard ``H:N`` rules (``H`` 1..2, ``N = H + 1 .. H + 3``); the
        options are random (the input sequence then often breaks windows already) or
        given along the sequence only where the input keeps every rule. With
        ``soft_ratio`` too, the rules are drawn hard or soft one by one.
    """
    q = draw(st.sampled_from(TAKTS_H)) / 4  # time grid: a quarter takt
    takt = 4 * q
    M = draw(st.integers(1, 4))
    lead_slots = draw(st.lists(st.integers(1, 40), min_size=M, max_size=M, unique=True))
    if max(lead_slots) < 6:  # keep at least one supplier whose PPS reaches beyond now
        lead_slots[int(np.argmax(lead_slots))] = draw(st.integers(6, 40).filter(
            lambda k: k not in lead_slots))
    lead = np.array(lead_slots, dtype=float) * takt
    first = draw(st.integers(0, 30))
    horizon = draw(st.integers(5, 60))
    now = first * takt + draw(st.integers(-4, 4)) * q
    # Per-order arrays come from a generator seeded by hypothesis (far cheaper to draw
    # than element by element); the structure above and the disruptions below shrink.
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    gaps = set(rng.choice(horizon, size=int(rng.integers(0, horizon // 4 + 1)), replace=False).tolist())
    # The first slot starting after now (plus one) is always occupied, so a
    # started order beyond now exists.
    gaps.discard(int(np.floor(now / takt)) + 2 - first)
    slots = [first + k for k in range(horizon) if k not in gaps]
    n = len(slots)
    slot = rng.permutation(np.array(slots, dtype=np.int64))  # rows are not in slot order
    ids = rng.choice(np.arange(1, 10 * n + 51), size=n, replace=False).astype(np.int64)

    # Component states: natural call-off, or started at an earlier slot (postponed).
    start_slot = slot.copy()
    if postponed:
        shift = rng.integers(1, 17, size=n)
        start_slot = np.where(rng.random(n) < 0.25, slot - shift, slot)
    started = start_slot[:, None] * takt - lead[None, :] <= now
    start_slot = np.where(started.any(axis=1), start_slot, slot)
    planned = np.where(started, start_slot[:, None] * takt, np.nan)
    ready = planned.copy()

    due = (slot + 1) * takt + rng.integers(-24, 25, size=n) * q
    n_versions = draw(st.integers(1, 3))
    version = rng.integers(0, n_versions, size=(n, M)).astype(np.int64)

    # Line freeze: never so long that no started order lies beyond it.
    beyond_now = [i for i in range(n) if started[i].any() and slot[i] * takt >= now]
    freeze_h = 0.0
    if freeze and draw(st.booleans()):
        room = round((max(slot[i] for i in beyond_now) * takt - now) / q)
        freeze_h = draw(st.integers(0, room)) * q
    candidates = [(i, m) for i in range(n) for m in range(M)
                  if started[i, m] and slot[i] * takt >= now + freeze_h]
    k = draw(st.integers(min(min_disrupted, len(candidates)), min(max_disrupted, len(candidates))))
    chosen = draw(st.lists(st.sampled_from(candidates), min_size=k, max_size=k, unique=True))
    if k >= 2 and draw(st.booleans()):
        # Several late components of one order at one instant.
        i0 = chosen[0][0]
        same = [(i, m) for i, m in candidates if i == i0]
        chosen = (same + [c for c in chosen if c[0] != i0])[:max(k, len(same))]
    d_kind = []
    for i, m in chosen:
        start_h = slot[i] * takt
        can_fail = now + lead[m] > start_h
        if can_fail and draw(st.integers(0, 3)) == 0:
            ready[i, m] = now + lead[m]
            d_kind.append(FAILURE)
        else:
            # Delay: new ready time after the slot start, often within 2 takts,
            # up to 60 takts later.
            ready[i, m] = start_h + draw(st.one_of(st.integers(1, 8), st.integers(1, 240))) * q
            d_kind.append(DELAY)

    option_names: tuple[str, ...] = ()
    options = None
    rules: tuple[RatioRule, ...] = ()
    if soft_ratio or hard_ratio:
        n_opt = draw(st.integers(1, 2))
        option_names = tuple(f"o{j}" for j in range(n_opt))
        options = rng.random((n, n_opt)) < 0.4
        rules = tuple(
            RatioRule(j, max_count=h, window=h + draw(st.integers(1, 3)),
                      hard=hard_ratio and not (soft_ratio and draw(st.booleans())),
                      penalty=draw(st.integers(1, 4)) / 2)
            for j in range(n_opt) for h in [draw(st.integers(1, 2))]
        )
        if hard_ratio and draw(st.booleans()):
            # Keep an option only where the window ending at its slot stays within H.
            for rule in rules:
                carried: set[int] = set()
                for i in np.argsort(slot, kind="stable"):
                    s = int(slot[i])
                    near = sum(1 for c in carried if s - rule.window < c < s)
                    if options[i, rule.option] and near < rule.max_count:
                        carried.add(s)
                    else:
                        options[i, rule.option] = False

    inst = Instance(
        now_h=float(now),
        takt_h=float(takt),
        line_freeze_h=float(freeze_h),
        supplier_names=tuple(f"sup{m}" for m in range(M)),
        lead_time_h=lead,
        first_slot=int(first),
        horizon_slots=int(horizon),
        order_id=ids,
        slot=slot,
        due_h=due,
        version=version,
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=np.array([i for i, _ in chosen], dtype=np.int64),
        disrupted_supplier=np.array([m for _, m in chosen], dtype=np.int64),
        disrupted_kind=np.array(d_kind, dtype=np.int64),
        option_names=option_names,
        options=options,
        ratio_rules=rules,
        name="generated",
    )
    return inst.check()


def single_instances(**kwargs) -> st.SearchStrategy[Instance]:
    """Instances with exactly one disrupted component."""
    return instances(min_disrupted=1, max_disrupted=1, **kwargs)


def batch_instances(**kwargs) -> st.SearchStrategy[Instance]:
    """Instances with several disrupted components at one instant (2..5 when possible)."""
    return instances(min_disrupted=2, max_disrupted=5, **kwargs)


def layout(instance: Instance, new_slot: np.ndarray, lo: int, hi: int) -> list[int | None]:
    """Order id at every slot of ``[lo, hi)`` under ``new_slot`` (``None``: a gap)."""
    at = {int(s): int(o) for s, o in zip(new_slot, instance.order_id, strict=True)}
    return [at.get(s) for s in range(lo, hi)]
