"""The hooks and commands against REAL OpenRLHF 0.11.2 code, where its source is available.

Runs when OpenRLHF is installed (its files are read, the package is not imported) or when
``EXECGYM_OPENRLHF_SRC`` names a folder holding the ``openrlhf/`` package (e.g. an unpacked
``openrlhf-0.11.2`` wheel: ``pip download openrlhf==0.11.2 --no-deps`` then unzip); skipped otherwise.
Nothing is downloaded here. What it checks:

* every generated command parses with the real ``train_ppo_ray`` / ``train_sft`` / ``lora_combiner``
  argparse definitions and passes the real post-parse assertions (the ``__main__`` block is executed
  with ``train`` replaced by a recorder, so nothing starts);
* the real ``MultiTurnAgentExecutor`` drives agents/openrlhf/agent_func.py through a repair episode;
* the real ``SingleTurnAgentExecutor`` loads agents/openrlhf/reward_func.py itself and scores a rollout.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import os
import sys
import textwrap
import types
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from agents_testlib import HOOKS, IM_END, SCHEDULES, FakeTokenizer, chatml_prompt, load_by_path

from execgym.training.commands import StagePaths, stage_commands
from execgym.training.schedule import load_schedule


def _openrlhf_src() -> Path | None:
    env = os.environ.get("EXECGYM_OPENRLHF_SRC")
    if env:
        return Path(env) if (Path(env) / "openrlhf").is_dir() else None
    spec = importlib.util.find_spec("openrlhf")
    if spec is not None and spec.origin:
        return Path(spec.origin).resolve().parents[1]
    return None


SRC = _openrlhf_src()
pytestmark = pytest.mark.skipif(
    SRC is None, reason="OpenRLHF source not available (set EXECGYM_OPENRLHF_SRC)"
)


def _real_parse(program_file: str, argv: list[str]) -> SimpleNamespace:
    """Run the real CLI module's ``__main__`` block on argv, with ``train`` replaced by a recorder."""
    source = (SRC / "openrlhf" / "cli" / program_file).read_text()
    main_block = source.split('if __name__ == "__main__":', 1)[1]
    captured: dict = {}
    config = load_by_path(SRC / "openrlhf" / "utils" / "config.py", "_openrlhf_config")
    fake_config = types.ModuleType("openrlhf.utils.config")
    fake_config.hierarchize = config.hierarchize
    saved = {k: sys.modules.get(k) for k in ("openrlhf.utils.config",)}
    sys.modules["openrlhf.utils.config"] = fake_config
    old_argv = sys.argv
    try:
        sys.argv = [program_file, *argv]
        scope = {
            "argparse": argparse,
            "os": os,
            "datetime": datetime,
            "__name__": "__main__",
            "train": lambda args: captured.setdefault("args", args),
            "hierarchize": config.hierarchize,
            "apply_lora": lambda *a: captured.setdefault("apply_lora", a),
        }
        exec(compile(textwrap.dedent(main_block), program_file, "exec"), scope)  # noqa: S102 - trusted test input
    finally:
        sys.argv = old_argv
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return captured.get("args") or scope.get("args")


def _module_argv(argv: list[str], module: str) -> list[str]:
    return argv[argv.index(module) + 1 :]


@pytest.mark.parametrize("name", ["execverify-qwen7b", "smoke-1gpu"])
def test_commands_parse_with_the_real_parsers(tmp_path, name):
    s = load_schedule(SCHEDULES / f"{name}.toml")
    for stage in s.stages:
        paths = StagePaths(
            tmp_path / stage.name,
            "init/model",
            tmp_path / "hooks/reward_func.py",
            tmp_path / "hooks/agent_func.py",
        )
        for command in stage_commands(s, stage, paths, resume=True):
            if command.name == "rl":
                args = _real_parse(
                    "train_ppo_ray.py", _module_argv(command.argv, "openrlhf.cli.train_ppo_ray")
                )
                assert args.actor.model_name_or_path == "init/model"
                assert args.algo.advantage.estimator == stage.rl.estimator
                assert args.rollout.n_samples_per_prompt == stage.rl.n_samples_per_prompt
                assert args.actor.adam.lr == stage.rl.lr and args.algo.kl.init_coef == stage.rl.kl_coef
                assert args.train.num_episodes == stage.rl.epochs and args.ckpt.load_enable is True
                assert args.actor.lr_scheduler == stage.rl.lr_scheduler
                if stage.rl.hook == "agent":
                    assert args.train.agent_func_path.endswith(
                        "agent_func.py"
                    ) and args.reward.remote_url == ["agent"]
                else:
                    assert args.reward.remote_url == [str(paths.reward_file)]
            elif command.name == "sft":
                args = _real_parse("train_sft.py", _module_argv(command.argv, "openrlhf.cli.train_sft"))
                assert args.model.model_name_or_path == "init/model" and args.adam.lr == stage.sft.lr
                assert args.data.output_key == "output" and args.train.max_epochs == stage.sft.epochs
            else:
                args = _real_parse(
                    "lora_combiner.py", _module_argv(command.argv, "openrlhf.cli.lora_combiner")
                )
            assert args is not None, command.name


@pytest.fixture
def real_agent_module(monkeypatch):
    """The real openrlhf/utils/agent.py, loaded by path with its logging and aiohttp imports stubbed."""
    monkeypatch.setitem(
        sys.modules, "openrlhf.utils.logging_utils", SimpleNamespace(init_logger=logging.getLogger)
    )
    if importlib.util.find_spec("aiohttp") is None:
        monkeypatch.setitem(sys.modules, "aiohttp", types.ModuleType("aiohttp"))
    real = load_by_path(SRC / "openrlhf" / "utils" / "agent.py", "openrlhf.utils.agent")
    package = types.ModuleType("openrlhf")
    package.__path__ = []
    utils = types.ModuleType("openrlhf.utils")
    utils.__path__ = []
    utils.agent = real
    package.utils = utils
    monkeypatch.setitem(sys.modules, "openrlhf", package)
    monkeypatch.setitem(sys.modules, "openrlhf.utils", utils)
    monkeypatch.setitem(sys.modules, "openrlhf.utils.agent", real)
    return real


class _Ids(list):
    def tolist(self):
        return list(self)


class RealShapeTokenizer(FakeTokenizer):
    """``tok(text=..., add_special_tokens=False, return_tensors="pt")["input_ids"][0].tolist()`` and decode."""

    def __call__(self, text, add_special_tokens=False, return_tensors=None):
        return {"input_ids": [_Ids(self.encode(text))]}


class RealShapeEngine:
    """``await engine.generate(token_ids, sampling_params, multi_modal_data=None)`` -> ``.outputs[0]``."""

    def __init__(self, policy, tokenizer):
        self.policy, self.tokenizer, self.calls = policy, tokenizer, 0

    async def generate(self, tokens, sampling_params, multi_modal_data=None):
        self.calls += 1
        text = self.policy(self.tokenizer.decode(tokens))
        ids = self.tokenizer.encode(text)[: sampling_params.max_tokens - 1] + [IM_END]
        output = SimpleNamespace(
            token_ids=ids, text=self.tokenizer.decode(ids[:-1]), finish_reason="stop", logprobs=None
        )
        return SimpleNamespace(outputs=[output])


def test_real_multi_turn_executor_runs_the_agent(real_agent_module, real_task):
    agent = load_by_path(HOOKS / "agent_func.py", "agent_func")
    assert issubclass(agent.AgentExecutor, real_agent_module.AgentExecutorBase)
    task = real_task("UnitTest-v0", options={"max_turns": 3})
    parallel = task.episode()
    bad = "<answer>\n```python\ndef nothing():\n    return None\n```\n</answer>"
    turns = iter([bad, None])

    def policy(text):
        answer = next(turns, None) or parallel.gold_response()
        parallel.step(answer)
        return answer

    tokenizer = RealShapeTokenizer()
    engine = RealShapeEngine(policy, tokenizer)
    params = SimpleNamespace(max_tokens=None, logprobs=None)
    result = asyncio.run(
        agent.AgentExecutor().execute(
            chatml_prompt(task.prompt), json.dumps(task.spec), params, 200_000, tokenizer, engine
        )
    )
    assert engine.calls == 2 and result["reward"] == pytest.approx(1.0)
    assert float(result["scores"].item()) == pytest.approx(1.0) and result["truncated"] is False
    text = tokenizer.decode(result["observation_tokens"])
    assert f"{IM_END}{IM_END}" not in text and text.count("<|im_start|>") == text.count(IM_END)
    assert len(result["action_ranges"]) == 2


def test_real_single_turn_executor_loads_and_calls_reward_func(real_agent_module, real_task):
    task = real_task("ExecIO-v0")
    executor = real_agent_module.SingleTurnAgentExecutor(str(HOOKS / "reward_func.py"))
    tokenizer = RealShapeTokenizer()
    prompt = chatml_prompt(task.prompt)
    params = SimpleNamespace(max_tokens=4096, logprobs=None)
    for response, expected in ((task.gold_response(), 1.0), ("no answer", 0.0)):
        engine = RealShapeEngine(lambda text, r=response: r, tokenizer)
        out = asyncio.run(executor.execute(prompt, json.dumps(task.spec), params, 100_000, tokenizer, engine))
        assert out["reward"] == [expected] and out["scores"] == [expected]
        assert all(isinstance(v, float) for v in out["extra_logs"].values())


def test_lora_sft_and_merge_parse_with_the_real_parsers(tmp_path):
    import sys as _sys

    if _sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from execgym.training.schedule import parse_schedule

    data = tomllib.loads((SCHEDULES / "smoke-1gpu.toml").read_text())
    data["stages"][0]["sft"]["lora_rank"] = 32
    s = parse_schedule(data)
    paths = StagePaths(tmp_path / "sft", "base", tmp_path / "r.py", tmp_path / "a.py")
    sft, merge = stage_commands(s, s.stages[0], paths)
    args = _real_parse("train_sft.py", _module_argv(sft.argv, "openrlhf.cli.train_sft"))
    assert args.ds.lora.rank == 32 and args.ckpt.output_dir == str(tmp_path / "sft" / "lora")
    args = _real_parse("lora_combiner.py", _module_argv(merge.argv, "openrlhf.cli.lora_combiner"))
    assert (args.model_path, args.lora_path, args.output_path) == (
        "base",
        str(tmp_path / "sft" / "lora"),
        str(tmp_path / "sft" / "model"),
    )
