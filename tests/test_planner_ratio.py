"""The planner under H:N ratio rules: hand-worked cases, a brute-force reference, EDD
without rules."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jisopt.instance import RatioRule
from jisopt.sim.planner import free_planning_slots, plan_period


def _plan(sequence, options, due, vob, start, end, rules, **kw):
    sequence = np.asarray(sequence, dtype=np.int64).copy()
    slot = np.full(len(due), -1, dtype=np.int64)
    slot[sequence[sequence >= 0]] = np.flatnonzero(sequence >= 0)
    chosen = plan_period(sequence, slot, np.asarray(vob, dtype=np.int64), np.asarray(due, dtype=float),
                         start, end, options=np.asarray(options, dtype=bool).reshape(len(due), -1),
                         rules=rules, **kw)
    return sequence, slot, chosen


def test_one_in_two_alternates_and_leaves_a_gap_only_when_nothing_fits():
    # EDD: 0, 1, 2 carry the option, 3 does not. 1:2 rule.
    rules = (RatioRule(0, 1, 2),)
    seq, slot, chosen = _plan([-1] * 6, [1, 1, 1, 0], [1.0, 2.0, 3.0, 4.0], [0, 1, 2, 3], 0, 6, rules)
    # slot 0: 0; slot 1 is blocked for the option: 3; slot 2: 1; slot 3: only 2 waits, it
    # carries the option -> gap; slot 4: 2; slot 5: the VOB is empty.
    assert seq.tolist() == [0, 3, 1, -1, 2, -1]
    assert chosen.tolist() == [0, 3, 1, 2]
    assert slot.tolist() == [0, 2, 4, 1]


def test_alternation_with_enough_plain_orders_has_no_gap():
    rules = (RatioRule(0, 1, 2),)
    options = [1, 1, 1, 0, 0, 0]
    seq, _, _ = _plan([-1] * 6, options, [1.0, 2, 3, 4, 5, 6], range(6), 0, 6, rules)
    assert seq.tolist() == [0, 3, 1, 4, 2, 5]


def test_fixed_slots_before_and_after_are_respected():
    # Slot 3 (previous period) and slot 6 (pushed into the period by a chain) carry the
    # option; period [4, 8); rule 1:2. Slots 4, 5 and 7 each lie in a window with a
    # fixed optioned order, so only plain orders may go there.
    seq = [-1, -1, -1, 7, -1, -1, 8, -1, -1, -1]
    options = [1, 1, 1, 0, 0, 0, 0, 1, 1]
    due = [1.0, 2, 3, 4, 5, 6, 0, 0, 0]
    out, _, chosen = _plan(seq, options, due, [0, 1, 2, 3, 4], 4, 8, rules=(RatioRule(0, 1, 2),))
    assert out[4:8].tolist() == [3, 4, 8, -1]  # no plain order left for slot 7: a gap
    assert chosen.tolist() == [3, 4]


def test_window_reaching_into_the_next_period():
    # 1:3 rule, a pushed optioned order at slot 9 (next period): slots 7 and 8 of the
    # period [4, 9) are blocked by it, slots 5 and 6 by order 0 at slot 4 (EDD first);
    # order 1 fits nowhere after slot 4 and waits, slot 8 stays empty.
    seq = [-1] * 12
    seq[9] = 5
    options = [1, 1, 0, 0, 0, 1]
    due = [1.0, 2, 3, 4, 5, 0]
    out, _, _ = _plan(seq, options, due, [0, 1, 2, 3, 4], 4, 9, rules=(RatioRule(0, 1, 3),))
    assert out[4:10].tolist() == [0, 2, 3, 4, -1, 5]


def test_two_rules_and_a_soft_rule_that_does_not_steer():
    rules = (RatioRule(0, 1, 2), RatioRule(1, 1, 2), RatioRule(2, 1, 2, hard=False))
    # order 0: options 0 and 2; order 1: option 1 and 2; order 2: option 0; order 3: none.
    options = [[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 0, 0]]
    seq, _, _ = _plan([-1] * 4, options, [1.0, 2, 3, 4], range(4), 0, 4, rules)
    # slot 1: option 0 blocked, order 1 fits (the soft rule 2 is broken, allowed).
    assert seq.tolist() == [0, 1, 2, 3]


def test_scan_limit_bounds_the_orders_offered():
    rules = (RatioRule(0, 1, 2),)
    options = [1, 1, 0]
    seq, _, _ = _plan([-1] * 3, options, [1.0, 2, 3], range(3), 0, 3, rules, scan_limit=1)
    # slot 1 is offered only order 1 (the first waiting one), which does not fit.
    assert seq.tolist() == [0, -1, 1]
    seq, _, _ = _plan([-1] * 3, options, [1.0, 2, 3], range(3), 0, 3, rules, scan_limit=None)
    assert seq.tolist() == [0, 2, 1]


def test_slack_slots_stay_empty_with_rules():
    rules = (RatioRule(0, 1, 2),)
    seq = np.full(8, -1, dtype=np.int64)
    slot = np.full(6, -1, dtype=np.int64)
    plan_period(seq, slot, np.arange(6), np.arange(6.0), 0, 8, slack_every=4,
                options=np.array([[1], [0], [1], [0], [1], [0]], dtype=bool), rules=rules)
    assert seq[3] == -1 and seq[7] == -1
    assert seq.tolist() == [0, 1, 2, -1, 3, 4, 5, -1]


# ---- a brute-force reference --------------------------------------------------------

def _reference(sequence, options, due, vob, start, end, rules, slack_every, scan_limit):
    """The greedy written out plainly: for each free slot, the first waiting order (EDD,
    among the first ``scan_limit``) whose options keep every hard rule in every window
    containing the slot."""
    seq = list(sequence)
    ranked = sorted(vob, key=lambda o: (due[o], o))
    hard = [r for r in rules if r.hard]

    def fits(o, s):
        for r in hard:
            if not options[o][r.option]:
                continue
            for a in range(max(0, s - r.window + 1), s + 1):
                count = sum(1 for j in range(a, a + r.window)
                            if j < len(seq) and seq[j] >= 0 and options[seq[j]][r.option])
                if count + 1 > r.max_count:
                    return False
        return True

    for s in free_planning_slots(np.asarray(sequence), start, end, slack_every).tolist():
        offered = ranked if scan_limit is None else ranked[:scan_limit]
        for o in offered:
            if fits(o, s):
                seq[s] = o
                ranked.remove(o)
                break
    return seq


@st.composite
def _cases(draw):
    n_slots = draw(st.integers(4, 24))
    n_opt = draw(st.integers(1, 3))
    n_fixed = draw(st.integers(0, n_slots // 2))
    n_vob = draw(st.integers(0, 14))
    n = n_fixed + n_vob
    options = [[draw(st.booleans()) for _ in range(n_opt)] for _ in range(n)]
    slots = draw(st.permutations(list(range(n_slots))))[:n_fixed]
    sequence = [-1] * n_slots
    for o, s in enumerate(slots):
        sequence[s] = o
    start = draw(st.integers(0, n_slots - 1))
    end = draw(st.integers(start + 1, n_slots))
    due = [float(draw(st.integers(0, 6))) for _ in range(n)]
    rules = []
    for k in range(n_opt):
        window = draw(st.integers(1, 5))
        rules.append(RatioRule(k, draw(st.integers(1, window)), window, hard=draw(st.booleans())))
    slack = draw(st.one_of(st.none(), st.integers(2, 5)))
    limit = draw(st.one_of(st.none(), st.integers(1, 4)))
    return sequence, options, due, list(range(n_fixed, n)), start, end, tuple(rules), slack, limit


def _window_counts(seq, options, rule):
    """Count per window start 0 .. len - 1 (slots past the end are empty)."""
    carried = [1 if o >= 0 and options[o][rule.option] else 0 for o in seq]
    return [sum(carried[a:a + rule.window]) for a in range(len(seq))]


@given(_cases())
def test_planner_equals_the_brute_force_greedy(case):
    sequence, options, due, vob, start, end, rules, slack, limit = case
    seq = np.array(sequence, dtype=np.int64)
    slot = np.full(len(due), -1, dtype=np.int64)
    slot[seq[seq >= 0]] = np.flatnonzero(seq >= 0)
    plan_period(seq, slot, np.array(vob, dtype=np.int64), np.array(due), start, end, slack,
                options=np.array(options, dtype=bool).reshape(len(due), len(rules)), rules=rules,
                scan_limit=limit)
    assert seq.tolist() == _reference(sequence, options, due, vob, start, end, rules, slack, limit)
    # The hard rules the fixed part keeps stay kept; windows already over H get nothing.
    for rule in rules:
        if not rule.hard:
            continue
        before = _window_counts(sequence, options, rule)
        after = _window_counts(seq.tolist(), options, rule)
        for b, a in zip(before, after, strict=True):
            assert a <= max(b, rule.max_count) and (b <= rule.max_count or a == b)
    # No gap while a fitting order waits (without a scan limit).
    if limit is None:
        waiting = [o for o in vob if slot[o] < 0]
        for s in free_planning_slots(np.array(sequence), start, end, slack).tolist():
            if seq[s] >= 0:
                continue
            for o in waiting:
                trial = seq.tolist()
                trial[s] = o
                assert any(
                    max(_window_counts(trial, options, r)[max(0, s - r.window + 1):s + 1],
                        default=0) > r.max_count
                    for r in rules if r.hard and options[o][r.option])


@given(_cases())
def test_without_hard_rules_or_options_the_plan_is_plain_edd(case):
    sequence, options, due, vob, start, end, rules, slack, _ = case
    n = len(due)

    def run(**kw):
        seq = np.array(sequence, dtype=np.int64)
        slot = np.full(n, -1, dtype=np.int64)
        slot[seq[seq >= 0]] = np.flatnonzero(seq >= 0)
        chosen = plan_period(seq, slot, np.array(vob, dtype=np.int64), np.array(due), start, end,
                             slack, **kw)
        return seq.tolist(), slot.tolist(), chosen.tolist()

    plain = run()
    no_options = np.zeros((n, len(rules)), dtype=bool)
    hard = tuple(RatioRule(r.option, r.max_count, r.window) for r in rules)
    soft = tuple(RatioRule(r.option, r.max_count, r.window, hard=False) for r in rules)
    assert run(options=no_options, rules=hard) == plain  # the greedy path, nothing carries
    assert run(options=np.array(options, dtype=bool).reshape(n, len(rules)), rules=soft) == plain
    assert run(options=np.array(options, dtype=bool).reshape(n, len(rules)), rules=()) == plain


@pytest.mark.slow
def test_planner_time_for_a_week_of_one_minute_takts():
    rng = np.random.default_rng(0)
    n_slots, n_vob = 10080, 12000
    rules = tuple(RatioRule(k, h, w) for k, (h, w) in enumerate(((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))))
    shares = np.array([0.341, 0.494, 0.244, 0.301, 0.149])
    options = rng.random((n_vob, 5)) < shares
    seq = np.full(2 * n_slots, -1, dtype=np.int64)
    slot = np.full(n_vob, -1, dtype=np.int64)
    t0 = time.perf_counter()
    plan_period(seq, slot, np.arange(n_vob), rng.random(n_vob), n_slots // 2, n_slots // 2 + n_slots,
                options=options, rules=rules)
    assert time.perf_counter() - t0 < 5.0


def test_more_rules_than_bits_of_an_integer():
    # 70 hard rules (more than an int64 mask holds): rule k is 1:2 on option k % 2.
    rules = tuple(RatioRule(k % 2, 1, 2) for k in range(70))
    options = [[1, 0], [1, 0], [0, 1], [0, 1], [0, 0]]
    seq, _, _ = _plan([-1] * 5, options, [1.0, 2, 3, 4, 5], range(5), 0, 5, rules)
    assert seq.tolist() == [0, 2, 1, 3, 4]
