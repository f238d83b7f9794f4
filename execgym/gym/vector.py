"""``make_vec``: vector envs of execgym environments with the settings text environments need.

Contract: ``make_vec(env, num_envs, vectorization_mode="async", levels=None, curriculum=None, **kwargs)`` returns a
``gymnasium`` ``AsyncVectorEnv`` (``shared_memory=False``: Gymnasium's shared memory cannot carry text) or
``SyncVectorEnv`` whose sub-envs are ``gym.make(env, **kwargs)``; ``levels`` gives sub-env ``i`` the level
``levels[i % len(levels)]`` (something ``gym.make_vec`` cannot do); ``curriculum`` (a ``Curriculum`` or a
zero-argument factory of one) wraps every sub-env, each with its own copy. Autoreset defaults to
``SAME_STEP``: every ``step`` finishes the single-turn episodes and already returns the next prompts (the
finished ones' final observations are in ``info["final_obs"]``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv


def _thunk(env_id: str, kwargs: dict[str, Any], curriculum: Any) -> Callable[[], gym.Env]:
    def make() -> gym.Env:
        env = gym.make(env_id, **kwargs)
        if curriculum is None:
            return env
        from execgym.gym.curriculum import Curriculum, CurriculumWrapper

        cur = curriculum() if callable(curriculum) and not isinstance(curriculum, Curriculum) else curriculum
        return CurriculumWrapper(env, copy.deepcopy(cur))

    return make


def make_vec(
    env: str,
    num_envs: int,
    *,
    vectorization_mode: str = "async",
    levels: Sequence[int] | None = None,
    curriculum: Any = None,
    autoreset_mode: AutoresetMode = AutoresetMode.SAME_STEP,
    **kwargs: Any,
) -> gym.vector.VectorEnv:
    """Vector env of ``num_envs`` execgym envs; see the module docstring."""
    import execgym  # noqa: F401  (registration, also inside async workers started with spawn)

    if num_envs < 1:
        raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    env_id = env if "/" in env else f"execgym/{env}"
    thunks = []
    for i in range(num_envs):
        env_kwargs = dict(kwargs)
        if levels:
            env_kwargs["level"] = int(levels[i % len(levels)])
        thunks.append(_thunk(env_id, env_kwargs, curriculum))
    if vectorization_mode == "sync":
        return SyncVectorEnv(thunks, autoreset_mode=autoreset_mode)
    if vectorization_mode == "async":
        return AsyncVectorEnv(thunks, shared_memory=False, autoreset_mode=autoreset_mode)
    raise ValueError(f"vectorization_mode must be 'sync' or 'async', got {vectorization_mode!r}")
