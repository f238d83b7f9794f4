"""``Curriculum``: weighted level sampling with promotion/demotion on a windowed pass rate.

Contract:
- Levels ``l`` up to the current *frontier* are unlocked; ``sample()`` draws an unlocked level with probability
  proportional to ``weights[l]`` (the default weights grow with the level, so the frontier gets the most mass and
  older levels are reviewed less often).
- ``update(level, passed)`` records one finished episode in that level's window (the last ``window`` results).
  When the frontier's window holds at least ``min_samples`` results and its pass rate is >= ``promote_at`` the
  frontier moves up one level; if it is < ``demote_at`` it moves down one. The window of the level moved to is
  cleared, so every move needs fresh evidence.
- Deterministic: draw ``i`` uses ``execgym.seeding.rng("execgym.curriculum", seed, i)``; the same seed and the
  same sequence of updates give the same levels in any process. ``state_dict()`` is JSON-able and
  ``load_state_dict()`` restores it exactly (saved alongside a trainer checkpoint).
- ``Curriculum.for_env(name)`` builds the default curriculum declared under ``[curriculum]`` in ``envs/<name>.toml``.
- ``CurriculumWrapper(env, curriculum)`` (or ``curriculum.wrap(env)``) sets the level on every ``reset`` that
  does not pass one, and calls ``update`` with ``info["episode"]["passed"]`` when an episode ends.
- ``schedule(n)`` is the feedback-free variant used by dataset export: the frontier advances evenly over the
  levels across the ``n`` rows (row ``i`` is in stage ``i * L // n``) and each row samples an unlocked level.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping
from typing import Any

import gymnasium as gym

from execgym.seeding import rng

STATE_VERSION = 1


class Curriculum:
    """Adaptive level scheduler; see the module docstring for the exact rules."""

    def __init__(
        self,
        levels: Iterable[int],
        *,
        weights: Mapping[int, float] | Mapping[str, float] | None = None,
        start_level: int | None = None,
        window: int = 64,
        min_samples: int | None = None,
        promote_at: float = 0.8,
        demote_at: float = 0.3,
        pass_fraction: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.levels: tuple[int, ...] = tuple(sorted(int(x) for x in levels))
        if not self.levels or len(set(self.levels)) != len(self.levels):
            raise ValueError(f"levels must be a non-empty list of distinct ints, got {self.levels}")
        raw = {int(k): float(v) for k, v in (weights or {}).items()}
        extra = sorted(set(raw) - set(self.levels))
        if extra:
            raise ValueError(f"weights given for levels {extra} that are not in {list(self.levels)}")
        self.weights: dict[int, float] = {lv: raw.get(lv, 1.0) for lv in self.levels}
        if any(w < 0 for w in self.weights.values()) or all(w == 0 for w in self.weights.values()):
            raise ValueError(f"weights must be >= 0 and not all zero, got {self.weights}")
        start = self.levels[0] if start_level is None else int(start_level)
        if start not in self.levels:
            raise ValueError(f"start_level {start} is not one of {list(self.levels)}")
        if not 0.0 <= demote_at <= promote_at <= 1.0:
            raise ValueError(f"need 0 <= demote_at <= promote_at <= 1, got {demote_at}, {promote_at}")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.window = int(window)
        self.min_samples = int(window if min_samples is None else min_samples)
        if not 1 <= self.min_samples <= self.window:
            raise ValueError(f"min_samples must be in 1..window, got {self.min_samples}")
        self.promote_at = float(promote_at)
        self.demote_at = float(demote_at)
        self.pass_fraction = float(pass_fraction)
        self.seed = int(seed)
        self.start_level = start
        self.frontier = start
        self.draws = 0
        self.episodes = 0
        self.results: dict[int, collections.deque[bool]] = {
            lv: collections.deque(maxlen=self.window) for lv in self.levels
        }
        self.history: list[dict[str, Any]] = []  # promotions and demotions, in order

    # -- construction from envs/<name>.toml ----------------------------------------------------------------------
    @classmethod
    def for_env(
        cls, env: str, *, levels: Iterable[int] | None = None, seed: int = 0, **overrides: Any
    ) -> Curriculum:
        """The default curriculum of an environment (``[curriculum]`` in its TOML), optionally restricted."""
        from execgym.gym.definitions import get_definition

        definition = get_definition(env)
        declared = dict(definition.curriculum)
        chosen = tuple(definition.levels if levels is None else levels)
        bad = sorted(set(chosen) - set(definition.levels))
        if bad:
            raise ValueError(
                f"{definition.name}: levels {bad} are not defined; defined: {list(definition.levels)}"
            )
        weights = {int(k): v for k, v in declared.pop("weights", {}).items() if int(k) in chosen}
        start = declared.pop("start_level", None)
        if start not in chosen:
            start = min(chosen)
        params = {**declared, **overrides}
        params.setdefault("start_level", start)
        return cls(chosen, weights=weights, seed=seed, **params)

    # -- sampling ------------------------------------------------------------------------------------------------
    @property
    def unlocked(self) -> tuple[int, ...]:
        return tuple(lv for lv in self.levels if lv <= self.frontier)

    def probabilities(self, frontier: int | None = None) -> dict[int, float]:
        """Sampling probability of each unlocked level (at ``frontier``, default the current one)."""
        top = self.frontier if frontier is None else frontier
        pool = [lv for lv in self.levels if lv <= top]
        total = sum(self.weights[lv] for lv in pool)
        if total <= 0:  # only zero-weight levels unlocked: sample the frontier itself
            return {lv: (1.0 if lv == top else 0.0) for lv in pool}
        return {lv: self.weights[lv] / total for lv in pool}

    def _draw(self, probabilities: dict[int, float]) -> int:
        u = rng("execgym.curriculum", self.seed, self.draws).random()
        self.draws += 1
        acc = 0.0
        chosen = None
        for level, p in probabilities.items():
            acc += p
            if p > 0:
                chosen = level
                if u < acc:
                    return level
        assert chosen is not None
        return chosen

    def sample(self) -> int:
        """Draw the level of the next episode."""
        return self._draw(self.probabilities())

    def schedule(self, n: int) -> list[int]:
        """Levels for ``n`` rows with the frontier advancing evenly over the levels (no feedback needed)."""
        stages = len(self.levels)
        out = []
        for i in range(n):
            top = self.levels[min(stages - 1, i * stages // max(n, 1))]
            out.append(self._draw(self.probabilities(max(top, self.frontier))))
        return out

    # -- feedback ------------------------------------------------------------------------------------------------
    def pass_rate(self, level: int | None = None) -> float | None:
        """Windowed pass rate of ``level`` (default: the frontier), None without results."""
        results = self.results[self.frontier if level is None else int(level)]
        return sum(results) / len(results) if results else None

    def update(self, level: int, passed: bool | float) -> str | None:
        """Record one finished episode; returns "promote" / "demote" when the frontier moved, else None.

        ``passed`` is a bool, or a reward fraction in [0, 1] that counts as a pass at >= ``pass_fraction``.
        """
        level = int(level)
        if level not in self.results:
            raise ValueError(f"level {level} is not one of {list(self.levels)}")
        ok = bool(passed) if isinstance(passed, bool) else float(passed) >= self.pass_fraction
        self.results[level].append(ok)
        self.episodes += 1
        if level != self.frontier or len(self.results[level]) < self.min_samples:
            return None
        rate = self.pass_rate(level)
        assert rate is not None
        index = self.levels.index(self.frontier)
        move = None
        if rate >= self.promote_at and index + 1 < len(self.levels):
            move, target = "promote", self.levels[index + 1]
        elif rate < self.demote_at and index > 0:
            move, target = "demote", self.levels[index - 1]
        if move is None:
            return None
        self.history.append(
            {"event": move, "from": self.frontier, "to": target, "episode": self.episodes, "pass_rate": rate}
        )
        self.frontier = target
        self.results[target].clear()
        return move

    # -- checkpointing -------------------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "levels": list(self.levels),
            "weights": {str(k): v for k, v in self.weights.items()},
            "start_level": self.start_level,
            "window": self.window,
            "min_samples": self.min_samples,
            "promote_at": self.promote_at,
            "demote_at": self.demote_at,
            "pass_fraction": self.pass_fraction,
            "seed": self.seed,
        }

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state: configuration, frontier, draw counter, windows and history."""
        return {
            "version": STATE_VERSION,
            "config": self.config(),
            "frontier": self.frontier,
            "draws": self.draws,
            "episodes": self.episodes,
            "results": {str(lv): [int(x) for x in dq] for lv, dq in self.results.items()},
            "history": [dict(h) for h in self.history],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()`` output; the level set must match this curriculum's."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported curriculum state version {state.get('version')!r}")
        config = state["config"]
        if list(config["levels"]) != list(self.levels):
            raise ValueError(
                f"state is for levels {config['levels']}, this curriculum has {list(self.levels)}"
            )
        fresh = Curriculum(
            config["levels"],
            weights=config["weights"],
            start_level=config["start_level"],
            window=config["window"],
            min_samples=config["min_samples"],
            promote_at=config["promote_at"],
            demote_at=config["demote_at"],
            pass_fraction=config["pass_fraction"],
            seed=config["seed"],
        )
        frontier = int(state["frontier"])
        if frontier not in fresh.levels:
            raise ValueError(f"frontier {frontier} is not one of {list(fresh.levels)}")
        fresh.frontier = frontier
        fresh.draws = int(state["draws"])
        fresh.episodes = int(state["episodes"])
        for lv, values in state["results"].items():
            fresh.results[int(lv)].extend(bool(v) for v in values)
        fresh.history = [dict(h) for h in state["history"]]
        self.__dict__.update(fresh.__dict__)

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> Curriculum:
        config = state["config"]
        curriculum = cls(config["levels"])
        curriculum.load_state_dict(state)
        return curriculum

    def wrap(self, env: gym.Env) -> CurriculumWrapper:
        return CurriculumWrapper(env, self)

    def __repr__(self) -> str:
        return f"Curriculum(levels={list(self.levels)}, frontier={self.frontier}, episodes={self.episodes})"


class CurriculumWrapper(gym.Wrapper):
    """Sets the level of each reset from the curriculum and feeds finished episodes back into it.

    A reset whose ``options`` already carry ``level`` or ``task`` is left alone (and still counted when it
    ends). Episode results come from ``info["episode"]["passed"]`` (set by execgym envs), or else from
    ``info["outcome"] == "correct"`` on the final step.
    """

    def __init__(self, env: gym.Env, curriculum: Curriculum) -> None:
        super().__init__(env)
        self.curriculum = curriculum
        self._level: int | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        options = dict(options or {})
        if "level" not in options and "task" not in options:
            options["level"] = self.curriculum.sample()
        observation, info = self.env.reset(seed=seed, options=options)
        level = info.get("level", options.get("level"))
        self._level = int(level) if level in self.curriculum.levels else None
        info["curriculum"] = {"frontier": self.curriculum.frontier, "level": self._level}
        return observation, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        if (terminated or truncated) and self._level is not None:
            episode = info.get("episode")
            passed = (
                episode["passed"]
                if isinstance(episode, dict) and "passed" in episode
                else (info.get("outcome") == "correct")
            )
            move = self.curriculum.update(self._level, bool(passed))
            info["curriculum"] = {"frontier": self.curriculum.frontier, "level": self._level, "move": move}
            self._level = None
        return observation, reward, terminated, truncated, info
