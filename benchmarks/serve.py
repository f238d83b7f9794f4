"""Throughput and latency of ``execgym serve`` on loopback, against in-process ``score_batch`` in the same run.

1. Builds ``--tasks`` ExecIO-v0 tasks (levels 1-6; or ``--env``) and ``--requests`` batches of ``--batch``
   (spec, response) pairs: gold, wrong and malformed answers, every batch different.
2. ``in_process``: ``execgym.score_batch`` on every batch in this process (after one warm-up pass): the baseline.
3. ``service``: starts ``python -m execgym serve`` (a subprocess on 127.0.0.1, warmed up with the same pass),
   then ``--concurrency`` asyncio clients on keep-alive connections POST the batches to ``/score_batch``
   (bodies encoded before timing) until every batch has been sent once.
   Steps 2 and 3 alternate over ``--rounds`` rounds; the best round of each counts (other jobs' load bursts).
4. Checks that every request was answered exactly once, with HTTP 200, and with exactly the in-process scores.

Prints one JSON object: items/s and batches/s of both, the service's share of in-process throughput, p50/p99
latency per request, the check, the machine's load average, and whether the targets (>= 80 % of in-process,
p99 < 50 ms) are met.

    python benchmarks/serve.py [--requests 400] [--batch 64] [--concurrency 4] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_items(env: str, tasks: int, seed: int) -> list[tuple[dict, str]]:
    import execgym

    pairs = []
    for i in range(tasks):
        task = execgym.make_task({"env": env, "level": 1 + i % 6, "seed": seed + i})
        gold = task.gold_response()
        pairs += [
            (task.spec, gold),
            (task.spec, "<answer>\n0\n</answer>"),
            (task.spec, gold.replace("<answer>", "")),
        ]
    return pairs


def batches_of(pairs: list, n_requests: int, batch: int) -> list[tuple[list, list]]:
    out = []
    for r in range(n_requests):
        chosen = [pairs[(r * 7 + k * 13) % len(pairs)] for k in range(batch)]
        out.append(([s for s, _ in chosen], [x for _, x in chosen]))
    return out


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    body = await reader.readexactly(int(m.group(1))) if m else b""
    return status, body


async def drive(port: int, bodies: list[bytes], concurrency: int) -> tuple[list, list, float]:
    """POST every body once over ``concurrency`` keep-alive connections; (answers, latencies, wall)."""
    requests = [
        (
            f"POST /score_batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(b)}\r\n\r\n"
        ).encode()
        + b
        for b in bodies
    ]
    answers: list[list] = [[] for _ in bodies]
    latencies: list[float] = [0.0] * len(bodies)
    next_index = iter(range(len(bodies)))

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in next_index:
                t0 = time.perf_counter()
                answers[i].append(await _exchange(reader, writer, requests[i]))
                latencies[i] = time.perf_counter() - t0
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return answers, latencies, time.perf_counter() - t0


def start_server(threads: int, processes: int | None) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for key in ("EXECGYM_REWARD_URL", "EXECGYM_RAY_ADDRESS", "EXECGYM_SERVE_TOKEN"):
        env.pop(key, None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "execgym",
            "serve",
            "--port",
            "0",
            "--threads",
            str(threads),
            "--max-pending",
            "1024",
            *(["--processes", str(processes)] if processes else []),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    for line in proc.stderr:
        m = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    raise RuntimeError("execgym serve did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", default="ExecIO-v0")
    ap.add_argument("--tasks", type=int, default=120, help="distinct tasks (3 responses each)")
    ap.add_argument("--requests", type=int, default=400, help="batches sent (each exactly once)")
    ap.add_argument("--batch", type=int, default=64, help="items per batch")
    ap.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    ap.add_argument("--threads", type=int, default=2, help="the service's request threads")
    ap.add_argument(
        "--processes", type=int, default=None, help="the service's scoring processes (default: its own)"
    )
    ap.add_argument(
        "--rounds", type=int, default=3, help="alternating in-process/service rounds; the best counts"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    import execgym
    from execgym.serve.config import ServeConfig

    load_start = os.getloadavg()
    t0 = time.perf_counter()
    pairs = build_items(args.env, args.tasks, args.seed)
    batches = batches_of(pairs, args.requests, args.batch)
    build_s = time.perf_counter() - t0
    want = [[s.to_dict() for s in execgym.score_batch(sp, rs)] for sp, rs in batches]  # warm-up + reference
    bodies = [json.dumps({"specs": sp, "responses": rs}).encode() for sp, rs in batches]
    proc, port = start_server(args.threads, args.processes)
    local_runs, service_runs = [], []
    try:
        asyncio.run(drive(port, bodies, args.concurrency))  # warm-up: the service's task cache
        for _ in range(args.rounds):  # alternate, so a burst of load from other jobs hits both alike
            t0 = time.perf_counter()
            for sp, rs in batches:
                execgym.score_batch(sp, rs)
            local_runs.append(time.perf_counter() - t0)
            service_runs.append(asyncio.run(drive(port, bodies, args.concurrency)))
    finally:
        proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(timeout=120)
    local_s = min(local_runs)
    answers, latencies, service_s = min(service_runs, key=lambda run: run[2])
    once = all(len(a) == 1 for run in service_runs for a in run[0])
    ok = once and all(
        a[0][0] == 200 and json.loads(a[0][1])["scores"] == w
        for run in service_runs
        for a, w in zip(run[0], want)
    )
    items = args.requests * args.batch
    share = local_s / service_s if service_s else 0.0
    p99 = pct(latencies, 0.99)
    print(
        json.dumps(
            {
                "benchmark": "serve",
                "env": args.env,
                "requests": args.requests,
                "batch": args.batch,
                "concurrency": args.concurrency,
                "service_threads": args.threads,
                "service_processes": args.processes or ServeConfig().processes,
                "rounds": args.rounds,
                "in_process_wall_s_per_round": [round(x, 3) for x in local_runs],
                "service_wall_s_per_round": [round(run[2], 3) for run in service_runs],
                "task_build_s": round(build_s, 2),
                "in_process": {
                    "items_per_s": round(items / local_s, 1),
                    "batches_per_s": round(args.requests / local_s, 1),
                    "wall_s": round(local_s, 3),
                },
                "service": {
                    "items_per_s": round(items / service_s, 1),
                    "batches_per_s": round(args.requests / service_s, 1),
                    "wall_s": round(service_s, 3),
                    "p50_ms": round(pct(latencies, 0.5) * 1e3, 2),
                    "p99_ms": round(p99 * 1e3, 2),
                    "mean_ms": round(statistics.mean(latencies) * 1e3, 2),
                },
                "service_share_of_in_process": round(share, 3),
                "every_request_answered_once_with_in_process_result": ok,
                "server_exit_code": exit_code,
                "targets": {"share_ge_0.8": share >= 0.8, "p99_lt_50ms": p99 < 0.050},
                "machine": {
                    "cpus": os.cpu_count(),
                    "load_avg_start": [round(x, 2) for x in load_start],
                    "load_avg_end": [round(x, 2) for x in os.getloadavg()],
                },
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
