"""``source=`` for every environment, ``execgym dataset --source/--exclude``, ``execgym eval --source`` and
``execgym corpus``, over a small hand-written corpus (real sandbox, real Gymnasium envs, real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import gymnasium as gym
import pytest

import execgym  # noqa: F401 - registers the environments
from execgym.cli import main

LOOP = textwrap.dedent("""
    def f(xs, k):
        out = []
        for x in xs:
            if x % k == 0:
                out.append(x // k)
            else:
                out.append(x * 2)
        return out
    """).lstrip()
WORDS = textwrap.dedent("""
    def count_words(text):
        counts = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        return counts
    """).lstrip()
GENERATOR = textwrap.dedent("""
    def generate_inputs(rng: Random) -> dict:
        words = ['a', 'b', 'c', 'dd']
        return {'text': ' '.join(rng.choice(words) for _ in range(rng.randint(1, 6)))}
    """).lstrip()
ROWS = [
    {"code": LOOP, "input": "[3, 4, 6, 7], 3"},
    {"code": "def f(s):\n    return s.upper()\n", "inputs": ["'abc'", "'xY'"]},
    {"code": WORDS, "input_generator": GENERATOR, "task_description": "Count how often each word occurs.",
     "input_output_spec": "Input: `text` (str). Output: `return` (dict): word -> count."},
    {"code": "import numpy as np\ndef f(x):\n    return int(np.sum(x))\n", "input": "[1, 2]"},
]
ENV_LEVELS = [("ExecNext-v0", 4), ("ExecVar-v0", 4), ("ExecIO-v0", 1), ("ExecOI-v0", 3), ("UnitTest-v0", 3)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus_envs")
    os.environ["EXECGYM_CACHE_DIR"] = str(root / "cache")  # module scope; restored below
    path = root / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


@pytest.fixture(autouse=True, scope="module")
def _restore_cache_env():
    before = os.environ.get("EXECGYM_CACHE_DIR")
    yield
    if before is None:
        os.environ.pop("EXECGYM_CACHE_DIR", None)
    else:
        os.environ["EXECGYM_CACHE_DIR"] = before


@pytest.mark.parametrize("name, level", ENV_LEVELS)
def test_every_env_serves_corpus_programs(corpus, name, level):
    env = gym.make(f"execgym/{name}", level=level, source=f"corpus:{corpus}")
    obs, info = env.reset(seed=5)
    origin = info["task"]["origin"]
    assert origin["source"] == f"corpus:{corpus}" and origin["row"].startswith("small.jsonl:")
    assert info["task"]["options"]["source"] == f"corpus:{corpus}"
    _, reward, terminated, _, step = env.step(env.unwrapped.gold_response())
    assert step["outcome"] == "correct" and reward > 0 and terminated
    env.reset(seed=5)
    _, reward, *_, step = env.step("<answer>nonsense</answer>")
    assert step["outcome"] in ("wrong", "partial", "format_error") and step["reward_reason"]
    env.close()


def test_unittest_tasks_take_the_corpus_statement_and_generator_tests(corpus):
    env = gym.make("execgym/UnitTest-v0", level=3, source=f"corpus:{corpus}")
    obs, info = env.reset(seed=0)
    problem = info["task"]["problem"]
    assert obs.startswith("Count how often each word occurs.\n\nInput: `text` (str).")
    assert "def count_words(text):" in obs
    assert problem["origin"] == "corpus" and problem["solution"] == WORDS
    assert len(problem["tests"]) >= 2 and all(t["call"].startswith("count_words('") for t in problem["tests"])
    wrong = "<answer>\n```python\ndef count_words(text):\n    return {}\n```\n</answer>"
    _, reward, *_, step = env.step(wrong)
    assert reward < 1.0 and step["outcome"] in ("wrong", "partial")


def test_constructor_is_strict_about_the_source(corpus, tmp_path):
    with pytest.raises(ValueError, match="argument 'source'.*no such file or folder"):
        gym.make("execgym/ExecIO-v0", source=f"corpus:{tmp_path / 'missing.jsonl'}")
    with pytest.raises(ValueError, match="unknown program source 'corpsu:x'"):
        gym.make("execgym/ExecIO-v0", source="corpsu:x")
    with pytest.raises(TypeError, match="must be a str"):
        gym.make("execgym/ExecIO-v0", source=3)
    env = gym.make("execgym/ExecIO-v0", level=7, source=f"corpus:{corpus}")
    with pytest.raises(ValueError, match=r"has no program at level 7; it has levels \[1, 3, 4\]"):
        env.reset(seed=0)


def test_tasks_are_byte_identical_in_a_fresh_process_with_a_fresh_cache(corpus, tmp_path):
    request = {"env": "ExecVar-v0", "level": 4, "seed": 11, "options": {"source": f"corpus:{corpus}"}}
    script = ("import json, sys, execgym\n"
              "spec = execgym.make_task(json.loads(sys.argv[1])).spec\n"
              "print(json.dumps(spec, sort_keys=True))\n")
    env = {**os.environ, "EXECGYM_CACHE_DIR": str(tmp_path / "fresh"), "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", script, json.dumps(request)], capture_output=True, text=True,
                         env=env, timeout=300, check=True).stdout
    assert (tmp_path / "fresh" / "corpus").is_dir()  # it processed the corpus itself
    from execgym.tasks.registry import make_task

    assert out.strip() == json.dumps(make_task(request).spec, sort_keys=True)


def test_dataset_source_and_exclude(corpus, tmp_path, capsys):
    out = tmp_path / "rows.jsonl"
    assert main(["dataset", "--env", "ExecIO-v0", "-n", "6", "--quiet", "--source", f"corpus:{corpus}",
                 "-o", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["levels"] == {"1": 2, "3": 2, "4": 2}  # the corpus's levels, round-robin
    bench = tmp_path / "cruxeval.jsonl"
    bench.write_text(json.dumps({"code": "def f(s):\n    # same tree\n    return s.upper()\n", "input": "'q'"}) + "\n")
    guarded = tmp_path / "guarded.jsonl"
    assert main(["dataset", "--env", "ExecIO-v0", "-n", "4", "--quiet", "--source", f"corpus:{corpus}",
                 "--exclude", str(bench), "-o", str(guarded)]) == 0
    captured = capsys.readouterr()
    assert "excluded 1 corpus program(s)" in captured.err
    assert json.loads(captured.out)["levels"] == {"3": 2, "4": 2}
    rows = [json.loads(line) for line in guarded.read_text().splitlines()]
    assert all("s.upper()" not in json.loads(r["spec"])["program"]["source"] for r in rows)


@pytest.mark.parametrize("argv, message", [
    (["--source", "corpus:/no/such.jsonl"], "no such file or folder"),
    (["--source", "corpsu:x"], "unknown program source"),
    (["--levels", "7"], "has no program at level(s) [7]"),
    (["--exclude", "/no/bench.jsonl"], "no such file or folder: /no/bench.jsonl"),
])
def test_dataset_mistakes_are_one_line_and_exit_2(corpus, tmp_path, capsys, argv, message):
    base = ["dataset", "--env", "ExecIO-v0", "-n", "2", "--quiet", "-o", str(tmp_path / "x.jsonl")]
    if "--source" not in argv:
        argv = ["--source", f"corpus:{corpus}", *argv]
    assert main([*base, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()


def test_dataset_exclude_needs_a_corpus(tmp_path, capsys):
    assert main(["dataset", "--env", "ExecIO-v0", "-n", "2", "--quiet", "--exclude", "x.jsonl",
                 "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "--exclude applies to a corpus source" in capsys.readouterr().err


def test_eval_source_runs_the_corpus_levels(corpus, tmp_path, capsys):
    out = tmp_path / "eval"
    code = main(["eval", "--model", "heuristic", "--env", "ExecIO-v0", "--source", f"corpus:{corpus}",
                 "--levels", "1-4", "-n", "2", "-o", str(out), "--no-progress", "--no-plot"])
    assert code == 0
    assert "has no program at level(s) [2]" in capsys.readouterr().err
    episodes = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert sorted({e["level"] for e in episodes}) == [1, 3, 4]
    assert all(json.loads(json.dumps(e)).get("outcome") for e in episodes)


def test_corpus_command_prints_reasons_levels_and_questions(corpus, capsys):
    assert main(["corpus", f"corpus:{corpus}", "--quiet", "--json", "--show", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reasons"] == {"accepted": 3, "non_stdlib_import": 1}
    assert summary["levels"] == {"1": 1, "3": 1, "4": 1} and summary["with_statement"] == 1
    assert len(summary["shown"]) == 2 and "Complete the assertion" in summary["shown"][0]["task_prompt"]
    assert main(["corpus", "synth"]) == 2


def test_synth_report_shows_the_corpus_level_histogram(corpus, capsys):
    assert main(["synth", "--report", f"corpus:{corpus}", "--quiet", "--variants", "2"]) == 0
    out = capsys.readouterr().out
    assert "corpus: 4 rows, 3 accepted (levels: L1 1, L3 1, L4 1); dropped: non_stdlib_import 1" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("L1"))
    assert header.split() == ["L1", "L3", "L4", "all"]
