"""Constraint-based program synthesis: a curriculum of levels without any model.

Public API (docs/architecture.md §2; names load lazily, ``import execgym.synth`` starts nothing):

- ``generate(level, seed) -> Program``: a program that ran, traced and passed every sandbox check;
  byte-identical for the same ``(level, seed)`` everywhere.
- ``generate_many(level, seeds, ...)``: the same for many seeds, executing candidates in batches.
- ``input_variants(program, n, seed) -> list[str]``: further literal calls of the entry function that run ok.
- ``mutate(program, seed) -> Program``: the "mutated" variant (new inputs, swapped operators/constants/ops).
- ``LEVELS``: ``{level: LevelSpec}`` loaded from ``envs/levels.toml``.
- ``Program``, ``SynthStats``, ``SynthesisError``, ``item_seed``.
"""

from __future__ import annotations

from typing import Any

from execgym.lazy import lazy_exports

_LAZY: dict[str, str] = {
    "generate": "execgym.synth.api:generate",
    "generate_many": "execgym.synth.api:generate_many",
    "input_variants": "execgym.synth.api:input_variants",
    "mutate": "execgym.synth.api:mutate",
    "item_seed": "execgym.synth.api:item_seed",
    "SynthStats": "execgym.synth.api:SynthStats",
    "SynthesisError": "execgym.synth.api:SynthesisError",
    "Program": "execgym.synth.program:Program",
    "LevelSpec": "execgym.synth.levels:LevelSpec",
    "parse_levels": "execgym.synth.levels:parse_levels",
    "REFERENCE_ENTRIES": "execgym.synth.catalog:REFERENCE_ENTRIES",
    "ALL_ENTRIES": "execgym.synth.catalog:ALL_ENTRIES",
}

__all__ = ["LEVELS", *_LAZY]

_lazy_getattr, __dir__ = lazy_exports(__name__, _LAZY)


def __getattr__(name: str) -> Any:
    if name == "LEVELS":  # not cached here: load_levels() caches the parsed envs/levels.toml itself
        from execgym.synth.levels import load_levels

        return load_levels()
    return _lazy_getattr(name)
