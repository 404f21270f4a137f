"""Experiments as tidy lists of tasks.

A :class:`Task` is one simulation replication: which scenario (and which of
its fields are changed), which supply reliability, which policy with which
options, which replication and which seed. Tasks are frozen records with a
stable string :attr:`Task.key` derived from their parameters only, so results
stored under that key can be found again by a later run of the same grid
(resume) and never collide with another task's.

A grid is just a list of tasks; :func:`make_grid` builds the full factorial
product most experiments need.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.spec import PolicySpec
from jisopt.scenario import Scenario
from jisopt.sim.streams import MAX_SEED

__all__ = [
    "TASK_COLUMNS",
    "Scalar",
    "Task",
    "apply_overrides",
    "make_grid",
    "task_keys",
]

Scalar = bool | int | float | str | None
"""Values a task parameter may take (they go into table columns as they are)."""

TASK_COLUMNS: tuple[str, ...] = (
    "task_key",
    "scenario",
    "reliability",
    "policy",
    "policy_label",
    "replication",
    "seed",
)
"""Columns every result row starts with; scenario overrides and policy options follow."""

_KEY_SAFE = re.compile(r"[^A-Za-z0-9_.=+-]+")


def _check_scalar(value: object, field_name: str) -> Scalar:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError("value must be finite", field=field_name, value=value)
        return value
    raise InputError("value must be a number, a string, a boolean or None", field=field_name,
                     value=value)


def _as_pairs(items: Mapping[str, Any] | Iterable[tuple[str, Any]], what: str) -> tuple:
    pairs = dict(items.items() if isinstance(items, Mapping) else items)
    return tuple(sorted((str(k), _check_scalar(v, f"{what}.{k}")) for k, v in pairs.items()))


@dataclass(frozen=True)
class Task:
    """One replication of one experimental setting.

    Attributes
    ----------
    scenario
        Scenario name or TOML path, as given by the user (the label under
        which the experiment keeps the loaded scenario).
    overrides
        Changed scenario fields as sorted ``(dotted name, value)`` pairs, e.g.
        ``(("days", 10.0), ("monitoring.point", 0.3))``.
    reliability
        Reliability of every supplier, or ``None`` to keep the scenario's.
    policy
        Policy name (:class:`~jisopt.policies.spec.PolicySpec`: a built-in, ``module:attr``,
        ``file.py:attr`` or an entry-point name). A full label (``dynamic(skew=6h)+swap``)
        or a :class:`~jisopt.policies.spec.PolicySpec` is split into name and options; a
        policy object (the :class:`~jisopt.policies.base.Policy` protocol) is kept as
        :attr:`policy_object` and its ``name`` becomes the name.
    policy_options
        Sorted ``(name, value)`` pairs passed to the policy, e.g. ``swap``,
        ``skew_h``, ``weights`` (as the text ``"delay=1,reschedules=0.2"``).
    policy_object
        The policy object, if one was given (not part of the task's identity: its
        ``name`` is; to run on worker processes it must pickle).
    replication
        Replication index (0, 1, ...); disruption streams derive from
        ``(seed, replication, ...)``, so every policy of the same
        replication sees the same disruptions.
    seed
        Root seed.
    """

    scenario: str = "tractor"
    overrides: tuple[tuple[str, Scalar], ...] = field(default=())
    reliability: float | None = None
    policy: str = "none"
    policy_options: tuple[tuple[str, Scalar], ...] = field(default=())
    replication: int = 0
    seed: int = 1
    policy_object: Policy | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", _as_pairs(self.overrides, "overrides"))
        object.__setattr__(self, "policy_options", _as_pairs(self.policy_options, "policy_options"))
        self._split_policy()
        if self.reliability is not None:
            r = float(self.reliability)
            if not 0.0 < r <= 1.0:
                raise InputError("reliability must be in (0, 1]", field="reliability",
                                 value=self.reliability)
            object.__setattr__(self, "reliability", r)
        for name in ("replication", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
                raise InputError("must be an integer in [0, 2**63 - 1]", field=name, value=value)

    def _split_policy(self) -> None:
        """Name and options from a label, a spec or a policy object (see the class)."""
        given: object = self.policy
        if self.policy_object is not None or not isinstance(given, str | PolicySpec):
            obj = self.policy_object if self.policy_object is not None else given
            if not isinstance(obj, Policy) or not isinstance(getattr(obj, "name", None), str):
                raise InputError("not a policy name, spec or object with a 'name' and "
                                 "__call__(instance) -> Plan", field="policy", value=type(obj).__name__)
            if self.policy_options:
                raise InputError("a policy object takes no policy_options (set them on the object)",
                                 field="policy_options", value=self.policy_options[0][0])
            object.__setattr__(self, "policy_object", obj)
            object.__setattr__(self, "policy", obj.name)
            return
        spec = given if isinstance(given, PolicySpec) else PolicySpec.parse(given)
        if isinstance(given, PolicySpec) or spec.label != spec.name:
            merged = dict(self.policy_options)
            for name, value in _spec_options(spec):
                if name in merged and merged[name] != value:
                    raise InputError(f"option '{name}' given in the label and in policy_options",
                                     field="policy_options", value=merged[name])
                merged[name] = value
            object.__setattr__(self, "policy", spec.name)
            object.__setattr__(self, "policy_options", _as_pairs(merged, "policy_options"))
        else:
            object.__setattr__(self, "policy", spec.name)
        self.policy_spec  # noqa: B018 - the spec checks the options

    # ---- identity -----------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """Every parameter as plain JSON-able data (the source of the key)."""
        return {
            "scenario": self.scenario,
            "overrides": [list(p) for p in self.overrides],
            "reliability": self.reliability,
            "policy": self.policy,
            "policy_options": [list(p) for p in self.policy_options],
            "replication": self.replication,
            "seed": self.seed,
        }

    @property
    def digest(self) -> str:
        """SHA-1 of the canonical JSON of :meth:`params` (stable across processes and runs)."""
        text = json.dumps(self.params(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    @property
    def key(self) -> str:
        """Readable, file-name safe and unique key, e.g. ``dynamic_r0.97_s1_rep0003_1a2b3c4d5e``."""
        rel = "rdef" if self.reliability is None else f"r{self.reliability:g}"
        label = _KEY_SAFE.sub("-", self.policy_label.replace("]", "")).replace("[", "-")[:60]
        return f"{label}_{rel}_s{self.seed}_rep{self.replication:04d}_{self.digest[:10]}"

    @property
    def policy_spec(self) -> PolicySpec:
        """The policy with its options as one spec (a policy object: its ``name`` as label)."""
        return PolicySpec(self.policy, options=tuple((k, v) for k, v in self.policy_options
                                                     if v is not None))

    @property
    def policy_label(self) -> str:
        """The policy's label (:attr:`PolicySpec.label <jisopt.policies.spec.PolicySpec.label>`),
        e.g. ``dynamic``, ``dynamic+swap``, ``dynamic(skew=12h)``; a policy object's ``name``."""
        if self.policy_object is not None:
            return self.policy
        return self.policy_spec.label

    def build_policy(self, scenario: Scenario | None = None) -> Policy:
        """The task's policy object: the one given, else the spec built for ``scenario``."""
        if self.policy_object is not None:
            return self.policy_object
        return self.policy_spec.build(scenario)

    def row(self) -> dict[str, Any]:
        """The task's parameters as one tidy row (overrides and options as own columns)."""
        row: dict[str, Any] = {
            "task_key": self.key,
            "scenario": self.scenario,
            "reliability": self.reliability,
            "policy": self.policy,
            "policy_label": self.policy_label,
            "replication": self.replication,
            "seed": self.seed,
        }
        row.update(dict(self.overrides))
        row.update(dict(self.policy_options))
        return row

    # ---- resolution -----------------------------------------------------------
    def resolve_scenario(self, base: Scenario) -> Scenario:
        """``base`` with this task's overrides and reliability applied."""
        scenario = apply_overrides(base, self.overrides)
        if self.reliability is not None:
            scenario = scenario.with_reliability(self.reliability)
        return scenario


def apply_overrides(base: Scenario, overrides: Iterable[tuple[str, Scalar]]) -> Scenario:
    """Apply ``(dotted name, value)`` changes to a scenario.

    ``("monitoring.point", 0.3)`` changes a nested field; ``("days", 10.0)`` a
    top-level one.

    Raises
    ------
    InputError
        If a name is not a scenario field or a value is invalid.
    """
    changes: dict[str, Any] = {}
    known = set(Scenario.model_fields)
    for name, value in overrides:
        head, _, rest = name.partition(".")
        if head not in known:
            raise InputError("not a scenario field", field=name, has_value=False)
        if rest:
            section = changes.setdefault(head, {})
            if not isinstance(section, dict):
                raise InputError("conflicting overrides", field=name, has_value=False)
            section[rest] = value
        else:
            changes[head] = value
    return base.replace(**changes) if changes else base


def make_grid(
    *,
    scenario: str = "tractor",
    reliabilities: Sequence[float | None] = (None,),
    policies: Sequence[str | PolicySpec | Policy | tuple[str, Mapping[str, Scalar]]] = ("none",),
    replications: int = 1,
    seed: int = 1,
    overrides: Mapping[str, Scalar] | None = None,
    vary: Mapping[str, Sequence[Scalar]] | None = None,
) -> list[Task]:
    """The full factorial grid, in a stable order.

    Parameters
    ----------
    scenario
        Scenario name or path.
    reliabilities
        Supplier reliabilities (``None``: the scenario's own).
    policies
        Policy labels, :class:`~jisopt.policies.spec.PolicySpec` objects, policy objects
        (any object of the :class:`~jisopt.policies.base.Policy` protocol), or
        ``(label, options)`` pairs.
    replications
        Replications per setting; indices ``0 .. replications - 1``.
    seed
        Root seed shared by every task (common random numbers).
    overrides
        Scenario changes shared by every task.
    vary
        Scenario fields to sweep: dotted name -> values (crossed with the rest).

    Returns
    -------
    list of Task
        Ordered by the swept fields, reliability, policy (in the given order),
        then replication.
    """
    if replications < 1:
        raise InputError("must be at least 1", field="replications", value=replications)
    fixed = dict(overrides or {})
    vary = dict(vary or {})
    names = sorted(vary)
    tasks = []
    for combo in itertools.product(*(vary[n] for n in names)):
        changed = {**fixed, **dict(zip(names, combo, strict=True))}
        for reliability in reliabilities:
            for pol in policies:
                name, options = (pol[0], dict(pol[1])) if isinstance(pol, tuple) else (pol, {})
                for rep in range(replications):
                    tasks.append(Task(scenario=scenario, overrides=tuple(changed.items()),
                                      reliability=reliability, policy=name,  # type: ignore[arg-type]  # a spec or policy object is turned into its name by Task
                                      policy_options=tuple(options.items()),
                                      replication=rep, seed=seed))
    task_keys(tasks)
    return tasks


def _spec_options(spec: PolicySpec) -> list[tuple[str, Scalar]]:
    """A spec's swap, skew and options as task options."""
    options: list[tuple[str, Scalar]] = [("swap", True)] if spec.swap else []
    if spec.skew_h is not None:
        options.append(("skew_h", spec.skew_h))
    return [*options, *spec.options]


def task_keys(tasks: Iterable[Task]) -> list[str]:
    """The keys of a grid's tasks, in grid order.

    Raises
    ------
    InputError
        If the grid holds the same task twice.
    """
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise InputError("the grid holds the same task twice", field="grid", has_value=False)
    return keys
