"""``generate_many(..., processes=N)``: one level's seeds sharded over N local generating processes.

Contract: the seeds are cut into N contiguous shards; shard 0 is generated in the calling process while the
others go to N - 1 helper processes (``spawn``ed once, kept for later calls, shut down at exit); the programs
come back in seed order, so the output is the same list as with ``processes=1`` (a program depends only on
its level and seed). Stats of every shard are merged into the caller's ``SynthStats``; ``progress`` hears about
a helper's shard when it is done. A helper that dies has its shard generated in the calling process instead;
a helper whose caller dies stops at once (parent-death signal), so a killed run leaves no process behind.
Drafting and the static measures are pure Python, so one process keeps one core busy at most: this is what
lets generation use the second core.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

MIN_SHARD = 32  # seeds per shard below which another process costs more than it saves
_HEAD = struct.Struct("!Q")

_lock = threading.Lock()
_helpers: list[_Helper] = []


class _Helper:
    """One helper process (``python -c 'execgym.synth.processes.serve()'``, not ``multiprocessing``, so the
    caller's ``__main__`` is never re-imported): pickled jobs in on stdin, pickled results out on stdout."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
               "EXECGYM_SYNTH_PARENT": str(os.getpid())}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from execgym.synth.processes import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, job: tuple) -> None:
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.write(_HEAD.pack(len(data)) + data)
        self.proc.stdin.flush()

    def receive(self) -> Any:
        head = self.proc.stdout.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise EOFError("the helper process exited")
        (size,) = _HEAD.unpack(head)
        data = self.proc.stdout.read(size)
        if len(data) < size:
            raise EOFError("the helper process exited")
        return pickle.loads(data)

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # the helper's loop ends at EOF and it exits normally (sandbox closed)
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdout.close()


def serve() -> None:
    """A helper's loop: each job is ``(level, seeds, config, keep_traces, generator)``; each answer is
    ``("ok", programs, stats)`` or ``("error", message)``. Ends when stdin closes."""
    import signal

    from execgym.synth.api import SynthStats, generate_many

    try:  # a helper whose caller dies mid-shard stops at once instead of finishing the shard for no one
        from execgym.engine.isolation import set_parent_death_signal

        set_parent_death_signal(signal.SIGTERM)
    except (ImportError, OSError, AttributeError):
        pass
    if os.environ.get("EXECGYM_SYNTH_PARENT") not in (None, str(os.getppid())):
        return  # the caller died before the signal was armed
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the answer pipe
    while True:
        head = stdin.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return
        level, seeds, config, keep_traces, generator = pickle.loads(stdin.read(_HEAD.unpack(head)[0]))
        stats = SynthStats()
        try:
            programs = generate_many(level, seeds, config=config, stats=stats, keep_traces=keep_traces,
                                     generator=generator)
            answer: tuple = ("ok", programs, stats)
        except Exception as exc:  # reported to the caller, who raises it there
            answer = ("error", f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEAD.pack(len(data)) + data)
        stdout.flush()


def _checkout(count: int) -> list[_Helper]:
    """``count`` live helpers (started as needed; kept for later calls)."""
    with _lock:
        _helpers[:] = [h for h in _helpers if h.alive()]
        while len(_helpers) < count:
            _helpers.append(_Helper())
        taken, _helpers[:] = _helpers[:count], _helpers[count:]
        return taken


def _checkin(helpers: list[_Helper]) -> None:
    with _lock:
        _helpers.extend(h for h in helpers if h.alive())


def shutdown() -> None:
    """Stop the helper processes (also run at interpreter exit); the next sharded call starts new ones."""
    with _lock:
        helpers, _helpers[:] = list(_helpers), []
    for helper in helpers:
        helper.close()


atexit.register(shutdown)


def shards_of(seeds: Sequence[int], processes: int) -> list[list[int]]:
    """``seeds`` cut into at most ``processes`` contiguous shards of near-equal size, none under ``MIN_SHARD``
    (unless there is only one)."""
    count = max(1, min(int(processes), len(seeds) // MIN_SHARD))
    size, extra = divmod(len(seeds), count)
    out, start = [], 0
    for k in range(count):
        end = start + size + (1 if k < extra else 0)
        out.append(list(seeds[start:end]))
        start = end
    return out


def generate_sharded(level: int, seeds: Sequence[int], processes: int, *, config: Any, stats: Any,
                     progress: Callable[[int], None] | None, keep_traces: bool, generator: str) -> list:
    """``generate_many(level, seeds, ...)`` over ``processes`` processes (see the module contract)."""
    from execgym.synth.api import generate_many
    from execgym.synth.decide import SynthesisError

    def here(shard: list[int]) -> list:
        return generate_many(level, shard, config=config, stats=stats, progress=progress,
                             keep_traces=keep_traces, generator=generator)

    shards = shards_of(seeds, processes)
    if len(shards) == 1:
        return here(shards[0])
    helpers = _checkout(len(shards) - 1)
    sent = []
    for helper, shard in zip(helpers, shards[1:]):
        try:
            helper.send((level, shard, config, keep_traces, generator))
            sent.append(True)
        except OSError:
            sent.append(False)
    try:
        programs = here(shards[0])
        for helper, shard, ok in zip(helpers, shards[1:], sent):
            try:
                answer = helper.receive() if ok else None
            except (EOFError, OSError, pickle.UnpicklingError):
                answer = None
            if answer is None:  # the helper died: this shard is generated here instead
                programs.extend(here(shard))
                continue
            if answer[0] != "ok":
                raise SynthesisError(answer[1])
            programs.extend(answer[1])
            stats.merge(answer[2])
            if progress is not None and answer[1]:
                progress(len(answer[1]))
    except BaseException:
        for helper in helpers:  # answers may still be on their way: these helpers are not reused
            helper.proc.kill()
            helper.close()
        raise
    _checkin(helpers)
    return programs
