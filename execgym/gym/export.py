"""Dataset export: the environments' tasks as JSONL / Parquet rows for trainers (OpenRLHF, verl, TRL) and SFT.

Contract: ``export_dataset(env, n=..., path=..., format=..., levels=..., seed=..., workers=..., curriculum=...)``
writes ``n`` rows and returns an ``ExportReport``. Row ``i`` is the task (env, level_i, seed_i) with
``seed_i = export_task_seed(env, seed, i)`` (hashed) and ``level_i`` either round-robin over ``levels`` or, with
``curriculum=True``, from the environment's default ``Curriculum.schedule`` (easy to hard with review). The same
arguments give byte-identical files whatever ``workers`` is. Each row carries the full task spec as a JSON string
(``execgym.score(spec, response)`` needs nothing else) and the gold response. Files are written to a temporary
name and renamed, so a crash never leaves a half-written dataset under ``path``. Parquet needs ``pyarrow``
(``pip install 'execgym[parquet]'``), imported only when writing Parquet. With
``env_kwargs={"tasks_path": ...}`` (UnitTest-v0 user tasks) row ``i`` is the file's row ``i`` (cycling) and
``levels``/``seed``/``curriculum`` do not apply.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from execgym.gym.definitions import get_definition
from execgym.gym.formats import DEFAULT_STORAGE, FORMATS, ROW_BUILDERS
from execgym.gym.requests import export_task_seed
from execgym.seeding import derive_seed

MAX_ATTEMPTS = 3  # a task seed whose generation fails is replaced by a re-derived one, at most this often
_CHUNK = 64


@dataclass
class ExportReport:
    """What ``export_dataset`` wrote."""

    path: str
    format: str
    storage: str
    env: str
    rows: int
    levels: dict[int, int] = field(default_factory=dict)  # rows per level
    replaced_seeds: int = 0  # task seeds that failed to generate and were re-derived
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["levels"] = {str(k): v for k, v in self.levels.items()}
        return data


def parse_levels(text: str | int | Sequence[int] | None) -> list[int] | None:
    """``"1-6"`` / ``"1,3,5"`` / ``"4"`` / ``[1, 2]`` -> sorted distinct levels; None stays None."""
    if text is None:
        return None
    if isinstance(text, int):
        return [text]
    if not isinstance(text, str):
        return sorted({int(x) for x in text})
    levels: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            lo_i, hi_i = int(lo), int(hi)
            if lo_i > hi_i:
                raise ValueError(f"bad level range {part!r}")
            levels.update(range(lo_i, hi_i + 1))
        else:
            levels.add(int(part))
    if not levels:
        raise ValueError(f"no levels in {text!r}")
    return sorted(levels)


def plan_rows(
    env: str, n: int, levels: Sequence[int], seed: int, curriculum: bool
) -> list[tuple[int, int, int]]:
    """``(index, level, task_seed)`` for every row."""
    if curriculum:
        from execgym.gym.curriculum import Curriculum

        row_levels = Curriculum.for_env(
            env, levels=levels, seed=derive_seed("execgym.export.curriculum", seed)
        ).schedule(n)
    else:
        row_levels = [levels[i % len(levels)] for i in range(n)]
    return [(i, row_levels[i], export_task_seed(env, seed, i)) for i in range(n)]


# -- building records (runs in worker processes too) -------------------------------------------------------------
_WORKER_ENV: Any = None
_JOB_KEY: tuple | None = None  # the (env, env_kwargs) _WORKER_ENV was built for by records_job


def _init_worker(env: str, env_kwargs: dict[str, Any]) -> None:
    global _WORKER_ENV
    _WORKER_ENV = _build_env(env, env_kwargs)


def _build_env(env: str, env_kwargs: dict[str, Any]) -> Any:
    import importlib

    definition = get_definition(env)
    module_name, _, cls_name = definition.entry_point.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**env_kwargs)


def _make_record(env_obj: Any, index: int, level: int, task_seed: int) -> tuple[dict[str, Any], int]:
    from execgym.synth.decide import SandboxUndecided
    from execgym.tasks.registry import make_task

    last_error: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        seed = (
            task_seed if attempt == 0 else derive_seed("execgym.export.retry", task_seed, attempt) % (1 << 53)
        )
        try:
            task = make_task(env_obj.request(level, seed))
            spec = task.spec
            return {
                "index": index,
                "env": env_obj.env_name,
                "family": env_obj.definition.family,
                "level": int(spec.get("level", level)),
                "seed": int(spec.get("seed", seed)),
                "spec": json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
                "prompt": task.prompt,
                "gold_response": _gold_or_none(task),
            }, attempt
        except SandboxUndecided:
            raise  # machine overload, not a property of the seed: re-deriving would make the dataset load-dependent
        except Exception as exc:  # noqa: BLE001 - generation failure for this seed: re-derive (counted in the report)
            last_error = exc
    raise RuntimeError(
        f"{env_obj.env_name}: could not build task (level {level}, seed {task_seed}) in {MAX_ATTEMPTS} attempts: "
        f"{type(last_error).__name__}: {last_error}"
    ) from last_error


def _gold_or_none(task: Any) -> str | None:
    """The gold response, or None for a task whose source has no reference solution (e.g. Eurus-2 rows)."""
    from execgym.tasks.problemsets import NoReferenceSolution

    try:
        return task.gold_response()
    except NoReferenceSolution:
        return None


def _prefetch(env_obj: Any, plan: Sequence[tuple[int, int, int]]) -> None:
    """Build the plan's tasks in sandbox batches first (``execgym.tasks.prefetch``; same tasks as one by one).
    A failure only loses the speed-up: ``_make_record`` then builds (and reports) each task on its own."""
    from execgym.tasks.registry import prefetch

    try:
        prefetch([env_obj.request(level, seed) for _, level, seed in plan])
    except Exception:  # noqa: BLE001, S110
        pass


def _records_chunk(plan: list[tuple[int, int, int]]) -> list[tuple[dict[str, Any], int]]:
    _prefetch(_WORKER_ENV, plan)
    return [_make_record(_WORKER_ENV, *item) for item in plan]


def records_job(job: tuple[str, dict[str, Any], list[tuple[int, int, int]]]) -> list[tuple[dict[str, Any], int]]:
    """``(env, env_kwargs, plan chunk) -> records``: one unit of work for a remote executor (Ray)."""
    global _JOB_KEY
    env, env_kwargs, plan = job
    key = (env, json.dumps(env_kwargs, sort_keys=True, default=repr))
    if _JOB_KEY != key:
        _init_worker(env, env_kwargs)
        _JOB_KEY = key
    return _records_chunk(plan)


def iter_records(
    env: str,
    plan: Sequence[tuple[int, int, int]],
    env_kwargs: dict[str, Any] | None = None,
    workers: int = 1,
    ray_address: str | None = None,
) -> Iterator[tuple[dict[str, Any], int]]:
    """Yield ``(record, replaced_attempts)`` in plan order, generated in ``workers`` processes, or as Ray
    tasks when ``ray_address`` is given (``"local"``: join or start a cluster, see ``execgym.distributed``)."""
    env_kwargs = dict(env_kwargs or {})
    if ray_address is not None and plan:
        from execgym import distributed

        size = max(1, min(_CHUNK, 16))
        jobs = [(env, env_kwargs, list(plan[i : i + size])) for i in range(0, len(plan), size)]
        for chunk in distributed.ordered_map(records_job, jobs, address=ray_address):
            yield from chunk
        return
    if workers <= 1 or len(plan) < 2:
        env_obj = _build_env(env, env_kwargs)
        for start in range(0, len(plan), _CHUNK):
            block = plan[start : start + _CHUNK]
            _prefetch(env_obj, block)
            for item in block:
                yield _make_record(env_obj, *item)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(_CHUNK, -(-len(plan) // (4 * workers))))  # >= 4 chunks per worker for balance
    chunks = [list(plan[i : i + size]) for i in range(0, len(plan), size)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(env, env_kwargs)
    ) as pool:
        for chunk in pool.map(_records_chunk, chunks):
            yield from chunk


# -- writers -----------------------------------------------------------------------------------------------------
def _write_jsonl(rows: Iterable[dict[str, Any]], tmp: Path) -> None:
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, allow_nan=False))
            fh.write("\n")


def _require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise RuntimeError(
            "writing Parquet needs pyarrow: pip install 'execgym[parquet]' (or choose a .jsonl output)"
        ) from exc
    return pyarrow


def _write_parquet(rows: Iterable[dict[str, Any]], tmp: Path, batch_rows: int = 2048) -> None:
    pa = _require_pyarrow()
    import pyarrow.parquet as pq

    writer = None
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer
        if not batch:
            return
        table = pa.Table.from_pylist(batch, schema=writer.schema if writer is not None else None)
        if writer is None:
            writer = pq.ParquetWriter(str(tmp), table.schema, compression="zstd")
        writer.write_table(table)
        batch.clear()

    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_rows:
                flush()
        flush()
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # zero rows: still write a valid (empty) file
        pq.write_table(pa.table({}), str(tmp))


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read back an exported file (JSONL, or Parquet via pyarrow) as a list of row dicts."""
    path = Path(path)
    if path.suffix == ".parquet":
        _require_pyarrow()
        import pyarrow.parquet as pq

        return pq.read_table(str(path)).to_pylist()
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- public API --------------------------------------------------------------------------------------------------
def export_dataset(
    env: str,
    *,
    n: int,
    path: str | os.PathLike[str],
    format: str = "jsonl",
    levels: str | Sequence[int] | None = None,
    seed: int = 0,
    workers: int = 1,
    curriculum: bool = False,
    env_kwargs: dict[str, Any] | None = None,
    chat: bool = True,
    progress: Callable[[int, int], None] | None = None,
    ray_address: str | None = None,
) -> ExportReport:
    """Write ``n`` task rows of ``env`` to ``path`` in ``format``; see the module docstring."""
    started = time.perf_counter()
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose from {list(FORMATS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    definition = get_definition(env)
    env_kwargs = dict(env_kwargs or {})
    env_kwargs.pop("level", None)
    definition.validate(env_kwargs)  # TypeError / ValueError early, before any work
    chosen = parse_levels(levels) or list(definition.levels)
    undefined = sorted(set(chosen) - set(definition.levels))
    if undefined:
        raise ValueError(
            f"{definition.name}: levels {undefined} are not defined; defined: {list(definition.levels)}"
        )
    out = Path(path)
    storage = out.suffix.lstrip(".") if out.suffix in (".jsonl", ".parquet") else DEFAULT_STORAGE[format]
    if format == "parquet":
        storage = "parquet"
    if storage == "parquet":
        _require_pyarrow()
    out.parent.mkdir(parents=True, exist_ok=True)
    if env_kwargs.get("tasks_path"):
        # user tasks (UnitTest JSONL): row i is file row i (cycling when n exceeds the file), in file order
        plan = [(i, chosen[0], i) for i in range(n)]
    else:
        plan = plan_rows(definition.name, n, chosen, seed, curriculum)
    build_row = ROW_BUILDERS[format]
    report = ExportReport(path=str(out), format=format, storage=storage, env=definition.name, rows=0)
    level_counts: Counter[int] = Counter()

    def rows() -> Iterator[dict[str, Any]]:
        for record, replaced in iter_records(definition.name, plan, env_kwargs, workers, ray_address):
            report.replaced_seeds += 1 if replaced else 0
            level_counts[record["level"]] += 1
            report.rows += 1
            if progress is not None:
                progress(report.rows, n)
            yield build_row(record, chat)

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if storage == "parquet":
            _write_parquet(rows(), tmp)
        else:
            _write_jsonl(rows(), tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    report.levels = dict(sorted(level_counts.items()))
    report.seconds = round(time.perf_counter() - started, 3)
    return report
