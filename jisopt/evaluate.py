"""Solver-free evaluation of a plan: every violated constraint and every term.

This is the single definition of plan feasibility (docs/model.md §5) and of the
objective terms (via :mod:`jisopt.objective`). The simulator and the exact
model reuse it; the exact model's reported objective must equal
``evaluate(instance, plan).objective(weights)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jisopt.changes import PlanChanges, plan_changes, sequence_inversions
from jisopt.errors import printable
from jisopt.instance import Instance
from jisopt.objective import (
    OBJECTIVE_TERMS,
    Weights,
    idle_slots_constant,
    pair_terms,
    ratio_window_counts,
    user_pair_terms,
    window_excess,
)
from jisopt.plan import Plan
from jisopt.ratio import window_caps, windows_kept
from jisopt.slots import is_earlier, is_later, is_not_later
from jisopt.subsequences import disruption_bounds, slot_end, window_start

__all__ = [
    "Evaluation",
    "Placement",
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
class Placement:
    """Where a plan puts its placed orders: what user terms are evaluated on.

    Attributes
    ----------
    instance
        The snapshot.
    rows, slots
        The placed orders' rows and their new slots.
    ready_h
        Ready times after the plan's valid swaps.
    """

    instance: Instance
    rows: np.ndarray
    slots: np.ndarray
    ready_h: np.ndarray

    def user_terms(self, weights: Weights) -> dict[str, float]:
        """Plan totals of ``weights.user_terms`` (sums over the placed orders)."""
        per_pair = user_pair_terms(self.instance, self.rows, self.slots, weights.user_terms,
                                   self.ready_h)
        return {name: float(v.sum()) for name, v in per_pair.items()}


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
    placement
        The plan's placed orders and slots, on which the user terms of the weights given
        to :meth:`objective` are evaluated (``None``: no user term can be evaluated).
    """

    violations: tuple[Violation, ...]
    terms: dict[str, float]
    kpis: dict[str, float] = field(default_factory=dict)
    placement: Placement | None = field(default=None, repr=False, compare=False)

    @property
    def feasible(self) -> bool:
        """No constraint is violated."""
        return not self.violations

    def user_terms(self, weights: Weights | None = None) -> dict[str, float]:
        """Plan totals of the user terms of ``weights`` (empty without user terms).

        Raises
        ------
        ValueError
            If the weights carry user terms but the evaluation has no placement.
        InputError
            If a user term's cost function fails (naming the term).
        """
        if weights is None or not weights.has_user_terms:
            return {}
        if self.placement is None:
            raise ValueError("this evaluation holds no placement to evaluate user terms on")
        return self.placement.user_terms(weights)

    def objective(self, weights: Weights | None = None) -> float:
        """Weighted sum of the terms, user terms of ``weights`` included (default weights
        if ``None``)."""
        weights = weights or Weights()
        return float(weights.combine({**self.terms, **self.user_terms(weights)}))

    def summary(self, weights: Weights | None = None, shown: int = 20) -> str:
        """The evaluation for people, as ``jisopt check`` and ``jisopt solve`` print it: the
        objective terms with their weights, the objective, the KPIs, feasibility and the first
        ``shown`` violations (order names as the instance's labels give them)."""
        weights = weights or Weights()
        lines = ["objective terms:", f"  {'term':<20} {'value':>10} {'weight':>8} {'weighted':>10}"]
        weight_of = weights.as_dict()
        for key, term in OBJECTIVE_TERMS.items():
            value, w = self.terms[term], weight_of[key]
            lines.append(f"  {term:<20} {value:>10g} {w:>8g} {w * value:>10g}")
        lines.append(f"objective  {self.objective(weights):g}  (weights {weights})")
        kpis = ", ".join(f"{k} {v:g}" for k, v in self.kpis.items())
        lines.append(f"kpis       {kpis}")
        if self.feasible:
            lines.append("feasible   yes")
        else:
            lines.append(f"feasible   no: {len(self.violations)} violation(s)")
            lines.extend(f"  {v.kind:<15} {printable(v.message)}" for v in self.violations[:shown])
            if len(self.violations) > shown:
                lines.append(f"  ... ({len(self.violations) - shown} more; --json lists all)")
        return "\n".join(lines)

    def as_dict(self, weights: Weights | None = None) -> dict:
        """JSON-friendly summary: feasibility, violations, objective, terms (user terms
        too), KPIs."""
        weights = weights or Weights()
        user = self.user_terms(weights)
        return {
            "feasible": self.feasible,
            "violations": [v.as_dict() for v in self.violations],
            "objective": float(weights.combine({**self.terms, **user})),
            "weights": {**weights.as_dict(), **{t.name: t.weight for t in weights.user_terms}},
            **self.terms,
            **user,
            **self.kpis,
        }


def _order_namer(instance: Instance) -> Callable[[Any], str]:
    """Order id (an integer or numpy integer) -> the planner's label, for messages."""
    labels = instance.labels
    return lambda order_id: labels.order_label(int(order_id))


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
    label = _order_namer(instance)  # messages name orders as the planner does
    new = np.asarray(plan.slot, dtype=np.int64)
    old = instance.slot
    takt = instance.takt_h
    n = instance.n_orders
    if new.shape != (n,):
        raise ValueError(f"plan has {new.shape} slots for {n} orders")

    def add(kind: str, rows: np.ndarray, fmt: Callable[[int], str]) -> None:
        for i in np.flatnonzero(rows) if rows.dtype == bool else rows:
            viol.append(Violation(kind, int(ids[i]), fmt(int(i))))

    placed = new >= 0
    add("missing", ~placed, lambda i: f"order {label(ids[i])} has no slot")
    end = slot_end(instance)
    out_of_range = placed & ((new < instance.first_slot) | (new >= end))
    add("slot_range", out_of_range,
        lambda i: f"order {label(ids[i])} at slot {new[i]} outside [{instance.first_slot}, {end})")
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
        lambda i: f"order {label(ids[i])} may not move (slot {old[i]} is in the line freeze or before "
                  f"the first disrupted slot {window_first}), plan puts it at {new[i]}")
    add("window", placed & ~fixed & (new < window_first),
        lambda i: f"order {label(ids[i])} moves from slot {old[i]} to {new[i]}, before the first "
                  f"disrupted slot {window_first} (the reinsertion window starts there)")

    started = instance.started
    start_h = new * takt
    late_part = placed[:, None] & started & is_earlier(start_h[:, None], ready)
    for i, m in np.argwhere(late_part):
        viol.append(Violation(
            "ready", int(ids[i]),
            f"order {label(ids[i])} at slot {new[i]} starts at {start_h[i]:g} h before its "
            f"{instance.supplier_names[m]} part is ready at {ready[i, m]:g} h"))
    not_callable = placed[:, None] & ~started & (
        is_not_later(start_h[:, None] - instance.lead_time_h[None, :], instance.now_h)
    )
    for i, m in np.argwhere(not_callable):
        viol.append(Violation(
            "call_off", int(ids[i]),
            f"order {label(ids[i])} at slot {new[i]} leaves supplier {instance.supplier_names[m]} no "
            f"time: call-off at {start_h[i] - instance.lead_time_h[m]:g} h is not after now "
            f"{instance.now_h:g} h"))
    add("earlier", placed & instance.has_started & (new < old),
        lambda i: f"order {label(ids[i])} has a started component and moves earlier, "
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
                    f"disrupted order {label(ids[i])} at slot {new[i]} outside its "
                    f"[step, leap] = [{bounds.step[k]}, {bounds.leap[k]}]"))
    K = instance.n_disrupted if max_later_slots is None else max_later_slots
    add("max_later", placed & ~is_bounded & (new - old > K),
        lambda i: f"order {label(ids[i])} moves {new[i] - old[i]} slots later, more than K = {K}")

    # Terms (one definition: jisopt.objective).
    rows = np.flatnonzero(placed)
    per_pair = pair_terms(instance, rows, new[rows], ready)
    terms = {name: float(v.sum()) for name, v in per_pair.items()}
    terms["idle_slots"] += idle_slots_constant(instance)
    ratio_penalty, ratio_excess = 0.0, 0
    input_counts = ratio_window_counts(instance, old, end) if instance.ratio_rules else []
    for r, (rule, counts) in enumerate(zip(
        instance.ratio_rules, ratio_window_counts(instance, np.where(placed, new, -1), end),
        strict=True,
    )):
        ratio_excess += int(window_excess(counts, rule.max_count).sum())
        # Each window's cap (jisopt.ratio.window_caps): a hard rule keeps within it, a
        # soft rule pays for the excess over it (docs/model.md §5).
        cap = window_caps(input_counts[r], rule.max_count)
        if rule.hard:
            for w in np.flatnonzero(~windows_kept(counts, input_counts[r], rule.max_count)):
                first = instance.first_slot + int(w)
                was = (f"more than {rule.max_count}" if cap[w] <= rule.max_count else
                       f"more than the {cap[w]} of the input sequence (H = {rule.max_count})")
                viol.append(Violation(
                    "ratio", None,
                    f"option {instance.option_names[rule.option]} appears {counts[w]} times in "
                    f"slots [{first}, {first + rule.window}), {was}"))
        else:
            ratio_penalty += rule.penalty * float(window_excess(counts, cap).sum())
    terms["ratio_penalty"] = ratio_penalty
    assert set(terms) == set(OBJECTIVE_TERMS.values())

    changes = plan_changes(instance, plan)
    kpis: dict[str, float] = {
        "mean_delay_h": terms["total_delay_h"] / n if n else 0.0,
        "late_orders": int(np.count_nonzero(per_pair["total_delay_h"] > 0)),
        **changes.counts(instance),
        "ratio_excess": ratio_excess,
    }
    return Evaluation(tuple(viol), terms, kpis, Placement(instance, rows, new[rows], ready))


def _swap_violations(instance: Instance, plan: Plan) -> list[Violation]:
    """Every swap of ``plan`` that docs/model.md §3 does not allow, with its reasons."""
    out = []
    ids = instance.order_id
    label = _order_namer(instance)
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
            problems.append(f"order {label(ids[x])}'s {name} part is not disrupted")
        if not instance.started[y, m]:
            problems.append(f"partner {label(ids[y])}'s {name} part has not started")
        if y in disrupted:
            problems.append(f"partner {label(ids[y])} is itself disrupted")
        if instance.version[x, m] != instance.version[y, m]:
            problems.append(f"versions differ ({instance.version[x, m]} vs {instance.version[y, m]})")
        if instance.slot[y] <= instance.slot[x]:
            problems.append(f"partner {label(ids[y])} is not later in the sequence")
        if is_later(instance.ready_h[y, m], instance.slot[x] * takt):
            problems.append(f"partner's part is ready at {instance.ready_h[y, m]:g} h, after "
                            f"order {label(ids[x])}'s slot start {instance.slot[x] * takt:g} h")
        if (x, m) in used or (y, m) in used:
            problems.append("a part is swapped twice")
        used.update({(x, m), (y, m)})
        for p in problems:
            out.append(Violation("swap", int(ids[x]),
                                 f"swap of {label(ids[x])} with {label(ids[y])} ({name}): {p}"))
    return out
