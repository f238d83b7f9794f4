"""The restricted policy: ordinary programs keep their meaning, escapes end in policy_violation.

Also measures stock RestrictedPython (``safe_globals``/``safe_builtins`` with its standard guards)
on the same ordinary corpus; the figures are printed (``pytest -s``) and quoted in
docs/restricted-policy.md. Hostile programs run in a subprocess, never in the test process.
"""

from __future__ import annotations

import contextlib
import io
import json
import operator
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent


def _run_child(source: str, call: str, policy: str) -> tuple[dict, str]:
    from execgym.engine.child import execute

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        frame = execute({"source": source, "call": call, "policy": policy})
    return frame, buf.getvalue()


def test_ordinary_corpus_runs_identically(policy_programs):
    ordinary = policy_programs["ORDINARY"]
    assert len(ordinary) >= 60
    diffs = []
    for name, (source, call) in ordinary.items():
        trusted = _run_child(source, call, "trusted")
        restricted = _run_child(source, call, "restricted")
        if trusted != restricted:
            diffs.append(f"{name}: trusted={trusted} restricted={restricted}")
    assert not diffs, "\n".join(diffs)
    # the corpus really exercises something: most programs succeed, a few end in exceptions on purpose
    outcomes = [_run_child(s, c, "trusted")[0]["outcome"] for s, c in ordinary.values()]
    assert outcomes.count("ok") >= 60 and set(outcomes) <= {"ok", "exception"}


def test_ordinary_corpus_traces_identically(trace_inproc, policy_programs):
    for name, (source, call) in policy_programs["ORDINARY"].items():
        a = trace_inproc(source, call)
        b = trace_inproc(source, call, policy="restricted")
        assert [(s.event, s.function, s.line, s.count, s.locals) for s in a.steps] == \
               [(s.event, s.function, s.line, s.count, s.locals) for s in b.steps], name


HOSTILE_RUNNER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from execgym.engine.child import execute
corpus = json.load(sys.stdin)
out = {name: execute({"source": src, "call": call, "policy": "restricted"}) for name, (src, call) in corpus.items()}
print(json.dumps(out))
"""


def test_hostile_corpus_is_policy_violation(policy_programs):
    hostile = policy_programs["HOSTILE"]
    assert len(hostile) >= 40
    proc = subprocess.run(check=False, args=[sys.executable, "-c", HOSTILE_RUNNER, str(REPO)], input=json.dumps(hostile),
                          capture_output=True, text=True, timeout=120, cwd="/tmp")
    assert proc.returncode == 0, proc.stderr[-3000:]
    frames = json.loads(proc.stdout.strip().splitlines()[-1])
    wrong = {name: fr for name, fr in frames.items() if fr["outcome"] != "policy_violation"}
    assert not wrong, wrong
    for fr in frames.values():
        assert fr["error"]["type"] == "PolicyViolation" and fr["error"]["message"]


def test_violation_messages_are_clear():
    frame, _ = _run_child("import os\ndef f():\n    return 1\n", "f()", "restricted")
    assert "import of module 'os' is not allowed" in frame["error"]["message"]
    frame, _ = _run_child("def f():\n    return ().__class__.__base__\n", "f()", "restricted")
    assert frame["error"]["line"] == 2 and '"__class__"' in frame["error"]["message"]
    frame, _ = _run_child("def f():\n    return open('x')\n", "f()", "restricted")
    assert frame["error"]["message"] == "open() is not allowed under the restricted policy"
    assert frame["error"]["line"] == 2


def test_syntax_errors_stay_exceptions():
    frame, _ = _run_child("def f(:\n    pass\n", "f()", "restricted")
    assert frame["outcome"] == "exception" and frame["error"]["type"] == "SyntaxError"
    frame, _ = _run_child("def f():\n    return 1\n", "f(", "restricted")
    assert frame["outcome"] == "exception" and frame["error"]["line"] is None


# ------------------------------------------------------------------- stock RestrictedPython


def _stock_globals(generous: bool) -> dict[str, Any]:
    from RestrictedPython import limited_builtins, safe_builtins, utility_builtins
    from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
    from RestrictedPython.Guards import (
        full_write_guard,
        guarded_iter_unpack_sequence,
        guarded_unpack_sequence,
        safer_getattr,
    )
    from RestrictedPython.PrintCollector import PrintCollector

    from execgym.engine.policy import ALLOWED_MODULES

    builtins_: dict[str, Any] = dict(safe_builtins)
    if generous:
        builtins_.update(limited_builtins)
        builtins_.update(utility_builtins)

        def imp(name, globals=None, locals=None, fromlist=(), level=0):
            if name not in ALLOWED_MODULES:
                raise ImportError(name)
            return __import__(name, globals, locals, fromlist, level)

        builtins_["__import__"] = imp
    inplace = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
               "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
               "&=": operator.iand, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift}
    return {
        "__builtins__": builtins_, "__name__": "__main__", "__metaclass__": type,
        "_getattr_": safer_getattr, "_getitem_": default_guarded_getitem, "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard, "_print_": PrintCollector, "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_inplacevar_": lambda op, x, y: inplace[op](x, y), "_apply_": lambda f, *a, **k: f(*a, **k),
    }


def _stock_outcome(source: str, call: str, generous: bool) -> Any:
    from RestrictedPython import compile_restricted_eval, compile_restricted_exec

    from execgym.engine.codec import encode

    mod = compile_restricted_exec(source, "<source>")
    cl = compile_restricted_eval(call, "<call>")
    if mod.errors or cl.errors:
        return ("compile-error",)
    g = _stock_globals(generous)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(mod.code, g)  # noqa: S102 - the stock RestrictedPython baseline
            value = eval(cl.code, g)
    except Exception as exc:  # noqa: BLE001 - we record the failure kind
        return ("exception", type(exc).__name__)
    return ("ok", json.dumps(encode(value)))


def stock_compatibility(ordinary: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """How many ordinary programs stock RestrictedPython runs with the trusted result."""
    out: dict[str, Any] = {"programs": len(ordinary)}
    for generous in (False, True):
        same, broken = 0, []
        for name, (source, call) in ordinary.items():
            frame, _ = _run_child(source, call, "trusted")
            expected = (("ok", json.dumps(frame["return"])) if frame["outcome"] == "ok"
                        else ("exception", frame["error"]["type"]))
            if _stock_outcome(source, call, generous) == expected:
                same += 1
            else:
                broken.append(name)
        key = "safe_globals" if not generous else "safe+limited+utility_builtins+import"
        out[key] = {"identical": same, "broken": broken}
    return out


def test_stock_restrictedpython_breaks_ordinary_programs(policy_programs):
    ordinary = policy_programs["ORDINARY"]
    stats = stock_compatibility(ordinary)
    print(json.dumps({k: (v if k == "programs" else {"identical": v["identical"], "broken": len(v["broken"])})
                      for k, v in stats.items()}))
    assert stats["safe_globals"]["identical"] < len(ordinary)
    assert stats["safe+limited+utility_builtins+import"]["identical"] < len(ordinary)


if __name__ == "__main__":  # python tests/engine_trace/test_engine_trace_policy.py -> the figures for the docs
    import runpy

    corpus = runpy.run_path(str(Path(__file__).with_name("policy_programs.py")))["ORDINARY"]
    print(json.dumps(stock_compatibility(corpus), indent=1))
