"""Environment throughput and scoring latency; prints ONE JSON object.

For every environment at levels 1, 4 and 6 (gold answers throughout):
- ``generate_eps``: reset(seed=fresh) + step(gold) episodes/s, task generation (synthesis + sandboxed trace)
  included: the cost of an env used online with never-seen, explicitly seeded resets (no prefetch possible).
- ``replay_eps``: reset(options={"task": spec}) + step(gold) over pre-built full specs (what a trainer does with
  an exported dataset): task rebuild from the spec, prompt, scoring. Task caches are cleared first (cold).
- ``score_p50_ms`` / ``score_p99_ms``: ``execgym.score(spec_json, gold)`` latency per call, cold (JSON parse +
  task rebuild + scoring; ``needs_execution`` says whether the family runs the sandbox to score).
Headline, ExecIO-v0 level 4 (``online_execio_level4``, ``--online`` episodes each, every task never seen
before by the process): the seeded plain loop; the unseeded plain loop with prefetch (``prefetch_size`` task
seeds drawn ahead and built in one batch) against the same loop with ``prefetch_size=1`` (the baseline, same
run); a sync and an async vector env (2 sub-envs, ``shared_memory=False``, same-step autoreset, unseeded
autoresets, so each sub-env prefetches, ramping up from batches of 4; 2x ``--online`` episodes); and, for
exported specs, the replay loop and ``score_batch``.
``met`` says which targets were reached. The load average is printed at start and end: the numbers mean little
on a busy machine.

Usage: ``python benchmarks/envs.py [--episodes N] [--generate N] [--online N] [--levels 1,4,6]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

import gymnasium as gym

import execgym
from execgym.gym.requests import export_task_seed

ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0")
NEEDS_EXECUTION = {
    "ExecNext-v0": False,
    "ExecVar-v0": False,
    "ExecIO-v0": False,
    "ExecOI-v0": True,
    "UnitTest-v0": True,
}


def cold() -> None:
    """Drop the task layer's caches so every measurement rebuilds tasks from their specs (no warm hits)."""
    from execgym.tasks.registry import clear_cache

    clear_cache()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def build_specs(name: str, level: int, n: int, base_seed: int) -> tuple[list[dict], list[str], float]:
    """n full specs + gold responses; returns the time spent (the generation cost)."""
    env = gym.make(f"execgym/{name}", level=level)
    specs, golds = [], []
    start = time.perf_counter()
    for i in range(n):
        _, info = env.reset(seed=export_task_seed(name, base_seed, i))
        specs.append(info["task"])
        golds.append(env.unwrapped.gold_response())
    elapsed = time.perf_counter() - start
    env.close()
    return specs, golds, elapsed


def generate_eps(name: str, level: int, n: int, base: int = 777_000) -> float:
    """Fresh seeds, generation included (tasks never seen by this process)."""
    env = gym.make(f"execgym/{name}", level=level)
    cold()
    start = time.perf_counter()
    for i in range(n):
        env.reset(seed=export_task_seed(name, base + level, i))
        env.step(env.unwrapped.gold_response())
    elapsed = time.perf_counter() - start
    env.close()
    return n / elapsed


def unseeded_eps(name: str, level: int, n: int, prefetch_size: int, seed: int) -> float:
    """Unseeded resets (task seeds drawn from the env's np_random) + step(gold); fresh tasks, generation
    included. ``prefetch_size`` > 1 builds the upcoming tasks in batches."""
    env = gym.make(f"execgym/{name}", level=level)
    env.unwrapped.prefetch_size = prefetch_size
    env.unwrapped._next_batch = prefetch_size  # steady state: full batches from the start (no ramp-up)
    env.reset(seed=seed)
    env.step(env.unwrapped.gold_response())
    cold()
    start = time.perf_counter()
    for _ in range(n):
        env.reset()
        _, reward, *_ = env.step(env.unwrapped.gold_response())
        assert reward > 0
    elapsed = time.perf_counter() - start
    env.close()
    return n / elapsed


def replay_eps(name: str, specs: list[dict], golds: list[str], rounds: int) -> float:
    env = gym.make(f"execgym/{name}", level=specs[0]["level"])
    count = 0
    start = time.perf_counter()
    for _ in range(rounds):
        cold()
        for spec, gold in zip(specs, golds):
            env.reset(options={"task": spec})
            _, _reward, *_ = env.step(gold)
            count += 1
    elapsed = time.perf_counter() - start
    env.close()
    return count / elapsed


def score_latency(specs: list[dict], golds: list[str]) -> tuple[float, float, float]:
    texts = [json.dumps(s) for s in specs]
    times = []
    cold()
    start_all = time.perf_counter()
    for text, gold in zip(texts, golds):
        t0 = time.perf_counter()
        execgym.score(text, gold)
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start_all
    return percentile(times, 50), percentile(times, 99), len(texts) / total


def batch_eps(specs: list[dict], golds: list[str], rounds: int) -> float:
    texts = [json.dumps(s) for s in specs]
    start = time.perf_counter()
    for _ in range(rounds):
        cold()
        scores = execgym.score_batch(texts, golds)
    elapsed = time.perf_counter() - start
    assert all(s.outcome == "correct" for s in scores), [s.reason for s in scores if s.outcome != "correct"][
        :3
    ]
    return rounds * len(texts) / elapsed


def vector_eps(name: str, level: int, num_envs: int, episodes: int, mode: str = "async", seed: int = 0) -> float:
    """Vector env (async: one process per sub-env, shared_memory=False; same-step autoreset), fresh tasks:
    every step finishes ``num_envs`` episodes and the autoreset (unseeded, so prefetched in batches) builds the
    next tasks inside the sub-envs."""
    kwargs: dict[str, Any] = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
    if mode == "async":
        kwargs["shared_memory"] = False
    venv = gym.make_vec(f"execgym/{name}", num_envs=num_envs, vectorization_mode=mode, vector_kwargs=kwargs,
                        level=level)
    # every prefetch batch is built inside the timed window (the seeded reset below builds only the first task;
    # the first step's autoreset draws the first batch), including the ramp-up from small batches
    rounds = max(2, episodes // num_envs)
    cold()  # forked sub-envs would inherit this process's caches
    try:
        venv.reset(seed=seed)
        start = time.perf_counter()
        for _ in range(rounds):
            golds = venv.call("gold_response")
            _, rewards, terminated, _, _ = venv.step(golds)
            assert terminated.all() and (rewards > 0).all()
        elapsed = time.perf_counter() - start
    finally:
        venv.close()
    return rounds * num_envs / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=60, help="pre-built specs per (env, level)")
    parser.add_argument("--generate", type=int, default=10, help="fresh-seed episodes per (env, level)")
    parser.add_argument("--online", type=int, default=256, help="fresh episodes per headline online loop")
    parser.add_argument("--levels", default="1,4,6")
    parser.add_argument("--envs", default=",".join(ENVS))
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    report: dict[str, Any] = {
        "benchmark": "envs",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        },
        "episodes_per_measurement": args.episodes,
        "envs": {},
    }
    keep: dict[tuple[str, int], tuple[list[dict], list[str]]] = {}
    for name in args.envs.split(","):
        rows = {}
        for level in levels:
            specs, golds, build_s = build_specs(name, level, args.episodes, base_seed=level)
            keep[(name, level)] = (specs, golds)
            rounds = 1 if NEEDS_EXECUTION[name] else 3
            p50, p99, score_rate = score_latency(specs, golds)
            print(f"[envs.py] {name} level {level}", file=sys.stderr, flush=True)
            rows[str(level)] = {
                "generate_eps": round(generate_eps(name, level, args.generate), 2),
                "replay_eps": round(replay_eps(name, specs, golds, rounds), 1),
                "score_only_per_s": round(score_rate, 1),
                "score_p50_ms": round(p50, 3),
                "score_p99_ms": round(p99, 3),
                "needs_execution": NEEDS_EXECUTION[name],
                "first_build_s_per_task": round(build_s / args.episodes, 4),
            }
        report["envs"][name] = rows
    key = ("ExecIO-v0", 4)
    if key in keep:
        specs, golds = keep[key]
        row = report["envs"]["ExecIO-v0"]["4"]
        n = args.online
        print("[envs.py] online ExecIO-v0 level 4", file=sys.stderr, flush=True)
        seeded = generate_eps("ExecIO-v0", 4, n, base=888_000)
        plain_1 = unseeded_eps("ExecIO-v0", 4, n, 1, seed=31)
        plain_pf = unseeded_eps("ExecIO-v0", 4, n, 32, seed=32)
        plain_pf64 = unseeded_eps("ExecIO-v0", 4, n, 64, seed=33)
        sync_vec = vector_eps("ExecIO-v0", 4, 2, 2 * n, mode="sync", seed=41)
        async_vec = vector_eps("ExecIO-v0", 4, 2, 2 * n, mode="async", seed=42)
        replay = row["replay_eps"]
        batch = batch_eps(specs, golds, rounds=5)
        p99 = row["score_p99_ms"]
        best_online = max(seeded, plain_pf, plain_pf64)
        report["online_execio_level4"] = {
            "episodes": n,
            "fresh_seeded_loop_eps": round(seeded, 1),
            "unseeded_loop_no_prefetch_eps": round(plain_1, 1),
            "unseeded_loop_prefetch32_eps": round(plain_pf, 1),
            "unseeded_loop_prefetch64_eps": round(plain_pf64, 1),
            "sync_vector_2_eps": round(sync_vec, 1),
            "async_vector_2_eps": round(async_vec, 1),
            "replay_loop_eps": replay,
            "replay_batch_scorer_eps": round(batch, 1),
            "score_only_per_s": row["score_only_per_s"],
            "score_p50_ms": row["score_p50_ms"],
            "score_p99_ms": p99,
            "targets": {"plain_loop_eps": 200, "batch_or_vector_eps": 500, "score_p99_ms": 20},
            "met": {
                "online_plain_loop_eps>=200": best_online >= 200,
                "online_vector_eps>=500": max(sync_vec, async_vec) >= 500,
                "replay_loop_eps>=200": replay >= 200,
                "replay_batch_scorer_eps>=500": batch >= 500,
                "score_p99_ms<20": p99 < 20,
            },
        }
    report["machine"]["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
