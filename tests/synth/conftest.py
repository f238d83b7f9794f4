"""Shared fixtures for the synthesis tests: one small filtered sample per level (built once per session)."""

from __future__ import annotations

import pytest

from execgym.synth.api import SynthStats, generate_many, item_seed
from execgym.synth.levels import load_levels

SAMPLE_PER_LEVEL = 40


@pytest.fixture(scope="session")
def samples() -> dict[int, tuple[list, SynthStats]]:
    """``{level: (programs, stats)}`` for SAMPLE_PER_LEVEL programs of every level (base seed 7)."""
    out = {}
    for level in load_levels():
        stats = SynthStats()
        seeds = [item_seed(7, level, i) for i in range(SAMPLE_PER_LEVEL)]
        out[level] = (generate_many(level, seeds, stats=stats, generator="ops"), stats)
    return out
