"""What a plan changes: moved and rescheduled orders, swaps, and sequence inversions.

These counts need no feasibility check and look only at the moved rows, so the
simulator counts them for every instance of a run; :func:`jisopt.evaluate.evaluate`
reports them among its KPIs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jisopt.instance import Instance
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
    every_placed = new.size == 0 or int(new.min()) >= 0
    if every_placed:
        moved, new_slot = (new != old).nonzero()[0], new
    else:
        placed = new >= 0
        moved, new_slot = (placed & (new != old)).nonzero()[0], np.where(placed, new, old)
    if moved.size == 0:
        return PlanChanges(moved, moved, 0, len(plan.swaps), np.zeros(instance.n_suppliers, np.int64))
    # reschedule_flags(instance, moved, new[moved]): every moved row's slot differs
    rescheduled = instance.has_started_of(moved)
    rescheduled_rows = moved[rescheduled]
    if _slot_order(instance) is None:  # rows in slot order: the moved started rows are known
        inversions = _inversions(instance, old, new_slot, rescheduled_rows, None)
    else:
        inversions = sequence_inversions(instance, new_slot)
    return PlanChanges(
        moved_rows=moved,
        rescheduled_rows=rescheduled_rows,
        changed_unstarted=int(moved.size - rescheduled_rows.size),
        swaps=len(plan.swaps),
        inversions=inversions,
    )


def _slot_order(instance: Instance) -> np.ndarray | None:
    """Row order by slot, ``None`` if the rows are in slot order (as the simulator's are)."""
    if "slot_order" not in instance._cache:
        old = instance.slot
        in_order = old.size < 2 or bool((old[1:] > old[:-1]).all())
        instance._cache["slot_order"] = None if in_order else np.argsort(old, kind="stable")
    return instance._cache["slot_order"]


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
    old = instance.slot
    order = _slot_order(instance)
    if order is not None:  # rows not in slot order: sort them
        old, new_slot = old[order], new_slot[order]
    moved = np.flatnonzero(new_slot != old)
    # Moved orders with no started component are in no pair (and none of the rows counted
    # between is one of them).
    moved = moved[instance.has_started_of(moved if order is None else order[moved])]
    return _inversions(instance, old, new_slot, moved, order)


def _inversions(instance: Instance, old: np.ndarray, new_slot: np.ndarray, moved: np.ndarray,
                order: np.ndarray | None) -> np.ndarray:
    """:func:`sequence_inversions` with the rows in slot order (``order``: row of each
    position, ``None`` if the instance's rows are), ``moved``: the positions of the moved
    orders with a started component."""
    n_sup = instance.n_suppliers
    out = np.zeros(n_sup, dtype=np.int64)
    if moved.size == 0:
        return out

    def started(positions: np.ndarray | slice) -> np.ndarray:
        """Started components of the orders at these positions (read for them only)."""
        return instance.started_of(positions if order is None else order[positions])

    new_moved = new_slot[moved]
    out += _moved_pair_inversions(new_moved, lambda k: started(moved[k]))
    # Moved order i, unmoved j: j's slot strictly between i's old and new slot. Only moves
    # by more than one slot pass any (the long moves of the disrupted orders, mostly).
    old_moved = old[moved]
    long = (np.abs(new_moved - old_moved) > 1).nonzero()[0]
    if long.size == 0:
        return out
    if long.size == 1:  # one long move (the disrupted order's, mostly): scalar bounds
        i = int(long[0])
        row, from_slot, to_slot = moved.item(i), old_moved.item(i), new_moved.item(i)
        # Rows a .. b-1 lie strictly between the two slots. With the instance's rows in
        # (strictly ascending) slot order, the moved row's own position is one end:
        # searchsorted(old, from_slot) is row (left) or row + 1 (right), and
        # searchsorted(moved, row) is i.
        if to_slot > from_slot:
            if order is None:
                a, c = row + 1, i + 1
            else:
                a = int(old.searchsorted(from_slot, side="right"))
                c = int(moved.searchsorted(a))
            b = int(old.searchsorted(to_slot, side="left"))
            d = int(moved.searchsorted(b)) if b > a else c
        else:
            a = int(old.searchsorted(to_slot, side="right"))
            c = int(moved.searchsorted(a))
            if order is None:
                b, d = row, i
            else:
                b = int(old.searchsorted(from_slot, side="left"))
                d = int(moved.searchsorted(b))
        if b > a:
            crossed = _column_counts(started(slice(a, b)))
            if d > c:
                crossed -= _column_counts(started(moved[c:d]))
            out += crossed * started(moved[i:i + 1])[0]
        return out
    lo = np.minimum(old_moved[long], new_moved[long])
    hi = np.maximum(old_moved[long], new_moved[long])
    f = np.searchsorted(old, lo, side="right")
    e = np.searchsorted(old, hi, side="left")
    wide = e > f
    if not wide.any():
        return out
    spans, f, e = long[wide], f[wide], e[wide]
    # The started orders in those rows, less the moved ones among them (their pairs are
    # counted above).
    mf, me = np.searchsorted(moved, f), np.searchsorted(moved, e)
    if spans.size <= _FEW_SPANS:
        crossed = np.empty((spans.size, n_sup), dtype=np.int64)
        for k, (a, b, c, d) in enumerate(zip(f.tolist(), e.tolist(), mf.tolist(), me.tolist(),
                                             strict=True)):
            crossed[k] = _column_counts(started(slice(a, b)))
            if d > c:
                crossed[k] -= _column_counts(started(moved[c:d]))
    else:
        r0, r1 = int(f.min()), int(e.max())
        csum = np.zeros((r1 - r0 + 1, n_sup), dtype=np.int64)
        np.cumsum(started(slice(r0, r1)), axis=0, out=csum[1:])
        cmoved = np.zeros((moved.size + 1, n_sup), dtype=np.int64)
        np.cumsum(started(moved), axis=0, out=cmoved[1:])
        crossed = csum[e - r0] - csum[f - r0] - (cmoved[me] - cmoved[mf])
    out += (crossed * started(moved[spans])).sum(axis=0)
    return out


_FEW_SPANS = 8
_MAX_PAIR_MATRIX = 4_000_000


def _column_counts(flags: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(flags, axis=0)`` of a ``(k, M)`` bool array, as int64.

    A float32 matrix-vector product: several times faster than a reduction along the
    first axis, and exact (every partial sum is an integer below 2**24)."""
    if flags.shape[0] >= 1 << 24:
        return np.count_nonzero(flags, axis=0).astype(np.int64)
    return (np.ones(flags.shape[0], dtype=np.float32) @ flags.astype(np.float32)).astype(np.int64)


def _moved_pair_inversions(seq: np.ndarray,
                           started: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | int:
    """Per supplier, pairs ``i < j`` of moved orders (in old order) with ``seq[i] > seq[j]``
    whose components of that supplier have both started (``started(k)``: ``(len(k), M)``
    for positions ``k``).

    An inverted pair has ``i`` among the positions that exceed a later value and ``j``
    among those below an earlier one; plans create few such positions, so their pairs are
    compared directly (per supplier :func:`_count_inversions` if there are many).
    """
    if seq.size < 2 or bool((seq[1:] >= seq[:-1]).all()):  # no order passes another
        return 0
    below = np.flatnonzero(seq[1:] < np.maximum.accumulate(seq)[:-1]) + 1
    if below.size == 0:
        return 0
    above = np.flatnonzero(seq[:-1] > np.minimum.accumulate(seq[::-1])[::-1][1:])
    if above.size * below.size <= _MAX_PAIR_MATRIX:
        inverted = (above[:, None] < below[None, :]) & (seq[above][:, None] > seq[below][None, :])
        pairs = inverted.astype(np.int64) @ started(below).astype(np.int64)
        return (pairs * started(above)).sum(axis=0)
    every = started(np.arange(seq.size))
    return np.array([_count_inversions(seq[every[:, m]]) for m in range(every.shape[1])],
                    dtype=np.int64)


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
