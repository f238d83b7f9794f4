"""Task registry: build tasks from specs and score responses (single or batched).

Contract (docs/architecture.md §3):
- ``make_task(spec)``: ``spec`` is a dict or JSON text. ``{"env", "level", "seed"}`` (optionally ``options``)
  regenerates the full task (cached by (env, level, seed, options)); a full spec (one that carries its
  payload: ``program``/``problem`` and ground truth) is read as is, with no regeneration or re-trace. Raises
  ``ValueError`` for an unknown env, undefined level or malformed spec and ``TypeError`` for unknown options.
- ``score(spec, response)`` never raises: a bad spec is outcome ``error`` with the reason.
- ``score_batch(specs, responses, workers=None)``: answers that need no execution are scored in-process;
  those that need execution (ExecOI, UnitTest) go through one ``execgym.run_batch`` call.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from execgym.tasks import options as _options
from execgym.tasks.base import Score, Task, complete, error_score, run_requests

_FAMILIES = {
    "ExecNext-v0": "execgym.tasks.next:NextTask",
    "ExecVar-v0": "execgym.tasks.var:VarTask",
    "ExecIO-v0": "execgym.tasks.io:IOTask",
    "ExecOI-v0": "execgym.tasks.oi:OITask",
    "UnitTest-v0": "execgym.tasks.unittest:UnitTestTask",
    "ExecAudit-v0": "execgym.tasks.audit:AuditTask",
}
ENVS = tuple(_FAMILIES)
SPEC_VERSION = 1
_PAYLOAD_KEYS = ("program", "problem")
_TASK_CACHE_SIZE = 2048
_task_cache: OrderedDict[str, Task] = OrderedDict()
_cache_lock = threading.Lock()


@functools.cache
def task_class(env: str) -> type:
    """The Task subclass of an env name (``ExecIO-v0`` or ``execgym/ExecIO-v0``)."""
    import importlib

    target = _FAMILIES.get(env.split("/")[-1])
    if target is None:
        raise ValueError(f"unknown environment {env!r}; known: {list(_FAMILIES)}")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def env_name(env: Any) -> str:
    if not isinstance(env, str):
        raise ValueError(f"spec 'env' must be a string, got {type(env).__name__}")  # noqa: TRY004 - malformed input is a ValueError by contract
    name = env.split(":")[-1].split("/")[-1]
    if name not in _FAMILIES:
        raise ValueError(f"unknown environment {env!r}; known: {list(_FAMILIES)}")
    return name


def default_options(env: str) -> dict:
    """The full option defaults of an environment's task family."""
    return _options.validate(env, task_class(env_name(env)).OPTIONS, {})


def _as_dict(spec: dict | str) -> dict:
    if isinstance(spec, (str, bytes)):
        try:
            spec = json.loads(spec)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"task spec is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"a task spec must be a dict or JSON text, got {type(spec).__name__}")  # noqa: TRY004 - malformed input is a ValueError by contract
    return spec


def _cache_key(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=True, default=repr)


def make_task(spec: dict | str) -> Task:
    """Build (or regenerate) the task a spec describes; see the module docstring."""
    spec = _as_dict(spec)
    name = env_name(spec.get("env"))
    version = spec.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise ValueError(f"task spec version {version!r} is not supported (this execgym reads {SPEC_VERSION})")
    cls = task_class(name)
    full = any(key in spec for key in _PAYLOAD_KEYS)
    try:
        key = _cache_key(spec)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"task spec is not JSON-able: {exc}") from None
    with _cache_lock:
        cached = _task_cache.get(key)
        if cached is not None:
            _task_cache.move_to_end(key)
            return cached
    if full:
        task = cls(json.loads(key))  # a private copy: later changes to the caller's dict cannot leak in
    else:
        level, seed = spec.get("level"), spec.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"spec 'seed' must be an int, got {seed!r}")
        if isinstance(level, bool) or not isinstance(level, int):
            raise ValueError(f"spec 'level' must be an int, got {level!r}")
        opts = _options.validate(name, cls.OPTIONS, spec.get("options"))
        from execgym.tasks.program import check_level

        check_level(level)
        task = cls(cls.build(name, level, seed, opts))
    with _cache_lock:
        _task_cache[key] = task
        if len(_task_cache) > _TASK_CACHE_SIZE:
            _task_cache.popitem(last=False)
    return task


def from_program(env: str, source: str, call: str, *, options: dict | None = None, seed: int = 0,
                 level: int = 0) -> dict:
    """A full spec of ExecNext/ExecVar/ExecIO/ExecOI for YOUR program and call (traced in the sandbox).

    ``seed`` only drives question sampling; ``level`` is recorded as given (0 = not a synthesized level).
    Raises ``ValueError`` when the program does not run to a literal output.
    """
    from execgym.tasks.program import trace_program

    name = env_name(env)
    cls = task_class(name)
    if not hasattr(cls, "build_from"):
        raise ValueError(f"{name} tasks cannot be built from a single program")
    opts = _options.validate(name, cls.OPTIONS, options)
    return cls.build_from(trace_program(source, call), name, level, seed, opts)


def clear_cache() -> None:
    """Drop cached tasks and traced programs (tests and benchmarks use it to measure cold paths)."""
    from execgym.tasks.program import clear_attempts, trace_program

    with _cache_lock:
        _task_cache.clear()
    clear_attempts()
    trace_program.cache_clear()


def prefetch(specs: Sequence[dict | str], *, workers: int | None = None) -> list[Task]:
    """``[make_task(s) for s in specs]``, but minimal specs of the trace families are generated and traced in
    sandbox batches first (faster for dataset export and vector envs). Same tasks, same errors."""
    from execgym.tasks.program import prefetch_attempts

    dicts = [_as_dict(s) for s in specs]
    groups: dict[tuple[str, int, str], list[int]] = {}
    for d in dicts:
        if any(k in d for k in _PAYLOAD_KEYS):
            continue
        try:
            name = env_name(d.get("env"))
        except ValueError:
            continue
        level, seed = d.get("level"), d.get("seed")
        if name in ("UnitTest-v0", "ExecAudit-v0") or not all(isinstance(v, int) and not isinstance(v, bool) for v in (level, seed)):
            continue
        source = (d.get("options") or {}).get("source", "synth") if isinstance(d.get("options"), dict) else "synth"
        groups.setdefault((name, level, str(source)), []).append(seed)
    for (name, level, source), seeds in groups.items():
        try:
            prefetch_attempts(name, level, seeds, workers=workers, source=source)
        except Exception:  # noqa: BLE001, S110 - a failed prefetch only loses the speed-up; make_task reports
            pass
    return [make_task(d) for d in dicts]


def _task_or_error(spec: Any) -> Task | Score:
    try:
        return make_task(spec)
    except Exception as exc:  # noqa: BLE001 - score() must never raise
        return error_score(f"bad task spec: {type(exc).__name__}: {exc}")


def score(spec: dict | str, response: Any) -> Score:
    """Score one response against the task a spec describes. Never raises."""
    task = _task_or_error(spec)
    if isinstance(task, Score):
        return task
    return task.score(response)


async def ascore(spec: dict | str, response: Any) -> Score:
    """``score`` for event loops: execution-free answers are scored inline, sandbox runs happen in a worker
    thread so the loop never blocks. Never raises."""
    import asyncio

    task = _task_or_error(spec)
    if isinstance(task, Score):
        return task
    pending = task.prepare(response)
    if pending.score is not None:
        return pending.score
    try:
        results = await asyncio.to_thread(run_requests, pending.requests)
    except Exception as exc:  # noqa: BLE001
        return error_score(f"sandbox unavailable: {type(exc).__name__}: {exc}", task.max_reward)
    return complete(pending, results, task.max_reward)


def score_batch(specs: Sequence[Any], responses: Sequence[Any], *, workers: int | None = None) -> list[Score]:
    """Score many responses; execution-free answers in-process, the rest in ONE sandbox batch."""
    if len(specs) != len(responses):
        raise ValueError(f"{len(specs)} specs but {len(responses)} responses")
    out: list[Score | None] = [None] * len(specs)
    waiting = []  # (index, pending, task, first request index, count)
    requests: list = []
    for i, (spec, response) in enumerate(zip(specs, responses)):
        task = _task_or_error(spec)
        if isinstance(task, Score):
            out[i] = task
            continue
        pending = task.prepare(response)
        if pending.score is not None:
            out[i] = pending.score
            continue
        waiting.append((i, pending, task, len(requests), len(pending.requests)))
        requests.extend(pending.requests)
    if waiting:
        try:
            results = run_requests(requests, workers=workers)
            failure = None
        except Exception as exc:  # noqa: BLE001
            results, failure = [], f"sandbox unavailable: {type(exc).__name__}: {exc}"
        for i, pending, task, start, count in waiting:
            if failure is not None:
                out[i] = error_score(failure, task.max_reward)
            else:
                out[i] = complete(pending, results[start : start + count], task.max_reward)
    return [s if s is not None else error_score("not scored") for s in out]
