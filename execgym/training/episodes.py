"""Multi-turn episode driving for trainer agents (pure Python, no torch, no openrlhf).

Contract:

* :class:`EpisodeDriver` wraps one execgym ``Episode`` rebuilt deterministically from a label (task
  spec JSON), so every sample of a GRPO group faces the same task. ``open()`` and ``step()`` are
  blocking (they may run the sandbox): callers on an event loop run them in a thread.
* ``step(action)`` never raises and returns a :class:`TurnResult` whose ``reward`` is an
  *increment*: OpenRLHF sums the per-step rewards of a trajectory, so the increments sum to the
  episode's folded return (see :class:`RewardFolder`); ``score`` is the folded return scaled to [0, 1].
* :func:`render_feedback(template, text)` wraps an environment observation in the chat template's
  turn markup: it closes nothing (the end-of-turn token that stopped generation is already in the
  token ids, vLLM just omits its text), opens a user turn, and opens the next assistant turn.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from execgym.training.hooks import HookScore, log_counts, parse_label, strip_end_markers

log = logging.getLogger("execgym.training.episodes")

HARD_TURN_CAP = 64  # an episode that never says done is stopped here


# --- chat-template turn markup --------------------------------------------------------------------

TEMPLATES: dict[str, tuple[str, str]] = {
    # name: (text before the feedback, text after it)
    "chatml": ("\n<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n"),
    "llama3": (
        "<|start_header_id|>user<|end_header_id|>\n\n",
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    "gemma": ("\n<start_of_turn>user\n", "<end_of_turn>\n<start_of_turn>model\n"),
    "plain": ("\nUser: ", "\nAssistant: "),
}


def detect_template(prompt: str) -> str:
    """Guess the chat template from the rendered prompt text."""
    if "<|im_start|>" in prompt:
        return "chatml"
    if "<|start_header_id|>" in prompt:
        return "llama3"
    if "<start_of_turn>" in prompt:
        return "gemma"
    return "plain"


def render_feedback(template: str, text: str) -> str:
    """The environment's next observation as a user turn followed by an open assistant turn."""
    before, after = TEMPLATES.get(template, TEMPLATES["plain"])
    return f"{before}{text}{after}"


# --- reward folding -------------------------------------------------------------------------------


@dataclass
class RewardFolder:
    """Folds a multi-turn episode's progress into one trajectory return, emitted as increments.

    The return is what the episode has achieved so far, read from the step ``info`` when the episode
    reports it: ``pass_rate`` (repair episodes: the latest attempt's hidden-test pass rate, so failing
    first and fixing later earns the fix, never the sum of attempts) or ``right_so_far`` / ``questions``
    (stepwise walks: the fraction of all questions answered right, so stopping early is not paid).
    Otherwise: ``mode="mean"`` = sum of step rewards / ``expected_steps`` (or steps taken),
    ``mode="last"`` = the last step's reward, ``mode="sum"`` = the plain sum (OpenRLHF's own rule).
    Values are on the task's reward scale (``max_reward``).
    """

    mode: str = "sum"
    expected_steps: int | None = None
    max_reward: float = 1.0
    rewards: list[float] = field(default_factory=list)
    reported: float | None = None  # the episode's own measure of progress, in [0, 1]
    emitted: float = 0.0

    def value(self) -> float:
        if self.reported is not None:
            return self.reported * self.max_reward
        if not self.rewards:
            return 0.0
        if self.mode == "last":
            return self.rewards[-1]
        if self.mode == "mean":
            return sum(self.rewards) / max(len(self.rewards), self.expected_steps or 0)
        return sum(self.rewards)

    def add(self, reward: float, info: dict | None = None) -> float:
        """Record one step; return the increment that keeps the running sum of increments == value()."""
        self.rewards.append(reward)
        progress = reported_progress(info or {})
        if progress is not None:
            self.reported = progress
        total = self.value()
        increment = total - self.emitted
        self.emitted = total
        return increment


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def reported_progress(info: dict) -> float | None:
    """The episode's own progress measure in [0, 1] from a step ``info``, if it reports one."""
    rate = _number(info.get("pass_rate"))
    if rate is not None:
        return min(1.0, max(0.0, rate))
    right, total = _number(info.get("right_so_far")), _number(info.get("questions"))
    if right is not None and total:
        return min(1.0, max(0.0, right / total))
    return None


def fold_mode_for(spec: dict) -> str:
    """Fallback when an episode reports no progress: repairs keep the last attempt, walks average."""
    env = str(spec.get("env", ""))
    options = spec.get("options") if isinstance(spec.get("options"), dict) else {}
    if env.startswith("UnitTest") or options.get("mode") == "repair":
        return "last"
    if options.get("mode") == "stepwise":
        return "mean"
    return "sum"


def max_reward_for(spec: dict) -> float:
    """The top reward of a spec: 2 on the paper's ``reward="execverify"`` scale, 1.05 for UnitTest-v0's
    ``reward="prime"`` (pass rate + the 0.05 format bonus), else 1."""
    options = spec.get("options") if isinstance(spec.get("options"), dict) else {}
    if options.get("reward") == "prime":
        from execgym.tasks.prime import MAX_REWARD

        return MAX_REWARD
    return 2.0 if options.get("reward") == "execverify" else 1.0


def expected_steps_for(spec: dict) -> int | None:
    """Number of questions of a stepwise spec, when the spec lists them."""
    for key in ("questions", "steps"):
        value = spec.get(key)
        if isinstance(value, list) and value:
            return len(value)
    return None


# --- the driver -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnResult:
    reward: float  # increment; increments of one episode sum to its folded return
    score: float  # folded return so far, in [0, 1]
    done: bool
    observation: str  # next observation text (raw, no markup); "" when done
    outcome: str
    reason: str  # "ok" or a hooks.REASONS entry
    extra_logs: dict[str, float]


class EpisodeDriver:
    """One execgym episode for one trajectory. Build, ``open()`` (blocking), then ``step()``."""

    def __init__(self, label: Any):
        self.label = label
        self.spec: dict | None = None
        self.episode: Any = None
        self.problem: str = ""  # a hooks.REASONS entry when the label cannot become an episode
        self.problem_detail: str = ""
        self.turns = 0
        self.max_reward = 1.0
        self.folder = RewardFolder()
        self.done = False

    def open(self) -> str:
        """Rebuild the task from the label and start its episode; returns the first observation or ""."""
        spec, reason, detail = parse_label(self.label)
        if spec is None:
            self.problem, self.problem_detail = reason, detail
            return ""
        self.spec = spec
        try:
            import execgym

            task = execgym.make_task(spec)
            self.episode = task.episode()
            observation = str(self.episode.observation)
        except Exception as exc:  # noqa: BLE001 - a bad spec must become a counted zero, not a crash
            self.problem, self.problem_detail = "label_bad_spec", f"{type(exc).__name__}: {exc}"[:300]
            self.episode = None
            return ""
        # the episode's top return (a stepwise task's own max_reward is one step's share, 1/N)
        self.max_reward = max_reward_for(spec)
        self.folder = RewardFolder(
            mode=fold_mode_for(spec), expected_steps=expected_steps_for(spec), max_reward=self.max_reward
        )
        return observation

    def step(self, action_text: Any) -> TurnResult:
        """Apply one model turn; never raises."""
        if self.episode is None:
            return self.finish(0.0, "error", self.problem or "label_bad_spec")
        if self.done:
            return self.finish(0.0, "error", "step_after_done")
        action = strip_end_markers(action_text) if isinstance(action_text, str) else None
        if action is None:
            return self.finish(0.0, "format_error", "response_not_text")
        self.turns += 1
        try:
            observation, reward, done, info = self.episode.step(action)
        except Exception as exc:  # noqa: BLE001 - contract: Episode.step never raises; guard anyway
            log.warning("execgym episode step raised %s: %s", type(exc).__name__, exc)
            return self.finish(0.0, "error", "score_exception")
        info = info if isinstance(info, dict) else {}
        step_reward = _number(reward)
        if step_reward is None or not math.isfinite(step_reward):
            step_reward = 0.0
        outcome = str(info.get("outcome", "error"))
        capped = not done and self.turns >= HARD_TURN_CAP
        increment = self.folder.add(step_reward, info)
        finished = bool(done) or capped
        self.done = finished
        return TurnResult(
            reward=increment,
            score=self._score(),
            done=finished,
            observation="" if finished else str(observation),
            outcome=outcome,
            reason="turn_cap" if capped else "ok",
            extra_logs=self._logs(outcome, "turn_cap" if capped else "ok"),
        )

    def _score(self) -> float:
        return min(1.0, max(0.0, self.folder.value() / self.max_reward)) if self.max_reward > 0 else 0.0

    def finish(self, reward: float, outcome: str, reason: str) -> TurnResult:
        """End the episode now with ``reward`` and a counted ``reason`` (a hooks.REASONS entry)."""
        self.done = True
        increment = self.folder.add(reward) if self.episode is not None else reward
        return TurnResult(increment, self._score(), True, "", outcome, reason, self._logs(outcome, reason))

    def _logs(self, outcome: str, reason: str) -> dict[str, float]:
        value = self.folder.value()
        logs = log_counts([HookScore(value, self._score(), outcome, reason)])
        logs["execgym/turns"] = float(self.turns)
        return logs
