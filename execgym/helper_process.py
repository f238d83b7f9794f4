"""A Python helper subprocess that answers pickled jobs over its stdin/stdout, one at a time.

Used for execgym's own trusted work only (sharded program generation, the reward service's scoring
processes), never for model-written code: that runs in the sandbox. The helper is a plain
``python -c 'from MODULE import FUNCTION; FUNCTION()'`` (not ``multiprocessing``, so the caller's ``__main__``
is never re-imported) whose function calls :func:`answer_jobs`. Frames are an 8-byte big-endian length and a
pickle. A helper whose caller dies stops at once (parent-death signal), so a killed caller leaves no process
behind.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import Any

_HEAD = struct.Struct("!Q")
PARENT_ENV = "EXECGYM_HELPER_PARENT"


def cores() -> int:
    """The cores this process may run on (how many helpers keep the machine busy)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class HelperExited(EOFError):
    """The helper process is gone (its answer pipe closed mid-frame or before one)."""


class HelperProcess:
    """One helper running ``MODULE.FUNCTION()``; ``send`` a job, ``receive`` its answer."""

    def __init__(self, target: str, env: dict[str, str] | None = None) -> None:
        module, _, function = target.partition(":")
        full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
                    PARENT_ENV: str(os.getpid()), **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import {function}; {function}()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=full_env, close_fds=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, job: Any) -> None:
        """Write one job (``OSError`` if the helper is gone)."""
        self.send_pickled(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))

    def send_pickled(self, data: bytes) -> None:
        """Write one job already pickled (``OSError`` if the helper is gone)."""
        self.proc.stdin.write(_HEAD.pack(len(data)) + data)
        self.proc.stdin.flush()

    def receive(self) -> Any:
        """Read one answer (:class:`HelperExited` if the helper is gone)."""
        head = self.proc.stdout.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise HelperExited("the helper process exited")
        (size,) = _HEAD.unpack(head)
        data = self.proc.stdout.read(size)
        if len(data) < size:
            raise HelperExited("the helper process exited")
        return pickle.loads(data)

    def call_pickled(self, data: bytes) -> Any:
        """``send_pickled`` then ``receive`` (:class:`HelperExited` for a helper that died on the way)."""
        try:
            self.send_pickled(data)
        except OSError as exc:
            raise HelperExited(f"the helper process exited: {exc}") from None
        return self.receive()

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()

    def close(self, timeout: float = 30.0) -> None:
        """Close its stdin (its loop ends there and it exits normally), waiting up to ``timeout`` before a
        kill."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdout.close()


def cuts(n: int, parts: int, min_part: int) -> list[tuple[int, int]]:
    """``(start, end)`` of at most ``parts`` contiguous near-equal slices of ``range(n)`` (the first ones one
    longer where it does not divide), none under ``min_part`` items unless there is only one."""
    count = max(1, min(int(parts), n // max(1, min_part)))
    size, extra = divmod(n, count)
    out, start = [], 0
    for k in range(count):
        end = start + size + (1 if k < extra else 0)
        out.append((start, end))
        start = end
    return out


def answer_jobs(handle: Callable[[Any], Any]) -> None:
    """The helper's side: ``handle(job)`` for each job until stdin closes, each result written back.

    ``handle`` must not raise (catch and return an error value instead); nothing else may write to stdout,
    so ``sys.stdout`` is pointed at stderr."""
    import signal

    try:  # a helper whose caller dies mid-job stops at once instead of finishing it for no one
        from execgym.engine.isolation import set_parent_death_signal

        set_parent_death_signal(signal.SIGTERM)
    except (ImportError, OSError, AttributeError):
        pass
    if os.environ.get(PARENT_ENV) not in (None, str(os.getppid())):
        return  # the caller died before the signal was armed
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    while True:
        head = stdin.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return
        (size,) = _HEAD.unpack(head)
        data = stdin.read(size)
        if len(data) < size:
            return
        answer = handle(pickle.loads(data))
        out = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEAD.pack(len(out)) + out)
        stdout.flush()
