"""The objective: its terms and weights, defined once (docs/model.md §5).

Every objective term is computed here and nowhere else. :func:`pair_terms`
gives the separable terms for placing given orders at given slots; both
:func:`jisopt.evaluate.evaluate` (for a plan) and the exact model (for every
candidate order–slot pair) use it, so the solver's objective and the
solver-free evaluation cannot drift apart. The soft ratio term is not
separable; :func:`ratio_window_counts` defines it. User terms
(:class:`~jisopt.weights.UserTerm`, carried by :class:`~jisopt.weights.Weights`) are
separable too: :func:`user_pair_terms` evaluates them, and :func:`weighted_pair_costs`
adds them to the built-in terms, for the exact model and :func:`jisopt.evaluate.evaluate`
alike.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from jisopt.errors import InputError
from jisopt.instance import Instance
from jisopt.weights import OBJECTIVE_TERMS, UserTerm, Weights

__all__ = [
    "OBJECTIVE_TERMS",
    "PAIR_TERMS",
    "Weights",
    "component_stock_h",
    "idle_slots_constant",
    "pair_terms",
    "ratio_window_counts",
    "reschedule_flags",
    "user_pair_terms",
    "weighted_pair_costs",
    "window_counts",
    "window_excess",
]

PAIR_TERMS: tuple[str, ...] = (
    "total_delay_h", "reschedules", "displacement_h", "stock_component_h", "idle_slots",
)
"""The separable terms :func:`pair_terms` computes (every term but ``ratio_penalty``)."""


def pair_terms(
    instance: Instance,
    rows: np.ndarray,
    slots: np.ndarray,
    ready_h: np.ndarray | None = None,
    terms: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """Separable objective terms of placing order ``rows[k]`` at ``slots[k]``.

    Parameters
    ----------
    instance
        The snapshot (old slots, due dates, component states).
    rows, slots
        Equal-length integer arrays of candidate (order, slot) pairs.
    ready_h
        ``(n, M)`` ready times to use (after component swaps); defaults to the
        instance's.
    terms
        Names of the terms to compute (default: all of :data:`PAIR_TERMS`); the exact
        model asks only for those with a non-zero weight.

    Returns
    -------
    dict
        ``total_delay_h``: ``max(0, (s + 1) * takt - due)``;
        ``reschedules``: 1 if the order has a started component and ``s`` differs
        from its slot; ``displacement_h``: ``|s - c| * takt``;
        ``stock_component_h``: sum over started components of
        ``max(0, s * takt - ready)``; ``idle_slots``: ``-1`` if ``s`` lies in the
        horizon (add :func:`idle_slots_constant` for the count of empty slots).

    Raises
    ------
    ValueError
        On a name in ``terms`` that is not a separable term.
    """
    want = PAIR_TERMS if terms is None else tuple(terms)
    unknown = set(want) - set(PAIR_TERMS)
    if unknown:
        raise ValueError(f"not a separable objective term: {sorted(unknown)[0]!r}")
    takt = instance.takt_h
    start_h = slots * takt
    out: dict[str, np.ndarray] = {}
    if "total_delay_h" in want:
        out["total_delay_h"] = np.maximum(0.0, start_h + takt - instance.due_h[rows])
    if "reschedules" in want:
        out["reschedules"] = reschedule_flags(instance, rows, slots).astype(np.float64)
    if "displacement_h" in want:
        out["displacement_h"] = np.abs(slots - instance.slot[rows]) * takt
    if "stock_component_h" in want:
        # Supplier by supplier on 1-d arrays: over a short axis of an (P, M) array this is
        # several times faster, and the sum is taken in the same order.
        stock = np.zeros(np.shape(rows), dtype=np.float64)
        for m in range(instance.n_suppliers):
            stock += component_stock_h(instance, rows, slots, m, ready_h)
        out["stock_component_h"] = stock
    if "idle_slots" in want:
        in_horizon = (slots >= instance.first_slot) & (slots < instance.horizon_end)
        out["idle_slots"] = -in_horizon.astype(np.float64)
    return {name: out[name] for name in PAIR_TERMS if name in out}


def component_stock_h(instance: Instance, rows: np.ndarray, slots: np.ndarray, m: int,
                      ready_h: np.ndarray | None = None) -> np.ndarray:
    """Supplier ``m``'s share of ``stock_component_h`` per pair: ``max(0, s * takt - ready)``
    for a started component of order ``rows[k]`` at slot ``slots[k]``, 0 for an unstarted one."""
    ready = instance.ready_h if ready_h is None else ready_h
    wait = np.where(instance.started[:, m][rows], slots * instance.takt_h - ready[:, m][rows], 0.0)
    return np.maximum(wait, 0.0)


def weighted_pair_costs(instance: Instance, rows: np.ndarray, slots: np.ndarray,
                        weights: Weights) -> np.ndarray:
    """Weighted separable cost of each (order, slot) pair, in objective units.

    ``weights.combine(pair_terms(...) | user_pair_terms(...))``, computing only the
    terms whose weight is not zero (the exact model's cost coefficients).

    Raises
    ------
    InputError
        If a user term's cost function raises or returns no finite array of the
        pairs' shape (naming the term).
    """
    needed = [name for key, name in OBJECTIVE_TERMS.items()
              if name in PAIR_TERMS and getattr(weights, key)]
    user = [term for term in weights.user_terms if term.weight]
    if not (needed or user) or np.size(rows) == 0:
        return np.zeros(np.shape(rows), dtype=np.float64)
    terms: dict[str, np.ndarray] = pair_terms(instance, rows, slots, terms=needed) if needed else {}
    terms.update(user_pair_terms(instance, rows, slots, user))
    total = weights.combine(terms)
    return np.asarray(total, dtype=np.float64)


def user_pair_terms(
    instance: Instance,
    rows: np.ndarray,
    slots: np.ndarray,
    terms: Iterable[UserTerm],
    ready_h: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Unweighted values of user terms for placing order ``rows[k]`` at ``slots[k]``.

    Parameters
    ----------
    instance
        The snapshot.
    rows, slots
        Equal-length integer arrays of (order, slot) pairs.
    terms
        The user terms (e.g. ``weights.user_terms``).
    ready_h
        ``(n, M)`` ready times after component swaps; the cost functions then see an
        instance with these ready times (default: the instance's).

    Returns
    -------
    dict
        Term name -> float array of the pairs' shape.

    Raises
    ------
    InputError
        If a cost function raises, or returns something that is not a finite numeric
        array of the pairs' shape; the error names the term.
    """
    terms = tuple(terms)
    if not terms:
        return {}
    seen = instance
    if ready_h is not None and ready_h is not instance.ready_h:
        seen = instance.replace(ready_h=ready_h)
    rows = np.asarray(rows, dtype=np.int64)
    slots = np.asarray(slots, dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for term in terms:
        field = f"weights.user_terms.{term.name}"
        try:
            raw = term.cost(seen, rows.copy(), slots.copy())
        except Exception as exc:
            raise InputError(f"user term raised {type(exc).__name__}: {exc}", field=field,
                             has_value=False) from exc
        try:
            values = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("user term must return numbers, one per pair", field=field,
                             value=type(raw).__name__) from None
        if np.shape(values) != np.shape(rows):
            raise InputError(f"user term must return one number per pair, shape {np.shape(rows)}",
                             field=field, value=f"shape {np.shape(values)}")
        if not np.isfinite(values).all():
            bad = values[~np.isfinite(values)][0]
            raise InputError("user term must return finite numbers", field=field, value=bad)
        out[term.name] = values
    return out


def reschedule_flags(instance: Instance, rows: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """The ``reschedules`` term per pair: order ``rows[k]`` has a started component and
    ``slots[k]`` differs from its slot (bool array)."""
    return instance.has_started_of(rows) & (slots != instance.slot[rows])


def idle_slots_constant(instance: Instance) -> float:
    """Constant part of ``idle_slots``: the number of slots in the horizon."""
    return float(instance.horizon_slots)


def ratio_window_counts(instance: Instance, slot_of_row: np.ndarray, end: int) -> list[np.ndarray]:
    """Option counts in every window of every ratio rule.

    Windows are the ``N`` consecutive slots starting at ``first_slot .. end - N``
    (the whole reinsertion area); an empty slot carries no option. A rule whose ``N``
    exceeds the area has one window, the whole area ``[first_slot, end)``: a stricter
    rule (larger ``N``, same ``H``) never allows more.

    Returns
    -------
    list of numpy.ndarray
        Per rule, the count of the option in each window (length
        ``max(1, end - first_slot - N + 1)``, or 0 for an empty area).
    """
    counts = []
    length = end - instance.first_slot
    valid = (slot_of_row >= instance.first_slot) & (slot_of_row < end)
    for rule in instance.ratio_rules:
        assert instance.options is not None  # ratio rules come with options
        carried = np.zeros(max(length, 0), dtype=np.int64)
        has = instance.options[:, rule.option] & valid
        np.add.at(carried, slot_of_row[has] - instance.first_slot, 1)
        if rule.window > length:  # one window: the whole area (none if it is empty)
            counts.append(np.array([carried.sum()], dtype=np.int64) if length > 0
                          else np.zeros(0, dtype=np.int64))
            continue
        counts.append(window_counts(carried, rule.window))
    return counts


def window_counts(carried: np.ndarray, window: int) -> np.ndarray:
    """Option count in every window of ``window`` consecutive slots of a slot range.

    ``carried[j]`` is 1 if the ``j``-th slot of the range carries the option (0 for an
    empty slot); the result has one count per window start ``0 .. len - window``
    (empty if the range is shorter than the window). The one definition of a ratio
    rule's windows, used by :func:`ratio_window_counts`, the simulator's planner and
    its KPIs.
    """
    length = int(np.shape(carried)[0])
    csum = np.concatenate(([0], np.cumsum(carried, dtype=np.int64)))
    n_windows = max(length - window + 1, 0)
    return csum[window:window + n_windows] - csum[:n_windows]


def window_excess(counts: np.ndarray, limit: int | np.ndarray) -> np.ndarray:
    """Excess units per window: ``max(0, count - limit)``.

    With ``limit = H`` these are the units of the KPI ``ratio_excess`` and of the
    simulator's ratio KPIs; with the windows' caps (:func:`jisopt.ratio.window_caps`)
    those of the ``ratio_penalty`` term (docs/model.md §5). ``limit`` broadcasts
    against ``counts``.
    """
    return np.maximum(counts - limit, 0)
