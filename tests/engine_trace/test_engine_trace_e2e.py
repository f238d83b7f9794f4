"""End to end through the sandbox (``execgym.trace`` / ``execgym.run``) and the ``execgym trace`` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import execgym
from execgym.engine.codec import Opaque

REPO = Path(__file__).resolve().parent.parent.parent

PROGRAM = """def helper(a, b):
    total = 0
    for i in range(a):
        total += i * b
    return total

def f(n, tag):
    xs = [helper(k, 2) for k in range(n)]
    label = f"{tag}:{sum(xs)}"
    return label, xs
"""


def test_trace_through_sandbox_matches_in_process(trace_inproc):
    tr = execgym.trace(PROGRAM, "f(3, 'a')")
    local = trace_inproc(PROGRAM, "f(3, 'a')")
    assert tr.outcome == "ok" and tr.return_value == ("a:2", [0, 0, 2])
    assert tr.steps == local.steps
    assert tr.backend == local.backend and not tr.truncated


def test_trace_bounds_and_errors_through_sandbox():
    tr = execgym.trace("def f():\n    while True:\n        pass\n", "f()", max_steps=100)
    assert tr.outcome == "output_limit" and tr.truncated and len(tr.steps) == 100
    tr = execgym.trace("def f(x):\n    return 1 // x\n", "f(0)")
    assert tr.outcome == "exception" and tr.error.type == "ZeroDivisionError" and tr.error.line == 2
    assert [s.event for s in tr.steps] == ["call", "line", "exception"]


def test_run_restricted_through_sandbox():
    r = execgym.run("def f(xs):\n    d = {}\n    d['n'] = len(xs)\n    d['n'] += 1\n    return d\n", "f([1])",
                    policy="restricted")
    assert r.outcome == "ok" and r.return_value == {"n": 2}
    r = execgym.run("def f():\n    return ().__class__.__base__.__subclasses__()\n", "f()", policy="restricted")
    assert r.outcome == "policy_violation" and "__class__" in r.error.message
    r = execgym.run("import os\ndef f():\n    return os.getcwd()\n", "f()", policy="restricted")
    assert r.outcome == "policy_violation"


def test_hostile_return_values_are_opaque_in_the_caller():
    src = ("class Evil:\n    def __repr__(self):\n        while True:\n            pass\n"
           "    def __eq__(self, other):\n        return True\n\ndef f():\n    return [Evil(), 1]\n")
    r = execgym.run(src, "f()")
    assert r.outcome == "ok"
    assert isinstance(r.return_value[0], Opaque) and r.return_value[0].type_name == "Evil"
    assert r.return_value[1] == 1 and r.return_value[0] != 1


@pytest.fixture
def program_file(tmp_path):
    p = tmp_path / "prog.py"
    p.write_text(PROGRAM)
    return p


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(check=False, args=[sys.executable, "-m", "execgym", "trace", *args], capture_output=True, text=True,
                          timeout=120, cwd=str(REPO))


def test_cli_table(program_file):
    proc = _cli(str(program_file), "--call", "f(3, 'x')")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].split()[:5] == ["#", "event", "function", "line", "count"]
    assert any("total += i * b" in row and "total=2" in row for row in out)
    assert any(row.split()[1:3] == ["return", "f#1"] and "('x:2', [0, 0, 2])" in row for row in out)
    assert out[-1].startswith("outcome: ok")


def test_cli_json_and_failure_status(program_file, tmp_path):
    proc = _cli(str(program_file), "--call", "f(2, 'x')", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    back = execgym.ExecutionTrace.from_dict(d)
    assert back.return_value == ("x:0", [0, 0])
    assert [s.line for s in back.line_steps()][:2] == [8, 2]
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    return 1 / 0\n")
    proc = _cli(str(bad), "--call", "f()")
    assert proc.returncode == 1 and "ZeroDivisionError" in proc.stdout
    proc = _cli(str(tmp_path / "missing.py"), "--call", "f()")
    assert proc.returncode == 2

_snippets = st.sampled_from(["def f(x):\n    return x\n", "def f(*a):\n    yield from a\n", "x = (\n", "f(",
                             "lambda: 0", "\x00", "import os", "'''", "def f():\n\treturn 1\n  return 2\n"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.one_of(st.text(max_size=60), _snippets), call=st.one_of(st.text(max_size=30), _snippets),
       policy=st.sampled_from(["trusted", "restricted"]))
def test_property_arbitrary_text_never_raises(source, call, policy):
    tr = execgym.trace(source, call, policy=policy, timeout=2.0, max_steps=200)
    assert tr.outcome in {"ok", "exception", "policy_violation", "timeout", "output_limit", "memory_limit"}
    assert (tr.error is None) == (tr.outcome == "ok")
    tr.to_dict()


def test_hostile_corpus_through_the_sandbox(policy_programs):
    hostile = policy_programs["HOSTILE"]
    wrong = {}
    for name, (source, call) in hostile.items():
        r = execgym.run(source, call, policy="restricted", timeout=5.0)
        if r.outcome != "policy_violation":
            wrong[name] = (r.outcome, r.error)
    assert not wrong, wrong
