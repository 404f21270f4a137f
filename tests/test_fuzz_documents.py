"""Fuzzing the file readers through the command line.

Valid instance files (``models/instances/*.json``) and the plans ``jisopt solve`` writes for
them are mutated (a key deleted, a value retyped, extreme numbers, NaN and out-of-range
literals as raw JSON text, awkward Unicode, deep nesting, truncation), written to a file and
run through ``jisopt solve`` and ``jisopt check`` in-process. Every outcome must be a result
(exit 0, 1 or 3, with no non-finite number and no unescaped control character in the output)
or one line on stderr with exit 2; never another exception.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisopt.cli import main

ROOT = Path(__file__).resolve().parents[1]
INSTANCE_FILES = sorted((ROOT / "models" / "instances").glob("*.json"))
RULES = ("none", "step", "leap", "dynamic", "ontime")

_RAW = "\u0000raw{}\u0000"
"""Placeholder string for a value written as raw JSON text (``1e400``, ``NaN``)."""

EXTREME_NUMBERS = (0, -0.0, 5e-324, 1e308, -1e308, 2**63, -(2**63) - 1, 2**70, 1e9 + 1, -1e6, 1,
                   -1, 0.5)
RAW_NUMBERS = ("1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" + "0" * 400, "-0",
               "1" + "0" * 5000, "1" + "0" * 5000 + ".5")
STRINGS = ("", "\ud800", "\udfff x", "\x1b[31mred\x1b[0m", "line\nfeasible   yes", "\u202eevil",
           "\x00", "ünïcode", "drive", "delay", "x" * 300, "\ud83d\ude00")
NON_FINITE = re.compile(r"(?<![A-Za-z_])-?(nan|inf|infinity)(?![A-Za-z_])", re.IGNORECASE)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """Per instance file: its text and the text of the plan ``jisopt solve`` writes for it."""
    work = tmp_path_factory.mktemp("fuzz")
    out = {}
    for path in INSTANCE_FILES:
        plan = work / f"{path.stem}.plan.json"
        code = main(["solve", str(path), "--policy", "dynamic", "--out", str(plan)])
        assert code in (0, 1)
        out[path.stem] = (path, path.read_text("utf-8"), plan, plan.read_text("utf-8"))
    return {"work": work, "files": out}


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every location in a JSON tree (the root is ``()``)."""
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


def _set(tree: object, path: tuple, value: object) -> object:
    if not path:
        return value
    node = tree
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return tree


def _delete(tree: object, path: tuple) -> object:
    if not path:
        return tree
    node = tree
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return tree


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` (a JSON document) with one to three mutations of its tree, then perhaps one of its
    text."""
    tree = json.loads(text)
    raws: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(("delete", "retype", "number", "raw", "string", "nest", "key",
                                     "copy")))
        if kind == "delete":
            tree = _delete(tree, path)
        elif kind == "retype":
            tree = _set(tree, path, draw(st.sampled_from(("text", True, False, [], {}, None, [1], {"a": 1}))))
        elif kind == "number":
            tree = _set(tree, path, draw(st.sampled_from(EXTREME_NUMBERS)))
        elif kind == "raw":
            raws.append(draw(st.sampled_from(RAW_NUMBERS)))
            tree = _set(tree, path, _RAW.format(len(raws) - 1))
        elif kind == "string":
            tree = _set(tree, path, draw(st.sampled_from(STRINGS)))
        elif kind == "nest":
            depth = draw(st.sampled_from((50, 900, 5000)))
            raws.append("[" * depth + "]" * depth)
            tree = _set(tree, path, _RAW.format(len(raws) - 1))
        elif kind == "copy":  # another part of the document in this place
            source = draw(st.sampled_from(paths))
            value = tree
            for part in source:
                value = value[part]
            tree = _set(tree, path, json.loads(json.dumps(value)))
        elif kind == "key" and isinstance(tree, dict):
            tree[draw(st.sampled_from(STRINGS))] = draw(st.sampled_from((1, "x", None)))
        if not isinstance(tree, dict | list):
            break
    out = json.dumps(tree, ensure_ascii=draw(st.booleans()))
    for k, raw in enumerate(raws):
        out = out.replace(json.dumps(_RAW.format(k)), raw)
    text_kind = draw(st.integers(0, 19))
    if text_kind == 0:  # truncation
        out = out[:draw(st.integers(0, max(len(out) - 1, 0)))]
    elif text_kind == 1 and out.startswith("{"):  # a repeated key
        out = '{"format": "x", ' + out[1:]
    elif text_kind == 2:  # a byte order mark, or leading text
        out = draw(st.sampled_from(("\ufeff", "order,slot\n", "\n\t "))) + out
    return out


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")


def _run(capsys, argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
        assert "Traceback" not in err
        return
    assert code in (0, 1, 3), (argv, code, err)
    assert err == "", (argv, err)
    assert not NON_FINITE.search(out), (argv, NON_FINITE.search(out), out)
    assert all(c.isprintable() or c == "\n" for c in out), (argv, out)
    if "--json" in argv:
        json.loads(out, parse_constant=lambda token: pytest.fail(f"{token} in JSON output"))


SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@SETTINGS
@given(data=st.data())
def test_mutated_instances_through_solve_and_check(corpus, capsys, data):
    name = data.draw(st.sampled_from(sorted(corpus["files"])))
    _, text, plan, _ = corpus["files"][name]
    inst = corpus["work"] / "instance.json"
    _write(inst, data.draw(mutated(text)))
    policy = data.draw(st.sampled_from((*RULES, "milp")))
    extra = ["--time-limit", "5"] if policy == "milp" else []
    extra += ["--json"] if data.draw(st.booleans()) else []
    _run(capsys, ["solve", str(inst), "--policy", policy, *extra])
    _run(capsys, ["check", str(inst), str(plan), *extra[2 if policy == "milp" else 0:]])


@SETTINGS
@given(data=st.data())
def test_mutated_plans_through_check(corpus, capsys, data):
    name = data.draw(st.sampled_from(sorted(corpus["files"])))
    inst, _, _, text = corpus["files"][name]
    plan = corpus["work"] / "plan.json"
    _write(plan, data.draw(mutated(text)))
    _run(capsys, ["check", str(inst), str(plan), *(["--json"] if data.draw(st.booleans()) else [])])
