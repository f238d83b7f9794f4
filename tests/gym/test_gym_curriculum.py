"""Curriculum: weighted sampling, promotion/demotion on a windowed pass rate, checkpointing, wrapper, schedule."""

from __future__ import annotations

import json
from collections import Counter

import gymnasium as gym
import pytest

from execgym import Curriculum
from execgym.gym.curriculum import CurriculumWrapper


def make(**kw) -> Curriculum:
    params = {
        "weights": {1: 1, 2: 2, 3: 3},
        "window": 10,
        "min_samples": 5,
        "promote_at": 0.8,
        "demote_at": 0.3,
        "seed": 7,
    }
    params.update(kw)
    return Curriculum([1, 2, 3], **params)


def test_samples_only_unlocked_levels_by_weight():
    c = make()
    assert {c.sample() for _ in range(50)} == {1}
    c.frontier = 3
    counts = Counter(c.sample() for _ in range(6000))
    assert set(counts) == {1, 2, 3}
    for level, weight in {1: 1, 2: 2, 3: 3}.items():
        assert abs(counts[level] / 6000 - weight / 6) < 0.03


def test_promotes_after_enough_passes_and_demotes_on_failures():
    c = make()
    moves = [c.update(1, True) for _ in range(5)]
    assert moves == [None, None, None, None, "promote"]
    assert c.frontier == 2 and c.pass_rate() is None  # the new level's window starts empty
    # results at a non-frontier level are recorded but never move the frontier
    assert all(c.update(1, False) is None for _ in range(20))
    assert c.frontier == 2
    moves = [c.update(2, False) for _ in range(5)]
    assert moves[-1] == "demote" and c.frontier == 1
    assert [h["event"] for h in c.history] == ["promote", "demote"]


def test_no_move_in_the_band_and_bounds_hold():
    c = make()
    for i in range(40):  # pass rate 0.5: between demote_at and promote_at
        assert c.update(1, i % 2 == 0) is None
    assert c.frontier == 1
    for _ in range(10):
        c.update(1, False)
    assert c.frontier == 1  # cannot demote below the lowest level
    c.frontier = 3
    for _ in range(10):
        c.update(3, True)
    assert c.frontier == 3  # cannot promote past the top


def test_reward_fractions_count_against_pass_fraction():
    c = make(pass_fraction=0.75)
    c.update(1, 0.8)
    c.update(1, 0.5)
    assert list(c.results[1]) == [True, False]


def test_state_round_trips_through_json_and_continues_identically():
    a = make()
    for i in range(23):
        level = a.sample()
        a.update(level, i % 3 != 0)
    state = json.loads(json.dumps(a.state_dict()))
    b = Curriculum.from_state_dict(state)
    c = make(seed=999)  # a different config is replaced by the checkpoint's
    c.load_state_dict(state)
    for other in (b, c):
        assert other.state_dict() == a.state_dict()
    seq = []
    for cur in (a, b, c):
        out = []
        for i in range(30):
            level = cur.sample()
            out.append((level, cur.update(level, i % 4 != 0)))
        seq.append(out)
    assert seq[0] == seq[1] == seq[2]


def test_same_seed_same_levels_different_seed_differs():
    first = [make(seed=3).frontier]
    c1, c2, c3 = make(seed=3), make(seed=3), make(seed=4)
    for c in (c1, c2, c3):
        c.frontier = 3
    s1, s2, s3 = ([c.sample() for _ in range(200)] for c in (c1, c2, c3))
    assert s1 == s2 and s1 != s3 and first == [1]


def test_bad_configuration_and_state_are_rejected():
    with pytest.raises(ValueError):
        Curriculum([])
    with pytest.raises(ValueError):
        Curriculum([1, 2], weights={3: 1.0})
    with pytest.raises(ValueError):
        Curriculum([1, 2], promote_at=0.2, demote_at=0.5)
    with pytest.raises(ValueError):
        Curriculum([1, 2], start_level=5)
    c = make()
    with pytest.raises(ValueError):
        c.update(7, True)
    other = Curriculum([1, 2])
    with pytest.raises(ValueError, match="levels"):
        other.load_state_dict(c.state_dict())


def test_default_curriculum_comes_from_the_env_toml():
    c = Curriculum.for_env("ExecIO-v0", levels=[1, 2, 3, 4, 5, 6])
    assert c.levels == (1, 2, 3, 4, 5, 6) and c.frontier == 1
    assert c.window == 64 and c.promote_at == 0.8
    assert c.weights[6] > c.weights[1]
    with pytest.raises(ValueError):
        Curriculum.for_env("ExecIO-v0", levels=[0, 1])


def test_schedule_advances_the_frontier_over_the_rows():
    c = Curriculum.for_env("ExecVar-v0", levels=[1, 2, 3], seed=1)
    levels = c.schedule(300)
    assert levels[:100] == [1] * 100  # stage 1: only level 1 unlocked
    assert set(levels[100:200]) <= {1, 2} and 2 in levels[100:200]
    assert set(levels[200:]) == {1, 2, 3}
    assert levels == Curriculum.for_env("ExecVar-v0", levels=[1, 2, 3], seed=1).schedule(300)


def test_wrapper_sets_levels_and_learns_from_outcomes():
    curriculum = Curriculum([1, 2], window=4, min_samples=2, promote_at=0.9, demote_at=0.1, seed=0)
    env = CurriculumWrapper(gym.make("execgym/ExecIO-v0", whitebox=False), curriculum)
    _, info = env.reset(seed=11)
    assert info["level"] == 1 and info["task"]["level"] == 1 and info["curriculum"]["frontier"] == 1
    gold = env.unwrapped.task.gold_response()
    *_, info = env.step(gold)
    assert info["episode"]["passed"] is True
    _, info = env.reset()
    *_, info = env.step(env.unwrapped.task.gold_response())
    assert info["curriculum"]["move"] == "promote" and curriculum.frontier == 2
    # an explicit level in options is respected, and still counted
    _obs, info = env.reset(options={"level": 2})
    assert info["level"] == 2
    *_, info = env.step("no answer here")
    assert info["outcome"] == "format_error" and list(curriculum.results[2]) == [False]
    env.close()
