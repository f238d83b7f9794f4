"""`execgym train`: dry run, the no-OpenRLHF failure, and a full run + interruption + resume against a
fake OpenRLHF installation whose parsers accept only the 0.11.2 flag names (real subprocesses)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from agents_testlib import FLAGS_FIXTURE, SCHEDULES

from execgym.cli import main as cli_main
from execgym.training import runner
from execgym.training.commands import Command
from execgym.training.runner import TrainOptions, check_checkpoint, run_schedule
from execgym.training.state import RunState

TINY_SCHEDULE = """
[schedule]
name = "tiny"
openrlhf_version = "0.11.2"

[model]
name_or_path = "base/model"

[hardware]
nodes = 1
gpus_per_node = 1
colocate = true
vllm_num_engines = 1

[eval]
envs = ["ExecIO-v0"]
levels = [1]
n = 1

[[stages]]
name = "sft"
kind = "sft"
[stages.data]
samples = 3
[[stages.data.mix]]
env = "ExecIO-v0"
levels = [1]
options = { whitebox = false }
[stages.sft]
batch_size = 2
micro_batch_size = 1

[[stages]]
name = "rl"
kind = "rl"
init = "sft"
[stages.data]
samples = 3
[[stages.data.mix]]
env = "ExecOI-v0"
levels = [1]
[stages.rl]
n_samples_per_prompt = 2
rollout_batch_size = 2
micro_rollout_batch_size = 1
train_batch_size = 2

[[stages]]
name = "rl2"
kind = "rl"
init = "rl"
[stages.data]
samples = 2
[[stages.data.mix]]
env = "UnitTest-v0"
levels = [1]
options = { max_turns = 2 }
[stages.rl]
hook = "agent"
n_samples_per_prompt = 2
rollout_batch_size = 2
micro_rollout_batch_size = 1
train_batch_size = 2
"""

FAKE_TRAINER = '''
"""Fake OpenRLHF entry point: rejects any flag that 0.11.2 does not have, writes a checkpoint."""
import json, os, sys
from pathlib import Path

PROGRAM = {program!r}
allowed = set(json.load(open({fixture!r}))[PROGRAM])
args = sys.argv[1:]
flags = [a for a in args if a.startswith("--")]
bad = [f for f in flags if f not in allowed]
with open(os.environ["FAKE_OPENRLHF_LOG"], "a") as log:
    log.write(json.dumps({{"module": {module!r}, "argv": args}}) + "\\n")
if bad:
    print("error: unrecognized arguments: " + " ".join(bad), file=sys.stderr)
    sys.exit(2)
def value(flag):
    return args[args.index(flag) + 1]
out_flag = "--output_path" if PROGRAM == "lora" else "--ckpt.output_dir"
if PROGRAM == "rl":
    Path(value("--ckpt.path")).mkdir(parents=True, exist_ok=True)
    data = value("--data.prompt_dataset")
    assert all("label" in json.loads(l) for l in open(data)), "rows need a label"
marker = Path(os.environ["FAKE_OPENRLHF_LOG"] + ".failed-once")
if os.environ.get("FAKE_FAIL_ONCE") == {module!r} and not marker.exists():
    marker.write_text("x")
    print("simulated crash", file=sys.stderr)
    sys.exit(1)
out = Path(value(out_flag))
out.mkdir(parents=True, exist_ok=True)
(out / "config.json").write_text("{{}}")
(out / "model.safetensors").write_bytes(b"weights")
print("fake training done")
'''


@pytest.fixture
def fake_openrlhf(tmp_path, monkeypatch):
    root = tmp_path / "fake"
    cli = root / "openrlhf" / "cli"
    cli.mkdir(parents=True)
    (root / "openrlhf" / "__init__.py").write_text("")
    (cli / "__init__.py").write_text("")
    for module, program in (("train_sft", "sft"), ("train_ppo_ray", "rl"), ("lora_combiner", "lora")):
        (cli / f"{module}.py").write_text(
            FAKE_TRAINER.format(program=program, fixture=str(FLAGS_FIXTURE), module=module)
        )
    bin_dir = root / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "deepspeed"
    launcher.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            """
            import os, sys
            args = sys.argv[1:]
            while args and args[0] != "--module":
                args = args[2:] if args[0] in ("--num_gpus", "--num_nodes", "--hostfile") else args[1:]
            os.execv(sys.executable, [sys.executable, "-m", args[1], *args[2:]])
            """
        )
    )
    python3 = bin_dir / "python3"
    python3.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    for f in (launcher, python3):
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_OPENRLHF_LOG", str(log))

    # evaluate with the real `execgym eval` CLI, on the heuristic model (a fake checkpoint can't load)
    def heuristic_eval(schedule, model_path, out_dir):
        argv = [
            sys.executable,
            "-m",
            "execgym",
            "eval",
            "--model",
            "heuristic",
            "--env",
            "ExecIO-v0",
            "--levels",
            "1",
            "-n",
            "1",
            "--seed",
            "5",
            "-o",
            str(out_dir),
            "--no-plot",
            "--no-progress",
        ]
        return Command("eval", argv, {})

    monkeypatch.setattr(runner, "eval_command", heuristic_eval)
    return log


def _calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_dry_run_prints_every_command(tmp_path, capsys):
    code = cli_main(
        ["train", "--schedule", "execverify-qwen7b", "--dry-run", "--preview-rows", "0", "-o", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("openrlhf.cli.train_ppo_ray") == 2 and out.count("openrlhf.cli.train_sft") == 1
    assert "--actor.model_name_or_path" in out and "--pretrain" not in out and "--remote_rm_url" not in out
    assert out.count("-m execgym eval") == 8  # baseline + 3 stages + 4 code-generation benchmarks after Stage II
    assert out.count("--benchmark ") == 4
    assert "30000 rows from ExecIO-v0" in out
    assert not (tmp_path / "state.json").exists()  # a dry run records no progress


def test_dry_run_builds_a_data_preview(tmp_path, real_task):
    real_task("ExecIO-v0")  # skips while the task layers are missing
    out = io.StringIO()
    assert (
        run_schedule(
            TrainOptions(str(SCHEDULES / "smoke-1gpu.toml"), str(tmp_path), dry_run=True, preview_rows=2), out
        )
        == 0
    )
    rows = [json.loads(l) for l in (tmp_path / "sft" / "preview" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["source"] == "trace" and "<answer>" in r["output"] for r in rows)
    rl_rows = [
        json.loads(l) for l in (tmp_path / "rl-whitebox" / "preview" / "train.jsonl").read_text().splitlines()
    ]
    assert all(json.loads(r["label"])["env"] in ("ExecIO-v0", "ExecOI-v0") for r in rl_rows)


@pytest.mark.skipif(importlib.util.find_spec("openrlhf") is not None, reason="OpenRLHF is installed here")
def test_real_run_without_openrlhf_fails_clearly(tmp_path, capsys):
    code = cli_main(["train", "--schedule", "smoke-1gpu", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "OpenRLHF is not installed" in out and 'pip install ".[train]"' in out and "--dry-run" in out


def test_bad_schedule_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY_SCHEDULE.replace("n = 1\n", 'n = 1\ncolour = "red"\n', 1))
    assert cli_main(["train", "--schedule", str(bad), "--dry-run", "-o", str(tmp_path / "w")]) == 2
    assert "unknown key(s) 'colour'" in capsys.readouterr().out


def test_full_run_interruption_and_resume(tmp_path, fake_openrlhf, real_task):
    real_task("ExecIO-v0")
    schedule = tmp_path / "tiny.toml"
    schedule.write_text(TINY_SCHEDULE)
    work = tmp_path / "work"
    options = TrainOptions(str(schedule), str(work))

    # 1. the RL stage crashes: SFT is done and checked, RL is marked failed
    os.environ["FAKE_FAIL_ONCE"] = "train_ppo_ray"
    try:
        out = io.StringIO()
        assert run_schedule(options, out) == 1, out.getvalue()
    finally:
        del os.environ["FAKE_FAIL_ONCE"]
    state = RunState.load(work)
    assert state.status("base") == "done" and state.status("sft") == "done" and state.status("rl") == "failed"
    assert check_checkpoint(work / "sft" / "model") == []
    sft_rows = [json.loads(l) for l in (work / "sft" / "data" / "train.jsonl").read_text().splitlines()]
    assert len(sft_rows) == 3 and all("<reasoning>" in r["output"] for r in sft_rows)

    # 2. without --resume the workdir is refused
    out = io.StringIO()
    assert run_schedule(options, out) == 1 and "--resume" in out.getvalue()

    # 3. --resume: SFT skipped, RL restarted from its DeepSpeed checkpoint, the agent stage runs
    out = io.StringIO()
    assert run_schedule(TrainOptions(str(schedule), str(work), resume=True), out) == 0, out.getvalue()
    assert "done before" in out.getvalue()
    calls = _calls(fake_openrlhf)
    modules = [c["module"] for c in calls]
    assert modules == ["train_sft", "train_ppo_ray", "train_ppo_ray", "train_ppo_ray"]
    rl_first, rl_again, rl2 = calls[1]["argv"], calls[2]["argv"], calls[3]["argv"]
    assert "--ckpt.load_enable" not in rl_first and "--ckpt.load_enable" in rl_again
    assert rl_again[rl_again.index("--actor.model_name_or_path") + 1] == str(work / "sft" / "model")
    assert rl2[rl2.index("--actor.model_name_or_path") + 1] == str(work / "rl" / "model")
    assert rl2[rl2.index("--train.agent_func_path") + 1] == str(work / "hooks" / "agent_func.py")
    assert (work / "hooks" / "agent_func.py").is_file()
    state = RunState.load(work)
    assert all(state.status(s) == "done" for s in ("base", "sft", "rl", "rl2"))
    for stage in ("base", "sft", "rl", "rl2"):
        summary = json.loads((work / stage / "eval" / "summary.json").read_text())
        assert summary["results"], stage

    # 4. a damaged checkpoint is noticed on resume and that stage is retrained
    (work / "rl2" / "model" / "model.safetensors").unlink()
    out = io.StringIO()
    assert run_schedule(TrainOptions(str(schedule), str(work), resume=True), out) == 0
    assert [c["module"] for c in _calls(fake_openrlhf)][4:] == ["train_ppo_ray"]


def test_a_stage_whose_init_checkpoint_is_missing_is_refused(tmp_path, fake_openrlhf, real_task):
    real_task("ExecIO-v0")
    schedule = tmp_path / "tiny.toml"
    schedule.write_text(TINY_SCHEDULE)
    out = io.StringIO()
    code = run_schedule(TrainOptions(str(schedule), str(tmp_path / "w"), stage="rl", evaluate=False), out)
    assert code == 1 and "checkpoint is not usable" in out.getvalue()
    assert _calls(fake_openrlhf) == []


def test_every_python_command_uses_one_interpreter(tmp_path):
    """RL, LoRA merge and eval all run with the interpreter running execgym (its venv), never a bare python3."""
    import dataclasses

    from execgym.training.commands import StagePaths, eval_command, stage_commands
    from execgym.training.schedule import load_schedule

    schedule = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    sft = next(s for s in schedule.stages if s.kind == "sft")
    lora_sft = dataclasses.replace(sft, sft=dataclasses.replace(sft.sft, lora_rank=8))
    paths = StagePaths(tmp_path, "model", tmp_path / "r.py", tmp_path / "a.py")
    commands = [c for s in schedule.stages for c in stage_commands(schedule, s, paths)]
    commands += stage_commands(schedule, lora_sft, paths) + [eval_command(schedule, "m", tmp_path)]
    pythons = {c.argv[c.argv.index("-m") - 1] for c in commands if "-m" in c.argv and c.argv[0] != "deepspeed"}
    assert pythons == {sys.executable}
    assert {c.name for c in commands} >= {"rl", "lora_merge", "eval"}
