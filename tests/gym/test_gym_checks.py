"""Gymnasium's own checks, the UnicodeText space, vector envs and episode protocol for every environment."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils.env_checker import check_env
from gymtest_helpers import ENV_NAMES, ENV_VARIANTS, variant_id

from execgym.gym.spaces import UnicodeText


@pytest.mark.parametrize("variant", ENV_VARIANTS, ids=variant_id)
def test_check_env_passes_unwrapped_and_wrapped(variant):
    name, kwargs = variant
    env = gym.make(f"execgym/{name}", level=2, **kwargs)
    assert env.spec is not None  # check_env only tests seed determinism when a spec is set
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # any checker warning is a failure, except the documented wrapper notice
        warnings.filterwarnings("ignore", message=".*is different from the unwrapped version.*")
        warnings.filterwarnings("ignore", message=".*render.*")
        check_env(env.unwrapped, skip_render_check=True)
        check_env(env, skip_render_check=True)
    env.close()


def test_unicode_text_space():
    space = UnicodeText(100, seed=3)
    for text in ["", "x" * 100, "emoji 🙂 ≈ «»", "\x00\udcff"]:
        assert space.contains(text)
    for bad in [None, b"bytes", 5, ["a"], "x" * 101]:
        assert not space.contains(bad)
    first = [space.sample() for _ in range(20)]
    space.seed(3)
    assert [space.sample() for _ in range(20)] == first
    assert all(
        isinstance(s, str) and len(s) <= space.sample_max_length and s.isprintable() or "\n" in s
        for s in first
    )
    assert pickle.loads(pickle.dumps(space)) == space
    assert len(pickle.dumps(space)) < 2000  # no giant charset to ship to async workers
    assert not space.is_np_flattenable


def test_single_turn_terminates_and_protocol_errors_are_clear():
    env = gym.make("execgym/ExecIO-v0", whitebox=False)
    with pytest.raises(ResetNeeded):
        env.step("too early")
    env.reset(seed=1)
    obs, _reward, terminated, truncated, info = env.step("<answer>nope</answer>")
    assert terminated and not truncated and isinstance(obs, str)
    assert info["episode"]["turns"] == 1
    with pytest.raises(ResetNeeded, match="ended"):
        env.unwrapped.step("after the end")
    env.close()


def test_reset_seed_identifies_the_task_and_unseeded_resets_are_deterministic():
    env = gym.make("execgym/ExecVar-v0", level=3)
    obs_a, info_a = env.reset(seed=42)
    assert info_a["task"]["seed"] == 42 and info_a["task"]["level"] == 3
    follow_a = [env.reset()[1]["task"]["seed"] for _ in range(3)]
    obs_b, _ = env.reset(seed=42)
    follow_b = [env.reset()[1]["task"]["seed"] for _ in range(3)]
    assert obs_a == obs_b and follow_a == follow_b and len(set(follow_a)) == 3
    obs_c, info_c = env.reset(seed=42, options={"level": 5})
    assert info_c["task"]["level"] == 5 and obs_c != obs_a
    import numpy as np

    _, info_np = env.reset(seed=42, options={"level": np.int64(5)})  # numpy ints (e.g. from a sampler) work
    assert info_np["task"]["level"] == 5 and type(info_np["task"]["level"]) is int
    obs_d, info_d = env.reset(options={"task": info_a["task"]})
    assert obs_d == obs_a and info_d["task"] == info_a["task"]
    env.close()


def test_render_modes():
    env = gym.make("execgym/ExecIO-v0", render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert obs in env.render()
    env.step("<answer>x</answer>")
    assert "outcome" in env.render()
    env.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_envs_return_real_prompts(mode):
    kwargs = {"vector_kwargs": {"shared_memory": False}} if mode == "async" else {}
    venv = gym.make_vec("execgym/ExecIO-v0", num_envs=8, vectorization_mode=mode, **kwargs)
    try:
        obs, infos = venv.reset(seed=0)
        assert isinstance(obs, tuple) and len(obs) == 8 and all(isinstance(o, str) for o in obs)
        single = gym.make("execgym/ExecIO-v0")
        # vector env i is seeded with seed + i by Gymnasium; the prompts are the real task prompts
        expected = [single.reset(seed=i)[0] for i in range(8)]
        assert list(obs) == expected
        specs = [infos["task"]["seed"][i] for i in range(8)]
        assert specs == list(range(8))
        _obs2, rewards, terminated, truncated, infos2 = venv.step(
            tuple("<answer>?</answer>" for _ in range(8))
        )
        assert terminated.all() and not truncated.any() and (rewards == 0).all()
        assert set(infos2["outcome"]) <= {"wrong", "format_error"}
        single.close()
    finally:
        venv.close()


def test_async_with_shared_memory_fails_loudly():
    with pytest.raises(ValueError, match="shared_memory"):
        gym.make_vec("execgym/ExecIO-v0", num_envs=2, vectorization_mode="async")


@pytest.mark.parametrize("name", ENV_NAMES)
def test_info_keys_are_always_present(name):
    env = gym.make(f"execgym/{name}")
    _, info = env.reset(seed=3)
    assert {"task", "outcome", "reward_reason"} <= set(info)
    *_, info = env.step("")
    assert {"task", "outcome", "reward_reason", "details", "turn"} <= set(info)
    assert info["outcome"] == "format_error" and info["reward_reason"]
    env.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_execgym_make_vec_levels_and_same_step_autoreset(mode):
    from execgym.gym.vector import make_vec

    venv = make_vec("ExecIO-v0", 4, vectorization_mode=mode, levels=[1, 3], whitebox=False)
    try:
        obs, infos = venv.reset(seed=10)
        assert list(infos["task"]["level"]) == [1, 3, 1, 3]
        golds = venv.call("gold_response")
        obs2, rewards, terminated, _, infos = venv.step(golds)
        assert terminated.all() and (rewards == 1.0).all()
        assert all(isinstance(o, str) and o for o in obs2) and list(obs2) != list(
            obs
        )  # next prompts, same step
        # same-step autoreset: `infos` describe the new episodes, the finished steps' infos are in final_info
        assert list(infos["final_info"]["outcome"]) == ["correct"] * 4
        assert list(infos["task"]["level"]) == [1, 3, 1, 3]
    finally:
        venv.close()


def test_make_vec_with_a_curriculum_per_sub_env():
    from execgym import Curriculum
    from execgym.gym.vector import make_vec

    venv = make_vec(
        "ExecIO-v0",
        2,
        vectorization_mode="sync",
        whitebox=False,
        curriculum=lambda: Curriculum([1, 2], window=2, min_samples=1, promote_at=0.5, demote_at=0.0),
    )
    try:
        venv.reset(seed=0)
        venv.step(venv.call("gold_response"))
        frontiers = [e.curriculum.frontier for e in venv.envs]
        assert frontiers == [2, 2]
    finally:
        venv.close()
