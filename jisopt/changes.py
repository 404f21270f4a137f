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
        The snapshot (the simulator's rows are in slot order; others are sorted first).
    new_slot
        ``(n,)`` new slot of every row (unplaced rows keep their old slot).

    Returns
    -------
    numpy.ndarray
        ``(M,)`` int counts.
    """
    n_sup = instance.n_suppliers
    out = np.zeros(n_sup, dtype=np.int64)
    old = instance.slot
    if old.size > 1 and not (old[1:] > old[:-1]).all():  # rows not in slot order: sort them
        order = np.argsort(old, kind="stable")
        old, new_slot = old[order], new_slot[order]
    else:
        order = None

    def rows(r: np.ndarray | slice) -> np.ndarray | slice:
        return r if order is None else order[r]

    moved = np.flatnonzero(new_slot != old)
    # Moved orders with no started component are in no pair (and none of the rows counted
    # between is one of them).
    moved = moved[instance.has_started[rows(moved)]]
    if moved.size == 0:
        return out
    started_moved = instance.started_of(rows(moved))
    if not started_moved.any():
        return out
    new_moved = new_slot[moved]
    out += _moved_pair_inversions(new_moved, started_moved)
    # Moved order i, unmoved j: rows strictly between i's old and new slot.
    lo = np.minimum(old[moved], new_moved)
    hi = np.maximum(old[moved], new_moved)
    first_row = np.searchsorted(old, lo, side="right")
    end_row = np.searchsorted(old, hi, side="left")
    spans = np.flatnonzero(started_moved.any(axis=1) & (end_row > first_row))
    if spans.size == 0:
        return out
    f, e = first_row[spans], end_row[spans]
    # Started orders in those rows (read for these rows only) ...
    # ... less the moved orders among them (their pairs are counted above).
    mf, me = np.searchsorted(moved, f), np.searchsorted(moved, e)
    if spans.size <= _FEW_SPANS:  # mostly the long moves of the disrupted orders
        crossed = np.stack([
            np.count_nonzero(instance.started_of(rows(slice(a, b))), axis=0)
            - np.count_nonzero(started_moved[c:d], axis=0)
            for a, b, c, d in zip(f.tolist(), e.tolist(), mf.tolist(), me.tolist(), strict=True)])
    else:
        r0, r1 = int(f.min()), int(e.max())
        started = instance.started_of(rows(slice(r0, r1)))
        csum = np.zeros((r1 - r0 + 1, n_sup), dtype=np.int64)
        np.cumsum(started, axis=0, out=csum[1:])
        cmoved = np.zeros((moved.size + 1, n_sup), dtype=np.int64)
        np.cumsum(started_moved, axis=0, out=cmoved[1:])
        crossed = csum[e - r0] - csum[f - r0] - (cmoved[me] - cmoved[mf])
    out += (crossed * started_moved[spans]).sum(axis=0)
    return out


_FEW_SPANS = 8
_MAX_PAIR_MATRIX = 4_000_000


def _moved_pair_inversions(seq: np.ndarray, started: np.ndarray) -> np.ndarray:
    """Per supplier, pairs ``i < j`` of moved rows (in old order) with ``seq[i] > seq[j]``
    whose components of that supplier have both started (``started``: ``(k, M)``).

    An inverted pair has ``i`` among the rows that exceed a later value and ``j`` among
    those below an earlier one; plans create few such rows, so their pairs are compared
    directly (per supplier :func:`_count_inversions` if there are many).
    """
    n_sup = started.shape[1]
    if seq.size < 2:
        return np.zeros(n_sup, dtype=np.int64)
    below = np.flatnonzero(seq[1:] < np.maximum.accumulate(seq)[:-1]) + 1
    if below.size == 0:
        return np.zeros(n_sup, dtype=np.int64)
    above = np.flatnonzero(seq[:-1] > np.minimum.accumulate(seq[::-1])[::-1][1:])
    if above.size * below.size <= _MAX_PAIR_MATRIX:
        inverted = (above[:, None] < below[None, :]) & (seq[above][:, None] > seq[below][None, :])
        pairs = inverted.astype(np.int64) @ started[below].astype(np.int64)
        return (pairs * started[above]).sum(axis=0)
    return np.array([_count_inversions(seq[started[:, m]]) for m in range(n_sup)], dtype=np.int64)


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
