"""Difficulty levels, loaded from ``envs/levels.toml`` (package ``execgym.specs``).

Contract: ``load_levels()`` returns ``{level: LevelSpec}`` for levels 1-8; the TOML file is the single
definition of what a level means, shared by the generator, the environments and the docs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class LevelSpec:
    level: int
    title: str
    description: str
    nested_calls: bool
    other_operations: bool
    call_chain: str                      # "off" | "on" | "optional"
    control_depth: tuple[int, int]
    control_kinds: tuple[str, ...]
    extras: tuple[str, ...] = ()
    min_extras: int = 0
    required_one_of: tuple[str, ...] = ()
    stdlib_modules: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "level": self.level, "title": self.title, "description": self.description,
            "nested_calls": self.nested_calls, "other_operations": self.other_operations,
            "call_chain": self.call_chain, "control_depth": list(self.control_depth),
            "control_kinds": list(self.control_kinds), "extras": list(self.extras),
            "min_extras": self.min_extras, "required_one_of": list(self.required_one_of),
            "stdlib_modules": list(self.stdlib_modules),
        }


@lru_cache(maxsize=1)
def load_levels() -> dict[int, LevelSpec]:
    text = resources.files("execgym.specs").joinpath("levels.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)["levels"]
    out: dict[int, LevelSpec] = {}
    for key, entry in data.items():
        level = int(key)
        out[level] = LevelSpec(
            level=level,
            title=entry["title"],
            description=entry["description"],
            nested_calls=bool(entry["nested_calls"]),
            other_operations=bool(entry["other_operations"]),
            call_chain=str(entry["call_chain"]),
            control_depth=(int(entry["control_depth"][0]), int(entry["control_depth"][1])),
            control_kinds=tuple(entry.get("control_kinds", ())),
            extras=tuple(entry.get("extras", ())),
            min_extras=int(entry.get("min_extras", 0)),
            required_one_of=tuple(entry.get("required_one_of", ())),
            stdlib_modules=tuple(entry.get("stdlib_modules", ())),
        )
    return dict(sorted(out.items()))


def parse_levels(text: str) -> list[int]:
    """``"4"`` -> [4]; ``"1-6"`` -> [1..6]; ``"1,3"`` -> [1, 3]; ``"all"`` -> every level."""
    known = load_levels()
    if text.strip().lower() == "all":
        return list(known)
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            out.extend(range(low, high + 1))
        else:
            out.append(int(part))
    bad = [lvl for lvl in out if lvl not in known]
    if bad or not out:
        raise ValueError(f"unknown level(s) {bad or text!r}; known levels: {sorted(known)}")
    return list(dict.fromkeys(out))
