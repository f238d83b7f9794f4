"""``execgym.synth.patterns.generate``: how drafts are scheduled (batch size, helper threads or none, one seed at
a time) never changes which program a seed gets, nor the counts in its stats."""

from __future__ import annotations

import pytest

from execgym.synth.api import SynthStats, item_seed
from execgym.synth.decide import SynthesisError
from execgym.synth.patterns import generate

SEEDS = [item_seed(5, 3, i) for i in range(28)]


def _run(seeds, **kwargs) -> tuple[list[dict], tuple]:
    stats = SynthStats()
    programs = generate.generate_patterns(3, seeds, stats=stats, **kwargs)
    return [p.to_dict() for p in programs], (stats.accepted, stats.built, stats.build_failures,
                                             sorted(stats.rejected.items()))


@pytest.fixture(scope="module")
def reference():
    return _run(SEEDS)


def test_the_programs_and_stats_do_not_depend_on_the_scheduling(reference, monkeypatch):
    programs, stats = reference
    assert len(programs) == len(SEEDS) and stats[0] == len(SEEDS)
    assert sum(n for _, n in stats[3]) > 0  # some seed needed several drafts (several rounds)
    assert _run(SEEDS, overlap=False) == reference
    one_by_one = [_run([seed]) for seed in SEEDS]  # every seed on its own, one round trip per draft
    assert [p for got, _ in one_by_one for p in got] == programs
    assert sum(s[1] for _, s in one_by_one) == stats[1]
    with monkeypatch.context() as patch:
        patch.setattr(generate, "BATCH", 4)  # small batches, filtered in helper threads
        assert _run(SEEDS) == reference


def test_a_seeds_drafts_stop_at_the_attempt_limit(reference, monkeypatch):
    programs, _ = reference
    late = next(p for p in programs if p["attempt"] >= 1)
    seed = late["seed"]
    monkeypatch.setattr(generate, "MAX_ATTEMPTS", late["attempt"] + 1)  # the accepted draft is the last allowed
    got, _ = _run([seed])
    assert got == [late]
    monkeypatch.setattr(generate, "MAX_ATTEMPTS", late["attempt"])  # the accepted draft is out of reach
    with pytest.raises(SynthesisError, match=f"seed {seed} after {late['attempt']} draws"):
        _run([seed])
