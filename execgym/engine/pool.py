"""``Sandbox``: the caller-side pool of pre-warmed fork-server workers.

Each worker is a fresh interpreter (``python -m execgym.engine.forkserver``) started with
``subprocess`` -- the caller is never forked -- in a scrubbed environment (no caller variables;
``PYTHONHASHSEED`` fixed; BLAS/OpenMP threads = 1). There is one lazily created worker set per
distinct ``hash_seed``. A worker runs one execution at a time (the fork-server forks one child
per execution); batches keep every worker busy with up to two requests queued in its pipe.

Health: a worker is replaced when its process dies (the execution it was running is retried
once on a fresh worker; a second death reports ``sandbox_error``), when it does not answer within
the request timeout plus a grace period (it is killed; the execution reports ``sandbox_error``),
when a run left its sandbox unusable (that run reports ``policy_violation``; see ``verdict``),
after ``max_runs_per_worker`` executions, or when its RSS grew more than ``max_rss_growth_mb``.
A worker without a private ``/tmp`` keeps its work root on the system temporary directory; it
removes it when it exits, the pool removes it when it had to kill the worker, and the first
worker a process starts sweeps away those of owners that are gone (``cleanup``).
Nothing here raises for anything a program does; only caller programming errors (bad argument
types or limits) raise ``TypeError``/``ValueError``.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import functools
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from execgym.engine import cleanup, turns
from execgym.engine.protocol import RESPONSE_HEAD, encode_request
from execgym.engine.request import RunRequest
from execgym.engine.results import ExecutionTrace, Outcome, RunResult, failure_result
from execgym.engine.verdict import verdict

Result = RunResult | ExecutionTrace

RESPONSE_GRACE_S = 10.0      # beyond the request timeout, before a worker is declared hung
START_TIMEOUT_S = 60.0       # a worker must say hello within this
PIPELINE_DEPTH = 2           # requests queued per worker in a batch

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "RAYON_NUM_THREADS")


# The worker imports execgym's engine modules without running ``execgym/__init__.py`` (which
# registers Gymnasium environments and so imports numpy): a small server heap makes every fork
# cheaper. ``-S`` skips site-packages .pth hooks; PYTHONPATH names the package and site dirs.
_BOOTSTRAP = (
    "import sys, types, os\n"
    "for p in os.environ.get('PYTHONPATH', '').split(os.pathsep):\n"
    "    d = os.path.join(p, 'execgym')\n"
    "    if os.path.isfile(os.path.join(d, '__init__.py')):\n"
    "        pkg = types.ModuleType('execgym'); pkg.__path__ = [d]\n"
    "        pkg.__file__ = os.path.join(d, '__init__.py')\n"
    "        sys.modules['execgym'] = pkg\n"
    "        break\n"
    "from execgym.engine.forkserver import main\n"
    "main()\n"
)


LIVE_WORKERS: weakref.WeakSet = weakref.WeakSet()  # every started, not yet stopped worker


class WorkerError(Exception):
    """A worker died, hung, or broke the protocol."""


def worker_environment(hash_seed: int, config: dict) -> dict[str, str]:
    """The complete environment of a worker: nothing is inherited from the caller."""
    import execgym

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(execgym.__file__)))
    site_dirs = [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    paths = [package_parent, *site_dirs]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": str(int(hash_seed)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
        "PYTHONIOENCODING": "utf-8",
        # resolve every symbol at start: otherwise each forked child pays for the lazy binding
        # (and the copy-on-write of the GOT page) of each C function the server never called
        "LD_BIND_NOW": "1",
        "EXECGYM_FORKSERVER_CONFIG": json.dumps(config),
    }
    for var in _THREAD_VARS:
        env[var] = "1"
    return env


class Worker:
    """One fork-server process and its pipes (used by one thread at a time)."""

    def __init__(self, hash_seed: int, config: dict) -> None:
        self.hash_seed = hash_seed
        self.runs = 0
        self.base_rss_kb = 0
        self.rss_kb = 0
        self.layers: dict = {}
        self.python = ""
        self.host_work_root: str | None = None  # its work root on a shared /tmp, if any
        self._buf = bytearray()
        debug = os.environ.get("EXECGYM_SANDBOX_DEBUG") == "1"
        config = dict(config, work_owner=cleanup.owner_token())  # names its work root after us
        self.proc = subprocess.Popen(
            [sys.executable, "-S", "-B", "-c", _BOOTSTRAP],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            env=worker_environment(hash_seed, config), cwd="/", close_fds=True,
            start_new_session=True,
        )
        self.wfd = self.proc.stdin.fileno()
        self.rfd = self.proc.stdout.fileno()
        # writes never block: while a large request waits for room in the pipe, the worker may be writing a
        # large answer to an earlier (pipelined) request; ``send`` reads that answer meanwhile (no deadlock)
        os.set_blocking(self.wfd, False)
        self.dead = False
        LIVE_WORKERS.add(self)

    def server_pids(self) -> set[int]:
        """Host pids of this worker's own processes: the server (and the PID-namespace init it
        runs as), its zygote, and the zygote's one pre-forked child still waiting for a request,
        if any. Children that ran are reaped by the zygote (its ``children_*`` CPU times)."""
        pids = {self.proc.pid}
        try:
            import psutil

            server = psutil.Process(self.proc.pid)
            if self.layers.get("pid_ns"):
                inner = server.children()
                if len(inner) != 1:
                    return pids
                server = inner[0]
                pids.add(server.pid)
            zygotes = [c for c in server.children() if c.name() == "execgym-zygote"]
            if len(zygotes) != 1:
                return pids
            pids.add(zygotes[0].pid)
            spares = zygotes[0].children()
            if len(spares) == 1:
                pids.add(spares[0].pid)
        except Exception:
            pass
        return pids

    def wait_hello(self, timeout: float = START_TIMEOUT_S) -> None:
        header, _, _ = self.receive(time.monotonic() + timeout)
        if not header.get("hello"):
            raise WorkerError("worker did not start with a hello frame")
        self.layers = header.get("layers") or {}
        self.python = header.get("python", "")
        root = header.get("host_work_root")
        if isinstance(root, str) and os.path.basename(root).startswith(cleanup.WORK_DIR_PREFIX):
            self.host_work_root = root
        self.base_rss_kb = self.rss_kb = int(header.get("rss_kb") or 0)

    def send(self, data: bytes, deadline: float | None = None) -> None:
        """Write ``data`` (one encoded request) to the worker. While the pipe is full, what the worker writes
        meanwhile (answers to requests sent before) is read into the buffer, so a large request behind a large
        answer cannot deadlock; ``WorkerError`` when the worker takes nothing until ``deadline``."""
        view = memoryview(data)
        deadline = time.monotonic() + RESPONSE_GRACE_S if deadline is None else deadline
        while view:
            try:
                n = os.write(self.wfd, view)
            except BlockingIOError:
                n = 0
            except OSError as exc:
                raise WorkerError(f"worker pipe closed: {exc}") from None
            view = view[n:]
            if not view or n:
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError("worker took no request data in time")
            readable, _, _ = select.select([self.rfd], [self.wfd], [], remaining)
            if readable:
                self.fill()

    def has_response(self) -> bool:
        """Whether a complete answer is already buffered (read while a request was being sent)."""
        buf = self._buf
        if len(buf) < RESPONSE_HEAD.size:
            return False
        hl, fl, sl = RESPONSE_HEAD.unpack_from(buf)
        return len(buf) >= RESPONSE_HEAD.size + hl + fl + sl

    def pop_response(self) -> tuple[dict, bytes, bytes] | None:
        """A complete response from the buffer, if there is one."""
        buf = self._buf
        if len(buf) < RESPONSE_HEAD.size:
            return None
        hl, fl, sl = RESPONSE_HEAD.unpack_from(buf)
        total = RESPONSE_HEAD.size + hl + fl + sl
        if len(buf) < total:
            return None
        pos = RESPONSE_HEAD.size
        try:
            header = json.loads(bytes(buf[pos:pos + hl]))
        except ValueError:
            raise WorkerError("worker sent a malformed header") from None
        frame = bytes(buf[pos + hl:pos + hl + fl])
        stdout = bytes(buf[pos + hl + fl:total])
        del buf[:total]
        if "server_rss_kb" in header:
            self.rss_kb = int(header["server_rss_kb"])
        return header, frame, stdout

    def fill(self) -> None:
        """Read what is available (call when select says readable); EOF means the worker died."""
        try:
            chunk = os.read(self.rfd, 1 << 20)
        except OSError as exc:
            raise WorkerError(f"worker pipe error: {exc}") from None
        if not chunk:
            raise WorkerError("worker process exited")
        self._buf += chunk

    def receive(self, deadline: float) -> tuple[dict, bytes, bytes]:
        while True:
            got = self.pop_response()
            if got is not None:
                return got
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError("worker did not answer in time")
            ready, _, _ = select.select([self.rfd], [], [], remaining)
            if ready:
                self.fill()

    def kill(self) -> None:
        """Kill the worker (and, without a PID namespace, its zygote and child) and remove its
        work root on a shared /tmp, if it has one, once they are gone."""
        self.dead = True
        LIVE_WORKERS.discard(self)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        inner = self._descendants() if self.host_work_root else []
        try:
            self.proc.kill()
        except OSError:
            pass
        for p in inner:
            try:
                p.kill()
            except Exception:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        if inner:
            try:
                import psutil

                psutil.wait_procs(inner, timeout=5)
            except Exception:
                pass
        self._remove_work_root()

    def _descendants(self) -> list:
        try:
            import psutil

            return psutil.Process(self.proc.pid).children(recursive=True)
        except Exception:
            return []

    def _remove_work_root(self) -> None:
        """Remove what a dead worker left on the shared /tmp, on a helper thread (bounded)."""
        root, self.host_work_root = self.host_work_root, None
        if root and os.path.lexists(root):
            threading.Thread(target=cleanup.remove_tree, args=(root,), daemon=True,
                             kwargs={"max_entries": 1_000_000, "time_limit_s": 60.0},
                             name="execgym-work-cleanup").start()

    def close(self) -> None:
        """Ask the worker to exit (EOF on its request pipe), then make sure it did."""
        self.dead = True
        LIVE_WORKERS.discard(self)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        self._remove_work_root()  # the worker removes it itself; this covers a failed removal


class _WorkerSet:
    """The workers for one hash seed; checkout/checkin are thread-safe."""

    def __init__(self, sandbox: Sandbox, hash_seed: int) -> None:
        self.sandbox = sandbox
        self.hash_seed = hash_seed
        self.idle: list[Worker] = []
        self.count = 0  # started and not retired (idle + checked out + starting)
        self.cond = threading.Condition()

    def checkout(self, want: int, limit: int) -> list[Worker]:
        """At least one and at most ``want`` workers, starting new ones up to ``limit``."""
        to_start = 0
        taken: list[Worker] = []
        with self.cond:
            while True:
                while self.idle and len(taken) < want:
                    taken.append(self.idle.pop())
                room = max(0, min(want - len(taken), limit - self.count))
                to_start = room
                self.count += room
                if taken or to_start:
                    break
                self.cond.wait()
        if to_start:
            started = self._start(to_start)
            taken.extend(started)
            if not taken:
                raise WorkerError(self.sandbox.last_start_error or "could not start a worker")
        return taken

    def _start(self, n: int) -> list[Worker]:
        _sweep_stale_once(self.sandbox.worker_config.get("work_parent"))
        fresh: list[Worker] = []
        ok: list[Worker] = []
        try:
            for _ in range(n):
                fresh.append(Worker(self.hash_seed, self.sandbox.worker_config))
        except OSError as exc:
            self.sandbox.last_start_error = f"could not start a worker: {exc}"
        for w in fresh:
            try:
                w.wait_hello()
                ok.append(w)
                _warn_missing_layers(w.layers, self.sandbox.worker_config)
            except WorkerError as exc:
                self.sandbox.last_start_error = f"worker failed to start: {exc}"
                w.kill()
        if len(ok) < n:
            with self.cond:
                self.count -= n - len(ok)
                self.cond.notify_all()
        return ok

    def checkin(self, worker: Worker) -> None:
        sb = self.sandbox
        retire = worker.dead or sb._closed or worker.runs >= sb.max_runs_per_worker or (
            worker.rss_kb - worker.base_rss_kb > sb.max_rss_growth_mb * 1024)
        if retire:
            if not worker.dead:
                worker.close()
            with self.cond:
                self.count -= 1
                self.cond.notify_all()
            return
        with self.cond:
            self.idle.append(worker)
            self.cond.notify()

    def close(self) -> None:
        with self.cond:
            idle, self.idle = self.idle, []
            self.count -= len(idle)
        for w in idle:
            w.close()


_swept: set[tuple[int, str]] = set()  # (pid, parent) already swept
_sweep_lock = threading.Lock()


def _sweep_stale_once(parent: str | None) -> None:
    """Once per process and directory: remove work roots left there by owners that are gone."""
    with _sweep_lock:
        if not parent or (os.getpid(), parent) in _swept:
            return
        _swept.add((os.getpid(), parent))
    try:
        cleanup.sweep_stale_work_dirs(parent)
    except Exception:  # never in the way of starting a worker
        pass


_warned_layers = False
ISOLATION_LAYERS = ("user_ns", "net_ns", "pid_ns", "mount_ns", "readonly_root", "private_tmp",
                    "private_proc", "subreaper", "seccomp", "rlimits", "nondumpable_server",
                    "unprivileged_uid")


_NAMESPACE_LAYERS = ("user_ns", "net_ns", "pid_ns", "mount_ns", "readonly_root", "private_tmp",
                     "private_proc")


def _warn_missing_layers(layers: dict, config: dict) -> None:
    """Say once per process which isolation layers the workers could not enable (layers
    switched off on purpose through ``Sandbox(namespaces=False/seccomp=False)`` excepted)."""
    global _warned_layers
    off = set()
    if not config.get("namespaces", True):
        off.update(_NAMESPACE_LAYERS)
    if not config.get("seccomp", True):
        off.add("seccomp")
    missing = [name for name in ISOLATION_LAYERS if not layers.get(name) and name not in off]
    if missing and not _warned_layers:
        _warned_layers = True
        import warnings

        notes = "; ".join(layers.get("notes") or [])
        warnings.warn(f"execgym sandbox running without {', '.join(missing)} ({notes}); the other layers "
                      "still apply -- run `execgym doctor` for details", RuntimeWarning, stacklevel=4)


def _default_workers() -> int:
    from execgym.helper_process import cores

    return max(1, cores())


class Sandbox:
    """A pool of fork-server workers; safe to share between threads and event loops.

    ``workers``: workers per hash seed (default: one per available core). ``namespaces`` /
    ``seccomp``: enable those layers where the kernel allows (both default on; turning them off
    is for diagnosis only). ``seccomp`` may also name the filter's backend, ``"libseccomp"`` or
    ``"builtin"`` (``True``: libseccomp where pyseccomp is installed; see docs/sandbox.md). Use
    as a context manager or call ``close()``.
    """

    def __init__(self, workers: int | None = None, *, max_runs_per_worker: int = 20_000,
                 max_rss_growth_mb: int = 64, namespaces: bool = True, seccomp: bool | str = True,
                 tmp_size_mb: int = 256, response_grace_s: float = RESPONSE_GRACE_S) -> None:
        self.workers = int(workers) if workers else _default_workers()
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        self.max_runs_per_worker = max_runs_per_worker
        self.max_rss_growth_mb = max_rss_growth_mb
        self.response_grace_s = float(response_grace_s)
        from execgym.engine.seccomp import worker_config as seccomp_config

        self.worker_config = {"namespaces": namespaces, "tmp_size_mb": tmp_size_mb,
                              **seccomp_config(seccomp),
                              # where a worker without a private /tmp puts its work root
                              "work_parent": tempfile.gettempdir(),
                              # a per-run reset must end well within the grace period
                              "reset_time_limit_s": max(0.1, self.response_grace_s / 2)}
        self.last_start_error: str | None = None
        self.worker_failures = 0  # workers killed because they died, hung or broke the protocol (metrics)
        self._sets: dict[int, _WorkerSet] = {}
        self._lock = threading.Lock()
        self._executor = None
        self._closed = False
        self._pid = os.getpid()

    # -- public API -------------------------------------------------------------------------
    def run(self, source: str, call: str, *, policy: str = "trusted", timeout: float = 2.0,
            memory_mb: int = 512, hash_seed: int = 0, stdin: str = "", **limits: Any) -> RunResult:
        """Run ``source`` then evaluate ``call`` in the sandbox; never raises for program faults."""
        req = RunRequest(source, call, "run", policy, timeout, memory_mb, hash_seed,
                         int(limits.pop("max_steps", 10_000)), stdin, limits)
        return self.execute([req])[0]  # type: ignore[return-value]

    def trace(self, source: str, call: str, *, timeout: float = 2.0, memory_mb: int = 512,
              max_steps: int = 10_000, hash_seed: int = 0, policy: str = "trusted",
              stdin: str = "", **limits: Any) -> ExecutionTrace:
        """Like ``run`` but records the call's steps; returns an ``ExecutionTrace``."""
        req = RunRequest(source, call, "trace", policy, timeout, memory_mb, hash_seed, max_steps,
                         stdin, limits)
        return self.execute([req])[0]  # type: ignore[return-value]

    def run_batch(self, requests: Iterable[RunRequest], *, workers: int | None = None) -> list[Result]:
        """Execute many requests over up to ``workers`` workers per hash seed; results in order."""
        return self.execute(list(requests), workers=workers)

    async def arun(self, source: str, call: str, **kwargs: Any) -> RunResult:
        """``run`` for event loops: executes on a helper thread, never blocks the loop."""
        return await self._in_thread(functools.partial(self.run, source, call, **kwargs))

    async def atrace(self, source: str, call: str, **kwargs: Any) -> ExecutionTrace:
        """``trace`` for event loops: executes on a helper thread, never blocks the loop."""
        return await self._in_thread(functools.partial(self.trace, source, call, **kwargs))

    async def arun_batch(self, requests: Iterable[RunRequest], *, workers: int | None = None
                         ) -> list[Result]:
        return await self._in_thread(functools.partial(self.run_batch, list(requests), workers=workers))

    def layers(self, hash_seed: int = 0) -> dict:
        """The isolation layers a worker of this pool enabled (starts one if needed)."""
        wset = self._set(hash_seed)
        try:
            [w] = wset.checkout(1, self.workers)
        except WorkerError as exc:
            return {"error": str(exc)}
        try:
            return dict(w.layers, python=w.python)
        finally:
            wset.checkin(w)

    def close(self) -> None:
        """Stop every idle worker (in-flight executions finish first on their threads)."""
        self._closed = True
        with self._lock:
            sets = list(self._sets.values())
            self._sets.clear()
        for s in sets:
            s.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------
    async def _in_thread(self, fn):
        loop = asyncio.get_running_loop()
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        max_workers=max(4, 4 * self.workers), thread_name_prefix="execgym-sandbox")
        return await loop.run_in_executor(self._executor, fn)

    def _set(self, hash_seed: int) -> _WorkerSet:
        if self._pid != os.getpid():  # we are a fork of the process that owns these workers
            self._lock = threading.Lock()
            self._sets = {}
            self._executor = None
            self._pid = os.getpid()
        with self._lock:
            wset = self._sets.get(hash_seed)
            if wset is None:
                wset = self._sets[hash_seed] = _WorkerSet(self, hash_seed)
            return wset

    def execute(self, requests: Sequence[RunRequest], *, workers: int | None = None) -> list[Result]:
        """Execute requests (any mix of modes and hash seeds); results in request order."""
        results: list[Result | None] = [None] * len(requests)
        groups: dict[int, list[tuple[int, RunRequest, bytes]]] = collections.defaultdict(list)
        for i, req in enumerate(requests):
            if not isinstance(req, RunRequest):
                raise TypeError(f"requests must be RunRequest, not {type(req).__name__}")
            req.check_arguments()
            why = req.rejection()
            if why is not None:
                results[i] = failure_result(req.mode, Outcome.POLICY_VIOLATION, "RequestTooLarge", why)
                continue
            groups[req.hash_seed].append((i, req, encode_request(req.payload())))
        if self._closed and groups:
            raise RuntimeError("this Sandbox is closed")
        want = max(1, int(workers) if workers else self.workers)
        with turns.waiting():  # a thread taking turns (execgym serve) lets the others work meanwhile
            for hash_seed, items in groups.items():
                self._run_group(self._set(hash_seed), items, results, want)
        return results  # type: ignore[return-value]

    def _run_group(self, wset: _WorkerSet, items: list[tuple[int, RunRequest, bytes]],
                   results: list[Result | None], want: int) -> None:
        pending = collections.deque(items)
        limit = max(self.workers, want)
        retried: set[int] = set()  # requests whose worker died under them once already
        while pending:
            try:
                workers = wset.checkout(min(want, len(pending)), limit)
            except WorkerError as exc:
                while pending:
                    i, req, _ = pending.popleft()
                    results[i] = failure_result(req.mode, Outcome.SANDBOX_ERROR, "SandboxError", str(exc))
                return
            try:
                self._drive(workers, pending, results, retried)
            finally:
                for w in workers:
                    wset.checkin(w)

    def _drive(self, workers: list[Worker], pending: collections.deque, results: list[Result | None],
               retried: set[int]) -> None:
        """Keep ``workers`` busy until ``pending`` is empty; a failed worker is dropped."""
        inflight: dict[Worker, collections.deque] = {w: collections.deque() for w in workers}
        started: dict[Worker, float] = {}
        active = list(workers)
        depth = PIPELINE_DEPTH if len(pending) > len(workers) else 1

        def drop(w: Worker) -> None:
            """Requests still queued in ``w``'s pipe (never started) go back to ``pending``."""
            pending.extendleft(reversed(inflight[w]))
            inflight[w].clear()
            started.pop(w, None)
            active.remove(w)

        def fail_worker(w: Worker, why: str, hung: bool = False) -> None:
            """The worker is killed. The request it was executing is retried once on a fresh
            worker when the worker died (not when it hung: that would cost another timeout);
            otherwise it fails. Those queued behind it are re-queued."""
            self.worker_failures += 1
            w.kill()
            if inflight[w]:
                i, req, _ = inflight[w][0]
                if hung or i in retried:
                    inflight[w].popleft()
                    results[i] = failure_result(req.mode, Outcome.SANDBOX_ERROR, "SandboxError",
                                                f"sandbox worker failed: {why}")
                else:
                    retried.add(i)
            drop(w)

        def refill(w: Worker) -> None:
            while pending and len(inflight[w]) < depth:
                item = pending.popleft()
                inflight[w].append(item)
                # the worker reads this request once the ones before it are done
                deadline = time.monotonic() + sum(float(r.timeout) for _, r, _ in inflight[w]) \
                    + self.response_grace_s
                try:
                    w.send(item[2], deadline)
                except WorkerError as exc:
                    fail_worker(w, str(exc))
                    return
            if inflight[w] and w not in started:
                started[w] = time.monotonic()

        try:
            self._drive_loop(active, inflight, started, pending, results, refill, fail_worker, drop)
        finally:  # interrupted (e.g. KeyboardInterrupt): a worker with requests in flight is unusable
            for w in active:
                if inflight[w]:
                    w.kill()

    def _drive_loop(self, active, inflight, started, pending, results, refill, fail_worker, drop
                    ) -> None:
        for w in list(active):
            refill(w)
        while any(inflight[w] for w in active):
            busy = [w for w in active if inflight[w]]
            now = time.monotonic()
            deadlines = {w: started[w] + float(inflight[w][0][1].timeout) + self.response_grace_s
                         for w in busy}
            buffered = {w for w in busy if w.has_response()}  # answers read while sending
            wait = 0.0 if buffered else max(0.0, min(deadlines.values()) - now)
            ready, _, _ = select.select([w.rfd for w in busy], [], [], wait)
            ready_fds = set(ready)
            for w in busy:
                if w.rfd in ready_fds or w in buffered:
                    unusable = False
                    try:
                        if w.rfd in ready_fds:
                            w.fill()
                        while inflight[w]:
                            got = w.pop_response()
                            if got is None:
                                break
                            i, req, _ = inflight[w].popleft()
                            w.runs += 1
                            results[i] = verdict(req, *got)
                            started[w] = time.monotonic()
                            if got[0].get("unusable"):  # the worker exits after this answer
                                unusable = True
                                break
                    except WorkerError as exc:
                        fail_worker(w, str(exc))
                        continue
                    if unusable:
                        w.close()
                        drop(w)
                        continue
                    if not inflight[w]:
                        started.pop(w, None)
                    refill(w)
                elif time.monotonic() >= deadlines[w]:
                    fail_worker(w, "no answer within the timeout plus grace period; killed", hung=True)
            for w in list(active):  # re-queued requests go to idle workers
                if not inflight[w] and pending:
                    refill(w)
            if not active and pending:
                return  # the caller checks out fresh workers for the rest


# -- the default pool behind the module-level functions -------------------------------------

_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide pool (created on first use, closed at interpreter exit)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Sandbox()
                atexit.register(_close_default)
    return _default


def _close_default() -> None:
    global _default
    sb, _default = _default, None
    if sb is not None:
        sb.close()


def set_default_sandbox(sandbox: Sandbox) -> Sandbox | None:
    """Make ``sandbox`` the process-wide pool (e.g. a service sizing its workers); returns the old one,
    which the caller closes."""
    global _default
    with _default_lock:
        old, _default = _default, sandbox
    atexit.register(_close_default)
    return old


def close_default_sandbox() -> None:
    """Close the process-wide pool now (a later call to ``default_sandbox`` starts a fresh one)."""
    _close_default()
