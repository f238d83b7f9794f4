"""execgym's multi-turn agent hook for OpenRLHF 0.11.2: ``--train.agent_func_path path/to/agent_func.py``.

Installed with execgym (``python -m execgym.training.hookfiles`` prints the path); ``execgym train`` copies it
into ``<workdir>/hooks/``. A missing or malformed label in the first sample this process sees raises
``LabelError`` from ``reset`` (the ``label`` column / ``--data.label_key`` is wrong); later ones end their
episode with a counted zero.

OpenRLHF imports this file by path inside each vLLM rollout actor, asserts that ``AgentExecutor``
subclasses ``openrlhf.utils.agent.AgentExecutorBase`` and builds it with no arguments. The
``MultiTurnAgentExecutor`` base then makes a fresh ``AgentInstance()`` per sample and awaits:

* ``reset({"observation": prompt, "label": label})`` -> ``{"observation": prompt}``: the task is
  rebuilt from the label (execgym's task spec JSON) so all samples of a GRPO group face one task;
* ``step({"observation_text", "action_text", "label", "sampling_params"})`` ->
  ``{"rewards": tensor, "scores": tensor, "environment_feedback": str, "done": bool, "extra_logs": {...}}``.

Works for every execgym episode: stepwise ExecNext/ExecVar walks (``options.mode="stepwise"``),
UnitTest repair episodes (``options.max_turns > 1``) and single-turn tasks (one step, done).
OpenRLHF sums the per-step ``rewards`` of a trajectory; execgym returns increments whose sum is the
episode's folded return (mean over questions for walks, the last attempt for repairs). Blocking work
(task rebuild, sandboxed verification) runs in a worker thread, never on the actor's event loop.
The feedback opens a user turn and the next assistant turn in the prompt's chat template, without
re-emitting the end-of-turn token that ended the model's turn (its id is already in the sequence).
"""

from __future__ import annotations

import asyncio
from typing import Any

from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor

from execgym.training.episodes import EpisodeDriver, detect_template, render_feedback
from execgym.training.hooks import check_first_batch


def _reward_tensor(value: float) -> Any:
    """A one-element float tensor (OpenRLHF calls ``.item()`` on it); torch is imported lazily."""
    try:
        import torch
    except ImportError:  # only in CPU tests without torch: a float with .item()
        return _Scalar(value)
    return torch.tensor([float(value)], dtype=torch.float32)


class _Scalar(float):
    def item(self) -> float:
        return float(self)


class AgentInstance(AgentInstanceBase):
    """One trajectory: an execgym episode rebuilt from the sample's label."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.driver: EpisodeDriver | None = None
        self.template = "plain"

    async def reset(self, states: dict, **kwargs: Any) -> dict:
        prompt = states.get("observation", "") if isinstance(states, dict) else ""
        prompt = prompt if isinstance(prompt, str) else str(prompt)
        label = states.get("label") if isinstance(states, dict) else None
        check_first_batch("openrlhf", [label])
        self.template = detect_template(prompt)
        self.driver = EpisodeDriver(label)
        try:
            await asyncio.to_thread(self.driver.open)
        except Exception as exc:  # noqa: BLE001 - open() never raises; keep reset safe regardless
            self.driver.problem, self.driver.problem_detail = "score_exception", str(exc)[:300]
        # The dataset prompt (already chat-templated by OpenRLHF) is the first observation.
        return {"observation": prompt}

    async def step(self, state_dict: dict, **kwargs: Any) -> dict:
        action = state_dict.get("action_text", "") if isinstance(state_dict, dict) else ""
        driver = self.driver if self.driver is not None else EpisodeDriver(None)
        try:
            result = await asyncio.to_thread(driver.step, action)
        except Exception:  # noqa: BLE001 - driver.step never raises; a crash here would kill the rollout
            result = driver.finish(0.0, "error", "score_exception")
        feedback = "" if result.done else render_feedback(self.template, result.observation)
        return {
            "rewards": _reward_tensor(result.reward),
            "scores": _reward_tensor(result.score),
            "environment_feedback": feedback,
            "done": bool(result.done),
            "extra_logs": dict(result.extra_logs),
        }


class AgentExecutor(MultiTurnAgentExecutor):
    """What OpenRLHF instantiates (no arguments) once per vLLM engine actor."""

    def __init__(self) -> None:
        super().__init__(AgentInstance)
