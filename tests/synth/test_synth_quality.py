"""Quality bars on a sample (the 10,000-program versions run in benchmarks/synth.py --quality)."""

from __future__ import annotations

import pytest

from execgym.synth.api import SynthStats, generate_many, item_seed

MONOTONE_SAMPLE = 150


@pytest.fixture(scope="module")
def big_sample() -> dict[int, tuple[list, SynthStats]]:
    out = {}
    for level in range(1, 7):
        stats = SynthStats()
        seeds = [item_seed(11, level, i) for i in range(MONOTONE_SAMPLE)]
        out[level] = (generate_many(level, seeds, stats=stats, generator="ops"), stats)
    return out


def test_most_candidates_survive_the_sandbox_filter(samples, big_sample):
    built = sum(s.built for _, s in samples.values()) + sum(s.built for _, s in big_sample.values())
    accepted = sum(s.accepted for _, s in samples.values()) + sum(s.accepted for _, s in big_sample.values())
    assert accepted / built >= 0.80
    for level, (_, stats) in samples.items():
        assert stats.acceptance_rate >= 0.80, (level, stats.to_dict())


def test_programs_are_distinct(samples, big_sample):
    for level, (programs, _) in list(samples.items()) + list(big_sample.items()):
        keys = {(p.source, p.call) for p in programs}
        assert len(keys) >= 0.99 * len(programs), level


def test_difficulty_grows_with_level(big_sample):
    def mean(level: int, name: str) -> float:
        programs = big_sample[level][0]
        return sum(p.features[name] for p in programs) / len(programs)

    traces = [mean(level, "trace_length") for level in range(1, 7)]
    branches = [mean(level, "branches") for level in range(1, 7)]
    assert all(a < b for a, b in zip(traces, traces[1:])), traces
    assert all(a <= b for a, b in zip(branches, branches[1:])), branches
    assert branches[0] == branches[1] == 0


def test_features_match_an_individual_trace(samples):
    """Features computed from the chunked trace equal those of tracing the program on its own."""
    from execgym.engine.api import trace

    for level in (3, 6, 8):
        for program in samples[level][0][:4]:
            alone = trace(program.source, program.call)
            assert alone.outcome == "ok"
            assert alone.return_value == program.expected
            assert len(alone.line_steps()) == program.features["trace_length"], program.source


def test_builder_ir_agrees_with_the_sandbox(samples, big_sample):
    """The builder's own run of each program predicted exactly what the sandbox returned."""
    for level, (_, stats) in list(samples.items()) + list(big_sample.items()):
        assert stats.simulation_mismatches == 0, (level, stats.to_dict())
