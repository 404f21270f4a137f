"""The data of the exact reinsertion model (docs/model.md §5), shared by every solver path.

:func:`build_data` turns an instance into the arrays both the Pyomo model
(:mod:`jisopt.policies.milp.model`) and the assignment path
(:mod:`jisopt.policies.milp.fast`) solve, so the two cannot disagree on what
the model is:

* the **window** ``[window_start, end)``: from the first disrupted slot to
  :func:`jisopt.subsequences.slot_end`; every order whose slot lies in it is a
  *window order*, every other order keeps its slot;
* one **slot interval** ``[lower, upper]`` per window order: every constraint
  family except assignment and ratio rules bounds an order's slot from below or
  above, so each is one small function in :mod:`jisopt.policies.milp.bounds`
  (the intersection is the set of slots the order may take);
* the **candidate pairs** (window order, slot in its candidate interval) with
  their weighted cost, computed by :func:`jisopt.objective.pair_terms` (never
  re-derived here); the candidate interval is the slot interval cut by the
  exact candidate reduction (:func:`jisopt.policies.milp.bounds.exchange_lower_bounds`,
  docs/milp.md "Candidate reduction"), unless ``build_data(..., reduce=False)``;
* the **constant** part of the objective (orders outside the window, the idle
  constant, soft-ratio excess in windows no window order can reach);
* per ratio rule, the **windows** that overlap the reinsertion window, with the
  count of the option carried by orders outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jisopt.instance import Instance, RatioRule
from jisopt.objective import (
    Weights,
    idle_slots_constant,
    pair_terms,
    ratio_window_counts,
    weighted_pair_costs,
    window_excess,
)
from jisopt.policies.milp.bounds import (
    BOUND_FAMILIES,
    exchange_lower_bounds,
    exchangeable_groups,
    reduction_applies,
    slot_intervals,
)
from jisopt.ratio import window_caps
from jisopt.slots import is_earlier
from jisopt.subsequences import slot_end, window_start

__all__ = [
    "RatioWindows",
    "ReinsertionData",
    "build_data",
]

@dataclass(frozen=True)
class RatioWindows:
    """The windows of one ``H:N`` rule that a window order carrying the option can enter.

    Attributes
    ----------
    rule
        The rule.
    start
        ``(W,)`` first slot of each such window (``N`` consecutive slots).
    fixed_count
        ``(W,)`` number of slots in the window held by orders outside the
        reinsertion window that carry the option.
    carrier
        ``(n_window,)`` bool: the window order carries the option.
    cap
        ``(W,)`` right-hand side of each window's constraint, for hard and soft rules
        alike: ``max(H, count under the input sequence)`` (:func:`jisopt.ratio.window_caps`:
        a window the input already breaks may not get worse). A hard rule's count stays
        within it; a soft rule's excess over it is penalised (docs/model.md §5).
    """

    rule: RatioRule
    start: np.ndarray
    fixed_count: np.ndarray
    carrier: np.ndarray
    cap: np.ndarray


@dataclass(frozen=True)
class ReinsertionData:
    """Sets and coefficients of the exact model for one instance.

    Attributes
    ----------
    instance, weights
        The snapshot and the objective weights.
    candidate_lower, candidate_upper
        ``(n_window,)`` candidate intervals (inclusive) when the candidate
        reduction cut them, else ``None`` (the pairs span ``[lower, upper]``);
        read them through :attr:`pair_lower` and :attr:`pair_upper`.
    reduced
        The candidate reduction was applied (``build_data(..., reduce=True)`` and
        the weights carry only terms it knows).
    ratio_exempt
        ``(n_window,)`` bool: window orders whose options the ratio windows ignore (the
        option relaxation, ``build_data(..., ratio_exempt=...)``), else ``None`` (the model).
    ready_h
        The ready times after component swaps the model was built with (``None``: the
        instance's).
    max_later_slots
        ``K``: how far an order that is not a bounded disrupted order may move later.
    enforce_bounds
        Whether each disrupted order is kept within its own [step, leap].
    window_start, end
        The reinsertion window ``[window_start, end)`` of slots.
    rows
        ``(n_window,)`` instance rows of the window orders, by ascending old slot.
    lower, upper
        ``(n_window,)`` each window order's slot interval (inclusive).
    lower_family, upper_family
        ``(n_window,)`` index into :data:`BOUND_FAMILIES` of the family that sets
        the bound (the first, if several agree).
    pair_order, pair_slot, pair_cost
        ``(P,)`` candidate pairs: position in ``rows``, absolute slot, and the
        weighted separable cost of the pair (in objective units).
    constant
        Objective part that no decision changes.
    ratio
        One :class:`RatioWindows` per ratio rule of the instance.
    fixed_hard_excess
        Hard ratio rules violated whatever the model decides (in windows no
        carrier among the window orders can enter): ``(rule index, window start,
        count)``.
    fixed_late_parts
        Started parts of orders before the window (they keep their slots) that are
        ready only after their slot starts, which no decision can repair:
        ``(row, supplier, ready_h)``; the model is then infeasible, as
        :func:`~jisopt.evaluate.evaluate` would find every plan (``ready``).
    """

    instance: Instance
    weights: Weights
    max_later_slots: int
    enforce_bounds: bool
    window_start: int
    end: int
    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_family: np.ndarray
    upper_family: np.ndarray
    pair_order: np.ndarray
    pair_slot: np.ndarray
    pair_cost: np.ndarray
    constant: float
    ratio: tuple[RatioWindows, ...]
    fixed_hard_excess: tuple[tuple[int, int, int], ...]
    fixed_late_parts: tuple[tuple[int, int, float], ...] = ()
    candidate_lower: np.ndarray | None = None
    candidate_upper: np.ndarray | None = None
    reduced: bool = False
    ratio_exempt: np.ndarray | None = None
    ready_h: np.ndarray | None = None

    @property
    def pair_lower(self) -> np.ndarray:
        """``(n_window,)`` first candidate slot of each window order: ``lower``, or the
        reduced bound ``candidate_lower`` (docs/milp.md, "Candidate reduction")."""
        return self.lower if self.candidate_lower is None else self.candidate_lower

    @property
    def pair_upper(self) -> np.ndarray:
        """``(n_window,)`` last candidate slot of each window order."""
        return self.upper if self.candidate_upper is None else self.candidate_upper

    @property
    def n_window(self) -> int:
        """Number of window orders."""
        return int(self.rows.shape[0])

    @property
    def n_slots(self) -> int:
        """Number of slots in the window."""
        return max(self.end - self.window_start, 0)

    @property
    def n_pairs(self) -> int:
        """Number of candidate pairs."""
        return int(self.pair_order.shape[0])

    @property
    def empty_intervals(self) -> np.ndarray:
        """Positions (in ``rows``) of window orders with no feasible slot."""
        return np.flatnonzero(self.lower > self.upper)

    @property
    def has_ratio_rules(self) -> bool:
        """The instance has ratio rules (the model needs the Pyomo path)."""
        return bool(self.ratio)

    def slot_array(self, chosen_pairs: np.ndarray) -> np.ndarray:
        """Full ``(n,)`` slot array of a plan from the chosen pair per window order.

        Parameters
        ----------
        chosen_pairs
            ``(n_window,)`` index of the chosen candidate pair for each window order.
        """
        slot = self.instance.slot.copy()
        slot[self.rows[self.pair_order[chosen_pairs]]] = self.pair_slot[chosen_pairs]
        return slot

    def pair_index(self, plan_slot: np.ndarray) -> np.ndarray | None:
        """Index of the candidate pair each window order takes in a plan.

        Returns ``None`` if some window order's slot in the plan is not a candidate
        (outside its interval, cut by the candidate reduction, or left out of a
        :meth:`restricted` model; :meth:`exchanged` turns any plan of the model into one
        of the candidates of the reduced model that costs no more).
        """
        want = np.asarray(plan_slot)[self.rows]
        # Pairs are stored order by order, slots ascending within each order.
        span = self.n_slots + 1
        keys = self.pair_order * span + (self.pair_slot - self.window_start)
        wanted = np.arange(self.n_window) * span + (want - self.window_start)
        if ((want < self.window_start) | (want >= self.end)).any():
            return None
        at = np.searchsorted(keys, wanted)
        if (at >= keys.shape[0]).any() or not np.array_equal(keys[np.minimum(at, keys.shape[0] - 1)],
                                                              wanted):
            return None
        return at.astype(np.int64)

    def restricted(self, keep: np.ndarray) -> ReinsertionData:
        """The model with only the candidate pairs ``keep`` (``(P,)`` bool): a restriction,
        so each of its plans is a plan of this model with the same objective.

        Ratio windows that no kept carrier pair enters stay in the model (their rows
        then hold constants only).
        """
        keep = np.asarray(keep, dtype=bool)
        return replace(self, pair_order=self.pair_order[keep], pair_slot=self.pair_slot[keep],
                       pair_cost=self.pair_cost[keep])

    def exchanged(self, plan_slot: np.ndarray) -> np.ndarray:
        """The plan with the slots of each exchangeable group handed out by old slot.

        The constructive step of the reduction's proof (docs/milp.md, "Candidate
        reduction"): for a plan of the model, the result is a plan of the model with
        no larger objective whose window orders take candidate slots. A plan that is
        not a plan of the model (e.g. outside the window) is returned re-sorted the
        same way, with no promise.
        """
        slot = np.array(plan_slot, dtype=np.int64, copy=True)
        if not self.reduced:
            return slot
        positions, group = exchangeable_groups(
            _grouping_instance(self.instance, self.rows, self.ratio_exempt), self.rows,
            self.lower, self.upper, bool(self.weights.delay)
        )
        rows = self.rows[positions]
        by_old = np.lexsort((self.instance.slot[rows], group))
        by_new = np.lexsort((slot[rows], group))
        slot[rows[by_old]] = slot[rows[by_new]]
        return slot

    def soft_excess(self, chosen: np.ndarray) -> list[np.ndarray]:
        """Per ratio rule, the excess over the cap in each of its model windows
        when every window order takes its chosen pair (:func:`jisopt.objective.window_excess`)."""
        return [window_excess(count, rw.cap)
                for rw, count in zip(self.ratio, self.window_counts(chosen), strict=True)]

    def reschedule_flags(self) -> np.ndarray:
        """``(P,)`` the ``reschedules`` term of every candidate pair (1: the order has a started
        part and the pair moves it), with the ready times the model was built with; the
        coefficients of the Pareto front's epsilon row."""
        work = self.instance if self.ready_h is None else self.instance.replace(ready_h=self.ready_h)
        return np.asarray(pair_terms(work, self.rows[self.pair_order], self.pair_slot,
                                     terms=("reschedules",))["reschedules"])

    def window_counts(self, chosen: np.ndarray) -> list[np.ndarray]:
        """Per ratio rule, the option count in each of its model windows when every window
        order takes its chosen pair (``(n_window,)`` pair indices)."""
        slot_of = self.pair_slot[chosen]
        out = []
        for rw in self.ratio:
            carried = np.sort(slot_of[rw.carrier])
            n_in = np.searchsorted(carried, rw.start + rw.rule.window) - np.searchsorted(carried, rw.start)
            out.append(rw.fixed_count + n_in)
        return out

    def broken_hard_windows(self, chosen: np.ndarray) -> list[np.ndarray]:
        """Per ratio rule, ``(W,)`` bool: the window's count exceeds its cap under ``chosen``
        (all ``False`` for a soft rule)."""
        return [(count > rw.cap) & rw.rule.hard
                for rw, count in zip(self.ratio, self.window_counts(chosen), strict=True)]

    def plan_objective(self, chosen: np.ndarray) -> float:
        """Model objective of the plan given by one chosen pair per window order."""
        value = float(self.pair_cost[chosen].sum()) + self.constant
        for rw, excess in zip(self.ratio, self.soft_excess(chosen), strict=True):
            if not rw.rule.hard:
                value += self.weights.ratio * rw.rule.penalty * float(excess.sum())
        return value

    def describe_interval(self, k: int) -> str:
        """Readable reason why window order ``k`` has the interval it has."""
        inst = self.instance
        i = int(self.rows[k])
        return (
            f"order {inst.order_id[i]} (slot {inst.slot[i]}): earliest slot {self.lower[k]} "
            f"({BOUND_FAMILIES[self.lower_family[k]]}) > latest slot {self.upper[k]} "
            f"({BOUND_FAMILIES[self.upper_family[k]]})"
        )


def _ratio_windows(
    inst: Instance, rows: np.ndarray, end: int, pair_order: np.ndarray, pair_slot: np.ndarray,
    weights: Weights, exempt: np.ndarray | None = None,
) -> tuple[tuple[RatioWindows, ...], tuple[tuple[int, int, int], ...], float]:
    """Windows of every rule that a window order carrying the option can enter.

    ``exempt`` (``(n_window,)`` bool, optional): window orders whose options no window
    counts (the option relaxation of :func:`build_data`); caps and the counts of the
    orders outside the window stay those of the real options.

    Every other window's count is fixed by the orders outside the reinsertion
    window. Its count never exceeds the input count, so never the window's cap
    (``max(H, input count)``, hard and soft rules alike): a soft excess over the cap
    would go into the constant, a hard one makes the model infeasible (reported in
    ``fixed_hard_excess``); both are kept as guards.
    """
    out, hard_excess = [], []
    constant = 0.0
    if not inst.ratio_rules:
        return (), (), constant
    outside_slot = inst.slot.copy()
    outside_slot[rows] = -1  # window orders are decided by the model
    fixed_counts = ratio_window_counts(inst, outside_slot, end)
    input_counts = ratio_window_counts(inst, inst.slot, end)
    options = (inst.options if inst.options is not None
               else np.zeros((inst.n_orders, len(inst.option_names)), dtype=bool))
    for r, (rule, counts) in enumerate(zip(inst.ratio_rules, fixed_counts, strict=True)):
        cap = window_caps(input_counts[r], rule.max_count)
        starts = inst.first_slot + np.arange(counts.shape[0])
        carrier = options[rows, rule.option].astype(bool)
        if exempt is not None:
            carrier &= ~exempt
        # Candidate pairs of carriers per slot, prefix-summed over [first_slot, end).
        per_slot = np.zeros(end - inst.first_slot + 1, dtype=np.int64)
        np.add.at(per_slot, pair_slot[carrier[pair_order]] - inst.first_slot + 1, 1)
        csum = np.cumsum(per_slot)
        # A window longer than the area is the whole area (ratio_window_counts).
        stop = np.minimum(starts - inst.first_slot + rule.window, end - inst.first_slot)
        reachable = (csum[stop] - csum[starts - inst.first_slot]) > 0
        fixed_excess = np.maximum(counts[~reachable] - cap[~reachable], 0)
        if rule.hard:
            for w in np.flatnonzero(fixed_excess):
                hard_excess.append((r, int(starts[~reachable][w]), int(counts[~reachable][w])))
        else:
            constant += weights.ratio * rule.penalty * float(fixed_excess.sum())
        out.append(RatioWindows(rule=rule, start=starts[reachable], fixed_count=counts[reachable],
                                carrier=carrier, cap=cap[reachable]))
    return tuple(out), tuple(hard_excess), constant


def build_data(
    instance: Instance,
    weights: Weights | None = None,
    *,
    max_later_slots: int | None = None,
    enforce_bounds: bool = True,
    ready_h: np.ndarray | None = None,
    reduce: bool = True,
    ratio_exempt: np.ndarray | None = None,
) -> ReinsertionData:
    """Build the sets and coefficients of the exact model.

    Parameters
    ----------
    instance
        The snapshot.
    weights
        Objective weights (default :class:`~jisopt.weights.Weights`).
    max_later_slots
        ``K`` (default: the number of disrupted orders).
    enforce_bounds
        Keep each disrupted order within its own [step, leap].
    ready_h
        ``(n, M)`` ready times after component swaps (default: the instance's).
        Readiness, the [step, leap] bounds, which disrupted orders still need
        action and the terms then use them, as :func:`~jisopt.evaluate.evaluate`
        does for a plan with swaps; the window stays the instance's.
    reduce
        Build the candidate pairs within the reduced candidate intervals (exact:
        the optimum is that of the full model, docs/milp.md "Candidate reduction");
        ``False`` builds every pair of every slot interval. The reduction switches
        itself off for weights with terms it does not know.
    ratio_exempt
        ``(n,)`` bool over the instance's orders, optional: window orders whose options
        no ratio window counts. The result is a *relaxation* of the model (every plan of
        the model is one of the relaxation, at no higher cost: hard caps and the counts of
        the orders outside the window stay the real ones, and a count can only fall), used
        for the lower bound of :mod:`jisopt.policies.milp.relaxation`. The candidate
        reduction then groups the exempt orders as carrying no option.

    Returns
    -------
    ReinsertionData
        Window, slot intervals, candidate pairs with costs, constant and ratio windows.
    """
    inst = instance
    weights = weights or Weights()
    K = inst.n_disrupted if max_later_slots is None else int(max_later_slots)
    end = slot_end(inst)
    # The state the plan acts on: the instance's ready times after swaps, if any.
    work = inst if ready_h is None else inst.replace(ready_h=ready_h)
    start = window_start(inst)
    in_window = inst.slot >= start
    rows = np.flatnonzero(in_window)
    rows = rows[np.argsort(inst.slot[rows], kind="stable")]
    lower, upper, lower_family, upper_family = slot_intervals(
        work, rows, start, end, K, enforce_bounds
    )
    reduced = reduce and reduction_applies(weights)
    exempt = None if ratio_exempt is None else np.asarray(ratio_exempt, dtype=bool)[rows]
    grouping = _grouping_instance(work, rows, exempt)
    pair_lower = (exchange_lower_bounds(grouping, rows, lower, upper, bool(weights.delay)) if reduced
                  else lower)
    # Candidate pairs: order by order, slots ascending (pair_index relies on it).
    width = np.maximum(upper - pair_lower + 1, 0)
    pair_order = np.repeat(np.arange(rows.shape[0]), width)
    offset = np.concatenate(([0], np.cumsum(width)[:-1])) if rows.size else np.zeros(0, np.int64)
    pair_slot = pair_lower[pair_order] + np.arange(pair_order.shape[0]) - np.repeat(offset, width)
    pair_cost = weighted_pair_costs(work, rows[pair_order], pair_slot, weights)
    # Constant: orders outside the window at their own slots, the idle constant.
    outside = np.flatnonzero(~in_window)
    constant = weights.idle * idle_slots_constant(inst)
    if outside.size:
        constant += float(weighted_pair_costs(work, outside, inst.slot[outside], weights).sum())
    late_parts = _fixed_late_parts(work, outside)
    ratio, hard_excess, ratio_constant = _ratio_windows(
        inst, rows, end, pair_order, pair_slot, weights, exempt
    )
    return ReinsertionData(
        instance=inst,
        weights=weights,
        max_later_slots=K,
        enforce_bounds=enforce_bounds,
        window_start=start,
        end=end,
        rows=rows,
        lower=lower,
        upper=upper,
        lower_family=lower_family,
        upper_family=upper_family,
        pair_order=pair_order.astype(np.int64),
        pair_slot=pair_slot.astype(np.int64),
        pair_cost=np.asarray(pair_cost, dtype=np.float64),
        constant=float(constant + ratio_constant),
        ratio=ratio,
        fixed_hard_excess=hard_excess,
        fixed_late_parts=late_parts,
        candidate_lower=pair_lower if reduced else None,
        candidate_upper=upper if reduced else None,
        reduced=reduced,
        ratio_exempt=exempt,
        ready_h=ready_h,
    )


def _grouping_instance(inst: Instance, rows: np.ndarray, exempt: np.ndarray | None) -> Instance:
    """The instance the candidate reduction groups by: the options of ``exempt`` window
    orders (positions in ``rows``) cleared, as the option relaxation counts them."""
    if exempt is None or inst.options is None or not exempt.any():
        return inst
    options = inst.options.copy()
    options[rows[exempt]] = False
    return inst.replace(options=options)


def _fixed_late_parts(work: Instance, outside: np.ndarray) -> tuple[tuple[int, int, float], ...]:
    """Started parts of the orders ``outside`` the window (at their own slots) ready
    after their slot starts (the test of :func:`~jisopt.evaluate.evaluate`'s ``ready``)."""
    if not outside.size:
        return ()
    ready = work.ready_h[outside]
    late = work.started_of(outside) & is_earlier((work.slot[outside] * work.takt_h)[:, None], ready)
    return tuple((int(outside[r]), int(m), float(ready[r, m])) for r, m in np.argwhere(late))
