"""ExecAudit-v0 (FixAudit's Auditor): one literal assertion that passes on the reference and fails on a faulty
candidate; both run in the real sandbox, values compared as literals in the caller."""

from __future__ import annotations

import ast
import difflib
import json
import subprocess
import sys

import pytest

from execgym.tasks import make_task, score

SPEC = {"env": "ExecAudit-v0", "level": 3, "seed": 0}
REF = "def f(xs, t):\n    if not xs:\n        return -1\n    return sum(x for x in xs if x > t)\n"
CAND = "def f(xs, t):\n    if not xs:\n        return -1\n    return sum(x for x in xs if x >= t)\n"


def answer(line: str) -> str:
    return f"My test.\n<answer>\n{line}\n</answer>"


def hand_task(**over):
    problem = {
        "origin": "user",
        "entry": "f",
        "statement": "Sum the elements above t; -1 for an empty list.",
        "solution": REF,
        "candidate": CAND,
        "description": "line 4: comparison > -> >=",
        "witness": {"call": "f([1, 2, 3], 2)", "expected": "3"},
    }
    problem.update(over)
    return make_task(
        {"env": "ExecAudit-v0", "version": 1, "level": 0, "seed": 0, "options": {}, "problem": problem}
    )


@pytest.fixture(scope="module")
def task():
    return make_task(SPEC)


def test_observation_shows_reference_and_candidate(task):
    p = task.problem
    assert p["candidate"] != p["solution"]
    assert ast.unparse(ast.parse(p["solution"])) in task.prompt and p["candidate"].rstrip() in task.prompt
    assert p["description"] not in task.prompt
    # the specification is stated as such: no request to write the function
    assert task.prompt.startswith("The function under test has this signature:")
    assert "Write a Python function" not in task.prompt and "Write the complete Python function" not in task.prompt
    # reference and candidate are shown in one layout, so they differ only where the fault is
    ref = ast.unparse(ast.parse(p["solution"])).splitlines()
    cand = p["candidate"].rstrip().splitlines()
    changed = [d for d in difflib.ndiff(ref, cand) if d[:1] in "+-"]
    assert ref != cand and len(changed) <= 6, changed


def test_gold_and_wrong_and_format(task):
    gold = score(task.spec, task.gold_response())
    assert gold.reward == 1.0 and gold.outcome == "correct" and "candidate" in gold.reason
    w = task.problem["witness"]
    wrong = score(task.spec, answer(f"assert {w['call']} == ('not', 'the', 'output')"))
    assert wrong.reward == 0.0 and wrong.outcome == "wrong" and "fails on the reference" in wrong.reason


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("assert f([1, 2, 3], 1 + 1) == 3", "not a literal"),
        ("assert f(xs, 2) == 3", "not a literal"),
        ("assert f([1, 2, 3], len([1, 2])) == 3", "not a literal"),
        ("assert f(*[[1, 2, 3], 2]) == 3", "starred"),
        ("assert g([1, 2, 3], 2) == 3", "`f`"),
        ("assert f([1, 2, 3], 2) == 1 + 2", "right side"),
        ("assert f([1, 2, 3], 2) != 3", "=="),
        ("f([1, 2, 3], 2) == 3", "assert"),
        ("assert f([1, 2, 3], 2) == (lambda: 3)()", "right side"),
    ],
)
def test_malformed_is_format_error(line, why):
    s = hand_task().score(answer(line))
    assert s.outcome == "format_error" and s.reward == 0.0 and why in s.reason, s.reason


def test_no_answer_block_and_two_lines():
    t = hand_task()
    assert t.score("no block").outcome == "format_error"
    two = t.score(answer("assert f([1, 2, 3], 2) == 3\nassert f([], 0) == -1"))
    assert two.outcome == "format_error" and "1 assertion" in two.reason


def test_rewards_by_case():
    t = hand_task()
    # passes on the reference, fails on the candidate
    s = t.score(answer("assert f([1, 2, 3], 2) == 3"))
    assert (s.reward, s.outcome) == (1.0, "correct") and "candidate returns 5" in s.reason
    # passes on both: does not expose the bug
    s = t.score(answer("assert f([], 0) == -1"))
    assert s.reward == 0.0 and "AND on the candidate" in s.reason
    # fails on the reference (the candidate's value)
    s = t.score(answer("assert f([1, 2, 3], 2) == 5"))
    assert s.reward == 0.0 and "fails on the reference" in s.reason
    # type-strict: 3.0 is not 3
    s = t.score(answer("assert f([1, 2, 3], 2) == 3.0"))
    assert s.reward == 0.0 and "fails on the reference" in s.reason
    # the reference raises
    s = t.score(answer("assert f([1, 'a'], 2) == 3"))
    assert s.reward == 0.0 and "raises" in s.reason


def test_candidate_exception_counts_as_failing():
    t = hand_task(candidate="def f(xs, t):\n    return sum(x for x in xs if x > t) // (t - 2)\n")
    s = t.score(answer("assert f([1, 2, 3], 2) == 3"))
    assert s.reward == 1.0 and "raises" in s.reason


def test_hostile_answer_never_runs_here():
    t = hand_task()
    s = t.score(answer("assert f(__import__('os').system('echo pwned'), 2) == 3"))
    assert s.outcome == "format_error"


def test_reward_reason_in_info(task):
    for response in (task.gold_response(), "junk", answer("assert nope() == 1")):
        _obs, _r, done, info = task.episode().step(response)
        assert done and info["reward_reason"]
        assert json.loads(json.dumps(info))["reward_reason"] == info["reward_reason"]


@pytest.mark.parametrize("level", [1, 2, 4, 6, 8])
def test_levels_follow_program_levels(level):
    t = make_task({"env": "ExecAudit-v0", "level": level, "seed": 1})
    assert t.spec["level"] == level and t.problem["candidate"] != t.problem["solution"]
    assert score(t.spec, t.gold_response()).reward == 1.0


def test_deterministic_in_a_subprocess(task):
    script = (
        "import json, sys\nfrom execgym.tasks import make_task\n"
        f"sys.stdout.write(json.dumps(make_task({SPEC!r}).spec, sort_keys=True))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    assert json.loads(out.stdout) == json.loads(json.dumps(task.spec, sort_keys=True))


def test_gymnasium_env_checker():
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    import execgym  # noqa: F401

    env = gym.make("execgym/ExecAudit-v0", level=2)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert "Candidate implementation" in obs
    _obs, reward, terminated, _truncated, info = env.step(env.unwrapped.gold_response())
    assert reward == 1.0 and terminated and info["reward_reason"]


def test_bad_spec_raises():
    with pytest.raises(ValueError, match="candidate"):
        hand_task(candidate="")
    with pytest.raises(TypeError):
        make_task({"env": "ExecAudit-v0", "level": 1, "seed": 0, "options": {"nope": 1}})
