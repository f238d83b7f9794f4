"""Stage II on real data: the paper schedule's UnitTest-v0 rows come from an Eurus-2-RL-Data file (built-in
tasks when it is absent, said clearly), the dry run shows it, and the code-generation benchmarks run after it."""

from __future__ import annotations

import io
import json

import pytest

from execgym.training.runner import TrainOptions, run_schedule
from execgym.training.schedule import ScheduleError, parse_schedule

SUM = "import sys\nd = sys.stdin.read().split()\nprint(sum(map(int, d[1:])))\n"


def eurus_rows() -> list[dict]:
    def row(i, content, gt, ability="code"):
        return {"data_source": "codecontests", "ability": ability,
                "prompt": [{"role": "system", "content": "PRIME actions ..."}, {"role": "user", "content": content}],
                "reward_model": {"style": "rule", "ground_truth": json.dumps(gt)},
                "extra_info": {"split": "train", "index": i}}

    return [
        row(0, "Read n numbers and print their sum.",
            {"inputs": ["2\n1 2\n", "3\n1 1 1\n"], "outputs": ["3\n", "3\n"]}),
        row(1, "Compute x squared. Use fn_name square.", {"fn_name": "square", "inputs": [[2], [3]], "outputs": [4, 9]}),
        row(2, "What is 2 + 2?", {"answer": "4"}, ability="math"),
    ]


def dry_run(workdir) -> str:
    out = io.StringIO()
    code = run_schedule(TrainOptions("execverify-qwen7b", str(workdir), dry_run=True, stage="rl-unittest",
                                     preview_rows=2), out)
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_dry_run_draws_stage_two_from_an_eurus_file_and_falls_back_when_absent(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from execgym.tasks import make_task, score

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "eurus-2-rl-data").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(eurus_rows()), tmp_path / "data" / "eurus-2-rl-data" / "train.parquet")
    text = dry_run(tmp_path / "w")
    path = tmp_path / "data" / "eurus-2-rl-data" / "train.parquet"
    assert f"tasks file {path}: 2 tasks, formats {{'eurus': 2}}; left out: {{'not a code problem': 1}}" in text
    assert "first planned tasks: UnitTest-v0/row" in text
    preview = [json.loads(line) for line in (tmp_path / "w" / "rl-unittest" / "preview" / "train.jsonl").open()]
    assert len(preview) == 2 and {r["source"] for r in preview} == {"eurus"}
    statements = sorted(r["prompt"].split("\n")[0] for r in preview)
    assert statements == ["Compute x squared. Use fn_name square.", "Read n numbers and print their sum."]
    for row in preview:
        spec = json.loads(row["label"])
        assert spec["options"]["reward"] == "prime" and spec["options"]["policy"] == "trusted"
        task = make_task(spec)
        program = SUM if task.stdio else "def square(x):\n    return x * x\n"
        s = score(spec, f"<answer>\n```python\n{program}```\n</answer>")
        assert s.reward == pytest.approx(1.05), s.reason
    # OpenRLHF's reward hook scores these rows on the prime scale (rewards up to 1.05, scores in [0, 1])
    from execgym.training.hookfiles.reward_func import reward_func

    row = next(r for r in preview if "sum" in r["prompt"])
    got = reward_func([row["prompt"] + f"<answer>\n```python\n{SUM}```\n</answer>"], [row["prompt"]], [row["label"]])
    assert got["rewards"] == [pytest.approx(1.05)] and got["scores"] == [pytest.approx(1.0)]
    # the code-generation benchmarks after Stage II, each noted as skipped while its file is absent
    for name in ("humaneval-plus", "mbpp-plus", "lcb-codegen", "bigcodebench"):
        assert f"# eval-{name} (data file" in text and f"--benchmark {name}" in text
    path.unlink()
    text = dry_run(tmp_path / "w2")
    assert ("tasks file data/eurus-2-rl-data/train.parquet not found" in text
            and "using built-in UnitTest-v0 tasks, levels [1, 2, 3, 4, 5, 6], instead" in text)
    assert "first planned tasks: UnitTest-v0/L" in text


def minimal(stages_extra: dict | None = None, eval_extra: dict | None = None) -> dict:
    mix = {"env": "UnitTest-v0", "levels": [1], **(stages_extra or {})}
    return {
        "schedule": {"name": "t"}, "model": {"name_or_path": "m"},
        "hardware": {"gpus_per_node": 1},
        "eval": {"envs": ["UnitTest-v0"], **(eval_extra or {})},
        "stages": [{"name": "rl", "kind": "rl", "data": {"samples": 4, "mix": [mix]},
                    "rl": {"n_samples_per_prompt": 2, "rollout_batch_size": 2, "micro_rollout_batch_size": 1,
                           "train_batch_size": 2}}],
    }


def test_schedule_checks_tasks_path_and_benchmarks():
    sched = parse_schedule(minimal({"tasks_path": "x.parquet"}, {"benchmarks": [{"name": "mbpp-plus", "data": "m"}]}))
    assert sched.stages[0].data.mix[0].tasks_path == "x.parquet" and sched.eval.benchmarks[0].after == []
    bad_env = minimal({"env": "ExecIO-v0", "tasks_path": "x"})
    with pytest.raises(ScheduleError, match="tasks_path: only UnitTest-v0 reads a tasks file"):
        parse_schedule(bad_env)
    with pytest.raises(ScheduleError, match=r"unknown benchmark 'humaneval\+'"):
        parse_schedule(minimal(eval_extra={"benchmarks": [{"name": "humaneval+"}]}))
    with pytest.raises(ScheduleError, match="no stage named 'rl-unittest'"):
        parse_schedule(minimal(eval_extra={"benchmarks": [{"name": "mbpp", "after": ["rl-unittest"]}]}))
