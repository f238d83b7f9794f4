"""Several traced calls of one generated program in one sandboxed child (execgym.synth.traced_calls): the same
answers as one trace run per call, whatever ran before in the child, and only for programs that keep no state."""

from __future__ import annotations

import random

import pytest

from execgym import synth
from execgym.engine.api import run_batch
from execgym.engine.request import RunRequest
from execgym.synth.traced_calls import TracedCall, traced_calls
from execgym.tasks.literals import render_literal


def _single(source: str, calls: list[str], max_steps: int = 10_000) -> list[TracedCall]:
    """What one trace run per call says, in ``TracedCall`` terms."""
    out = []
    for res in run_batch([RunRequest(source, c, mode="trace", max_steps=max_steps) for c in calls]):
        ok = str(getattr(res.outcome, "value", res.outcome)) == "ok" and not res.truncated
        events = tuple((st.event, st.frame, st.line) for st in res.steps) if ok else ()
        out.append(TracedCall(ok, res.return_value if ok else None, events))
    return out


def _same(batched: TracedCall, single: TracedCall) -> bool:
    if batched.ok != single.ok:
        return False
    if not batched.ok:
        return True
    return (type(batched.value) is type(single.value) and batched.value == single.value
            and render_literal(batched.value) == render_literal(single.value) and batched.events == single.events)


@pytest.fixture(scope="module")
def programs() -> list[tuple[str, list[str]]]:
    out = []
    for level in range(1, 7):
        for seed in range(14):
            program = synth.generate(level, 500 + seed)
            calls = [program.call, *synth.input_variants(program, 7, seed)]
            out.append((program.source, calls))
    return out


def test_answers_equal_one_trace_run_per_call(programs):
    answered = compared = 0
    for source, calls in programs:
        batched = traced_calls(source, calls)
        if batched is None:  # not batchable (an import, ``math.floor``): the caller traces each call
            continue
        single = _single(source, calls)
        for call, got, want in zip(calls, batched, single):
            compared += 1
            if got is None:
                continue
            answered += 1
            assert _same(got, want), (source, call, got, want)
    assert compared >= 0.85 * sum(len(calls) for _, calls in programs)
    assert answered >= 0.98 * compared


def test_an_answer_never_depends_on_the_calls_before_it(programs):
    rng = random.Random(3)
    for source, calls in programs[::4]:
        forward = traced_calls(source, calls)
        if forward is None:
            continue
        order = list(range(len(calls)))
        rng.shuffle(order)
        shuffled = traced_calls(source, [calls[i] for i in order])
        assert shuffled is not None
        for k, i in enumerate(order):
            assert shuffled[k] == forward[i], (source, calls[i])
        alone = traced_calls(source, [calls[-1]])
        assert alone == [forward[-1]]


def test_failures_limits_and_values_the_route_cannot_vouch_for():
    source = (
        "def f(n, word):\n"
        "    total = 0\n"
        "    for i in range(n):\n"
        "        total += i\n"
        "    if total > 100:\n"
        "        raise ValueError('too big')\n"
        "    return word * total\n"
    )
    calls = ["f(3, 'ab')", "f(20, 'x')", "f(5000, 'y')", "f(4, 'z' * 3000)", "f(2, 'q')"]
    batched = traced_calls(source, calls, max_steps=200)
    single = _single(source, calls, max_steps=200)
    assert batched is not None
    assert batched[0].ok and batched[0].value == "ab" * 3
    assert _same(batched[0], single[0]) and _same(batched[4], single[4])
    assert batched[1] == TracedCall(False, None, ()) and not single[1].ok      # raised
    assert batched[2] == TracedCall(False, None, ()) and not single[2].ok      # the trace hit max_steps
    assert batched[3] is None  # an 18,000-character value: the codec might not carry it unchanged


def test_deep_recursion_is_decided_as_one_run_decides_it():
    """The tracer stops a call at the recursion limit (``TraceLimit``): not ok on both routes."""
    source = "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n"
    calls = ["f(3)", "f(1500)", "f(3000)"]
    batched = traced_calls(source, calls)
    single = _single(source, calls)
    assert batched is not None
    assert [b.ok for b in batched] == [s.ok for s in single] == [True, True, False]
    assert all(_same(b, s) for b, s in zip(batched, single))


@pytest.mark.parametrize("source", [
    "import math\n\ndef f(x):\n    return math.floor(x)\n",
    "def f(x, seen=[]):\n    seen.append(x)\n    return len(seen)\n",
    "COUNT = []\n\ndef f(x):\n    COUNT.append(x)\n    return len(COUNT)\n",
    "def f(x):\n    global y\n    y = x\n    return x\n",
])
def test_programs_that_could_keep_state_get_no_shared_child(source):
    assert traced_calls(source, ["f(1)", "f(2)"]) is None


def test_unit_test_reference_traces_are_the_same_either_way():
    """``trace_tests(..., own=True)`` (UnitTest-v0's built-in tasks) gives what one trace run per call gives."""
    from execgym.tasks.unittest import trace_tests

    for level in (2, 4, 6):
        for seed in range(4):
            program = synth.generate(level, 900 + seed)
            calls = [program.call, *synth.input_variants(program, 10, seed), f"{program.entry}()"]
            assert trace_tests(program.source, calls, own=True) == trace_tests(program.source, calls)


def test_a_failed_shared_run_falls_back_to_one_run_per_call(monkeypatch):
    import execgym.engine.api as engine_api
    from execgym.engine.results import failure_result
    from execgym.tasks.unittest import trace_tests

    program = synth.generate(3, 41)
    calls = [program.call, *synth.input_variants(program, 6, 1)]
    want = trace_tests(program.source, calls)
    real = engine_api.run_batch
    modes = []

    def no_shared_run(requests, *, workers=None):
        requests = list(requests)
        modes.extend(r.mode for r in requests)
        if any(r.mode == "run" for r in requests):  # the shared run "times out"
            return [failure_result(r.mode, "timeout", "Timeout", "simulated machine load") for r in requests]
        return real(requests, workers=workers)

    monkeypatch.setattr(engine_api, "run_batch", no_shared_run)
    assert traced_calls(program.source, calls) is None
    modes.clear()
    assert trace_tests(program.source, calls, own=True) == want
    assert modes.count("trace") == len(calls)
