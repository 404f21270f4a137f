"""Property-based tests of the reinsertion rules and of evaluate() (docs/model.md §3, §5).

Random consistent instances (``strategies``) are answered by every rule, with and
without the component swap, for one and for several disruptions at one instant.
The plans must equal the independent reference (``reference_chain``) exactly and
satisfy the model's constraints, checked here directly and through evaluate().
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_chain import ref_bounds, ref_inversions, ref_plan, ref_ready_after, ref_swaps
from strategies import batch_instances, instances, single_instances

from jisopt.evaluate import evaluate, sequence_inversions
from jisopt.instance import FAILURE, Instance
from jisopt.policies import RulePolicy
from jisopt.policies.rules import rule_targets
from jisopt.subsequences import disruption_bounds

EXAMPLES = 100
RULES = ("step", "leap", "dynamic", "dynamic-skew", "ontime")
VARIANTS = {"single": single_instances, "batch": batch_instances}
SKEW_QUARTERS = st.integers(1, 12)  # skew threshold in quarter takts


def _policy(rule: str, swap: bool, inst: Instance, skew_q: int) -> tuple[RulePolicy, str, float]:
    if rule == "dynamic-skew":
        skew_h = skew_q * inst.takt_h / 4
        return RulePolicy("dynamic", swap=swap, skew_h=skew_h), "dynamic", skew_h
    return RulePolicy(rule, swap=swap), rule, 0.0


def _expected_positions(ref: dict, inst: Instance) -> dict[int, int]:
    """Where each reinserted order must land: in (target, leap, leap - step, id) order, at its target
    unless an earlier one holds it, then at the nearest free slot of its [step, leap]
    (later first), and past its leap only when the whole interval is held. With distinct
    targets every order is at its target."""
    ids = inst.order_id.tolist()
    items = sorted((ref["targets"][b.row], b.leap, b.leap - b.step, ids[b.row], b.step, b.row)
                   for b in ref["bounds"])
    out: dict[int, int] = {}
    for target, leap, _width, _oid, step, row in items:
        held = set(out.values())
        order = [target, *range(target + 1, leap + 1), *range(target - 1, step - 1, -1)]
        free = [s for s in order if s not in held]
        if free:
            out[row] = free[0]
        else:
            out[row] = next(s for s in range(leap + 1, leap + 2 + len(held)) if s not in held)
    return out


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("swap", [False, True], ids=["noswap", "swap"])
@pytest.mark.parametrize("rule", RULES)
def test_plan_equals_reference(rule, swap, variant):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(inst=VARIANTS[variant](), skew_q=SKEW_QUARTERS)
    def check(inst, skew_q):
        policy, base_rule, skew_h = _policy(rule, swap, inst, skew_q)
        plan = policy(inst)
        ref = ref_plan(inst, base_rule, swap, skew_h)
        assert [(s.row, s.partner_row, s.supplier) for s in plan.swaps] == ref["swaps"]
        assert plan.slot.tolist() == ref["slot"], (plan.info, ref["targets"])

    check()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("swap", [False, True], ids=["noswap", "swap"])
@pytest.mark.parametrize("rule", RULES)
def test_plan_properties(rule, swap, variant):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(inst=VARIANTS[variant](soft_ratio=True), skew_q=SKEW_QUARTERS)
    def check(inst, skew_q):
        policy, base_rule, skew_h = _policy(rule, swap, inst, skew_q)
        plan = policy(inst)
        ref = ref_plan(inst, base_rule, swap, skew_h)
        _check_constraints(inst, plan.slot.tolist(), ref)
        _check_targets_and_evaluation(inst, plan, ref)

    check()


def _check_constraints(inst: Instance, new: list[int], ref: dict) -> None:
    old = inst.slot.tolist()
    n, takt, now = inst.n_orders, inst.takt_h, inst.now_h
    # A permutation of the same orders: one slot each, at most one order per slot.
    assert len(new) == n and len(set(new)) == n, "two orders share a slot"
    assert min(new) >= inst.first_slot
    started = inst.started.tolist()
    ready = ref_ready_after(inst, ref["swaps"])
    lead = inst.lead_time_h.tolist()
    first_disrupted = min(old[i] for i in inst.disrupted_order.tolist())
    for i in range(n):
        if any(started[i]):
            assert new[i] >= old[i], f"order {inst.order_id[i]} with a started part moved earlier"
        for m in range(inst.n_suppliers):
            if started[i][m]:
                assert new[i] * takt >= ready[i][m], f"order {inst.order_id[i]} before its part"
            else:
                assert new[i] * takt - lead[m] > now, f"order {inst.order_id[i]} misses a call-off"
        if old[i] * takt < now + inst.line_freeze_h or old[i] < first_disrupted:
            assert new[i] == old[i], f"fixed order {inst.order_id[i]} moved"
    # Every order moves at most n_disrupted later (the disrupted ones aside).
    k = len(set(inst.disrupted_order.tolist()))
    for i in range(n):
        if i not in ref["targets"]:
            assert 0 <= new[i] - old[i] <= k


def _check_targets_and_evaluation(inst: Instance, plan, ref: dict) -> None:
    new = plan.slot.tolist()
    expected = _expected_positions(ref, inst)
    for row, pos in expected.items():
        assert new[row] == pos, (inst.order_id[row], ref["targets"][row], pos, new[row])
    leap = {b.row: b.leap for b in ref["bounds"]}
    step = {b.row: b.step for b in ref["bounds"]}
    targets = list(ref["targets"].values())
    if len(set(targets)) == len(targets):
        # Distinct targets: each order exactly at its target, within [step, leap].
        for row, t in ref["targets"].items():
            assert new[row] == t and step[row] <= t <= leap[row]
    ev = evaluate(inst, plan)
    # The only possible violation of a chain plan: a tied order whose whole [step, leap]
    # is held by orders reinserted before it.
    beyond = sorted(int(inst.order_id[r]) for r, p in expected.items() if p > leap[r])
    assert sorted((v.kind, v.order) for v in ev.violations) == [("bounds", o) for o in beyond]
    if len(set(targets)) == len(targets):
        assert ev.feasible
    _check_terms(inst, plan, ref, ev)


def _check_terms(inst: Instance, plan, ref: dict, ev) -> None:
    """Recompute every term and KPI directly, with plain loops."""
    old, new = inst.slot.tolist(), plan.slot.tolist()
    takt = inst.takt_h
    started = inst.started.tolist()
    ready = ref_ready_after(inst, ref["swaps"])
    due = inst.due_h.tolist()
    n = inst.n_orders
    delay = [max(0.0, (new[i] + 1) * takt - due[i]) for i in range(n)]
    has_started = [any(r) for r in started]
    stock = sum(max(0.0, new[i] * takt - ready[i][m])
                for i in range(n) for m in range(inst.n_suppliers) if started[i][m])
    in_horizon = sum(1 for s in new if inst.first_slot <= s < inst.horizon_end)
    # Soft ratio windows over [first_slot, end), end = horizon or last leap + 1, plus spares.
    orig = ref_bounds(inst)
    end = max(inst.horizon_end, max(b.leap for b in orig) + 1) + len(orig)
    # Penalty: excess over each window's cap max(H, old[w], old[w - 1]) (the input's counts,
    # no earlier window for the first); the KPI ratio_excess: every carrier above H.
    penalty, excess_over_h = 0.0, 0
    for rule in inst.ratio_rules:
        def counts(slots, rule=rule):
            carriers = {slots[i] for i in range(n) if inst.options[i, rule.option]}
            return [sum(1 for s in range(w, w + rule.window) if s in carriers)
                    for w in range(inst.first_slot, end - rule.window + 1)]
        before, after = counts(old), counts(new)
        for w, count in enumerate(after):
            cap = max(rule.max_count, before[w], before[w - 1] if w else 0)
            penalty += rule.penalty * max(0, count - cap)
            excess_over_h += max(0, count - rule.max_count)
    expected = {
        "total_delay_h": sum(delay),
        "reschedules": sum(1 for i in range(n) if has_started[i] and new[i] != old[i]),
        "displacement_h": sum(abs(new[i] - old[i]) * takt for i in range(n)),
        "stock_component_h": stock,
        "idle_slots": inst.horizon_slots - in_horizon,
        "ratio_penalty": penalty,
    }
    assert ev.terms == pytest.approx(expected)
    inversions = ref_inversions(old, new, started)
    kpis = {
        "late_orders": sum(1 for d in delay if d > 0),
        "changed_unstarted": sum(1 for i in range(n) if not has_started[i] and new[i] != old[i]),
        "moved": sum(1 for i in range(n) if new[i] != old[i]),
        "swaps": len(ref["swaps"]),
        "ratio_excess": excess_over_h,
        "inversions": sum(inversions),
        **{f"inversions_{name}": inversions[m] for m, name in enumerate(inst.supplier_names)},
    }
    assert {key: ev.kpis[key] for key in kpis} == kpis


@pytest.mark.parametrize("swap", [False, True], ids=["noswap", "swap"])
@settings(max_examples=EXAMPLES, deadline=None)
@given(inst=instances(max_disrupted=5))
def test_rule_none_leaves_the_sequence(inst, swap):
    plan = RulePolicy("none", swap=swap)(inst)
    assert np.array_equal(plan.slot, inst.slot)
    assert [(s.row, s.partner_row, s.supplier) for s in plan.swaps] == (ref_swaps(inst) if swap else [])


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(inst=instances(max_disrupted=5), skew_q=st.integers(-8, 16))
def test_targets_lie_within_step_and_leap(inst, skew_q):
    bounds = disruption_bounds(inst)
    ref = ref_bounds(inst)
    assert bounds.rows.tolist() == [b.row for b in ref]
    assert bounds.step.tolist() == [b.step for b in ref]
    assert bounds.leap.tolist() == [b.leap for b in ref]
    due = inst.due_h[bounds.rows]
    for rule in ("step", "leap", "dynamic", "ontime"):
        targets = rule_targets(rule, bounds, due, inst.takt_h)
        assert np.all(bounds.step <= targets) and np.all(targets <= bounds.leap), rule
    skewed = rule_targets("dynamic", bounds, due, inst.takt_h, skew_q * inst.takt_h / 4)
    assert np.all((skewed == bounds.step) | (skewed == bounds.leap))
    # A failure-only order: its part is reproduced, ready at now + L_m, so step = leap.
    failure_only = {
        int(r) for r in inst.disrupted_rows
        if all(k == FAILURE for o, k in zip(inst.disrupted_order, inst.disrupted_kind, strict=True)
               if o == r)
    }
    for k, row in enumerate(bounds.rows.tolist()):
        if row in failure_only:
            assert bounds.step[k] == bounds.leap[k]


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(data=st.data(), inst=instances())
def test_sequence_inversions_brute_force(data, inst):
    n = inst.n_orders
    pool = list(range(inst.first_slot, inst.first_slot + n + 5))
    new = data.draw(st.permutations(pool))[:n]
    got = sequence_inversions(inst, np.array(new, dtype=np.int64)).tolist()
    assert got == ref_inversions(inst.slot.tolist(), new, inst.started.tolist())


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(inst=instances(max_disrupted=5, soft_ratio=True))
def test_generated_instances_are_consistent(inst):
    # Not a test of jisopt but of the strategy every property above relies on.
    takt, now = inst.takt_h, inst.now_h
    natural = inst.slot[:, None] * takt - inst.lead_time_h[None, :] <= now
    started = inst.started
    # Every part due for call-off has started. An order's started parts started together,
    # at the slot p it held then (p <= its slot; p < slot for a postponed order, whose parts
    # wait in stock): planned delivery p * takt, and started exactly where p * takt - L <= now.
    assert np.all(started[natural])
    for i in np.flatnonzero(inst.has_started):
        planned = set(inst.planned_delivery_h[i][started[i]].tolist())
        assert len(planned) == 1
        p = planned.pop() / takt
        assert p == int(p) and p <= inst.slot[i]
        assert np.array_equal(started[i], p * takt - inst.lead_time_h <= now)
    # Only disrupted parts are late; each is after its slot start, beyond the line freeze.
    late = started & (np.nan_to_num(inst.ready_h, nan=-np.inf) > inst.slot[:, None] * takt)
    pairs = set(zip(inst.disrupted_order.tolist(), inst.disrupted_supplier.tolist(), strict=True))
    assert {(int(i), int(m)) for i, m in np.argwhere(late)} == pairs
    for i, m, kind in zip(inst.disrupted_order, inst.disrupted_supplier, inst.disrupted_kind,
                          strict=True):
        assert inst.slot[i] * takt >= now + inst.line_freeze_h
        if kind == FAILURE:
            assert inst.ready_h[i, m] == now + inst.lead_time_h[m]
    assert inst.n_disrupted >= 1 and len(pairs) <= 5
