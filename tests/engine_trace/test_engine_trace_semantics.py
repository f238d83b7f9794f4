"""Step semantics of the tracer on hand-written programs (expected lines and counts written out)."""

from __future__ import annotations

import math
import sys

import pytest

from execgym.engine.codec import Opaque


def test_every_program_traces_as_written(trace_inproc, trace_programs, compact_steps):
    failures = []
    for name, (source, call, expected) in trace_programs.items():
        tr = trace_inproc(source, call)
        got = compact_steps(tr)
        if got != expected:
            failures.append(f"{name}:\n  expected {expected}\n  got      {got}")
    assert not failures, "\n".join(failures)


def test_backend_matches_interpreter(trace_inproc):
    tr = trace_inproc("def f():\n    return 1\n", "f()")
    assert tr.backend == ("monitoring" if sys.version_info >= (3, 12) else "settrace")
    assert tr.python == f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_locals_are_the_state_before_each_step(trace_inproc):
    src = "def f(n):\n    a = n + 1\n    b = a * 2\n    return a + b\n"
    tr = trace_inproc(src, "f(1)")
    assert tr.ok and tr.return_value == 6
    by_line = {s.line: s for s in tr.line_steps()}
    assert by_line[2].locals == {"n": 1}
    assert by_line[3].locals == {"n": 1, "a": 2}
    assert by_line[4].locals == {"n": 1, "a": 2, "b": 4}
    call, ret = tr.steps[0], tr.steps[-1]
    assert (call.event, call.function, call.locals) == ("call", "f", {"n": 1})
    assert (ret.event, ret.value, ret.locals) == ("return", 6, {"n": 1, "a": 2, "b": 4})


def test_in_place_mutation_is_visible_and_steps_do_not_share_state(trace_inproc):
    src = "def f():\n    xs = []\n    xs.append(1)\n    xs.append(2)\n    return xs\n"
    tr = trace_inproc(src, "f()")
    seen = [s.locals.get("xs") for s in tr.line_steps()]
    assert seen == [None, [], [1], [1, 2]]


def test_exception_step_value_and_error_line(trace_inproc):
    src = "def g(x):\n    return 10 // x\n\ndef f(x):\n    y = x - 1\n    return g(y)\n"
    tr = trace_inproc(src, "f(1)")
    assert tr.outcome == "exception"
    assert tr.error.type == "ZeroDivisionError" and tr.error.line == 2
    exc = [s for s in tr.steps if s.event == "exception"]
    assert [(s.function, s.line) for s in exc] == [("g", 2), ("f", 6)]
    assert exc[0].value == {"type": "ZeroDivisionError", "message": "integer division or modulo by zero"}
    assert not any(s.event == "return" for s in tr.steps)  # frames left by an exception


def test_generator_frames_keep_their_id_and_yields_are_returns(trace_inproc):
    src = "def gen():\n    yield 1\n    yield 2\n\ndef f():\n    return list(gen())\n"
    tr = trace_inproc(src, "f()")
    gen_steps = [s for s in tr.steps if s.function == "gen"]
    assert {s.frame for s in gen_steps} == {2}
    assert [(s.event, s.value) for s in gen_steps if s.event == "return"] == [("return", 1), ("return", 2),
                                                                            ("return", None)]
    assert tr.return_value == [1, 2]


def test_helpers_and_recursion_get_distinct_frames(trace_inproc):
    src = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n"
    tr = trace_inproc(src, "fib(3)")
    calls = [s for s in tr.steps if s.event == "call"]
    assert [s.frame for s in calls] == [1, 2, 3, 4, 5]
    assert [s.locals["n"] for s in calls] == [3, 2, 1, 0, 1]
    assert tr.return_value == 2


def test_values_that_are_not_literals_are_opaque(trace_inproc):
    src = ("class P:\n    pass\n\ndef f():\n    p = P()\n    big = 10 ** 5000\n"
           "    odd = [float('nan'), -0.0]\n    return big % 7\n")
    tr = trace_inproc(src, "f()")
    last = tr.steps[-1].locals
    assert isinstance(last["p"], Opaque) and last["p"].type_name == "P"
    assert last["big"] == 10 ** 5000
    assert math.isnan(last["odd"][0]) and math.copysign(1.0, last["odd"][1]) == -1.0


def test_only_source_code_is_recorded(trace_inproc):
    # stdlib frames (json) and the call expression itself are not steps
    src = "import json\n\ndef f(x):\n    s = json.dumps({'a': x})\n    return json.loads(s)['a']\n"
    tr = trace_inproc(src, "f(3)")
    assert {s.function for s in tr.steps} == {"f"}
    assert tr.return_value == 3


def test_module_top_level_is_not_traced(trace_inproc):
    src = "X = [i for i in range(3)]\nfor k in range(2):\n    X.append(k)\n\ndef f():\n    return len(X)\n"
    tr = trace_inproc(src, "f()")
    assert [s.line for s in tr.line_steps()] == [6]
    assert tr.return_value == 5


def test_max_steps_truncates_with_output_limit(trace_inproc):
    src = "def f():\n    i = 0\n    while True:\n        i += 1\n"
    tr = trace_inproc(src, "f()", max_steps=50)
    assert tr.outcome == "output_limit" and tr.truncated
    assert len(tr.steps) == 50
    assert tr.error.type == "TraceLimit"


def test_max_snapshot_bytes_truncates(trace_inproc):
    src = "def f():\n    s = ''\n    for i in range(10000):\n        s = s + 'x' * 50\n    return len(s)\n"
    tr = trace_inproc(src, "f()", max_snapshot_bytes=20_000)
    assert tr.outcome == "output_limit" and tr.truncated
    assert 0 < len(tr.steps) < 1000


def test_growing_containers_are_sent_as_appends(trace_inproc):
    import json

    from execgym.engine.child import execute

    src = ("def f(n):\n    xs = []\n    s = 'start-of-a-long-string'\n    d = {}\n    for i in range(n):\n"
           "        xs.append(i)\n        s = s + str(i % 10)\n        d[i % 3] = i\n    return len(xs)\n")
    frame = execute({"source": src, "call": "f(1500)", "mode": "trace"})
    assert frame["outcome"] == "ok"
    assert len(json.dumps(frame)) < 1_000_000  # linear: full snapshots would be ~10 MB
    tr = trace_inproc(src, "f(60)")
    for step in tr.line_steps():
        if step.line == 5 and "i" in step.locals:  # the for header, after iteration i
            i = step.locals["i"]
            assert step.locals["xs"] == list(range(i + 1))
            assert step.locals["s"] == "start-of-a-long-string" + "".join(str(k % 10) for k in range(i + 1))
            assert step.locals["d"] == {k % 3: k for k in range(max(0, i - 2), i + 1)}


def test_tracer_failure_does_not_disturb_the_program(trace_inproc, monkeypatch):
    from execgym.engine import tracer

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(tracer.Recorder, "_delta", boom)
    tr = trace_inproc("def f(x):\n    y = x * 2\n    return y\n", "f(4)")
    assert tr.outcome == "sandbox_error" and tr.error.type == "TracerError"


def test_recursion_limit_is_a_trace_bound(trace_inproc, run_inproc):
    src = "def r(n):\n    return r(n + 1)\n"
    assert run_inproc(src, "r(0)").error.type == "RecursionError"
    tr = trace_inproc(src, "r(0)", max_steps=100_000)
    assert tr.outcome == "output_limit" and tr.truncated
    assert "recursion limit" in tr.error.message
    deep = "def r(n):\n    if n == 0:\n        return 0\n    return 1 + r(n - 1)\n"
    tr = trace_inproc(deep, "r(800)")
    assert tr.ok and tr.return_value == 800 and len(tr.steps) == 801 * 2 + 800 * 2 + 2


def test_deepcopy_bomb_in_locals_stays_linear(trace_inproc):
    src = "def f():\n    a = []\n    for _ in range(60):\n        a = [a, a]\n    return 1\n"
    tr = trace_inproc(src, "f()")
    assert tr.ok and len(tr.steps) > 100


def test_restricted_trace_hides_generated_names(trace_inproc):
    src = "def f(xs):\n    d = {}\n    d['k'] = 1\n    d['k'] += 2\n    print(d)\n    return d\n"
    tr = trace_inproc(src, "f([1])", policy="restricted")
    assert tr.ok and tr.return_value == {"k": 3}
    for s in tr.steps:
        assert all(not name.startswith("_") for name in s.locals), s.locals
    assert [s.line for s in tr.line_steps()] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("call", ["f(", "undefined_name()", "f(1, 2, 3)"])
def test_bad_calls_are_exceptions_not_crashes(trace_inproc, call):
    tr = trace_inproc("def f(x):\n    return x\n", call)
    assert tr.outcome == "exception"
    assert tr.error.type in ("SyntaxError", "NameError", "TypeError")


def test_to_dict_round_trip(trace_inproc):
    import json

    from execgym.engine.results import ExecutionTrace

    src = "def f(n):\n    s = {n, -n}\n    return (s, b'x', 1j, float('inf'))\n"
    tr = trace_inproc(src, "f(2)")
    again = ExecutionTrace.from_dict(json.loads(json.dumps(tr.to_dict())))
    assert again.steps == tr.steps
    assert again.return_value == tr.return_value
    assert again.outcome == tr.outcome and again.backend == tr.backend
