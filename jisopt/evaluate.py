"""Solver-free evaluation of a plan: every violated constraint and every term.

This is the single definition of plan feasibility (docs/model.md §5) and of the
objective terms (via :mod:`jisopt.objective`). The simulator and the exact
model reuse it; the exact model's reported objective must equal
``evaluate(instance, plan).objective(weights)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jisopt.changes import PlanChanges, plan_changes, sequence_inversions
from jisopt.instance import Instance
from jisopt.objective import (
    OBJECTIVE_TERMS,
    Weights,
    idle_slots_constant,
    pair_terms,
    ratio_window_counts,
    window_excess,
)
from jisopt.plan import Plan
from jisopt.ratio import window_caps, windows_kept
from jisopt.slots import is_earlier, is_later, is_not_later
from jisopt.subsequences import disruption_bounds, slot_end, window_start

__all__ = [
    "Evaluation",
    "PlanChanges",
    "Violation",
    "evaluate",
    "plan_changes",
    "sequence_inversions",
    "unresolved_disrupted",
]


@dataclass(frozen=True)
class Violation:
    """One violated constraint.

    Attributes
    ----------
    kind
        ``missing``, ``slot_range``, ``duplicate_slot``, ``fixed``, ``window``, ``ready``,
        ``call_off``, ``earlier``, ``bounds``, ``max_later``, ``ratio`` or ``swap``.
    order
        The order id concerned (``None`` for rule-level violations).
    message
        A readable explanation with the values involved.
    """

    kind: str
    order: int | None
    message: str

    def as_dict(self) -> dict:
        """The violation as JSON-ready data."""
        return {"kind": self.kind, "order": self.order, "message": self.message}


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate`.

    Attributes
    ----------
    violations
        Every violated constraint (empty when the plan is feasible).
    terms
        Objective terms: ``total_delay_h``, ``reschedules``, ``displacement_h``,
        ``stock_component_h``, ``idle_slots``, ``ratio_penalty``.
    kpis
        Further figures: ``mean_delay_h``, ``late_orders``, ``changed_unstarted``,
        ``swaps``, ``inversions`` (total) and ``inversions_<supplier>``,
        ``ratio_excess`` (soft and hard), ``moved``.
    """

    violations: tuple[Violation, ...]
    terms: dict[str, float]
    kpis: dict[str, float] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """No constraint is violated."""
        return not self.violations

    def objective(self, weights: Weights | None = None) -> float:
        """Weighted sum of the terms (default weights if ``None``)."""
        return float((weights or Weights()).combine(self.terms))

    def as_dict(self, weights: Weights | None = None) -> dict:
        """JSON-friendly summary: feasibility, violations, objective, terms, KPIs."""
        weights = weights or Weights()
        return {
            "feasible": self.feasible,
            "violations": [v.as_dict() for v in self.violations],
            "objective": self.objective(weights),
            "weights": weights.as_dict(),
            **self.terms,
            **self.kpis,
        }


def unresolved_disrupted(instance: Instance, ready_h: np.ndarray | None) -> np.ndarray:
    """Boolean mask over ``instance.disrupted_rows``: still late after swaps
    (``ready_h``; ``None``: the instance's own ready times, no swap)."""
    rows = instance.disrupted_rows
    ready = instance.ready_of(rows) if ready_h is None else ready_h[rows]
    latest = np.where(instance.started_of(rows), ready, -np.inf).max(axis=1, initial=-np.inf)
    return is_later(latest, instance.slot[rows] * instance.takt_h)


def evaluate(
    instance: Instance,
    plan: Plan,
    *,
    enforce_bounds: bool = True,
    max_later_slots: int | None = None,
) -> Evaluation:
    """Check a plan against every constraint of docs/model.md §5 and compute its terms.

    Parameters
    ----------
    instance
        The snapshot the plan answers.
    plan
        The plan: one new slot per order, and optional swaps.
    enforce_bounds
        Require each (still) disrupted order to land within its own [step, leap].
    max_later_slots
        ``K``: how far any other order may move later (default: the number of
        disrupted orders).

    Returns
    -------
    Evaluation
        Violations, objective terms and further KPIs; no solver involved.
    """
    viol: list[Violation] = []
    ids = instance.order_id
    new = np.asarray(plan.slot, dtype=np.int64)
    old = instance.slot
    takt = instance.takt_h
    n = instance.n_orders
    if new.shape != (n,):
        raise ValueError(f"plan has {new.shape} slots for {n} orders")

    def add(kind: str, rows: np.ndarray, fmt) -> None:
        for i in np.flatnonzero(rows) if rows.dtype == bool else rows:
            viol.append(Violation(kind, int(ids[i]), fmt(int(i))))

    placed = new >= 0
    add("missing", ~placed, lambda i: f"order {ids[i]} has no slot")
    end = slot_end(instance)
    out_of_range = placed & ((new < instance.first_slot) | (new >= end))
    add("slot_range", out_of_range,
        lambda i: f"order {ids[i]} at slot {new[i]} outside [{instance.first_slot}, {end})")
    uniq, counts = np.unique(new[placed], return_counts=True)
    for s in uniq[counts > 1]:
        holders = ids[new == s].tolist()
        viol.append(Violation("duplicate_slot", None, f"slot {s} holds orders {holders}"))

    # Swaps (validated before ready times are used).
    ready = plan.ready_after_swaps(instance)
    swap_violations = _swap_violations(instance, plan)
    viol.extend(swap_violations)

    # Orders that must not move: in the line freeze, or before the first disrupted slot.
    window_first = window_start(instance)
    fixed = instance.frozen_by_line() | (old < window_first)
    add("fixed", placed & fixed & (new != old),
        lambda i: f"order {ids[i]} may not move (slot {old[i]} is in the line freeze or before "
                  f"the first disrupted slot {window_first}), plan puts it at {new[i]}")
    add("window", placed & ~fixed & (new < window_first),
        lambda i: f"order {ids[i]} moves from slot {old[i]} to {new[i]}, before the first "
                  f"disrupted slot {window_first} (the reinsertion window starts there)")

    started = instance.started
    start_h = new * takt
    late_part = placed[:, None] & started & is_earlier(start_h[:, None], ready)
    for i, m in np.argwhere(late_part):
        viol.append(Violation(
            "ready", int(ids[i]),
            f"order {ids[i]} at slot {new[i]} starts at {start_h[i]:g} h before its "
            f"{instance.supplier_names[m]} part is ready at {ready[i, m]:g} h"))
    not_callable = placed[:, None] & ~started & (
        is_not_later(start_h[:, None] - instance.lead_time_h[None, :], instance.now_h)
    )
    for i, m in np.argwhere(not_callable):
        viol.append(Violation(
            "call_off", int(ids[i]),
            f"order {ids[i]} at slot {new[i]} leaves supplier {instance.supplier_names[m]} no "
            f"time: call-off at {start_h[i] - instance.lead_time_h[m]:g} h is not after now "
            f"{instance.now_h:g} h"))
    add("earlier", placed & instance.has_started & (new < old),
        lambda i: f"order {ids[i]} has a started component and moves earlier, "
                  f"from slot {old[i]} to {new[i]}")

    # Disrupted orders within [step, leap] (from the ready times after valid swaps, as the
    # rules compute them); every other order at most K later.
    bounds = disruption_bounds(instance, ready if plan.swaps and not swap_violations else None)
    still = unresolved_disrupted(instance, ready)
    is_bounded = np.zeros(n, dtype=bool)
    is_bounded[bounds.rows[still]] = True
    if enforce_bounds:
        for k in np.flatnonzero(still):
            i = int(bounds.rows[k])
            if not bounds.step[k] <= new[i] <= bounds.leap[k]:
                viol.append(Violation(
                    "bounds", int(ids[i]),
                    f"disrupted order {ids[i]} at slot {new[i]} outside its "
                    f"[step, leap] = [{bounds.step[k]}, {bounds.leap[k]}]"))
    K = instance.n_disrupted if max_later_slots is None else max_later_slots
    add("max_later", placed & ~is_bounded & (new - old > K),
        lambda i: f"order {ids[i]} moves {new[i] - old[i]} slots later, more than K = {K}")

    # Terms (one definition: jisopt.objective).
    rows = np.flatnonzero(placed)
    per_pair = pair_terms(instance, rows, new[rows], ready)
    terms = {name: float(v.sum()) for name, v in per_pair.items()}
    terms["idle_slots"] += idle_slots_constant(instance)
    ratio_penalty, ratio_excess = 0.0, 0
    input_counts = (ratio_window_counts(instance, old, end)
                    if any(rule.hard for rule in instance.ratio_rules) else None)
    for r, (rule, counts) in enumerate(zip(
        instance.ratio_rules, ratio_window_counts(instance, np.where(placed, new, -1), end),
        strict=True,
    )):
        excess = window_excess(counts, rule.max_count)
        ratio_excess += int(excess.sum())
        if rule.hard:
            # Kept unless a window exceeds its cap (jisopt.ratio.window_caps).
            assert input_counts is not None  # counted above when a rule is hard
            cap = window_caps(input_counts[r], rule.max_count)
            for w in np.flatnonzero(~windows_kept(counts, input_counts[r], rule.max_count)):
                first = instance.first_slot + int(w)
                was = (f"more than {rule.max_count}" if cap[w] <= rule.max_count else
                       f"more than the {cap[w]} of the input sequence (H = {rule.max_count})")
                viol.append(Violation(
                    "ratio", None,
                    f"option {instance.option_names[rule.option]} appears {counts[w]} times in "
                    f"slots [{first}, {first + rule.window}), {was}"))
        else:
            ratio_penalty += rule.penalty * float(excess.sum())
    terms["ratio_penalty"] = ratio_penalty
    assert set(terms) == set(OBJECTIVE_TERMS.values())

    changes = plan_changes(instance, plan)
    kpis: dict[str, float] = {
        "mean_delay_h": terms["total_delay_h"] / n if n else 0.0,
        "late_orders": int(np.count_nonzero(per_pair["total_delay_h"] > 0)),
        **changes.counts(instance),
        "ratio_excess": ratio_excess,
    }
    return Evaluation(tuple(viol), terms, kpis)


def _swap_violations(instance: Instance, plan: Plan) -> list[Violation]:
    """Every swap of ``plan`` that docs/model.md §3 does not allow, with its reasons."""
    out = []
    ids = instance.order_id
    used: set[tuple[int, int]] = set()
    disrupted = set(instance.disrupted_rows.tolist())
    pairs = set(zip(instance.disrupted_order.tolist(), instance.disrupted_supplier.tolist(),
                    strict=True))
    takt = instance.takt_h
    for s in plan.swaps:
        x, y, m = s.row, s.partner_row, s.supplier
        name = instance.supplier_names[m]
        problems = []
        if (x, m) not in pairs:
            problems.append(f"order {ids[x]}'s {name} part is not disrupted")
        if not instance.started[y, m]:
            problems.append(f"partner {ids[y]}'s {name} part has not started")
        if y in disrupted:
            problems.append(f"partner {ids[y]} is itself disrupted")
        if instance.version[x, m] != instance.version[y, m]:
            problems.append(f"versions differ ({instance.version[x, m]} vs {instance.version[y, m]})")
        if instance.slot[y] <= instance.slot[x]:
            problems.append(f"partner {ids[y]} is not later in the sequence")
        if is_later(instance.ready_h[y, m], instance.slot[x] * takt):
            problems.append(f"partner's part is ready at {instance.ready_h[y, m]:g} h, after "
                            f"order {ids[x]}'s slot start {instance.slot[x] * takt:g} h")
        if (x, m) in used or (y, m) in used:
            problems.append("a part is swapped twice")
        used.update({(x, m), (y, m)})
        for p in problems:
            out.append(Violation("swap", int(ids[x]), f"swap of {ids[x]} with {ids[y]} ({name}): {p}"))
    return out
