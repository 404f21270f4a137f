"""The chain rule with gap filling, worked by hand (docs/model.md §3).

Every case uses takt 1 h, now 0 h and two suppliers with lead times 8 h (``s0``)
and 3 h (``s1``): supplier ``s0`` has started the parts of slots 1..8, ``s1``
those of slots 1..3. Orders are named by id ``100 + slot`` unless a test says
otherwise; the expected sequences list the order id of every slot (``None``: gap).
"""

from __future__ import annotations

import numpy as np
from strategies import build_instance, layout

from jisopt.evaluate import evaluate
from jisopt.policies import RulePolicy
from jisopt.policies.rules import reinsert

TAKT_H = 1.0
LEAD_H = [8.0, 3.0]


def _instance(slots, disruptions, order_id=None, first_slot=1, horizon_slots=10):
    ids = order_id or [100 + s for s in slots]
    return build_instance(takt_h=TAKT_H, now_h=0.0, lead_time_h=LEAD_H, slots=slots, order_id=ids,
                          disruptions=disruptions, first_slot=first_slot,
                          horizon_slots=horizon_slots, due_h=[100.0] * len(slots))


def test_chain_stops_at_first_gap():
    # Slots 1..10 with a gap at 6. Order 102 (slot 2): its s0 part is late, ready at 4 h.
    # step = max(2 + 1, ceil(4 / 1)) = 4; leap = max(4, floor((0 + 8) / 1)) = 8.
    slots = [1, 2, 3, 4, 5, 7, 8, 9, 10]
    inst = _instance(slots, [(1, 0, "delay", 4.0)])
    plan = RulePolicy("step")(inst)
    # 102 leaves a gap at 2 and goes to 4; 104 is pushed to 5, 105 to 6 -- the gap:
    # the chain stops there and 107..110 keep their slots. Slot 2 stays empty.
    assert layout(inst, plan.slot, 1, 11) == [101, None, 103, 102, 104, 105, 107, 108, 109, 110]
    assert plan.info == {"orders": [102], "step": [4], "leap": [8], "target": [4]}
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations
    # 102, 104, 105 moved and all have a started s0 part.
    assert ev.terms["reschedules"] == 3
    # Idle: 10 horizon slots, 9 orders, all still within 1..10 -> 1 idle slot (slot 2).
    assert ev.terms["idle_slots"] == 1


def test_chain_runs_into_a_spare_slot_past_the_horizon():
    # Same instance, leap rule: 102 goes to 8; 108 -> 9, 109 -> 10, 110 -> 11, which is
    # empty (a spare slot beyond the horizon 1..10): the chain ends there.
    slots = [1, 2, 3, 4, 5, 7, 8, 9, 10]
    inst = _instance(slots, [(1, 0, "delay", 4.0)])
    plan = RulePolicy("leap")(inst)
    assert layout(inst, plan.slot, 1, 13) == [
        101, None, 103, 104, 105, None, 107, 102, 108, 109, 110, None]
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations
    # Slots 2 and 6 of the horizon are empty now (110 left it): 2 idle slots.
    assert ev.terms["idle_slots"] == 2


def test_gap_of_a_removed_order_is_filled_by_a_later_chain():
    # Slots 1..10 with a gap at 8. Two late s0 parts at one instant:
    #   102 (slot 2), ready 3.5 h: step = max(3, ceil(3.5)) = 4, leap 8;
    #   105 (slot 5), ready 5.5 h: step = max(6, ceil(5.5)) = 6, leap 8.
    slots = [1, 2, 3, 4, 5, 6, 7, 9, 10]
    inst = _instance(slots, [(1, 0, "delay", 3.5), (4, 0, "delay", 5.5)])
    plan = RulePolicy("step")(inst)
    # Both removed first (gaps at 2 and 5). 102 -> 4 pushes 104 into 5, the gap 105
    # left: the chain stops. 105 -> 6 pushes 106 -> 7, 107 -> 8 (gap): stop.
    assert layout(inst, plan.slot, 1, 11) == [101, None, 103, 102, 104, 105, 106, 107, 109, 110]
    assert evaluate(inst, plan).feasible


def test_tied_targets_smaller_leap_first_and_never_displaced():
    # Slots 1..10 with gaps at 7 and 9. Two late parts at one instant:
    #   order 50 at slot 3, s1 part (L = 3 h) ready 5 h: step = max(4, 5) = 5,
    #     leap = max(5, floor(3 / 1)) = 5;
    #   order 20 at slot 4, s0 part (L = 8 h) ready 5 h: step = max(5, 5) = 5, leap = 8.
    slots = [1, 2, 3, 4, 5, 6, 8, 10]
    ids = [101, 102, 50, 20, 105, 106, 108, 110]
    inst = _instance(slots, [(2, 1, "delay", 5.0), (3, 0, "delay", 5.0)], order_id=ids)
    plan = RulePolicy("step")(inst)
    # Both target 5; the smaller leap goes first (although 20 < 50 by id): 50 -> 5,
    # 105 -> 6, 106 -> 7 (gap). Then 20: slot 5 holds 50, reinserted in this instance,
    # so 20 goes right after it, to 6: 105 -> 7, 106 -> 8, 108 -> 9 (gap): stop.
    assert layout(inst, plan.slot, 1, 11) == [101, 102, None, None, 50, 20, 105, 106, 108, 110]
    assert plan.info["target"] == [5, 5]
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations  # 50 within [5, 5], 20 within [5, 8]


def test_tied_targets_and_leaps_by_order_id():
    # Slots 1..10 with a gap at 8. Late s0 parts (leap 8 for both):
    #   order 30 at slot 2, ready 4.5 h: step = max(3, 5) = 5;
    #   order 10 at slot 3, ready 5 h:   step = max(4, 5) = 5.
    slots = [1, 2, 3, 4, 5, 6, 7, 9, 10]
    ids = [101, 30, 10, 104, 105, 106, 107, 109, 110]
    inst = _instance(slots, [(1, 0, "delay", 4.5), (2, 0, "delay", 5.0)], order_id=ids)
    plan = RulePolicy("step")(inst)
    # Order 10 first: -> 5, pushing 105 -> 6, 106 -> 7, 107 -> 8 (gap). Order 30: slot 5
    # holds 10, so 30 -> 6, pushing 105 -> 7, 106 -> 8, 107 -> 9, 109 -> 10, 110 -> 11.
    assert layout(inst, plan.slot, 1, 12) == [
        101, None, None, 104, 10, 30, 105, 106, 107, 109, 110]
    assert evaluate(inst, plan).feasible


def test_two_orders_at_one_instant_distinct_targets_keep_them():
    # Slots 1..10, no gap. Late s0 parts: 103 ready 6 h (step 6), 106 ready 7.5 h (step 8).
    slots = list(range(1, 11))
    inst = _instance(slots, [(2, 0, "delay", 6.0), (5, 0, "delay", 7.5)])
    plan = RulePolicy("step")(inst)
    # Remove 103 and 106 (gaps 3 and 6). 103 -> 6: slot 6 is the gap 106 left, no
    # chain at all. 106 -> 8: 108 -> 9, 109 -> 10, 110 -> 11 (spare slot).
    assert layout(inst, plan.slot, 1, 12) == [
        101, 102, None, 104, 105, 103, 107, 106, 108, 109, 110]
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations
    assert ev.kpis["moved"] == 5


def test_reinsert_three_equal_targets_form_a_run():
    # reinsert() directly: rows of 104, 102 and 103 all targeted at slot 6 (same leap):
    # removed (gaps 2..4), then by id: 102 -> 6, 103 -> 7, 104 -> 8, each pushing the
    # chain 106, 107, ... one slot further; the chain ends in the gap at 9 and then
    # beyond the horizon at 11 and 12.
    slots = [1, 2, 3, 4, 5, 6, 7, 8, 10]
    inst = _instance(slots, [(1, 0, "delay", 5.0)])
    rows = np.array([3, 1, 2])
    new = reinsert(inst, rows, np.array([6, 6, 6]), np.array([6, 6, 6]), np.array([8, 8, 8]))
    assert layout(inst, new, 1, 13) == [
        101, None, None, None, 105, 102, 103, 104, 106, 107, 108, 110]


def test_tied_leap_targets_take_the_slot_before_and_the_chain_passes_over():
    # Slots 1..10, no gap. Late s0 parts of 102 (ready 4 h) and 103 (ready 5 h):
    #   102: step = max(3, 4) = 4, leap = floor(8 / 1) = 8;
    #   103: step = max(4, 5) = 5, leap = 8.  Under leap both target slot 8.
    slots = list(range(1, 11))
    inst = _instance(slots, [(1, 0, "delay", 4.0), (2, 0, "delay", 5.0)])
    plan = RulePolicy("leap")(inst)
    # Remove both (gaps 2, 3). Same target and leap: the narrower interval first, 103
    # ([5, 8]) -> 8: 108 -> 9, 109 -> 10, 110 -> 11 (spare). 102: slot 8 holds 103 and
    # 9 > leap, so the nearest earlier free slot of [4, 8]: 7. The chain from 7 passes
    # over 103 at 8: 107 -> 9, 108 -> 10, 109 -> 11, 110 -> 12.
    assert layout(inst, plan.slot, 1, 13) == [
        101, None, None, 104, 105, 106, 102, 103, 107, 108, 109, 110]
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations  # both within [step, 8]; 107..110 at most K = 2 later


def test_two_single_slot_intervals_on_one_slot_go_past_the_leap():
    # Failures of the s1 parts (L = 3 h, started for slots 1..3) of 101 and 102, known at
    # now = 0: both reproduced parts are ready at 0 + 3 = 3 h, so
    #   101: step = max(1 + 1, ceil(3 / 1)) = 3 = leap;  102: step = max(2 + 1, 3) = 3 = leap.
    # Both need slot 3: the rules cannot keep both within their bounds.
    slots = list(range(1, 11))
    inst = _instance(slots, [(0, 1, "failure", 3.0), (1, 1, "failure", 3.0)])
    plan = RulePolicy("step")(inst)
    # Remove both (gaps 1, 2). 101 (smaller id) takes 3, pushing 103 -> 4, ..., 110 -> 11
    # (spare). 102 finds all of [3, 3] held and goes to the first free slot past its leap,
    # 4, pushing 103 -> 5, ..., 110 -> 12.
    assert layout(inst, plan.slot, 1, 13) == [
        None, None, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110]
    ev = evaluate(inst, plan)
    assert [(v.kind, v.order) for v in ev.violations] == [("bounds", 102)]
