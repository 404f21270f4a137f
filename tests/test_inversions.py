"""Sequence inversions counted from the moved rows equal the count over all orders.

Oracles: the previous implementation (every started order sorted by slot, inversions of
the new slots counted in O(n log n)) and brute force over every pair. Instances are
arbitrary arrays (any started pattern, any new slots: later, earlier, colliding; rows in
slot order or not), built
with copied arrays and with deferred row readers as the simulator builds them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jisopt.changes import _count_inversions, sequence_inversions
from jisopt.instance import DeferredComponents, Instance


def inversions_all_orders(instance: Instance, new_slot: np.ndarray) -> np.ndarray:
    """The previous implementation: all started orders of each supplier."""
    out = np.zeros(instance.n_suppliers, dtype=np.int64)
    moved = new_slot != instance.slot
    if not moved.any():
        return out
    for m in range(instance.n_suppliers):
        if not (moved & instance.started[:, m]).any():
            continue
        rows = np.flatnonzero(instance.started[:, m])
        if rows.size < 2:
            continue
        rows = rows[np.argsort(instance.slot[rows], kind="stable")]
        out[m] = _count_inversions(new_slot[rows])
    return out


def inversions_brute_force(slot: np.ndarray, started: np.ndarray, new_slot: np.ndarray) -> list[int]:
    """Pairs of started orders whose order differs between the old and new slots (strictly)."""
    counts = []
    for m in range(started.shape[1]):
        rows = np.flatnonzero(started[:, m]).tolist()
        count = 0
        for a in rows:
            for b in rows:
                if slot[a] < slot[b] and new_slot[a] > new_slot[b]:
                    count += 1
        counts.append(count)
    return counts


def make_instance(slot: np.ndarray, started: np.ndarray, deferred: bool) -> Instance:
    n, n_sup = started.shape
    planned = np.where(started, 1.0, np.nan)
    arrays: dict = {"version": np.zeros((n, n_sup), dtype=np.int64), "planned_delivery_h": planned,
                    "ready_h": planned.copy()}
    if deferred:
        reader = DeferredComponents(
            version=lambda rows: arrays["version"][rows],
            planned_delivery_h=lambda rows: planned[rows],
            ready_h=lambda rows: planned[rows],
            started=lambda rows: started[rows],
            has_started=lambda rows: started.any(axis=1)[rows],
        )
        arrays = dict.fromkeys(arrays, reader)
    return Instance(
        now_h=0.0, takt_h=1.0, line_freeze_h=0.0,
        supplier_names=tuple(f"s{m}" for m in range(n_sup)),
        lead_time_h=np.ones(n_sup), first_slot=0, horizon_slots=int(slot.max(initial=0)) + 1,
        order_id=np.arange(n), slot=slot, due_h=np.zeros(n),
        disrupted_order=np.zeros(0, dtype=np.int64), disrupted_supplier=np.zeros(0, dtype=np.int64),
        disrupted_kind=np.zeros(0, dtype=np.int64), **arrays,
    )


@st.composite
def cases(draw):
    n = draw(st.integers(0, 40))
    n_sup = draw(st.integers(1, 3))
    slot = np.array(sorted(draw(st.sets(st.integers(0, 80), min_size=n, max_size=n))), dtype=np.int64)
    started = np.array(draw(st.lists(st.lists(st.booleans(), min_size=n_sup, max_size=n_sup),
                                     min_size=n, max_size=n)), dtype=bool).reshape(n, n_sup)
    new_slot = slot.copy()
    for i in draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)) if n else ():
        kind = draw(st.sampled_from(("later", "earlier", "any", "chain")))
        if kind == "later":
            new_slot[i] = slot[i] + draw(st.integers(1, 30))
        elif kind == "earlier":
            new_slot[i] = max(0, slot[i] - draw(st.integers(1, 30)))
        elif kind == "chain":
            new_slot[i] = slot[i] + 1
        else:
            new_slot[i] = draw(st.integers(0, 90))
    if draw(st.booleans()):  # rows need not be in slot order
        perm = np.array(draw(st.permutations(range(n))), dtype=np.int64)
        slot, started, new_slot = slot[perm], started[perm], new_slot[perm]
    return slot, started, new_slot


@settings(max_examples=400, deadline=None)
@given(cases(), st.booleans())
def test_moved_rows_count_equals_all_orders_and_brute_force(case, deferred):
    slot, started, new_slot = case
    instance = make_instance(slot, started, deferred)
    got = sequence_inversions(instance, new_slot)
    assert got.tolist() == inversions_all_orders(make_instance(slot, started, False), new_slot).tolist()
    assert got.tolist() == inversions_brute_force(slot, started, new_slot)


def test_long_random_permutations():
    """Many moves at once (distinct new slots, as in a feasible plan)."""
    rng = np.random.default_rng(3)
    for n in (50, 300, 2000):
        slot = np.sort(rng.choice(3 * n, n, replace=False))
        started = rng.random((n, 3)) < 0.7
        new_slot = slot.copy()
        moved = rng.random(n) < 0.5
        new_slot[moved] = rng.permutation(slot[moved])
        expected = inversions_all_orders(make_instance(slot, started, False), new_slot).tolist()
        if n <= 300:
            assert expected == inversions_brute_force(slot, started, new_slot)
        for deferred in (False, True):
            assert sequence_inversions(make_instance(slot, started, deferred), new_slot).tolist() == expected
