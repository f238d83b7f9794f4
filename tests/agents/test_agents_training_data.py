"""Trace-grounded SFT rationales and stage data: every kept row earns the top reward."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agents_testlib import SCHEDULES

import execgym
from execgym.training.data import build_stage_data, plan_tasks
from execgym.training.rationale import answer_block, verified_rationale, walk_trace
from execgym.training.schedule import load_schedule, parse_schedule


def _schedule_with(samples: int, mix: list[dict], teacher: list[str] | None = None, fraction: float = 0.0):
    data = {
        "schedule": {"name": "t"},
        "model": {"name_or_path": "m"},
        "hardware": {"gpus_per_node": 1},
        "stages": [
            {
                "name": "sft",
                "kind": "sft",
                "data": {
                    "samples": samples,
                    "mix": mix,
                    "teacher": teacher or [],
                    "teacher_fraction": fraction,
                },
                "sft": {},
            }
        ],
    }
    return parse_schedule(data)


def test_plan_is_deterministic_and_proportional():
    s = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    stage = s.stage("rl-whitebox")
    a = plan_tasks(s, stage, count=800)
    assert a == plan_tasks(s, stage, count=800)
    counts = {env: sum(1 for p in a if p.env == env) for env in ("ExecIO-v0", "ExecOI-v0")}
    assert counts == {"ExecIO-v0": 500, "ExecOI-v0": 300}  # weights 5:3, exact
    assert {p.level for p in a} == set(range(1, 7))
    assert len({(p.env, p.seed) for p in a}) == len(a)
    sft = plan_tasks(s, s.stage("sft"), count=800)
    assert not {p.seed for p in a} & {p.seed for p in sft}  # stages draw from separate namespaces
    assert all(p.spec()["options"]["whitebox"] is True for p in a if p.env == "ExecIO-v0")


@pytest.mark.parametrize("env", ["ExecIO-v0", "ExecOI-v0", "ExecVar-v0", "ExecNext-v0"])
@pytest.mark.parametrize("level", [1, 4])
def test_rationale_earns_the_top_reward_when_scored(real_task, env, level):
    task = real_task(env, level=level, seed=11)
    response, reason = verified_rationale(task)
    assert reason is None and response is not None
    assert response.startswith("<reasoning>\n") and "</reasoning>" in response
    walk = response.split("</reasoning>")[0]
    assert "Line " in walk and task.program["call"] in walk  # a real walk of the real call
    scored = execgym.score(task.spec, response)
    assert scored.outcome == "correct" and scored.reward == scored.max_reward
    # the answer block is the gold one, and the walk alone (no answer) earns nothing
    assert answer_block(task.gold_response()).strip() in response
    assert execgym.score(task.spec, walk).reward == 0.0


def test_walk_shows_changed_variables_and_elides_long_loops():
    src = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
    trace = execgym.trace(src, "f(50)")
    walk = walk_trace(src, "f(50)", trace)
    assert "Line 2: `total = 0` -> total = 0" in walk
    assert "more steps in the same pattern" in walk
    assert walk.rstrip().endswith("So `f(50)` returns 1225.")
    assert len(walk.splitlines()) < 50


def test_sft_stage_data_rows_all_verify(tmp_path, real_task):
    real_task("ExecIO-v0")
    s = _schedule_with(
        6,
        [
            {"env": "ExecIO-v0", "levels": [1, 2], "options": {"whitebox": False}},
            {"env": "ExecOI-v0", "levels": [1]},
        ],
    )
    report = build_stage_data(s, s.stages[0], tmp_path)
    rows = [json.loads(line) for line in Path(report.path).read_text().splitlines()]
    assert report.rows == len(rows) == 6
    assert report.by_env == {"execgym/ExecIO-v0": 3, "execgym/ExecOI-v0": 3}
    for row in rows:
        assert execgym.make_task(row["label"]).prompt == row["input"]
        scored = execgym.score(row["label"], row["output"])
        assert scored.reward == scored.max_reward, scored.reason
    # byte-identical when rebuilt
    again = build_stage_data(s, s.stages[0], tmp_path / "again")
    assert Path(again.path).read_bytes() == Path(report.path).read_bytes()


def test_teacher_rows_are_rescored_and_mixed(tmp_path, real_task):
    good = real_task("ExecIO-v0", options={"whitebox": False})
    bad = real_task("ExecIO-v0", seed=4, options={"whitebox": False})
    teacher = tmp_path / "distill.jsonl"
    rows = [
        {"prompt": good.prompt, "response": good.gold_response(), "task": json.dumps(good.spec)},
        {
            "prompt": bad.prompt,
            "response": "<answer>\nassert f() == 0\n</answer>",
            "task": json.dumps(bad.spec),
        },
        {"prompt": "no spec", "response": "x"},
        "not a row",
    ]
    teacher.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    s = _schedule_with(
        4, [{"env": "ExecIO-v0", "levels": [1], "options": {"whitebox": False}}], [str(teacher)], 0.5
    )
    report = build_stage_data(s, s.stages[0], tmp_path / "out")
    assert report.rows == 4 and report.by_source == {"teacher": 1, "trace": 3}
    assert report.skipped["teacher_not_verified"] == 1
    assert report.skipped["teacher_missing_fields"] == 2 and report.skipped["teacher_bad_json"] == 1


def test_rl_stage_rows_carry_the_spec_label(tmp_path, real_task):
    real_task("ExecIO-v0")
    s = load_schedule(SCHEDULES / "smoke-1gpu.toml")
    stage = s.stage("rl-whitebox")
    report = build_stage_data(s, stage, tmp_path, limit=4)
    rows = [json.loads(line) for line in Path(report.path).read_text().splitlines()]
    assert len(rows) == 4 and report.eval_rows == 4
    for row in rows:
        task = execgym.make_task(row["label"])
        assert task.prompt == row["prompt"] and row["datasource"] == f"execgym/{task.spec['env']}"
        assert execgym.score(row["label"], task.gold_response()).outcome == "correct"


def test_dry_run_preview_is_exactly_the_real_runs_first_rows(tmp_path, real_task):
    """A preview (``limit``) writes the first rows of the full build, and the dry run's "first planned tasks"
    are the plan those rows come from (the plan never depends on the preview size)."""
    import dataclasses

    from execgym.training.data import stage_plan

    real_task("ExecIO-v0")
    schedule = load_schedule(SCHEDULES / "smoke-1gpu.toml")
    stages = [dataclasses.replace(s, data=dataclasses.replace(s.data, samples=4, eval_samples=2))
              for s in schedule.stages]
    small = dataclasses.replace(schedule, stages=type(schedule.stages)(stages))

    def read(path):
        return [json.loads(line) for line in Path(path).read_text().splitlines()]

    for stage in small.stages:
        full = build_stage_data(small, stage, tmp_path / stage.name / "full")
        preview = build_stage_data(small, stage, tmp_path / stage.name / "preview", limit=2)
        assert read(preview.path) == read(full.path)[:2], stage.name
        if stage.kind == "rl":
            assert read(preview.eval_path) == read(full.eval_path)[:2]
            firsts = [(p.env, p.level, p.seed) for p in stage_plan(small, stage)[:2]]
            labels = [json.loads(r["label"]) for r in read(preview.path)]
            assert [(lb["env"], lb["level"], lb["seed"]) for lb in labels] == firsts
