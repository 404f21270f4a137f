"""When a plan keeps a hard ratio rule (docs/model.md §5): one definition.

A hard ``H:N`` rule allows at most ``H`` carriers of its option in any ``N``
consecutive slots. Real sequences already break some windows before any
disruption, so a plan is not asked to repair them; it is asked not to make
anything worse, where a broken window that a displacement chain moves one slot
later is not worse. :func:`window_caps` and :func:`windows_kept` define that. A soft
rule pays for the excess over the same caps, i.e. for what a plan adds (docs/model.md §5);
:func:`jisopt.evaluate.evaluate`, the exact model
(:mod:`jisopt.policies.milp`) and the ratio-aware rules
(:mod:`jisopt.policies.ratio_rules`) all use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jisopt.instance import Instance

__all__ = ["hard_rules_kept", "window_caps", "windows_kept"]


def window_caps(input_counts: np.ndarray, max_count: int | np.ndarray) -> np.ndarray:
    """Largest count a plan may give each window of a hard rule, and above which a soft
    rule's window pays (docs/model.md §5).

    A displacement chain moves every order it passes by one slot later, so a window
    lying on a chain holds what the window one slot earlier held. A window's cap is
    therefore the worst of the two input windows it can come from, and at least ``H``:
    ``max(H, old[w], old[w - 1])``, where ``old`` is the count under the input sequence
    (the first window of the area has no earlier one: ``max(H, old[0])``). A window
    within ``H`` whose left neighbour is too stays within ``H``; a window the input
    breaks may move one slot later but not get worse.

    Parameters
    ----------
    input_counts
        Count of the option in each window under the input sequence (the
        instance's own slots), as :func:`jisopt.objective.ratio_window_counts`
        computes it, windows along the last axis (one row per rule if 2-D).
    max_count
        The rule's ``H`` (broadcast against ``input_counts``).

    Returns
    -------
    numpy.ndarray
        The cap of every window, the shape of ``input_counts``.

    Examples
    --------
    A 1:2 rule whose input has 2 carriers in the first window (slots 0, 1):

    >>> window_caps(np.array([2, 1, 0, 0]), 1).tolist()
    [2, 2, 1, 1]
    """
    old = np.asarray(input_counts)
    earlier = old.copy()
    if old.shape[-1] > 1:
        earlier[..., 1:] = old[..., :-1]
    return np.maximum(np.maximum(old, earlier), max_count)


def windows_kept(new_counts: np.ndarray, input_counts: np.ndarray, max_count: int) -> np.ndarray:
    """Per window, whether a plan keeps a hard rule there.

    Parameters
    ----------
    new_counts
        Count of the option in each window under the plan.
    input_counts
        Count in the same windows under the input sequence.
    max_count
        The rule's ``H``.

    Returns
    -------
    numpy.ndarray
        Bool per window: ``new count <= cap`` (:func:`window_caps`). The plan
        keeps the rule when every window is kept.

    Examples
    --------
    A 1:2 rule whose input has 2 carriers in the first window: the broken pair may
    move one slot later (second window 2 <= its cap 2), not two (third window 2 > 1):

    >>> windows_kept(np.array([1, 2, 2]), np.array([2, 1, 0]), 1).tolist()
    [True, True, False]
    """
    return np.asarray(new_counts) <= window_caps(input_counts, max_count)


def hard_rules_kept(instance: Instance, new_slot: np.ndarray) -> bool:
    """Whether a plan's slots keep every hard rule of ``instance`` (:func:`windows_kept` on
    every window of the reinsertion area, as :func:`jisopt.evaluate.evaluate` judges it).

    Parameters
    ----------
    instance
        The rescheduling instance (its own slots are the input sequence).
    new_slot
        ``(n,)`` slot of every order under the plan (``-1``: not placed).
    """
    from jisopt.objective import ratio_window_counts
    from jisopt.subsequences import slot_end

    hard = [k for k, rule in enumerate(instance.ratio_rules) if rule.hard]
    if not hard:
        return True
    end = slot_end(instance)
    before = ratio_window_counts(instance, instance.slot, end)
    after = ratio_window_counts(instance, np.asarray(new_slot), end)
    return all(bool(windows_kept(after[k], before[k], instance.ratio_rules[k].max_count).all())
               for k in hard)
