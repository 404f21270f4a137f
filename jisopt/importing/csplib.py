"""CSPLib problem 001 (car sequencing) as rescheduling instances.

A CSPLib data file holds one or more problems, each in the format of the problem's
specification: a line ``cars options classes``, optionally two lines of the options'
``H`` (most cars with the option) and ``N`` (in any ``N`` consecutive cars), then one
line per class ``index count o_1 .. o_K``. Lines starting with ``#`` are comments; a
comment ``# Problem NAME`` names the problem that follows. The first nine problems of
CSPLib's ``data.txt`` give no capacity lines: they use the standard capacities
:data:`STANDARD_CAPACITIES` named by the specification's example.

:func:`read_csplib` lays the cars out as a sequence that keeps every ``H:N`` rule
(:func:`ratio_keeping_sequence`), takes takt, line freeze and the JIS suppliers from a
scenario, and draws the disruptions with a seed. ``docs/import.md`` documents the choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jisopt.errors import InputError
from jisopt.instance import DELAY, FAILURE, Instance, RatioRule
from jisopt.labels import Labels
from jisopt.objective import ratio_window_counts
from jisopt.scenario import Scenario, load_scenario
from jisopt.slots import first_slot_scalar

__all__ = [
    "STANDARD_CAPACITIES",
    "CarSequencingProblem",
    "csplib_instance",
    "ratio_keeping_sequence",
    "read_csplib",
    "read_csplib_problems",
    "select_problem",
]

STANDARD_CAPACITIES = ((1, 2), (2, 3), (1, 3), (2, 5), (1, 5))
"""``(H, N)`` of the five options of CSPLib's 100-car problems (given without capacity lines)."""

_NAME = re.compile(r"^#\s*Problem\s+(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class CarSequencingProblem:
    """One car-sequencing problem of a CSPLib file.

    Attributes
    ----------
    name
        The problem's name from its ``# Problem`` comment (``4/72``, ``60-01``), or
        ``problem<K>`` (``K`` its 1-based position in the file).
    n_cars, n_options, n_classes
        The problem's header line.
    capacities
        ``(H, N)`` per option.
    classes
        ``(count, options)`` per class, in file order; ``options`` is one bool per option.
    line
        Line number of the header line in the file.
    """

    name: str
    n_cars: int
    n_options: int
    n_classes: int
    capacities: tuple[tuple[int, int], ...]
    classes: tuple[tuple[int, tuple[bool, ...]], ...]
    line: int

    def rules(self) -> tuple[RatioRule, ...]:
        """The problem's hard ``H:N`` rules, one per option."""
        return tuple(RatioRule(k, h, n, hard=True) for k, (h, n) in enumerate(self.capacities))


def read_csplib_problems(path: str | Path) -> list[CarSequencingProblem]:
    """Every problem of a CSPLib problem-001 data file, in file order.

    Raises
    ------
    InputError
        Naming the file, line and value of a malformed line, or a problem whose
        class counts do not add up to its number of cars.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not a text file", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=source) from None
    lines: list[tuple[int, list[int]]] = []
    names: dict[int, str] = {}  # index into lines -> name of the problem that starts there
    pending: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if match := _NAME.match(stripped):
                pending = match[1]
            continue
        try:
            values = [int(x) for x in stripped.split()]
        except ValueError:
            if not lines:  # free text before the first problem (data.txt starts so)
                continue
            raise InputError("expected whole numbers", source=source, field=f"line {number}",
                             value=stripped) from None
        if pending is not None:
            names[len(lines)] = pending
            pending = None
        lines.append((number, values))
    problems: list[CarSequencingProblem] = []
    at = 0
    while at < len(lines):
        number, head = lines[at]
        where = f"line {number}"
        if len(head) != 3 or min(head) < 1:
            raise InputError("expected a problem's header 'cars options classes' (positive "
                             "numbers)", source=source, field=where, value=" ".join(map(str, head)))
        n_cars, n_options, n_classes = head
        name = names.get(at, f"problem{len(problems) + 1}")
        at += 1
        capacities: tuple[tuple[int, int], ...]
        if at + 1 < len(lines) and len(lines[at][1]) == n_options and len(lines[at + 1][1]) == n_options:
            capacities = tuple(zip(lines[at][1], lines[at + 1][1], strict=True))
            bad = [(h, n) for h, n in capacities if not (n >= 1 and 1 <= h <= n)]
            if bad:
                raise InputError("every option needs 1 <= H <= N", source=source,
                                 field=f"line {lines[at][0]}", value=f"{bad[0][0]}:{bad[0][1]}")
            at += 2
        elif n_options == len(STANDARD_CAPACITIES):
            capacities = STANDARD_CAPACITIES
        else:
            raise InputError(f"no capacity lines and {n_options} options (the standard "
                             f"capacities are for {len(STANDARD_CAPACITIES)})", source=source,
                             field=where, value=n_options)
        classes = []
        for _ in range(n_classes):
            if at >= len(lines):
                raise InputError(f"problem {name}: the file ends before its {n_classes} classes",
                                 source=source, field=where)
            cnumber, values = lines[at]
            if len(values) != n_options + 2 or values[1] < 0 or any(v not in (0, 1) for v in values[2:]):
                raise InputError(f"expected a class line 'index count' and {n_options} options "
                                 "of 0 or 1", source=source, field=f"line {cnumber}",
                                 value=" ".join(map(str, values)))
            classes.append((values[1], tuple(bool(v) for v in values[2:])))
            at += 1
        total = sum(c for c, _ in classes)
        if total != n_cars:
            raise InputError(f"problem {name}: the classes hold {total} cars, the header says "
                             f"{n_cars}", source=source, field=where, value=n_cars)
        problems.append(CarSequencingProblem(name, n_cars, n_options, n_classes, capacities,
                                             tuple(classes), number))
    if not problems:
        raise InputError("no car-sequencing problem in the file", source=source)
    return problems


def select_problem(problems: list[CarSequencingProblem], which: str | int | None,
                   source: str | None = None) -> CarSequencingProblem:
    """A problem by 1-based position (``3``) or by name (``60-01``); the first if ``None``."""
    if which is None:
        return problems[0]
    text = str(which).strip()
    for p in problems:
        if p.name == text:
            return p
    if text.isdigit() and 1 <= int(text) <= len(problems):
        return problems[int(text) - 1]
    names = ", ".join(p.name for p in problems[:5]) + (", ..." if len(problems) > 5 else "")
    raise InputError(f"no such problem: give 1..{len(problems)} or a name ({names})",
                     source=source, field="--problem", value=text)


def ratio_keeping_sequence(problem: CarSequencingProblem) -> list[int | None]:
    """A sequence of the problem's cars (by class index) that keeps every ``H:N`` rule,
    with empty slots (``None``) where no remaining car fits.

    Greedy: at each slot, among the classes with cars left whose every option still fits
    its rule in the window ending at this slot, the one with the largest option load
    ``sum of N/H`` over its options (ties: the lower class index); an empty slot if none
    fits. An empty slot carries no option, so after ``max N`` empty slots every car fits
    and the sequence ends.
    """
    left = [count for count, _ in problem.classes]
    has = np.array([opts for _, opts in problem.classes], dtype=bool).reshape(-1, problem.n_options)
    load = has @ np.array([n / h for h, n in problem.capacities])
    order = sorted(range(len(left)), key=lambda c: (-load[c], c))
    carried: list[list[int]] = [[] for _ in problem.capacities]  # 0/1 per slot per option
    sequence: list[int | None] = []
    remaining = sum(left)
    while remaining:
        chosen = None
        for c in order:
            if left[c] and all(
                not has[c, k] or sum(carried[k][max(0, len(sequence) - n + 1):]) < h
                for k, (h, n) in enumerate(problem.capacities)
            ):
                chosen = c
                break
        for k in range(problem.n_options):
            carried[k].append(int(chosen is not None and has[chosen, k]))
        sequence.append(chosen)
        if chosen is not None:
            left[chosen] -= 1
            remaining -= 1
    return sequence


def read_csplib(
    path: str | Path,
    problem: str | int | None = None,
    *,
    scenario: Scenario | str | None = "car",
    seed: int = 0,
    n_disrupted: int = 1,
) -> Instance:
    """A rescheduling instance of one problem of a CSPLib problem-001 file.

    Parameters
    ----------
    path
        The data file (``data.txt`` holds 79 problems, ``pb_200_01.txt`` one).
    problem
        1-based position or name (:func:`select_problem`); the first by default.
    scenario
        Takt, line freeze, JIS suppliers and lead times, disruption law (default ``car``).
    seed
        Seed of the component versions and the disruptions.
    n_disrupted
        Disrupted components (on distinct orders) known now.

    Returns
    -------
    Instance
        With the problem's options and hard ratio rules (see :func:`csplib_instance`).
    """
    chosen = select_problem(read_csplib_problems(path), problem, source=str(path))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return csplib_instance(chosen, sc, seed=seed, n_disrupted=n_disrupted)


def csplib_instance(problem: CarSequencingProblem, scenario: Scenario, *, seed: int = 0,
                    n_disrupted: int = 1) -> Instance:
    """The rescheduling snapshot of a car-sequencing problem.

    The cars stand in the slots of :func:`ratio_keeping_sequence` from slot 0; ``now`` is
    the start of slot 0 (the line is about to build the first car). Every component
    whose call-off ``slot * takt - L_m`` is not after now has started, with planned
    delivery and ready time at the slot start; the others are not called off. Each
    order is due at its slot's completion. Versions are drawn uniformly from the
    scenario's versions per supplier; ``n_disrupted`` started components of distinct
    orders beyond the line freeze are disrupted: a failure with the scenario's failure
    share (ready ``max(now + L_m, slot end)``), else a delay drawn from the scenario's
    delay law (ready ``max(slot start + delay, slot start + takt / 2)``).

    Raises
    ------
    InputError
        If fewer than ``n_disrupted`` orders have a started component beyond the freeze.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    sequence = ratio_keeping_sequence(problem)
    slot = np.array([s for s, c in enumerate(sequence) if c is not None], dtype=np.int64)
    cls = np.array([c for c in sequence if c is not None], dtype=np.int64)
    n, takt = slot.size, scenario.takt_h
    lead = np.asarray(scenario.lead_times_h, dtype=float)
    now = 0.0
    start = slot * takt
    started = start[:, None] - lead[None, :] <= now  # no tolerance needed: times are exact multiples
    planned = np.where(started, start[:, None], np.nan)
    ready = planned.copy()
    version = np.stack([rng.integers(0, s.versions, size=n) for s in scenario.suppliers], axis=1)
    freeze_slot = first_slot_scalar(now + scenario.line_freeze_h, takt)
    candidates = [(int(i), int(m)) for i, m in np.argwhere(started & (slot >= freeze_slot)[:, None])]
    rng.shuffle(candidates)
    chosen: list[tuple[int, int]] = []
    for i, m in candidates:
        if len(chosen) == n_disrupted:
            break
        if all(i != j for j, _ in chosen):
            chosen.append((i, m))
    if len(chosen) < n_disrupted:
        raise InputError(f"only {len(chosen)} orders have a started component beyond the line "
                         "freeze", field="n_disrupted", value=n_disrupted)
    chosen.sort()
    kinds = np.where(rng.random(len(chosen)) < scenario.disruption.failure_share, FAILURE, DELAY)
    for (i, m), kind in zip(chosen, kinds, strict=True):
        if kind == FAILURE:
            ready[i, m] = max(now + lead[m], start[i] + takt)
        else:
            delay = float(scenario.disruption.delay_quantile_h(rng.random()))
            ready[i, m] = max(start[i] + delay, start[i] + takt / 2)
    ready = np.round(ready, 6)
    counter: dict[int, int] = {}
    order_label = {}
    for k, c in enumerate(cls.tolist()):
        counter[c] = counter.get(c, 0) + 1
        order_label[k + 1] = f"class{c}-{counter[c]}"
    instance = Instance(
        now_h=now,
        takt_h=takt,
        line_freeze_h=scenario.line_freeze_h,
        supplier_names=scenario.supplier_names,
        lead_time_h=lead,
        first_slot=0,
        horizon_slots=len(sequence),
        order_id=np.arange(1, n + 1, dtype=np.int64),
        slot=slot,
        due_h=(slot + 1) * takt,
        version=version.astype(np.int64),
        planned_delivery_h=planned,
        ready_h=ready,
        disrupted_order=np.array([i for i, _ in chosen], dtype=np.int64),
        disrupted_supplier=np.array([m for _, m in chosen], dtype=np.int64),
        disrupted_kind=kinds.astype(np.int64),
        option_names=tuple(f"option{k}" for k in range(problem.n_options)),
        options=np.array([problem.classes[c][1] for c in cls], dtype=bool).reshape(n, problem.n_options),
        ratio_rules=problem.rules(),
        name=f"csplib-{problem.name.replace('/', '-')}-seed{seed}",
        labels=Labels(order=order_label),
    ).check()
    if not sequence_keeps_rules(instance):
        raise AssertionError("the ratio-keeping sequence breaks a rule")  # pragma: no cover
    return instance


def sequence_keeps_rules(instance: Instance) -> bool:
    """Whether the instance's own sequence keeps every ``H:N`` rule in every window of
    its horizon (:func:`jisopt.objective.ratio_window_counts`)."""
    counts = ratio_window_counts(instance, instance.slot, instance.horizon_end)
    return all(int(c.max(initial=0)) <= rule.max_count
               for c, rule in zip(counts, instance.ratio_rules, strict=True))
