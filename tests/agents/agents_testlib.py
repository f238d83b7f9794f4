"""Helpers for the trainer-hook tests (imported by conftest and the test files): loading hook files by
path as OpenRLHF does, and stand-ins for ``openrlhf.utils.agent`` that reproduce the 0.11.2 multi-turn executor contract
(shared/research/openrlhf-integration.md §4) with a fake tokenizer and a fake vLLM engine."""

from __future__ import annotations

import abc
import importlib.util
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "execgym" / "training" / "hookfiles"  # the installed hook files (agents/openrlhf/ has thin loaders)
SCHEDULES = REPO / "execgym" / "training" / "schedules"
FLAGS_FIXTURE = Path(__file__).with_name("openrlhf_0_11_2_flags.json")

IM_START, IM_END = "<|im_start|>", "<|im_end|>"


def load_by_path(path: Path, module_name: str) -> types.ModuleType:
    """Exactly OpenRLHF's loader: spec_from_file_location + exec_module, no package context."""
    spec = importlib.util.spec_from_file_location(module_name, str(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chatml_prompt(user_text: str, system: str = "You are a helpful assistant.") -> str:
    """What OpenRLHF's PromptDataset builds with --data.apply_chat_template for Qwen2.5."""
    return f"{IM_START}system\n{system}{IM_END}\n{IM_START}user\n{user_text}{IM_END}\n{IM_START}assistant\n"


def decoded_query(prompt: str, response: str, eos: bool = True) -> str:
    """tokenizer.decode(prompt + response ids, skip_special_tokens=False): EOS text kept at the end."""
    return prompt + response + (IM_END if eos else "")


# --- stand-ins for openrlhf.utils.agent (0.11.2) ------------------------------------------------


class FakeTokenizer:
    """Special tokens are single tokens; everything else is one token per character."""

    SPECIAL = (IM_START, IM_END)
    _pattern = re.compile("(" + "|".join(re.escape(s) for s in SPECIAL) + ")")

    def encode(self, text: str, add_special_tokens: bool = False) -> list[str]:
        tokens: list[str] = []
        for piece in self._pattern.split(text):
            if piece in self.SPECIAL:
                tokens.append(piece)
            elif piece:
                tokens.extend(piece)
        return tokens

    def decode(self, tokens: list[str], skip_special_tokens: bool = False) -> str:
        return "".join(t for t in tokens if not (skip_special_tokens and t in self.SPECIAL))


@dataclass
class FakeOutput:
    token_ids: list[str]
    text: str
    finish_reason: str


class FakeEngine:
    """A vLLM stand-in: the policy writes the text; generation stops on EOS, whose id stays in
    token_ids while its text is omitted from .text (vLLM V1 detokenizer behaviour)."""

    def __init__(self, policy: Callable[[str], str], tokenizer: FakeTokenizer):
        self.policy, self.tokenizer = policy, tokenizer
        self.calls = 0

    async def generate(self, prompt_tokens: list[str], max_tokens: int) -> FakeOutput:
        self.calls += 1
        text = self.policy(self.tokenizer.decode(prompt_tokens))
        ids = self.tokenizer.encode(text)[: max_tokens - 1] + [IM_END]
        return FakeOutput(ids, self.tokenizer.decode(ids[:-1]), "stop")


def make_openrlhf_standins() -> dict[str, types.ModuleType]:
    agent = types.ModuleType("openrlhf.utils.agent")

    class AgentExecutorBase(abc.ABC):
        @abc.abstractmethod
        async def execute(
            self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None
        ): ...

    class AgentInstanceBase(abc.ABC):
        @abc.abstractmethod
        def __init__(self, *args, **kwargs): ...

        async def reset(self, states: dict, **kwargs):
            return states

        @abc.abstractmethod
        async def step(self, state_dict: dict, **kwargs): ...

    class MultiTurnAgentExecutor(AgentExecutorBase):
        """The §4.3 loop: fresh instance, reset, generate/step until done or out of budget; the
        trajectory reward is the sum of rewards.item(); the score is the last step's score."""

        def __init__(self, agent_instance_cls):
            assert issubclass(agent_instance_cls, AgentInstanceBase)
            self.agent_instance_cls = agent_instance_cls

        async def execute(
            self, prompt, label, sampling_params, max_length, hf_tokenizer, llm_engine, images=None
        ):
            instance = self.agent_instance_cls()
            states = await instance.reset({"observation": prompt, "label": label})
            tokens = hf_tokenizer.encode(states["observation"], add_special_tokens=False)
            action_ranges, total, score, extra_logs, steps = [], 0.0, None, {}, []
            while True:
                budget = max_length - len(tokens)
                if budget <= 0:
                    break
                out = await llm_engine.generate(tokens, budget)
                start = len(tokens)
                tokens.extend(out.token_ids)
                action_ranges.append((start, len(tokens)))
                result = await instance.step(
                    {
                        "observation_text": hf_tokenizer.decode(tokens),
                        "action_text": out.text,
                        "label": label,
                        "sampling_params": sampling_params,
                    }
                )
                assert isinstance(result["environment_feedback"], str)
                assert isinstance(result["done"], bool)
                reward = result["rewards"].item()  # a float here raises AttributeError, as in 0.11.2
                total += reward
                steps.append(reward)
                if "scores" in result:
                    score = result["scores"].item()
                extra_logs = result.get("extra_logs", extra_logs)
                if result["done"]:
                    break
                tokens.extend(hf_tokenizer.encode(result["environment_feedback"], add_special_tokens=False))
            return {
                "prompt": prompt,
                "label": label,
                "observation_tokens": tokens,
                "action_ranges": action_ranges,
                "reward": total,
                "step_rewards": steps,
                "scores": score if score is not None else total,
                "extra_logs": extra_logs,
                "text": hf_tokenizer.decode(tokens),
            }

    agent.AgentExecutorBase = AgentExecutorBase
    agent.AgentInstanceBase = AgentInstanceBase
    agent.MultiTurnAgentExecutor = MultiTurnAgentExecutor
    utils = types.ModuleType("openrlhf.utils")
    utils.agent = agent
    root = types.ModuleType("openrlhf")
    root.utils = utils
    return {"openrlhf": root, "openrlhf.utils": utils, "openrlhf.utils.agent": agent}
