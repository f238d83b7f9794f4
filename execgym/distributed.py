"""Scoring, execution and generation across a Ray cluster's CPU nodes (extra ``execgym[ray]``).

Contract:

* :func:`score_batch(specs, responses, *, address=None, actors=None)` and
  :func:`run_batch(requests, *, address=None, actors=None)` return what their local namesakes
  (``execgym.score_batch``, ``execgym.run_batch``) return for the same inputs, in the same order. The work is cut
  into chunks spread over a pool of Ray actors, each owning its own sandbox pool (``sandbox_workers`` fork-server
  workers, one CPU each by default).
* A chunk whose actor dies (node lost, process killed, out of memory) is retried on another actor while the dead
  one is replaced; after ``max_attempts`` its items come back typed -- ``error`` scores / ``sandbox_error``
  results naming the failure -- never an exception and never a silent zero. A chunk that makes no progress for
  ``chunk_timeout`` seconds has its actor killed and is retried the same way, so nothing hangs.
* :func:`ordered_map(fn, items, ...)` runs ``fn(item)`` as Ray tasks (retried by Ray when a worker dies) and
  yields the results in item order: ``execgym synth --ray`` and ``execgym dataset --ray`` shard generation with it,
  and since every item's output depends only on its seed their files are byte-identical to a local run.
* ``address=None`` joins the cluster this process is already connected to, else the one Ray finds
  (``RAY_ADDRESS``, a running local cluster), else starts a local one. ``"local"`` always means ``None``.

Importing this module does not import Ray; the first call does (``ImportError`` naming the extra if missing).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__all__ = ["ActorPool", "generate_many", "ordered_map", "pool", "run_batch", "score_batch", "shutdown"]

_pools: dict[tuple, ActorPool] = {}
_pools_lock = threading.Lock()


def _ray(address: str | None = None) -> Any:
    """The ``ray`` module, connected (see the module docstring for ``address``)."""
    try:
        import ray
    except ImportError:
        raise ImportError("execgym.distributed needs Ray: pip install 'execgym[ray]'") from None
    if not ray.is_initialized():
        ray.init(
            address=None if address in (None, "", "local") else address,
            ignore_reinit_error=True,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    return ray


def _actor_errors(ray: Any) -> tuple[type, ...]:
    from ray import exceptions as rex

    names = (
        "RayActorError",
        "ActorDiedError",
        "ActorUnavailableError",
        "WorkerCrashedError",
        "NodeDiedError",
        "ObjectLostError",
        "OwnerDiedError",
        "LocalRayletDiedError",
    )
    return tuple(getattr(rex, n) for n in names if hasattr(rex, n))


class _ExecActor:
    """One Ray actor: a sandbox pool of its own, scoring and executing chunks sent to it."""

    def __init__(self, sandbox_workers: int) -> None:
        from execgym.engine.pool import Sandbox, set_default_sandbox

        old = set_default_sandbox(Sandbox(workers=sandbox_workers))
        if old is not None:
            old.close()

    def score_batch(self, specs: list, responses: list) -> list[dict]:
        from execgym.tasks.registry import score_batch

        return [s.to_dict() for s in score_batch(specs, responses)]

    def run_batch(self, requests: list) -> list:
        from execgym.engine.api import run_batch

        return run_batch(requests)

    def pid(self) -> int:
        return os.getpid()


class ActorPool:
    """``actors`` Ray actors (default: the cluster's CPUs free now / ``sandbox_workers``), each with its own
    sandbox pool and reserving ``sandbox_workers`` CPUs. On a cluster whose CPUs a trainer has reserved, pass
    ``actors`` (an actor that cannot be placed counts as hung after ``chunk_timeout``)."""

    def __init__(
        self,
        actors: int | None = None,
        *,
        address: str | None = None,
        sandbox_workers: int = 1,
        chunk: int | None = None,
        chunk_timeout: float = 600.0,
        max_attempts: int = 3,
    ) -> None:
        if actors is not None and actors < 1:
            raise ValueError(f"actors must be >= 1, got {actors}")
        if sandbox_workers < 1 or max_attempts < 1 or chunk_timeout <= 0:
            raise ValueError("sandbox_workers and max_attempts must be >= 1 and chunk_timeout > 0")
        self.ray = _ray(address)
        self.sandbox_workers = int(sandbox_workers)
        if actors is None:
            cpus = int(self.ray.available_resources().get("CPU", 1))
            actors = max(1, cpus // self.sandbox_workers)
        self.chunk = chunk
        self.chunk_timeout = float(chunk_timeout)
        self.max_attempts = int(max_attempts)
        self._errors = _actor_errors(self.ray)
        self._remote = self.ray.remote(_ExecActor)
        self._lock = threading.Lock()
        self.replaced = 0  # actors replaced after dying or hanging
        self.actors = [self._spawn() for _ in range(int(actors))]

    def _spawn(self) -> Any:
        return self._remote.options(num_cpus=self.sandbox_workers, max_restarts=0, max_concurrency=4).remote(
            self.sandbox_workers
        )

    def pids(self, timeout: float = 120.0) -> list[int]:
        """The actors' process ids (tests kill them); ``GetTimeoutError`` if they cannot start in time."""
        return self.ray.get([a.pid.remote() for a in self.actors], timeout=timeout)

    # -- public API -----------------------------------------------------------------------------
    def score_batch(self, specs: Sequence[Any], responses: Sequence[Any]) -> list:
        from execgym.tasks.base import Score, error_score

        if len(specs) != len(responses):
            raise ValueError(f"{len(specs)} specs but {len(responses)} responses")
        pairs = list(zip(specs, responses))
        chunks = self._chunks(pairs)
        out = self._map(
            "score_batch",
            [([s for s, _ in c], [r for _, r in c]) for c in chunks],
            lambda args, why: [error_score(f"distributed scoring failed: {why}")] * len(args[0]),
        )
        return [s if isinstance(s, Score) else Score.from_dict(s) for part in out for s in part]

    def run_batch(self, requests: Iterable[Any]) -> list:
        from execgym.engine.request import RunRequest
        from execgym.engine.results import Outcome, failure_result

        reqs = list(requests)
        for req in reqs:  # a caller's programming error raises here, as it does locally
            if not isinstance(req, RunRequest):
                raise TypeError(f"requests must be RunRequest, not {type(req).__name__}")
            req.check_arguments()
        chunks = self._chunks(reqs)

        def failed(args: tuple, why: str) -> list:
            return [
                failure_result(
                    r.mode, Outcome.SANDBOX_ERROR, "SandboxError", f"distributed run failed: {why}"
                )
                for r in args[0]
            ]

        return [r for part in self._map("run_batch", [(c,) for c in chunks], failed) for r in part]

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
        self.actors = []

    # -- internals ------------------------------------------------------------------------------
    def _chunks(self, items: list) -> list[list]:
        size = self.chunk or max(8, -(-len(items) // (2 * len(self.actors))))
        return [items[i : i + size] for i in range(0, len(items), size)]

    def _replace(self, handle: Any) -> None:
        with self._lock:
            for i, actor in enumerate(self.actors):
                if actor is handle:
                    try:
                        self.ray.kill(actor)
                    except Exception:  # noqa: BLE001, S110
                        pass
                    self.actors[i] = self._spawn()
                    self.replaced += 1

    def _map(self, method: str, args_list: list[tuple], failed: Callable[[tuple, str], list]) -> list[list]:
        ray = self.ray
        results: list[list | None] = [None] * len(args_list)
        pending: dict[Any, tuple[int, Any, int, float]] = {}  # ref -> (chunk, actor handle, attempt, sent at)
        turn = itertools.count()

        def submit(ci: int, attempt: int) -> None:
            with self._lock:
                actor = self.actors[next(turn) % len(self.actors)]
            ref = getattr(actor, method).remote(*args_list[ci])
            pending[ref] = (ci, actor, attempt, time.monotonic())

        for ci in range(len(args_list)):
            submit(ci, 0)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=min(self.chunk_timeout, 5.0))
            if not ready:
                now = time.monotonic()
                for ref, (_, actor, _, sent) in list(pending.items()):
                    if now - sent > self.chunk_timeout:  # hung: kill it; the wait then reports the death
                        try:
                            ray.kill(actor)
                        except Exception:  # noqa: BLE001, S110
                            pass
                continue
            for ref in ready:
                ci, actor, attempt, _ = pending.pop(ref)
                try:
                    results[ci] = ray.get(ref)
                except self._errors as exc:
                    self._replace(actor)
                    why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
                    if attempt + 1 < self.max_attempts:
                        submit(ci, attempt + 1)
                    else:
                        results[ci] = failed(args_list[ci], f"{attempt + 1} attempts; last: {why}")
        return results  # type: ignore[return-value]


def pool(*, address: str | None = None, actors: int | None = None) -> ActorPool:
    """The process's shared :class:`ActorPool` for ``(address, actors)`` (created on first use)."""
    key = (address or None, actors)
    with _pools_lock:
        found = _pools.get(key)
        if found is None:
            found = _pools[key] = ActorPool(actors, address=address)
        return found


def score_batch(
    specs: Sequence[Any], responses: Sequence[Any], *, address: str | None = None, actors: int | None = None
) -> list:
    """``execgym.score_batch`` over the cluster: same scores, same order (see the module docstring)."""
    return pool(address=address, actors=actors).score_batch(specs, responses)


def run_batch(requests: Iterable[Any], *, address: str | None = None, actors: int | None = None) -> list:
    """``execgym.run_batch`` over the cluster: same results, same order (see the module docstring)."""
    return pool(address=address, actors=actors).run_batch(requests)


def ordered_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    address: str | None = None,
    window: int | None = None,
    max_retries: int = 3,
    timeout: float | None = 3600.0,
) -> Iterator[Any]:
    """Yield ``fn(item)`` for every item, computed as Ray tasks, in item order.

    At most ``window`` tasks are in flight (default: twice the cluster's CPUs). A task whose worker dies is
    retried by Ray up to ``max_retries`` times; an exception ``fn`` raises is re-raised here (generation
    failures are reported, not hidden). A task not done ``timeout`` seconds after it became the oldest raises
    ``TimeoutError``.
    """
    ray = _ray(address)
    task = ray.remote(fn).options(max_retries=max_retries, retry_exceptions=False)
    window = window or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
    source = iter(items)
    inflight: list[Any] = []
    for item in itertools.islice(source, window):
        inflight.append(task.remote(item))
    while inflight:
        ref = inflight.pop(0)
        try:
            value = ray.get(ref, timeout=timeout)
        except ray.exceptions.GetTimeoutError:
            for other in [ref, *inflight]:
                ray.cancel(other, force=True)
            raise TimeoutError(f"a distributed task took longer than {timeout} s") from None
        except ray.exceptions.RayTaskError as exc:
            for other in inflight:
                ray.cancel(other, force=True)
            raise exc.as_instanceof_cause() from None
        for item in itertools.islice(source, 1):
            inflight.append(task.remote(item))
        yield value


def _synth_part(job: tuple) -> tuple[list, Any]:
    from execgym.synth.api import SynthStats, generate_many

    level, seeds, config, *keep = job
    stats = SynthStats()
    return generate_many(level, seeds, config=config, stats=stats, keep_traces=keep[0] if keep else True), stats


def generate_many(
    level: int,
    seeds: Sequence[int],
    *,
    config: Any = None,
    stats: Any = None,
    progress: Callable[[int], None] | None = None,
    address: str | None = None,
    part: int = 16,
    keep_traces: bool = True,
) -> list:
    """``execgym.synth.api.generate_many`` as Ray tasks of ``part`` seeds: the same programs in the same order
    (a seed's program never depends on its batch); ``stats`` receives every part's counters. ``keep_traces``
    as there (``False``: no trace run per program, and no trace sent back)."""
    programs: list = []
    jobs = [(level, list(seeds[i : i + part]), config, keep_traces) for i in range(0, len(seeds), part)]
    for got, part_stats in ordered_map(_synth_part, jobs, address=address):
        programs.extend(got)
        if stats is not None:
            stats.merge(part_stats)
        if progress is not None:
            progress(len(got))
    return programs


def shutdown() -> None:
    """Kill the shared pools' actors (the Ray connection itself stays)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()
