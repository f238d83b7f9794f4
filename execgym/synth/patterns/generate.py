"""``generate_many`` for the pattern generator (levels 1-6).

Contract: ``generate_patterns(level, seeds, ...)`` returns one ``Program`` per seed, byte-identical for the
same ``(level, seed)`` in every process: the focus comes from ``focus_for(level, seed, round)`` (as for the
operation generator), draft ``k`` from ``rng("synth-patterns", level, seed, k)``, and the program is the first
draft the sandbox stage (``execgym.synth.patterns.run``) accepts. Batching never changes which program a seed
gets. Rejections are counted by reason in ``stats.rejected``. ``keep_traces=True`` adds each program's real trace
(``Program.trace_steps``, one traced run of its call) for the task layer.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence

from execgym.seeding import rng
from execgym.synth.decide import SynthesisError
from execgym.synth.filters import FilterConfig
from execgym.synth.patterns import PatternCandidate, build
from execgym.synth.program import Program

MAX_ATTEMPTS = 400
REFOCUS_EVERY = 12  # a focus that fits no pattern for this seed is given up sooner than by the ops generator
BATCH = 64
IN_FLIGHT = 2  # batches being filtered at once
SOLO_BATCH = 128  # drafts per batch without overlap (see ``generate_patterns``)
# drafts per coverage child without overlap (one of several generating processes); with overlap, ``run.BATCH``
# (32). Measured on 2 cores, alternating, with two generating processes: 16 gave more programs per second than
# 32 in 7 of 8 rounds while a request carried the runner's code and compiled every pool with sets (2026-12-07);
# since requests carry less (2026-12-08) 32 took less CPU per program in 4 of 5 rounds (median 3.71 against
# 4.03 ms) and more programs per second in 3 of 5, except at level 1, whose cheap drafts finish sooner in more,
# smaller requests (every round slower with 32)
SOLO_COVER = 32
SOLO_COVER_BY_LEVEL = {1: 16}
# at every level the first PREFER_TWICE draws of a focus keep only drafts that use it twice (a focus that can be
# used once only, ``x.copy()``, ``w.isprintable()``, a mutator, is used once from the next draw on)
PREFER_TWICE = 5
# the focuses whose drafts at a level (almost) never use them twice (at most 2% of 200 draws did when this was
# written: a copy, a mutator such as ``list.clear``, arithmetic whose second use would fold, at levels 1-3): they
# skip the preference, which would only cost draws. Speed data, not a rule: a focus left out only costs draws,
# and tests/synth/test_synth_patterns.py checks that each focus listed here is rarely used twice at its level
_ONCE_EVERYWHERE = frozenset({
    "dict/clear", "dict/copy", "list/[:]", "list/clear", "list/copy", "list/reverse", "list/sort",
    "set/clear", "set/copy", "str/[:]", "tuple/[:]"})
# levels 1-2 (straight-line, one argument) share theirs
_ONCE_STRAIGHT = _ONCE_EVERYWHERE | {
    "bool/==", "bool/and", "bool/int()", "bool/not", "bool/or", "dict/dict[key]", "dict/fromkeys",
    "float/+", "int/*", "int/+", "int///", "list/*", "list/*=", "list/index", "list/remove", "set/&",
    "set/&=", "set/-=", "set/^", "set/^=", "set/difference", "set/intersection", "set/remove",
    "set/symmetric_difference", "set/|=", "str/*", "str/encode", "str/index", "str/maketrans",
    "str/rindex", "tuple/*", "tuple/index"}
ONCE_ONLY: dict[int, frozenset[str]] = {
    1: _ONCE_STRAIGHT,
    2: _ONCE_STRAIGHT,
    3: _ONCE_EVERYWHERE | {
        "bool/==", "bool/and", "bool/or", "float/+", "float/conjugate", "int/*", "int/+", "int///",
        "list/*", "list/*=", "list/pop", "list/remove", "set/&=", "set/-=", "set/^=", "set/remove",
        "set/|=", "str/*", "str/maketrans", "tuple/*"},
    4: _ONCE_EVERYWHERE | {
        "list/pop", "list/remove", "set/pop", "set/remove"},
    5: _ONCE_EVERYWHERE | {
        "list/remove", "set/pop"},
    6: _ONCE_EVERYWHERE | {
        "bool/int()", "dict/items", "list/pop"},
}


def draw(level: int, seed: int, attempt: int) -> PatternCandidate | None:
    from execgym.synth.api import focus_for

    focus = focus_for(level, seed, attempt // REFOCUS_EVERY)
    prefer = attempt % REFOCUS_EVERY < PREFER_TWICE and f"{focus.type}/{focus.name}" not in ONCE_ONLY[level]
    return build(level, focus, rng("synth-patterns", level, seed, attempt), twice_only=prefer)


def generate_patterns(level: int, seeds: Sequence[int], *, config: FilterConfig | None = None, stats=None,
                      progress: Callable[[int], None] | None = None, keep_traces: bool = False,
                      overlap: bool = True) -> list[Program]:
    from concurrent.futures import ThreadPoolExecutor

    from execgym.synth.api import SynthStats
    from execgym.synth.patterns.run import filter_patterns

    stats = stats if stats is not None else SynthStats()
    results: list[Program | None] = [None] * len(seeds)
    next_attempt = {i: 0 for i in range(len(seeds))}
    waiting = collections.deque(range(len(seeds)))  # seed indices whose next draft is due

    def settle(drawn: list, verdicts: list) -> None:
        done = 0
        for (i, attempt, failures, cand), verdict in zip(drawn, verdicts):
            stats.build_failures += failures
            stats.built += 1
            next_attempt[i] = attempt + 1
            if verdict.accepted:
                results[i] = Program(
                    source=cand.source, entry=cand.entry, call=verdict.call, level=level,
                    constraints={**cand.constraints, "type": cand.focus[0], "operation": cand.focus[1]},
                    features=verdict.features, expected=verdict.expected, focus=cand.focus, seed=seeds[i],
                    attempt=attempt, variants=verdict.variants)
                stats.accepted += 1
                del next_attempt[i]
                done += 1
            else:
                stats.rejected[verdict.reason] += 1
                waiting.append(i)
        if progress is not None and done:
            progress(done)

    # streaming: up to IN_FLIGHT batches are filtered (in helper threads: one is judged while another's drafts
    # run in the sandbox) while this thread drafts the next, and a rejected seed's next draft joins the queue
    # at once (no waiting for a round to end). A seed's drafts are still judged one after another in attempt
    # order and a verdict never depends on the batch, so the scheduling never changes which program a seed gets.
    # Without ``overlap`` (one of several generating processes, which keep the cores busy between them) each
    # batch of up to SOLO_BATCH drafts is filtered in this thread: no helper thread to contend for the GIL with
    batch = BATCH if overlap else SOLO_BATCH
    pool = ThreadPoolExecutor(max_workers=IN_FLIGHT) if overlap and len(seeds) > BATCH else None
    pending: collections.deque = collections.deque()
    try:
        while waiting or pending:
            if not waiting:
                settle(*_wait(pending.popleft()))
                continue
            take = [waiting.popleft() for _ in range(min(batch, len(waiting)))]
            drawn = _draw_batch(level, seeds, take, next_attempt)
            cands = [cand for *_, cand in drawn]
            if pool is None:
                settle(drawn, filter_patterns(cands, config, batch=SOLO_COVER_BY_LEVEL.get(level, SOLO_COVER)))
                continue
            if len(pending) >= IN_FLIGHT:
                settle(*_wait(pending.popleft()))
            pending.append((drawn, pool.submit(filter_patterns, cands, config)))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    programs = [p for p in results if p is not None]
    return _with_traces(programs, config) if keep_traces else programs


def _with_traces(programs: list[Program], config: FilterConfig | None) -> list[Program]:
    """The programs with ``trace_steps``: one real trace of each call (``execgym.trace(source, call)``'s request,
    timeouts retried), so the task layer need not trace again. A trace that did not end ok within its budget,
    or returned another value, is left out (``trace_steps=None``: the task layer then decides)."""
    from dataclasses import replace

    from execgym.engine.request import RunRequest
    from execgym.synth.decide import run_decided
    from execgym.synth.filters import same_value

    config = config or FilterConfig()
    requests = [RunRequest(source=p.source, call=p.call, mode="trace") for p in programs]
    traces = run_decided(requests, retry_timeouts=config.retry_timeouts, workers=config.workers,
                         what="pattern program trace") if requests else []
    out = []
    for program, traced in zip(programs, traces):
        ok = str(getattr(traced.outcome, "value", traced.outcome)) == "ok" and not traced.truncated \
            and same_value(traced.return_value, program.expected)
        out.append(replace(program, trace_steps=tuple(traced.steps)) if ok else program)
    return out


def _wait(pending: tuple) -> tuple[list, list]:
    drawn, future = pending
    return drawn, future.result()


def _draw_batch(level: int, seeds: Sequence[int], indices: Sequence[int], next_attempt: dict[int, int]) -> list:
    """For each seed index, ``(i, attempt, build failures skipped before it, candidate)``: its next buildable
    draft from ``next_attempt[i]`` on (one per seed and round: drawing a seed's later drafts ahead, to save
    sandbox round trips at the end of a run, cost more than it saved, see docs/synthesis.md).
    ``SynthesisError`` when the seed's next draft would pass ``MAX_ATTEMPTS``."""
    drawn = []
    for i in indices:
        attempt = next_attempt[i]
        failures = 0
        while True:
            if attempt >= MAX_ATTEMPTS:
                raise SynthesisError(f"no program for level {level}, seed {seeds[i]} after "
                                     f"{MAX_ATTEMPTS} draws (pattern generator)")
            cand = draw(level, seeds[i], attempt)
            if cand is not None:
                break
            failures += 1
            attempt += 1
        drawn.append((i, attempt, failures, cand))
    return drawn
