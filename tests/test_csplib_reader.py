"""The CSPLib problem-001 reader: every problem of the shared data, hand-checked layouts,
instances whose sequence keeps every hard rule."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from jisopt.cli import main
from jisopt.errors import InputError
from jisopt.evaluate import evaluate
from jisopt.importing.csplib import (
    STANDARD_CAPACITIES,
    ratio_keeping_sequence,
    read_csplib,
    read_csplib_problems,
    select_problem,
)
from jisopt.instance_io import read_instance
from jisopt.policies import make_policy
from jisopt.scenario import load_scenario

DATA = Path("/work/shared/data/csplib-prob001")
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="CSPLib data not present")

DINCBAS = """\
# Problem dincbas
10 5 6
1 2 1 2 1
2 3 3 5 5
0 1 1 0 1 1 0
1 1 0 0 0 1 0
2 2 0 1 0 0 1
3 2 0 1 0 1 0
4 2 1 0 1 0 0
5 2 1 1 0 0 0
"""


def _max_in_windows(carries: list[bool], window: int) -> int:
    """Most carriers in any ``window`` consecutive positions (written out plainly)."""
    if len(carries) <= window:
        return sum(carries)
    return max(sum(carries[i:i + window]) for i in range(len(carries) - window + 1))


def _keeps_rules(problem, sequence) -> bool:
    for k, (h, n) in enumerate(problem.capacities):
        carries = [c is not None and problem.classes[c][1][k] for c in sequence]
        if _max_in_windows(carries, n) > h:
            return False
    return True


@needs_data
def test_every_problem_of_data_txt_matches_its_header():
    text = (DATA / "data.txt").read_text().splitlines()
    problems = read_csplib_problems(DATA / "data.txt")
    assert len(problems) == sum("Problem" in line for line in text) == 79
    assert [p.name for p in problems[:3]] == ["4/72", "6/76", "10/93"]
    assert problems[9].name == "60-01" and problems[-1].name == "90-10"
    for p in problems:
        header = [int(x) for x in text[p.line - 1].split()]
        assert header == [p.n_cars, p.n_options, p.n_classes]
        assert len(p.classes) == p.n_classes
        assert sum(count for count, _ in p.classes) == p.n_cars
        assert all(len(opts) == p.n_options for _, opts in p.classes)
    # the 100-car problems come without capacity lines; the 200-car ones state 1 2 1 2 1 / 2 3 3 5 5
    assert {p.n_cars for p in problems[:9]} == {100}
    assert all(p.capacities == STANDARD_CAPACITIES for p in problems)
    # class 21 of problem 4/72 is "21 1 1 1 1 1 1": one car with every option
    assert problems[0].classes[21] == (1, (True,) * 5)


@needs_data
@pytest.mark.parametrize("path", sorted((DATA / "gagne-200-400").glob("pb_*.txt"))
                         if DATA.is_dir() else [])
def test_gagne_files_hold_one_problem_of_the_named_size(path):
    (problem,) = read_csplib_problems(path)
    assert problem.n_cars == int(re.match(r"pb_(\d+)_", path.name)[1])
    assert sum(c for c, _ in problem.classes) == problem.n_cars


def test_dincbas_example(tmp_path):
    path = tmp_path / "dincbas.txt"
    path.write_text(DINCBAS)
    (problem,) = read_csplib_problems(path)
    assert problem.name == "dincbas"
    assert problem.capacities == ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
    assert [c for c, _ in problem.classes] == [1, 1, 2, 2, 2, 2]
    # the specification's valid sequence keeps the rules by the plain window count
    assert _keeps_rules(problem, [0, 1, 5, 2, 4, 3, 3, 4, 2, 5])
    assert not _keeps_rules(problem, [5, 5, 0, 1, 2, 2, 3, 3, 4, 4])  # 1:2 broken at once
    sequence = ratio_keeping_sequence(problem)
    assert _keeps_rules(problem, sequence)
    assert sorted(c for c in sequence if c is not None) == [0, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_hand_worked_greedy_layouts(tmp_path):
    # one option 1:2; class 0 (2 cars) carries it, class 1 (1 car) not. Slot 0: class 0
    # (larger load); slot 1: class 0 would make 2 in the window [0, 1] -> class 1; slot 2:
    # window [1, 2] holds none -> class 0.
    path = tmp_path / "small.txt"
    path.write_text("3 1 2\n1\n2\n0 2 1\n1 1 0\n")
    (problem,) = read_csplib_problems(path)
    assert problem.capacities == ((1, 2),)
    assert ratio_keeping_sequence(problem) == [0, 1, 0]
    # two cars with a 1:3 option and nothing else: two empty slots between them
    path.write_text("2 1 1\n1\n3\n0 2 1\n")
    assert ratio_keeping_sequence(read_csplib_problems(path)[0]) == [0, None, None, 0]


def test_instance_of_a_small_problem(tmp_path):
    path = tmp_path / "dincbas.txt"
    path.write_text(DINCBAS)
    car = load_scenario("car")
    inst = read_csplib(path, seed=5)
    assert inst.n_orders == 10 and inst.horizon_slots == len(ratio_keeping_sequence(
        read_csplib_problems(path)[0]))
    assert inst.supplier_names == car.supplier_names
    assert [(r.max_count, r.window, r.hard) for r in inst.ratio_rules] == [
        (1, 2, True), (2, 3, True), (1, 3, True), (2, 5, True), (1, 5, True)]
    # every car's options are its class's: the labels name the class
    problem = read_csplib_problems(path)[0]
    for row, order_id in enumerate(inst.order_id):
        cls = int(re.match(r"class(\d+)-", inst.labels.order_label(order_id))[1])
        assert tuple(inst.options[row]) == problem.classes[cls][1]
    # 10 one-minute slots, shortest lead time 6 h: every component has started
    assert inst.started.all()
    assert inst.n_disrupted == 1
    assert np.all(inst.version < np.array([s.versions for s in car.suppliers]))
    assert inst.due_h.tolist() == pytest.approx(((inst.slot + 1) * inst.takt_h).tolist())
    # the same seed, the same instance; another seed, other draws
    again = read_csplib(path, seed=5)
    assert np.array_equal(again.version, inst.version)
    assert np.array_equal(again.ready_h, inst.ready_h)


@needs_data
def test_every_problem_gives_a_rule_keeping_instance():
    problems = read_csplib_problems(DATA / "data.txt")
    for k, problem in enumerate(problems, start=1):
        inst = read_csplib(DATA / "data.txt", k, seed=k)
        assert inst.n_orders == problem.n_cars
        slot_class = {int(s): int(re.match(r"class(\d+)-", inst.labels.order_label(o))[1])
                      for s, o in zip(inst.slot, inst.order_id, strict=True)}
        sequence = [slot_class.get(s) for s in range(inst.horizon_slots)]
        assert _keeps_rules(problem, sequence), problem.name


@needs_data
@pytest.mark.parametrize("policy", ["ratio-step", "ratio-dynamic",
                                    pytest.param("milp", marks=pytest.mark.slow)])
def test_policies_keep_the_hard_rules(policy):
    inst = read_csplib(DATA / "data.txt", "60-01", seed=2)
    assert evaluate(inst, make_policy(policy)(inst)).feasible


def test_problem_selection(tmp_path):
    path = tmp_path / "two.txt"
    path.write_text(DINCBAS + "\n# Problem second\n3 1 2\n1\n2\n0 2 1\n1 1 0\n")
    problems = read_csplib_problems(path)
    assert [p.name for p in problems] == ["dincbas", "second"]
    assert select_problem(problems, None).name == "dincbas"
    assert select_problem(problems, "2").name == "second"
    assert select_problem(problems, "second").name == "second"
    with pytest.raises(InputError, match="no such problem"):
        select_problem(problems, "3")


def test_cli(tmp_path, capsys):
    path = tmp_path / "dincbas.txt"
    path.write_text(DINCBAS)
    out = tmp_path / "d.json"
    assert main(["import", str(path), "--format", "csplib", "--out", str(out), "--seed", "1"]) == 0
    assert "10 orders" in capsys.readouterr().out
    assert len(read_instance(out).ratio_rules) == 5
    for extra, words in ((["--problem", "7"], "no such problem"),
                         (["--takt", "1 min"], "only for tables"),
                         (["--seed", "-1"], "--seed")):
        assert main(["import", str(path), "--format", "csplib", "--out", str(out), *extra]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and words in err[0]


@pytest.mark.parametrize(("text", "words"), [
    ("10 5 6\n1 2 1 2 1\n2 3 3 5 5\n0 1 1 0 1\n", "line 4"),   # a short class line
    ("3 1 2\n1\n2\n0 2 1\n1 2 0\n", "the classes hold 4 cars, the header says 3"),
    ("3 1 2\n1\n2\n0 2 1\n", "the file ends before"),
    ("3 1 2\n0\n2\n0 2 1\n1 1 0\n", "1 <= H <= N"),
    ("3 2 1\n0 3 1 x\n", "expected whole numbers"),
    ("", "no car-sequencing problem"),
])
def test_malformed_files(tmp_path, capsys, text, words):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(words)):
        read_csplib_problems(path)
    assert main(["import", str(path), "--format", "csplib", "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(path) in err[0]
