"""PolicySpec: one label format, round trips, and the built-in policies it builds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jisopt.errors import InputError
from jisopt.experiments.grid import Task
from jisopt.policies import (
    POLICY_NAMES,
    RULES,
    PolicySpec,
    RatioRulePolicy,
    RulePolicy,
    make_policy,
    split_labels,
)
from jisopt.policies.milp import ExactPolicy
from jisopt.policies.ratio_rules import RATIO_RULES
from jisopt.policies.spec import _typed
from jisopt.scenario import Scenario
from jisopt.weights import Weights

# ---- hand-worked labels ------------------------------------------------------------------


def test_a_label_reads_name_skew_options_swap():
    spec = PolicySpec.parse("ratio-dynamic(skew=6h)+swap")
    assert (spec.name, spec.swap, spec.skew_h, spec.options) == ("ratio-dynamic", True, 6.0, ())
    spec = PolicySpec.parse("milp[weights=delay=1,reschedules=0.2;time_limit_s=5]+swap")
    assert spec.name == "milp" and spec.swap and spec.skew_h is None
    # the value after the first '=' is the text "delay=1,reschedules=0.2"; "5" is typed as 5
    assert spec.options == (("time_limit_s", 5), ("weights", "delay=1,reschedules=0.2"))
    spec = PolicySpec.parse("./my_policy.py:GapFirst[window=40;strict=true]")
    assert spec.name == "./my_policy.py:GapFirst"
    assert spec.options == (("strict", True), ("window", 40))  # sorted by name
    assert spec.label == "./my_policy.py:GapFirst[strict=true;window=40]"


def test_swap_and_skew_given_as_options_move_to_their_fields():
    spec = PolicySpec("dynamic", options={"swap": True, "skew_h": 6, "unused": None})
    assert spec == PolicySpec("dynamic", swap=True, skew_h=6.0)
    assert spec.label == "dynamic(skew=6h)+swap"
    # numbers print as %g when that reads back exactly, else in full
    assert PolicySpec("dynamic", skew_h=0.1 + 0.2).label == "dynamic(skew=0.30000000000000004h)"


def test_the_issue_case_round_trips():
    policy = make_policy("dynamic", swap=True, skew_h=6)
    assert policy.name == "dynamic(skew=6h)+swap"
    assert PolicySpec.parse(policy.name).build() == policy


def test_every_builtin_name_builds_its_policy_again():
    policies = []
    for rule in RULES:
        for swap in (False, True):
            policies.append(RulePolicy(rule, swap=swap))
    policies += [RulePolicy("dynamic", skew_h=s, swap=w) for s in (-2.5, 6.0) for w in (False, True)]
    policies += [RatioRulePolicy(r, swap=w) for r in RATIO_RULES for w in (False, True)]
    policies += [RatioRulePolicy("dynamic", skew_h=3.0, swap=True)]
    policies += [ExactPolicy(), ExactPolicy(swap=True)]
    for policy in policies:
        spec = PolicySpec.parse(policy.name)
        assert spec.is_builtin and spec.build() == policy, policy.name
        assert spec.label == policy.name
    assert {PolicySpec.parse(p.name).name for p in policies} == set(POLICY_NAMES)


def test_milp_options_reach_the_exact_policy():
    policy = PolicySpec.parse("milp[weights=delay=1,reschedules=0.2;max_later_slots=3;"
                              "enforce_bounds=false]+swap").build()
    assert policy == ExactPolicy(weights=Weights(delay=1.0, reschedules=0.2), max_later_slots=3,
                                 enforce_bounds=False, swap=True)
    assert make_policy("milp", weights="delay=1,reschedules=0.2", max_later_slots=3,
                       enforce_bounds=False, swap=True) == policy


def test_the_scenario_gives_the_dynamic_rules_their_skew():
    skewed = Scenario().replace(dynamic_skew_h=4.0)
    assert PolicySpec.parse("dynamic").build(skewed) == RulePolicy("dynamic", skew_h=4.0)
    assert PolicySpec.parse("ratio-dynamic+swap").build(skewed) == RatioRulePolicy(
        "dynamic", swap=True, skew_h=4.0)
    # a skew in the label wins, also 0 (the label then differs from plain "dynamic")
    assert PolicySpec.parse("dynamic(skew=0h)").build(skewed) == RulePolicy("dynamic")
    assert PolicySpec.parse("dynamic(skew=1.5h)").build(skewed).skew_h == 1.5
    assert PolicySpec.parse("step").build(skewed) == RulePolicy("step")  # others take none
    assert PolicySpec.parse("dynamic").build() == RulePolicy("dynamic")  # no scenario: 0


@pytest.mark.parametrize("label, build_only", [
    ("step+fast", False),
    ("dynamic(skew=xh)", False),
    ("[a=1]", False),
    ("dynamic[a]", False),
    ("x:A[a=1;a=2]", False),
    ("dynamic]", False),
    ("", False),
    ("step[window=3]", True),
    ("milp[colour=red]", True),
    ("milp(skew=2h)", True),
    ("step(skew=2h)", True),
    ("ratio-none", True),
])
def test_bad_labels_raise_input_errors(label, build_only):
    if build_only:
        spec = PolicySpec.parse(label)
        with pytest.raises(InputError):
            spec.build()
    else:
        with pytest.raises(InputError):
            PolicySpec.parse(label)


def test_bad_option_values_are_refused():
    with pytest.raises(InputError, match="cannot hold"):
        PolicySpec("x:A", options={"k": "a;b"})
    with pytest.raises(InputError, match="finite"):
        PolicySpec("x:A", options={"k": math.inf})
    with pytest.raises(InputError, match="identifier"):
        PolicySpec("x:A", options={"not a key": 1})
    with pytest.raises(InputError, match="skew"):
        PolicySpec("dynamic", skew_h=math.nan)


def test_split_labels_keeps_commas_inside_options():
    assert split_labels("step, milp[weights=delay=1,reschedules=0.2]+swap,./x.py:A") == [
        "step", "milp[weights=delay=1,reschedules=0.2]+swap", "./x.py:A"]
    with pytest.raises(InputError):
        split_labels("step,,leap")


def test_tasks_use_the_spec_label():
    a = Task(policy="dynamic(skew=6h)+swap")
    b = Task(policy="dynamic", policy_options={"swap": True, "skew_h": 6.0})
    c = Task(policy=PolicySpec("dynamic", swap=True, skew_h=6.0))
    assert a == b == c and a.key == b.key == c.key
    assert a.policy_label == "dynamic(skew=6h)+swap" == a.policy_spec.label
    assert Task(policy="dynamic").params()["policy_options"] == []  # a plain name is unchanged
    with pytest.raises(InputError, match="label and in policy_options"):
        Task(policy="dynamic(skew=6h)", policy_options={"skew_h": 3.0})


# ---- the round trip over generated specs ---------------------------------------------------

KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda k: k not in ("swap", "skew_h"))
TEXTS = st.text(st.characters(blacklist_characters=";[]", blacklist_categories=("Cs", "Cc")),
                max_size=12).filter(lambda t: t == t.strip() and _typed(t) == t)
VALUES = st.one_of(st.booleans(), st.integers(-10**12, 10**12),
                   st.floats(allow_nan=False, allow_infinity=False), TEXTS)
NAMES = st.one_of(
    st.sampled_from(POLICY_NAMES),
    st.sampled_from(["my_pkg.policies:GapFirst", "./gap_first.py:GapFirst", "dyn-ep",
                     "../x/y.py:make", "mod:Outer.Inner"]),
)


@given(NAMES, st.booleans(), st.none() | st.floats(-1e6, 1e6, allow_nan=False),
       st.dictionaries(KEYS, VALUES, max_size=4))
def test_labels_round_trip(name, swap, skew_h, options):
    spec = PolicySpec(name, swap=swap, skew_h=skew_h, options=options)
    again = PolicySpec.parse(spec.label)
    assert again == spec
    assert again.label == spec.label
    assert Task(policy=spec).policy_label == spec.label


def test_make_policy_passes_values_a_label_cannot_hold():
    weights = Weights(delay=1.0, reschedules=0.5)
    policy = make_policy("milp+swap", weights=weights, highs_options={"threads": 1}, time_limit_s=2.0)
    assert policy == ExactPolicy(weights=weights, highs_options={"threads": 1}, time_limit_s=2.0,
                                 swap=True)
    with pytest.raises(InputError, match="not accepted"):
        make_policy("milp", colour={"red": 1})
    with pytest.raises(InputError):
        make_policy("step", weights=weights)
