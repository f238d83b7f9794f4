"""The pass-rate difficulty filter and verified distillation, against a loopback teacher."""

from __future__ import annotations

import json
from collections import Counter

from execgym.cli import main as cli_main
from execgym.evaluation.difficulty import filter_programs
from execgym.evaluation.items import env_items
from execgym.models import load_model

PROGRAMS = [
    {"source": "def f(x):\n    y = x + 1\n    return y * 2\n", "call": "f(3)", "level": 1},
    {"source": "def f(s):\n    return s[::-1]\n", "call": "f('abc')", "level": 1},
    {"source": "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n",
     "call": "f(5)", "level": 3},
    {"source": "def f(x):\n    return 1 // 0\n", "call": "f(1)", "level": 1},  # cannot become a question
]


def test_filter_keeps_programs_solved_at_most_max_pass_times(openai_server):
    from execgym.tasks import from_program, make_task

    gold = {}
    for prog in PROGRAMS[:3]:
        task = make_task(from_program("ExecIO-v0", prog["source"], prog["call"], options={"whitebox": False}))
        gold[task.prompt] = task.gold_response()
    right_times = dict(zip(gold, (5, 2, 3)))  # how often the teacher answers each prompt right
    seen: Counter = Counter()

    def responder(body):
        prompt = body["messages"][-1]["content"]
        seen[prompt] += 1
        if seen[prompt] <= right_times[prompt]:
            return gold[prompt]
        return "I am not sure.\n<answer>\nassert nothing\n</answer>"

    openai_server.state.responder = responder
    model = load_model("openai:teacher", base_url=openai_server.base_url)
    results = filter_programs(PROGRAMS, model, samples=5, max_pass=2)
    assert [r.passes for r in results[:3]] == [5, 2, 3]
    assert [r.kept for r in results] == [False, True, False, False]
    assert results[3].error and "could not build" in results[3].error
    assert all(r.samples == 5 for r in results)
    assert [r.program for r in results] == PROGRAMS
    assert sum(seen.values()) == 15  # the broken program was never asked


def test_filter_accepts_synth_programs_and_a_model_name():
    from execgym.synth import generate

    programs = [generate(1, s) for s in range(2)]
    results = filter_programs(programs, "heuristic", samples=2, max_pass=0)
    assert len(results) == 2 and all(r.samples == 2 and 0 <= r.passes <= 2 for r in results)
    assert all(r.kept == (r.passes == 0) for r in results)


def test_distill_keeps_only_verified_responses(tmp_path, openai_server):
    from execgym import score
    from execgym.tasks import make_task

    items = env_items(["ExecIO-v0", "ExecOI-v0"], [1], 3, seed=0)
    gold = {}
    for item in items:
        task = make_task(item.spec_request())
        gold[task.prompt] = (item.task, task.gold_response())

    def responder(body):
        env, answer = gold[body["messages"][-1]["content"]]
        return answer if env == "ExecIO-v0" else "<answer>\nassert f(0) == 0\n</answer>"

    openai_server.state.responder = responder
    out = tmp_path / "sft.jsonl"
    rc = cli_main(["distill", "--teacher", "openai:t", "--base-url", openai_server.base_url, "--env",
                   "ExecIO-v0,ExecOI-v0", "--levels", "1", "-n", "3", "--samples", "2", "-o", str(out),
                   "--no-progress"])
    assert rc == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3  # one verified row per ExecIO task; the wrong ExecOI answers are dropped
    for row in rows:
        assert row["env"] == "ExecIO-v0" and row["teacher"] == "openai:t"
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
        assert row["messages"][1]["content"] == row["response"]
        s = score(row["task"], row["response"])  # the row re-scores on its own
        assert s.outcome == "correct" and s.reward == s.max_reward
    assert (tmp_path / "sft.jsonl.episodes.jsonl").exists()
