"""Module-level engine API (docs/architecture.md §1), backed by a lazily created default pool.

``run``/``trace`` execute one program in the sandbox; ``run_batch`` spreads many over the
workers; ``arun``/``atrace``/``arun_batch`` are awaitable and never block the event loop. None of
them raise for anything the program or the call text does (see ``execgym.engine.pool``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from execgym.engine.pool import Sandbox, default_sandbox
from execgym.engine.request import RunRequest
from execgym.engine.results import ExecutionTrace, RunResult

__all__ = [
    "RunRequest",
    "Sandbox",
    "arun",
    "arun_batch",
    "atrace",
    "default_sandbox",
    "run",
    "run_batch",
    "trace",
]


def run(source: str, call: str, *, policy: str = "trusted", timeout: float = 2.0,
        memory_mb: int = 512, hash_seed: int = 0, stdin: str = "", **limits: Any) -> RunResult:
    """Run module ``source`` then evaluate the expression ``call``; returns a ``RunResult``."""
    return default_sandbox().run(source, call, policy=policy, timeout=timeout, memory_mb=memory_mb,
                                 hash_seed=hash_seed, stdin=stdin, **limits)


def trace(source: str, call: str, *, timeout: float = 2.0, memory_mb: int = 512,
          max_steps: int = 10_000, hash_seed: int = 0, **limits: Any) -> ExecutionTrace:
    """Run ``source`` and trace the evaluation of ``call``; returns an ``ExecutionTrace``."""
    return default_sandbox().trace(source, call, timeout=timeout, memory_mb=memory_mb,
                                   max_steps=max_steps, hash_seed=hash_seed, **limits)


def run_batch(requests: Iterable[RunRequest], *, workers: int | None = None
              ) -> list[RunResult | ExecutionTrace]:
    """Execute ``RunRequest``\\ s over ``workers`` workers (default: one per core), in order."""
    return default_sandbox().run_batch(requests, workers=workers)


async def arun(source: str, call: str, **kwargs: Any) -> RunResult:
    """Awaitable ``run`` (same arguments)."""
    return await default_sandbox().arun(source, call, **kwargs)


async def atrace(source: str, call: str, **kwargs: Any) -> ExecutionTrace:
    """Awaitable ``trace`` (same arguments)."""
    return await default_sandbox().atrace(source, call, **kwargs)


async def arun_batch(requests: Iterable[RunRequest], *, workers: int | None = None
                     ) -> list[RunResult | ExecutionTrace]:
    """Awaitable ``run_batch``."""
    return await default_sandbox().arun_batch(requests, workers=workers)
