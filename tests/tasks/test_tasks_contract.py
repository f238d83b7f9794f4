"""Verifier contract fixtures (NeMo-Gym style) for every family at levels 1, 4, 6, 8 from the real synthesizer:
gold earns the top reward with outcome ``correct``; a wrong answer earns 0; malformed text is ``format_error``;
the same (env, level, seed) gives byte-identical tasks in other processes under other PYTHONHASHSEEDs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from execgym.tasks import make_task, score, score_batch

ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0")
LEVELS = (1, 4, 6, 8)
SEED = 11


@pytest.fixture(scope="module")
def tasks():
    out = {}
    for env in ENVS:
        for level in LEVELS:
            out[env, level] = make_task({"env": env, "level": level, "seed": SEED})
    return out


def _wrong_response(task) -> str:
    spec = task.spec
    env = spec["env"]
    if env == "ExecNext-v0":
        lines = ["999"] * len(task.questions)
    elif env == "ExecVar-v0":
        lines = ["'no such value'; bytes"] * len(task.questions)
    elif env == "ExecIO-v0":
        lines = [f"assert {spec['program']['call']} == ('not', 'the', 'output')"] + ["999"] * len(task.questions)
    elif env == "ExecOI-v0":
        lines = [f"assert {spec['program']['call']} == ('not', 'the', 'output')"]
    elif env == "ExecAudit-v0":
        lines = [f"assert {spec['problem']['witness']['call']} == ('not', 'the', 'output')"]
    else:
        entry = spec["problem"]["entry"]
        lines = ["```python", f"def {entry}(*args, **kwargs):", "    raise ValueError('no')", "```"]
    return "My answer.\n<answer>\n" + "\n".join(lines) + "\n</answer>"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("env", ENVS)
def test_gold_earns_top_reward(tasks, env, level):
    task = tasks[env, level]
    s = score(task.spec, task.gold_response())
    assert s.outcome == "correct", s.reason
    assert s.reward == s.max_reward == task.max_reward
    assert s.reason and s.details and all(d["correct"] for d in s.details)
    # the spec is JSON-able and self-contained: scoring a JSON round trip needs no regeneration
    again = json.loads(json.dumps(task.spec))
    assert score(again, task.gold_response()).outcome == "correct"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("env", ENVS)
def test_wrong_answer_earns_zero(tasks, env, level):
    task = tasks[env, level]
    s = score(task.spec, _wrong_response(task))
    assert s.reward == 0.0 and s.outcome == "wrong", s.reason
    assert s.reason and any(not d["correct"] for d in s.details)


@pytest.mark.parametrize("env", ENVS)
def test_score_and_info_are_json(tasks, env):
    task = tasks[env, 6]
    for response in (task.gold_response(), _wrong_response(task), "junk"):
        ep = task.episode()
        _obs, _reward, _done, info = ep.step(response)
        assert json.loads(json.dumps(info))["reward_reason"] == info["reward_reason"]
        scored = score(task.spec, response).to_dict()
        assert json.loads(json.dumps(scored)) == scored


def test_unknown_spec_version_is_rejected(tasks):
    spec = dict(tasks["ExecIO-v0", 1].spec, version=2)
    with pytest.raises(ValueError):
        make_task(spec)
    assert score(spec, "<answer>x</answer>").outcome == "error"


@pytest.mark.parametrize("env", ENVS)
def test_malformed_is_format_error(tasks, env):
    task = tasks[env, 4]
    for text in ("I think it is 5.", "<answer>unterminated", "", "</answer> 5 <answer>"):
        s = score(task.spec, text)
        assert s.outcome == "format_error" and s.reward == 0.0 and s.reason
        assert s.details and not any(d["correct"] for d in s.details)  # one entry per question, none right


@pytest.mark.parametrize("env", ENVS)
def test_episode_single_turn(tasks, env):
    task = tasks[env, 1]
    ep = task.episode()
    assert ep.observation == task.prompt
    _obs, reward, done, info = ep.step(task.gold_response())
    assert done and reward == task.max_reward and info["outcome"] == "correct" and info["reward_reason"]


def test_regeneration_matches_full_spec(tasks):
    task = tasks["ExecIO-v0", 4]
    again = make_task({"env": "ExecIO-v0", "level": 4, "seed": SEED, "options": {}})
    assert again.spec == task.spec and again.prompt == task.prompt


def test_score_batch_equals_score(tasks):
    items = [tasks[env, lv] for env in ENVS for lv in (1, 6)]
    specs = [t.spec for t in items]
    responses = [t.gold_response() if i % 2 == 0 else _wrong_response(t) for i, t in enumerate(items)]
    batch = score_batch(specs, responses)
    single = [score(s, r) for s, r in zip(specs, responses)]
    assert [(b.reward, b.outcome) for b in batch] == [(s.reward, s.outcome) for s in single]


_FINGERPRINT = r"""
import hashlib, json, sys
from execgym.tasks import make_task
out = {}
for env in sys.argv[1].split(","):
    for level in (1, 4, 6, 8):
        t = make_task({"env": env, "level": level, "seed": SEED})
        blob = json.dumps(t.spec, sort_keys=True) + "\x00" + t.prompt + "\x00" + t.gold_response()
        out[f"{env}:{level}"] = hashlib.sha256(blob.encode()).hexdigest()
print(json.dumps(out, sort_keys=True))
""".replace("SEED", str(SEED))


def _fingerprints_here(tasks) -> dict:
    out = {}
    for (env, level), t in tasks.items():
        blob = json.dumps(t.spec, sort_keys=True) + "\x00" + t.prompt + "\x00" + t.gold_response()
        out[f"{env}:{level}"] = hashlib.sha256(blob.encode()).hexdigest()
    return out


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_determinism_across_processes(tasks, hash_seed):
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    proc = subprocess.run(
        [sys.executable, "-c", _FINGERPRINT, ",".join(ENVS)],
        capture_output=True, text=True, env=env, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert theirs == _fingerprints_here(tasks)


def test_prefetch_builds_the_same_tasks():
    from execgym.tasks import prefetch
    from execgym.tasks.registry import clear_cache

    reqs = [{"env": env, "level": 4, "seed": 900 + i} for env in ("ExecIO-v0", "ExecVar-v0") for i in range(3)]
    clear_cache()
    one_by_one = [make_task(r).spec for r in reqs]
    clear_cache()
    batched = [t.spec for t in prefetch(reqs + [{"env": "UnitTest-v0", "level": 1, "seed": SEED}])]
    assert batched[:-1] == one_by_one
    assert batched[-1]["problem"]["tests"]


@pytest.mark.parametrize("level", (1, 6))
@pytest.mark.parametrize("env", ("ExecNext-v0", "ExecVar-v0"))
def test_stepwise_gold_walk(env, level):
    task = make_task({"env": env, "level": level, "seed": SEED, "options": {"mode": "stepwise"}})
    ep = task.episode()
    total, done, steps = 0.0, False, 0
    while not done:
        _obs, reward, done, info = ep.step(ep.gold_response())
        assert info["outcome"] == "correct", info["reward_reason"]
        total += reward
        steps += 1
    assert steps == len(task.questions) and total == pytest.approx(1.0)


def test_option_variants_gold(tasks):
    for options, top in (({"whitebox": False}, 1.0), ({"reward": "execverify"}, 2.0)):
        task = make_task({"env": "ExecIO-v0", "level": 6, "seed": SEED, "options": options})
        s = score(task.spec, task.gold_response())
        assert (s.outcome, s.reward) == ("correct", top)
    task = make_task({"env": "ExecOI-v0", "level": 6, "seed": SEED, "options": {"reward": "execverify"}})
    assert score(task.spec, task.gold_response()).reward == 2.0
    task = make_task({"env": "UnitTest-v0", "level": 4, "seed": SEED, "options": {"max_turns": 3}})
    _obs, reward, done, info = task.episode().step(task.gold_response())
    assert done and reward == 1.0 and info["outcome"] == "correct"
