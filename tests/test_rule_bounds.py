"""Step, leap and the rules' targets, worked by hand (docs/model.md §3).

Takt 0.5 h, now 10 h (slot 20 starts now), suppliers ``s0`` (lead time 5 h) and
``s1`` (2 h). Supplier ``s0`` has started the parts of slots s with
``s * 0.5 - 5 <= 10``, i.e. s <= 30; ``s1`` those of s <= 24. The sequence holds
orders ``100 + s`` at slots 20..31 (slot 31 is in the TPS).

    step = max(c + 1, ceil(R / takt)),   leap = max(step, floor((now + L_m) / takt))
"""

from __future__ import annotations

import pytest
from strategies import build_instance, layout

from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.policies import RulePolicy
from jisopt.subsequences import disruption_bounds

TAKT_H = 0.5
LEAD_H = [5.0, 2.0]
SLOTS = list(range(20, 32))


def _instance(disruptions, due_of=None, now_h=10.0, postponed_from=None):
    due = [100.0] * len(SLOTS)
    for row, d in (due_of or {}).items():
        due[row] = d
    return build_instance(takt_h=TAKT_H, now_h=now_h, lead_time_h=LEAD_H, slots=SLOTS,
                          order_id=[100 + s for s in SLOTS], due_h=due, disruptions=disruptions,
                          postponed_from=postponed_from)


ROW = {s: s - 20 for s in SLOTS}

# Delayed s0 part of order 122 (slot 22, c = 22), ready 12.25 h:
#   step = max(23, ceil(12.25 / 0.5) = ceil(24.5) = 25) = 25
#   leap = max(25, floor((10 + 5) / 0.5) = 30) = 30; completion under leap = 31 * 0.5 = 15.5 h.
DELAY_22 = [(ROW[22], 0, "delay", 12.25)]

CASES = [
    # (disruptions, due of the disrupted order, rule, skew, step, leap, target)
    (DELAY_22, 100.0, "step", 0.0, 25, 30, 25),
    (DELAY_22, 100.0, "leap", 0.0, 25, 30, 30),
    # dynamic: 15.5 > 15.5 is false -> leap; 15.5 > 15.25 -> step.
    (DELAY_22, 15.5, "dynamic", 0.0, 25, 30, 30),
    (DELAY_22, 15.25, "dynamic", 0.0, 25, 30, 25),
    # skewed dynamic, due 15: 15.5 > 15 + 0 -> step; 15.5 > 15 + 0.25 -> step;
    # 15.5 > 15 + 0.5 is false -> leap; 15.5 > 15 + 2 is false -> leap.
    (DELAY_22, 15.0, "dynamic", 0.0, 25, 30, 25),
    (DELAY_22, 15.0, "dynamic", 0.25, 25, 30, 25),
    (DELAY_22, 15.0, "dynamic", 0.5, 25, 30, 30),
    (DELAY_22, 15.0, "dynamic", 2.0, 25, 30, 30),
    # ontime: latest s in [25, 30] with (s + 1) * 0.5 <= due.
    # due 14 -> s <= 27; due 13 -> s <= 25 (exactly on time at step); due 12.5 -> s <= 24 <
    # step, so step; due 40 -> s <= 79, capped at leap 30.
    (DELAY_22, 14.0, "ontime", 0.0, 25, 30, 27),
    (DELAY_22, 13.0, "ontime", 0.0, 25, 30, 25),
    (DELAY_22, 12.5, "ontime", 0.0, 25, 30, 25),
    (DELAY_22, 40.0, "ontime", 0.0, 25, 30, 30),
    # Failure of the s0 part of 122: reproduced, ready 10 + 5 = 15 h:
    #   step = max(23, ceil(30)) = 30 = leap = max(30, floor(30)). Every rule: 30.
    *[([(ROW[22], 0, "failure")], due, rule, 0.0, 30, 30, 30)
      for rule in ("step", "leap", "dynamic", "ontime") for due in (5.0, 100.0)],
    # Failure of the s1 part of 123 (s1 started for s <= 24): ready 10 + 2 = 12 h:
    #   step = max(24, ceil(24)) = 24 = leap = max(24, floor(24)).
    *[([(ROW[23], 1, "failure")], 100.0, rule, 0.0, 24, 24, 24)
      for rule in ("step", "leap", "dynamic", "ontime")],
    # Short delay of the s1 part of 121 (slot start 10.5 h), ready 10.75 h:
    #   step = max(22, ceil(21.5)) = 22; leap = max(22, floor(12 / 0.5)) = 24.
    ([(ROW[21], 1, "delay", 10.75)], 100.0, "step", 0.0, 22, 24, 22),
    ([(ROW[21], 1, "delay", 10.75)], 100.0, "leap", 0.0, 22, 24, 24),
    # ontime, due 12: s <= 23 -> 23 (within [22, 24]).
    ([(ROW[21], 1, "delay", 10.75)], 12.0, "ontime", 0.0, 22, 24, 23),
    # Long delay of the same part, ready 13 h: step = max(22, 26) = 26 > floor(24): leap = 26.
    ([(ROW[21], 1, "delay", 13.0)], 100.0, "leap", 0.0, 26, 26, 26),
    # Two late parts of 122 at one instant: s0 ready 12.25 h, s1 ready 11.5 h.
    #   R = 12.25 -> step 25; L = max(5, 2) = 5 -> leap 30.
    ([(ROW[22], 0, "delay", 12.25), (ROW[22], 1, "delay", 11.5)], 100.0, "leap", 0.0, 25, 30, 30),
]


@pytest.mark.parametrize(("disruptions", "due", "rule", "skew", "step", "leap", "target"), CASES)
def test_rule_target(disruptions, due, rule, skew, step, leap, target):
    row = disruptions[0][0]
    inst = _instance(disruptions, {row: due})
    bounds = disruption_bounds(inst)
    assert (int(bounds.step[0]), int(bounds.leap[0])) == (step, leap)
    plan = RulePolicy(rule, skew_h=skew)(inst)
    assert plan.info["target"] == [target]
    assert int(plan.slot[row]) == target
    ev = evaluate(inst, plan)
    assert ev.feasible, ev.violations


def test_failure_with_now_between_slot_starts_has_step_equal_leap():
    # now = 10.125 h: s1 started for s * 0.5 - 2 <= 10.125, i.e. s <= 24.
    # Failure of 123's s1 part: ready 12.125 h -> step = max(24, ceil(24.25)) = 25,
    # floor((10.125 + 2) / 0.5) = floor(24.25) = 24 -> leap = max(25, 24) = 25.
    inst = _instance([(ROW[23], 1, "failure")], now_h=10.125)
    bounds = disruption_bounds(inst)
    assert (int(bounds.step[0]), int(bounds.leap[0])) == (25, 25)
    for rule in ("step", "leap", "dynamic", "ontime"):
        assert int(RulePolicy(rule)(inst).slot[ROW[23]]) == 25


def test_postponed_order_beyond_its_supplier_pps():
    # Order 126 (slot 26) was postponed: its parts started while it sat at slot 22 (planned
    # delivery 11 h, both s0 and s1 since 22 <= 24). Its s1 part is late, ready 13.5 h > 13 h.
    #   step = max(27, ceil(27)) = 27; leap = max(27, floor(12 / 0.5) = 24) = 27.
    inst = _instance([(ROW[26], 1, "delay", 13.5)], postponed_from={ROW[26]: 22})
    bounds = disruption_bounds(inst)
    assert (int(bounds.step[0]), int(bounds.leap[0])) == (27, 27)
    assert int(RulePolicy("leap")(inst).slot[ROW[26]]) == 27


def test_step_and_leap_sequences():
    inst = _instance(DELAY_22)
    # step: 122 -> 25; 125..131 each pushed one slot, 131 into the spare slot 32
    # (slot_end = max(32, 30 + 1) + 1 = 33). Slot 22 stays empty.
    step = RulePolicy("step")(inst)
    assert layout(inst, step.slot, 20, 33) == [
        120, 121, None, 123, 124, 122, 125, 126, 127, 128, 129, 130, 131]
    # leap: 122 -> 30; 130 -> 31, 131 -> 32.
    leap = RulePolicy("leap")(inst)
    assert layout(inst, leap.slot, 20, 33) == [
        120, 121, None, 123, 124, 125, 126, 127, 128, 129, 122, 130, 131]
    for plan in (step, leap):
        assert evaluate(inst, plan).feasible


def test_skew_only_for_dynamic():
    with pytest.raises(InputError):
        RulePolicy("step", skew_h=1.0)
    with pytest.raises(InputError):
        RulePolicy("fastest")
