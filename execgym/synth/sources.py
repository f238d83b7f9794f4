"""Program sources: where the programs behind tasks come from (the generator, a teacher's file, a corpus).

Contract: a ``ProgramSource`` gives deterministic ``Program``s by ``(level, seed)``:

- ``name``: the text that selects it (``"synth"``, ``"corpus:PATH"``, ``"corpus:codeio"``);
- ``fingerprint``: identifies its content (the same name over different content gives another fingerprint);
- ``levels()``: the levels it can give a program for;
- ``program(level, seed) -> Program``: byte-identical in every process for the same content; raises
  ``ValueError`` for a level it has no program for and ``SynthesisError`` when it cannot make one;
- ``programs(level, seeds) -> list[Program]``: ``[program(level, s) for s in seeds]``, possibly batched.

Every source yields the same ``execgym.synth.program.Program`` (source, entry, call, variants, expected,
features, level, origin, meta), already through the execution, determinism and quality filters, so every
environment, ``execgym dataset`` and ``execgym eval`` can take ``source=``. ``resolve_source(name)`` maps a
name to a source (cached per name); ``register_source(prefix, factory)`` adds a family (``factory(rest)`` gets
the text after ``prefix:``). An unknown name raises ``ValueError`` listing what exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from execgym.synth.program import Program

DEFAULT_SOURCE = "synth"


@runtime_checkable
class ProgramSource(Protocol):
    name: str
    fingerprint: str

    def levels(self) -> tuple[int, ...]: ...

    def program(self, level: int, seed: int) -> Program: ...

    def programs(self, level: int, seeds: Sequence[int]) -> list[Program]: ...


class SynthSource:
    """execgym's own generator: ``generate(level, seed)``."""

    name = "synth"

    @property
    def fingerprint(self) -> str:
        from execgym import __version__

        return f"synth-{__version__}"

    def levels(self) -> tuple[int, ...]:
        from execgym.synth.levels import load_levels

        return tuple(sorted(load_levels()))

    def program(self, level: int, seed: int) -> Program:
        return self.programs(level, [seed])[0]

    def programs(self, level: int, seeds: Sequence[int]) -> list[Program]:
        from execgym.synth.api import generate_many

        if level not in self.levels():
            raise ValueError(f"level {level} is not defined; defined levels: {list(self.levels())}")
        return generate_many(level, list(seeds))


_FACTORIES: dict[str, Callable[[str], ProgramSource]] = {}


def register_source(prefix: str, factory: Callable[[str], ProgramSource]) -> None:
    """Make ``"prefix:REST"`` resolve to ``factory(REST)``."""
    if not prefix or ":" in prefix:
        raise ValueError(f"bad source prefix {prefix!r}")
    _FACTORIES[prefix] = factory
    resolve_source.cache_clear()


def known_prefixes() -> list[str]:
    _load_builtin_families()
    return sorted(_FACTORIES)


def _load_builtin_families() -> None:
    """Source families shipped with execgym register themselves on import (lazily, on first resolve)."""
    import importlib

    for module in ("execgym.synth.corpus",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


@functools.lru_cache(maxsize=32)
def resolve_source(name: str = DEFAULT_SOURCE) -> ProgramSource:
    """The source ``name`` selects (see the module contract); ``ValueError`` for an unknown one."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("source must be a non-empty string such as 'synth' or 'corpus:PATH'")
    name = name.strip()
    if name == "synth":
        return SynthSource()
    prefix, sep, rest = name.partition(":")
    _load_builtin_families()
    if sep and prefix in _FACTORIES:
        if not rest:
            raise ValueError(f"source {name!r} needs something after '{prefix}:'")
        return _FACTORIES[prefix](rest)
    families = ", ".join(["'synth'", *(f"'{p}:...'" for p in sorted(_FACTORIES))])
    raise ValueError(f"unknown program source {name!r}; known: {families}")
