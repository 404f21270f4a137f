"""Ratio-aware reinsertion rules: the paper's rules that keep hard ``H:N`` rules
(docs/model.md §3, "Ratio-aware rules").

A ratio-aware rule takes the plain rule's plan when that plan keeps every hard
ratio rule (:func:`jisopt.ratio.windows_kept`: no window above its cap
``max(H, old[w], old[w - 1])``, ``old`` the input sequence's counts). Otherwise it reinserts the
disrupted orders one by one, in the plain rule's insertion order, and gives
each the first slot of its own [step, leap], in the rule's direction from its
target, whose chain keeps the hard rules. An order with no such slot takes the
candidate that adds the least excess, and the plan's status says
``ratio_infeasible``.

Candidate checks never recount the sequence. A chain from slot ``t`` to the gap
``e`` moves every order between by one slot, so a window lying on the chain
holds what the window one slot earlier held: the windows within ``N`` of ``t``,
of ``e`` and of orders reinserted before are counted anew from the option
indicators, every other one is judged from prefix sums over the state's window
counts (computed once per state, not per candidate), and the candidates of one
order are judged together in blocks. The plain plan's check is the sum of the
excess its chains add, judged the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from jisopt.errors import InputError
from jisopt.evaluate import unresolved_disrupted
from jisopt.instance import Instance
from jisopt.plan import Plan, ready_after_swaps
from jisopt.policies.rules import RulePolicy, _free_slot, reinsert, rule_targets
from jisopt.policies.swap import find_swaps
from jisopt.ratio import hard_rules_kept, window_caps
from jisopt.subsequences import disruption_bounds, slot_end

__all__ = [
    "RATIO_INFEASIBLE",
    "RATIO_PREFIX",
    "RATIO_RULES",
    "RATIO_RULE_NAMES",
    "RatioRulePolicy",
    "candidate_slots",
]

RATIO_PREFIX = "ratio-"
"""Prefix of a ratio-aware rule's name: ``ratio-step``, ``ratio-dynamic+swap``, ..."""

RATIO_RULES: tuple[str, ...] = ("step", "leap", "dynamic", "ontime")
"""The rules with a ratio-aware variant (``none`` moves nothing)."""

RATIO_RULE_NAMES: tuple[str, ...] = tuple(RATIO_PREFIX + r for r in RATIO_RULES)
"""Policy names of the ratio-aware rules."""

RATIO_INFEASIBLE = "ratio_infeasible"
"""Plan status when some disrupted order has no slot in its [step, leap] that keeps the
hard ratio rules (the plan then breaks one; :func:`~jisopt.evaluate.evaluate` flags it)."""


def candidate_slots(rule: str, target: int, step: int, leap: int) -> np.ndarray:
    """The slots a ratio-aware rule tries, in order, for one disrupted order.

    Parameters
    ----------
    rule
        ``step``: ``step, step + 1, ..., leap``; ``leap``: ``leap, leap - 1, ..., step``;
        ``dynamic``: as step when it chose step (``target == step``), else as leap;
        ``ontime``: the target (the latest on-time slot), then the earlier slots down to
        step (still on time), then the later ones up to leap.
    target, step, leap
        The plain rule's target and the order's bounds.

    Returns
    -------
    numpy.ndarray
        Every slot of [step, leap] once, the target first.
    """
    up = np.arange(target, leap + 1, dtype=np.int64)
    down = np.arange(target, step - 1, -1, dtype=np.int64)
    if rule == "step" or (rule == "dynamic" and target == step):
        return up
    if rule in ("leap", "dynamic"):
        return down
    if rule == "ontime":
        return np.concatenate((down, up[1:]))
    raise InputError(f"unknown rule (rules: {', '.join(RATIO_RULES)})", field="policy", value=rule)


class _HardWindows:
    """Option indicators of the hard rules along the slots, and local window checks.

    Positions are relative to ``instance.first_slot``; only positions below
    ``n_valid`` (the reinsertion area ``[first_slot, slot_end)``, as in
    :func:`jisopt.evaluate.evaluate`) carry options, and only windows lying in it count.
    """

    def __init__(self, instance: Instance, input_occupant: np.ndarray, n_valid: int):
        hard = [r for r in instance.ratio_rules if r.hard]
        # A window longer than the area is the whole area (jisopt.ratio, evaluate): clamped,
        # it is the one window [0, n_valid), and no array grows with the rule's N.
        self.window = np.minimum(np.array([r.window for r in hard], dtype=np.int64),
                                 max(n_valid, 1))
        self.max_count = np.array([r.max_count for r in hard], dtype=np.int64)
        self.n_max = int(self.window.max())
        self.n_valid = n_valid
        # Option of each order per hard rule; one extra all-False row for "empty".
        opts = np.zeros((instance.n_orders + 1, len(hard)), dtype=np.int8)
        assert instance.options is not None  # hard rules come with options (Instance.check)
        opts[:-1] = instance.options[:, [r.option for r in hard]]
        self.opts = opts
        self.opts_t = np.ascontiguousarray(opts.T)  # (R, n + 1): indicators by order
        length = input_occupant.shape[0] + self.n_max
        self.input = np.zeros((len(hard), length), dtype=np.int8)
        self.input[:, :n_valid] = self.opts_t[:, input_occupant[:n_valid]]
        self.current = self.input  # the state is the input until set_state
        self._cap: np.ndarray | None = None  # window_caps per window, for searches
        self.state: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # window counts and shift sums of the state

    def set_state(self, occupant: np.ndarray) -> None:
        """Take ``occupant`` (order row per position, -1 empty) as the current state."""
        if self.current is self.input:
            self.current = self.input.copy()
        self.current[:, :self.n_valid] = self.opts_t[:, occupant[:self.n_valid]]
        self.state = None

    def judge(self, pos: np.ndarray, rows: np.ndarray) -> tuple[bool, int]:
        """Would putting order ``rows[j]`` at position ``pos[j]`` keep the hard rules?

        The direct count over every window the change touches (the reference that
        :meth:`judge_chain` and :meth:`judge_many` must agree with).

        Parameters
        ----------
        pos
            Ascending positions whose occupant changes (a chain).
        rows
            Their new occupants (-1: empty).

        Returns
        -------
        tuple
            ``(kept, added_excess)``: no window exceeds ``max(cap, current count)``
            (:func:`jisopt.ratio.window_caps`); and the change of the total excess over
            the caps.
        """
        lo, hi = int(pos[0]), int(pos[-1])
        a, b = max(lo - self.n_max + 1, 0), min(hi, self.n_valid - 1)
        if a > b:
            return True, 0
        seg = slice(a, b + self.n_max)
        cur = self.current[:, seg]
        new = cur.copy()
        keep = pos < min(self.n_valid, b + self.n_max)
        new[:, pos[keep] - a] = self.opts_t[:, rows[keep]]
        w = b - a + 1
        now, after = (self._window_counts(arr, w) for arr in (cur, new))
        valid = (a + np.arange(w))[None, :] <= self.n_valid - self.window[:, None]
        cap = self.caps()[:, a:a + w]
        kept = bool(np.all((after <= np.maximum(cap, now)) | ~valid))
        added = int(np.sum(np.where(valid, np.maximum(after - cap, 0) - np.maximum(now - cap, 0), 0)))
        return kept, added

    def commit(self, pos: np.ndarray, rows: np.ndarray) -> None:
        """Carry out the change :meth:`judge` was asked about."""
        if self.current is self.input:
            self.current = self.input.copy()
        keep = pos < self.n_valid
        self.current[:, pos[keep]] = self.opts_t[:, rows[keep]]
        self.state = None

    # ---- the search: many chains on one state ---------------------------------------

    def _window_counts(self, carried: np.ndarray, w: int) -> np.ndarray:
        """``(R, w)`` count of the windows starting at ``0 .. w - 1`` of ``carried``
        (``(R, S)`` indicators, ``S >= w - 1 + N`` for every rule), by prefix sums."""
        cs = np.zeros((carried.shape[0], carried.shape[1] + 1), dtype=np.int32)
        np.cumsum(carried, axis=1, out=cs[:, 1:])
        out = np.empty((carried.shape[0], w), dtype=np.int32)
        for r, n in enumerate(self.window.tolist()):
            out[r] = cs[r, n:n + w] - cs[r, :w]
        return out

    def _counts(self, carried: np.ndarray) -> np.ndarray:
        """``(R, n_valid)`` count of every window start (0 for windows that do not fit)."""
        return self._window_counts(carried[:, :self.n_valid + self.n_max], self.n_valid)

    def caps(self) -> np.ndarray:
        """``(R, n_valid)`` cap of every window start (:func:`jisopt.ratio.window_caps` of
        the input's counts; windows that do not fit the area have none)."""
        if self._cap is None:
            cap = window_caps(self._counts(self.input), self.max_count[:, None])
            for r, n in enumerate(self.window.tolist()):
                cap[r, self.n_valid - n + 1:] = 2**30  # windows that do not fit: no cap
            self._cap = cap
        return self._cap

    def prepare(self) -> None:
        """Window counts of the current state and, per window, what a shift by one slot
        would do to it (prefix sums), for :meth:`judge_chain`."""
        cap = self.caps()
        cur = self._counts(self.current)
        # Window w after a shift holds what w - 1 held. It can break the rule or change the
        # excess only where that count, or the window's own, is above the cap.
        shifted_over = cur[:, :-1] > cap[:, 1:]
        own_over = cur > cap
        where = 1 + np.flatnonzero(shifted_over.any(axis=0) | own_over[:, 1:].any(axis=0))
        bad = np.zeros(self.n_valid, dtype=np.int64)
        exc = np.zeros(self.n_valid, dtype=np.int64)
        if where.size:
            sh, c, k = cur[:, where - 1], cur[:, where], cap[:, where]
            bad[where] = (sh > np.maximum(k, c)).sum(axis=0)
            exc[where] = (np.maximum(sh - k, 0) - np.maximum(c - k, 0)).sum(axis=0)
        self.state = (cur, np.concatenate(([0], np.cumsum(bad))), np.concatenate(([0], np.cumsum(exc))))

    def prepared(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The state's window counts and shift sums (:meth:`prepare` once per state)."""
        if self.state is None:
            self.prepare()
        assert self.state is not None
        return self.state

    def judge_chain(self, pos: np.ndarray, rows: np.ndarray, occupant: np.ndarray,
                    reinserted: np.ndarray) -> tuple[bool, int]:
        """:meth:`judge` for a chain (the same answer), in time independent of its length.

        A chain from ``t = pos[0]`` to the gap ``e = pos[-1]`` moves every order between
        by one slot, so a window whose slots (and the slot before them) all lie on the
        chain holds what the window one slot earlier held: those windows are judged
        from prefix sums of the state. Only windows within ``N`` of ``t``, of ``e`` and
        of orders reinserted before (which the chain passes over) are counted anew.
        """
        cur, bad_sum, exc_sum = self.prepared()
        t, e, n = int(pos[0]), int(pos[-1]), self.n_max
        last = self.n_valid - 1
        inside = t + np.flatnonzero(reinserted[t:e + 1])
        starts = [t - n + 1, *(inside - n + 1).tolist(), e - n + 2]
        stops = [t, *(inside + 1).tolist(), e]
        explicit = []
        pieces = []  # interior window starts [lo, hi]: judged by the prefix sums
        interior_hi = min(e - n + 1, last)
        lo = t + 1
        for a, b in zip(starts, stops, strict=True):
            a, b = max(a, 0), min(b, last)
            if a > b:
                continue
            if a > lo:
                pieces.append((lo, min(a - 1, interior_hi)))
            explicit.append(np.arange(a, b + 1))
            lo = max(lo, b + 1)
        pieces.append((lo, interior_hi))
        interior_bad = interior_exc = 0
        for a, b in pieces:
            if a <= b:
                interior_bad += int(bad_sum[b + 1] - bad_sum[a])
                interior_exc += int(exc_sum[b + 1] - exc_sum[a])
        if not explicit:
            return interior_bad == 0, int(interior_exc)
        ws = np.unique(np.concatenate(explicit))
        # New option indicators at the slots of those windows.
        q = ws[:, None] + np.arange(n)[None, :]
        j = np.minimum(np.searchsorted(pos, q), pos.shape[0] - 1)
        on_chain = pos[j] == q
        occ = np.where(on_chain, rows[j], occupant[np.minimum(q, occupant.shape[0] - 1)])
        occ = np.where(q < self.n_valid, occ, -1)
        carried = self.opts[occ]  # (W, n, R)
        in_window = np.arange(n)[:, None] < self.window[None, :]  # (n, R)
        new = np.einsum("wkr,kr->rw", carried.astype(np.int64), in_window.astype(np.int64))
        cap, old = self.caps()[:, ws], cur[:, ws]
        lim = np.maximum(cap, old)
        kept = interior_bad == 0 and bool(np.all(new <= lim))
        added = interior_exc + int(np.sum(np.maximum(new - cap, 0) - np.maximum(old - cap, 0)))
        return kept, int(added)


    def _simple_chains(self, ts: np.ndarray, es: np.ndarray, row: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`judge_chain` for many chains that pass over no reinserted order, at once:
        ``row`` at ``ts[k]``, the orders in ``(ts[k], es[k]]`` one slot later."""
        cur, bad_sum, exc_sum = self.prepared()
        n, last = self.n_max, self.n_valid - 1
        kept = np.ones(ts.shape[0], dtype=bool)
        added = np.zeros(ts.shape[0], dtype=np.int64)
        # Windows counted anew: the n starting at t - n + 1 .. t (containing t) and the
        # n - 1 starting at e - n + 2 .. e (reaching past e), those not already counted.
        for first, n_w, skip in ((ts - n + 1, n, None), (es - n + 2, n - 1, ts)):
            if n_w == 0:
                continue
            q = first[:, None] + np.arange(n_w + n - 1)[None, :]  # (K, P) slots they cover
            shifted = (q > ts[:, None]) & (q <= es[:, None])
            src = np.clip(np.where(shifted, q - 1, q), 0, self.current.shape[1] - 1)
            vals = self.current[:, src].astype(np.int64)  # (R, K, P)
            vals[:, q == ts[:, None]] = self.opts[row][:, None]
            vals[:, (q < 0) | (q >= self.n_valid)] = 0
            cs = np.zeros((*vals.shape[:2], vals.shape[2] + 1), dtype=np.int64)
            np.cumsum(vals, axis=2, out=cs[:, :, 1:])
            new = np.empty((vals.shape[0], vals.shape[1], n_w), dtype=np.int64)  # (R, K, n_w)
            for r, n_r in enumerate(self.window.tolist()):
                new[r] = cs[r, :, n_r:n_r + n_w] - cs[r, :, :n_w]
            w = first[:, None] + np.arange(n_w)[None, :]
            use = (w >= 0) & (w <= last)
            if skip is not None:
                use &= w > skip[:, None]
            wc = np.clip(w, 0, last)
            cap, old = self.caps()[:, wc], cur[:, wc]
            kept &= np.all((new <= np.maximum(cap, old)) | ~use[None], axis=(0, 2))
            added += np.where(use[None], np.maximum(new - cap, 0) - np.maximum(old - cap, 0),
                              0).sum(axis=(0, 2))
        # Windows strictly between: a shift by one slot (prefix sums).
        lo, hi = ts + 1, np.minimum(es - n + 1, last)
        has = lo <= hi
        lo_c, hi_c = np.where(has, lo, 0), np.where(has, hi + 1, 0)
        kept &= np.where(has, bad_sum[hi_c] - bad_sum[lo_c], 0) == 0
        added += np.where(has, exc_sum[hi_c] - exc_sum[lo_c], 0)
        return kept, added

    def judge_many(self, cands: np.ndarray, row: int, occupant: np.ndarray,
                   reinserted: np.ndarray) -> tuple[int, bool]:
        """The slot a search takes among ``cands`` (tried in that order) for ``row``.

        Candidates are judged in blocks of growing size (8, 32, 128, ...): chains that
        pass over no order reinserted before together (:meth:`_simple_chains`), the
        others one by one (:meth:`judge_chain`); the search stops in the first block
        with a candidate that keeps the rules.

        Returns
        -------
        tuple
            ``(index into cands, kept)``: the first candidate that keeps the hard rules,
            or, if none does, the first of those adding the least excess.
        """
        if self.state is None:
            self.prepare()
        empty = np.flatnonzero(occupant < 0)
        e = empty[np.searchsorted(empty, cands)]  # the gap each chain ends in
        passed = np.concatenate(([0], np.cumsum(reinserted)))
        simple = passed[e + 1] == passed[cands]
        best, best_added = 0, None
        start, size = 0, 8
        while start < cands.shape[0]:
            blk = np.arange(start, min(start + size, cands.shape[0]))
            kept = np.zeros(blk.shape[0], dtype=bool)
            added = np.zeros(blk.shape[0], dtype=np.int64)
            sim = simple[blk]
            if sim.any():
                kept[sim], added[sim] = self._simple_chains(cands[blk[sim]], e[blk[sim]], row)
            for j in np.flatnonzero(~sim):
                if kept[:j].any():
                    break
                pos, new_rows = _chain(occupant, reinserted, int(cands[blk[j]]), row)
                kept[j], added[j] = self.judge_chain(pos, new_rows, occupant, reinserted)
            if kept.any():
                return int(blk[np.argmax(kept)]), True
            least = int(np.argmin(added))
            if best_added is None or added[least] < best_added:
                best, best_added = int(blk[least]), int(added[least])
            start, size = start + size, 4 * size
        return best, False


def _chain(occupant: np.ndarray, reinserted: np.ndarray, t: int, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions and new occupants when ``row`` is reinserted at ``t`` (the chain rule of
    :func:`jisopt.policies.rules.reinsert`: push to the first gap, passing over orders
    reinserted before)."""
    if occupant[t] < 0:
        return np.array([t], dtype=np.int64), np.array([row], dtype=np.int64)
    e = t + int(np.argmax(occupant[t:] < 0))
    chain = t + np.flatnonzero(~reinserted[t:e + 1])
    return chain, np.concatenate(([row], occupant[chain[:-1]]))


def _occupant(instance: Instance, new_slot: np.ndarray, length: int) -> np.ndarray:
    occ = np.full(length, -1, dtype=np.int64)
    occ[new_slot - instance.first_slot] = np.arange(instance.n_orders)
    return occ


def ratio_reinsert(
    instance: Instance,
    rule: str,
    rows: np.ndarray,
    targets: np.ndarray,
    steps: np.ndarray,
    leaps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Reinsert ``rows`` keeping the hard ratio rules where any slot of [step, leap] can.

    The plain rule's plan (:func:`~jisopt.policies.rules.reinsert`) when it keeps them;
    else every disrupted order is removed and reinserted in the plain insertion order
    (ascending target; ties: smaller leap, narrower [step, leap], order id) at the first
    slot of :func:`candidate_slots` (after the one the plain rule would take, which is
    tried first; slots held by orders reinserted before are skipped) whose chain keeps
    the hard rules; with none, at the candidate adding the least excess (the first of
    those, in that order).

    Returns
    -------
    tuple
        ``(new_slot, placed_at, kept, plain_kept)``: ``(n,)`` new slot of every order; per
        entry of ``rows``, its slot and whether it kept the hard rules; whether the plain
        rule's plan kept them (no search was needed).
    """
    first = instance.first_slot
    n_valid = slot_end(instance) - first
    pad = 2 * rows.size + 1
    length = max(slot_end(instance), int(targets.max(initial=first)) + 1) - first + pad
    input_occ = _occupant(instance, instance.slot, length)
    windows = _HardWindows(instance, input_occ, n_valid)
    removed = input_occ.copy()
    removed[instance.slot[rows] - first] = -1
    windows.set_state(removed)
    windows.prepare()
    start_state = (windows.current.copy(), windows.state)
    order = np.lexsort((instance.order_id[rows], leaps - steps, leaps, targets))

    def place(search: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Reinsert in ``order``: at the plain slot, or (``search``) at the search's."""
        occupant = removed.copy()
        reinserted = np.zeros(length, dtype=bool)
        placed_at = np.empty(rows.size, dtype=np.int64)
        ok = np.ones(rows.size, dtype=bool)
        total = 0
        for k in order:
            row = int(rows[k])
            target, step, leap = int(targets[k]) - first, int(steps[k]) - first, int(leaps[k]) - first
            t = _free_slot(reinserted, target, step, leap)  # the plain rule's slot
            if search:
                others = candidate_slots(rule, target, step, leap) if t <= leap else np.zeros(0, np.int64)
                cands = np.concatenate(([t], others[(others != t) & ~reinserted[others]]))
                pick, ok[k] = windows.judge_many(cands, row, occupant, reinserted)
                t = int(cands[pick])
            pos, new_rows = _chain(occupant, reinserted, t, row)
            if not search:
                total += windows.judge_chain(pos, new_rows, occupant, reinserted)[1]
            windows.commit(pos, new_rows)
            occupant[pos] = new_rows
            reinserted[t] = True
            placed_at[k] = t + first
        new_slot = np.empty(instance.n_orders, dtype=np.int64)
        filled = np.flatnonzero(occupant >= 0)
        new_slot[occupant[filled]] = filled + first
        return new_slot, placed_at, ok, total

    # The plain plan's excess over the caps is the sum of what each of its
    # chains adds, from the state without the disrupted orders (which has none).
    plain, placed_at, _, excess = place(search=False)
    if excess == 0:
        return plain, placed_at, np.ones(rows.size, dtype=bool), True
    windows.current, windows.state = start_state
    new_slot, placed_at, ok, _ = place(search=True)
    return new_slot, placed_at, ok, False


@dataclass(frozen=True)
class RatioRulePolicy:
    """A reinsertion rule that keeps hard ratio rules (docs/model.md §3).

    Parameters
    ----------
    rule
        One of :data:`RATIO_RULES`.
    swap
        Try the component swap first (swaps exchange parts, not orders, so they do not
        change any option count).
    skew_h
        Threshold ``θ`` (h) of the skewed dynamic rule; only for ``dynamic``.

    The plan's status is ``ok``, or :data:`RATIO_INFEASIBLE` when some disrupted order
    has no slot in its [step, leap] that keeps the hard rules; with hard rules,
    ``info["ratio"]`` gives each order's slot (``slot``, aligned with ``info["orders"]``),
    whether it kept them (``kept``) and whether the plain rule's plan did (``plain_kept``:
    no search was needed).
    """

    rule: str
    swap: bool = False
    skew_h: float = 0.0

    def __post_init__(self) -> None:
        if self.rule not in RATIO_RULES:
            raise InputError(f"no ratio-aware variant of this rule (rules: {', '.join(RATIO_RULES)})",
                             field="policy", value=self.rule)
        RulePolicy(self.rule, self.swap, self.skew_h)  # the same checks of the options

    @property
    def name(self) -> str:
        """``ratio-`` and the plain rule's name, e.g. ``ratio-dynamic(skew=6h)+swap``."""
        return RATIO_PREFIX + RulePolicy(self.rule, self.swap, self.skew_h).name

    def __call__(self, instance: Instance) -> Plan:
        """Swap first (if asked), then reinsert the orders still disrupted, keeping the
        hard ratio rules where their bounds allow."""
        t0 = time.perf_counter()
        swaps = find_swaps(instance) if self.swap else ()
        new_slot = instance.slot.copy()
        info: dict = {}
        status = "ok"
        if instance.n_disrupted:
            ready = ready_after_swaps(instance, swaps)
            bounds = disruption_bounds(instance, ready if swaps else None)
            still = unresolved_disrupted(instance, ready)
            rows = bounds.rows[still]
            if rows.size:
                targets = rule_targets(
                    self.rule, bounds, instance.due_h[bounds.rows], instance.takt_h, self.skew_h
                )[still]
                step, leap = bounds.step[still], bounds.leap[still]
                info = {
                    "orders": instance.order_id[rows].tolist(),
                    "step": step.tolist(),
                    "leap": leap.tolist(),
                    "target": targets.tolist(),
                }
                if any(r.hard for r in instance.ratio_rules):
                    new_slot, placed, kept, plain_kept = ratio_reinsert(
                        instance, self.rule, rows, targets, step, leap)
                    info["ratio"] = {"slot": placed.tolist(), "kept": kept.tolist(),
                                     "plain_kept": plain_kept}
                    # The search judges each order against the state so far; the verdict on
                    # the whole plan is the one definition's (jisopt.ratio), against the input.
                    if not kept.all() and not hard_rules_kept(instance, new_slot):
                        status = RATIO_INFEASIBLE
                else:
                    new_slot = reinsert(instance, rows, targets, step, leap)
        return Plan(new_slot, self.name, swaps, time.perf_counter() - t0, status, info)
