"""What a plan changes: moved and rescheduled orders, swaps, and sequence inversions.

These counts need no feasibility check and look only at the moved rows, so the
simulator counts them for every instance of a run; :func:`jisopt.evaluate.evaluate`
reports them among its KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jisopt.instance import Instance
from jisopt.objective import reschedule_flags
from jisopt.plan import Plan

__all__ = ["PlanChanges", "plan_changes", "sequence_inversions"]


@dataclass(frozen=True)
class PlanChanges:
    """What a plan changes, without checking it (see :func:`plan_changes`).

    Attributes
    ----------
    moved_rows
        Placed rows whose slot changed.
    rescheduled_rows
        The moved rows that count as reschedules (the ``reschedules`` term,
        :func:`jisopt.objective.reschedule_flags`: a started component).
    changed_unstarted
        Moved orders without a started component.
    swaps
        Component swaps of the plan.
    inversions
        ``(M,)`` per supplier, pairs of started orders whose relative order changed.
    """

    moved_rows: np.ndarray
    rescheduled_rows: np.ndarray
    changed_unstarted: int
    swaps: int
    inversions: np.ndarray

    @property
    def reschedules(self) -> int:
        """Number of rescheduled orders (the ``reschedules`` term)."""
        return int(self.rescheduled_rows.size)

    def counts(self, instance: Instance) -> dict[str, int]:
        """The counts as :attr:`jisopt.evaluate.Evaluation.kpis` names them."""
        out = {
            "changed_unstarted": self.changed_unstarted,
            "moved": int(self.moved_rows.size),
            "swaps": self.swaps,
            "inversions": int(self.inversions.sum()),
        }
        for m, name in enumerate(instance.supplier_names):
            out[f"inversions_{name}"] = int(self.inversions[m])
        return out


def plan_changes(instance: Instance, plan: Plan) -> PlanChanges:
    """Count what a plan changes: reschedules, other moves, swaps, inversions.

    These are the counting figures of :func:`jisopt.evaluate.evaluate` (which uses this
    function), at a fraction of its cost: no constraint is checked and only moved rows are
    looked at, so the simulator can count every instance of a run.
    """
    new = np.asarray(plan.slot, dtype=np.int64)
    old = instance.slot
    placed = new >= 0
    moved = np.flatnonzero(placed & (new != old))
    if moved.size == 0:
        return PlanChanges(moved, moved, 0, len(plan.swaps), np.zeros(instance.n_suppliers, np.int64))
    rescheduled = reschedule_flags(instance, moved, new[moved])
    return PlanChanges(
        moved_rows=moved,
        rescheduled_rows=moved[rescheduled],
        changed_unstarted=int(moved.size - np.count_nonzero(rescheduled)),
        swaps=len(plan.swaps),
        inversions=sequence_inversions(instance, np.where(placed, new, old)),
    )


def sequence_inversions(instance: Instance, new_slot: np.ndarray) -> np.ndarray:
    """Per supplier, pairs of started orders whose relative order changed.

    Only pairs with a moved order can change their order, so the count looks at the
    moved rows and at the started orders between a moved order's old and new slot:
    a pair of two moved orders is an inversion of the moved orders' new slots taken in
    their old order; a moved order ``i`` and an unmoved ``j`` change their order when
    ``j``'s slot lies strictly between ``i``'s old and new slot. The rows between are
    found with :func:`numpy.searchsorted` over the instance's (sorted) slots, and their
    started components are read for that row range only.

    Parameters
    ----------
    instance
        The snapshot (its rows are sorted by slot).
    new_slot
        ``(n,)`` new slot of every row (unplaced rows keep their old slot).

    Returns
    -------
    numpy.ndarray
        ``(M,)`` int counts.
    """
    out = np.zeros(instance.n_suppliers, dtype=np.int64)
    old = instance.slot
    moved = np.flatnonzero(new_slot != old)
    if moved.size == 0:
        return out
    started_moved = instance.started_of(moved)
    suppliers = np.flatnonzero(started_moved.any(axis=0))
    if suppliers.size == 0:
        return out
    new_moved = new_slot[moved]
    lo = np.minimum(old[moved], new_moved)
    hi = np.maximum(old[moved], new_moved)
    # Rows strictly between: slot in (lo, hi) is rows [first_row, end_row).
    first_row = np.searchsorted(old, lo, side="right")
    end_row = np.searchsorted(old, hi, side="left")
    any_started = started_moved[:, suppliers].any(axis=1)
    spans = np.flatnonzero(any_started & (end_row > first_row))
    crossed = np.zeros((spans.size, suppliers.size), dtype=np.int64)
    if spans.size:  # few: mostly the long moves of disrupted orders
        r0, r1 = int(first_row[spans].min()), int(end_row[spans].max())
        started = instance.started_of(slice(r0, r1))[:, suppliers]
        for k, j in enumerate(spans.tolist()):
            crossed[k] = np.count_nonzero(started[first_row[j] - r0:end_row[j] - r0], axis=0)
    for k, m in enumerate(suppliers.tolist()):
        mine = started_moved[:, m]
        total = _count_inversions(new_moved[mine]) if np.count_nonzero(mine) > 1 else 0
        counted = mine[spans]
        if counted.any():
            # Unmoved started orders crossed: the started rows between, minus the moved ones
            # among them (their pairs are counted above).
            moved_rows = moved[mine]
            f, e = first_row[spans[counted]], end_row[spans[counted]]
            total += int(crossed[counted, k].sum())
            total -= int((np.searchsorted(moved_rows, e) - np.searchsorted(moved_rows, f)).sum())
        out[m] = total
    return out


def _count_inversions(seq: np.ndarray) -> int:
    """Pairs ``i < j`` with ``seq[i] > seq[j]``.

    Plans change a sequence in few places, so it splits into few ascending
    runs; inversions between two sorted runs are counted with one binary
    search each. Many runs fall back to Kendall's tau (O(n log n)).
    """
    seq = np.asarray(seq)
    starts = np.concatenate(([0], np.flatnonzero(seq[1:] < seq[:-1]) + 1, [seq.size]))
    n_runs = starts.size - 1
    if n_runs <= 1:
        return 0
    if n_runs > 40:
        n = seq.size
        from scipy.stats import kendalltau  # deferred: a slow import, rarely needed

        tau = kendalltau(np.arange(n), seq).statistic
        return round((1.0 - tau) * n * (n - 1) / 4.0)
    runs = [seq[starts[k]:starts[k + 1]] for k in range(n_runs)]
    total = 0
    for k in range(1, n_runs):
        later = runs[k]
        for earlier in runs[:k]:
            if earlier[-1] > later[0]:
                total += int(earlier.size * later.size
                             - np.searchsorted(earlier, later, side="right").sum())
    return total
