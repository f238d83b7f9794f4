"""The evaluation loop: items x samples -> episode records, concurrently, resumably.

``await aevaluate(model, items, config, out_path=...)`` runs every (item, sample) not already done in
``out_path`` with at most ``config.concurrency`` episodes in flight. Blocking work (building a task,
scoring, sandbox runs) runs on a thread pool so the event loop keeps the model busy. Each finished
episode is appended to ``out_path`` at once (an interrupted run loses at most the episodes in flight).
The returned list holds the records for exactly the requested (item, sample) pairs, old and new.
Sampling seeds are derived per (task, item, sample, turn) with :func:`execgym.seeding.derive_seed`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execgym.evaluation.items import Item
from execgym.evaluation.records import RecordWriter, done_keys, episode_key, read_records
from execgym.models.base import Model, ModelError, SamplingParams
from execgym.seeding import derive_seed


@dataclass(frozen=True)
class EvalConfig:
    samples: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    system: str | None = None
    concurrency: int = 64
    workers: int = 4  # threads for task building and scoring
    max_turns: int = 64
    seed: int = 0
    progress: bool = True
    store_prompt: bool = True


class ResultsMismatch(RuntimeError):
    """The results file holds episodes of another model."""


async def aevaluate(
    model: Model,
    items: Sequence[Item],
    config: EvalConfig = EvalConfig(),
    out_path: str | Path | None = None,
    on_record: Callable[[dict], None] | None = None,
) -> list[dict[str, Any]]:
    existing = read_records(out_path) if out_path is not None else []
    others = {r.get("model") for r in existing if r.get("model") not in (None, model.name)}
    if others:
        raise ResultsMismatch(
            f"{out_path} already holds episodes of {sorted(others)!r}, not {model.name!r}: use another output "
            "directory or remove the file"
        )
    done = done_keys(existing)
    wanted = [(item, s) for item in items for s in range(config.samples)]
    jobs = [(item, s) for item, s in wanted if episode_key(item.task, item.level, item.item_id, s) not in done]
    new_records: list[dict] = []
    writer = RecordWriter(out_path) if out_path is not None else None
    executor = ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="execgym-eval")
    bar = _progress(len(jobs), config.progress, model.name)
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    correct = 0

    async def worker() -> None:
        nonlocal correct
        while True:
            try:
                item, sample = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            record = await run_episode(model, item, sample, config, executor)
            new_records.append(record)
            if writer is not None:
                writer.write(record)
            if on_record is not None:
                on_record(record)
            correct += bool(record.get("correct"))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(acc=f"{correct / len(new_records):.3f}", refresh=False)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, min(config.concurrency, len(jobs) or 1)))))
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
        executor.shutdown(wait=True)
        await model.aclose_loop_resources()
    wanted_keys = {episode_key(i.task, i.level, i.item_id, s) for i, s in wanted}
    latest: dict[str, dict] = {}
    for rec in [*existing, *new_records]:
        if rec["key"] in wanted_keys:
            latest[rec["key"]] = rec
    return list(latest.values())


def evaluate(model: Model, items: Sequence[Item], config: EvalConfig = EvalConfig(),
             out_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Synchronous :func:`aevaluate`."""
    return asyncio.run(aevaluate(model, items, config, out_path))


async def run_episode(model: Model, item: Item, sample: int, config: EvalConfig,
                      executor: ThreadPoolExecutor) -> dict[str, Any]:
    """Drive one episode; never raises (failures become records with their reason)."""
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    record: dict[str, Any] = {
        "key": episode_key(item.task, item.level, item.item_id, sample),
        "task": item.task, "level": item.level, "item": item.item_id, "seed": item.seed,
        "sample": sample, "model": model.name,
    }
    try:
        session = await loop.run_in_executor(executor, item.start)
    except Exception as exc:  # noqa: BLE001 - a task that cannot be built is reported, not fatal
        record.update(outcome="error", reward=0.0, max_reward=1.0, correct=False,
                      reason=f"could not build the task: {type(exc).__name__}: {exc}",
                      wall_s=time.perf_counter() - started)
        return record
    record["spec"] = session.spec
    if config.store_prompt:
        record["prompt"] = session.observation
    messages: list[dict[str, str]] = []
    if config.system:
        messages.append({"role": "system", "content": config.system})
    messages.append({"role": "user", "content": session.observation})
    turns: list[dict[str, Any]] = []
    total_reward = 0.0
    prompt_tokens = completion_tokens = 0
    latency = 0.0
    info: dict[str, Any] = {}
    for turn in range(config.max_turns):
        params = SamplingParams(
            n=1, temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens,
            seed=derive_seed("execgym-eval-sample", config.seed, item.task, item.level, item.item_id,
                             sample, turn) % (2**31),
            stop=config.stop,
            metadata={"task": item.task, "level": item.level, "turn": turn},
        )
        try:
            completion = (await model.agenerate([list(messages)], params))[0][0]
        except Exception as exc:  # noqa: BLE001 - ModelError, or a backend bug: recorded, retried on resume
            kind = "" if isinstance(exc, ModelError) else f"{type(exc).__name__}: "
            record.update(outcome="model_error", reward=0.0, max_reward=info.get("max_reward", 1.0),
                          correct=False, reason=f"model failed: {kind}{exc}", turns=turns,
                          wall_s=time.perf_counter() - started)
            return record
        prompt_tokens += completion.prompt_tokens
        completion_tokens += completion.completion_tokens
        latency += completion.latency_s
        try:
            obs, reward, done, info = await loop.run_in_executor(executor, session.step, completion.text)
        except Exception as exc:  # noqa: BLE001 - Episode.step must not raise; if it does, say so
            obs, reward, done = "", 0.0, True
            info = {"outcome": "error", "reward_reason": f"step raised {type(exc).__name__}: {exc}",
                    "correct": False, "max_reward": info.get("max_reward", 1.0)}
        total_reward += reward
        turns.append({"response": completion.text, "reward": reward, "outcome": info.get("outcome"),
                      "finish_reason": completion.finish_reason})
        if not done:
            turns[-1]["observation"] = obs
        if done:
            break
        messages.append({"role": "assistant", "content": completion.text})
        messages.append({"role": "user", "content": obs})
    else:
        info = dict(info, outcome="error", reward_reason=f"episode not done after {config.max_turns} turns",
                    correct=False)
    record.update(
        response=turns[-1]["response"] if turns else "",
        reward=total_reward,
        max_reward=info.get("max_reward", 1.0),
        outcome=info.get("outcome", "error"),
        correct=bool(info.get("correct")),
        reason=info.get("reward_reason", ""),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_s=latency,
        wall_s=time.perf_counter() - started,
    )
    if "official" in info:
        record["official"] = info["official"]
    if info.get("details") is not None and "official" in info:
        record["details"] = info["details"]  # benchmark details are small; env details live in the spec
    if len(turns) > 1:
        record["turns"] = turns
    return record


def _progress(total: int, enabled: bool, desc: str) -> Any:
    """A tqdm bar, or execgym's plain stderr counter when tqdm (the eval extra) is missing; None if disabled."""
    if not enabled or total == 0:
        return None
    from execgym.progress import progress_bar

    return progress_bar(total, desc, unit="ep")
