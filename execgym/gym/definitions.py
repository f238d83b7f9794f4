"""Declarative environment definitions: one TOML file per environment in ``envs/`` (package ``execgym.specs``).

Contract: ``load_definitions()`` returns ``{name: EnvDefinition}`` for every ``envs/*-v0.toml`` (cached; reading
five small TOML files costs about a millisecond and imports nothing heavy). ``EnvDefinition.validate(kwargs)``
is the single place where constructor keyword arguments are checked: an unknown name raises ``TypeError``, a value
of the wrong type raises ``TypeError``, a value outside the allowed ones (a level that is not defined, a choice
that is not listed, a number out of range) raises ``ValueError``. It returns the full kwargs with defaults filled in.
"""

from __future__ import annotations

import functools
import numbers
import os
import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

NAMESPACE = "execgym"
_TYPES = ("int", "bool", "str", "float", "path")


@dataclass(frozen=True)
class KwargSpec:
    """One allowed constructor keyword argument, as declared under ``[kwargs.<name>]``."""

    name: str
    type: str
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None

    def check(self, env_name: str, value: Any, levels: tuple[int, ...]) -> Any:
        """Return the value (normalized) or raise TypeError/ValueError naming the env and the argument."""
        where = f"{env_name}: argument {self.name!r}"
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{where} must be an int, got {type(value).__name__} {value!r}")
            value = int(value)  # numpy integers are accepted and normalized
        elif self.type == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{where} must be a bool, got {type(value).__name__} {value!r}")
        elif self.type == "float":
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{where} must be a number, got {type(value).__name__} {value!r}")
            value = float(value)
        elif self.type == "str":
            if not isinstance(value, str):
                raise TypeError(f"{where} must be a str, got {type(value).__name__} {value!r}")
        elif self.type == "path":
            if value is None:
                value = ""
            if not isinstance(value, (str, os.PathLike)):
                raise TypeError(f"{where} must be a path (str or os.PathLike), got {type(value).__name__}")
            value = os.fspath(value)
        if self.name == "level" and value not in levels:
            raise ValueError(f"{where}: level {value!r} is not defined; defined levels: {list(levels)}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
        if self.min is not None and value < self.min:
            raise ValueError(f"{where} must be >= {self.min}, got {value!r}")
        if self.max is not None and value > self.max:
            raise ValueError(f"{where} must be <= {self.max}, got {value!r}")
        return value


@dataclass(frozen=True)
class EnvDefinition:
    """Everything ``envs/<name>.toml`` declares about one environment."""

    name: str  # "ExecIO-v0"
    id: str  # "execgym/ExecIO-v0"
    family: str
    entry_point: str
    description: str
    levels: tuple[int, ...]
    kwargs: dict[str, KwargSpec]
    curriculum: dict[str, Any] = field(default_factory=dict)

    @property
    def default_kwargs(self) -> dict[str, Any]:
        """The registered defaults (what ``gym.make(id)`` passes when the caller passes nothing)."""
        return {k.name: k.default for k in self.kwargs.values()}

    def validate(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Check caller kwargs against the declaration; return them merged over the defaults."""
        unknown = sorted(set(kwargs) - set(self.kwargs))
        if unknown:
            raise TypeError(
                f"{self.name} got unexpected keyword argument(s) {unknown}; "
                f"allowed: {sorted(self.kwargs)} (and render_mode)"
            )
        merged = self.default_kwargs
        for name, value in kwargs.items():
            merged[name] = self.kwargs[name].check(self.name, value, self.levels)
        return merged


def _parse(text: bytes, source: str) -> EnvDefinition:
    data = tomllib.loads(text.decode("utf-8"))
    try:
        kwargs: dict[str, KwargSpec] = {}
        for name, decl in data.get("kwargs", {}).items():
            if decl["type"] not in _TYPES:
                raise ValueError(f"unknown kwarg type {decl['type']!r}")
            choices = decl.get("choices")
            kwargs[name] = KwargSpec(
                name=name,
                type=decl["type"],
                default=decl["default"],
                help=decl.get("help", ""),
                choices=tuple(choices) if choices is not None else None,
                min=decl.get("min"),
                max=decl.get("max"),
            )
        levels = tuple(int(x) for x in data["levels"])
        return EnvDefinition(
            name=data["name"],
            id=data["id"],
            family=data["family"],
            entry_point=data["entry_point"],
            description=data.get("description", ""),
            levels=levels,
            kwargs=kwargs,
            curriculum=dict(data.get("curriculum", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"invalid environment definition {source}: {exc!r}") from exc


@functools.lru_cache(maxsize=1)
def load_definitions() -> dict[str, EnvDefinition]:
    """All environment definitions shipped in ``execgym.specs`` (``envs/*-v0.toml``), keyed by name."""
    root = resources.files("execgym.specs")
    found: dict[str, EnvDefinition] = {}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml") or "-v" not in entry.name:
            continue  # levels.toml and other shared data files are not environments
        definition = _parse(entry.read_bytes(), entry.name)
        found[definition.name] = definition
    return found


def get_definition(env: str) -> EnvDefinition:
    """Look up a definition by name (``ExecIO-v0``) or id (``execgym/ExecIO-v0``, ``execgym:execgym/...``)."""
    name = env.rsplit(":", 1)[-1]
    if name.startswith(NAMESPACE + "/"):
        name = name[len(NAMESPACE) + 1 :]
    definitions = load_definitions()
    if name not in definitions:
        raise ValueError(f"unknown execgym environment {env!r}; known: {sorted(definitions)}")
    return definitions[name]
