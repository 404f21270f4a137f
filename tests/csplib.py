"""Car-sequencing data (CSPLib problem 001) as ratio rules for rescheduling tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jisopt.instance import RatioRule

__all__ = ["DINCBAS", "DINCBAS_SEQUENCE", "STANDARD_CAPACITIES", "CarSequencing", "read_block"]

DATA = Path(__file__).resolve().parent / "data"

STANDARD_CAPACITIES = ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
"""``(H, N)`` of the five options of CSPLib's first block of 100-car instances."""


@dataclass(frozen=True)
class CarSequencing:
    """One car-sequencing instance: capacities and classes.

    Attributes
    ----------
    capacities
        ``(H, N)`` per option.
    classes
        ``(count, options)`` per class; ``options`` is one bool per option.
    """

    capacities: tuple[tuple[int, int], ...]
    classes: tuple[tuple[int, tuple[bool, ...]], ...]

    def cars(self) -> list[tuple[bool, ...]]:
        """Every car's options, class by class."""
        return [opts for count, opts in self.classes for _ in range(count)]

    def rules(self, hard: bool = True, penalty: float = 1.0) -> tuple[RatioRule, ...]:
        return tuple(RatioRule(k, h, n, hard=hard, penalty=penalty)
                     for k, (h, n) in enumerate(self.capacities))


def read_block(path: str | Path = DATA / "csplib_p4_72.txt") -> CarSequencing:
    """Read one instance in CSPLib's format (``#`` lines are comments).

    Capacity lines are optional: without them the standard capacities apply.
    """
    rows = [line.split() for line in Path(path).read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    n_cars, n_options, n_classes = (int(x) for x in rows[0])
    body = rows[1:]
    if len(body) == n_classes + 2:
        capacities = tuple(zip((int(x) for x in body[0]), (int(x) for x in body[1]), strict=True))
        body = body[2:]
    else:
        capacities = STANDARD_CAPACITIES
    classes = tuple((int(r[1]), tuple(bool(int(x)) for x in r[2:2 + n_options])) for r in body)
    if len(capacities) != n_options or sum(c for c, _ in classes) != n_cars:
        raise ValueError(f"{path}: inconsistent car-sequencing block")
    return CarSequencing(capacities, classes)


DINCBAS = CarSequencing(
    capacities=((1, 2), (2, 3), (1, 3), (2, 5), (1, 5)),
    classes=tuple((count, tuple(bool(x) for x in opts)) for count, opts in (
        (1, (1, 0, 1, 1, 0)), (1, (0, 0, 0, 1, 0)), (2, (0, 1, 0, 0, 1)),
        (2, (0, 1, 0, 1, 0)), (2, (1, 0, 1, 0, 0)), (2, (1, 1, 0, 0, 0)),
    )),
)
"""The 10-car example of CSPLib's specification (Dincbas et al., ECAI 88)."""

DINCBAS_SEQUENCE = (0, 1, 5, 2, 4, 3, 3, 4, 2, 5)
"""A valid sequence of :data:`DINCBAS`, by class (from the specification)."""
