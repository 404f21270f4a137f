"""The shift-aware cap of hard ratio rules (docs/model.md §5, jisopt.ratio.window_caps).

A window's cap is ``max(H, old[w], old[w - 1])``: the worst of the two input windows
it can come from under a displacement chain (which moves orders one slot later).
Properties on random carrier sequences compare it with loops over the windows; the
exact model's caps and ``evaluate`` are checked to take the same definition.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import instances

from jisopt.evaluate import evaluate
from jisopt.objective import ratio_window_counts, window_counts
from jisopt.policies import make_policy
from jisopt.policies.milp.data import build_data
from jisopt.ratio import hard_rules_kept, window_caps, windows_kept
from jisopt.subsequences import slot_end

carriers = st.lists(st.booleans(), min_size=1, max_size=30)
rules = st.tuples(st.integers(1, 3), st.integers(1, 6)).filter(lambda hn: hn[0] < hn[1])


def test_hand_worked_caps():
    # 1:2 rule, input carriers at slots 0, 1: windows [0,1] = 2, [1,2] = 1, [2,3] = 0,
    # [3,4] = 0. Caps: max(1, 2) = 2 (first window: no earlier one), max(1, 1, 2) = 2,
    # max(1, 0, 1) = 1, max(1, 0, 0) = 1.
    assert window_caps(np.array([2, 1, 0, 0]), 1).tolist() == [2, 2, 1, 1]
    # One row per rule, H broadcast per row: 2:5 counts [3, 3, 1] -> [3, 3, 3];
    # 1:3 counts [0, 2, 0] -> [1, 2, 2].
    caps = window_caps(np.array([[3, 3, 1], [0, 2, 0]]), np.array([[2], [1]]))
    assert caps.tolist() == [[3, 3, 3], [1, 2, 2]]
    # A single window (a rule longer than the area): its own count or H.
    assert window_caps(np.array([4]), 2).tolist() == [4]


@settings(max_examples=200, deadline=None)
@given(x=carriers, hn=rules)
def test_cap_is_the_worst_window_it_can_come_from(x, hn):
    h, n = hn
    old = window_counts(np.array(x, dtype=np.int64), n)
    caps = window_caps(old, h)
    for w in range(old.shape[0]):
        sources = [old[w]] + ([old[w - 1]] if w else [])
        assert caps[w] == max(h, *sources)
    # The input sequence keeps its own caps.
    assert windows_kept(old, old, h).all()


@settings(max_examples=200, deadline=None)
@given(x=carriers, hn=rules, data=st.data())
def test_a_chain_to_the_end_shifting_broken_windows_is_kept(x, hn, data):
    # Reinsert an order without the option at slot t; every order from t on moves one
    # slot later, into the spare slot at the end (the area is one slot longer than x).
    h, n = hn
    t = data.draw(st.integers(0, len(x) - 1))
    before = np.array([*x, False], dtype=np.int64)
    after = np.array([*x[:t], False, *x[t:]], dtype=np.int64)
    old, new = window_counts(before, n), window_counts(after, n)
    assert windows_kept(new, old, h).all()


@settings(max_examples=200, deadline=None)
@given(x=carriers, hn=rules, data=st.data())
def test_a_chain_shifting_by_two_can_only_be_kept_within_the_caps(x, hn, data):
    # Two chains over one stretch move it two slots later: kept exactly where every
    # window stays within max(H, old[w], old[w - 1]) -- the loops' verdict.
    h, n = hn
    t = data.draw(st.integers(0, len(x) - 1))
    before = np.array([*x, False, False], dtype=np.int64)
    after = np.array([*x[:t], False, False, *x[t:]], dtype=np.int64)
    old, new = window_counts(before, n), window_counts(after, n)
    loops = all(new[w] <= max(h, old[w], old[w - 1] if w else old[w]) for w in range(new.shape[0]))
    assert bool(windows_kept(new, old, h).all()) == loops


@settings(max_examples=40, deadline=None)
@given(inst=instances(max_disrupted=3, hard_ratio=True))
def test_evaluate_the_exact_model_and_the_rules_share_the_caps(inst):
    end = slot_end(inst)
    counts = ratio_window_counts(inst, inst.slot, end)
    # The input sequence always keeps the rules.
    assert hard_rules_kept(inst, inst.slot)
    data = build_data(inst)
    for rule, rw, c in zip(inst.ratio_rules, data.ratio, counts, strict=True):
        if rule.hard:
            cap = window_caps(c, rule.max_count)
            np.testing.assert_array_equal(rw.cap, cap[rw.start - inst.first_slot])
    # A ratio-aware plan: ok <=> evaluate finds no broken window <=> hard_rules_kept.
    plan = make_policy("ratio-step")(inst)
    broken = any(v.kind == "ratio" for v in evaluate(inst, plan).violations)
    assert (plan.status == "ok") == (not broken) == hard_rules_kept(inst, plan.slot)
