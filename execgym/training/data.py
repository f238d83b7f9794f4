"""Build each stage's training data as OpenRLHF JSONL.

Contract:

* :func:`plan_tasks(schedule, stage)` -> the deterministic list of ``(env, level, seed, options)``
  the stage draws from: environments in exact proportion to their mix weights (largest remainder),
  levels drawn per row, seeds derived with ``execgym.seeding`` from (schedule seed, stage name, env,
  index) so stages never share a namespace and every process builds the same rows.
* SFT rows: ``{"input": prompt, "output": rationale, "label": spec_json, "datasource": "execgym/<env>",
  "source": "trace"|"teacher"}`` (``--data.input_key input --data.output_key output``). The rationale is a
  trace-grounded walk that the verifier gives the top reward (:mod:`execgym.training.rationale`);
  teacher rows come from verified ``execgym distill`` JSONL files, re-scored here before use.
* RL rows: ``{"prompt": prompt, "label": spec_json, "datasource": "execgym/<env>"}`` (``--data.input_key prompt
  --data.label_key label``): the label is the self-contained task spec the hooks score against.
* :func:`build_stage_data(...)` writes ``<dir>/train.jsonl`` (and ``eval.jsonl`` for RL when asked)
  and returns a :class:`DataReport` with counts and every skip reason. With ``limit`` (a dry-run preview) it
  writes exactly the first ``limit`` rows the full build writes: the plan never depends on ``limit``.
* :func:`stage_plan(schedule, stage)` is the task plan :func:`build_stage_data` draws the training rows from.
* A UnitTest-v0 mix entry with ``tasks_path`` draws its rows from that file (``execgym.tasks.userdata``: Eurus-2
  code rows, TACO, ...; the entry's options apply): the k-th row of the entry is file row ``(k + offset) % n``
  with a hashed offset, k counting the entry's rows in the final (interleaved) order, so the first n rows are
  n distinct problems. When the file is absent the entry falls
  back to built-in tasks of its levels; :func:`tasks_source` says which, and the report's ``notes`` repeat it.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execgym.seeding import derive_seed, rng
from execgym.training.schedule import Schedule, Stage

SEED_SPACE = 2**31  # task seeds are kept in a 31-bit range for every consumer


@dataclass(frozen=True)
class PlannedTask:
    env: str
    level: int
    seed: int
    options: dict
    tasks_path: str = ""  # a tasks file: the spec is its row ``row`` (level/seed then unused)
    row: int = -1

    def spec(self) -> dict:
        if self.tasks_path:
            return file_specs(self.tasks_path, self.options).specs[self.row]
        spec: dict[str, Any] = {"env": self.env, "level": self.level, "seed": self.seed}
        if self.options:
            spec["options"] = dict(self.options)
        return spec


_FILE_SPECS: dict[tuple[str, str], Any] = {}


def file_specs(path: str, options: dict) -> Any:
    """The ``UserTasks`` of a tasks file under ``options`` (read once per process; unusable rows counted)."""
    from execgym.tasks.userdata import read_user_tasks

    key = (path, json.dumps(options, sort_keys=True))
    if key not in _FILE_SPECS:
        _FILE_SPECS[key] = read_user_tasks(path, options, skip_bad=True)
    return _FILE_SPECS[key]


def tasks_source(entry: Any) -> tuple[str, str]:
    """(resolved tasks file or "", a sentence saying where the entry's rows come from)."""
    from execgym.training.schedule import data_path

    if not getattr(entry, "tasks_path", ""):
        return "", f"built-in {entry.env} tasks, levels {list(entry.levels)}"
    path = data_path(entry.tasks_path)
    if not path.exists():
        return "", (f"tasks file {entry.tasks_path} not found ({path}): using built-in {entry.env} tasks, levels "
                    f"{list(entry.levels)}, instead")
    loaded = file_specs(str(path), dict(entry.options))
    skipped = f"; left out: {loaded.skipped}" if loaded.skipped else ""
    if not loaded.specs:
        return "", (f"tasks file {path} holds no usable task{skipped}: using built-in {entry.env} tasks, levels "
                    f"{list(entry.levels)}, instead")
    return str(path), f"tasks file {path}: {len(loaded.specs)} tasks, formats {loaded.formats}{skipped}"


@dataclass
class DataReport:
    stage: str
    kind: str
    path: str
    rows: int = 0
    requested: int = 0
    by_env: dict = field(default_factory=dict)
    by_source: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    eval_path: str = ""
    eval_rows: int = 0
    notes: list = field(default_factory=list)  # where each mix entry's rows come from

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _apportion(weights: list[float], total: int) -> list[int]:
    """Integer counts proportional to ``weights`` summing to ``total`` (largest remainder)."""
    s = sum(weights)
    raw = [w / s * total for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_tasks(
    schedule: Schedule, stage: Stage, *, count: int | None = None, namespace: str = "train"
) -> list[PlannedTask]:
    """The stage's tasks in a deterministic interleaved order (``count`` defaults to data.samples)."""
    total = stage.data.samples if count is None else count
    mix = stage.data.mix
    counts = _apportion([m.weight for m in mix], total)
    planned: list[tuple[int, PlannedTask]] = []
    file_rows: dict[int, tuple[int, int]] = {}
    for entry_index, (entry, n) in enumerate(zip(mix, counts)):
        tasks_path, _ = tasks_source(entry) if n else ("", "")
        rows = len(file_specs(tasks_path, dict(entry.options)).specs) if tasks_path else 0
        offset = derive_seed("rows", schedule.name, schedule.seed, stage.data.seed, stage.name, namespace,
                             entry_index) % max(rows, 1)
        for i in range(n):
            parts = (
                schedule.name,
                schedule.seed,
                stage.data.seed,
                stage.name,
                namespace,
                entry.env,
                entry_index,
                i,
            )
            level = rng("level", *parts).choice(entry.levels)
            seed = derive_seed("task", *parts) % SEED_SPACE
            order = derive_seed("order", *parts)
            if tasks_path:  # the row is assigned below, by position in the final order
                task = PlannedTask(entry.env, 0, seed, dict(entry.options), tasks_path, -(entry_index + 1))
                file_rows[entry_index] = (rows, offset)
            else:
                task = PlannedTask(entry.env, level, seed, dict(entry.options))
            planned.append((order, task))
    planned.sort(key=lambda item: item[0])
    out, seen = [], Counter()
    for _, task in planned:
        if task.tasks_path:
            index = -task.row - 1
            rows, offset = file_rows[index]
            task = dataclasses.replace(task, row=(seen[index] + offset) % rows)
            seen[index] += 1
        out.append(task)
    return out


def _spec_json(task: Any) -> str:
    return json.dumps(task.spec, sort_keys=True, ensure_ascii=False)


def iter_rl_rows(planned: list[PlannedTask], skipped: Counter) -> Iterator[dict]:
    import execgym

    for p in planned:
        try:
            task = execgym.make_task(p.spec())
            prompt = task.prompt
        except Exception as exc:  # noqa: BLE001 - counted, never silent
            skipped[f"make_task_failed: {type(exc).__name__}"] += 1
            continue
        row = {"prompt": prompt, "label": _spec_json(task), "datasource": f"execgym/{p.env}"}
        if p.tasks_path:
            row["source"] = task.spec.get("problem", {}).get("format") or "file"
        yield row


def iter_sft_rows(planned: list[PlannedTask], skipped: Counter) -> Iterator[dict]:
    import execgym
    from execgym.training.rationale import verified_rationale

    for p in planned:
        try:
            task = execgym.make_task(p.spec())
            prompt = task.prompt
        except Exception as exc:  # noqa: BLE001
            skipped[f"make_task_failed: {type(exc).__name__}"] += 1
            continue
        response, reason = verified_rationale(task)
        if response is None:
            skipped[(reason or "unknown").split(":")[0]] += 1
            continue
        yield {
            "input": prompt,
            "output": response,
            "label": _spec_json(task),
            "datasource": f"execgym/{p.env}",
            "source": "trace",
        }


def iter_teacher_rows(paths: list[str], skipped: Counter) -> Iterator[dict]:
    """Rows of verified teacher distillation files, re-scored with execgym before use.

    Accepted row shapes: ``{"input"|"prompt", "output"|"response", "label"|"task"|"spec"}`` (the label a
    spec dict or JSON text), or ``{"messages": [...], "label"...}`` with the last assistant message
    as the response.
    """
    import execgym

    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    skipped["teacher_bad_json"] += 1
                    continue
                prompt, response, spec = _teacher_fields(row)
                if prompt is None or response is None or spec is None:
                    skipped["teacher_missing_fields"] += 1
                    continue
                try:
                    scored = execgym.score(spec, response)
                except Exception:  # noqa: BLE001
                    skipped["teacher_score_failed"] += 1
                    continue
                if scored.reward < scored.max_reward - 1e-9:
                    skipped["teacher_not_verified"] += 1
                    continue
                label = json.dumps(spec, sort_keys=True, ensure_ascii=False)
                env = str(spec.get("env", "")).split("/")[-1]
                yield {
                    "input": prompt,
                    "output": response,
                    "label": label,
                    "datasource": f"execgym/{env}",
                    "source": "teacher",
                }


def _teacher_fields(row: Any) -> tuple[str | None, str | None, dict | None]:
    if not isinstance(row, dict):
        return None, None, None
    prompt = row.get("input", row.get("prompt"))
    response = row.get("output", row.get("response"))
    messages = row.get("messages")
    if isinstance(messages, list) and messages and (prompt is None or response is None):
        users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        assistants = [
            m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "assistant"
        ]
        prompt = prompt if prompt is not None else (users[0] if users else None)
        response = response if response is not None else (assistants[-1] if assistants else None)
    spec: Any = row.get("label", row.get("task", row.get("spec")))
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            spec = None
    if not isinstance(prompt, str) or not isinstance(response, str) or not isinstance(spec, dict):
        return None, None, None
    return prompt, response, spec


def _write_jsonl(path: Path, rows: Iterator[dict], limit: int, on_row: Callable[[dict], None]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    written = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in rows if limit > 0 else ():
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            on_row(row)
            written += 1
            if written >= limit:  # stop before the generator builds a row nobody writes
                break
    tmp.replace(path)
    return written


def sft_targets(stage: Stage) -> tuple[int, int]:
    """(teacher rows, trace rows) of a full SFT build."""
    target = stage.data.samples
    teacher_target = round(target * stage.data.teacher_fraction) if stage.data.teacher else 0
    return teacher_target, target - teacher_target


def stage_plan(schedule: Schedule, stage: Stage) -> list[PlannedTask]:
    """The planned tasks the stage's training rows come from, in row order (SFT over-draws up to 2x)."""
    if stage.kind == "sft":
        trace_target = sft_targets(stage)[1]
        return plan_tasks(schedule, stage, count=max(trace_target * 2, trace_target + 8))
    return plan_tasks(schedule, stage, count=stage.data.samples)


def build_stage_data(
    schedule: Schedule,
    stage: Stage,
    out_dir: str | Path,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DataReport:
    """Write the stage's JSONL (``limit`` rows at most, e.g. a dry-run preview); returns the report.

    SFT stages over-draw candidate tasks (up to 2x) so rows dropped by verification are replaced.
    """
    out = Path(out_dir)
    target = stage.data.samples if limit is None else min(limit, stage.data.samples)
    report = DataReport(stage=stage.name, kind=stage.kind, path=str(out / "train.jsonl"), requested=target)
    skipped: Counter = Counter()
    by_env: Counter = Counter()
    by_source: Counter = Counter()

    def count(row: dict) -> None:
        by_env[row.get("datasource", "")] += 1
        by_source[row.get("source", "task")] += 1
        if progress is not None:
            progress(1)

    report.notes = [f"{m.env}: {tasks_source(m)[1]}" for m in stage.data.mix]
    planned = stage_plan(schedule, stage)
    if stage.kind == "sft":
        teacher_target, trace_target = sft_targets(stage)

        def rows() -> Iterator[dict]:
            produced = 0
            if teacher_target:
                for row in iter_teacher_rows(list(stage.data.teacher), skipped):
                    if produced >= teacher_target:
                        break
                    produced += 1
                    yield row
            for trace_produced, row in enumerate(iter_sft_rows(planned, skipped)):
                if trace_produced >= stage.data.samples - produced:
                    break
                yield row

        report.rows = _write_jsonl(out / "train.jsonl", rows(), target, count)
    else:
        report.rows = _write_jsonl(out / "train.jsonl", iter_rl_rows(planned, skipped), target, count)
        if stage.data.eval_samples > 0:
            eval_n = stage.data.eval_samples if limit is None else min(limit, stage.data.eval_samples)
            eval_planned = plan_tasks(schedule, stage, count=stage.data.eval_samples, namespace="eval")
            report.eval_path = str(out / "eval.jsonl")
            report.eval_rows = _write_jsonl(
                out / "eval.jsonl", iter_rl_rows(eval_planned, skipped), eval_n, lambda r: None
            )
    report.by_env = dict(by_env)
    report.by_source = dict(by_source)
    report.skipped = dict(skipped)
    return report
