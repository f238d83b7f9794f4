"""The sys.monitoring backend (Python >= 3.12) and sys.settrace (before) give identical traces.

Each interpreter runs the tracer in a subprocess with PYTHONPATH pointing at this checkout and
traces the corpus of trace_programs.py plus the ordinary programs of policy_programs.py; every step (event, function, frame, line, count,
locals, value), the outcome, error and return value must match the output of this interpreter.
Interpreters that are not installed are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
PYENV = Path("/root/.pyenv/versions")
OTHER_PYTHONS = {
    "3.10": PYENV / "3.10.13/bin/python",
    "3.11": PYENV / "3.11.7/bin/python",
    "3.12": PYENV / "3.12.1/bin/python",
    "3.13": PYENV / "3.13.0/bin/python",
}

# Runs in the other interpreter. execgym/__init__ registers the Gymnasium environments, which
# the bare pyenv interpreters cannot import, so the package is entered as a namespace here.
RUNNER = r"""
import contextlib, io, json, sys, types
pkg = types.ModuleType("execgym"); pkg.__path__ = [sys.argv[1] + "/execgym"]; sys.modules["execgym"] = pkg
from execgym.engine.child import execute
from execgym.engine.results import result_from_frame
corpus = json.load(sys.stdin)
out = {}
for name, (source, call) in corpus.items():
    with contextlib.redirect_stdout(io.StringIO()):
        frame = execute({"source": source, "call": call, "mode": "trace", "backend": sys.argv[2]})
    d = result_from_frame("trace", json.loads(json.dumps(frame))).to_dict()
    out[name] = {k: d[k] for k in ("outcome", "return_encoded", "error", "steps", "truncated", "backend")}
json.dump(out, sys.stdout)
"""


def _run(python: str, corpus: dict, backend: str = "auto") -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "0"}
    proc = subprocess.run(check=False, args=[python, "-c", RUNNER, str(REPO), backend], input=json.dumps(corpus), capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def corpus(trace_programs, policy_programs) -> dict[str, tuple[str, str]]:
    """The tracer corpus plus the 70-odd ordinary programs of the restricted-policy tests."""
    out = {name: (src, call) for name, (src, call, _expected) in trace_programs.items()}
    out.update({f"ordinary:{name}": pair for name, pair in policy_programs["ORDINARY"].items()})
    return out


@pytest.fixture(scope="module")
def reference(corpus) -> dict:
    return _run(sys.executable, corpus)


# Programs whose behaviour (not whose tracing) differs between interpreters.
VERSION_DEPENDENT = {
    "ordinary:sorting_stability_cmp": "list.sort calls the comparator in a different order on 3.13",
}


def _decoded(d: dict) -> tuple:
    """Compare decoded values (set iteration order differs between 3.10 and 3.11: new str hash)."""
    from execgym.engine.results import ExecutionTrace

    tr = ExecutionTrace.from_dict({**d, "return_encoded": d["return_encoded"]})
    return tr.outcome, tr.return_value, tr.error, tr.truncated, tr.steps


@pytest.mark.parametrize(("version", "backend"), [(v, "auto") for v in sorted(OTHER_PYTHONS)]
                         + [("3.12", "settrace"), ("3.13", "settrace")])
def test_traces_identical_across_versions(version, backend, corpus, reference):
    """``backend="settrace"`` on 3.12+ is the optional non-default backend; it must agree too."""
    python = OTHER_PYTHONS[version]
    if not python.exists():
        pytest.skip(f"python {version} is not installed")
    if version == f"{sys.version_info[0]}.{sys.version_info[1]}" and backend == "auto":
        pytest.skip("same interpreter as the reference")
    other = _run(str(python), corpus, backend)
    expected_backend = "monitoring" if version >= "3.12" and backend == "auto" else "settrace"
    diffs = []
    compared = 0
    for name in corpus:
        a, b = dict(reference[name]), dict(other[name])
        assert b.pop("backend") == expected_backend
        a.pop("backend")
        if name in VERSION_DEPENDENT:
            continue
        compared += 1
        if _decoded(a) != _decoded(b):
            steps_a, steps_b = _decoded(a)[-1], _decoded(b)[-1]
            first = next((i for i in range(max(len(steps_a), len(steps_b)))
                          if steps_a[i:i + 1] != steps_b[i:i + 1]), None)
            diffs.append(f"{name}: first differing step {first}: "
                         f"{steps_a[first:first + 1]} vs {steps_b[first:first + 1]}; "
                         f"outcome {a['outcome']}/{b['outcome']}")
    assert not diffs, "\n".join(diffs)
    assert compared >= 100
