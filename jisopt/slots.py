"""Time resolution and slot arithmetic: the one notion of "the same time".

Slot ``k`` starts at ``k * takt_h`` and completes at ``(k + 1) * takt_h``
(docs/model.md §5). Times are float hours, and real plant data come rounded to
minutes or seconds (``848.566667`` h for the slot start ``848.5666…`` h of a
1-minute takt). jisopt therefore compares times to a stated resolution:

    two times are *the same* when they differ by at most :data:`TIME_TOLERANCE_H`
    (half a second: times that agree to the second are the same time).

Every comparison of times (``is_later``, ``is_not_later``, ...) and every
rounding of a time to a slot (:func:`first_slot_from`, :func:`last_slot_until`)
goes through this module, for any takt. A scenario's takt must be at least
:data:`MIN_TAKT_H` so that one slot is many resolutions long. Writers never round
a time (JSON keeps the float's shortest exact representation), so a written and
re-read instance compares exactly as the original.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "MIN_TAKT_H",
    "SECOND_H",
    "TIME_TOLERANCE_H",
    "first_slot_from",
    "first_slot_scalar",
    "is_earlier",
    "is_later",
    "is_not_earlier",
    "is_not_later",
    "last_slot_until",
    "last_slot_until_scalar",
    "same_time",
]

SECOND_H = 1.0 / 3600.0
"""One second, in hours."""

TIME_TOLERANCE_H = SECOND_H / 2
"""The time resolution: times that differ by at most half a second are the same time.

Half a second is the one tolerance under which rounding times to whole seconds never
changes a comparison with a time that is itself a whole second (a slot start of a takt
of whole seconds, such as 1 or 2 minutes): a time within half a second of it rounds
onto it, a time further away rounds at least a second away, on the same side."""

MIN_TAKT_H = 10.0 * SECOND_H
"""The shortest takt jisopt accepts (10 s): a slot must span many resolutions, so
that "the same time" never joins two different slot starts."""


def same_time(a_h: np.ndarray | float, b_h: np.ndarray | float) -> np.ndarray:
    """``|a - b| <= TIME_TOLERANCE_H``: the two times are the same."""
    return np.abs(np.asarray(a_h) - b_h) <= TIME_TOLERANCE_H


def is_later(a_h: np.ndarray | float, b_h: np.ndarray | float) -> np.ndarray:
    """``a`` is later than ``b`` by more than the resolution (``a > b + tol``)."""
    return np.asarray(a_h) > np.asarray(b_h) + TIME_TOLERANCE_H


def is_not_later(a_h: np.ndarray | float, b_h: np.ndarray | float) -> np.ndarray:
    """``a`` is at or before ``b`` to the resolution (``a <= b + tol``)."""
    return np.asarray(a_h) <= np.asarray(b_h) + TIME_TOLERANCE_H


def is_earlier(a_h: np.ndarray | float, b_h: np.ndarray | float) -> np.ndarray:
    """``a`` is earlier than ``b`` by more than the resolution (``a < b - tol``)."""
    return np.asarray(a_h) < np.asarray(b_h) - TIME_TOLERANCE_H


def is_not_earlier(a_h: np.ndarray | float, b_h: np.ndarray | float) -> np.ndarray:
    """``a`` is at or after ``b`` to the resolution (``a >= b - tol``)."""
    return np.asarray(a_h) >= np.asarray(b_h) - TIME_TOLERANCE_H


def first_slot_from(time_h: np.ndarray | float, takt_h: float) -> np.ndarray:
    """First slot that starts at or after ``time_h`` (to the resolution).

    ``ceil((time_h - TIME_TOLERANCE_H) / takt_h)``: a time up to half a second after a
    slot start still belongs to that slot.

    Returns
    -------
    numpy.ndarray
        Float slot numbers (``±inf`` stays infinite); cast to int where finite.
    """
    return np.ceil((np.asarray(time_h) - TIME_TOLERANCE_H) / takt_h)


def last_slot_until(time_h: np.ndarray | float, takt_h: float) -> np.ndarray:
    """Last slot that starts at or before ``time_h`` (to the resolution).

    ``floor((time_h + TIME_TOLERANCE_H) / takt_h)``: a slot starting up to half a second
    after ``time_h`` still counts as starting by then.

    Returns
    -------
    numpy.ndarray
        Float slot numbers (``±inf`` stays infinite); cast to int where finite.
    """
    return np.floor((np.asarray(time_h) + TIME_TOLERANCE_H) / takt_h)


def first_slot_scalar(time_h: float, takt_h: float) -> int:
    """:func:`first_slot_from` of one finite time, as a Python int (the same float
    operations, without numpy's per-call overhead)."""
    return math.ceil((time_h - TIME_TOLERANCE_H) / takt_h)


def last_slot_until_scalar(time_h: float, takt_h: float) -> int:
    """:func:`last_slot_until` of one finite time, as a Python int (the same float
    operations, without numpy's per-call overhead)."""
    return math.floor((time_h + TIME_TOLERANCE_H) / takt_h)
