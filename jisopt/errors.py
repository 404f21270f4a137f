"""Error types: every input problem names where it is, which field and which value."""

from __future__ import annotations

from collections.abc import Iterable


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
        if self.source:
            parts.append(str(self.source))
        if self.field:
            parts.append(f"field '{self.field}'")
        where = ": ".join(parts)
        what = self.problem
        if self.has_value:
            what = f"{what} (got {self.value!r})"
        return f"{where}: {what}" if where else what


def field_path(parts: Iterable[object]) -> str:
    """The dotted field path of a location: ``("orders", 3, "slot")`` -> ``"orders[3].slot"``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
    return path
