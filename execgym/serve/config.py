"""``ServeConfig``: the reward service's limits and knobs (the ``execgym serve`` options)."""

from __future__ import annotations

from dataclasses import dataclass

from execgym.helper_process import cores


def _default_threads() -> int:
    return max(2, 2 * cores())


@dataclass(frozen=True)
class ServeConfig:
    """Limits of one service process.

    ``max_body_bytes`` / ``max_batch``: larger bodies or batches get 413. ``max_pending``: requests admitted
    at once (running or waiting for a scoring thread); one more gets 503 with ``Retry-After: retry_after_s``.
    ``deadline_s``: a request not answered by then gets 504 (its work still finishes, and still counts as
    pending until it does). ``threads``: request threads (the event loop never scores). ``processes``: scoring
    processes (1: the service process scores; more: :mod:`execgym.serve.scorers` helpers score shards of each
    batch side by side, and the service process only reads and writes HTTP and JSON). ``sandbox_workers``:
    fork-server sandbox workers in all (``None``: one per core), split evenly over the scoring processes
    (at least one each). ``token``: the bearer token every route but ``/health`` requires (``None``: no
    authentication).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 32 << 20
    max_batch: int = 4096
    max_pending: int = 64
    retry_after_s: int = 1
    deadline_s: float = 120.0
    threads: int = _default_threads()
    processes: int = cores()
    sandbox_workers: int | None = None
    token: str | None = None
    graceful_s: float = 150.0

    def check(self) -> None:
        """Raise ``ValueError`` naming the first out-of-range setting."""
        for name in ("max_body_bytes", "max_batch", "max_pending", "threads", "processes"):
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

    def sandbox_workers_each(self) -> int:
        """Sandbox workers of each scoring process."""
        total = self.sandbox_workers if self.sandbox_workers is not None else cores()
        return max(1, -(-total // self.processes))
