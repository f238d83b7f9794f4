"""The ``Program`` record shipped by the synthesizer (docs/architecture.md §2).

Contract: a frozen dataclass; ``to_dict()`` is JSON-able (the expected value in the engine's codec
encoding, so sets, tuples and bytes survive JSON) and ``Program.from_dict(p.to_dict()) == p``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


def canonical(data: Any) -> Any:
    """The codec encoding with set/frozenset members sorted, so JSON output never depends on the hash seed."""
    if isinstance(data, list):
        return [canonical(x) for x in data]
    if isinstance(data, dict):
        if len(data) == 1:
            (key, value), = data.items()
            if key in ("$set", "$frozenset") and isinstance(value, list):
                items = [canonical(x) for x in value]
                return {key: sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
        return {k: canonical(v) for k, v in data.items()}
    return data


@dataclass(frozen=True)
class Program:
    source: str                   # the whole module: imports (if any), helper, entry function
    entry: str                    # name of the entry function
    call: str                     # a literal call of the entry function, e.g. "clean_text('ab c')"
    level: int
    constraints: dict             # the level's switches as realised, plus focus nesting, extras...
    features: dict                # difficulty features measured on the sandbox trace
    expected: Any                 # decoded return value of ``call``
    focus: tuple[str, str]        # (type, operation) under test
    seed: int | None = None       # generate(level, seed) reproduces this program
    attempt: int = field(default=0, compare=True)  # which candidate draw for (level, seed) was accepted
    # further literal calls of ``entry`` the program ships with (input variants chosen by the source, e.g. for
    # statement coverage); the quality measures run ``call`` and these together
    variants: tuple[str, ...] = ()
    # where the program came from: "synth" (the generator), "teacher:MODEL", "corpus:NAME"
    origin: str = "synth"
    # source-specific JSON-able facts (a corpus row's id and description, a teacher's token counts...)
    meta: dict = field(default_factory=dict)
    # the sandbox trace steps of ``call`` as ``execgym.trace(source, call)`` records them (the filter's own
    # trace, so the task layer need not trace again); not serialized, not compared, None after ``from_dict``
    trace_steps: tuple | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        from execgym.engine.codec import encode

        return {
            "source": self.source, "entry": self.entry, "call": self.call, "level": self.level,
            "constraints": self.constraints, "features": self.features, "expected": canonical(encode(self.expected)),
            "focus": list(self.focus), "seed": self.seed, "attempt": self.attempt,
            "variants": list(self.variants), "origin": self.origin, "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Program:
        from execgym.engine.codec import decode

        return cls(
            source=data["source"], entry=data["entry"], call=data["call"], level=int(data["level"]),
            constraints=dict(data.get("constraints") or {}), features=dict(data.get("features") or {}),
            expected=decode(data.get("expected")), focus=tuple(data["focus"]),  # type: ignore[arg-type]
            seed=data.get("seed"), attempt=int(data.get("attempt", 0)),
            variants=tuple(data.get("variants") or ()), origin=str(data.get("origin") or "synth"),
            meta=dict(data.get("meta") or {}),
        )

    @property
    def calls(self) -> tuple[str, ...]:
        """``call`` followed by ``variants``: every input the program ships with."""
        return (self.call, *self.variants)

    def with_features(self, **extra: Any) -> Program:
        """A copy with ``extra`` merged into ``features``."""
        return dataclasses.replace(self, features={**self.features, **extra})
