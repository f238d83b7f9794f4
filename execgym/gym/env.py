"""The execgym Gymnasium environments: text in, text out, rewards from the task layer's verifiers.

Contract (every environment):
- Constructor: only the kwargs declared in ``envs/<name>.toml`` plus ``render_mode`` ("ansi" | "human" | None).
  Unknown kwargs and wrong types raise ``TypeError``; undefined levels and bad choices raise ``ValueError``, so
  does a ``source`` that names no program source (an unknown family, a missing corpus file; the corpus itself
  is processed at the first reset, then cached on disk: docs/corpus.md).
- ``reset(seed=None, options=None) -> (prompt, info)``. The task is identified by (env, level, task seed):
  ``reset(seed=s)`` serves task seed ``s``; ``reset()`` draws the next task seed from the env's own
  ``np_random`` (deterministic once the env was seeded). ``options`` may hold ``level`` (this reset only) or
  ``task`` (a task spec of this environment, dict or JSON text; its own ``options`` win over the env's kwargs).
  Unseeded resets draw ``prefetch_size`` task seeds ahead from ``np_random`` and build those tasks in one batch:
  the same seeds in the same order, so the same tasks as one at a time (``np_random``'s own state runs ahead).
  ``info["task"]`` is the JSON-able spec and ``execgym.make_task(info["task"]).prompt == prompt``.
- ``step(action) -> (obs, reward, terminated, truncated, info)`` never raises for any action: non-strings,
  undecodable bytes and over-long text become ``format_error`` with reward 0; a failure inside the task layer
  becomes ``error`` with reward 0. ``info`` always has ``task``, ``outcome`` (correct | partial | wrong |
  format_error | timeout | error), ``reward_reason``, ``details`` (per question: expected, parsed, correct,
  reason), ``turn``; at the end of an episode ``info["episode"] = {"return", "turns", "passed", "outcomes"}``.
  Single-turn tasks return ``terminated=True`` after one step; ``truncated`` is always False (no time limits).
- Calling ``step`` before ``reset`` or after the episode ended raises ``gymnasium.error.ResetNeeded``
  (a protocol error of the caller, not a bad action).
"""

from __future__ import annotations

import copy
import json
from collections import deque
from typing import Any, ClassVar

import gymnasium as gym
from gymnasium.error import ResetNeeded

from execgym.gym.definitions import EnvDefinition, get_definition
from execgym.gym.requests import draw_task_seed, task_request
from execgym.gym.spaces import UnicodeText

OUTCOMES = ("correct", "partial", "wrong", "format_error", "timeout", "error")
MAX_OBSERVATION_CHARS = 1 << 20
MAX_ACTION_CHARS = 1 << 20  # longer responses are a format_error without parsing


def coerce_action(action: Any, max_chars: int = MAX_ACTION_CHARS) -> tuple[str, str | None]:
    """Return ``(text, problem)``: the response text to score and, if the action is unusable, why."""
    if isinstance(action, str):
        if len(action) > max_chars:
            return (
                "",
                f"format_error: response is {len(action)} characters, more than the {max_chars} allowed",
            )
        return action, None
    if isinstance(action, (bytes, bytearray, memoryview)):
        raw = bytes(action)
        if len(raw) > max_chars * 4:
            return "", f"format_error: response is {len(raw)} bytes, more than allowed"
        try:
            return coerce_action(raw.decode("utf-8"), max_chars)
        except UnicodeDecodeError as exc:
            return "", f"format_error: response bytes are not valid UTF-8 ({exc.reason} at byte {exc.start})"
    return "", f"format_error: the action must be a str (the model's response), got {type(action).__name__}"


def _score_dict(info: dict[str, Any]) -> dict[str, Any]:
    score = info.get("score")
    if score is None:
        return {}
    if isinstance(score, dict):
        return score
    to_dict = getattr(score, "to_dict", None)
    return to_dict() if callable(to_dict) else {}


def copy_spec(data: Any) -> Any:
    """A deep copy of JSON-like data (dict/list/tuple of str/int/float/bool/None); several times faster than
    ``copy.deepcopy`` on task specs. Anything else is deep-copied by ``copy.deepcopy``."""
    t = type(data)
    if t is dict:
        return {k: copy_spec(v) for k, v in data.items()}
    if t is list:
        return [copy_spec(v) for v in data]
    if t in (str, int, float, bool) or data is None:
        return data
    if t is tuple:
        return tuple(copy_spec(v) for v in data)
    return copy.deepcopy(data)


def _request_key(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True)


class ExecEnv(gym.Env[str, str]):
    """Base class; subclasses only name their definition (``env_name``)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "render_fps": 1}
    env_name: ClassVar[str] = ""
    #: unseeded resets draw up to this many task seeds ahead (same seeds, same order as one at a time) and build
    #: their tasks in one batch (``execgym.tasks.prefetch``); 1 disables it. Set it on the instance or the class.
    #: Batches start at ``PREFETCH_START`` and double, so a short-lived env does not build tasks it never serves.
    prefetch_size: int = 64
    PREFETCH_START: ClassVar[int] = 4

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        if not self.env_name:
            raise TypeError("ExecEnv is abstract; use gym.make('execgym/<Name>-v0') or one of its subclasses")
        self.definition: EnvDefinition = get_definition(self.env_name)
        self.config: dict[str, Any] = self.definition.validate(kwargs)
        self._check_source(self.config.get("source", "synth"))
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{self.env_name}: render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.observation_space = UnicodeText(MAX_OBSERVATION_CHARS)
        self.action_space = UnicodeText(MAX_ACTION_CHARS)
        self._task: Any = None
        self._episode: Any = None
        self._done = True
        self._turn = 0
        self._return = 0.0
        self._outcomes: list[str] = []
        self._last: dict[str, Any] = {}
        self._upcoming: deque[int] = deque()  # task seeds already drawn from np_random, not yet served
        self._prefetched: dict[str, Any] = {}  # request JSON -> Task built ahead for an upcoming seed
        self._next_batch = self.PREFETCH_START  # size of the next prefetch batch (doubles up to prefetch_size)

    # -- configuration -------------------------------------------------------------------------------------------
    def _check_source(self, name: str) -> None:
        """A program source that does not exist is the caller's mistake: ``ValueError`` now, not at reset."""
        if name == "synth":
            return
        from execgym.synth.sources import resolve_source

        try:
            resolve_source(name)
        except FileNotFoundError as exc:
            raise ValueError(f"{self.env_name}: argument 'source': {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{self.env_name}: argument 'source': {exc}") from None

    @property
    def level(self) -> int:
        """The configured level (``options={"level": L}`` overrides it for one reset)."""
        return int(self.config["level"])

    @property
    def multi_turn(self) -> bool:
        """Whether episodes can last more than one step (stepwise questions or repair turns)."""
        return self.config.get("mode") == "stepwise" or int(self.config.get("max_turns", 1)) > 1

    @property
    def task(self) -> Any:
        """The current ``execgym.tasks.Task`` (None before the first reset)."""
        return self._task

    def gold_response(self) -> str:
        """A response to the current observation that earns this step's top reward (tests, SFT, benchmarks)."""
        if self._episode is None or self._done:
            raise ResetNeeded(f"{self.env_name}: no current observation; call reset()")
        gold = getattr(self._episode, "gold_response", None)
        return gold() if callable(gold) else self._task.gold_response()

    def request(self, level: int, seed: int) -> dict[str, Any]:
        """The task request (minimal spec) this env serves for (level, task seed)."""
        return task_request(self.env_name, self.config, level, seed)

    # -- Gymnasium API -------------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        from execgym.tasks.registry import make_task

        if seed is not None:  # np_random was re-seeded: seeds drawn ahead from the old stream are void
            self._upcoming.clear()
            self._prefetched.clear()

        options = dict(options or {})
        unknown = sorted(set(options) - {"level", "task"})
        if unknown:
            raise ValueError(f"{self.env_name}: unknown reset option(s) {unknown}; allowed: 'level', 'task'")
        prebuilt = None
        if "task" in options:
            spec = options["task"]
            if isinstance(spec, str):
                spec = json.loads(spec)
            if not isinstance(spec, dict) or str(spec.get("env", "")).rsplit("/", 1)[-1] != self.env_name:
                got = spec.get("env") if isinstance(spec, dict) else type(spec).__name__
                raise ValueError(
                    f"{self.env_name}: options['task'] must be a task spec of this env, got {got!r}"
                )
        else:
            level = self.definition.kwargs["level"].check(
                self.env_name, options.get("level", self.level), self.definition.levels
            )
            if seed is not None:
                spec = self.request(level, int(seed))
            else:
                spec, prebuilt = self._next_unseeded(level)
        self._task = prebuilt if prebuilt is not None else make_task(spec)
        self._episode = self._task.episode()
        self._done = False
        self._turn = 0
        self._return = 0.0
        self._outcomes = []
        observation = str(self._episode.observation)
        info = {
            "task": copy_spec(self._task.spec),
            "env": self.env_name,
            "level": self._task.spec.get("level"),
            "seed": self._task.spec.get("seed"),
            "turn": 0,
            "outcome": None,
            "reward_reason": "episode start: no response yet",
        }
        self._last = {"observation": observation, "action": None, "reward": None, "info": info}
        return observation, info

    def _next_unseeded(self, level: int) -> tuple[dict[str, Any], Any]:
        """The next unseeded request and its prebuilt Task (None: build it now). Task seeds come from
        ``np_random`` in the same order as drawing one per reset, so the tasks are the same."""
        if not self._upcoming:
            self._refill(level)
        spec = self.request(level, self._upcoming.popleft())
        return spec, self._prefetched.pop(_request_key(spec), None)

    def _refill(self, level: int) -> None:
        n = max(1, min(int(self.prefetch_size), self._next_batch))
        self._next_batch = 2 * n
        seeds = [draw_task_seed(self.np_random) for _ in range(n)]
        self._upcoming.extend(seeds)
        self._prefetched.clear()
        if n == 1:
            return
        from execgym.tasks.registry import prefetch

        specs = [self.request(level, s) for s in seeds]
        try:
            tasks = prefetch(specs)
        except Exception:  # noqa: BLE001 - each task is then built (and any error raised) at its own reset
            return
        for spec, task in zip(specs, tasks):
            self._prefetched[_request_key(spec)] = task

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict]:
        if self._episode is None:
            raise ResetNeeded(f"{self.env_name}: call reset() before step()")
        if self._done:
            raise ResetNeeded(f"{self.env_name}: the episode has ended; call reset() before step()")
        response, problem = coerce_action(action)
        try:
            observation, reward, done, step_info = self._episode.step(response)
            step_info = dict(step_info or {})
        except Exception as exc:  # noqa: BLE001 - a task-layer bug must surface as a typed outcome, not kill a training run
            observation, reward, done = "", 0.0, True
            step_info = {"outcome": "error", "reward_reason": f"internal error: {type(exc).__name__}: {exc}"}
        info = self._step_info(step_info)
        reward = float(reward)
        if problem is not None:  # the action itself was unusable: say so, whatever the task layer saw ("")
            reward = 0.0
            info["outcome"] = "format_error"
            info["reward_reason"] = problem
            if isinstance(info.get("score"), dict):
                info["score"] = {**info["score"], "reward": 0.0, "outcome": "format_error", "reason": problem}
        self._turn += 1
        self._return += reward
        self._outcomes.append(info["outcome"])
        info["turn"] = self._turn
        self._done = bool(done)
        if self._done:
            info["episode"] = {
                "return": self._return,
                "turns": self._turn,
                "passed": self._passed(),
                "outcomes": list(self._outcomes),
            }
        observation = "" if observation is None else str(observation)
        self._last = {"observation": observation, "action": response, "reward": reward, "info": info}
        if self.render_mode == "human":
            print(self._render_text())
        return observation, reward, self._done, False, info

    def _step_info(self, step_info: dict[str, Any]) -> dict[str, Any]:
        """Normalize the task layer's step info so the guaranteed keys are always present and typed."""
        score = _score_dict(step_info)
        info = {k: v for k, v in step_info.items() if k != "score"}
        if score:
            info["score"] = score
        outcome = info.get("outcome") or score.get("outcome")
        reason = info.get("reward_reason") or info.get("reason") or score.get("reason")
        if outcome not in OUTCOMES:
            reason = f"error: the task layer returned outcome {outcome!r} ({reason})"
            outcome = "error"
        info["outcome"] = outcome
        info["reward_reason"] = str(reason) if reason else f"{outcome} (no reason given by the task layer)"
        info.setdefault("details", score.get("details", []))
        info["task"] = copy_spec(self._task.spec)  # fresh per call: callers may keep or mutate infos
        return info

    def _passed(self) -> bool:
        if not self._outcomes:
            return False
        if self.config.get("mode") == "stepwise":
            return all(o == "correct" for o in self._outcomes)
        return self._outcomes[-1] == "correct"

    def render(self) -> str | None:
        if self.render_mode is None:
            gym.logger.warn(f"{self.env_name}.render() called without a render_mode")
            return None
        text = self._render_text()
        if self.render_mode == "ansi":
            return text
        print(text)
        return None

    def _render_text(self) -> str:
        last = self._last
        if not last:
            return f"[{self.env_name}] (not reset)"
        lines = [f"[{self.env_name}] turn {self._turn}"]
        if last.get("action") is not None:
            info = last["info"]
            lines.append(f"response: {last['action'][:2000]}")
            lines.append(
                f"reward: {last['reward']:.4g}  outcome: {info['outcome']}  ({info['reward_reason']})"
            )
        if last.get("observation"):
            lines.append(last["observation"])
        return "\n".join(lines)

    def close(self) -> None:
        self._episode = None
        self._task = None
        self._done = True
        self._upcoming.clear()
        self._prefetched.clear()


class ExecNextEnv(ExecEnv):
    """Control flow: which line runs next (``mode`` = "single" | "stepwise")."""

    env_name = "ExecNext-v0"


class ExecVarEnv(ExecEnv):
    """Data flow: value and type of a variable after a line ran (``mode`` = "single" | "stepwise")."""

    env_name = "ExecVar-v0"


class ExecIOEnv(ExecEnv):
    """Input to output (``whitebox``, ``reward`` = "default" | "execverify")."""

    env_name = "ExecIO-v0"


class ExecOIEnv(ExecEnv):
    """Output to input, verified by running the original program on the proposed arguments."""

    env_name = "ExecOI-v0"


class ExecAuditEnv(ExecEnv):
    """Test writing: one literal assertion that the reference passes and a faulty candidate fails."""

    env_name = "ExecAudit-v0"


class UnitTestEnv(ExecEnv):
    """Code generation against hidden unit tests; ``max_turns > 1`` makes repair episodes; ``tasks_path`` for
    user JSONL tasks (then ``reset(seed=s)`` serves row ``s % number_of_rows``)."""

    env_name = "UnitTest-v0"

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(render_mode=render_mode, **kwargs)
        buggy = self.config.get("start") == "buggy"
        if buggy and self.config["max_turns"] < 2:
            raise ValueError(f"{self.env_name}: start='buggy' needs max_turns > 1 (a repair episode), "
                             f"got max_turns={self.config['max_turns']}")
        self._user_specs: list[dict[str, Any]] | None = None
        if self.config["tasks_path"]:
            self._user_specs = self._load_user_specs(self.config["tasks_path"])
            missing = [i for i, s in enumerate(self._user_specs) if not (s["problem"].get("solution") or "").strip()]
            if buggy and missing:
                raise ValueError(f"{self.env_name}: start='buggy' needs a reference solution in every task; "
                                 f"{len(missing)} of {len(self._user_specs)} have none (first: row {missing[0]})")

    def _load_user_specs(self, path: str) -> list[dict[str, Any]]:
        from execgym.tasks import load_user_tasks  # contract: JSONL path -> list of full UnitTest specs

        specs = list(load_user_tasks(path, options=self.request(self.level, 0)["options"]))
        if not specs:
            raise ValueError(f"{self.env_name}: tasks_path {path!r} holds no tasks")
        return specs

    def request(self, level: int, seed: int) -> dict[str, Any]:
        if getattr(self, "_user_specs", None):
            return self._user_specs[seed % len(self._user_specs)]
        return super().request(level, seed)
