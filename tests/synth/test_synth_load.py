"""Generation does not depend on machine load, the filter's trace travels with the program, and the
hash-seed re-run is skipped only when it provably cannot matter."""

from __future__ import annotations

import pytest

import execgym.engine.api as engine_api
from execgym.engine.results import failure_result
from execgym.synth import SynthesisError, generate, generate_many, item_seed
from execgym.synth.filters import hash_sensitive


def _flaky(monkeypatch, failures: int | None, outcome: str = "timeout") -> dict:
    """Make the first ``failures`` sandbox batches (all of them if None) come back as ``outcome``."""
    real = engine_api.run_batch
    calls = {"n": 0, "faked": 0}

    def run_batch(requests, *, workers=None):
        requests = list(requests)
        calls["n"] += 1
        if failures is None or calls["faked"] < failures:
            calls["faked"] += 1
            return [failure_result(r.mode, outcome, "Timeout", "simulated machine load") for r in requests]
        return real(requests, workers=workers)

    monkeypatch.setattr(engine_api, "run_batch", run_batch)
    return calls


@pytest.mark.parametrize("outcome", ["timeout", "sandbox_error"])
def test_transient_failure_gives_the_same_program(monkeypatch, outcome):
    expected = [generate(4, s).to_dict() for s in (11, 12)]
    calls = _flaky(monkeypatch, 1, outcome)
    assert [generate(4, s).to_dict() for s in (11, 12)] == expected
    assert calls["faked"] == 1


def test_transient_failure_in_a_batch_gives_the_same_programs(monkeypatch):
    seeds = [item_seed(3, 5, i) for i in range(20)]
    expected = [p.to_dict() for p in generate_many(5, seeds)]
    calls = _flaky(monkeypatch, 2)
    assert [p.to_dict() for p in generate_many(5, seeds)] == expected
    assert calls["faked"] == 2


def test_persistent_timeout_raises_instead_of_picking_another_candidate(monkeypatch):
    _flaky(monkeypatch, None)
    with pytest.raises(SynthesisError, match="could not decide"):
        generate(4, 11)


def test_filter_trace_travels_with_the_program():
    seeds = [item_seed(9, 6, i) for i in range(12)]
    programs = generate_many(6, seeds) + [generate(7, 5), generate(8, 5)]
    for program in programs:
        assert program.trace_steps is not None
        tr = engine_api.trace(program.source, program.call)
        assert tuple(tr.steps) == program.trace_steps
        assert "trace_steps" not in program.to_dict()
    assert type(programs[0]).from_dict(programs[0].to_dict()) == programs[0]


@pytest.mark.parametrize(("source", "call", "sensitive"), [
    ("def f(x):\n    return x.upper()\n", "f('ab')", False),
    ("def f(d):\n    out = []\n    for k, v in d.items():\n        out.append(k)\n    return out\n", "f({'a': 1})",
     False),
    ("def f(x):\n    return list({x, 'b'})\n", "f('a')", True),
    ("def f(x):\n    return sorted(set(x))\n", "f('ab')", True),
    ("def f(x):\n    return [c for c in x]\n", "f({'a', 'b'})", True),
    ("def f(x):\n    return {c for c in x}\n", "f('ab')", True),
    ("def f(d, e):\n    return list(d.keys() & e)\n", "f({'a': 1}, ['a'])", True),
    ("def f(d, e):\n    k = d.items()\n    k -= e\n    return k\n", "f({'a': 1}, [])", True),
    ("import math\ndef f(x):\n    return math.floor(x)\n", "f(1.5)", True),
    ("def f(x):\n    return frozenset(x)\n", "f('ab')", True),
    ("def f(x):\n    return x.__class__\n", "f('ab')", True),
])
def test_hash_sensitivity_is_conservative(source, call, sensitive):
    assert hash_sensitive(source, call) is sensitive


def test_hash_dependent_program_is_still_rerun():
    from execgym.synth.api import check_program

    source = "def f(word):\n    letters = {word, 'alpha', 'beta', 'gamma', 'delta', 'omega'}\n    return list(letters)\n"
    assert hash_sensitive(source, "f('kappa')")
    assert not check_program(source, "f('kappa')", {}, {}).accepted
