"""Scenarios: the embedded default, the editable file, and rejected values."""

from pathlib import Path

import numpy as np
import pytest

from jisopt.errors import InputError
from jisopt.scenario import DisruptionSpec, Scenario, load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]


def test_tractor_file_equals_embedded_default():
    assert load_scenario(REPO / "models" / "tractor.toml") == Scenario()


def test_load_by_name_without_models_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JISOPT_MODELS", raising=False)
    assert load_scenario("tractor") == Scenario()


def test_load_by_name_from_models_dir(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    text = (REPO / "models" / "tractor.toml").read_text().replace('name = "tractor"', 'name = "fast"')
    (tmp_path / "models" / "fast.toml").write_text(text.replace("takt_h = 0.5", "takt_h = 0.25"))
    monkeypatch.chdir(tmp_path)
    s = load_scenario("fast")
    assert s.name == "fast" and s.takt_h == 0.25


def test_paper_defaults():
    s = Scenario()
    assert s.supplier_names == ("drive", "engine", "cabin")
    assert s.lead_times_h == (432.0, 288.0, 144.0)
    assert s.otd_min_h == 840.0  # frozen zone 672 h + planning period 168 h
    assert s.frozen_zone_slots == 1344
    assert s.planning_period_slots == 336


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"suppliers": [{"name": "a", "lead_time_h": -1.0}]}, "suppliers[0].lead_time_h", -1.0),
        ({"suppliers": [{"name": "a", "lead_time_h": 5.0, "reliability": 1.5}]},
         "suppliers[0].reliability", 1.5),
        ({"suppliers": [{"name": "a", "lead_time_h": 5.0, "versions": 0}]}, "suppliers[0].versions", 0),
        ({"takt_h": 0}, "takt_h", 0),
        ({"disruption": {"failure_share": -0.1}}, "disruption.failure_share", -0.1),
        ({"monitoring": {"point": 1.2}}, "monitoring.point", 1.2),
        ({"rework_h": "soon"}, "rework_h", "soon"),
        ({"planning_slack_every": 1}, "planning_slack_every", 1),
    ],
)
def test_invalid_values_name_field_and_value(data, field, value):
    with pytest.raises(InputError) as err:
        scenario_from_dict(data, source="plant.toml")
    message = str(err.value)
    assert "plant.toml" in message and f"'{field}'" in message and repr(value) in message


def test_unknown_field_is_rejected():
    with pytest.raises(InputError, match="lead_time_days"):
        scenario_from_dict({"suppliers": [{"name": "a", "lead_time_h": 5.0, "lead_time_days": 1}]})


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"frozen_zone_h": 100.0}, "frozen_zone_h (100.0) must be at least the longest lead time"),
        ({"frozen_zone_h": 672.2}, "frozen_zone_h (672.2) must be a multiple of takt_h"),
        ({"warmup_days": 100.0}, "warmup_days (100.0) must be below days"),
        ({"disruption": {"delay_min_h": 50.0}}, "delay_max_h (48.0) must exceed delay_min_h (50.0)"),
    ],
)
def test_inconsistent_values_are_explained(data, needle):
    with pytest.raises(InputError) as err:
        scenario_from_dict(data)
    assert needle in str(err.value)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("takt_h = = 1\n")
    with pytest.raises(InputError, match=r"broken\.toml.*not valid TOML"):
        load_scenario(path)


def test_unknown_scenario_name():
    with pytest.raises(InputError, match="no such scenario"):
        load_scenario("no-such-plant")


def test_with_reliability_and_replace_validate():
    s = Scenario().with_reliability(0.93)
    assert {sup.reliability for sup in s.suppliers} == {0.93}
    assert Scenario().replace(monitoring={"point": 0.3}).monitoring.point == 0.3
    with pytest.raises(InputError, match="reliability"):
        Scenario().with_reliability(1.2)


def test_truncated_exponential_delay():
    spec = DisruptionSpec()
    u = np.linspace(0.0, 1.0, 200_001)[:-1]
    delays = spec.delay_quantile_h(u)
    # Conditioned on [2, 48] h: bounds hit at u = 0 and u -> 1, never outside.
    assert delays[0] == pytest.approx(2.0)
    assert delays.max() < 48.0 and delays.max() > 47.99
    # Mean of Exp(scale 12) truncated to [2, 48]:
    # E = (a e^{-a/12} - b e^{-b/12}) / (e^{-a/12} - e^{-b/12}) + 12
    # = (2*0.846482 - 48*0.018316) / (0.846482 - 0.018316) + 12 = 0.98267 + 12 ~ 12.983 h
    assert spec.mean_delay_h() == pytest.approx(12.9827, abs=1e-3)
    assert delays.mean() == pytest.approx(spec.mean_delay_h(), abs=1e-3)
