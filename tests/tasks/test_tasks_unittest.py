"""UnitTest-v0: user JSONL formats, hostile solutions (real restricted sandbox), repair episodes."""

from __future__ import annotations

import json

import pytest

from execgym.tasks import load_user_tasks, make_task, score, score_batch

ROWS = [
    {"prompt": "Add two numbers.", "entry_point": "add",
     "tests": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", {"call": "add(2, 2)", "expected": "4"}],
     "solution": "def add(a, b):\n    return a + b\n"},
    {"text": "Remove all occurrences of a character.", "test_list": [
        'assert remove_Occ("hello","l") == "heo"', 'assert remove_Occ("abcda","a") == "bcd"',
        'assert remove_Occ("PHP","P") == "H"'],
     "code": "def remove_Occ(s, ch):\n    return s.replace(ch, '')\n"},
    {"prompt": "def inc(x):\n    \"\"\"Add one.\"\"\"\n", "entry_point": "inc", "canonical_solution": "    return x + 1\n",
     "test": "METADATA = {}\n\ndef check(candidate):\n    assert candidate(1) == 2\n"
             "    assert abs(candidate(0.5) - 1.5) < 1e-6\n    assert candidate(-1) == 0\n"
             "    for x in range(3):\n        assert candidate(x) == x + 1\n"},
    {"question": "Sum a list.", "input_output": json.dumps(
        {"fn_name": "total", "inputs": [[[1, 2]], [[5]], [[]]], "outputs": [[3], 5, [0]]}),
     "solutions": json.dumps(["def total(xs):\n    return sum(xs)\n"])},
    {"question": "Read n, print 2n.", "input_output": {"inputs": ["3\n", "5\n"], "outputs": ["6\n", "10\n"]},
     "solutions": ["n = int(input())\nprint(2 * n)\n"]},
]


@pytest.fixture(scope="module")
def user_specs(tmp_path_factory):
    path = tmp_path_factory.mktemp("ut") / "tasks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    return load_user_tasks(path, options={"timeout": 1.0})


def code(text: str) -> str:
    return "Here is my solution.\n<answer>\n```python\n" + text + "\n```\n</answer>"


def test_user_formats_load_and_gold_passes(user_specs):
    assert [s["problem"]["entry"] for s in user_specs] == ["add", "remove_Occ", "inc", "total", "main"]
    he = user_specs[2]["problem"]
    assert len(he["tests"]) == 3 and he["skipped_tests"] == 1  # the loop assert cannot be made static
    assert he["tests"][1]["check"] == "close"
    for spec in user_specs:
        task = make_task(spec)
        s = score(spec, task.gold_response())
        assert s.outcome == "correct" and s.reward == 1.0, (spec["problem"]["entry"], s.reason)


def test_expected_values_not_in_prompt(user_specs):
    task = make_task(user_specs[0])
    assert "add(1, 2)" not in task.prompt and "== 3" not in task.prompt


def test_partial_credit_is_fraction(user_specs):
    s = score(user_specs[0], code("def add(a, b):\n    return 3 if a == 1 else a + b + 1"))
    assert s.outcome == "partial" and s.reward == pytest.approx(1 / 3)
    assert sum(d["correct"] for d in s.details) == 1


HOSTILE = {
    "always-equal object": "class E:\n    def __eq__(self, o):\n        return True\n"
                           "def add(a, b):\n    return E()",
    "int subclass": "class I(int):\n    def __eq__(self, o):\n        return True\n"
                    "def add(a, b):\n    return I(999)",
    "sys.exit": "import sys\ndef add(a, b):\n    sys.exit(0)",
    "SystemExit": "def add(a, b):\n    raise SystemExit(0)",
    "os._exit": "import os\ndef add(a, b):\n    os._exit(0)",
    "exit at import": "import os\nos._exit(0)\ndef add(a, b):\n    return 0",
    "read tests": "import gc\ndef add(a, b):\n    for o in gc.get_objects():\n        if isinstance(o, dict) and 'expected' in o:\n"
                  "            return o['expected']\n    return None",
    "read files": "def add(a, b):\n    return open('/proc/self/cmdline').read()",
    "monkeypatch builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda *a: 0\n"
                            "def add(a, b):\n    return None",
    "infinite loop": "def add(a, b):\n    while True:\n        pass",
    "huge output": "def add(a, b):\n    return 'x' * (10 ** 8)",
    "deep recursion": "def add(a, b):\n    return add(a, b)",
    "fork bomb": "import os\ndef add(a, b):\n    while True:\n        os.fork()",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_solutions_earn_nothing(user_specs, name):
    s = score(user_specs[0], code(HOSTILE[name]))
    assert s.reward == 0.0, (name, s.reason)
    assert s.outcome in ("wrong", "timeout", "error") and s.reason


def test_nan_and_type_strictness(user_specs):
    assert score(user_specs[0], code("def add(a, b):\n    return float(a + b)")).reward == 0.0
    assert score(user_specs[0], code("def add(a, b):\n    return [a + b]")).reward == 0.0


def test_apps_wrapped_output_and_stdio(user_specs):
    assert score(user_specs[3], code("def total(xs):\n    return [sum(xs)]")).reward == pytest.approx(2 / 3)
    assert score(user_specs[4], code("print(2 * int(input()))")).reward == 1.0
    assert score(user_specs[4], code("print(2 * int(input()) + 1)")).reward == 0.0


def test_code_that_does_not_define_entry(user_specs):
    s = score(user_specs[0], code("def plus(a, b):\n    return a + b"))
    assert s.reward == 0.0 and "does not define" in s.reason
    s = score(user_specs[0], code("def add(a, b) return"))
    assert s.reward == 0.0 and "does not parse" in s.reason
    assert score(user_specs[0], "def add(a, b): return a + b").outcome == "format_error"


def test_repair_episode(user_specs):
    """Feedback reveals only feedback-pool tests; the reward is the change of the final-pool pass rate."""
    import ast

    spec = dict(user_specs[0], options=dict(user_specs[0]["options"], max_turns=4))
    task = make_task(spec)
    final, feedback = task.tests, task.feedback_tests
    assert len(final) == 2 and len(feedback) == 1 and final[0] not in feedback  # 3 hidden tests, no visible
    ep = task.episode()
    assert ep.observation == task.prompt
    obs, r1, done, info = ep.step(code("def add(a, b):\n    return -5"))
    assert not done and r1 == 0.0 and info["outcome"] == "wrong" and info["feedback_pass_rate"] == 0.0
    assert "A failing test" in obs and f"input: `{feedback[0]['call']}`" in obs
    assert f"expected: {feedback[0]['expected']}" in obs and "actual: -5" in obs
    assert not any(t["call"] in obs for t in final)
    args = ast.literal_eval("(" + final[0]["call"][4:-1] + ",)")  # right on exactly one final-pool test
    obs, r2, done, info = ep.step(code(f"def add(a, b):\n    return a + b if (a, b) == {args!r} else -5"))
    assert not done and r2 == pytest.approx(0.5) and info["pass_rate"] == pytest.approx(0.5)
    obs, r3, done, info = ep.step("no code at all")
    assert not done and r3 == pytest.approx(-0.5) and info["outcome"] == "format_error"
    assert "expected:" not in obs  # no test is revealed when the code never ran
    obs, r4, done, info = ep.step(task.gold_response())
    assert done and info["outcome"] == "correct" and r1 + r2 + r3 + r4 == pytest.approx(1.0)


def test_builtin_task_from_synth():
    task = make_task({"env": "UnitTest-v0", "level": 3, "seed": 7})
    problem = task.spec["problem"]
    assert problem["origin"] == "builtin" and problem["tests"] and problem["visible"]
    assert "Examples" in task.prompt and f"def {problem['entry']}(" in task.prompt
    for t in problem["tests"]:  # hidden expected values are not shown
        assert t["call"] not in task.prompt
    s = score(task.spec, task.gold_response())
    assert s.outcome == "correct", s.reason
    batch = score_batch([task.spec] * 2, [task.gold_response(), code("def nothing():\n    pass")])
    assert [b.outcome for b in batch] == ["correct", "wrong"]


@pytest.mark.parametrize(
    "response",
    ["", None, b"\xff\xfe", "x" * 2_000_000, "<answer>\n```python\n\x00\n```\n</answer>",
     "<answer>\n```python\n" + "(" * 10_000 + "\n```\n</answer>", "<answer>```python</answer>",
     "<answer>\n```python\ndef add(a, b):\n    return a + b\n" + "#" * 200_000 + "\n```\n</answer>",
     "<answer>\n" + "```python\n" * 1000 + "</answer>"],
)
def test_adversarial_code_responses_never_raise(user_specs, response):
    s = score(user_specs[0], response)
    assert s.reward == 0.0 and s.reason and s.outcome in ("wrong", "format_error", "error", "timeout")


@pytest.mark.parametrize("level", [1, 2, 4, 7])
def test_builtin_tasks_do_not_reward_a_constant_function(level):
    """A function that returns the hidden tests' most common output must not earn the task: built-in
    tasks keep at most half of the hidden tests on one output."""
    from collections import Counter

    for seed in range(4):
        task = make_task({"env": "UnitTest-v0", "level": level, "seed": seed})
        problem = task.spec["problem"]
        common, _ = Counter(t["expected"] for t in problem["tests"]).most_common(1)[0]
        response = (f"<answer>\n```python\ndef {problem['entry']}(*args):\n    return {common}\n```\n</answer>")
        result = score(task.spec, response)
        assert result.reward <= 0.5, (level, seed, result.reason)
        assert result.outcome != "correct"
        assert score(task.spec, task.gold_response()).outcome == "correct"
