"""Exact OpenRLHF command lines for a schedule's stages (flag names from :mod:`execgym.training.flags`).

Contract: :func:`stage_commands(schedule, stage, paths)` returns the :class:`Command` list that runs
one stage: SFT through the DeepSpeed launcher (``deepspeed --module openrlhf.cli.train_sft``), plus
``openrlhf.cli.lora_combiner`` when the SFT uses LoRA; RL through ``<python> -m
openrlhf.cli.train_ppo_ray`` (or ``ray job submit`` when the schedule names a Ray address, which is how
RL spans nodes). :func:`eval_command(...)` runs ``execgym eval`` on a checkpoint. Every Python command runs
with :data:`PYTHON` (the interpreter running execgym, i.e. its venv), so OpenRLHF, the hooks and the
evaluation all see the same installed packages. Commands are data (argv + env), rendered for a shell by
:meth:`Command.shell`.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execgym.training.flags import MODULES, flag
from execgym.training.schedule import Schedule, Stage

PYTHON = sys.executable or "python3"  # one interpreter for every command (eval, LoRA merge, RL)


@dataclass(frozen=True)
class StagePaths:
    """Where a stage reads and writes (all absolute)."""

    stage_dir: Path
    init_model: str  # base model id/path or the previous stage's checkpoint
    reward_file: Path
    agent_file: Path

    @property
    def data(self) -> Path:
        return self.stage_dir / "data" / "train.jsonl"

    @property
    def eval_data(self) -> Path:
        return self.stage_dir / "data" / "eval.jsonl"

    @property
    def checkpoint(self) -> Path:
        return self.stage_dir / "model"

    @property
    def lora_adapter(self) -> Path:
        return self.stage_dir / "lora"

    @property
    def ckpt_state(self) -> Path:
        return self.stage_dir / "ckpt"

    @property
    def logs(self) -> Path:
        return self.stage_dir / "logs"


@dataclass(frozen=True)
class Command:
    name: str  # "sft", "lora_merge", "rl", "eval"
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def shell(self) -> str:
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        body = " \\\n    ".join(_group(self.argv))
        return f"{prefix} {body}".strip() if prefix else body


_FLAG = re.compile(r"^--?[A-Za-z]")


def _group(argv: list[str]) -> list[str]:
    """Join each ``--flag`` with the values that follow it, for readable multi-line rendering."""
    groups: list[list[str]] = []
    for token in argv:
        if _FLAG.match(token) or not groups:
            groups.append([token])
        else:
            groups[-1].append(token)
    return [" ".join(shlex.quote(t) for t in g) for g in groups]


def _fmt(value: float) -> str:
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") and "e" not in text else text
    return str(value)


class _Args:
    """Accumulates ``flag value`` pairs through the version's flag table."""

    def __init__(self, version: str, program: str):
        self.version, self.program = version, program
        self.argv: list[str] = []

    def add(self, key: str, *values: object) -> _Args:
        self.argv.append(flag(self.version, self.program, key))
        self.argv.extend(
            _fmt(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in values
        )
        return self

    def switch(self, key: str, on: bool) -> _Args:
        if on:
            self.argv.append(flag(self.version, self.program, key))
        return self


def _env(schedule: Schedule) -> dict[str, str]:
    return {str(k): str(v) for k, v in schedule.hardware.env.items()}


def sft_commands(schedule: Schedule, stage: Stage, paths: StagePaths) -> list[Command]:
    assert stage.sft is not None
    p = stage.sft
    hw = schedule.hardware
    v = schedule.openrlhf_version
    lora = p.lora_rank > 0
    args = _Args(v, "sft")
    args.add("pretrain", paths.init_model)
    args.add("dataset", paths.data).add("input_key", "input").add("output_key", "output")
    args.switch("apply_chat_template", True)
    args.add("max_len", p.max_len).add("max_samples", stage.data.samples)
    args.add("train_batch_size", p.batch_size).add("micro_train_batch_size", p.micro_batch_size)
    args.add("max_epochs", p.epochs)
    args.add("lr", p.lr).add("lr_scheduler", p.lr_scheduler).add("lr_warmup_ratio", p.lr_warmup_ratio)
    args.add("max_norm", p.max_norm)
    args.add("zero_stage", p.zero_stage).add("param_dtype", p.param_dtype)
    args.add("attn_implementation", schedule.model.attn_implementation)
    args.switch("gradient_checkpointing", p.gradient_checkpointing)
    args.switch("packing_samples", p.packing_samples)
    args.switch("adam_offload", p.adam_offload)
    if lora:
        args.add("lora_rank", p.lora_rank).add("lora_alpha", p.lora_alpha)
    args.add("save_path", paths.lora_adapter if lora else paths.checkpoint)
    args.add("save_steps", p.save_steps)

    launcher = ["deepspeed"]
    if hw.hostfile:
        launcher += ["--hostfile", hw.hostfile, "--num_nodes", str(hw.nodes)]
    launcher += ["--num_gpus", str(hw.gpus_per_node), "--module", MODULES["sft"]]
    commands = [Command("sft", launcher + args.argv, _env(schedule))]
    if lora:
        merge = _Args(v, "lora")
        merge.add("model_path", paths.init_model).add("lora_path", paths.lora_adapter)
        merge.add("output_path", paths.checkpoint).add("param_dtype", p.param_dtype)
        commands.append(
            Command("lora_merge", [PYTHON, "-m", MODULES["lora"], *merge.argv], _env(schedule))
        )
    return commands


def rl_commands(
    schedule: Schedule, stage: Stage, paths: StagePaths, *, resume: bool = False
) -> list[Command]:
    assert stage.rl is not None
    p = stage.rl
    hw = schedule.hardware
    args = _Args(schedule.openrlhf_version, "rl")
    args.add("pretrain", paths.init_model)
    if p.hook == "agent":
        args.add("agent_file", paths.agent_file)
    else:
        args.add("reward_file", paths.reward_file)
    args.add("prompt_data", paths.data).add("input_key", "prompt").add("label_key", "label")
    args.switch("apply_chat_template", True)
    args.add("max_samples", stage.data.samples)
    args.add("max_len", p.prompt_max_len + p.max_new_tokens).add("max_new_tokens", p.max_new_tokens)
    args.add("estimator", p.estimator).add("n_samples_per_prompt", p.n_samples_per_prompt)
    args.add("kl_coef", p.kl_coef)
    if p.kl_coef > 0:
        args.switch("kl_use_loss", p.kl_use_loss).add("kl_estimator", p.kl_estimator)
        args.add("ref_num_nodes", hw.nodes).add("ref_num_gpus_per_node", hw.gpus_per_node)
    args.add("actor_num_nodes", hw.nodes).add("actor_num_gpus_per_node", hw.gpus_per_node)
    args.add("vllm_num_engines", hw.vllm_num_engines).add(
        "vllm_tensor_parallel_size", hw.vllm_tensor_parallel_size
    )
    args.add("vllm_gpu_memory_utilization", hw.vllm_gpu_memory_utilization)
    args.switch("vllm_enable_sleep", hw.vllm_enable_sleep).switch("vllm_enforce_eager", hw.vllm_enforce_eager)
    args.switch("colocate_all", hw.colocate).switch("ds_enable_sleep", hw.ds_enable_sleep)
    args.add("rollout_batch_size", p.rollout_batch_size).add(
        "micro_rollout_batch_size", p.micro_rollout_batch_size
    )
    args.add("train_batch_size", p.train_batch_size).add("micro_train_batch_size", p.micro_train_batch_size)
    args.add("num_episodes", p.epochs).add("max_epochs", p.ppo_epochs)
    args.add("temperature", p.temperature).add("top_p", p.top_p)
    args.add("lr", p.lr).add("lr_scheduler", p.lr_scheduler).add("lr_warmup_ratio", p.lr_warmup_ratio)
    args.add("max_norm", p.max_norm)
    args.add("zero_stage", p.zero_stage).add("param_dtype", p.param_dtype)
    args.add("attn_implementation", schedule.model.attn_implementation)
    args.switch("gradient_checkpointing", p.gradient_checkpointing)
    args.switch("packing_samples", p.packing_samples).switch("adam_offload", p.adam_offload)
    if p.dynamic_filtering:
        args.switch("dynamic_filtering", True).add("dynamic_filtering_range", 0.0, 1.0)
    if stage.data.eval_samples > 0:
        args.add("eval_dataset", paths.eval_data).add("eval_steps", p.eval_steps)
    args.add("save_path", paths.checkpoint).add("ckpt_path", paths.ckpt_state)
    args.add("save_steps", p.save_steps).add("max_ckpt_num", 2)
    args.switch("load_checkpoint", resume)
    args.add("tensorboard_dir", paths.logs / "tensorboard")

    python = [PYTHON, "-m", MODULES["rl"]]
    if hw.ray_address:
        launcher = ["ray", "job", "submit", "--address", hw.ray_address, "--", *python]
    else:
        launcher = python
    return [Command("rl", launcher + args.argv, _env(schedule))]


def stage_commands(
    schedule: Schedule, stage: Stage, paths: StagePaths, *, resume: bool = False
) -> list[Command]:
    if stage.kind == "sft":
        return sft_commands(schedule, stage, paths)
    return rl_commands(schedule, stage, paths, resume=resume)


def eval_command(schedule: Schedule, model_path: str, out_dir: Path) -> Command:
    """``execgym eval`` on a checkpoint with the schedule's held-out settings."""
    ev = schedule.eval
    backend = "vllm" if ev.backend == "vllm" else "hf"
    argv = [
        PYTHON,
        "-m",
        "execgym",
        "eval",
        "--model",
        f"{backend}:{model_path}",
        "--env",
        ",".join(ev.envs),
        "--levels",
        ",".join(str(level) for level in ev.levels),
        "-n",
        str(ev.n),
        "--seed",
        str(ev.seed),
        "--max-tokens",
        str(ev.max_tokens),
        "--no-progress",
        "-o",
        str(out_dir),
    ]
    return Command("eval", argv, {})


def benchmark_eval_command(schedule: Schedule, bench: Any, model_path: str, out_dir: Path) -> Command:
    """``execgym eval --benchmark`` on a checkpoint for one of the schedule's ``[[eval.benchmarks]]``."""
    from execgym.training.schedule import data_path

    ev = schedule.eval
    backend = "vllm" if ev.backend == "vllm" else "hf"
    argv = [PYTHON, "-m", "execgym", "eval", "--model", f"{backend}:{model_path}", "--benchmark", bench.name]
    if bench.data:
        argv += ["--data", str(data_path(bench.data))]
    if bench.limit:
        argv += ["--limit", str(bench.limit)]
    if bench.samples > 1:
        argv += ["--samples", str(bench.samples)]
    if bench.k:
        argv += ["--k", ",".join(str(k) for k in bench.k)]
    argv += ["--max-tokens", str(ev.max_tokens), "--no-progress", "--no-plot", "-o", str(out_dir / bench.name)]
    return Command(f"eval-{bench.name}", argv, {})
