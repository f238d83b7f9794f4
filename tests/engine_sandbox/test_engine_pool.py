"""The pool: crash recovery, recycling, batch and async APIs, hash seeds, request validation."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import execgym
from execgym.engine.pool import LIVE_WORKERS, Sandbox
from execgym.engine.request import MAX_SOURCE_CHARS, RunRequest
from execgym.engine.results import ExecutionTrace, RunResult

OUTCOMES = {"ok", "exception", "timeout", "memory_limit", "output_limit", "policy_violation",
            "sandbox_error"}
SQUARE = "def f(x):\n    print('x =', x)\n    return x * x\n"


def _workers_of(sb: Sandbox) -> list:
    return [w for w in list(LIVE_WORKERS) if any(w in s.idle for s in sb._sets.values())]


def test_run_basic(sandbox):
    r = sandbox.run(SQUARE, "f(7)")
    assert isinstance(r, RunResult)
    assert r.outcome == "ok" and r.return_value == 49 and r.stdout == "x = 7\n"
    assert r.to_dict()["outcome"] == "ok"
    e = sandbox.run(SQUARE, "f(")
    assert e.outcome == "exception" and e.error.type == "SyntaxError"


def test_module_level_api_and_trace():
    r = execgym.run(SQUARE, "f(3)")
    assert r.outcome == "ok" and r.return_value == 9
    t = execgym.trace(SQUARE, "f(3)")
    assert isinstance(t, ExecutionTrace) and t.outcome == "ok" and t.return_value == 9
    assert [s.line for s in t.line_steps()] == [2, 3]


def test_crashed_worker_is_replaced_and_its_run_retried_once():
    """A worker that dies under a run is replaced and the run is executed again on the new one."""
    with Sandbox(workers=1) as sb:
        assert sb.run(SQUARE, "f(1)").outcome == "ok"
        [worker] = _workers_of(sb)
        out: list = []
        t = threading.Thread(target=lambda: out.append(sb.run("import time\ntime.sleep(1.5)\n", "1")))
        t.start()
        time.sleep(0.4)
        os.kill(worker.proc.pid, signal.SIGKILL)
        t.join(20)
        assert not t.is_alive()
        assert out[0].outcome == "ok" and out[0].return_value == 1, out[0]
        r = sb.run(SQUARE, "f(2)")
        assert r.outcome == "ok" and r.return_value == 4
        assert worker not in _workers_of(sb)


def test_a_run_whose_worker_dies_twice_reports_sandbox_error():
    before = set(LIVE_WORKERS)
    with Sandbox(workers=1) as sb:
        killed: list = []

        def killer() -> None:
            deadline = time.monotonic() + 20
            while len(killed) < 2 and time.monotonic() < deadline:
                fresh = [w for w in list(LIVE_WORKERS) if w not in before and w not in killed and w.layers]
                if fresh:
                    time.sleep(0.4)  # the run is under way (it sleeps 3 s)
                    os.kill(fresh[0].proc.pid, signal.SIGKILL)
                    killed.append(fresh[0])
                time.sleep(0.02)

        t = threading.Thread(target=killer)
        t.start()
        r = sb.run("import time\ntime.sleep(3)\n", "1", timeout=5.0)
        t.join(25)
        assert len(killed) == 2
        assert r.outcome == "sandbox_error" and "worker" in r.error.message, r
        assert sb.run(SQUARE, "f(2)").return_value == 4


def test_hung_worker_is_killed_after_grace():
    with Sandbox(workers=1, response_grace_s=1.0) as sb:
        assert sb.run(SQUARE, "f(1)").outcome == "ok"
        [worker] = _workers_of(sb)
        for pid in worker.server_pids():
            os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        r = sb.run(SQUARE, "f(2)", timeout=0.5)
        assert r.outcome == "sandbox_error", r
        assert time.monotonic() - started < 5
        assert worker.proc.poll() is not None  # killed
        assert sb.run(SQUARE, "f(3)").return_value == 9


def test_workers_are_recycled_after_max_runs():
    with Sandbox(workers=1, max_runs_per_worker=3) as sb:
        seen = []
        for i in range(7):
            assert sb.run(SQUARE, f"f({i})").return_value == i * i
            seen.append([w.proc.pid for w in _workers_of(sb)])
        # a worker is retired after its third run: a fresh one every 3 runs
        a, b, c = seen[0], seen[3], seen[6]
        assert seen == [a, a, [], b, b, [], c], seen
        assert len(a) == len(b) == len(c) == 1 and len({a[0], b[0], c[0]}) == 3


def test_batch_mixed_modes_and_seeds_in_order(sandbox):
    reqs = []
    for i in range(40):
        mode = "trace" if i % 3 == 0 else "run"
        reqs.append(RunRequest(SQUARE, f"f({i})", mode=mode, hash_seed=i % 2))
    reqs.append(RunRequest("while True:\n    pass\n", "0", timeout=0.3))
    results = sandbox.run_batch(reqs, workers=2)
    assert len(results) == len(reqs)
    for i, r in enumerate(results[:-1]):
        assert r.outcome == "ok", (i, r)
        assert r.return_value == i * i
        assert isinstance(r, ExecutionTrace if i % 3 == 0 else RunResult)
    assert results[-1].outcome == "timeout"


def test_large_requests_pipelined_behind_large_answers_do_not_deadlock(sandbox):
    """Requests and answers each larger than a pipe's buffer (64 KiB), queued two to a worker: the pool must read
    the worker's answer while it is still writing the next request (this once hung forever)."""
    big = "def f(n):\n    pad = %r\n    return [str(i) * 40 for i in range(n)]\n" % ("p" * 150_000)
    reqs = [RunRequest(big, f"f({3000 + i})", timeout=10.0) for i in range(6)]
    done: list = []
    runner = threading.Thread(target=lambda: done.append(sandbox.run_batch(reqs, workers=1)), daemon=True)
    runner.start()
    runner.join(120)
    assert done, "run_batch hung with large pipelined requests and answers"
    for i, r in enumerate(done[0]):
        assert r.outcome == "ok", (i, r.outcome)
        assert len(r.return_value) == 3000 + i and r.return_value[-1] == str(2999 + i) * 40


def test_batch_uses_several_workers():
    with Sandbox(workers=2) as sb:
        results = sb.run_batch([RunRequest(SQUARE, f"f({i})") for i in range(20)])
        assert [r.return_value for r in results] == [i * i for i in range(20)]
        assert len(_workers_of(sb)) == 2


def test_async_api_does_not_block_the_loop(sandbox):
    async def main():
        ticks = 0
        stop = False

        async def ticker():
            nonlocal ticks
            while not stop:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        slow = "import time\ndef f(x):\n    time.sleep(0.3)\n    return x\n"
        results = await asyncio.gather(*(sandbox.arun(slow, f"f({i})") for i in range(4)),
                                       sandbox.atrace(SQUARE, "f(5)"))
        stop = True
        await tick_task
        return ticks, results

    ticks, results = asyncio.run(main())
    assert [r.return_value for r in results] == [0, 1, 2, 3, 25]
    assert ticks >= 15, ticks  # the loop kept running while executions were in flight


def test_hash_seed_changes_set_order(sandbox):
    src = "def f():\n    return list({'alpha%d' % i for i in range(30)})\n"
    a0 = sandbox.run(src, "f()", hash_seed=0).return_value
    a0_again = sandbox.run(src, "f()", hash_seed=0).return_value
    a1 = sandbox.run(src, "f()", hash_seed=1).return_value
    assert a0 == a0_again
    assert sorted(a0) == sorted(a1) and a0 != a1


def test_request_validation(sandbox):
    big = sandbox.run("x = 1\n" * (MAX_SOURCE_CHARS // 6 + 10), "x")
    assert big.outcome == "policy_violation" and big.error.type == "RequestTooLarge"
    with pytest.raises(ValueError):
        sandbox.run(SQUARE, "f(1)", timeout=-1)
    with pytest.raises(TypeError):
        sandbox.run(b"x = 1", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RunRequest(SQUARE, "f(1)", mode="bogus").check_arguments()


def test_stdin_and_limits(sandbox):
    r = sandbox.run("import sys\ndef f():\n    return sys.stdin.read()\n", "f()", stdin="a\u00e9\n")
    assert r.return_value == "a\u00e9\n"
    r = sandbox.run("def f():\n    print('y' * 200)\n", "f()", output_bytes=100)
    assert r.outcome == "output_limit" and len(r.stdout) <= 100
    r = sandbox.run("def f():\n    return bytearray(200 * 2**20)\n", "f()", memory_mb=128)
    assert r.outcome == "memory_limit", r


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=st.text(max_size=200), call=st.text(max_size=60))
def test_arbitrary_text_never_raises(sandbox, source, call):
    r = sandbox.run(source, call, timeout=1.0)
    assert r.outcome in OUTCOMES
    t = sandbox.trace(source, call, timeout=1.0)
    assert t.outcome in OUTCOMES


def test_batch_survives_a_worker_crash():
    """Killing a worker mid-batch fails no execution: the one it was running is retried."""
    with Sandbox(workers=2) as sb:
        sb.run_batch([RunRequest(SQUARE, "f(0)")] * 2)
        victims = _workers_of(sb)
        slow = "import time\ndef f(x):\n    time.sleep(0.05)\n    return x * x\n"
        reqs = [RunRequest(slow, f"f({i})") for i in range(30)]
        timer = threading.Timer(0.3, lambda: os.kill(victims[0].proc.pid, signal.SIGKILL))
        timer.start()
        results = sb.run_batch(reqs, workers=2)
        timer.join()
        failed = [i for i, r in enumerate(results) if r.outcome != "ok"]
        assert not failed, [(i, results[i].outcome) for i in failed]
        assert all(results[i].return_value == i * i for i in range(30))
        assert victims[0].proc.poll() is not None


def test_a_forked_caller_gets_its_own_workers():
    """A process forked from the caller (e.g. a data-loader worker) must not share worker pipes."""
    with Sandbox(workers=1) as sb:
        assert sb.run(SQUARE, "f(2)").return_value == 4
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child process
            code = 1
            try:
                res = sb.run(SQUARE, "f(5)")
                os.write(w, repr(res.return_value).encode())
                sb.close()
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        assert sb.run(SQUARE, "f(3)").return_value == 9
        _, status = os.waitpid(pid, 0)
        assert os.read(r, 100) == b"25" and status == 0
        os.close(r)
        assert sb.run(SQUARE, "f(4)").return_value == 16


def test_interrupted_batch_does_not_poison_the_worker():
    """An exception while requests are in flight (Ctrl-C) retires the worker; the next run is exact."""
    # Ctrl-C as Python maps it by default: a process started in the background by a non-interactive shell
    # (``nohup ... &``, some CI runners) inherits SIGINT ignored, and then no KeyboardInterrupt ever comes
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with Sandbox(workers=1) as sb:
            sb.run(SQUARE, "f(1)")
            slow = "import time\ndef f(x):\n    time.sleep(1.0)\n    return x\n"
            # SIGINT to the main thread itself (``raise_signal`` in the timer thread would leave the main
            # thread blocked in ``select`` until an answer came), while the requests are surely in flight
            main = threading.main_thread().ident
            timer = threading.Timer(0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
            timer.start()
            got = None
            try:
                got = sb.run_batch([RunRequest(slow, f"f({i})") for i in range(4)])
            except KeyboardInterrupt:
                pass
            finally:
                timer.cancel()  # never an interrupt after the batch, if it came back first
                timer.join()
            assert got is None, [(r.outcome, r.error, r.duration_s) for r in got]  # interrupted, not answered
            assert [sb.run(SQUARE, f"f({i})").return_value for i in range(3)] == [0, 1, 4]
    finally:
        signal.signal(signal.SIGINT, previous)


def _zygote_and_spare(worker) -> tuple[int, int]:
    """The worker's zygote and its pre-forked child (forked just after the previous answer)."""
    import psutil

    deadline = time.monotonic() + 5
    while True:
        procs = {pid: psutil.Process(pid) for pid in worker.server_pids()}
        zygotes = [pid for pid, p in procs.items() if p.name() == "execgym-zygote"]
        spares = [pid for pid, p in procs.items() if zygotes and p.ppid() == zygotes[0]]
        if (len(zygotes) == 1 and len(spares) == 1) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    [zygote], [spare] = zygotes, spares
    return zygote, spare


def test_waiting_child_is_confined_before_its_request_arrives():
    """The pre-forked child loads seccomp (and gets its rlimits from the server) before any
    request exists; the run child's own view agrees."""
    with Sandbox(workers=1) as sb:
        assert sb.run(SQUARE, "f(1)").outcome == "ok"
        [worker] = _workers_of(sb)
        if not worker.layers.get("seccomp"):
            pytest.skip("seccomp unavailable here")
        _, spare = _zygote_and_spare(worker)
        deadline = time.monotonic() + 5
        while True:  # the spare installs the filter right after it is forked
            with open(f"/proc/{spare}/status") as fh:
                mode = next(ln.split()[1] for ln in fh if ln.startswith("Seccomp:"))
            if mode == "2" or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert mode == "2"
        probe = ("import resource\ndef f():\n    return [resource.getrlimit(r) for r in (resource.RLIMIT_AS,"
                 " resource.RLIMIT_CPU, resource.RLIMIT_NOFILE)]\n")
        r = sb.run(probe, "f()", memory_mb=300, timeout=3.0)
        assert r.outcome == "ok", r
        assert r.return_value == [(300 << 20, 300 << 20), (3, 4), (64, 64)]


def test_dead_zygote_fails_the_worker_cleanly_and_it_is_replaced():
    with Sandbox(workers=1) as sb:
        assert sb.run(SQUARE, "f(1)").outcome == "ok"
        [worker] = _workers_of(sb)
        zygote, _ = _zygote_and_spare(worker)
        os.kill(zygote, signal.SIGKILL)
        first = sb.run(SQUARE, "f(2)")
        assert first.outcome in ("ok", "sandbox_error"), first
        for _ in range(3):
            r = sb.run(SQUARE, "f(3)")
            if r.outcome == "ok":
                break
        assert r.outcome == "ok" and r.return_value == 9, r
        assert worker.proc.poll() is not None  # the old worker exited


def test_raw_fork_runs_a_child_and_refuses_a_threaded_process():
    """The zygote's fork (libc, no CPython at-fork hooks) forks a working child; with a second
    thread alive it is refused (``None``: the caller falls back to ``os.fork``)."""
    import subprocess
    import sys

    script = (
        "import os, threading, time\n"
        "from execgym.engine.isolation import QuietCalls, raw_fork\n"
        "fork = raw_fork()\n"
        "assert fork is not None\n"
        "pid = fork()\n"
        "if pid == 0:\n"
        "    os._exit(sum(range(7)))\n"
        "_, status = os.waitpid(pid, 0)\n"
        "assert os.waitstatus_to_exitcode(status) == 21, status\n"
        "q = QuietCalls()\n"
        "assert q.waitpid(-1, None, os.WNOHANG) == -1  # no child left: -1, no exception\n"
        "assert q.kill(-pid, 0) == -1                  # empty process group: -1, no exception\n"
        "stop = threading.Event()\n"
        "t = threading.Thread(target=stop.wait)\n"
        "t.start()\n"
        "assert raw_fork() is None\n"
        "stop.set(); t.join()\n"
        "print('ok')\n"
    )
    from execgym.engine.pool import _BOOTSTRAP, worker_environment

    # as a worker starts: -S, execgym's engine without execgym/__init__ (whose numpy import may
    # start BLAS threads)
    stub = _BOOTSTRAP.replace("from execgym.engine.forkserver import main\nmain()\n", "")
    out = subprocess.run([sys.executable, "-S", "-B", "-c", stub + script], capture_output=True,
                         text=True, timeout=60, env=worker_environment(0, {}))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    with Sandbox(workers=1) as sb:  # and the workers' zygotes use it
        assert sb.run("x = 1", "x").outcome == "ok"
        assert sb.layers()["fork"] == "libc"
