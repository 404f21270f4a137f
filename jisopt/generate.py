"""Random but realistic rescheduling instances.

A generated instance is a steady-state snapshot of the scenario's line at a
slot boundary: a frozen sequence of ``n_slots`` slots filled in due-date order
(with optional gaps), JIS call-offs consistent with the lead times (a component
has started iff its call-off ``slot * takt - L_m`` is not after ``now``), a few
orders postponed earlier whose started parts wait in stock, and disruptions
that become known now: for each affected supplier the order whose production
started ``point * L_m`` ago (the monitoring point), then random started orders.
"""

from __future__ import annotations

import numpy as np

from jisopt.errors import InputError
from jisopt.instance import DELAY, FAILURE, Instance, RatioRule
from jisopt.scenario import Scenario
from jisopt.slots import first_slot_from, is_not_later

__all__ = ["generate_instance"]


def generate_instance(
    seed: int,
    *,
    n_slots: int = 1344,
    n_disrupted: int = 1,
    scenario: Scenario | None = None,
    gap_share: float = 0.0,
    postponed_share: float = 0.01,
    failure_share: float | None = None,
    ratio_rules: tuple[tuple[int, int], ...] = (),
    option_share: float = 0.3,
    name: str | None = None,
) -> Instance:
    """Generate a rescheduling instance.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives the same instance.
    n_slots
        Length of the sequence horizon in slots (the paper's frozen zone: 1344).
    n_disrupted
        Number of disrupted components known at ``now`` (distinct orders).
    scenario
        Plant parameters (takt, suppliers, disruption, monitoring point, line
        freeze); the tractor case by default.
    gap_share
        Share of empty slots in the sequence.
    postponed_share
        Share of orders that were postponed by earlier events (their started
        parts wait in stock).
    failure_share
        Share of failures among the disruptions (default: the scenario's).
    ratio_rules
        ``(H, N)`` pairs; one option per rule with a hard rule. Each order
        carries each option with probability ``option_share`` unless that would
        break the rule, so the generated sequence itself satisfies every rule.
    option_share
        Probability that an order carries each option.
    name
        Instance name (default ``generated-seed<seed>``).

    Raises
    ------
    InputError
        If the horizon is too short to hold ``n_disrupted`` disruptions.
    """
    sc = scenario or Scenario()
    if n_slots < 2:
        raise InputError("need at least 2 slots", field="n_slots", value=n_slots)
    if n_disrupted < 0:
        raise InputError("must be >= 0", field="n_disrupted", value=n_disrupted)
    if not 0 <= gap_share < 1:
        raise InputError("must lie in [0, 1)", field="gap_share", value=gap_share)
    for label, value in (("postponed_share", postponed_share), ("failure_share", failure_share),
                         ("option_share", option_share)):
        if value is not None and not 0 <= value <= 1:
            raise InputError("must lie in [0, 1]", field=label, value=value)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    takt = sc.takt_h
    lead = np.asarray(sc.lead_times_h, dtype=float)
    M = lead.size
    first_slot = int(rng.integers(4 * sc.frozen_zone_slots, 8 * sc.frozen_zone_slots))
    now = first_slot * takt

    # Occupied slots (the first one is always occupied: the line is running).
    occupied = rng.random(n_slots) >= gap_share
    occupied[0] = True
    slot = first_slot + np.flatnonzero(occupied)
    n = slot.size
    order_id = np.arange(n, dtype=np.int64) + int(rng.integers(10_000, 90_000))

    # Due dates in EDD order within each planning period, most orders on time.
    completion = (slot + 1) * takt
    slack = rng.uniform(-0.02 * sc.otd_min_h, sc.otd_min_h, size=n)
    due = completion + slack
    period = (slot - first_slot) // sc.planning_period_slots
    for p in np.unique(period):
        idx = np.flatnonzero(period == p)
        due[idx] = np.sort(due[idx])
    due = np.round(due, 3)

    version = np.stack([rng.integers(0, s.versions, size=n) for s in sc.suppliers], axis=1)

    # Call-off slot: the slot the order held when production started (earlier
    # for postponed orders, whose parts then wait in stock).
    postponed_by = np.where(rng.random(n) < postponed_share, rng.integers(1, 12, size=n), 0)
    call_off_slot = slot - postponed_by
    production_start = call_off_slot[:, None] * takt - lead[None, :]
    started = is_not_later(production_start, now)
    # A postponed order whose earlier slot would leave a component uncalled but
    # due is not consistent; keep postponement only where the state is coherent.
    unstarted_overdue = ~started & is_not_later(slot[:, None] * takt - lead[None, :], now)
    bad = unstarted_overdue.any(axis=1)
    call_off_slot[bad] = slot[bad]
    production_start = call_off_slot[:, None] * takt - lead[None, :]
    started = is_not_later(production_start, now)
    planned = np.where(started, call_off_slot[:, None] * takt, np.nan)
    ready = planned.copy()

    # Disruptions known now.
    freeze_slot = int(first_slot_from(now + sc.line_freeze_h, takt))
    share = sc.disruption.failure_share if failure_share is None else failure_share
    candidates = started & (slot >= freeze_slot)[:, None]
    chosen: list[tuple[int, int]] = []
    point = sc.monitoring.point
    for m in rng.permutation(M):
        if len(chosen) >= n_disrupted:
            break
        monitored = round((now - point * lead[m] + lead[m]) / takt)
        rows = np.flatnonzero((call_off_slot == monitored) & candidates[:, m])
        if rows.size:
            chosen.append((int(rows[0]), int(m)))
    taken_orders = {i for i, _ in chosen}
    pool = [(int(i), int(m)) for i, m in np.argwhere(candidates) if i not in taken_orders]
    rng.shuffle(pool)
    for i, m in pool:
        if len(chosen) >= n_disrupted:
            break
        if i not in taken_orders:
            chosen.append((i, m))
            taken_orders.add(i)
    if len(chosen) < n_disrupted:
        raise InputError(
            f"only {len(chosen)} orders with a started component lie beyond the line freeze",
            field="n_disrupted", value=n_disrupted,
        )
    kinds = np.where(rng.random(len(chosen)) < share, FAILURE, DELAY)
    for (i, m), kind in zip(chosen, kinds, strict=True):
        slot_start = slot[i] * takt
        if kind == FAILURE:
            ready[i, m] = max(now + lead[m], slot_start + takt)
        else:
            delay = float(sc.disruption.delay_quantile_h(rng.random()))
            ready[i, m] = max(planned[i, m] + delay, slot_start + takt / 2)
    # Rounded for readable files: 1e-6 h (3.6 ms) is far below the time resolution
    # (jisopt.slots), so the rounding never changes a comparison.
    ready = np.round(ready, 6)

    options = None
    option_names: tuple[str, ...] = ()
    rules: tuple[RatioRule, ...] = ()
    if ratio_rules:
        option_names = tuple(f"option{k}" for k in range(len(ratio_rules)))
        options = _ratio_feasible_options(rng, slot - first_slot, ratio_rules, option_share)
        rules = tuple(
            RatioRule(option=k, max_count=int(h), window=int(w)) for k, (h, w) in enumerate(ratio_rules)
        )
    order = np.argsort([i for i, _ in chosen], kind="stable")
    return Instance(
        now_h=now,
        takt_h=takt,
        line_freeze_h=sc.line_freeze_h,
        supplier_names=sc.supplier_names,
        lead_time_h=lead,
        first_slot=first_slot,
        horizon_slots=n_slots,
        order_id=order_id,
        slot=slot.astype(np.int64),
        due_h=due,
        version=version.astype(np.int64),
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=np.array([chosen[k][0] for k in order], dtype=np.int64),
        disrupted_supplier=np.array([chosen[k][1] for k in order], dtype=np.int64),
        disrupted_kind=kinds[order].astype(np.int64),
        option_names=option_names,
        options=options,
        ratio_rules=rules,
        name=name or f"generated-seed{seed}",
    )


def _ratio_feasible_options(
    rng: np.random.Generator, offsets: np.ndarray, rules: tuple[tuple[int, int], ...], share: float
) -> np.ndarray:
    """Random options that respect every ``H:N`` rule along the sequence.

    Goes through the slots in order and gives an order an option only if the
    window of ``N`` slots ending at its slot then carries at most ``H``.
    """
    n = offsets.size
    options = np.zeros((n, len(rules)), dtype=bool)
    wanted = rng.random((n, len(rules))) < share
    length = int(offsets.max(initial=0)) + 1
    for k, (h, window) in enumerate(rules):
        carried = np.zeros(length, dtype=np.int64)
        for i in np.flatnonzero(wanted[:, k]):
            pos = int(offsets[i])
            if carried[max(0, pos - window + 1):pos].sum() < h:
                carried[pos] = 1
                options[i, k] = True
    return options
