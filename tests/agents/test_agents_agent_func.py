"""agents/openrlhf/agent_func.py against stand-ins for OpenRLHF 0.11.2's base classes and a fake engine."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from agents_testlib import IM_END, IM_START, FakeEngine, FakeTokenizer, chatml_prompt

from execgym.training.episodes import EpisodeDriver, RewardFolder, detect_template, render_feedback

CHATML_TURN = re.compile(r"<\|im_start\|>(system|user|assistant)\n(.*?)<\|im_end\|>\n?", re.DOTALL)


def _run(coro):
    return asyncio.run(coro)


def _execute(agent_module, prompt, label, policy, max_length=60_000):
    executor = agent_module.AgentExecutor()  # built with no arguments, as OpenRLHF does
    tokenizer = FakeTokenizer()
    engine = FakeEngine(policy, tokenizer)
    result = _run(executor.execute(prompt, label, {"temperature": 1.0}, max_length, tokenizer, engine))
    return result, engine


def _assert_well_formed_chatml(text: str) -> list[tuple[str, str]]:
    """Every turn is <|im_start|>role ... <|im_end|>; no doubled end-of-turn tokens anywhere."""
    assert f"{IM_END}{IM_END}" not in text and f"{IM_END}\n{IM_END}" not in text
    turns = CHATML_TURN.findall(text)
    assert "".join(m.group(0) for m in CHATML_TURN.finditer(text)) == text, "text outside ChatML turns"
    assert text.count(IM_START) == text.count(IM_END)
    return turns


def test_classes_and_constructor_contract(agent_module):
    import inspect
    import sys

    base = sys.modules["openrlhf.utils.agent"]
    assert issubclass(agent_module.AgentInstance, base.AgentInstanceBase)
    assert issubclass(agent_module.AgentExecutor, base.MultiTurnAgentExecutor)
    assert not inspect.iscoroutinefunction(agent_module.AgentInstance.__init__)
    assert inspect.iscoroutinefunction(agent_module.AgentInstance.reset)
    assert inspect.iscoroutinefunction(agent_module.AgentInstance.step)
    agent_module.AgentInstance()  # no arguments


@pytest.mark.parametrize("label", [None, "not json", "[]", '{"env": "Nope-v0", "level": 1, "seed": 1}'])
def test_bad_labels_end_the_episode_with_a_counted_zero(agent_module, label):
    result, engine = _execute(agent_module, chatml_prompt("q"), label, lambda text: "whatever")
    assert engine.calls == 1 and result["reward"] == 0.0 and result["scores"] == 0.0
    invalid = {k: v for k, v in result["extra_logs"].items() if k.startswith("execgym/invalid_") and v}
    assert len(invalid) == 1, result["extra_logs"]


def test_step_does_not_block_the_event_loop(agent_module, monkeypatch):
    """Verification runs in a worker thread: other coroutines keep running during a slow step."""

    def slow_step(self, action):
        time.sleep(0.3)
        return self.finish(0.0, "wrong", "ok")

    monkeypatch.setattr(EpisodeDriver, "step", slow_step)
    monkeypatch.setattr(EpisodeDriver, "open", lambda self: "")

    async def scenario():
        instance = agent_module.AgentInstance()
        await instance.reset({"observation": "p", "label": "{}"})
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        await instance.step({"observation_text": "p", "action_text": "a", "label": "{}"})
        task.cancel()
        return ticks

    assert _run(scenario()) >= 10


def test_reward_is_a_tensor_like_with_item(agent_module):
    async def scenario():
        instance = agent_module.AgentInstance()
        await instance.reset({"observation": "p", "label": None})
        return await instance.step({"observation_text": "p", "action_text": "a", "label": None})

    out = _run(scenario())
    assert out["rewards"].item() == 0.0 and out["scores"].item() == 0.0 and out["done"] is True
    assert out["environment_feedback"] == ""


def test_feedback_markup_per_template():
    assert detect_template(chatml_prompt("x")) == "chatml"
    assert render_feedback("chatml", "obs") == f"\n{IM_START}user\nobs{IM_END}\n{IM_START}assistant\n"
    assert not render_feedback("chatml", "obs").startswith(IM_END)
    llama = "<|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    assert detect_template(llama) == "llama3"
    assert render_feedback("llama3", "o").startswith("<|start_header_id|>user")
    assert detect_template("User: q\nAssistant: ") == "plain"


def test_reward_folding_increments_sum_to_the_folded_return():
    walk = RewardFolder(mode="mean", expected_steps=4)
    increments = [walk.add(r) for r in (1.0, 0.0, 1.0, 1.0)]
    assert sum(increments) == pytest.approx(0.75) and walk.value() == pytest.approx(0.75)
    early = RewardFolder(mode="mean", expected_steps=5)
    assert sum(early.add(r) for r in (1.0, 1.0)) == pytest.approx(0.4)  # stopping early is not paid
    # repair episodes report the latest pass rate: the fix's reward, never the sum of attempts
    repair = RewardFolder(mode="last")
    steps = [(0.25, {"pass_rate": 0.25}), (0.25, {"pass_rate": 0.5}), (0.5, {"pass_rate": 1.0})]
    assert sum(repair.add(r, info) for r, info in steps) == pytest.approx(1.0)
    regress = RewardFolder(mode="last")
    steps = [(0.5, {"pass_rate": 0.5}), (-0.5, {"pass_rate": 0.0})]
    assert sum(regress.add(r, info) for r, info in steps) == pytest.approx(0.0)
    # walks that report right_so_far/questions, on the paper's [0, 2] scale
    scaled = RewardFolder(mode="mean", max_reward=2.0)
    steps = [(2.0, {"right_so_far": 1, "questions": 4}), (0.0, {"right_so_far": 1, "questions": 4})]
    assert sum(scaled.add(r, info) for r, info in steps) == pytest.approx(0.5)


# --- multi-turn episodes end to end with real tasks ------------------------------------------------


class GoldPolicy:
    """Answers each turn with the gold response of a parallel episode of the same task, optionally
    failing the first ``fail_first`` turns."""

    def __init__(self, task, fail_first: int = 0, bad_answer: str = "<answer>\nnope\n</answer>"):
        self.episode = task.episode()
        self.fail_first, self.bad_answer, self.turn = fail_first, bad_answer, 0

    def __call__(self, text: str) -> str:
        self.turn += 1
        answer = self.bad_answer if self.turn <= self.fail_first else self.episode.gold_response()
        self.episode.step(answer)
        return answer


@pytest.mark.parametrize("env", ["ExecVar-v0", "ExecNext-v0"])
def test_stepwise_walk_end_to_end(agent_module, real_task, env):
    task = real_task(env, options={"mode": "stepwise"})
    label = json.dumps(task.spec)
    prompt = chatml_prompt(task.prompt)
    result, engine = _execute(agent_module, prompt, label, GoldPolicy(task))
    assert engine.calls >= 1
    assert result["reward"] == pytest.approx(1.0) and result["scores"] == pytest.approx(1.0)
    turns = _assert_well_formed_chatml(result["text"])
    assistants = [t for t in turns if t[0] == "assistant"]
    assert len(assistants) == engine.calls and len(result["action_ranges"]) == engine.calls
    if engine.calls > 1:  # follow-up questions arrive as user turns
        assert [t[0] for t in turns][-2:] == ["user", "assistant"]

    # a walk answered wrongly throughout earns 0; partly right earns the fraction, never more than 1
    wrong, _ = _execute(agent_module, prompt, label, GoldPolicy(task, fail_first=10_000))
    assert wrong["reward"] == pytest.approx(0.0)
    first_wrong, engine = _execute(agent_module, prompt, label, GoldPolicy(task, fail_first=1))
    n = engine.calls
    assert first_wrong["reward"] == pytest.approx((n - 1) / n) and first_wrong["scores"] == pytest.approx(
        (n - 1) / n
    )


def test_repair_episode_end_to_end(agent_module, real_task):
    task = real_task("UnitTest-v0", options={"max_turns": 3})
    label = json.dumps(task.spec)
    prompt = chatml_prompt(task.prompt)
    bad = "<answer>\n```python\ndef nothing():\n    return None\n```\n</answer>"
    result, engine = _execute(agent_module, prompt, label, GoldPolicy(task, fail_first=1, bad_answer=bad))
    assert engine.calls == 2  # failed once, then fixed
    assert result["reward"] == pytest.approx(1.0)  # the last attempt's reward, not 1 + first attempt
    assert result["step_rewards"][0] < 1.0
    turns = _assert_well_formed_chatml(result["text"])
    assert [t[0] for t in turns] == ["system", "user", "assistant", "user", "assistant"]
    # never fixed: 3 attempts, reward = last attempt's
    never, engine = _execute(agent_module, prompt, label, GoldPolicy(task, fail_first=99, bad_answer=bad))
    assert engine.calls == 3 and never["reward"] == pytest.approx(0.0)


def test_group_members_face_the_same_task(agent_module, real_task):
    task = real_task("ExecVar-v0", options={"mode": "stepwise"})
    label = json.dumps(task.spec)

    async def first_observations():
        out = []
        for _ in range(4):
            instance = agent_module.AgentInstance()
            await instance.reset({"observation": "p", "label": label})
            out.append(instance.driver.episode.observation)
        return out

    observations = _run(first_observations())
    assert len(set(observations)) == 1 and observations[0]


def test_single_turn_task_through_the_agent(agent_module, real_task):
    task = real_task("ExecIO-v0")
    result, engine = _execute(
        agent_module, chatml_prompt(task.prompt), json.dumps(task.spec), lambda t: task.gold_response()
    )
    assert engine.calls == 1 and result["scores"] == pytest.approx(1.0)
