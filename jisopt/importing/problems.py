"""Every problem of an imported table at once, one line per problem."""

from __future__ import annotations

from dataclasses import dataclass

from jisopt.errors import InputError, printable

__all__ = ["MAX_SHOWN", "TableError", "TableProblem", "raise_if_any"]

MAX_SHOWN = 20
"""Problems listed in full; the rest are counted (``... and N more``)."""


@dataclass(frozen=True)
class TableProblem:
    """One malformed cell (or a missing column, or a setting).

    Attributes
    ----------
    source
        The file.
    row
        Row number as a spreadsheet shows it (the first line of the file is row 1), or
        ``None`` for a problem of the whole table (a missing column) or a setting.
    column
        Column name or setting name.
    problem
        What is wrong.
    value
        The offending cell text, if any.
    setting
        ``column`` names a setting of the header block or the command line.
    """

    source: str
    row: int | None
    column: str
    problem: str
    value: object = None
    setting: bool = False

    def line(self) -> str:
        """``file: row 7, column 'due': problem (got '...')``."""
        what = "setting" if self.setting else "column"
        where = f"{what} '{printable(self.column)}'"
        if self.row is not None:
            where = f"row {self.row}, {where}"
        text = f"{printable(self.source)}: {where}: {printable(self.problem)}"
        if self.value is not None:
            text += f" (got {printable(repr(self.value))[:200]})"
        return text


class TableError(InputError):
    """A table with one or more problems; :attr:`problems` lists every one.

    Its message holds the first :data:`MAX_SHOWN` lines, then ``... and N more``.
    """

    def __init__(self, problems: list[TableProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.lines()[0] if self.problems else "no problems")

    def _message(self) -> str:
        return "\n".join(self.lines())

    def lines(self, limit: int = MAX_SHOWN) -> list[str]:
        """One line per problem, at most ``limit``, then the count of the rest."""
        shown = [p.line() for p in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"... and {len(self.problems) - limit} more")
        return shown


def raise_if_any(problems: list[TableProblem]) -> None:
    """Raise :class:`TableError` if ``problems`` is not empty."""
    if problems:
        raise TableError(problems)
