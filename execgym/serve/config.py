"""``ServeConfig``: the reward service's limits and knobs (the ``execgym serve`` options)."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(2, 2 * cores)


@dataclass(frozen=True)
class ServeConfig:
    """Limits of one service process.

    ``max_body_bytes`` / ``max_batch``: larger bodies or batches get 413. ``max_pending``: requests admitted
    at once (running or waiting for a scoring thread); one more gets 503 with ``Retry-After: retry_after_s``.
    ``deadline_s``: a request not answered by then gets 504 (its work still finishes, and still counts as
    pending until it does). ``threads``: scoring threads (the event loop never scores). ``sandbox_workers``:
    fork-server workers of the service's sandbox pool (``None``: one per core). ``token``: the bearer token
    every route but ``/health`` requires (``None``: no authentication).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 32 << 20
    max_batch: int = 4096
    max_pending: int = 64
    retry_after_s: int = 1
    deadline_s: float = 120.0
    threads: int = _default_threads()
    sandbox_workers: int | None = None
    token: str | None = None
    graceful_s: float = 150.0

    def check(self) -> None:
        """Raise ``ValueError`` naming the first out-of-range setting."""
        for name in ("max_body_bytes", "max_batch", "max_pending", "threads"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= int(self.port) <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port}")
        if not self.deadline_s > 0:
            raise ValueError(f"deadline_s must be > 0, got {self.deadline_s}")
        if self.sandbox_workers is not None and self.sandbox_workers < 1:
            raise ValueError(f"sandbox_workers must be >= 1, got {self.sandbox_workers}")
        if self.retry_after_s < 0:
            raise ValueError(f"retry_after_s must be >= 0, got {self.retry_after_s}")
