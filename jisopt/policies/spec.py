"""One description of a policy: :class:`PolicySpec`, its label, and how it is built.

A label (docs/policies.md) reads ``NAME[(skew=Hh)][[KEY=VALUE;...]][+swap]``:

* ``dynamic``, ``dynamic(skew=6h)+swap``, ``ratio-step``, ``milp[time_limit_s=5]+swap``
  name the built-in policies;
* ``package.module:Attr``, ``./my_policy.py:Attr`` name a plug-in: a class or factory
  that returns an object of the :class:`~jisopt.policies.base.Policy` protocol;
* any other name is looked up among the entry points of the group
  :data:`ENTRY_POINT_GROUP` that installed packages register.

``PolicySpec.parse(spec.label) == spec`` for every spec, and ``PolicySpec.parse(p.name)``
builds ``p`` again for every built-in policy ``p``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jisopt.errors import InputError
from jisopt.policies.base import Policy
from jisopt.policies.ratio_rules import RATIO_PREFIX, RATIO_RULE_NAMES
from jisopt.policies.rules import RULES
from jisopt.scenario import Scenario

__all__ = [
    "BUILTIN_POLICY_NAMES",
    "ENTRY_POINT_GROUP",
    "MILP_OPTIONS",
    "OptionValue",
    "PolicySpec",
    "policy_identity",
    "split_labels",
]

BUILTIN_POLICY_NAMES: tuple[str, ...] = (*RULES, *RATIO_RULE_NAMES, "milp")
"""Names of the policies jisopt ships."""

ENTRY_POINT_GROUP = "jisopt.policies"
"""Entry-point group under which an installed package registers policy names."""

MILP_OPTIONS: tuple[str, ...] = (
    "weights", "max_later_slots", "enforce_bounds", "time_limit_s", "mip_rel_gap", "method",
    "fallback", "warm_start", "diagnose", "highs_options", "ratio",
)
"""Options of ``milp``: the parameters of :class:`~jisopt.policies.milp.ExactPolicy`."""

OptionValue = bool | int | float | str
"""Values a policy option takes in a label (typed by their text: ``true``, ``3``, ``0.5``)."""

_SKEW = re.compile(r"\(skew=(?P<skew>[^()]*)h\)$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_RESERVED = ";[]"
"""Characters an option value cannot hold (they delimit options in a label)."""

_BUILTIN_MODULES = {
    "rule": ("jisopt.policies.rules", "jisopt.policies.swap"),
    "ratio": ("jisopt.policies.ratio_rules", "jisopt.policies.rules", "jisopt.policies.swap"),
    "milp": ("jisopt.policies.milp.policy",),
}
"""The modules whose source defines each built-in family (hashed for the policy's identity)."""


def _number_text(value: float) -> str:
    """``%g`` when it reads back exactly, else the shortest exact form (``repr``)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _value_text(value: OptionValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    return str(value)


def _typed(text: str) -> OptionValue:
    """An option value from its text: a boolean, an integer, a finite number, else the text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _option(key: str, value: object, label: str) -> OptionValue:
    if not _KEY.match(key):
        raise InputError("a policy option's name must be an identifier", field="policy", value=key)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"option '{key}' must be finite", field="policy", value=value)
        return value + 0.0  # -0.0 as 0.0: one label for equal specs
    if isinstance(value, str):
        if any(c in value for c in _RESERVED):
            raise InputError(f"option '{key}' cannot hold any of {_RESERVED!r}", field="policy",
                             value=value)
        return _typed(value.strip())
    raise InputError(f"option '{key}' of policy '{label}' must be a number, a text or a boolean",
                     field="policy", value=value)


@dataclass(frozen=True)
class PolicySpec:
    """A policy by name and options, as labels, tables, files and the command line give it.

    Parameters
    ----------
    name
        A built-in name (:data:`BUILTIN_POLICY_NAMES`), a plug-in reference
        ``module:attr`` or ``path/to/file.py:attr``, or an entry-point name.
    swap
        Try the component swap first (``+swap``).
    skew_h
        Threshold of the skewed dynamic rule (``(skew=6h)``); ``None``: the scenario's
        ``dynamic_skew_h`` for the dynamic rules (0 without a scenario), nothing for
        other policies.
    options
        Other options as sorted ``(name, value)`` pairs (``[key=value;...]``); a
        mapping is accepted. ``swap`` and ``skew_h`` given here move to their fields,
        ``None`` values are dropped, text values are typed (``"3"`` becomes 3).
    """

    name: str
    swap: bool = False
    skew_h: float | None = None
    options: tuple[tuple[str, OptionValue], ...] = field(default=())

    def __post_init__(self) -> None:
        name = self.name.strip() if isinstance(self.name, str) else self.name
        if not isinstance(name, str) or not name:
            raise InputError("a policy needs a name", field="policy", value=self.name)
        object.__setattr__(self, "name", name)
        items = dict(self.options.items() if isinstance(self.options, Mapping) else self.options)
        swap = bool(self.swap)
        skew = self.skew_h
        if "swap" in items:
            given = items.pop("swap")
            if given is not None:
                swap = swap or bool(_typed(given) if isinstance(given, str) else given)
        if "skew_h" in items:
            given = items.pop("skew_h")
            if given is not None:
                if skew is not None and float(skew) != float(given):
                    raise InputError(f"two skew thresholds for policy '{name}'", field="skew_h",
                                     value=given)
                skew = given
        if skew is not None:
            skew = _typed(skew) if isinstance(skew, str) else skew
            if isinstance(skew, bool) or not isinstance(skew, int | float) or not math.isfinite(skew):
                raise InputError("the skew threshold must be a finite number of hours",
                                 field="skew_h", value=skew)
            skew = float(skew)
        options = tuple(sorted((str(k), _option(str(k), v, name)) for k, v in items.items()
                               if v is not None))
        object.__setattr__(self, "swap", swap)
        object.__setattr__(self, "skew_h", skew)
        object.__setattr__(self, "options", options)

    # ---- text -----------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> PolicySpec:
        """The spec a label describes (the inverse of :attr:`label`).

        Raises
        ------
        InputError
            On an empty name, a malformed option or skew, or an option given twice.
        """
        if not isinstance(text, str):
            raise InputError("a policy label must be text", field="policy", value=text)
        rest = text.strip()
        swap = rest.endswith("+swap")
        if swap:
            rest = rest[: -len("+swap")]
        options: dict[str, OptionValue] = {}
        if rest.endswith("]"):
            start = rest.rfind("[")
            if start < 0:
                raise InputError("unbalanced ']' in the policy label", field="policy", value=text)
            for item in rest[start + 1:-1].split(";"):
                if not item.strip():
                    continue
                key, eq, value = item.partition("=")
                key = key.strip()
                if not eq or not _KEY.match(key):
                    raise InputError("a policy option reads key=value", field="policy", value=item)
                if key in options:
                    raise InputError(f"option '{key}' given twice", field="policy", value=text)
                options[key] = _typed(value.strip())
            rest = rest[:start]
        skew = None
        match = _SKEW.search(rest)
        if match:
            try:
                skew = float(match["skew"])
            except ValueError:
                raise InputError("the skew threshold must be a number of hours", field="policy",
                                 value=text) from None
            rest = rest[: match.start()]
        head, plus, _ = rest.partition("+")
        if plus and (head in BUILTIN_POLICY_NAMES or ":" not in rest):
            raise InputError("unknown policy option (only '+swap')", field="policy", value=text)
        if not rest.strip():
            raise InputError("a policy needs a name", field="policy", value=text)
        return cls(rest, swap=swap, skew_h=skew, options=tuple(options.items()))

    @property
    def label(self) -> str:
        """The spec as text, e.g. ``dynamic(skew=6h)+swap``, ``milp[time_limit_s=5]``,
        ``./gap_first.py:GapFirst[window=40]``; for the built-in policies it is their ``name``
        when they take no other options."""
        text = self.name
        if self.skew_h is not None:
            text += f"(skew={_number_text(self.skew_h)}h)"
        if self.options:
            text += "[" + ";".join(f"{k}={_value_text(v)}" for k, v in self.options) + "]"
        return text + ("+swap" if self.swap else "")

    def __str__(self) -> str:
        return self.label

    # ---- kinds ------------------------------------------------------------------
    @property
    def is_builtin(self) -> bool:
        """Whether the name is one of :data:`BUILTIN_POLICY_NAMES`."""
        return self.name in BUILTIN_POLICY_NAMES

    @property
    def is_rule(self) -> bool:
        """Whether the policy is a rule or a ratio-aware rule (those take no weights)."""
        return self.name in RULES or self.name in RATIO_RULE_NAMES

    @property
    def is_dynamic(self) -> bool:
        """Whether the policy is the dynamic rule, plain or ratio-aware (it takes a skew)."""
        return self.name in ("dynamic", RATIO_PREFIX + "dynamic")

    def replace(self, **changes: Any) -> PolicySpec:
        """A copy with fields changed; ``options`` given here are merged into the spec's."""
        options = dict(self.options)
        options.update(dict(changes.pop("options", {})))
        fields = {"name": self.name, "swap": self.swap, "skew_h": self.skew_h, **changes}
        return PolicySpec(options=tuple(options.items()), **fields)

    # ---- building ---------------------------------------------------------------
    def build(self, scenario: Scenario | None = None) -> Policy:
        """The policy object.

        Parameters
        ----------
        scenario
            The simulated plant, if any: the dynamic rules take its ``dynamic_skew_h``
            unless the spec gives a skew; a plug-in whose class or factory has a
            ``scenario`` parameter receives it.

        Raises
        ------
        InputError
            On an unknown name, module or attribute, a target that does not give a
            :class:`~jisopt.policies.base.Policy`, or an option the policy does not take.
        """
        if self.is_builtin:
            return self._build_builtin(scenario)
        target = self.target()
        kwargs: dict[str, Any] = dict(self.options)
        if self.swap:
            kwargs["swap"] = True
        if self.skew_h is not None:
            kwargs["skew_h"] = self.skew_h
        parameters: Mapping[str, inspect.Parameter]
        try:
            parameters = inspect.signature(target).parameters
        except (TypeError, ValueError):
            parameters = {}
        if "scenario" in parameters:
            kwargs["scenario"] = scenario
        if parameters:
            try:
                inspect.signature(target).bind(**kwargs)
            except TypeError as exc:
                raise InputError(f"option not accepted by policy '{self.name}' ({exc})",
                                 field="policy", value=self.label) from None
        try:
            policy = target(**kwargs)
        except InputError:
            raise
        except Exception as exc:  # the plug-in's own check of its options
            raise InputError(f"policy '{self.name}' refused its options ({_first_line(exc)})",
                             field="policy", value=self.label) from None
        if not isinstance(policy, Policy) or not isinstance(getattr(policy, "name", None), str):
            raise InputError(f"'{self.name}' did not give a policy (an object with a 'name' and "
                             f"__call__(instance) -> Plan); it gave {type(policy).__name__}",
                             field="policy", value=self.label)
        return policy

    def _build_builtin(self, scenario: Scenario | None) -> Policy:
        from jisopt.policies.ratio_rules import RatioRulePolicy
        from jisopt.policies.rules import RulePolicy

        skew = self.skew_h
        if skew is None and self.is_dynamic and scenario is not None:
            skew = scenario.dynamic_skew_h
        if self.is_rule:
            if self.options:
                raise InputError(f"option not accepted by rule '{self.name}'", field="policy",
                                 value=self.options[0][0])
            if self.name in RATIO_RULE_NAMES:
                return RatioRulePolicy(self.name[len(RATIO_PREFIX):], swap=self.swap,
                                       skew_h=skew or 0.0)
            return RulePolicy(self.name, swap=self.swap, skew_h=skew or 0.0)
        from jisopt.policies.milp.policy import ExactPolicy, parse_weights

        if skew:
            raise InputError("a skew threshold applies to the dynamic rule only", field="skew_h",
                             value=skew)
        options: dict[str, Any] = dict(self.options)
        unknown = sorted(set(options) - set(MILP_OPTIONS))
        if unknown:
            raise InputError(f"option not accepted by policy 'milp' (options: {', '.join(MILP_OPTIONS)})",
                             field="policy", value=unknown[0])
        if "weights" in options:
            options["weights"] = parse_weights(options["weights"])
        return ExactPolicy(swap=self.swap, **options)

    def target(self) -> Callable[..., Any]:
        """The class or factory a plug-in name refers to (imported or loaded from its file).

        Raises
        ------
        InputError
            On a module that cannot be imported, a missing attribute, a name that is no
            built-in and no registered entry point, or a target that is not callable.
        """
        if self.is_builtin:
            raise InputError("a built-in policy has no plug-in target", field="policy",
                             value=self.name)
        if ":" in self.name:
            module_name, _, attr = self.name.rpartition(":")
            module = _load_module(module_name, self.name)
            where = module_name
        else:
            entry = _entry_point(self.name)
            module_name, _, attr = entry.value.partition(":")
            module = _load_module(module_name.strip(), self.name)
            attr, where = attr.strip(), f"entry point '{self.name}' ({entry.value})"
        obj: Any = module
        for part in attr.split("."):
            if not part or not hasattr(obj, part):
                raise InputError(f"{where} has no attribute '{attr}'", field="policy", value=self.name)
            obj = getattr(obj, part)
        if not callable(obj):
            raise InputError(f"'{attr}' in {where} is not a class or factory of policies",
                             field="policy", value=self.name)
        return obj


def split_labels(text: str, field: str = "policy") -> list[str]:
    """The labels of a comma-separated list; commas inside ``[...]`` do not separate.

    Raises
    ------
    InputError
        On an empty item.
    """
    items, depth, start = [], 0, 0
    for k, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            items.append(text[start:k])
            start = k + 1
    items.append(text[start:])
    items = [item.strip() for item in items]
    if any(not item for item in items):
        raise InputError("empty item in the list", field=field, value=text)
    return items


# ---- plug-in loading -----------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _is_path(module_name: str) -> bool:
    return module_name.endswith(".py") or "/" in module_name or "\\" in module_name


def _load_module(module_name: str, label: str) -> ModuleType:
    """Import ``module_name``, or load it from its file when it is a path (``./x.py``)."""
    if not module_name:
        raise InputError("a plug-in reads module:attr", field="policy", value=label)
    if _is_path(module_name):
        return _load_file(Path(module_name), label)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise InputError(f"cannot import module '{module_name}' ({_first_line(exc)})",
                         field="policy", value=label) from None
    except Exception as exc:
        raise InputError(f"module '{module_name}' failed to import ({_first_line(exc)})",
                         field="policy", value=label) from None


def _load_file(path: Path, label: str) -> ModuleType:
    """Execute a policy file once per content: its module is registered in ``sys.modules``
    under a name made of its path and the digest of its bytes (a changed file is loaded anew)."""
    resolved = path.expanduser().resolve()
    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the policy file ({_first_line(exc)})", source=str(path),
                         field="policy", value=label) from None
    digest = hashlib.sha1(str(resolved).encode() + b"\0" + data).hexdigest()[:16]
    stem = re.sub(r"\W", "_", resolved.stem)
    name = f"_jisopt_plugin_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise InputError("cannot be loaded as a Python module", source=str(path), field="policy",
                         value=label)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise InputError(f"the policy file failed to run ({_first_line(exc)})", source=str(path),
                         field="policy", value=label) from None
    return module


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def _entry_point(name: str) -> importlib.metadata.EntryPoint:
    found = [ep for ep in _entry_points() if ep.name == name]
    if not found:
        registered = sorted({ep.name for ep in _entry_points()})
        known = ", ".join([*BUILTIN_POLICY_NAMES, *registered])
        raise InputError(f"unknown policy (policies: {known}; or module:attr, or file.py:attr)",
                         field="policy", value=name)
    return found[0]


# ---- identity ----------------------------------------------------------------------


def _sha1_of_files(paths: Iterable[str | Path]) -> str:
    digest = hashlib.sha1()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _source_file(obj: object) -> str | None:
    source = inspect.getmodule(obj) or obj
    if not (isinstance(source, ModuleType) or callable(source)):
        return None  # neither a module nor a class or function: no source file to name
    try:
        return inspect.getsourcefile(source)
    except TypeError:
        return None


def policy_identity(policy: PolicySpec | Policy) -> dict[str, Any]:
    """What tells a policy from a changed one: its label and the digest of its source.

    Parameters
    ----------
    policy
        A spec, or a policy object (the Python API's plug-ins).

    Returns
    -------
    dict
        ``label``; ``source``: ``jisopt X.Y`` for built-ins, else the file that defines
        the class or factory; ``sha1``: of the source files (built-ins: the modules of
        their family), ``None`` when the source cannot be found.

    Raises
    ------
    InputError
        If a spec's plug-in cannot be resolved.
    """
    from jisopt import __version__

    if isinstance(policy, PolicySpec):
        label = policy.label
        if policy.is_builtin:
            family = "milp" if policy.name == "milp" else (
                "ratio" if policy.name in RATIO_RULE_NAMES else "rule")
            files = []
            for module in _BUILTIN_MODULES[family]:
                found = importlib.util.find_spec(module)
                if found is not None and found.origin:
                    files.append(found.origin)
            return {"label": label, "source": f"jisopt {__version__}", "sha1": _sha1_of_files(files)}
        target: object = policy.target()
    else:
        label, target = str(policy.name), type(policy)
    file = _source_file(target)
    if file is None or not Path(file).is_file():
        return {"label": label, "source": None, "sha1": None}
    return {"label": label, "source": str(Path(file).resolve()), "sha1": _sha1_of_files([file])}
