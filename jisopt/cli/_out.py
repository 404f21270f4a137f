"""The one rule for ``--out``: a command writes the format its file's extension names, or
refuses the file with one line."""

from __future__ import annotations

from pathlib import Path

from jisopt.errors import InputError

__all__ = ["output_format"]


def output_format(path: str, allowed: tuple[str, ...], field: str = "--out") -> str:
    """The format (``"json"``, ``"csv"``, ...) that ``path``'s extension names.

    Parameters
    ----------
    path
        The file to write.
    allowed
        The extensions the command writes, with their dot (``(".json", ".csv")``).
    field
        The option named in the error.

    Raises
    ------
    InputError
        For an empty path or an extension not in ``allowed`` (compared case-insensitively):
        ``field '--out': give a .json or .csv file (got 'x.txt')``.
    """
    if not path:
        raise InputError("empty path: name the file to write", field=field, value=path)
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        choices = " or ".join(allowed)
        raise InputError(f"give a {choices} file", field=field, value=path)
    return suffix[1:]
