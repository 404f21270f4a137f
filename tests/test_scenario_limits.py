"""Scenario limits: every value that could hang a run, exhaust memory or give silent
nonsense is refused up front, in one line naming the file (or option), the field and the value."""

from __future__ import annotations

import contextlib
import copy
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jisopt.cli
from jisopt.errors import InputError
from jisopt.instance import FAILURE
from jisopt.scenario import (
    LIMITS,
    MAX_ATTEMPTS,
    MIN_ATTEMPTS,
    DisruptionSpec,
    Scenario,
    load_scenario,
    scenario_from_dict,
)
from jisopt.sim import Simulator
from jisopt.sim.runner import run_replication
from jisopt.sim.streams import AttemptLimitError, DisruptionDraws

REPO = Path(__file__).resolve().parents[1]
TRACTOR = (REPO / "models" / "tractor.toml").read_text()
SHORT = ["--days", "3", "--warmup-days", "1", "-r", "1", "-j", "1"]

pytestmark = pytest.mark.timeout(30)


def toml_with(tmp_path: Path, *changes: tuple[str, str], name: str = "bad.toml") -> Path:
    """The tractor file with lines ``old`` replaced by ``new``."""
    text = TRACTOR
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line_error(capsys, argv: list[str], *needles: str) -> str:
    code = jisopt.cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and "error" in err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


# ---- scenario files ---------------------------------------------------------------------------
CASES = [
    # (label, replacements, field as written in the file, value as printed)
    ("reliability 0", [("reliability = 0.97", "reliability = 0.0"),
                       ("failure_share = 0.10", "failure_share = 1.0")], "suppliers[0].reliability", "0.0"),
    ("reliability tiny, failures only", [("reliability = 0.97", "reliability = 1e-9"),
                                         ("failure_share = 0.10", "failure_share = 1.0")],
     "suppliers[0].reliability", "1e-09"),
    ("interarrival subnormal", [("mean_interarrival_h = 0.5", "mean_interarrival_h = 5e-324")],
     "demand.mean_interarrival_h", "5e-324"),
    ("interarrival inf", [("mean_interarrival_h = 0.5", "mean_interarrival_h = inf")],
     "demand.mean_interarrival_h", "inf"),
    ("days inf", [("days = 100.0", "days = inf")], "days", "inf"),
    ("days 1e308", [("days = 100.0", "days = 1e308")], "days", "1e+308"),
    ("days 2**63", [("days = 100.0", "days = 9223372036854775808")], "days", "9223372036854775808"),
    ("days 1e-6", [("days = 100.0", "days = 1e-6"), ("warmup_days = 30.0", "warmup_days = 0.0")],
     "days", "1e-06"),
    ("monitoring point 1e-9", [("point = 0.5 ", "point = 1e-9 ")], "monitoring.point", "1e-09"),
    ("lead time subnormal", [("lead_time_h = 144.0", "lead_time_h = 5e-324")],
     "suppliers[2].lead_time_h", "5e-324"),
    ("planning period subnormal", [("planning_period_h = 168.0", "planning_period_h = 5e-324")],
     "planning_period_h", "5e-324"),
    ("planning period inf", [("planning_period_h = 168.0", "planning_period_h = inf")],
     "planning_period_h", "inf"),
    ("frozen zone 2**63-1", [("frozen_zone_h = 672.0", "frozen_zone_h = 9223372036854775807")],
     "frozen_zone_h", "9223372036854775807"),
    ("frozen zone inf", [("frozen_zone_h = 672.0", "frozen_zone_h = inf")], "frozen_zone_h", "inf"),
    ("takt inf", [("takt_h = 0.5 ", "takt_h = inf ")], "takt_h", "inf"),
    ("takt subnormal", [("takt_h = 0.5 ", "takt_h = 5e-324 ")], "takt_h", "5e-324"),
    ("takt string", [("takt_h = 0.5 ", 'takt_h = "1" ')], "takt_h", "'1'"),
    ("takt boolean", [("takt_h = 0.5 ", "takt_h = true ")], "takt_h", "True"),
    ("rework inf", [("rework_h = 2.0", "rework_h = inf")], "rework_h", "inf"),
    ("rework nan", [("rework_h = 2.0", "rework_h = nan")], "rework_h", "nan"),
    ("skew inf", [("dynamic_skew_h = 0.0", "dynamic_skew_h = inf")], "dynamic_skew_h", "inf"),
    ("versions boolean", [("versions = 4", "versions = true")], "suppliers[0].versions", "True"),
    ("versions float", [("versions = 4", "versions = 4.0")], "suppliers[0].versions", "4.0"),
    ("versions 2**70", [("versions = 4", "versions = 1180591620717411303424")], "suppliers[0].versions",
     "1180591620717411303424"),
    ("enabled integer", [("enabled = true", "enabled = 1")], "monitoring.enabled", "1"),
    ("reliability string", [("reliability = 0.97", 'reliability = "0.97"')], "suppliers[0].reliability",
     "'0.97'"),
    ("delay min above max", [("delay_min_h = 2.0", "delay_min_h = 50.0")], "disruption.delay_max_h", ""),
    ("due factors reversed", [("due_min_factor = 1.0", "due_min_factor = 3.0")], "demand.due_max_factor",
     ""),
    ("duplicate supplier", [('name = "engine"', 'name = "drive"')], "suppliers[1].name", ""),
    ("slack every 2**70", [("# planning_slack_every = 20", "planning_slack_every = 1180591620717411303424")],
     "planning_slack_every", "1180591620717411303424"),
]


@pytest.mark.parametrize(("label", "changes", "field", "value"), CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_file_is_one_line(label, changes, field, value, tmp_path, capsys):
    path = toml_with(tmp_path, *changes)
    one_line_error(capsys, ["simulate", "--scenario", path, *SHORT, "--out", tmp_path / "out"],
                   str(path), f"'{field}'", value)


def test_field_of_a_nested_supplier_is_named_as_written(tmp_path, capsys):
    text = TRACTOR.replace("lead_time_h = 144.0", "lead_time_h = -1.0")
    path = tmp_path / "third.toml"
    path.write_text(text)
    one_line_error(capsys, ["simulate", "--scenario", path, *SHORT], "field 'suppliers[2].lead_time_h'")


@pytest.mark.parametrize("content", [
    "takt_h = 0.5\n".encode("utf-16"),  # with a byte-order mark
    "takt_h = 0.5\n".encode("utf-16-le"),  # NUL bytes
    bytes(range(256)),
    b"\x7fELF\x02\x01\x01\x00" + bytes(200),
])
def test_non_utf8_toml_is_one_line(content, tmp_path, capsys):
    path = tmp_path / "binary.toml"
    path.write_bytes(content)
    one_line_error(capsys, ["simulate", "--scenario", path, *SHORT], str(path), "TOML")


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    one_line_error(capsys, ["simulate", "--scenario", path, *SHORT], str(path), "TOML")


# ---- command-line options go through the same validation ---------------------------------------
FLAG_CASES = [
    (["--reliability", "0"], "'--reliability'", "0.0"),
    (["--reliability", "1.5"], "'--reliability'", "1.5"),
    (["--reliability", "nan"], "'--reliability'", "nan"),
    (["--reliability", "0.97,0"], "'--reliability'", "0.0"),
    (["--days", "inf"], "'--days'", "inf"),
    (["--days", "1e308"], "'--days'", "1e+308"),
    (["--days", "9223372036854775808"], "'--days'", "9.223372036854776e+18"),
    (["--days", "1e-6", "--warmup-days", "0"], "'--days'", "1e-06"),
    (["--warmup-days", "-1"], "'--warmup-days'", "-1.0"),
    (["--monitoring-point", "1e-9"], "'--monitoring-point'", "1e-09"),
    (["--monitoring-point", "0"], "'--monitoring-point'", "0.0"),
    (["--line-freeze-h", "inf"], "'--line-freeze-h'", "inf"),
    (["--planning-slack-every", "100000000000000000000000"], "'--planning-slack-every'",
     "100000000000000000000000"),
    (["--planning-slack-every", "1"], "'--planning-slack-every'", "1"),
]


@pytest.mark.parametrize(("flags", "field", "value"), FLAG_CASES, ids=[" ".join(c[0]) for c in FLAG_CASES])
def test_bad_scenario_option_names_the_option(flags, field, value, tmp_path, capsys):
    argv = ["simulate", "--days", "3", "--warmup-days", "1", "-r", "1", "-j", "1", *flags,
            "--out", tmp_path / "out"]
    one_line_error(capsys, argv, field, value)
    assert not (tmp_path / "out").exists()


def test_the_same_reliability_rule_in_the_file_and_on_the_command_line(tmp_path, capsys):
    path = toml_with(tmp_path, ("reliability = 0.97", "reliability = 0.0"))
    file_err = one_line_error(capsys, ["simulate", "--scenario", path, *SHORT], "suppliers[0].reliability")
    flag_err = one_line_error(capsys, ["simulate", *SHORT, "--reliability", "0"], "--reliability")
    assert file_err.split(": ")[-1] == flag_err.split(": ")[-1]  # the same rule, the same words


def test_conflict_with_the_file_names_the_file_and_the_options(tmp_path, capsys):
    path = toml_with(tmp_path, ("warmup_days = 30.0", "warmup_days = 5.0"))
    one_line_error(capsys, ["simulate", "--scenario", path, "--days", "4", "-r", "1", "-j", "1"],
                   f"{path} (with --days)", "'warmup_days'", "must be below days (4.0)")


@pytest.mark.parametrize("command", [
    ["reproduce", "--study", "skew", "--reliability", "0", "--quick"],
    ["reproduce", "--study", "skew", "--days", "inf"],
    ["gaps", "--simulate", "--reliability", "0"],
    ["gaps", "--simulate", "--monitoring-point", "1e-9"],
])
def test_other_commands_check_scenario_options(command, tmp_path, capsys):
    one_line_error(capsys, [*command, "-j", "1", "--out", tmp_path / "out.csv"], "'--")


@pytest.mark.parametrize("seed", ["-1", str(2**70), "1.5", str(2**63)])
@pytest.mark.parametrize("command", [
    ["simulate", *SHORT],
    ["reproduce", "--study", "skew", "--quick", "-j", "1"],
    ["gaps", "--simulate", "--days", "3", "--warmup-days", "1"],
    ["generate"],
])
def test_seed_is_checked_up_front(command, seed, tmp_path, capsys):
    out = tmp_path / ("x.json" if command[0] == "generate" else "out.csv" if command[0] == "gaps" else "o")
    one_line_error(capsys, [*command, "--seed", seed, "--out", out], "'--seed'", seed)
    assert not out.exists()


def test_largest_seed_works(tmp_path, capsys):
    out = tmp_path / "x.json"
    assert jisopt.cli.main(["generate", "--seed", str(2**63 - 1), "--out", str(out), "--slots", "200"]) == 0
    assert out.is_file()


@pytest.mark.parametrize("value", [str(10**23), "-1", "1e23"])
def test_max_later_out_of_range_is_one_line(value, capsys):
    with pytest.raises(SystemExit) as exc:
        jisopt.cli.main(["check", "--max-later", value, "a.json", "b.json"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-later" in err and "Traceback" not in err


# ---- what the limits keep ----------------------------------------------------------------------
def car_plant(**changes) -> Scenario:
    """17 suppliers, takt 1 minute, frozen zone 6 days, lead times 6 h ... 5 days."""
    leads = np.round(np.linspace(6.0, 120.0, 17), 1)
    data = {
        "name": "car", "takt_h": 1 / 60, "frozen_zone_h": 144.0, "planning_period_h": 24.0,
        "demand": {"mean_interarrival_h": 1 / 60},
        "suppliers": [{"name": f"s{k}", "lead_time_h": float(lt), "reliability": 0.93}
                      for k, lt in enumerate(leads)],
        **changes,
    }
    return scenario_from_dict(data)


def within_limits(scenario: Scenario) -> bool:
    size = scenario.run_size
    return size.max_attempts <= MAX_ATTEMPTS and all(getattr(size, k) <= v for k, v in LIMITS.items())


@pytest.mark.parametrize("changes", [
    {}, {"days": 365.0}, {"planning_period_h": 168.0, "days": 365.0},
    {"planning_period_h": 1.0, "days": 365.0},
    {"monitoring": {"point": 0.01}},
])
def test_car_plant_stays_valid(changes):
    assert within_limits(car_plant(**changes))


def test_tractor_default_is_unchanged_and_small():
    s = Scenario()
    assert load_scenario(REPO / "models" / "tractor.toml") == s
    assert within_limits(s)
    assert s.run_size.orders == 6480 and s.max_attempts >= 3


def test_integers_are_taken_where_floats_are_expected(tmp_path):
    path = toml_with(tmp_path, ("takt_h = 0.5 ", "takt_h = 1 "), ("days = 100.0", "days = 100"),
                     ("lead_time_h = 144.0", "lead_time_h = 144"))
    s = load_scenario(path)
    assert s.takt_h == 1.0 and isinstance(s.takt_h, float) and s.days == 100.0
    assert s.suppliers[2].lead_time_h == 144.0


NUMERIC_FIELDS = [
    "takt_h", "frozen_zone_h", "planning_period_h", "line_freeze_h", "rework_h", "days", "warmup_days",
    "dynamic_skew_h", "planning_slack_every", "demand.mean_interarrival_h", "demand.due_min_factor",
    "demand.due_max_factor", "disruption.failure_share", "disruption.delay_scale_h",
    "disruption.delay_min_h", "disruption.delay_max_h", "monitoring.point",
    "suppliers.0.lead_time_h", "suppliers.0.versions", "suppliers.0.reliability",
]


def _set(data: dict, dotted: str, value) -> dict:
    node = data
    *head, last = dotted.split(".")
    for part in head:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize("value", ["1", True, False, [1.0], None])
@pytest.mark.parametrize("field", NUMERIC_FIELDS)
def test_numbers_are_never_strings_or_booleans(field, value):
    if value is None and field == "planning_slack_every":
        return  # None means no slack
    data = _set(Scenario().model_dump(), field, value)
    with pytest.raises(InputError) as err:
        scenario_from_dict(data, source="plant.toml")
    assert f"'{field.replace('.0.', '[0].')}'" in str(err.value)


# ---- delays: any positive scale -----------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-300, 0.002, 0.05, 1.0, 12.0, 1e3, 87_600.0])
def test_truncated_exponential_is_finite_for_any_scale(scale):
    spec = DisruptionSpec(delay_scale_h=scale)
    u = np.linspace(0.0, 1.0, 10_001)[:-1]
    delays = spec.delay_quantile_h(u)
    assert np.isfinite(delays).all() and (delays >= 2.0 - 1e-9).all() and (delays <= 48.0).all()
    assert np.all(np.diff(delays) >= -1e-9)
    mean = spec.mean_delay_h()
    assert math.isfinite(mean) and 2.0 <= mean <= 48.0
    assert delays.mean() == pytest.approx(mean, abs=0.05)
    if scale < 0.05:
        assert mean == pytest.approx(2.0 + scale, rel=1e-6)  # all mass at the lower bound
    if scale > 1e3:
        assert mean == pytest.approx(25.0, abs=0.01)  # nearly uniform on [2, 48]


def test_default_delays_are_bit_for_bit_the_original_formula():
    spec = DisruptionSpec()
    u = np.random.default_rng(0).random(10_000)
    lam = 1.0 / 12.0
    ea, eb = math.exp(-lam * 2.0), math.exp(-lam * 48.0)
    assert np.array_equal(spec.delay_quantile_h(u), -np.log(ea - u * (ea - eb)) / lam)


def test_tiny_delay_scale_runs_with_finite_kpis():
    s = Scenario(days=3.0, warmup_days=1.0, disruption=DisruptionSpec(delay_scale_h=0.002))
    s = s.with_reliability(0.9)
    kpis = run_replication(s, "dynamic", seed=1, replication=0).kpis
    assert math.isfinite(kpis["mean_delay_h"]) and math.isfinite(kpis["okay_rate"])


# ---- throughput -----------------------------------------------------------------------------------
@pytest.mark.parametrize("window_takts", [1.0, 1.5, 2.999, 10.25])
def test_throughput_never_exceeds_the_line_capacity(window_takts):
    s = Scenario(days=window_takts * 0.5 / 24, warmup_days=0.0)
    kpis = run_replication(s, "none", seed=1, replication=0).kpis
    assert kpis["assembled_orders"] >= 1
    assert kpis["throughput_per_day"] <= 48.0 + 1e-9


# ---- the attempt bound ------------------------------------------------------------------------------
def test_attempt_bound_follows_the_failure_probability():
    s = Scenario().with_reliability(0.5).replace(disruption={"failure_share": 1.0}, days=3.0, warmup_days=1.0)
    assert 1 < s.max_attempts <= MAX_ATTEMPTS
    assert Scenario().with_reliability(1.0).max_attempts == MIN_ATTEMPTS
    draws = DisruptionDraws(s, 1, 0, 100)
    draws.arrays(0, s.max_attempts - 1)
    with pytest.raises(AttemptLimitError, match="production attempts"):
        draws.arrays(0, s.max_attempts)


class AlwaysFailing:
    """Every attempt of every part fails (what reliability 0 would mean)."""

    def __init__(self, n_orders: int) -> None:
        self.n = n_orders

    def arrays(self, supplier, attempt):
        return np.full(self.n, FAILURE, dtype=np.int64), np.zeros(self.n)

    def outcome(self, order_id, supplier, attempt):
        return FAILURE, 0.0


@pytest.mark.parametrize("monitoring", [True, False])
def test_a_part_that_always_fails_stops_the_run_with_an_error(monitoring):
    from jisopt.policies import make_policy
    from jisopt.sim.streams import draw_demand

    s = Scenario(days=3.0, warmup_days=1.0).replace(monitoring={"enabled": monitoring})
    demand = draw_demand(s, 1, 0)
    sim = Simulator(s, make_policy("none"), 1, 0, demand=demand, draws=AlwaysFailing(demand.n_orders))
    with pytest.raises(AttemptLimitError, match="production attempts in a row"):
        sim.run()


# ---- any mutation: a scenario within the limits, or InputError ----------------------------------------
EXTREMES = [0, -0.0, 5e-324, 1e-9, 0.5, 1, 2, 1e308, math.inf, -math.inf, math.nan, 2**63, 2**70, -1,
            10**400, "1", "", True, False, [], [1.0], {}, None]


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _leaves(v, (*prefix, k))
    elif isinstance(node, list | tuple):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from _leaves(v, (*prefix, i))


BASE = Scenario().model_dump()
BASE["suppliers"] = [dict(s) for s in BASE["suppliers"]]
PATHS = list(_leaves(BASE))


def _mutate(data, path, op, value):
    node = data
    for part in path[:-1]:
        node = node[part]
    if not isinstance(node, dict | list):
        return
    key = path[-1]
    if op == "delete":
        if isinstance(node, dict) or len(node) > 1:
            del node[key]
    else:
        node[key] = value


@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["delete", "set"]),
                          st.sampled_from(EXTREMES)), min_size=1, max_size=3))
def test_any_mutation_gives_a_bounded_scenario_or_input_error(mutations):
    data = copy.deepcopy(BASE)
    for path, op, value in mutations:
        # an earlier mutation may have removed or replaced the parent
        with contextlib.suppress(KeyError, IndexError, TypeError):
            _mutate(data, path, op, value)
    try:
        s = scenario_from_dict(data, source="plant.toml")
    except InputError as err:
        assert str(err).startswith("plant.toml")
        return
    assert within_limits(s)
    size = s.run_size
    assert all(math.isfinite(getattr(size, k)) for k in LIMITS)
    for value in (s.takt_h, s.frozen_zone_h, s.planning_period_h, s.days, s.warmup_days, s.rework_h,
                  s.line_freeze_h, s.dynamic_skew_h, s.demand.mean_interarrival_h,
                  s.disruption.mean_delay_h()):
        assert isinstance(value, float) and math.isfinite(value)
    assert s.frozen_zone_slots >= 1 and s.planning_period_slots >= 1
    assert (s.days - s.warmup_days) * 24 >= s.takt_h - 1e-9


def test_replications_are_bounded_before_the_grid_is_built(tmp_path, capsys):
    one_line_error(capsys, ["simulate", "--days", "3", "--warmup-days", "1", "-r", str(10**23),
                            "--out", tmp_path / "out"], "'replications'", str(10**23))
