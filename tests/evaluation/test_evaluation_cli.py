"""``execgym eval`` end to end: the heuristic on generated tasks, a loopback model answering gold,
resume from a partial file, model failures, multi-turn episodes, summary schema and the plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execgym.cli import main as cli_main
from execgym.evaluation.items import env_items, task_seed

PROGRAMS = [
    ("def f(items, k):\n    total = 0\n    for v in items:\n        if v > k:\n            total += v\n    return total\n",
     "f([1, 5, 7], 4)"),
    ("def f(text):\n    out = ''\n    for ch in text:\n        out = ch + out\n    return out\n", "f('abc')"),
    ("def f(a, b):\n    c = a * b\n    return c - a\n", "f(6, 7)"),
]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def task_file(tmp_path: Path, envs=("ExecIO-v0", "ExecVar-v0", "ExecOI-v0"), options=None) -> Path:
    from execgym.tasks import from_program

    rows = []
    for env in envs:
        for i, (src, call) in enumerate(PROGRAMS):
            spec = from_program(env, src, call, seed=i, level=1 + i, options=options)
            rows.append(json.dumps({"prompt": "unused", "task": json.dumps(spec)}))
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return path


def gold_responder(task_path: Path):
    """Answers every observation of every task with its gold response (driving multi-turn episodes)."""
    from execgym.tasks import make_task

    gold: dict[str, str] = {}
    for line in task_path.read_text().splitlines():
        spec = json.loads(json.loads(line)["task"])
        episode = make_task(spec).episode()
        obs = episode.observation
        for _ in range(64):
            answer = episode.gold_response()
            gold[obs] = answer
            obs, _, done, _ = episode.step(answer)
            if done:
                break

    def responder(body):
        return gold[body["messages"][-1]["content"]]

    return responder


def run(args: list[str]) -> int:
    return cli_main(["eval", "--no-progress", *args])


def test_gold_answers_through_the_loopback_server_score_full_marks(tmp_path, openai_server):
    tasks = task_file(tmp_path)
    openai_server.state.responder = gold_responder(tasks)
    out = tmp_path / "out"
    assert run(["--model", "openai:gold", "--base-url", openai_server.base_url, "--tasks", str(tasks),
                "-o", str(out), "--samples", "2"]) == 0
    records = load(out / "episodes.jsonl")
    assert len(records) == 9 * 2
    for rec in records:
        assert rec["correct"] and rec["outcome"] == "correct" and rec["reward"] == rec["max_reward"]
        assert rec["prompt"] and rec["response"] and rec["spec"]["env"] == rec["task"]
        assert rec["prompt_tokens"] > 0 and rec["completion_tokens"] > 0 and rec["latency_s"] > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "openai:gold"
    rows = summary["results"]
    assert {(r["task"], r["level"]) for r in rows} == {(e, lv) for e in ("ExecIO-v0", "ExecVar-v0", "ExecOI-v0")
                                                       for lv in (1, 2, 3)}
    for r in rows:
        assert set(r) >= {"task", "level", "n", "mean_reward", "accuracy", "format_error_rate", "official_accuracy"}
        assert r["n"] == 2 and r["accuracy"] == 1.0 and r["format_error_rate"] == 0.0
        assert r["official_accuracy"] is None and r["pass_at_k"] == {"1": 1.0, "2": 1.0}
    assert summary["usage"]["requests"] - summary["usage"]["retries"] == 18


def test_resume_skips_done_episodes_and_retries_model_errors(tmp_path, openai_server):
    tasks = task_file(tmp_path, envs=("ExecIO-v0",))
    openai_server.state.responder = gold_responder(tasks)
    out = tmp_path / "out"
    base = ["--model", "openai:gold", "--base-url", openai_server.base_url, "--tasks", str(tasks), "-o", str(out),
            "--max-retries", "0", "--concurrency", "1"]
    # first run: the second request fails hard (400): that episode is a model_error, exit code 1
    openai_server.state.script = [("ok",), ("status", 400)]
    assert run(base) == 1
    records = load(out / "episodes.jsonl")
    assert sorted(r["outcome"] for r in records) == ["correct", "correct", "model_error"]
    # simulate an interrupted run: keep the first record and a torn half line
    lines = (out / "episodes.jsonl").read_text().splitlines()
    good = next(ln for ln in lines if json.loads(ln)["outcome"] == "correct")
    (out / "episodes.jsonl").write_text(good + "\n" + good[: len(good) // 2])
    before = len(openai_server.state.requests)
    assert run(base) == 0
    assert len(openai_server.state.requests) - before == 2  # only the two missing episodes were asked
    final = load(out / "episodes.jsonl")
    assert len({r["key"] for r in final}) == 3 and all(r["outcome"] == "correct" for r in final)
    # a third run has nothing to do
    before = len(openai_server.state.requests)
    assert run(base) == 0
    assert len(openai_server.state.requests) == before
    summary = json.loads((out / "summary.json").read_text())
    assert sum(r["n"] for r in summary["results"]) == 3


def test_results_of_another_model_are_not_mixed(tmp_path):
    tasks = task_file(tmp_path, envs=("ExecIO-v0",))
    out = tmp_path / "out"
    assert run(["--model", "heuristic", "--tasks", str(tasks), "-o", str(out)]) == 0
    assert run(["--model", "random", "--tasks", str(tasks), "-o", str(out)]) == 2


def test_multi_turn_stepwise_episodes_are_driven_turn_by_turn(tmp_path, openai_server):
    tasks = task_file(tmp_path, envs=("ExecNext-v0",), options={"mode": "stepwise"})
    openai_server.state.responder = gold_responder(tasks)
    out = tmp_path / "out"
    assert run(["--model", "openai:gold", "--base-url", openai_server.base_url, "--tasks", str(tasks),
                "-o", str(out)]) == 0
    records = load(out / "episodes.jsonl")
    assert all(r["correct"] for r in records)
    multi = [r for r in records if len(r.get("turns", [])) > 1]
    assert multi, "stepwise episodes should take several turns"
    # the conversation grew turn by turn: the last request of the longest episode carried every earlier turn
    longest = max(len(req["body"]["messages"]) for req in openai_server.state.requests)
    assert longest == 2 * max(len(r["turns"]) for r in multi) - 1
    for rec in multi:
        assert rec["reward"] == pytest.approx(sum(t["reward"] for t in rec["turns"]))
        assert all("observation" in t for t in rec["turns"][:-1])


def test_heuristic_main_command_writes_table_summary_and_plot(tmp_path, capsys):
    out = tmp_path / "results"
    rc = run(["--model", "heuristic", "--env", "ExecIO-v0,ExecVar-v0,ExecNext-v0", "--levels", "1-2", "-n", "3",
              "--seed", "0", "-o", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "ExecIO-v0" in table and "acc%" in table and "fmt_err%" in table
    records = load(out / "episodes.jsonl")
    assert len(records) == 3 * 2 * 3
    assert {r["seed"] for r in records if r["task"] == "ExecIO-v0" and r["level"] == 1} == {
        task_seed(0, "ExecIO-v0", 1, i) for i in range(3)}
    assert all(r["outcome"] in ("correct", "partial", "wrong", "format_error") for r in records)
    assert all(r["reason"] for r in records)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "heuristic" and len(summary["results"]) == 6
    for r in summary["results"]:
        assert 0.0 <= r["accuracy"] <= 1.0 and r["n"] == 3 and isinstance(r["level"], int)
    # the plot: a real PNG with one series per environment
    png = out / "accuracy_by_level.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    image = mpimg.imread(str(png))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    sidecar = json.loads((out / "accuracy_by_level.json").read_text())
    assert set(sidecar["series"]) == {"ExecIO-v0", "ExecVar-v0", "ExecNext-v0"}
    assert all(s["levels"] == [1, 2] for s in sidecar["series"].values())
    from execgym.evaluation.report import build_figure

    fig = build_figure(sidecar["series"], "t")
    assert len(fig.axes[0].get_lines()) == 3
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == list(sidecar["series"])


def test_same_seed_same_tasks_and_heuristic_never_sees_the_spec(tmp_path):
    a = env_items(["ExecIO-v0"], [1, 2], 4, seed=7)
    b = env_items(["execgym/ExecIO-v0"], [1, 2], 4, seed=7)
    assert [i.seed for i in a] == [i.seed for i in b] and len({i.seed for i in a}) == 8
    assert [i.seed for i in env_items(["ExecIO-v0"], [1, 2], 4, seed=8)] != [i.seed for i in a]


def test_plot_has_mean_reward_beside_accuracy_and_keeps_coinciding_lines_apart(tmp_path):
    """ExecVar earns partial credit (mean reward > 0) at 0% accuracy: the reward panel shows it; two series at 0
    everywhere stay visible (own marker and line style, horizontally offset)."""
    pytest.importorskip("matplotlib")
    from execgym.evaluation.report import build_figure, plot_series, write_plot

    rows = [{"task": t, "level": lv, "accuracy": acc, "mean_reward": rew}
            for t, acc, rew in (("ExecVar-v0", 0.0, 0.24), ("ExecIO-v0", 0.0, 0.0), ("ExecOI-v0", 0.0, 0.0))
            for lv in (1, 2, 3)]
    series = plot_series(rows)
    assert series["ExecVar-v0"]["mean_reward"] == [0.24, 0.24, 0.24]
    fig = build_figure(series, "t")
    reward_ax, acc_ax = fig.axes
    assert "reward" in reward_ax.get_ylabel() and "accuracy" in acc_ax.get_ylabel()
    lines = reward_ax.get_lines()
    assert [list(line.get_ydata()) for line in lines][0] == [0.24, 0.24, 0.24]
    io, oi = lines[1], lines[2]  # both all-zero
    assert list(io.get_xdata()) != list(oi.get_xdata())
    assert io.get_marker() != oi.get_marker() and io.get_linestyle() != oi.get_linestyle()
    path = write_plot(tmp_path, "m", rows)
    sidecar = json.loads((tmp_path / "accuracy_by_level.json").read_text())
    assert path.exists() and sidecar["series"]["ExecVar-v0"]["mean_reward"] == [0.24, 0.24, 0.24]
