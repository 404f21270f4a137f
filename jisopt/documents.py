"""Versioned JSON documents: reading, schema validation and writing.

Every jisopt file format (``jisopt-instance/2``, ``jisopt-plan/1``) is a JSON
object with a ``format`` marker ``<kind>/<version>`` and a JSON Schema (draft
2020-12) shipped in ``jisopt/data/<kind>.schema.json``. The helpers here read
a file strictly (valid UTF-8 and JSON, a JSON object, only finite numbers: no ``NaN``,
``Infinity`` or ``1e400``; no duplicate keys, no lone surrogates), check its
marker and schema, turn the most relevant schema violation into an
:class:`~jisopt.errors.InputError` with the field path and value, and write
documents that people can read and diff.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
from jsonschema.exceptions import best_match

from jisopt.errors import InputError, field_path

__all__ = [
    "PathLike",
    "check_format",
    "dump_document",
    "fast_path_enabled",
    "fast_valid",
    "json_ready",
    "load_document",
    "schema",
    "schema_error",
    "validate_document",
    "write_document",
]

PathLike = str | os.PathLike


@functools.cache
def _schema(name: str) -> dict:
    text = importlib.resources.files("jisopt").joinpath("data", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(_schema(name))


def schema(name: str = "instance") -> dict:
    """The published JSON Schema (draft 2020-12) of ``instance`` or ``plan`` files."""
    if name not in ("instance", "plan"):
        raise InputError("unknown schema (schemas: instance, plan)", value=name)
    return json.loads(json.dumps(_schema(name)))


class _BadJsonError(ValueError):
    """Raised from inside the JSON decoder for valid syntax that JSON forbids."""


class _NonFiniteError(ValueError):
    """Raised from inside the JSON decoder for a number that is not finite as a float."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _no_constants(token: str) -> float:
    raise _NonFiniteError(token)


def _finite_float(token: str) -> float:
    value = float(token)
    if value - value != 0.0:  # inf (or nan): a literal beyond the float range, e.g. 1e400
        raise _NonFiniteError(token)
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):  # name the first repeated key
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _BadJsonError(f"duplicate key '{key}' in one object")
            seen.add(key)
    return out


# Outside strings, a JSON number token is exactly a match of _NUMBER; strings are skipped whole.
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:Infinity|NaN|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))',
                       re.DOTALL)
# A \uD800-\uDFFF escape: the text may decode to a lone surrogate (checked on the decoded data).
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def _non_finite_position(text: str, token: str) -> str:
    """``line L, column C`` of the first number token outside strings that is not finite."""
    for match in _TOKEN_RE.finditer(text):
        number = match.group(1)
        if number is None:
            continue
        if number.lstrip("-") in ("Infinity", "NaN") or not math.isfinite(float(number)):
            return _position(text, match.start(1))
    return "unknown position"  # pragma: no cover - the decoder saw the token


def _long_integer(text: str) -> tuple[str, str]:
    """``line L, column C`` and the text of the first number token (outside strings) with
    more than 4000 digits."""
    for match in _TOKEN_RE.finditer(text):
        if match.group(1) is not None and len(match.group(1)) > 4000:
            return _position(text, match.start(1)), match.group(1)
    return "unknown position", ""  # pragma: no cover - the decoder saw the token


def _lone_surrogate(value: object, path: list) -> tuple[list, str] | None:
    """Where a string (or key) in ``value`` holds a lone surrogate, and that string."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, value
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            found = _lone_surrogate(k, [*path, k]) or _lone_surrogate(v, [*path, k])
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _lone_surrogate(v, [*path, i])
            if found:
                return found
    return None


def load_document(path: PathLike, fmt: str, older: tuple[str, ...] = ()) -> dict:
    """Read a JSON file and check its ``format`` marker.

    Parameters
    ----------
    path
        The file.
    fmt
        The expected marker, ``<kind>/<version>`` (e.g. ``jisopt-instance/2``).
    older
        Markers of earlier versions that are read too (e.g. ``("jisopt-instance/1",)``).

    Returns
    -------
    dict
        The decoded top-level object.

    Raises
    ------
    InputError
        If the path is empty, the file cannot be read, is not JSON (its first
        character is neither ``{`` nor ``[``), is not valid JSON (with line and column), holds
        a number that is not finite (``NaN``, ``Infinity``, or a literal beyond
        the float range such as ``1e400``; with line and column), nests too
        deeply, holds a string that is not valid Unicode (a lone surrogate
        escape), or carries another format or a newer version.
    """
    source = str(path)
    kind = fmt.rpartition("/")[0].removeprefix("jisopt-")
    if not source:
        raise InputError(f"empty path: name the {kind} file", source=source)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a leading byte order mark is dropped
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read file: not UTF-8 text ({exc.reason} at byte {exc.start})",
                         source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source=source) from None
    except ValueError as exc:  # e.g. an embedded NUL byte in the path
        raise InputError(f"cannot read file: {exc}", source=source) from None
    body = text.lstrip(" \t\r\n")
    if not body:
        raise InputError(f"empty file, not a jisopt {kind} (JSON expected)", source=source)
    if body[0] not in "{[":
        raise InputError(f"not a jisopt {kind} (JSON expected: a JSON object; the file starts "
                         f"with {body[:12]!r})", source=source)
    try:
        data = json.loads(text, parse_float=_finite_float, parse_constant=_no_constants,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         source=source) from None
    except _NonFiniteError as exc:
        raise InputError(f"number at {_non_finite_position(text, exc.token)} is not finite "
                         f"(NaN, Infinity and literals beyond the float range are refused)",
                         source=source, value=exc.token) from None
    except _BadJsonError as exc:
        raise InputError(f"malformed JSON: {exc}", source=source) from None
    except RecursionError:
        raise InputError("malformed JSON: nested too deeply", source=source) from None
    except ValueError:  # an integer literal longer than Python converts (4300 digits)
        where, token = _long_integer(text)
        raise InputError(f"integer at {where} has too many digits ({len(token)})", source=source,
                         value=token) from None
    if _SURROGATE_ESCAPE_RE.search(text):
        found = _lone_surrogate(data, [])
        if found:
            raise InputError("string is not valid Unicode (a lone surrogate escape)", source=source,
                             field=field_path(found[0]) or None, value=found[1])
    return check_format(data, fmt, source, older)


def check_format(data: object, fmt: str, source: str | None, older: tuple[str, ...] = ()) -> dict:
    """Check that ``data`` is an object whose ``format`` is ``fmt`` (or one of the ``older``
    markers); return it."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object with \"format\": \"{fmt}\"", source=source,
                         value=type(data).__name__)
    kind, _, version = fmt.rpartition("/")
    if "format" not in data:
        raise InputError(f"missing format marker, expected \"{fmt}\"", source=source, field="format")
    found = data["format"]
    if found == fmt or found in older:
        return data
    match = re.fullmatch(re.escape(kind) + r"/(\d+)", found) if isinstance(found, str) else None
    if match and int(match.group(1)) > int(version):
        raise InputError(f"format version {match.group(1)} is newer than this jisopt reads "
                         f"({version}); upgrade jisopt", source=source, field="format", value=found)
    raise InputError(f"unsupported format, expected \"{fmt}\"", source=source, field="format",
                     value=found)


def schema_error(data: dict, name: str, source: str | None) -> InputError | None:
    """The most relevant schema violation of ``data`` as an :class:`InputError`, or ``None``."""
    try:
        error = best_match(_validator(name).iter_errors(data))
    except RecursionError:
        return InputError("nested too deeply", source=source)
    if error is None:
        return None
    path = list(error.absolute_path)
    value, has_value = error.instance, True
    kind, limit = error.validator, error.validator_value
    if kind == "required":
        missing = next(k for k in limit if k not in error.instance)
        return InputError("missing required field", source=source,
                          field=field_path([*path, missing]), has_value=False)
    if kind == "additionalProperties" and limit is False:
        known = error.schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in known)[0]
        return InputError(f"unknown field (known: {', '.join(known)})", source=source,
                          field=field_path([*path, extra]), has_value=False)
    problems = {
        "type": lambda: f"must be of type {limit if isinstance(limit, str) else ' or '.join(limit)}",
        "minimum": lambda: f"must be >= {limit}",
        "exclusiveMinimum": lambda: f"must be > {limit}",
        "maximum": lambda: f"must be <= {limit}",
        "exclusiveMaximum": lambda: f"must be < {limit}",
        "enum": lambda: f"must be one of {', '.join(map(str, limit))}",
        "const": lambda: f"must be {limit!r}",
        "minItems": lambda: f"needs at least {limit} item(s)",
        "uniqueItems": lambda: "items must be unique",
        "minLength": lambda: f"needs at least {limit} character(s)",
        "pattern": lambda: f"must match {limit}",
    }
    if kind not in problems:
        return InputError(error.message, source=source, field=field_path(path) or None)
    problem = problems[kind]()
    if isinstance(value, dict | list):
        has_value = False
        if kind == "type":
            problem += f", not {'object' if isinstance(value, dict) else 'array'}"
    return InputError(problem, source=source, field=field_path(path) or None, value=value,
                      has_value=has_value)


def validate_document(data: dict, name: str, source: str | None) -> None:
    """Raise the most relevant schema violation of ``data``, if any.

    A document that :func:`fast_valid` accepts is valid; any other goes through
    :func:`schema_error` (``jsonschema``), which decides and words the message.
    """
    if fast_valid(data, name):
        return
    error = schema_error(data, name, source)
    if error is not None:
        raise error


# The fast path for instance files: the per-order part of the schema, checked by plain Python.
# It is written for exactly these definitions (descriptions aside); if the published schema's
# differ, the fast path is off and every document goes through jsonschema.
_FAST_ORDER_DEFS: dict[str, dict[str, Any]] = {
    "order": {
        "type": "object",
        "required": ["id", "slot", "due_h", "components"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "label": {"type": "string", "minLength": 1},
            "slot": {"type": "integer"},
            "due_h": {"type": "number"},
            "components": {"type": "object", "additionalProperties": {"$ref": "#/$defs/component"}},
            "options": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        },
    },
    "component": {
        "type": "object",
        "required": ["version", "started"],
        "additionalProperties": False,
        "properties": {
            "version": {"type": "integer", "minimum": 0},
            "started": {"type": "boolean"},
            "planned_delivery_h": {"type": "number"},
            "ready_h": {"type": "number"},
        },
    },
}
_ORDER_KEYS = frozenset(_FAST_ORDER_DEFS["order"]["properties"])
_ORDER_REQUIRED = frozenset(_FAST_ORDER_DEFS["order"]["required"])
_COMPONENT_KEYS = frozenset(_FAST_ORDER_DEFS["component"]["properties"])
_NUMBER_TYPES = frozenset((int, float))


def _without_descriptions(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_descriptions(v) for k, v in value.items() if k != "description"}
    return value


@functools.cache
def fast_path_enabled(name: str = "instance") -> bool:
    """Whether :func:`fast_valid` checks ``name`` documents (the published schema's order and
    component definitions are the ones the fast path is written for)."""
    if name != "instance":
        return False
    sch = _schema(name)
    defs = sch.get("$defs", {})
    return (sch.get("properties", {}).get("orders") is not None
            and _without_descriptions(sch["properties"]["orders"])
            == {"type": "array", "items": {"$ref": "#/$defs/order"}}
            and all(_without_descriptions(defs.get(k)) == v for k, v in _FAST_ORDER_DEFS.items()))


def _order_ok(order: object) -> bool:
    """``order`` satisfies the schema's ``order`` definition (exact JSON types only)."""
    if type(order) is not dict:
        return False
    keys = order.keys()
    if not (keys <= _ORDER_KEYS and keys >= _ORDER_REQUIRED):
        return False
    if (type(order["id"]) is not int or type(order["slot"]) is not int
            or type(order["due_h"]) not in _NUMBER_TYPES):
        return False
    if "label" in order and (type(order["label"]) is not str or not order["label"]):
        return False
    comps = order["components"]
    if type(comps) is not dict:
        return False
    for comp in comps.values():
        if type(comp) is not dict or not comp.keys() <= _COMPONENT_KEYS:
            return False
        version = comp.get("version")
        if type(version) is not int or version < 0 or type(comp.get("started")) is not bool:
            return False
        if len(comp) > 2:
            for key in ("planned_delivery_h", "ready_h"):
                if key in comp and type(comp[key]) not in _NUMBER_TYPES:
                    return False
    if "options" in order:
        opts = order["options"]
        if type(opts) is not list or any(type(o) is not str for o in opts) or len(set(opts)) != len(opts):
            return False
    return True


def fast_valid(data: object, name: str) -> bool:
    """``True`` only if ``data`` is valid against the ``name`` schema, checked quickly: the orders
    of an instance in plain Python, the rest of the document with ``jsonschema``. ``False``
    means "not shown valid" (the caller asks :func:`schema_error`)."""
    if not fast_path_enabled(name) or type(data) is not dict:
        return False
    orders = data.get("orders")
    if type(orders) is not list or not all(map(_order_ok, orders)):
        return False
    rest = dict(data)
    rest["orders"] = []
    try:
        return _validator(name).is_valid(rest)
    except RecursionError:
        return False


def dump_document(data: dict, width: int = 100) -> str:
    """JSON text for people and diffs: a value that fits in ``width`` columns stays on one line."""
    return _pretty(data, 0, width) + "\n"


def _pretty(value: object, indent: int, width: int, lead: int = 0) -> str:
    """``value`` at ``indent``, after ``lead`` characters of its line (a key)."""
    flat = _compact(value)
    if indent + lead + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = f"{json.dumps(k)}: "
            items.append(pad + key + _pretty(v, indent + 2, width, len(key)))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + _pretty(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def _compact(value: object) -> str:
    return json.dumps(value, separators=(", ", ": "), allow_nan=False, ensure_ascii=False)


def write_document(text: str, path: PathLike) -> None:
    """Write ``text`` to ``path``; an unwritable path is an :class:`InputError`."""
    if not str(path):
        raise InputError("empty path: name the file to write", source=str(path))
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError("cannot write file: the text is not valid Unicode (a lone surrogate)",
                         source=str(path), value=exc.object[exc.start:exc.end]) from None
    try:
        Path(path).write_bytes(data)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write file: {getattr(exc, 'strerror', None) or exc}",
                         source=str(path)) from None


def json_ready(value: object) -> object:
    """``value`` with numpy scalars and arrays (also inside dicts, lists and tuples) as plain
    JSON values."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
