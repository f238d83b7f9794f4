"""Issue 10 item 2: escapes of the restricted policy (table in ``policy_escapes.py``).

Every program of ``ESCAPES`` must end ``policy_violation``; each ran (most reached real builtins or
a library's private code) under the policy before the ownership rules. The programs run in a plain
subprocess (never in the test process), all at once, and are then checked one by one.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPUS = runpy.run_path(str(HERE / "policy_escapes.py"))
ESCAPES: dict[str, tuple[str, str]] = CORPUS["ESCAPES"]
CONTAINED: dict[str, tuple[str, str, str]] = CORPUS["CONTAINED"]

RUNNER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from execgym.engine.child import execute
corpus = json.load(sys.stdin)
print(json.dumps({name: execute({"source": src, "call": call, "policy": "restricted"})
                  for name, (src, call) in corpus.items()}))
"""


def _run_all(corpus: dict[str, tuple[str, str]]) -> dict[str, dict]:
    proc = subprocess.run(
        check=False,
        args=[sys.executable, "-c", RUNNER, str(REPO)],
        input=json.dumps(corpus),
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/tmp",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def escape_frames() -> dict[str, dict]:
    return _run_all(ESCAPES)


def test_the_table_is_large_enough():
    assert len(ESCAPES) >= 50


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_is_a_policy_violation(escape_frames, name):
    frame = escape_frames[name]
    assert frame["outcome"] == "policy_violation", frame
    assert frame["error"]["type"] == "PolicyViolation" and frame["error"]["message"]
    assert frame["return"] is None


def test_contained_programs_do_not_leak():
    frames = _run_all({n: (s, c) for n, (s, c, _leak) in CONTAINED.items()})
    for name, (_s, _c, leak) in CONTAINED.items():
        assert leak not in json.dumps(frames[name]), (name, frames[name])


def _one(source: str, call: str = "f()") -> dict:
    return _run_all({"p": (source, call)})["p"]


def test_type_is_a_guarded_stand_in():
    frame = _one("def f():\n    return type(int)('X', (), {})\n")
    assert frame["outcome"] == "policy_violation"
    assert "type() takes one argument" in frame["error"]["message"]
    frame = _one(
        "def f():\n    return [isinstance(int, type), type(int) is type, repr(type(int)), type(3).__name__]\n"
    )
    assert frame == {
        "outcome": "ok",
        "return": {"$list": [True, True, "<class 'type'>", "int"]},
        "error": None,
    }


def test_messages_name_the_library_owner():
    src = "import random\nclass R(random.Random):\n    pass\n\ndef f():\n    return super(R, R(1))._randbelow(3)\n"
    frame = _one(src)
    assert frame["error"]["message"] == 'attribute "_randbelow" is private to Random (library code)'
    assert frame["error"]["line"] == 6


def test_a_caught_violation_still_counts():
    src = (
        "import random\nclass R(random.Random):\n    pass\n\ndef f():\n    try:\n"
        "        return super(R, R(1))._randbelow(3)\n    except BaseException:\n        return 'caught'\n"
    )
    assert _one(src)["outcome"] == "policy_violation"


def test_base_classes_with_a_foreign_metaclass_are_refused():
    """A metaclass the program made some other way (here: by the test, with the real ``type``)
    cannot become the metaclass of a program class: only the allowed modules' metaclasses can."""
    from execgym.engine.policy import PolicyViolation, RestrictedPolicy

    meta = type("Meta", (type,), {})
    foreign = meta("Foreign", (), {})
    guard = RestrictedPolicy()
    code = guard.compile_module("class A(Foreign):\n    pass\n", "<source>").code
    namespace = {**guard.globals(), "Foreign": foreign}
    with pytest.raises(PolicyViolation, match="metaclass Meta is not allowed"):
        exec(code, namespace)  # noqa: S102 - a harmless class statement under the policy
    code = guard.compile_module("import enum\nclass E(enum.Enum):\n    A = 1\n", "<source>").code
    exec(code, namespace := {**guard.globals()})  # noqa: S102
    assert guard.own.is_program_class(namespace["E"])


COMPAT_RUNNER = r"""
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
from execgym.engine.child import execute
items = json.load(sys.stdin)
def run(src, call, policy):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        frame = execute({"source": src, "call": call, "policy": policy})
    return frame, buf.getvalue()
out = {}
for name, (src, call) in items.items():
    trusted, restricted = run(src, call, "trusted"), run(src, call, "restricted")
    out[name] = [trusted == restricted, restricted[0]["outcome"],
                 (restricted[0].get("error") or {}).get("message", "")[:160]]
print(json.dumps(out))
"""


def compatibility(items: dict[str, tuple[str, str]], code_root: Path = REPO) -> dict:
    """How many (source, call) items give identical frames and stdout under both policies
    (run with the ``execgym`` found in ``code_root``, in a subprocess)."""
    proc = subprocess.run(
        check=False,
        args=[sys.executable, "-c", COMPAT_RUNNER, str(code_root)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=3600,
        cwd="/tmp",
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    differ = {n: r[1:] for n, r in rows.items() if not r[0]}
    return {"items": len(rows), "identical": len(rows) - len(differ), "differ": differ}


if (
    __name__ == "__main__"
):  # python tests/engine_trace/test_engine_policy_escapes.py CRUXEVAL.jsonl [CODE_ROOT]
    import argparse

    ap = argparse.ArgumentParser(
        description="restricted-vs-trusted compatibility on a CRUXEval jsonl file "
        "(code/input per line) and the escape table"
    )
    ap.add_argument("cruxeval", type=Path)
    ap.add_argument("code_root", type=Path, nargs="?", default=REPO)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.cruxeval.read_text().splitlines() if line.strip()]
    report = compatibility({r["id"]: (r["code"], f"f({r['input']})") for r in rows}, args.code_root)
    frames = subprocess.run(
        check=True,
        args=[sys.executable, "-c", RUNNER, str(args.code_root)],
        input=json.dumps(ESCAPES),
        capture_output=True,
        text=True,
        cwd="/tmp",
    ).stdout
    esc = json.loads(frames.strip().splitlines()[-1])
    report["escapes"] = {
        "programs": len(esc),
        "policy_violation": sum(f["outcome"] == "policy_violation" for f in esc.values()),
    }
    print(json.dumps(report, indent=1))


ESCAPING_ANSWER = """
import functools
import typing

def add(a, b):
    cls = type(typing.get_args(typing.List["x"])[0])
    w = functools.lru_cache(cls)
    expr = "__import__('os').getpid() * 0 + " + str(a) + " + " + str(b)
    return w._evaluate(cls(expr), {}, {}, frozenset())
"""


def test_unittest_answer_using_an_escape_earns_nothing(tmp_path):
    """Through ``execgym.tasks.score`` (the real sandbox): the answer computes every expected value
    with real builtins (``os`` reached); before the ownership rules it scored 1.0."""
    from execgym.tasks import load_user_tasks, score

    row = {
        "prompt": "Add two numbers.",
        "entry_point": "add",
        "tests": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"],
        "solution": "def add(a, b):\n    return a + b\n",
    }
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    spec = load_user_tasks(path, options={"timeout": 2.0})[0]
    s = score(spec, "<answer>\n```python\n" + ESCAPING_ANSWER + "\n```\n</answer>")
    assert s.reward == 0.0 and s.outcome == "wrong", s
    assert "policy_violation" in s.reason and "lru_cache" in s.reason, s.reason
