"""verl and TRL adapters (loaded by path, as those trainers do) share execgym's scorer.

The installed hook files are loaded (execgym/training/hookfiles); agents/ has thin loaders for them."""

from __future__ import annotations

import json

import pytest
from agents_testlib import REPO, load_by_path

WRONG = "<answer>\nassert f(0) == 'definitely not it'\n</answer>"


@pytest.fixture(scope="module")
def verl():
    return load_by_path(REPO / "execgym" / "training" / "hookfiles" / "verl_reward.py", "execgym_verl_reward")


@pytest.fixture(scope="module")
def trl():
    return load_by_path(REPO / "execgym" / "training" / "hookfiles" / "trl_reward.py", "execgym_trl_reward")


def test_verl_odd_inputs_score_zero_with_same_keys(verl):
    results = [
        verl.compute_score("execgym/ExecIO-v0", "text", None),
        verl.compute_score("execgym/ExecIO-v0", "text", "not json", extra_info={"index": 1}),
        verl.compute_score("execgym/ExecIO-v0", None, '{"env": "ExecIO-v0", "level": 1, "seed": 1}'),
        verl.compute_score(data_source=None, solution_str="x", ground_truth={"no": "env"}, extra_info=None),
    ]
    keys = set(results[0])
    for r in results:
        assert set(r) == keys and r["score"] == 0.0 and r["invalid"] == 1.0
        assert all(isinstance(v, float) for v in r.values())


def test_trl_odd_inputs(trl):
    assert trl.execgym_reward(prompts=["p"], completions=["c"]) == [0.0]  # no spec column
    assert trl.execgym_reward(prompts=["p", "p"], completions=["c", None], spec=["[]", "{}"]) == [0.0, 0.0]
    assert trl.execgym_reward(prompts=[], completions=[], spec=[]) == []


@pytest.mark.parametrize("env", ["ExecIO-v0", "ExecOI-v0", "UnitTest-v0"])
def test_verl_gold_vs_wrong(verl, real_task, env):
    task = real_task(env)
    spec = json.dumps(task.spec)
    gold = verl.compute_score(f"execgym/{env}", task.gold_response(), spec, extra_info={"index": 0})
    assert (
        gold["acc"] == 1.0 and gold["score"] > 0 and gold["outcome_correct"] == 1.0 and gold["invalid"] == 0.0
    )
    wrong = verl.compute_score(f"execgym/{env}", WRONG, spec)
    assert wrong["score"] == 0.0 and wrong["outcome_correct"] == 0.0
    # ground truth carried in extra_info only, as some verl data pipelines do
    assert verl.compute_score(None, task.gold_response(), None, extra_info={"spec": spec})["acc"] == 1.0


def test_trl_gold_vs_wrong_strings_and_messages(trl, real_task):
    task = real_task("ExecIO-v0")
    spec = json.dumps(task.spec)
    gold = task.gold_response()
    rewards = trl.execgym_reward(
        prompts=[[{"role": "user", "content": task.prompt}]] * 3,
        completions=[
            gold,
            [{"role": "assistant", "content": gold}],
            [{"role": "assistant", "content": WRONG}],
        ],
        spec=[spec] * 3,
        trainer_state=None,  # TRL passes extra kwargs; they must be ignored
    )
    assert rewards[0] == rewards[1] > 0 and rewards[2] == 0.0


def test_trl_script_rows_score_with_the_reward(trl, real_task):
    real_task("ExecIO-v0")
    script = load_by_path(REPO / "agents" / "trl" / "grpo_execgym.py", "execgym_trl_script")
    rows = script.build_rows("ExecIO-v0", [1, 2], 3, 0, {"whitebox": False})
    assert [json.loads(r["spec"])["level"] for r in rows] == [1, 2, 1]
    assert rows == script.build_rows("ExecIO-v0", [1, 2], 3, 0, {"whitebox": False})  # deterministic
    import execgym

    golds = [execgym.make_task(r["spec"]).gold_response() for r in rows]
    rewards = trl.execgym_reward(
        prompts=[r["prompt"] for r in rows], completions=golds, spec=[r["spec"] for r in rows]
    )
    assert rewards == [1.0, 1.0, 1.0]
    assert script.parse_levels("1-3,5") == [1, 2, 3, 5]
