"""Contract tests per environment and level: gold earns the top reward, wrong earns 0, malformed is
format_error, the observation is the task's prompt and the spec alone rescores the answer."""

from __future__ import annotations

import ast
import json

import gymnasium as gym
import pytest
from gymtest_helpers import ENV_NAMES

import execgym

LEVELS = (1, 4, 6, 8)


def wrong_response(env, spec: dict) -> str:
    """A well-formed answer that is wrong for this task (built from the spec's ground truth)."""
    name = spec["env"]
    gold = env.unwrapped.gold_response()
    if name == "ExecNext-v0":
        lines = ["1" if q["answer"] == -1 else "-1" for q in spec["questions"]]
        return "<answer>\n" + "\n".join(lines) + "\n</answer>"
    if name == "ExecVar-v0":
        lines = ["123456789; int" if q.get("value") is None else "Nil" for q in spec["questions"]]
        return "<answer>\n" + "\n".join(lines) + "\n</answer>"
    if name == "ExecIO-v0":
        # a wrong output with the (right) white-box answers after it: the white-box part is gated on the output
        block = gold.rsplit("<answer>", 1)[1].split("</answer>", 1)[0].strip().splitlines()
        first = f"assert {spec['program']['call']} == '__execgym_wrong_output__'"
        return "<answer>\n" + "\n".join([first, *block[1:]]) + "\n</answer>"
    if name == "ExecOI-v0":
        call = ast.parse(spec["program"]["call"], mode="eval").body
        args = ", ".join("None" for _ in call.args)
        return f"<answer>\nassert {spec['program']['entry']}({args}) == {spec['output']}\n</answer>"
    if name == "UnitTest-v0":
        entry = spec["problem"]["entry"]
        return f"<answer>\n```python\ndef {entry}(*args, **kwargs):\n    return None\n```\n</answer>"
    if name == "ExecAudit-v0":
        return f"<answer>\nassert {spec['problem']['witness']['call']} == '__execgym_wrong_output__'\n</answer>"
    raise AssertionError(name)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", ENV_NAMES)
def test_gold_wrong_malformed(name, level):
    env = gym.make(f"execgym/{name}", level=level)
    seed = 1000 + level
    obs, info = env.reset(seed=seed)
    spec = info["task"]
    assert spec["env"] == name and spec["level"] == level and spec["seed"] == seed
    json.dumps(spec)  # JSON-able
    task = execgym.make_task(json.dumps(spec))
    assert task.prompt == obs
    gold = env.unwrapped.gold_response()
    assert gold == task.gold_response()

    _, reward, terminated, truncated, info = env.step(gold)
    assert terminated and not truncated
    assert info["outcome"] == "correct", info["reward_reason"]
    assert reward == info["score"]["max_reward"] == task.max_reward > 0
    assert info["episode"]["passed"] is True
    rescored = execgym.score(json.dumps(spec), gold)
    assert rescored.reward == reward and rescored.outcome == "correct"

    env.reset(seed=seed)
    wrong = wrong_response(env, spec)
    _, reward, terminated, _, info = env.step(wrong)
    assert terminated and reward == 0.0 and info["outcome"] == "wrong", info["reward_reason"]
    assert execgym.score(spec, wrong).reward == 0.0

    env.reset(seed=seed)
    _, reward, terminated, _, info = env.step("The answer is obviously 42, no tags needed.")
    assert terminated and reward == 0.0 and info["outcome"] == "format_error", info["reward_reason"]
    env.close()


@pytest.mark.parametrize("name", ["ExecNext-v0", "ExecVar-v0"])
@pytest.mark.parametrize("level", [1, 4, 6])
def test_stepwise_walks_the_trace_with_a_reward_per_step(name, level):
    env = gym.make(f"execgym/{name}", level=level, mode="stepwise")
    obs, info = env.reset(seed=77)
    n_questions = len(info["task"]["questions"])
    assert n_questions >= 1
    rewards, steps, terminated = [], 0, False
    while not terminated:
        assert isinstance(obs, str) and obs
        obs, reward, terminated, _truncated, info = env.step(env.unwrapped.gold_response())
        assert info["outcome"] == "correct", info["reward_reason"]
        rewards.append(reward)
        steps += 1
        assert steps <= n_questions
    assert steps == n_questions and all(r > 0 for r in rewards)
    assert info["episode"] == {
        "return": sum(rewards),
        "turns": steps,
        "passed": True,
        "outcomes": ["correct"] * steps,
    }
    # a wrong step earns 0 and the episode goes on
    env.reset(seed=77)
    _, reward, terminated, _, info = env.step(
        "<answer>\nNil\n</answer>" if name == "ExecNext-v0" else "<answer>\n-99\n</answer>"
    )
    assert reward == 0.0 and info["outcome"] in ("wrong", "format_error")
    assert terminated == (n_questions == 1)
    env.close()


def test_unittest_repair_episode_shows_a_failing_test_then_accepts_a_fix():
    env = gym.make("execgym/UnitTest-v0", level=2, max_turns=3)
    obs, info = env.reset(seed=5)
    spec = info["task"]
    obs, reward, terminated, _, info = env.step(wrong_response(env, spec))
    assert not terminated and reward == 0.0 and info["outcome"] == "wrong"
    assert obs and obs != ""  # the repair prompt with one failing test
    obs, reward, terminated, _, info = env.step(env.unwrapped.gold_response())
    assert terminated and info["outcome"] == "correct" and info["episode"]["passed"] is True
    assert info["episode"]["turns"] == 2
    env.close()


def test_execio_reward_scales():
    for reward_kind, top in (("default", 1.0), ("execverify", 2.0)):
        env = gym.make("execgym/ExecIO-v0", level=3, reward=reward_kind)
        env.reset(seed=3)
        _, reward, *_ = env.step(env.unwrapped.gold_response())
        assert reward == top
        env.close()


def test_unittest_user_tasks_from_jsonl(tmp_path):
    rows = [
        {
            "prompt": "Return the sum of a and b.",
            "entry_point": "add",
            "tests": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"],
            "solution": "def add(a, b):\n    return a + b\n",
        },
        {
            "text": "Reverse a string.",
            "test_list": ["assert rev('ab') == 'ba'", "assert rev('') == ''"],
            "code": "def rev(s):\n    return s[::-1]\n",
        },
    ]
    path = tmp_path / "user.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    env = gym.make("execgym/UnitTest-v0", tasks_path=str(path))
    seen = set()
    for seed in (0, 1, 2):
        obs, info = env.reset(seed=seed)
        entry = info["task"]["problem"]["entry"]
        seen.add(entry)
        assert entry in obs and entry == ("add", "rev")[seed % 2]
        code = {"add": rows[0]["solution"], "rev": rows[1]["code"]}[entry]
        _, reward, terminated, _, info = env.step(f"<answer>\n```python\n{code}```\n</answer>")
        assert terminated and reward == 1.0 and info["outcome"] == "correct", info["reward_reason"]
    env.reset(seed=0)
    _, reward, *_, info = env.step("<answer>\n```python\ndef add(a, b):\n    return a - b\n```\n</answer>")
    assert info["outcome"] in ("partial", "wrong") and reward < 1.0
    assert seen == {"add", "rev"}
    env.close()
    with pytest.raises((ValueError, OSError)):
        gym.make("execgym/UnitTest-v0", tasks_path=str(tmp_path / "missing.jsonl"))
