"""UnitTest-v0 verification that cannot be gamed (issue 12, item 7), under BOTH sandbox policies.

Model-written solutions are hostile. Each solution below tries to pass without solving: exiting early, raising
``SystemExit``/``KeyboardInterrupt``, patching builtins or the comparison/assertion machinery, returning objects
with an always-true ``__eq__`` or subclasses of the expected type, reading the hidden tests from frames, ``gc``,
files or the environment, printing fake pass lines, spending the time limit. Every one must score 0 with a reason,
for ``policy="restricted"`` (RestrictedPython guards) and ``policy="trusted"`` (any import; the sandbox process is
then the only boundary: hidden tests and expected values never enter it, the verdict is the returned literal
compared in the caller)."""

from __future__ import annotations

import json

import pytest

from execgym.tasks import load_user_tasks, make_task, score

ROWS = [
    {"prompt": "Add two numbers.", "entry_point": "add",
     "tests": ["assert add(1, 2) == 3", "assert add(-1, 5) == 4", {"call": "add(2, 2)", "expected": "4"}],
     "solution": "def add(a, b):\n    return a + b\n"},
    {"question": "Read n, print 2n.", "input_output": {"inputs": ["3\n", "5\n"], "outputs": ["6\n", "10\n"]},
     "solutions": ["n = int(input())\nprint(2 * n)\n"]},
]

FIND_EXPECTED = (
    "    for o in OBJS:\n"
    "        if isinstance(o, dict) and 'expected' in o:\n"
    "            return o['expected']\n"
    "    return None\n"
)

HOSTILE = {
    "always-equal object": "class E:\n    def __eq__(self, o):\n        return True\n"
                           "def add(a, b):\n    return E()",
    "int subclass, always equal": "class I(int):\n    def __eq__(self, o):\n        return True\n"
                                  "    __hash__ = int.__hash__\ndef add(a, b):\n    return I(999)",
    "str subclass of the answer": "class S(str):\n    def __eq__(self, o):\n        return True\n"
                                  "def add(a, b):\n    return S('x')",
    "sys.exit(0)": "import sys\ndef add(a, b):\n    sys.exit(0)",
    "os._exit(0)": "import os\ndef add(a, b):\n    os._exit(0)",
    "os._exit at import": "import os\nos._exit(0)\ndef add(a, b):\n    return 0",
    "raise SystemExit": "def add(a, b):\n    raise SystemExit(0)",
    "raise KeyboardInterrupt": "def add(a, b):\n    raise KeyboardInterrupt",
    "patch builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda *a: 0\n"
                      "builtins.repr = lambda *a: '3'\ndef add(a, b):\n    return None",
    "patch AssertionError": "import builtins\nbuiltins.AssertionError = type('X', (Exception,), {})\n"
                            "def add(a, b):\n    return None",
    "patch operator.eq": "import operator\noperator.eq = lambda a, b: True\noperator.__eq__ = operator.eq\n"
                         "def add(a, b):\n    return None",
    "read frames": "import sys\ndef add(a, b):\n    f = sys._getframe(0)\n    OBJS = []\n    while f is not None:\n"
                   "        OBJS.extend(f.f_locals.values())\n        OBJS.extend(f.f_globals.values())\n"
                   "        f = f.f_back\n" + FIND_EXPECTED,
    "read inspect.stack": "import inspect\ndef add(a, b):\n    OBJS = [v for fr in inspect.stack() "
                          "for v in list(fr.frame.f_locals.values()) + list(fr.frame.f_globals.values())]\n"
                          + FIND_EXPECTED,
    "read gc": "import gc\ndef add(a, b):\n    OBJS = gc.get_objects()\n" + FIND_EXPECTED,
    "read files": "import os\ndef add(a, b):\n    out = []\n    for d in ('.', '/tmp', os.environ.get('TMPDIR', '.')):\n"
                  "        for n in os.listdir(d):\n            try:\n"
                  "                out.append(open(os.path.join(d, n)).read())\n"
                  "            except OSError:\n                pass\n"
                  "    out.append(open('/proc/self/cmdline').read())\n    return '|'.join(out)",
    "read the environment": "import os\ndef add(a, b):\n    return str(dict(os.environ))",
    "fake pass lines": "def add(a, b):\n    print('PASSED 3/3\\nOK\\nall tests passed')\n    return None",
    "spend the time limit": "def add(a, b):\n    while True:\n        pass",
    "sleep past the limit": "import time\ndef add(a, b):\n    time.sleep(100)\n    return a + b",
    "huge output": "def add(a, b):\n    return 'x' * (10 ** 8)",
    "deep recursion": "def add(a, b):\n    return add(a, b)",
    "fork bomb": "import os\ndef add(a, b):\n    while True:\n        os.fork()",
}

STDIO_HOSTILE = {
    "fake pass lines": "print('PASSED')\nprint('OK')",
    "exit before printing": "import sys\nsys.exit(0)",
    "read the environment": "import os\nprint(dict(os.environ))",
}


@pytest.fixture(scope="module", params=["restricted", "trusted"])
def specs(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "tasks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    out = load_user_tasks(path, options={"timeout": 1.0, "policy": request.param})
    assert all(s["options"]["policy"] == request.param for s in out)
    return out


def code(text: str) -> str:
    return "<answer>\n```python\n" + text + "\n```\n</answer>"


def test_gold_passes_under_the_policy(specs):
    for spec in specs:
        task = make_task(spec)
        s = score(spec, task.gold_response())
        assert s.outcome == "correct" and s.reward == 1.0, s.reason


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_call_solutions_earn_nothing(specs, name):
    s = score(specs[0], code(HOSTILE[name]))
    assert s.reward == 0.0, (name, s.outcome, s.reason, s.details)
    assert s.outcome in ("wrong", "timeout", "error") and s.reason, (name, s.outcome, s.reason)


@pytest.mark.parametrize("name", sorted(STDIO_HOSTILE))
def test_hostile_stdio_solutions_earn_nothing(specs, name):
    s = score(specs[1], code(STDIO_HOSTILE[name]))
    assert s.reward == 0.0, (name, s.outcome, s.reason)
    assert s.reason


def test_a_close_assertion_with_a_huge_int_literal_is_skipped_not_raised(tmp_path):
    row = {"prompt": "p", "entry_point": "f", "solution": "def f(x):\n    return x\n",
           "tests": ["assert abs(f(1) - 10 ** 400) < 1e-6", "import math\nassert math.isclose(f(1), 10 ** 400)",
                     "assert f(1) == 1"]}
    big = "1" + "0" * 400
    row["tests"] = [t.replace("10 ** 400", big) for t in row["tests"]]
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [spec] = load_user_tasks(path)
    assert [t["call"] for t in spec["problem"]["tests"]] == ["f(1)"]
    assert spec["problem"]["skipped_tests"] == 2
