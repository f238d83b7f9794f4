"""Run a training schedule stage by stage: data, OpenRLHF, checkpoint check, ``execgym eval``.

Contract: :func:`run_schedule(options, out)` returns an exit code and writes progress to ``out``.

* Every stage: build its data (``<workdir>/<stage>/data/``), write its commands to
  ``<workdir>/<stage>/commands.sh``, run them (output also in ``<stage>/logs/``), check the checkpoint
  (``config.json`` plus weights) before anything uses it, then evaluate it with ``execgym eval``.
* Progress lives in ``<workdir>/state.json``; ``--resume`` skips stages marked done whose checkpoint
  still checks out, reuses built data, and restarts an interrupted RL stage from its DeepSpeed
  checkpoint (``--ckpt.load_enable``). Without ``--resume`` a workdir with progress is refused.
* ``dry_run`` prints every command and each stage's data plan, and builds a small data preview
  (``preview_rows`` per stage) without training; it needs neither GPUs nor OpenRLHF. A real run
  without OpenRLHF (or without the DeepSpeed launcher for SFT) fails at once with a clear message.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from execgym.training.commands import Command, StagePaths, eval_command, stage_commands
from execgym.training.data import build_stage_data, stage_plan
from execgym.training.schedule import (
    Schedule,
    ScheduleError,
    Stage,
    load_schedule,
    resolve_schedule_path,
    training_state_gb,
)
from execgym.training.state import RunState

WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "model*.safetensors.index.json", "*.pt")


class TrainError(RuntimeError):
    """A stage cannot proceed; the message says why and what to do."""


@dataclass(frozen=True)
class TrainOptions:
    schedule: str
    workdir: str | None = None
    dry_run: bool = False
    stage: str | None = None
    resume: bool = False
    preview_rows: int = 3
    evaluate: bool = True


def hooks_dir() -> Path:
    """The installed OpenRLHF hook files (``execgym/training/hookfiles``; part of every install)."""
    from execgym.training.hookfiles import hooks_dir as installed

    return installed()


def check_checkpoint(path: str | Path) -> list[str]:
    """Problems with a Hugging Face checkpoint directory; empty when it has config and weights."""
    p = Path(path)
    if not p.is_dir():
        return [f"{p} does not exist"]
    problems = []
    if not (p / "config.json").is_file():
        problems.append(f"{p} has no config.json")
    if not any(any(p.glob(pattern)) for pattern in WEIGHT_PATTERNS):
        problems.append(f"{p} has no weight files ({', '.join(WEIGHT_PATTERNS)})")
    return problems


def missing_prerequisites(schedule: Schedule, stages: list[Stage]) -> list[str]:
    """What a real (non-dry) run lacks on this machine."""
    missing = []
    if importlib.util.find_spec("openrlhf") is None:
        missing.append(
            "OpenRLHF is not installed: on a CUDA machine run  pip install \".[train]\"  in the execgym checkout "
            "(openrlhf==0.11.2 with vLLM, DeepSpeed, Ray; see docs/training.md), or use --dry-run"
        )
    if any(s.kind == "sft" for s in stages) and shutil.which("deepspeed") is None:
        missing.append("the `deepspeed` launcher is not on PATH (pip install deepspeed==0.19.6)")
    if any(s.kind == "rl" for s in stages) and schedule.hardware.ray_address and shutil.which("ray") is None:
        missing.append("the `ray` command is not on PATH but hardware.ray_address is set")
    return missing


def memory_notes(schedule: Schedule, stages: list[Stage]) -> list[str]:
    """One line per stage with the estimated per-GPU training state, flagged when it looks too large."""
    notes = []
    hw = schedule.hardware
    for stage in stages:
        state_gb = training_state_gb(schedule, stage)
        if state_gb is None:
            continue
        line = (
            f"[train] {stage.name}: ~{state_gb:.0f} GB of training state per GPU "
            f"({schedule.model.parameters_b:g}B params, {schedule.actor_gpus} x {hw.gpu_memory_gb} GB GPUs; estimate)"
        )
        if state_gb > 0.5 * hw.gpu_memory_gb:
            line += (
                " -- WARNING: over half the GPU memory before activations and vLLM; use more GPUs "
                "(7B full-parameter RL needs at least 4 x 80 GB), ZeRO-3 or --ds.adam_offload"
            )
        notes.append(line)
    return notes


def _has_rows(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _stage_paths(schedule: Schedule, stage: Stage, workdir: Path, hooks: Path) -> StagePaths:
    if stage.init == "model":
        init_model = schedule.model.name_or_path
    else:
        init_model = str(workdir / stage.init / "model")
    return StagePaths(
        stage_dir=workdir / stage.name,
        init_model=init_model,
        reward_file=hooks / "reward_func.py",
        agent_file=hooks / "agent_func.py",
    )


def _install_hooks(workdir: Path) -> Path:
    """Copy the hook files into the workdir so every Ray node reads the same, frozen copy."""
    source = hooks_dir()
    target = workdir / "hooks"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("reward_func.py", "agent_func.py"):
        src = source / name
        if not src.is_file():
            raise TrainError(f"hook file {src} is missing: this execgym install is incomplete; reinstall it")
        shutil.copyfile(src, target / name)
    return target


def _write_commands(path: Path, commands: list[Command]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "#!/usr/bin/env bash\nset -euo pipefail\n\n" + "\n\n".join(c.shell() for c in commands) + "\n"
    path.write_text(text, encoding="utf-8")


def _run(command: Command, log_path: Path, cwd: Path, out: TextIO) -> int:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **command.env}
    out.write(f"[train] running {command.name}: {command.argv[0]} ... (log: {log_path})\n")
    out.flush()
    with open(log_path, "a", encoding="utf-8") as log:
        try:
            proc = subprocess.Popen(
                command.argv,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            log.write(f"cannot start {command.argv[0]}: {exc}\n")
            out.write(f"[train] cannot start {command.argv[0]}: {exc}\n")
            return 127
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            out.write(line)
        return proc.wait()


def _preview(out: TextIO, path: Path, rows: int) -> None:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index >= rows:
                break
            row = json.loads(line)
            shown = {k: (v if len(str(v)) <= 160 else str(v)[:157] + "...") for k, v in row.items()}
            out.write(f"    row {index}: {json.dumps(shown, ensure_ascii=False)}\n")


def _mix_summary(schedule: Schedule, stage: Stage) -> str:
    from execgym.training.data import tasks_source

    parts = []
    for m in stage.data.mix:
        opts = f" {json.dumps(m.options, sort_keys=True)}" if m.options else ""
        source = f" [{tasks_source(m)[1]}]" if m.tasks_path else ""
        parts.append(f"{m.env} x{m.weight:g} levels {m.levels}{opts}{source}")
    teacher = ""
    if stage.data.teacher:
        teacher = f"; teacher files {stage.data.teacher} ({stage.data.teacher_fraction:.0%})"
    return f"{stage.data.samples} rows from " + "; ".join(parts) + teacher


def select_stages(schedule: Schedule, only: str | None) -> list[Stage]:
    if only is None:
        return list(schedule.stages)
    return [schedule.stage(only)]


def run_schedule(options: TrainOptions, out: TextIO | None = None) -> int:
    """Run (or dry-run) a schedule; returns the process exit code. Progress goes to ``out`` (stdout)."""
    out = out if out is not None else sys.stdout
    try:
        path = resolve_schedule_path(options.schedule)
        schedule = load_schedule(path)
        stages = select_stages(schedule, options.stage)
    except ScheduleError as exc:
        out.write(f"execgym train: {exc}\n")
        return 2
    workdir = Path(options.workdir or Path("runs") / schedule.name).resolve()
    try:
        return _run_schedule(schedule, str(path), stages, workdir, options, out)
    except TrainError as exc:
        out.write(f"execgym train: {exc}\n")
        return 1


def _run_schedule(
    schedule: Schedule, path: str, stages: list[Stage], workdir: Path, options: TrainOptions, out: TextIO
) -> int:
    digest = _digest(path)
    state = RunState.load(workdir)
    mode = "dry run" if options.dry_run else "run"
    out.write(f"[train] schedule {schedule.name} ({path}), OpenRLHF {schedule.openrlhf_version}, {mode}\n")
    out.write(f"[train] workdir {workdir}\n")
    out.writelines(line + "\n" for line in memory_notes(schedule, stages))
    if not options.dry_run:
        missing = missing_prerequisites(schedule, stages)
        if missing:
            raise TrainError("cannot train here:\n  - " + "\n  - ".join(missing))
        if state.stages and not options.resume:
            raise TrainError(
                f"{workdir} already has progress ({state.path}); pass --resume or choose another -o"
            )
        if options.resume and state.schedule_digest and state.schedule_digest != digest:
            raise TrainError(
                f"{path} changed since this workdir was started; resume with the same schedule or a new -o"
            )
        state.schedule, state.schedule_digest = schedule.name, digest
        state.save()
    hooks = _install_hooks(workdir)
    evaluate = options.evaluate and schedule.eval.enabled

    if evaluate and schedule.eval.baseline and options.stage is None:
        base_eval = eval_command(schedule, schedule.model.name_or_path, workdir / "base" / "eval")
        if options.dry_run:
            out.write("\n== baseline: evaluate the untrained model ==\n" + base_eval.shell() + "\n")
        elif state.status("base") != "done":
            code = _run(base_eval, workdir / "base" / "logs" / "eval.log", workdir, out)
            if code != 0:
                raise TrainError(
                    f"baseline evaluation failed (exit {code}); see {workdir / 'base' / 'logs' / 'eval.log'}"
                )
            state.mark("base", "done", eval=str(workdir / "base" / "eval" / "summary.json"))

    for stage in stages:
        paths = _stage_paths(schedule, stage, workdir, hooks)
        out.write(f"\n== stage {stage.name} ({stage.kind}, init {stage.init} = {paths.init_model}) ==\n")
        if stage.description:
            out.write(f"   {stage.description}\n")
        out.write(f"   data: {_mix_summary(schedule, stage)}\n")
        if options.dry_run:
            _dry_run_stage(schedule, stage, paths, evaluate, options, out)
            continue
        code = _real_stage(schedule, stage, paths, state, evaluate, options, out)
        if code != 0:
            return code
    out.write(
        "\n[train] " + ("dry run complete: nothing was trained\n" if options.dry_run else "all stages done\n")
    )
    return 0


def _dry_run_stage(
    schedule: Schedule, stage: Stage, paths: StagePaths, evaluate: bool, options: TrainOptions, out: TextIO
) -> None:
    planned = stage_plan(schedule, stage)  # the real run's plan (SFT rows skip tasks whose rationale fails)
    out.write(
        "   first planned tasks: "
        + ", ".join(f"{p.env}/row{p.row}" if p.tasks_path else f"{p.env}/L{p.level}/s{p.seed}" for p in planned[:4])
        + "\n"
    )
    if options.preview_rows > 0:
        preview_dir = paths.stage_dir / "preview"
        report = build_stage_data(schedule, stage, preview_dir, limit=options.preview_rows)
        out.write(f"   preview: {report.rows} rows in {report.path}; skipped {report.skipped or 'none'}\n")
        _preview(out, Path(report.path), options.preview_rows)
    out.writelines(
        f"\n   # {command.name}\n{command.shell()}\n" for command in stage_commands(schedule, stage, paths)
    )
    if evaluate:
        out.write(
            "\n   # eval\n"
            + eval_command(schedule, str(paths.checkpoint), paths.stage_dir / "eval").shell()
            + "\n"
        )
        for command, note in _benchmark_commands(schedule, stage, paths):
            out.write(f"\n   # {command.name}" + (f" ({note})" if note else "") + f"\n{command.shell()}\n")


def _benchmark_commands(schedule: Schedule, stage: Stage, paths: StagePaths) -> list[tuple[Command, str]]:
    """The ``[[eval.benchmarks]]`` run after ``stage``, each with a note when its data file is missing."""
    from execgym.training.commands import benchmark_eval_command
    from execgym.training.schedule import benchmarks_after, data_path

    out = []
    for bench in benchmarks_after(schedule, stage):
        note = ""
        if bench.data and not data_path(bench.data).exists():
            note = f"data file {bench.data} not found: skipped when the stage runs"
        out.append((benchmark_eval_command(schedule, bench, str(paths.checkpoint), paths.stage_dir / "eval"), note))
    return out


def _real_stage(
    schedule: Schedule,
    stage: Stage,
    paths: StagePaths,
    state: RunState,
    evaluate: bool,
    options: TrainOptions,
    out: TextIO,
) -> int:
    status = state.status(stage.name)
    if options.resume and status == "done" and not check_checkpoint(paths.checkpoint):
        out.write(f"   done before: checkpoint {paths.checkpoint} checks out; skipping\n")
        return 0
    if stage.init != "model":
        problems = check_checkpoint(paths.init_model)
        if problems:
            raise TrainError(
                f"stage {stage.name} starts from stage {stage.init}, whose checkpoint is not usable: {'; '.join(problems)}"
            )

    data_ok = status in ("data_built", "training", "trained", "done", "failed") and _has_rows(paths.data)
    if not data_ok:
        out.write("   building data ...\n")
        out.flush()
        from execgym.progress import progress_bar

        with progress_bar(stage.data.samples, f"data {stage.name}", unit="row") as bar:
            report = build_stage_data(schedule, stage, paths.data.parent, progress=bar.update)
        out.write(
            f"   data: {report.rows}/{report.requested} rows, by env {report.by_env}, skipped {report.skipped or 'none'}\n"
        )
        if report.rows == 0:
            state.mark(stage.name, "failed", error="no data rows", data=report.to_dict())
            raise TrainError(f"stage {stage.name}: no data rows were built (skipped: {report.skipped})")
        state.mark(stage.name, "data_built", data=report.to_dict())
    else:
        out.write(f"   reusing data {paths.data}\n")

    if status in ("trained", "done") and not check_checkpoint(paths.checkpoint):
        out.write("   reusing trained checkpoint\n")
    else:
        resume_rl = stage.kind == "rl" and status in ("training", "failed") and paths.ckpt_state.exists()
        commands = stage_commands(schedule, stage, paths, resume=resume_rl)
        _write_commands(paths.stage_dir / "commands.sh", commands)
        state.mark(stage.name, "training")
        for command in commands:
            code = _run(command, paths.logs / f"{command.name}.log", paths.stage_dir, out)
            if code != 0:
                state.mark(stage.name, "failed", error=f"{command.name} exited {code}")
                raise TrainError(
                    f"stage {stage.name}: {command.name} exited {code}; see {paths.logs / (command.name + '.log')}"
                )
        problems = check_checkpoint(paths.checkpoint)
        if problems:
            state.mark(stage.name, "failed", error="; ".join(problems))
            raise TrainError(
                f"stage {stage.name} finished but its checkpoint is not usable: {'; '.join(problems)}"
            )
        state.mark(stage.name, "trained", checkpoint=str(paths.checkpoint))

    if evaluate:
        command = eval_command(schedule, str(paths.checkpoint), paths.stage_dir / "eval")
        code = _run(command, paths.logs / "eval.log", paths.stage_dir, out)
        if code != 0:
            raise TrainError(
                f"stage {stage.name}: evaluation exited {code}; see {paths.logs / 'eval.log'} (rerun with --resume)"
            )
        for command, note in _benchmark_commands(schedule, stage, paths):
            if note:
                out.write(f"   {command.name}: {note}\n")
                continue
            log = paths.logs / f"{command.name}.log"
            code = _run(command, log, paths.stage_dir, out)
            if code != 0:
                raise TrainError(f"stage {stage.name}: {command.name} exited {code}; see {log} (rerun with --resume)")
    state.mark(
        stage.name,
        "done",
        checkpoint=str(paths.checkpoint),
        eval=str(paths.stage_dir / "eval" / "summary.json"),
    )
    return 0
