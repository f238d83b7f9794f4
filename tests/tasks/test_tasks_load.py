"""Task regeneration does not depend on machine load, and reuses the synthesizer's trace."""

from __future__ import annotations

import hashlib
import json

import pytest

import execgym.engine.api as engine_api
from execgym.engine.results import failure_result
from execgym.tasks import make_task, prefetch
from execgym.tasks.registry import clear_cache


def _fingerprint(task) -> str:
    blob = json.dumps(task.spec, sort_keys=True) + "\x00" + task.prompt + "\x00" + task.gold_response()
    return hashlib.sha256(blob.encode()).hexdigest()


SPECS = [{"env": "ExecIO-v0", "level": 4, "seed": 3}, {"env": "ExecVar-v0", "level": 6, "seed": 3},
         {"env": "UnitTest-v0", "level": 3, "seed": 3}]


def test_transient_sandbox_failures_never_change_a_task(monkeypatch):
    clear_cache()
    expected = [_fingerprint(make_task(s)) for s in SPECS]
    clear_cache()
    real = engine_api.run_batch
    state = {"n": 0}

    def flaky(requests, *, workers=None):  # every other sandbox batch "times out"
        requests = list(requests)
        state["n"] += 1
        if state["n"] % 2:
            return [failure_result(r.mode, "timeout", "Timeout", "simulated machine load") for r in requests]
        return real(requests, workers=workers)

    monkeypatch.setattr(engine_api, "run_batch", flaky)
    assert [_fingerprint(make_task(s)) for s in SPECS] == expected
    assert state["n"] >= 4
    clear_cache()


def test_fresh_task_needs_no_second_trace(monkeypatch):
    clear_cache()
    modes = []
    real = engine_api.run_batch

    def counting(requests, *, workers=None):
        requests = list(requests)
        modes.extend(r.mode for r in requests)
        return real(requests, workers=workers)

    monkeypatch.setattr(engine_api, "run_batch", counting)
    make_task({"env": "ExecIO-v0", "level": 4, "seed": 12345})
    # the generator's runs (the pattern filter's coverage run and a hash-seed re-run, then the one trace the
    # program keeps); the task layer adds nothing
    assert modes.count("trace") == 1 and len(modes) <= 3
    modes.clear()
    tasks = prefetch([{"env": "ExecNext-v0", "level": 5, "seed": s} for s in range(8)])
    assert len(tasks) == 8 and modes.count("trace") <= 1 + 8  # one chunk trace, singles only on chunk failure
    clear_cache()
    assert [_fingerprint(t) for t in tasks] == [_fingerprint(make_task(t.spec | {})) for t in tasks]
    assert [_fingerprint(t) for t in tasks] == [
        _fingerprint(make_task({"env": "ExecNext-v0", "level": 5, "seed": s})) for s in range(8)]


@pytest.mark.parametrize("env", ["ExecOI-v0", "UnitTest-v0"])
def test_prefetch_equals_one_by_one(env):
    clear_cache()
    specs = [{"env": env, "level": 2, "seed": s} for s in range(4)]
    batched = [_fingerprint(t) for t in prefetch(specs)]
    clear_cache()
    assert batched == [_fingerprint(make_task(s)) for s in specs]


def test_program_without_its_trace_is_traced_with_retries(monkeypatch):
    """A program that lost its trace (``from_dict``) is traced again; a transient failure is retried."""
    from execgym.synth import generate
    from execgym.synth.program import Program
    from execgym.tasks.program import _traced

    program = generate(5, 77)
    bare = Program.from_dict(program.to_dict())
    assert bare.trace_steps is None and bare == program
    real = engine_api.run_batch
    state = {"n": 0}

    def flaky(requests, *, workers=None):
        requests = list(requests)
        state["n"] += 1
        if state["n"] == 1:
            return [failure_result(r.mode, "sandbox_error", "WorkerDied", "simulated") for r in requests]
        return real(requests, workers=workers)

    monkeypatch.setattr(engine_api, "run_batch", flaky)
    (tr,) = _traced([bare])
    assert state["n"] == 2 and tuple(tr.steps) == program.trace_steps and tr.return_value == program.expected
