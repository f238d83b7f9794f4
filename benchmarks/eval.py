"""Throughput of ``execgym eval``'s harness end to end (prompt, HTTP request, scoring).

Runs, in one process and one run, on the same pre-built tasks (ExecIO-v0 white-box, ExecVar-v0 and
ExecNext-v0 at levels 1-6 by default):

1. ``baseline``: the harness with an in-process model that returns the same gold answers instantly (no
   HTTP): the cost of prompts, the event loop and scoring alone; also the built-in ``heuristic``;
2. ``openai``: the ``openai:`` backend against a loopback chat-completions server (a separate process,
   asyncio, answers at once with the task's gold response, so every answer is fully scored) at
   concurrency 64;
3. ``http_only``: the same requests without the harness (``model.agenerate`` alone): the HTTP floor;
4. ``openai`` and ``http_only`` again for every client, on the same server in the same run: execgym's own
   asyncio client (``transport="fast"``, what plain http:// uses), aiohttp's client (``transport="aiohttp"``)
   and httpx (``transport="httpx"``, what https:// endpoints use); each client's runs alternate over
   ``--rounds`` rounds and the best round counts, so a burst of load from other jobs hits all of them alike.

Prints one JSON object: episodes/s for each, per-episode wall time, the per-episode overhead of the
HTTP path over the baseline, and whether the >= 200 episodes/s target is met. Task generation
(synthesis + tracing) happens before timing and is reported separately as ``task_build_s``.

    python benchmarks/eval.py [--episodes 2000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# ----------------------------------------------------------------------------------- the server

def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


async def _serve(gold_path: str, port_file: str) -> None:
    gold = json.loads(Path(gold_path).read_text())

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = json.loads(await reader.readexactly(length))
                prompt = body["messages"][-1]["content"]
                text = gold.get(_key(prompt), "no gold for this prompt")
                payload = json.dumps({
                    "id": "x", "object": "chat.completion",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(text) // 4},
                }).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    Path(port_file).write_text(str(port))
    async with server:
        await server.serve_forever()


def start_server(gold: dict[str, str], workdir: Path) -> tuple[subprocess.Popen, str]:
    gold_path, port_file = workdir / "gold.json", workdir / "port"
    gold_path.write_text(json.dumps(gold))
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(gold_path), str(port_file)])
    for _ in range(400):
        if port_file.exists() and port_file.read_text().strip():
            return proc, f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        time.sleep(0.025)
    proc.kill()
    raise RuntimeError("loopback server did not start")


# ----------------------------------------------------------------------------------- the runs

def build_items(envs: list[str], levels: list[int], per: int):
    """Pre-built tasks as spec items (so timing excludes program synthesis), plus the gold map."""
    from execgym.evaluation.items import env_items, spec_items
    from execgym.tasks import make_task

    specs, gold = [], {}
    for item in env_items(envs, levels, per, seed=0):
        task = make_task(item.spec_request())
        specs.append(task.spec)
        gold[_key(task.prompt)] = task.gold_response()
    return spec_items(specs), gold


def gold_model(gold: dict[str, str]):
    """An in-process model answering every prompt with its gold response (the no-HTTP baseline)."""
    from execgym.models.base import Completion, Model

    class GoldModel(Model):
        name = "inprocess-gold"

        async def agenerate(self, prompts, params):
            return [[Completion(gold.get(_key(p[-1]["content"]), ""))] * params.n for p in prompts]

    return GoldModel()


def timed_eval(model, items, concurrency: int) -> tuple[float, list[dict]]:
    from execgym.evaluation.harness import EvalConfig, evaluate

    config = EvalConfig(concurrency=concurrency, progress=False, workers=4)
    started = time.perf_counter()
    records = evaluate(model, items, config)
    return time.perf_counter() - started, records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=900)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--envs", default="ExecIO-v0,ExecVar-v0,ExecNext-v0")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per client; the best one counts")
    ap.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(_serve(*args.serve))
        return

    from execgym.models import SamplingParams, load_model

    envs, levels = args.envs.split(","), list(range(1, 7))
    per = max(1, args.episodes // (len(envs) * len(levels)))
    t0 = time.perf_counter()
    items, gold = build_items(envs, levels, per)
    build_s = time.perf_counter() - t0
    n = len(items)

    # warm-up (sandbox pool, imports) on a few items, not timed
    timed_eval(gold_model(gold), items[:20], args.concurrency)
    base_s, base_records = timed_eval(gold_model(gold), items, args.concurrency)
    heur_s, heur_records = timed_eval(load_model("heuristic"), items, args.concurrency)

    transports = ["fast", "aiohttp", "httpx"]
    best: dict[str, dict[str, float]] = {t: {"eval_s": float("inf"), "http_s": float("inf")} for t in transports}
    cpu: dict[str, float] = {t: float("inf") for t in transports}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(gold, Path(tmp))
        try:
            prompts = [[{"role": "user", "content": item.start().observation}] for item in items]

            def client(transport: str):
                return load_model("openai:loopback", base_url=url, concurrency=args.concurrency, max_retries=2,
                                  transport=transport)

            async def http_only(model):
                t = time.perf_counter()
                await model.agenerate(prompts, SamplingParams(max_tokens=16))
                await model.aclose()
                return time.perf_counter() - t

            for transport in transports:  # warm-up, not timed
                timed_eval(client(transport), items[:50], args.concurrency)
            for _ in range(args.rounds):
                for transport in transports:
                    eval_s, got = timed_eval(client(transport), items, args.concurrency)
                    if transport == "fast":
                        records = got
                    c0 = time.process_time()
                    raw_s = asyncio.run(http_only(client(transport)))
                    cpu[transport] = min(cpu[transport], time.process_time() - c0)
                    best[transport]["eval_s"] = min(best[transport]["eval_s"], eval_s)
                    best[transport]["http_s"] = min(best[transport]["http_s"], raw_s)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    http_s, raw_s, httpx_s = best["fast"]["eval_s"], best["fast"]["http_s"], best["httpx"]["eval_s"]

    correct = sum(bool(r.get("correct")) for r in records)
    rate = n / http_s
    result = {
        "benchmark": "eval_harness",
        "machine": f"{os.cpu_count()} CPU(s), python {sys.version.split()[0]}",
        "episodes": n,
        "envs": envs,
        "levels": levels,
        "concurrency": args.concurrency,
        "task_build_s": round(build_s, 3),
        "baseline_inprocess_gold_eps_per_s": round(n / base_s, 1),
        "heuristic_eps_per_s": round(n / heur_s, 1),
        "openai_loopback_eps_per_s": round(rate, 1),
        "http_only_requests_per_s": round(n / raw_s, 1),
        "openai_loopback_httpx_transport_eps_per_s": round(n / httpx_s, 1),
        "clients": {t: {"eval_eps_per_s": round(n / best[t]["eval_s"], 1),
                        "http_only_requests_per_s": round(n / best[t]["http_s"], 1),
                        "http_only_client_cpu_ms_per_request": round(1000 * cpu[t] / n, 3)}
                    for t in transports},
        "rounds": args.rounds,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "per_episode_ms": {"baseline": round(1000 * base_s / n, 3), "heuristic": round(1000 * heur_s / n, 3),
                           "openai": round(1000 * http_s / n, 3),
                           "http_only": round(1000 * raw_s / n, 3)},
        "per_episode_overhead_ms_vs_baseline": round(1000 * (http_s - base_s) / n, 3),
        "gold_accuracy_over_http": round(correct / n, 4),
        "baseline_gold_accuracy": round(sum(bool(r.get("correct")) for r in base_records) / n, 4),
        "heuristic_accuracy": round(sum(bool(r.get("correct")) for r in heur_records) / n, 4),
        "target_eps_per_s": 200,
        "meets_target": rate >= 200,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
