"""Error types: every input problem names where it is, which field and which value."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["InputError", "JisoptError", "field_path", "printable"]


class JisoptError(Exception):
    """Base class of every error jisopt raises on purpose."""


class InputError(JisoptError, ValueError):
    """Bad input: a file, field or value that cannot be used.

    Parameters
    ----------
    problem
        What is wrong, in words a user understands.
    source
        The file (or other source) the input came from, if any.
    field
        Dotted path of the offending field, e.g. ``suppliers[0].lead_time_h``.
    value
        The offending value, if there is one.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        field: str | None = None,
        value: object = None,
        has_value: bool | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.field = field
        self.value = value
        self.has_value = value is not None if has_value is None else has_value
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.source is not None:
            parts.append(printable(str(self.source)) if str(self.source) else "''")
        if self.field:
            parts.append(f"field '{printable(self.field)}'")
        where = ": ".join(parts)
        what = printable(self.problem)
        if self.has_value:
            what = f"{what} (got {_short_repr(self.value)})"
        return f"{where}: {what}" if where else what


def printable(text: str) -> str:
    """``text`` for a terminal: every non-printable character (control characters, lone
    surrogates, bidirectional overrides, line breaks) escaped as :func:`repr` escapes it.

    Every string that comes from a file or the command line goes through this before it
    is shown to people, so a file cannot inject terminal escapes or forge report lines.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _short_repr(value: object, limit: int = 200) -> str:
    """``repr(value)`` (non-printable characters escaped), cut to about ``limit`` characters."""
    text = printable(repr(value))
    return text if len(text) <= limit else text[:limit] + "..."


def field_path(parts: Iterable[object]) -> str:
    """The dotted field path of a location: ``("orders", 3, "slot")`` -> ``"orders[3].slot"``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
    return path
