"""The planner's path end to end: the example table imported, written and read back, solved with
every policy, call-offs written — the planner's labels come back unchanged in every output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jisopt.calloffs import calloffs
from jisopt.cli import main
from jisopt.evaluate import evaluate
from jisopt.importing import import_planner_table
from jisopt.instance_io import read_instance, write_instance
from jisopt.policies import make_policy
from jisopt.policies.spec import BUILTIN_POLICY_NAMES

EXAMPLE = Path(__file__).resolve().parents[1] / "models" / "sequences" / "frozen_sequence.csv"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("planner") / "mine.json"
    instance = import_planner_table(EXAMPLE)
    write_instance(instance, path)
    return instance, path


def test_labels_survive_the_file(imported) -> None:
    instance, path = imported
    back = read_instance(path)
    table = pd.read_csv(EXAMPLE, comment="#")
    assert [back.labels.order_label(i) for i in back.order_id] == table["order"].tolist()
    assert back.labels.time_origin == instance.labels.time_origin
    assert {s: dict(v) for s, v in back.labels.version.items()} == \
        {s: dict(v) for s, v in instance.labels.version.items()}


@pytest.mark.parametrize("policy", [p for p in BUILTIN_POLICY_NAMES if p != "none"])
def test_every_policy_gives_a_feasible_plan_whose_calloffs_speak_the_planners_ids(imported, policy) -> None:
    instance, path = imported
    instance = read_instance(path)
    plan = make_policy(policy)(instance)
    assert evaluate(instance, plan).feasible, policy
    table = calloffs(instance, plan)
    labels = {instance.labels.order_label(i) for i in instance.order_id}
    assert set(table["order"]) == labels  # every order, by the planner's id, per supplier
    for supplier, rows in table.groupby("supplier"):
        assert len(rows) == instance.n_orders
        versions = set(instance.labels.version[supplier].values())
        assert set(rows["version"]) <= versions  # labels, never internal numbers


def test_cli_round_trip_writes_the_calloffs(imported, tmp_path: Path, capsys) -> None:
    _, path = imported
    assert main(["solve", str(path), "--policy", "dynamic", "--out", str(tmp_path / "plan.json"),
                 "--calloffs", str(tmp_path / "calls")]) == 0
    out = capsys.readouterr().out
    assert "VIN-" in out and "2026-12-01" in out  # the planner's ids and wall-clock times
    assert main(["check", str(path), str(tmp_path / "plan.json")]) == 0
    seats = pd.read_csv(tmp_path / "calls" / "seats.csv")
    table = pd.read_csv(EXAMPLE, comment="#")
    assert set(seats["order"]) == set(table["order"])
    assert set(seats["version"]) <= set(table["seats.version"])
