"""UnitTest-v0 start="buggy": repair episodes that start from a single-fault mutant of the reference
(execgym.tasks.mutate, execgym.tasks.buggystart), scored in the real sandbox."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from execgym.tasks import load_user_tasks, make_task
from execgym.tasks.mutate import mutate, mutation_sites

BUGGY = {"max_turns": 3, "start": "buggy"}
SPEC = {"env": "UnitTest-v0", "level": 3, "seed": 0, "options": BUGGY}

CLAMP_SRC = """def clamp_sum(xs, limit):
    if not xs:
        return -1
    total = 0
    for x in xs:
        if x > limit:
            break
        total += x
    return total
"""
CLAMP_TESTS = [
    "assert clamp_sum([], 3) == -1",
    "assert clamp_sum([1, 2, 3], 5) == 6",
    "assert clamp_sum([1, 9, 2], 5) == 1",
    "assert clamp_sum([5, 5], 5) == 10",
    "assert clamp_sum([6], 5) == 0",
    "assert clamp_sum([0, 0, 7, 1], 6) == 0",
    "assert clamp_sum([2, 2, 2, 2], 2) == 8",
    "assert clamp_sum([3, 4, 5], 4) == 7",
    "assert clamp_sum([], 0) == -1",
    "assert clamp_sum([1], 1) == 1",
    "assert clamp_sum([10, 1], 9) == 0",
    "assert clamp_sum([4, 4, 9], 8) == 8",
]


def code(text: str) -> str:
    return "<answer>\n```python\n" + text.rstrip() + "\n```\n</answer>"


@pytest.fixture(scope="module")
def task():
    return make_task(SPEC)


# ---------------------------------------------------------------- mutate.py, each fault kind


@pytest.mark.parametrize(
    ("source", "kind", "mutated"),
    [
        (
            "def f(x):\n    return x + 1\n",
            "int",
            {"def f(x):\n    return x + 2", "def f(x):\n    return x + 0"},
        ),
        ("def f(x):\n    return x < 3\n", "cmp", {"def f(x):\n    return x <= 3"}),
        ("def f(a, b):\n    return a and b\n", "boolop", {"def f(a, b):\n    return a or b"}),
        ("def f(a, b):\n    return pow(a, b)\n", "swap", {"def f(a, b):\n    return pow(b, a)"}),
        (
            "def f(s):\n    return s.strip()\n",
            "method",
            {"def f(s):\n    return s.lstrip()", "def f(s):\n    return s.rstrip()"},
        ),
        ("def f(x):\n    if x < 0:\n        return 0\n    return x\n", "dropif", {"def f(x):\n    return x"}),
        (
            "def f(x):\n    if x:\n        y = 1\n    else:\n        y = 2\n    return y\n",
            "dropif",
            {"def f(x):\n    y = 2\n    return y"},
        ),
    ],
)
def test_mutate_each_fault_kind(source, kind, mutated):
    from execgym.tasks import mutate as m

    sites = [s for s in mutation_sites(source) if s[1] == kind]
    assert sites, kind
    got = set()
    for site in sites:
        tree = ast.parse(source)
        description = m._apply(tree, site)
        assert description.startswith("line ")
        got.add(ast.unparse(tree))
    assert mutated <= got, (kind, got)


def test_mutate_deterministic_and_differs():
    for seed in range(20):
        a, b = mutate(CLAMP_SRC, seed), mutate(CLAMP_SRC, seed)
        assert a == b and a is not None
        assert a.source != ast.unparse(ast.parse(CLAMP_SRC))
    assert len({mutate(CLAMP_SRC, s).source for s in range(20)}) > 3


def test_mutate_no_site_or_no_parse():
    assert mutate("def f(x):\n    return x\n", 0) is None
    assert mutate("def f(:\n", 0) is None
    assert mutation_sites("def f(:\n") == []


def test_dropif_never_leaves_an_empty_body():
    src = "def f(x):\n    if x:\n        return 1\n"  # the only statement: removing it would empty the body
    assert not [s for s in mutation_sites(src) if s[1] == "dropif"]


# ---------------------------------------------------------------- built-in repair episodes


def test_first_observation_has_mutant_and_failing_test(task):
    assert task.start.get("code"), task.start
    obs = task.episode().observation
    assert task.start["code"].rstrip() in obs
    assert "buggy implementation" in obs
    assert "A failing test:" in obs and "expected:" in obs and "actual:" in obs
    assert task.start["description"] not in obs  # metadata, never for the model


def test_mutant_differs_and_really_fails(task):
    assert ast.unparse(ast.parse(task.start["code"])) != ast.unparse(ast.parse(task.problem["solution"]))
    score, feedback = task.attempt(code(task.start["code"]))
    assert score.reward < 1.0
    assert any(not d["correct"] for d in feedback)
    assert any(not d["correct"] for d in score.details)


def test_gold_scores_one_and_unchanged_mutant_less(task):
    ep = task.episode()
    _, reward, done, info = ep.step(task.gold_response())
    assert reward == 1.0 and done and info["outcome"] == "correct"
    ep = task.episode()
    obs, reward, done, info = ep.step(code(task.start["code"]))
    assert reward < 1.0 and not done
    assert "passed" in info["reward_reason"] and "failure" in info["reward_reason"]
    assert "A failing test:" in obs


def test_deterministic_two_constructions(task):
    from execgym.tasks.registry import clear_cache

    first = task.episode().observation
    clear_cache()
    assert make_task(SPEC).episode().observation == first


def test_deterministic_in_a_subprocess(task):
    script = (
        "import json, sys\nfrom execgym.tasks import make_task\n"
        f"sys.stdout.write(make_task(json.loads({json.dumps(json.dumps(SPEC))})).episode().observation)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    assert out.stdout.decode("utf-8") == task.episode().observation


def test_bad_option_combinations_raise():
    with pytest.raises(ValueError, match="max_turns > 1"):
        make_task({"env": "UnitTest-v0", "level": 3, "seed": 0, "options": {"start": "buggy"}})
    with pytest.raises(ValueError, match="start"):
        make_task(
            {"env": "UnitTest-v0", "level": 3, "seed": 0, "options": {"start": "broken", "max_turns": 2}}
        )
    with pytest.raises(TypeError):
        make_task({"env": "UnitTest-v0", "level": 3, "seed": 0, "options": {"start": 1, "max_turns": 2}})


def test_gymnasium_reset_step():
    import gymnasium as gym

    import execgym  # noqa: F401 - registers the envs

    env = gym.make("execgym/UnitTest-v0", level=3, max_turns=3, start="buggy")
    obs, _ = env.reset(seed=0)
    assert "buggy implementation" in obs
    obs, reward, terminated, truncated, info = env.step("no answer")
    assert reward == 0.0 and not terminated and info["reward_reason"]
    with pytest.raises(ValueError, match="max_turns > 1"):
        gym.make("execgym/UnitTest-v0", level=3, start="buggy")


# ---------------------------------------------------------------- user tasks


def _write(tmp_path, rows):
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_user_task_with_reference(tmp_path):
    path = _write(
        tmp_path,
        [
            {
                "prompt": "Sum until an element exceeds limit; -1 for an empty list.",
                "entry_point": "clamp_sum",
                "tests": CLAMP_TESTS,
                "solution": CLAMP_SRC,
            }
        ],
    )
    (spec,) = load_user_tasks(path, options=BUGGY)
    task = make_task(spec)
    assert task.start.get("code"), task.start
    obs = task.episode().observation
    assert task.start["code"].rstrip() in obs and "A failing test:" in obs
    _, reward, done, _ = task.episode().step(task.gold_response())
    assert reward == 1.0 and done


def test_user_task_without_reference_raises(tmp_path):
    import gymnasium as gym

    import execgym  # noqa: F401

    rows = [
        {"prompt": "Add.", "entry_point": "add", "tests": ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]}
    ]
    path = _write(tmp_path, rows)
    (spec,) = load_user_tasks(path, options=BUGGY)
    with pytest.raises(ValueError, match="reference solution"):
        make_task(spec)
    with pytest.raises(ValueError, match="reference solution"):
        gym.make("execgym/UnitTest-v0", tasks_path=str(path), max_turns=3, start="buggy")


def test_fallback_when_no_mutant_qualifies(tmp_path):
    rows = [
        {
            "prompt": "Identity.",
            "entry_point": "ident",
            "tests": ["assert ident(1) == 1", "assert ident(2) == 2"],
            "solution": "def ident(x):\n    return x\n",
        }
    ]
    (spec,) = load_user_tasks(_write(tmp_path, rows), options=BUGGY)
    task = make_task(spec)
    assert "fallback" in task.start and not task.start.get("code")
    assert "buggy implementation" not in task.episode().observation
    assert task.spec["problem"]["buggy"]["fallback"]
