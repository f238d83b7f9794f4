"""The reward service's scoring processes (``ServeConfig.processes`` > 1): helper processes that score a
batch's shards side by side, so Python-bound scoring (ExecIO, ExecNext, ExecVar answers) uses every core.

Contract: :class:`ScorerPool` starts its helpers at once. ``score_batch(specs, responses)`` returns what
``execgym.score_batch`` returns in this process for the same inputs: a batch is cut into contiguous shards
(at most one per helper, at least ``MIN_SHARD`` items each) and put back together in order.
``make_task(spec)`` builds a task in a helper (``ValueError`` for a spec it refuses). Jobs wait in one FIFO
queue and a helper takes the next one when it is free. A helper that dies mid-job is replaced and the job
is retried once, on the fresh helper; a second death gives typed error scores (outcome ``error``, the reason
names the scoring process), never an exception. Each helper owns a sandbox pool of ``sandbox_workers``
workers, started on first use. ``close()`` lets queued jobs finish, then stops the helpers (each closes its
sandbox pool on the way out). The helpers run execgym's own scoring code on request data; model-written code
still only ever runs in their sandboxes.
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from execgym.helper_process import HelperExited, HelperProcess, answer_jobs, cuts

# Every batch of two or more items is spread over the helpers: each helper's sandbox pool holds only its
# share of the workers, so a small batch of sandbox-bound items (UnitTest-v0) needs every helper to use all
# of them; a shard costs a pickled round trip of about 0.1 ms.
MIN_SHARD = 1
TARGET = "execgym.serve.scorers:serve"
SANDBOX_ENV = "EXECGYM_SERVE_SANDBOX_WORKERS"


def shards(n: int, processes: int) -> list[tuple[int, int]]:
    """``(start, end)`` of at most ``processes`` contiguous near-equal shards of ``range(n)``, none under
    ``MIN_SHARD`` (unless there is only one)."""
    return cuts(n, processes, MIN_SHARD)


class _Slot:
    """One helper and the thread that feeds it jobs from the shared queue."""

    def __init__(self, pool: ScorerPool) -> None:
        self.pool = pool
        self.helper = HelperProcess(TARGET, {SANDBOX_ENV: str(pool.sandbox_workers)})
        self.sandbox_failures = 0  # the helper's sandbox pool's count, as last reported
        self.thread = threading.Thread(target=self._feed, name="execgym-scorer-feed", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        while True:
            item = self.pool.jobs.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                answer = self._run(job)
            except Exception as exc:  # noqa: BLE001 - e.g. no new helper could start: typed, never a hang
                answer = ("died", f"no scoring process: {type(exc).__name__}: {exc}"[:300])
            future.set_result(answer)

    def _run(self, job: tuple) -> tuple:
        try:
            data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a caller's object that does not pickle
            return ("error", f"the batch cannot be sent to a scoring process: {type(exc).__name__}"[:300])
        for _ in range(2):  # a helper that died on the job is replaced, and the job tried once more
            try:
                answer = self.helper.call_pickled(data)
            except HelperExited:
                self._replace()
                continue
            except Exception as exc:  # noqa: BLE001 - an answer that does not unpickle: a bug, typed
                self._replace()
                return ("died", f"the scoring process answered garbage: {type(exc).__name__}")
            if answer[0] == "ok" and len(answer) == 3:
                self.sandbox_failures = answer[2]
                return answer[:2]
            return answer
        return ("died", "the scoring process died twice on this job")

    def _replace(self) -> None:
        with self.pool.lock:
            self.pool.helper_deaths += 1
            self.pool.retired_failures += self.sandbox_failures
        self.sandbox_failures = 0
        self.helper.kill()
        self.helper.close(timeout=5)
        self.helper = HelperProcess(TARGET, {SANDBOX_ENV: str(self.pool.sandbox_workers)})


class ScorerPool:
    """``processes`` scoring helpers, each with a sandbox pool of ``sandbox_workers``; see the module
    contract."""

    def __init__(self, processes: int, sandbox_workers: int) -> None:
        if processes < 1 or sandbox_workers < 1:
            raise ValueError("processes and sandbox_workers must be >= 1")
        self.processes = int(processes)
        self.sandbox_workers = int(sandbox_workers)
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.helper_deaths = 0
        self.retired_failures = 0
        self.slots = [_Slot(self) for _ in range(self.processes)]
        self._closed = False

    def _submit(self, job: tuple) -> Future:
        future: Future = Future()
        self.jobs.put((job, future))
        return future

    def score_batch(self, specs: Sequence[Any], responses: Sequence[Any]) -> list:
        """The scores, in order (see the module contract)."""
        from execgym.engine import turns
        from execgym.tasks.base import error_score

        if len(specs) != len(responses):
            raise ValueError(f"{len(specs)} specs but {len(responses)} responses")
        if not specs:
            return []
        cuts = shards(len(specs), self.processes)
        futures = [self._submit(("score", list(specs[a:b]), list(responses[a:b]))) for a, b in cuts]
        out: list = []
        with turns.waiting():
            answers = [f.result() for f in futures]
        for (a, b), answer in zip(cuts, answers):
            if answer[0] == "ok":
                out.extend(answer[1])
            else:
                out.extend(error_score(f"scoring process: {answer[1]}") for _ in range(b - a))
        return out

    def make_task(self, spec: Any) -> dict:
        """``{"spec", "prompt", "max_reward"}`` of the task ``spec`` names; ``ValueError`` if it names none."""
        from execgym.engine import turns

        future = self._submit(("task", spec))
        with turns.waiting():
            answer = future.result()
        if answer[0] == "ok":
            return answer[1]
        if answer[0] == "bad_task":
            raise ValueError(answer[1])
        raise RuntimeError(f"scoring process: {answer[1]}")

    def worker_restarts(self) -> int:
        """Sandbox workers the helpers replaced, plus helpers replaced (for the restarts metric)."""
        with self.lock:
            return self.retired_failures + self.helper_deaths + sum(s.sandbox_failures for s in self.slots)

    def pids(self) -> list[int]:
        return [s.helper.pid for s in self.slots]

    def close(self) -> None:
        """Finish the queued jobs, then stop every helper (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for _ in self.slots:
            self.jobs.put(None)
        for slot in self.slots:
            slot.thread.join()
            slot.helper.close()


# -- the helper's side ------------------------------------------------------------------------------------
def _sandbox_failures() -> int:
    from execgym.engine import pool

    current = pool._default
    return int(getattr(current, "worker_failures", 0)) if current is not None else 0


def _job(job: tuple) -> tuple:
    from execgym.tasks.registry import make_task, score_batch

    try:
        if job[0] == "score":
            return ("ok", score_batch(job[1], job[2]), _sandbox_failures())
        if job[0] == "task":
            try:
                task = make_task(job[1])
            except (ValueError, TypeError) as exc:
                return ("bad_task", str(exc)[:500])
            return ("ok", {"spec": task.spec, "prompt": task.prompt, "max_reward": task.max_reward},
                    _sandbox_failures())
        return ("error", f"unknown job {job[0]!r}")
    except Exception as exc:  # noqa: BLE001 - a scoring bug: answered as typed error scores
        return ("error", f"{type(exc).__name__}: {exc}"[:300])


def serve() -> None:
    """A scoring helper's loop (see :mod:`execgym.helper_process`)."""
    from execgym.engine.pool import Sandbox, set_default_sandbox
    from execgym.serve.server import tune_gc

    set_default_sandbox(Sandbox(workers=int(os.environ.get(SANDBOX_ENV) or 1)))
    tune_gc()
    answer_jobs(_job)
