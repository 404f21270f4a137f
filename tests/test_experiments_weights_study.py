"""``jisopt reproduce --study weights``: the rules and the exact policy under several weightings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jisopt.cli
from jisopt.experiments.weights_study import mark_pareto, non_dominated, weights_grid
from jisopt.plotting import plot_delay_reschedules

TINY = ["--days", "4", "--warmup-days", "1"]


def cli(*argv):
    return jisopt.cli.main([str(a) for a in argv])


def test_non_dominated_worked_example():
    # (reschedules, delay): a=(1, 5), b=(2, 3), c=(3, 1) form the front; d=(2.5, 3.5) is beaten
    # by b in both; e=(2, 4) ties b on reschedules but has more delay; f equals c (kept: a tie
    # does not dominate); g has an unknown coordinate.
    x = [1.0, 2.0, 3.0, 2.5, 2.0, 3.0, np.nan]
    y = [5.0, 3.0, 1.0, 3.5, 4.0, 1.0, 0.0]
    assert non_dominated(x, y).tolist() == [True, True, True, False, False, True, False]


def test_non_dominated_single_and_chain():
    assert non_dominated([1.0], [1.0]).tolist() == [True]
    assert non_dominated([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).tolist() == [True, False, False]


def _summary(points: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for label, (resched, delay) in points.items():
        rows.append({"policy_label": label, "kpi": "reschedules_per_order", "n": 3, "mean": resched,
                     "half_width": 0.1})
        rows.append({"policy_label": label, "kpi": "mean_delay_h", "n": 3, "mean": delay,
                     "half_width": 0.2})
        rows.append({"policy_label": label, "kpi": "okay_rate", "n": 3, "mean": 0.9, "half_width": 0.0})
    return pd.DataFrame(rows)


def test_mark_pareto_on_a_hand_made_summary():
    summary = _summary({"step": (6.0, 0.5), "leap": (1.5, 2.0), "dynamic": (2.0, 2.5),
                        "milp[weights=delay=1,reschedules=1]": (0.5, 1.0)})
    marked = mark_pareto(summary)
    flags = marked.drop_duplicates("policy_label").set_index("policy_label")["pareto_optimal"]
    # leap is beaten by milp (fewer reschedules, less delay), dynamic by leap and milp
    assert flags.to_dict() == {"step": True, "leap": False, "dynamic": False,
                               "milp[weights=delay=1,reschedules=1]": True}
    assert len(marked) == len(summary)


def test_plot_delay_reschedules_draws_rules_and_weightings():
    summary = mark_pareto(_summary({"step": (6.0, 0.5), "leap": (1.5, 2.0),
                                    "milp[weights=delay=1,reschedules=0.1]": (1.0, 0.6),
                                    "milp[weights=delay=1,reschedules=1]": (0.5, 1.0)}))
    summary["reschedule_weight"] = summary["policy_label"].map(
        {"milp[weights=delay=1,reschedules=0.1]": 0.1, "milp[weights=delay=1,reschedules=1]": 1.0})
    ax = plot_delay_reschedules(summary)
    texts = {t.get_text() for t in ax.texts}
    assert {"w=0.1", "w=1", "step", "leap"} <= texts
    assert ax.get_xlabel() == "reschedules per job"


def test_grid_runs_every_policy_on_the_same_seeds():
    tasks = weights_grid(replications=2, reschedule_weights=(0.1, 1.0))
    labels = list(dict.fromkeys(t.policy_label for t in tasks))
    assert labels == ["step", "leap", "dynamic", "ontime", "milp[weights=delay=1,reschedules=0.1]",
                      "milp[weights=delay=1,reschedules=1]"]
    assert {(t.seed, t.replication) for t in tasks} == {(1, 0), (1, 1)}
    assert {t.reliability for t in tasks} == {0.97}


def test_weights_study_writes_tables_and_figure(tmp_path, capsys):
    out = tmp_path / "weights"
    assert cli("reproduce", "--study", "weights", "--quick", *TINY, "-r", 2, "--jobs", 2,
               "--reschedule-weights", "0.1,1", "--out", out) == 0
    text = capsys.readouterr().out
    assert "Pareto" in text and "milp[weights=delay=1,reschedules=0.1]" in text
    table = pd.read_csv(out / "replications.csv")
    assert len(table) == 6 * 2 and table["reliability"].eq(0.97).all()
    milp = table[table["policy"] == "milp"]
    assert sorted(milp["weights"].unique()) == ["delay=1,reschedules=0.1", "delay=1,reschedules=1"]
    assert table[table["policy"] != "milp"]["weights"].isna().all()
    summary = pd.read_csv(out / "summary.csv")
    weights = summary.drop_duplicates("policy_label").set_index("policy_label")["reschedule_weight"]
    assert weights["milp[weights=delay=1,reschedules=0.1]"] == pytest.approx(0.1)
    assert weights["milp[weights=delay=1,reschedules=1]"] == pytest.approx(1.0)
    assert weights[["step", "leap", "dynamic", "ontime"]].isna().all()
    means = summary.pivot_table(index="policy_label", columns="kpi", values="mean")
    flags = summary.drop_duplicates("policy_label").set_index("policy_label")["pareto_optimal"]
    expected = non_dominated(means["reschedules_per_order"], means["mean_delay_h"])
    assert flags[means.index].tolist() == expected.tolist() and flags.any()
    assert (out / "study_weights.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "summary.md").read_text()
    assert "| policy | Pareto |" in md and "study_weights.png" in md


@pytest.mark.parametrize("value", ["0.1,abc", "0,1", "-1", ",", "0.1,0.1"])
def test_bad_reschedule_weights_exit_2_with_one_line(value, capsys, tmp_path):
    assert cli("reproduce", "--study", "weights", "--reschedule-weights", value,
               "--out", tmp_path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "reschedule-weights" in err


def test_reschedule_weights_need_the_weights_study(capsys, tmp_path):
    assert cli("reproduce", "--study", "skew", "--reschedule-weights", "1", "--out", tmp_path) == 2
    assert "reschedule-weights" in capsys.readouterr().err


def test_car_variant_adds_the_ratio_aware_rules_and_ignores_ratio_rules_in_the_model():
    from jisopt.experiments.weights_study import weights_grid

    car = weights_grid(replications=1, scenario="car", reschedule_weights=(0.1, 1.0))
    assert [t.policy for t in car] == ["step", "leap", "dynamic", "ontime", "ratio-step",
                                       "ratio-leap", "ratio-dynamic", "ratio-ontime", "milp", "milp"]
    assert all(dict(t.policy_options).get("ratio") == "ignore" for t in car if t.policy == "milp")
    tractor = weights_grid(replications=1, scenario="tractor", reschedule_weights=(0.1,))
    assert [t.policy for t in tractor] == ["step", "leap", "dynamic", "ontime", "milp"]
    assert "ratio" not in dict(tractor[-1].policy_options)
