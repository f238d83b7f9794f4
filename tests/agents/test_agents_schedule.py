"""Schedule loading/validation and the generated OpenRLHF commands, checked flag by flag."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pytest

from execgym.training.commands import StagePaths, eval_command, stage_commands
from execgym.training.flags import FLAG_TABLES, flag
from execgym.training.schedule import ScheduleError, load_schedule, parse_schedule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEDULES = Path(__file__).resolve().parents[2] / "execgym" / "training" / "schedules"
FLAG = re.compile(r"^--[A-Za-z]")


def _raw(name: str) -> dict:
    return tomllib.loads((SCHEDULES / f"{name}.toml").read_text())


def _paths(tmp_path: Path, stage_name: str, init: str = "base-model") -> StagePaths:
    return StagePaths(
        tmp_path / stage_name, init, tmp_path / "hooks/reward_func.py", tmp_path / "hooks/agent_func.py"
    )


def _flags(argv: list[str], module: str) -> list[str]:
    """Flags after the OpenRLHF module name (launcher flags such as deepspeed's --num_gpus excluded)."""
    tail = argv[argv.index(module) + 1 :]
    return [t for t in tail if FLAG.match(t)]


def test_paper_schedule_matches_the_recipe():
    s = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    assert s.model.name_or_path == "Qwen/Qwen2.5-Coder-7B-Instruct"
    sft, rl1, rl2 = s.stages
    assert (sft.kind, sft.data.samples, sft.sft.lr, sft.sft.epochs) == ("sft", 30000, 1e-5, 2)
    assert {m.env for m in sft.data.mix} == {"ExecIO-v0", "ExecOI-v0"}
    assert rl1.init == "sft" and rl1.rl.estimator == "group_norm" and rl1.rl.n_samples_per_prompt == 8
    assert (rl1.rl.lr, rl1.rl.kl_coef, rl1.rl.epochs, rl1.rl.max_new_tokens) == (1e-6, 0.0, 4, 4096)
    io = next(m for m in rl1.data.mix if m.env == "ExecIO-v0")
    assert io.options["whitebox"] is True and {m.env for m in rl1.data.mix} == {"ExecIO-v0", "ExecOI-v0"}
    assert rl2.init == "rl-whitebox" and rl2.data.mix[0].env == "UnitTest-v0" and rl2.rl.epochs == 5
    assert s.actor_gpus >= 4 and s.hardware.gpu_memory_gb >= 80


def test_smoke_schedule_is_one_gpu_colocated():
    s = load_schedule(SCHEDULES / "smoke-1gpu.toml")
    hw = s.hardware
    assert (hw.nodes, hw.gpus_per_node, hw.colocate, hw.vllm_num_engines) == (1, 1, True, 1)
    assert "0.5B" in s.model.name_or_path or "1.5B" in s.model.name_or_path
    assert any(st.rl is not None and st.rl.hook == "agent" for st in s.stages)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["stages"][0]["sft"].__setitem__("learning_rate", 1e-5),
            "unknown key(s) 'learning_rate'",
        ),
        (lambda d: d.__setitem__("extra", 1), "unknown top-level key"),
        (
            lambda d: d["stages"][0]["sft"].__setitem__("epochs", "two"),
            "stages[0].sft.epochs: expected an integer",
        ),
        (
            lambda d: d["stages"][1].__setitem__("init", "nope"),
            "init: 'model' or the name of an earlier stage",
        ),
        (lambda d: d["stages"][1]["data"]["mix"][0].__setitem__("env", "ExecFoo-v0"), "unknown environment"),
        (lambda d: d["stages"][1]["data"]["mix"][0].__setitem__("levels", [9]), "level 9 is not one of 1..8"),
        (lambda d: d["stages"][1]["rl"].__setitem__("n_samples_per_prompt", 1), "group_norm needs > 1"),
        (lambda d: d["stages"][1]["rl"].__setitem__("estimator", "ppo"), "rl.estimator: one of"),
        (lambda d: d["stages"][0]["data"]["mix"].__setitem__(0, {"env": "UnitTest-v0"}), "trace-grounded"),
        (lambda d: d["hardware"].__setitem__("vllm_num_engines", 3), "colocated RL needs"),
        (lambda d: d["stages"][1]["rl"].__setitem__("train_batch_size", 100), "must divide"),
        (lambda d: d["schedule"].__setitem__("openrlhf_version", "0.9.0"), "has no flag table"),
        (lambda d: d["stages"][0].pop("data"), "stages[0].data: required key is missing"),
        (lambda d: d["stages"][1].__setitem__("name", "sft"), "duplicate"),
        (lambda d: d["stages"][0].__setitem__("rl", {}), "an sft stage takes [stages.sft]"),
    ],
)
def test_schedule_validation_names_the_problem(mutate, message):
    data = copy.deepcopy(_raw("execverify-qwen7b"))
    mutate(data)
    with pytest.raises(ScheduleError) as info:
        parse_schedule(data)
    assert message in str(info.value)


def test_unreadable_and_invalid_toml(tmp_path):
    with pytest.raises(ScheduleError, match="cannot read schedule"):
        load_schedule(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[schedule\nname=1")
    with pytest.raises(ScheduleError, match="not valid TOML"):
        load_schedule(bad)


@pytest.mark.parametrize("name", ["execverify-qwen7b", "smoke-1gpu"])
def test_every_generated_flag_is_an_openrlhf_0_11_2_flag(tmp_path, flag_names, name):
    s = load_schedule(SCHEDULES / f"{name}.toml")
    seen_programs = set()
    for stage in s.stages:
        paths = _paths(tmp_path, stage.name)
        for command in stage_commands(s, stage, paths, resume=True):
            if command.name == "sft":
                assert command.argv[0] == "deepspeed" and "openrlhf.cli.train_sft" in command.argv
                flags, allowed, removed = _flags(command.argv, "openrlhf.cli.train_sft"), "sft", "removed_sft"
            elif command.name == "rl":
                assert "openrlhf.cli.train_ppo_ray" in command.argv
                flags, allowed, removed = (
                    _flags(command.argv, "openrlhf.cli.train_ppo_ray"),
                    "rl",
                    "removed_rl",
                )
            else:
                flags, allowed, removed = (
                    _flags(command.argv, "openrlhf.cli.lora_combiner"),
                    "lora",
                    "removed_sft",
                )
            seen_programs.add(command.name)
            assert flags, command
            for f in flags:
                assert f in flag_names[allowed], (
                    f"{name}/{stage.name}: {f} is not an OpenRLHF 0.11.2 {allowed} flag"
                )
                assert f not in flag_names[removed] or f in flag_names[allowed], f"removed flat flag {f}"
            assert len(flags) == len(set(flags)), f"duplicate flags in {command.name}"
    assert {"sft", "rl"} <= seen_programs


def test_rl_command_carries_the_recipe(tmp_path):
    s = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    stage = s.stage("rl-whitebox")
    (command,) = stage_commands(s, stage, _paths(tmp_path, stage.name, "/ckpt/sft/model"))
    argv = command.argv

    def value(f):
        return argv[argv.index(f) + 1]

    assert value("--actor.model_name_or_path") == "/ckpt/sft/model"
    assert value("--reward.remote_url").endswith("reward_func.py")
    assert "--train.agent_func_path" not in argv
    assert value("--algo.advantage.estimator") == "group_norm"
    assert value("--rollout.n_samples_per_prompt") == "8"
    assert float(value("--actor.adam.lr")) == 1e-6 and float(value("--algo.kl.init_coef")) == 0.0
    assert value("--train.num_episodes") == "4" and value("--rollout.max_new_tokens") == "4096"
    assert value("--data.label_key") == "label" and value("--data.input_key") == "prompt"
    assert "--ckpt.load_enable" not in argv  # only when resuming
    assert "--ref.num_gpus_per_node" not in argv  # no KL: no reference model


def test_agent_hook_stage_uses_agent_func(tmp_path):
    s = load_schedule(SCHEDULES / "smoke-1gpu.toml")
    stage = s.stage("rl-repair")
    (command,) = stage_commands(s, stage, _paths(tmp_path, stage.name))
    assert command.argv[command.argv.index("--train.agent_func_path") + 1].endswith("agent_func.py")
    assert "--reward.remote_url" not in command.argv
    assert "--train.colocate_all" in command.argv and "--vllm.enable_sleep" in command.argv


def test_lora_sft_adds_a_merge_step(tmp_path):
    data = _raw("smoke-1gpu")
    data["stages"][0]["sft"]["lora_rank"] = 64
    s = parse_schedule(data)
    commands = stage_commands(s, s.stages[0], _paths(tmp_path, "sft"))
    assert [c.name for c in commands] == ["sft", "lora_merge"]
    sft, merge = commands
    assert sft.argv[sft.argv.index("--ckpt.output_dir") + 1].endswith("sft/lora")
    assert merge.argv[merge.argv.index("--output_path") + 1].endswith("sft/model")


def test_flat_0_10_1_table_matches_the_0_10_1_parsers(flag_names):
    for program in ("rl", "sft", "lora"):
        for key, name in FLAG_TABLES["0.10.1"][program].items():
            assert name in flag_names["v0_10_1"][program], (program, key, name)
        for key, name in FLAG_TABLES["0.11.2"][program].items():
            assert name in flag_names[program], (program, key, name)


def test_flag_table_versions_are_complete_and_distinct():
    new, old = FLAG_TABLES["0.11.2"], FLAG_TABLES["0.10.1"]
    for program in ("rl", "sft", "lora"):
        assert set(new[program]) == set(old[program]), program
    assert flag("0.10.1", "rl", "pretrain") == "--pretrain"
    assert flag("0.11.2", "rl", "pretrain") == "--actor.model_name_or_path"
    assert flag("0.11.2", "sft", "pretrain") == "--model.model_name_or_path"  # not --actor.* (README typo)
    with pytest.raises(KeyError, match="0.9.0"):
        flag("0.9.0", "rl", "pretrain")


def test_eval_command_uses_execgym_eval(tmp_path):
    s = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    command = eval_command(s, "/ckpt/model", tmp_path / "eval")
    argv = command.argv
    assert argv[1:4] == ["-m", "execgym", "eval"]
    assert argv[argv.index("--model") + 1] == "vllm:/ckpt/model"
    assert argv[argv.index("--seed") + 1] == str(s.eval.seed)


def test_memory_estimate_flags_7b_on_too_few_gpus():
    from execgym.training.runner import memory_notes
    from execgym.training.schedule import training_state_gb

    s = load_schedule(SCHEDULES / "execverify-qwen7b.toml")
    rl = s.stage("rl-whitebox")
    assert training_state_gb(s, rl) == pytest.approx(16 * 7.6 / 8)  # ZeRO-3 over 8 GPUs
    assert not any("WARNING" in line for line in memory_notes(s, s.stages))
    for gpus, warned in ((4, False), (2, True), (1, True)):
        data = _raw("execverify-qwen7b")
        data["hardware"].update(gpus_per_node=gpus, vllm_num_engines=gpus)
        small = parse_schedule(data)
        notes = memory_notes(small, [small.stage("rl-whitebox")])
        assert ("WARNING" in notes[0]) is warned, (gpus, notes)
    smoke = load_schedule(SCHEDULES / "smoke-1gpu.toml")
    assert not any("WARNING" in line for line in memory_notes(smoke, smoke.stages))
