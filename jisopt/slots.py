"""Slot arithmetic: the tolerance of float times and the rounding of a time to a slot.

Slot ``k`` starts at ``k * takt_h`` and completes at ``(k + 1) * takt_h``
(docs/model.md §5). Times are float hours, so a time that should equal a slot start
may miss it by a rounding error; every comparison of times and every rounding
of a time to a slot allows :data:`EPS`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPS", "first_slot_from", "last_slot_until"]

EPS = 1e-9
"""Tolerance of float time arithmetic: hours when two times are compared (times
closer than this are equal), slots when a time is rounded to a slot."""


def first_slot_from(time_h: np.ndarray | float, takt_h: float) -> np.ndarray:
    """First slot that starts at or after ``time_h``: ``ceil(time_h / takt_h - EPS)``.

    Returns
    -------
    numpy.ndarray
        Float slot numbers (``±inf`` stays infinite); cast to int where finite.
    """
    return np.ceil(np.asarray(time_h) / takt_h - EPS)


def last_slot_until(time_h: np.ndarray | float, takt_h: float) -> np.ndarray:
    """Last slot that starts at or before ``time_h``: ``floor(time_h / takt_h + EPS)``.

    Returns
    -------
    numpy.ndarray
        Float slot numbers (``±inf`` stays infinite); cast to int where finite.
    """
    return np.floor(np.asarray(time_h) / takt_h + EPS)
