"""Core task types: ``Score``, ``Task``, ``Episode`` and the two-phase scoring protocol.

Contract (docs/architecture.md §3):
- ``Score``: reward, outcome (one of ``OUTCOMES``), a non-empty reason, per-question details
  (``question``, ``expected``, ``parsed``, ``correct``, ``reason``) and ``max_reward``.
- ``Task``: a self-contained spec, its ``prompt`` (== the environment's first observation),
  ``gold_response()`` (earns ``max_reward``), ``score(response)`` (never raises) and ``episode()``.
- Scoring is two-phase so batches can share one sandbox call: ``Task.prepare(response)`` returns a
  ``Pending`` holding the ``RunRequest``s it needs (none for answers that need no execution) and a
  ``finish(results)`` callback that builds the ``Score``. ``Task.score`` runs both phases.
- ``Episode``: ``observation`` and ``step(response) -> (next_obs, reward, done, info)``; ``info`` holds
  ``outcome``, ``reward_reason``, ``score`` (``Score.to_dict()``) and ``details``. Single-turn episodes
  finish after one step.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("correct", "partial", "wrong", "format_error", "timeout", "error")


@dataclass
class Score:
    reward: float
    outcome: str
    reason: str
    details: list[dict] = field(default_factory=list)
    max_reward: float = 1.0

    def to_dict(self) -> dict:
        return {
            "reward": self.reward,
            "outcome": self.outcome,
            "reason": self.reason,
            "details": [dict(d) for d in self.details],
            "max_reward": self.max_reward,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Score:
        return cls(
            reward=float(data["reward"]),
            outcome=str(data["outcome"]),
            reason=str(data["reason"]),
            details=list(data.get("details", [])),
            max_reward=float(data.get("max_reward", 1.0)),
        )


def outcome_for(reward: float, max_reward: float) -> str:
    """correct at the top reward, wrong at 0, partial in between."""
    if reward >= max_reward - 1e-12:
        return "correct"
    if reward <= 1e-12:
        return "wrong"
    return "partial"


def make_score(reward: float, max_reward: float, reason: str, details: list[dict], outcome: str | None = None) -> Score:
    reward = float(reward)
    if not math.isfinite(reward):
        reward = 0.0
    reward = min(max(reward, 0.0), max_reward)
    return Score(
        reward=reward,
        outcome=outcome or outcome_for(reward, max_reward),
        reason=reason or "no reason recorded",
        details=details,
        max_reward=max_reward,
    )


def error_score(reason: str, max_reward: float = 1.0, outcome: str = "error") -> Score:
    return Score(reward=0.0, outcome=outcome, reason=reason or outcome, details=[], max_reward=max_reward)


def format_error(reason: str, max_reward: float = 1.0) -> Score:
    return Score(reward=0.0, outcome="format_error", reason=reason, details=[], max_reward=max_reward)


@dataclass
class Pending:
    """Phase one of scoring: the sandbox requests still needed and how to turn their results into a Score."""

    requests: list = field(default_factory=list)
    finish: Callable[[list], Score] | None = None
    score: Score | None = None  # set when no execution is needed

    @staticmethod
    def done(score: Score) -> Pending:
        return Pending(score=score)


def run_requests(requests: Sequence, workers: int | None = None) -> list:
    """Run engine requests through ``execgym.run_batch`` (the sandbox), never in this process."""
    if not requests:
        return []
    from execgym.engine.api import run_batch

    return list(run_batch(list(requests), workers=workers))


def complete(pending: Pending, results: list, max_reward: float) -> Score:
    """Phase two, total: a finish callback that raises becomes an ``error`` Score with the reason."""
    if pending.score is not None:
        return pending.score
    if pending.finish is None:
        return error_score("verifier error: nothing to finish", max_reward)
    try:
        return pending.finish(results)
    except Exception as exc:  # noqa: BLE001 - a verifier bug must never escape score()
        return error_score(f"verifier error: {type(exc).__name__}: {exc}", max_reward)


class Task:
    """A task built from a self-contained spec. Subclasses implement ``prompt``, ``gold_response``,
    ``_prepare`` (phase one of scoring) and ``blank_details``, and set ``max_reward``."""

    env: str = ""
    max_reward: float = 1.0

    def __init__(self, spec: dict):
        self.spec = spec

    # -- subclass hooks -------------------------------------------------------------------
    @property
    def prompt(self) -> str:
        raise NotImplementedError

    def gold_response(self) -> str:
        raise NotImplementedError

    def _prepare(self, response: str) -> Pending:
        raise NotImplementedError

    def blank_details(self, reason: str) -> list[dict]:
        """One details entry per question, none answered (used for format errors)."""
        return []

    # -- public API -----------------------------------------------------------------------
    def prepare(self, response: Any) -> Pending:
        """Phase one of scoring; total (a verifier bug becomes an ``error`` Score)."""
        if not isinstance(response, str):
            if isinstance(response, bytes):
                response = response.decode("utf-8", "replace")
            else:
                pending = Pending.done(
                    format_error(f"response is {type(response).__name__}, not text", self.max_reward)
                )
                return self._fill_details(pending)
        try:
            return self._fill_details(self._prepare(response))
        except Exception as exc:  # noqa: BLE001
            return Pending.done(error_score(f"verifier error: {type(exc).__name__}: {exc}", self.max_reward))

    def _fill_details(self, pending: Pending) -> Pending:
        score = pending.score
        if score is not None and not score.details:
            score.details = self.blank_details(score.reason)
        return pending

    def score(self, response: Any) -> Score:
        pending = self.prepare(response)
        if pending.score is not None:
            return pending.score
        try:
            results = run_requests(pending.requests)
        except Exception as exc:  # noqa: BLE001
            return error_score(f"sandbox unavailable: {type(exc).__name__}: {exc}", self.max_reward)
        return complete(pending, results, self.max_reward)

    def episode(self) -> Episode:
        return SingleTurnEpisode(self)

    def spec_json(self) -> str:
        return json.dumps(self.spec, sort_keys=True, ensure_ascii=False)

    def copy_spec(self) -> dict:
        return copy.deepcopy(self.spec)


def step_info(score: Score, task: Task, **extra: Any) -> dict:
    info = {
        "outcome": score.outcome,
        "reward_reason": score.reason,
        "score": score.to_dict(),
        "details": score.details,
        "max_reward": score.max_reward,
    }
    info.update(extra)
    return info


class Episode:
    """A (possibly multi-turn) interaction with one task."""

    observation: str = ""
    done: bool = False

    def step(self, response: Any) -> tuple[str, float, bool, dict]:
        raise NotImplementedError

    def gold_response(self) -> str:
        """A response to the current observation that earns the top reward for this step."""
        raise NotImplementedError


class SingleTurnEpisode(Episode):
    """One observation (the prompt), one response, done."""

    def __init__(self, task: Task):
        self.task = task
        self.observation = task.prompt
        self.done = False

    def step(self, response: Any) -> tuple[str, float, bool, dict]:
        if self.done:
            score = error_score("episode already finished", self.task.max_reward)
            return "", 0.0, True, step_info(score, self.task)
        score = self.task.score(response)
        self.done = True
        return "", score.reward, True, step_info(score, self.task)

    def gold_response(self) -> str:
        return self.task.gold_response()


def clip_text(text: str, n: int = 300) -> str:
    """``text`` cut to ``n`` characters, saying how long it was (for reasons and feedback)."""
    return text if len(text) <= n else text[:n] + f"... [{len(text)} chars]"
