"""What the harness evaluates: items that open sessions a model talks to.

An *item* is one task instance (an environment task ``(env, level, seed)``, or one benchmark
question). ``item.start()`` (blocking; may generate a program and run the sandbox) returns a
:class:`Session` with the first ``observation`` and a ``step(response)`` that returns
``(next_observation, reward, done, info)``. ``info`` always carries ``outcome``, ``reward_reason``,
``max_reward`` and ``correct``; benchmark sessions add ``official`` (bool, or None when the official
protocol drops the answer) and ``details``. Environment sessions wrap ``Task.episode()``, so
multi-turn tasks (repair, stepwise) are driven exactly as a trainer drives them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from execgym.seeding import derive_seed

StepResult = tuple[str, float, bool, dict]


class Session(Protocol):
    observation: str
    spec: dict

    def step(self, response: str) -> StepResult: ...


class Item(Protocol):
    task: str
    level: int | None
    item_id: str
    seed: int | None

    def start(self) -> Session: ...


def normalize_env(name: str) -> str:
    """``execgym:execgym/ExecIO-v0`` / ``execgym/ExecIO-v0`` / ``ExecIO-v0`` -> ``ExecIO-v0``."""
    name = name.strip()
    for prefix in ("execgym:", "execgym/"):
        name = name.removeprefix(prefix)
    return name


def task_seed(base_seed: int, env: str, level: int, index: int) -> int:
    """The task seed of the ``index``-th task of (env, level) in a run started with ``base_seed``.

    Hashed (never ``seed + i``) and kept below 2**31 so any consumer can use it.
    """
    return derive_seed("execgym-eval", base_seed, env, level, index) % (2**31)


class EnvSession:
    """A running ``Task.episode()``; ``correct`` means the final step (every step, if stepwise) was correct."""

    def __init__(self, task: Any):
        self.task = task
        self.spec = task.spec
        self.episode = task.episode()
        self.observation = self.episode.observation
        self._all_correct = True
        self._stepwise = (task.spec.get("options") or {}).get("mode") == "stepwise"

    def step(self, response: str) -> StepResult:
        obs, reward, done, info = self.episode.step(response)
        info = dict(info)
        outcome = str(info.get("outcome", "error"))
        self._all_correct = self._all_correct and outcome == "correct"
        info["correct"] = self._all_correct if self._stepwise else outcome == "correct"
        info.setdefault("reward_reason", outcome)
        info.setdefault("max_reward", 1.0)
        return obs, float(reward), bool(done), info

    def gold_response(self) -> str:
        return self.episode.gold_response()


@dataclass(frozen=True)
class EnvItem:
    """One environment task: ``execgym.make_task({"env", "level", "seed"[, "options"]})``."""

    task: str  # environment name, e.g. "ExecIO-v0"
    level: int
    seed: int
    index: int
    options: dict = field(default_factory=dict, compare=False)

    @property
    def item_id(self) -> str:
        return str(self.seed)

    def spec_request(self) -> dict:
        spec: dict[str, Any] = {"env": self.task, "level": self.level, "seed": self.seed}
        if self.options:
            spec["options"] = dict(self.options)
        return spec

    def start(self) -> EnvSession:
        from execgym.tasks.registry import make_task

        return EnvSession(make_task(self.spec_request()))


def env_items(envs: list[str], levels: list[int], n: int, seed: int, options: dict | None = None) -> list[EnvItem]:
    """``n`` tasks per (env, level), seeds derived from ``seed``; order: env, level, index."""
    items = []
    for env in envs:
        env = normalize_env(env)
        for level in levels:
            for i in range(n):
                items.append(EnvItem(env, level, task_seed(seed, env, level, i), i, dict(options or {})))
    return items


@dataclass
class BenchSession:
    """A single-turn benchmark question; ``scorer(response) -> info`` is blocking and total."""

    observation: str
    spec: dict
    scorer: Callable[[str], dict]

    def step(self, response: str) -> StepResult:
        try:
            info = self.scorer(response)
        except Exception as exc:  # noqa: BLE001 - scoring must never take the harness down
            info = {"outcome": "error", "reward_reason": f"scorer error: {type(exc).__name__}: {exc}",
                    "correct": False, "official": False, "reward": 0.0}
        info.setdefault("max_reward", 1.0)
        info.setdefault("reward", 1.0 if info.get("correct") else 0.0)
        return "", float(info["reward"]), True, info


@dataclass(frozen=True)
class BenchItem:
    """One benchmark question (``level`` is None). ``group`` ties questions REval aggregates together."""

    task: str
    item_id: str
    prompt: str
    spec: dict
    scorer: Callable[[str], dict] = field(compare=False, repr=False)
    group: str | None = None
    seed: int | None = None
    level: int | None = None

    def start(self) -> BenchSession:
        return BenchSession(self.prompt, self.spec, self.scorer)


@dataclass(frozen=True)
class SpecItem:
    """A task given by a full spec (e.g. a row of ``execgym dataset`` output); never regenerated."""

    task: str
    level: int | None
    seed: int | None
    item_id: str
    spec_json: str = field(repr=False)

    def start(self) -> EnvSession:
        import json

        from execgym.tasks.registry import make_task

        return EnvSession(make_task(json.loads(self.spec_json)))


def spec_items(specs: list[Any]) -> list[SpecItem]:
    """Items from task specs (dicts or JSON text); the item id is a hash of the canonical spec."""
    import hashlib
    import json

    items = []
    for spec in specs:
        if isinstance(spec, str):
            spec = json.loads(spec)
        if not isinstance(spec, dict) or "env" not in spec:
            raise ValueError("a task spec must be a JSON object with an 'env' field")
        text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
        items.append(SpecItem(normalize_env(str(spec["env"])), spec.get("level"), spec.get("seed"), digest, text))
    return items


def load_task_file(path: str) -> list[SpecItem]:
    """Specs from JSONL: each line a spec, or a row whose ``spec``/``label``/``task`` field (or verl's
    ``reward_model.ground_truth``) holds one: every format ``execgym dataset`` writes."""
    import json
    from pathlib import Path

    specs = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if isinstance(row, dict) and "env" not in row:
            reward_model = row.get("reward_model")
            for key in ("task", "label", "spec"):
                if key in row:
                    row = row[key]
                    break
            else:
                if isinstance(reward_model, dict) and "ground_truth" in reward_model:
                    row = reward_model["ground_truth"]
                else:
                    raise ValueError(f"{path}:{lineno}: no task spec (expected 'env', a spec/label/task field or "
                                     "reward_model.ground_truth)")
        specs.append(row)
    return spec_items(specs)
