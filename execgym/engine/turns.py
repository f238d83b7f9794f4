"""Turns: threads that share a lock take turns at their Python work, and give the turn up while they wait for
sandbox workers.

Pure-Python work on several threads does not go faster under the GIL, and on a multi-core machine it goes
slower: each GIL hand-off moves the work to another core with cold caches (scoring ExecIO-v0 batches on 2
threads of a 2-core machine cost 30-60 % more CPU per batch than on one). ``execgym serve`` runs each request
in ``with turn(lock):`` on its scoring threads; :meth:`execgym.engine.pool.Sandbox.execute` runs in
``with waiting():``, so requests whose answers need the sandbox still overlap their waits. A thread that
holds no turn is unaffected by both.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol

_local = threading.local()


class _Lock(Protocol):
    def acquire(self) -> bool | None: ...

    def release(self) -> None: ...


class FairLock:
    """A lock that goes to its waiters in the order they asked (``threading.Lock`` lets a thread that
    releases it take it straight back, so under a steady stream of work one waiter can wait several turns:
    a request's latency then grows by whole batches)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def acquire(self) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            baton = threading.Lock()
            baton.acquire()
            self._waiters.append(baton)
        baton.acquire()  # released by the holder that hands the lock over
        return True

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of an unheld FairLock")
            if self._waiters:
                self._waiters.popleft().release()  # handed over: it stays held
            else:
                self._held = False


@contextlib.contextmanager
def turn(lock: _Lock) -> Iterator[None]:
    """Hold ``lock`` in this thread for the block, except inside :func:`waiting` (re-entry is a no-op)."""
    if getattr(_local, "lock", None) is not None:
        yield
        return
    lock.acquire()
    _local.lock = lock
    try:
        yield
    finally:
        _local.lock = None
        lock.release()


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Give up this thread's turn, if it holds one, for the block (a wait that needs no Python work)."""
    lock = getattr(_local, "lock", None)
    if lock is None:
        yield
        return
    _local.lock = None
    lock.release()
    try:
        yield
    finally:
        lock.acquire()
        _local.lock = lock
