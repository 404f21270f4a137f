"""Fuzz: mutated scenario files through the command line, in-process.

Valid scenario documents (the tractor and the car plant) are mutated (a key deleted, a value
retyped, extreme numbers, odd strings, raw text truncated or made binary) and written as TOML;
``jisopt generate --scenario FILE`` then loads and uses them. Every outcome must be a result
(exit 0, a written instance) or exactly one line on stderr with exit 2: never a traceback,
never a hang.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisopt.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
BASES = {name: tomllib.loads((MODELS / f"{name}.toml").read_text()) for name in ("tractor", "car")}
EXTREMES = [0, -0.0, -1, 5e-324, 1e-9, 1e308, math.inf, -math.inf, math.nan, 2**63, 2**70, "1", True,
            False, "", "\x1b[31m", [], {}, [1, 2]]


def toml_value(value: object) -> str:
    """A TOML literal for the values the mutations produce."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value)
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(doc: dict) -> str:
    """Scalars first, then tables and arrays of tables (one level deep, as scenarios are)."""
    lines, tables = [], []
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            tables.append((f"[{key}]", value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.extend((f"[[{key}]]", v) for v in value)
        else:
            lines.append(f"{key} = {toml_value(value)}")
    for header, body in tables:
        lines += ["", header] + [f"{k} = {toml_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


def paths(doc: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the document (into tables and arrays of tables)."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        out.append((*prefix, key))
        out += paths(value, (*prefix, key))
    return out


@st.composite
def mutated(draw) -> str:
    base = BASES[draw(st.sampled_from(sorted(BASES)))]
    doc = tomllib.loads(to_toml(base))  # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(doc)))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "extreme", "scale"]))
        if action == "delete":
            del parent[where[-1]]
            if not paths(doc):
                break
        elif action == "extreme":
            parent[where[-1]] = copy.deepcopy(draw(st.sampled_from(EXTREMES)))
        elif isinstance(parent[where[-1]], int | float) and not isinstance(parent[where[-1]], bool):
            parent[where[-1]] = parent[where[-1]] * draw(st.sampled_from([1e-6, 0.5, 3, 1e6]))
    text = to_toml(doc)
    raw = draw(st.sampled_from(["keep"] * 6 + ["truncate", "binary"]))
    if raw == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif raw == "binary":
        text = "\ufeff\x00" + text
    return text


@pytest.mark.timeout(120)
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=mutated())
def test_mutated_scenarios_give_a_result_or_one_line(tmp_path_factory, capsys, text):
    folder = tmp_path_factory.mktemp("fuzz")
    scenario = folder / "s.toml"
    scenario.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = folder / "inst.json"
    code = main(["generate", "--scenario", str(scenario), "--seed", "1", "--slots", "40", "--out", str(out)])
    captured = capsys.readouterr()
    assert code in (0, 2), (code, captured.err)
    if code == 0:
        assert out.is_file()
        assert "Traceback" not in captured.err
    else:
        assert captured.err.count("\n") == 1, captured.err
        assert captured.err.startswith("jisopt generate: error: ")
        assert "Traceback" not in captured.err
