"""``generate_many(..., processes=N)``: one level's seeds sharded over N local generating processes.

Contract: the seeds are cut into N contiguous shards; shard 0 is generated in the calling process while the
others go to N - 1 helper processes (``spawn``ed once, kept for later calls, shut down at exit); the programs
come back in seed order, so the output is the same list as with ``processes=1`` (a program depends only on
its level and seed). Stats of every shard are merged into the caller's ``SynthStats``; ``progress`` hears about
a helper's shard when it is done. A helper that dies has its shard generated in the calling process instead;
a helper whose caller dies stops at once (parent-death signal), so a killed run leaves no process behind.
Drafting and the static measures are pure Python, so one process keeps one core busy at most: this is what
lets generation use the second core. Each process filters its drafts without overlapping them with drafting
(``generate_here(..., overlap=False)``): the processes keep the cores busy between them.
"""

from __future__ import annotations

import atexit
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import Any

from execgym.helper_process import HelperExited, HelperProcess, answer_jobs, cuts

MIN_SHARD = 32  # seeds per shard below which another process costs more than it saves
TARGET = "execgym.synth.processes:serve"

_lock = threading.Lock()
_helpers: list[HelperProcess] = []


def _job(job: tuple) -> tuple:
    from execgym.synth.api import SynthStats, generate_here

    level, seeds, config, keep_traces, generator = job
    stats = SynthStats()
    try:
        programs = generate_here(level, seeds, config=config, stats=stats, keep_traces=keep_traces,
                                 generator=generator, overlap=False)
        return ("ok", programs, stats)
    except Exception as exc:  # reported to the caller, who raises it there
        return ("error", f"{type(exc).__name__}: {exc}")


def serve() -> None:
    """A helper's loop: each job is ``(level, seeds, config, keep_traces, generator)``; each answer is
    ``("ok", programs, stats)`` or ``("error", message)``. Ends when stdin closes."""
    answer_jobs(_job)


def _checkout(count: int) -> list[HelperProcess]:
    """``count`` live helpers (started as needed; kept for later calls)."""
    with _lock:
        _helpers[:] = [h for h in _helpers if h.alive()]
        while len(_helpers) < count:
            _helpers.append(HelperProcess(TARGET))
        taken, _helpers[:] = _helpers[:count], _helpers[count:]
        return taken


def _checkin(helpers: list[HelperProcess]) -> None:
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
    return [list(seeds[a:b]) for a, b in cuts(len(seeds), processes, MIN_SHARD)]


def generate_sharded(level: int, seeds: Sequence[int], processes: int, *, config: Any, stats: Any,
                     progress: Callable[[int], None] | None, keep_traces: bool, generator: str) -> list:
    """``generate_many(level, seeds, ...)`` over ``processes`` processes (see the module contract)."""
    from execgym.synth.api import generate_here
    from execgym.synth.decide import SynthesisError

    def here(shard: list[int], overlap: bool = False) -> list:
        return generate_here(level, shard, config=config, stats=stats, progress=progress,
                             keep_traces=keep_traces, generator=generator, overlap=overlap)

    shards = shards_of(seeds, processes)
    if len(shards) == 1:  # no other process shares the cores
        return here(shards[0], overlap=True)
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
            except (HelperExited, OSError, pickle.UnpicklingError):
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
            helper.kill()
            helper.close()
        raise
    _checkin(helpers)
    return programs
