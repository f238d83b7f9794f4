"""Registration, declarative definitions and strict constructor kwargs."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from gymtest_helpers import ENV_NAMES, run_python

from execgym.gym.definitions import load_definitions
from execgym.gym.registration import register_all


def test_every_environment_is_registered_from_its_toml():
    definitions = load_definitions()
    assert sorted(definitions) == sorted(ENV_NAMES)
    for name, definition in definitions.items():
        assert definition.id == f"execgym/{name}"
        spec = gym.spec(definition.id)
        assert spec.entry_point == definition.entry_point
        assert spec.kwargs == definition.default_kwargs
        assert spec.max_episode_steps is None  # single-turn envs terminate themselves: no TimeLimit of 1
    assert sorted(register_all()) == sorted(d.id for d in definitions.values())  # idempotent


def test_declared_levels_exist_in_levels_toml():
    from importlib import resources

    import tomllib

    levels = tomllib.loads(resources.files("execgym.specs").joinpath("levels.toml").read_text("utf-8"))[
        "levels"
    ]
    defined = {int(k) for k in levels}
    for definition in load_definitions().values():
        assert set(definition.levels) <= defined, definition.name
        weights = {int(k) for k in definition.curriculum["weights"]}
        assert weights == set(definition.levels), definition.name


def test_import_is_light_and_prefix_works_in_a_fresh_process():
    code = (
        "import sys, gymnasium as gym\n"
        "env = gym.make('execgym:execgym/ExecIO-v0', level=2)\n"
        "obs, info = env.reset(seed=5)\n"
        "assert isinstance(obs, str) and obs, obs\n"
        "assert info['task']['level'] == 2 and info['task']['seed'] == 5\n"
        "import json; print(json.dumps(env.spec.kwargs, sort_keys=True))\n"
    )
    out = run_python(code).stdout.strip().splitlines()[-1]
    assert json.loads(out) == {"float_tolerance": 0.0, "level": 2, "reward": "default", "source": "synth",
                               "whitebox": True}
    heavy = run_python(
        "import sys, execgym\n"
        "bad = [m for m in ('torch', 'transformers', 'pyarrow', 'httpx', 'tqdm', 'matplotlib', 'execgym.gym.env',"
        " 'execgym.tasks', 'execgym.engine') if m in sys.modules]\n"
        "print(bad)\n"
    )
    assert heavy.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ENV_NAMES)
def test_unknown_kwarg_raises_type_error(name):
    with pytest.raises(TypeError, match="levle"):
        gym.make(f"execgym/{name}", levle=3)


@pytest.mark.parametrize("name", ENV_NAMES)
@pytest.mark.parametrize("level", [0, 9, -1, 100])
def test_undefined_level_raises_value_error(name, level):
    with pytest.raises(ValueError, match="level"):
        gym.make(f"execgym/{name}", level=level)


@pytest.mark.parametrize(
    "name, kwargs, error",
    [
        ("ExecIO-v0", {"level": "4"}, TypeError),
        ("ExecIO-v0", {"level": True}, TypeError),
        ("ExecIO-v0", {"whitebox": 1}, TypeError),
        ("ExecIO-v0", {"reward": "paper"}, ValueError),
        ("ExecOI-v0", {"reward": "nope"}, ValueError),
        ("ExecNext-v0", {"mode": "multi"}, ValueError),
        ("ExecVar-v0", {"whitebox": True}, TypeError),  # whitebox belongs to ExecIO only
        ("ExecIO-v0", {"mode": "stepwise"}, TypeError),  # stepwise belongs to ExecNext/ExecVar only
        ("UnitTest-v0", {"max_turns": 0}, ValueError),
        ("UnitTest-v0", {"max_turns": 2.0}, TypeError),
        ("UnitTest-v0", {"tasks_path": 3}, TypeError),
        ("ExecIO-v0", {"render_mode": "rgb_array"}, ValueError),
    ],
)
def test_bad_kwarg_values(name, kwargs, error):
    with pytest.raises(error):
        gym.make(f"execgym/{name}", **kwargs)


def test_kwargs_reach_the_env_and_its_spec():
    env = gym.make("execgym/ExecNext-v0", level=4, mode="stepwise")
    assert env.unwrapped.config == {"level": 4, "mode": "stepwise", "source": "synth"}
    assert env.spec.kwargs == {"level": 4, "mode": "stepwise", "source": "synth"}
    assert env.unwrapped.multi_turn
    env.close()


def test_unknown_reset_option_and_foreign_task_are_rejected():
    env = gym.make("execgym/ExecIO-v0")
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(seed=0, options={"levle": 2})
    with pytest.raises(ValueError, match="level"):
        env.reset(seed=0, options={"level": 42})
    with pytest.raises(ValueError, match="task spec of this env"):
        env.reset(options={"task": {"env": "ExecOI-v0", "level": 1, "seed": 0}})
    env.close()
