"""Generate and trace the program behind a task, once per (env, level, seed), cached.

Contract: ``traced_program(env, level, seed)`` returns a ``TracedProgram`` whose trace ran ``ok`` (not truncated)
and whose return value is a plain literal. It asks ``execgym.synth.api`` (or, with ``source=``, that program
source: ``execgym.synth.sources``) for a program with a seed derived from ``("execgym.tasks", env, level, seed,
attempt)`` and traces it with ``execgym.trace`` (the sandbox); attempts
whose trace fails or whose output is not a plain literal are skipped (up to ``MAX_ATTEMPTS``), so the result
depends only on (env, level, seed). The trace is the synthesizer's own (``Program.trace_steps``, identical to
``execgym.trace``'s) whenever the program carries one, so a fresh task costs no second sandbox call. A timeout or
sandbox error is never a reason to skip an attempt (that would depend on machine load): it is retried with longer
timeouts and raises ``SynthesisError`` if still undecided. Raises ``RuntimeError`` if every attempt fails. The
expensive part (generation + trace) is cached in-process (LRU, ``CACHE_SIZE`` entries).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from execgym import astparse
from execgym.seeding import derive_seed
from execgym.tasks.literals import is_plain, render_literal

MAX_ATTEMPTS = 8
CACHE_SIZE = 256  # traces can be large; built tasks are cached separately (registry)
SEED_BOUND = 1 << 53


@dataclass(frozen=True)
class TracedProgram:
    source: str
    entry: str
    call: str
    expected: Any  # decoded return value (plain literal)
    steps: tuple  # trace steps (engine Step objects)
    program: Any  # the synth Program
    attempt: int

    def program_dict(self) -> dict:
        return {"source": self.source, "entry": self.entry, "call": self.call}

    @property
    def expected_text(self) -> str:
        return render_literal(self.expected)


def program_seed(env: str, level: int, seed: int, attempt: int, purpose: str = "program") -> int:
    return derive_seed("execgym.tasks", purpose, env, int(level), int(seed), int(attempt)) % SEED_BOUND


def check_level(level: Any, source: str = "synth") -> int:
    """Return ``level`` if the synthesizer defines it (and, for another program source, that source has
    programs at it); raise ``ValueError``/``TypeError`` otherwise."""
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int, got {type(level).__name__}")
    from execgym.synth import LEVELS

    if level not in LEVELS:
        raise ValueError(f"level {level} is not defined; defined levels: {sorted(LEVELS)}")
    if source != "synth":
        levels = program_source(source).levels()
        if level not in levels:
            raise ValueError(f"source {source!r} has no program at level {level}; it has levels {list(levels)}")
    return level


def program_source(source: str) -> Any:
    """The ``execgym.synth.sources.ProgramSource`` named ``source`` (``ValueError`` for an unknown name)."""
    from execgym.synth.sources import resolve_source

    return resolve_source(source)


def _source_key(source: str) -> tuple:
    return ("synth",) if source == "synth" else (source, program_source(source).fingerprint)


def _usable(tr: Any) -> str:
    """'' when a trace can back a task, else why not."""
    outcome = str(getattr(tr.outcome, "value", tr.outcome))
    if outcome != "ok" or tr.truncated:
        return f"trace {outcome}" + (f" ({tr.error.type}: {tr.error.message})" if tr.error else "")
    if not is_plain(tr.return_value):
        return "output is not a literal"
    try:
        render_literal(tr.return_value)
    except (ValueError, RecursionError):
        return "output cannot be written as a literal"
    return ""


@functools.lru_cache(maxsize=256)
def trace_program(source: str, call: str, entry: str = "") -> TracedProgram:
    """Trace a caller-supplied program (for tasks from your own code); ``ValueError`` if it is unusable."""
    import ast as _ast

    from execgym.engine.request import RunRequest
    from execgym.synth.decide import SynthesisError, run_decided

    if not entry:
        node = astparse.parse(call, mode="eval").body
        if not (isinstance(node, _ast.Call) and isinstance(node.func, _ast.Name)):
            raise ValueError("call must be `name(literal arguments)`")
        entry = node.func.id
    try:  # a timeout or sandbox error is retried once with a longer timeout before it counts
        tr = run_decided([RunRequest(source=source, call=call, mode="trace")], retry_timeouts=(8.0,),
                         what="program trace")[0]
    except SynthesisError as exc:
        raise ValueError(f"program unusable for a task: {exc}") from None
    why = _usable(tr)
    if why:
        raise ValueError(f"program unusable for a task: {why}")
    return TracedProgram(source=source, entry=entry, call=call, expected=tr.return_value,
                         steps=tuple(tr.steps), program=None, attempt=0)


_attempts: OrderedDict[tuple, TracedProgram | str] = OrderedDict()
_attempts_lock = threading.Lock()


def _remember(key: tuple, value: TracedProgram | str) -> None:
    with _attempts_lock:
        _attempts[key] = value
        _attempts.move_to_end(key)
        while len(_attempts) > CACHE_SIZE:
            _attempts.popitem(last=False)


def _from_trace(program: Any, tr: Any, attempt: int) -> TracedProgram | str:
    why = _usable(tr)
    if why:
        return why
    return TracedProgram(
        source=program.source,
        entry=program.entry,
        call=program.call,
        expected=tr.return_value,
        steps=tuple(tr.steps),
        program=program,
        attempt=attempt,
    )


@dataclass(frozen=True)
class _FilterTrace:
    """The synthesizer's own sandbox trace of a program (``Program.trace_steps``): it ran ``ok`` and was not
    truncated, and its steps are exactly what ``execgym.trace(source, call)`` records."""

    return_value: Any
    steps: tuple
    outcome: str = "ok"
    truncated: bool = False
    error: Any = None


def _trace_requests(programs: list[Any]) -> list[Any]:
    from execgym.engine.request import RunRequest

    return [RunRequest(source=p.source, call=p.call, mode="trace") for p in programs]


def _traced(programs: list[Any], workers: int | None = None) -> list[Any]:
    """One trace per program: the synthesizer's (no sandbox call) when it came with one, else a fresh
    ``execgym.trace`` whose timeouts / sandbox errors are retried, never skipped (``synth.decide``)."""
    from execgym.synth.decide import run_decided

    out: list[Any] = [None] * len(programs)
    todo = []
    for i, program in enumerate(programs):
        steps = getattr(program, "trace_steps", None)
        if steps is not None:
            out[i] = _FilterTrace(program.expected, steps)
        else:
            todo.append(i)
    if todo:
        traces = run_decided(_trace_requests([programs[i] for i in todo]), workers=workers, what="task trace")
        for i, tr in zip(todo, traces):
            out[i] = tr
    return out


def traced_attempt(env: str, level: int, seed: int, attempt: int, source: str = "synth") -> TracedProgram | str:
    """Attempt ``attempt`` for (env, level, seed): a usable TracedProgram, or the reason it is not usable
    (cached, LRU ``CACHE_SIZE``). The reason never depends on machine load: a timeout or sandbox error of the
    trace is retried and then raised (``SynthesisError``), never turned into "skip this attempt"."""
    key = (env, int(level), int(seed), int(attempt), *_source_key(source))
    with _attempts_lock:
        if key in _attempts:
            _attempts.move_to_end(key)
            return _attempts[key]
    from execgym import synth

    if source == "synth":
        program = synth.generate(level, program_seed(env, level, seed, attempt))
    else:
        program = program_source(source).program(level, program_seed(env, level, seed, attempt))
    value = _from_trace(program, _traced([program])[0], attempt)
    _remember(key, value)
    return value


def prefetch_attempts(env: str, level: int, seeds: list[int], workers: int | None = None,
                      source: str = "synth") -> None:
    """Warm the attempt-0 cache for many seeds at once: ``synth.generate_many`` (sandbox batches) and the
    synthesizer's own traces (a ``run_batch`` of traces only for programs that came without one). Results are
    identical to ``traced_attempt`` one by one."""
    from execgym import synth

    check_level(level, source)
    tail = _source_key(source)
    todo = [s for s in dict.fromkeys(int(s) for s in seeds)
            if (env, int(level), s, 0, *tail) not in _attempts]
    if not todo:
        return
    if source == "synth":
        programs = synth.generate_many(level, [program_seed(env, level, s, 0) for s in todo])
    else:
        programs = program_source(source).programs(level, [program_seed(env, level, s, 0) for s in todo])
    if len(programs) != len(todo):
        return  # let traced_attempt handle them one by one
    for s, program, tr in zip(todo, programs, _traced(programs, workers)):
        _remember((env, int(level), s, 0, *tail), _from_trace(program, tr, 0))


def clear_attempts() -> None:
    with _attempts_lock:
        _attempts.clear()


def traced_program(env: str, level: int, seed: int, accept: Callable[[TracedProgram], Any] | None = None, *,
                   source: str = "synth") -> Any:
    """The first usable attempt for (env, level, seed); with ``accept``, the first attempt for which
    ``accept(tp)`` is truthy, returning ``(tp, accept(tp))``. ``RuntimeError`` when all attempts fail.
    ``source`` names the program source (``execgym.synth.sources``; default execgym's generator)."""
    check_level(level, source)
    problems = []
    for attempt in range(MAX_ATTEMPTS):
        tp = traced_attempt(env, level, seed, attempt, source)
        if isinstance(tp, str):
            problems.append(f"attempt {attempt}: {tp}")
            continue
        if accept is None:
            return tp
        result = accept(tp)
        if result:
            return tp, result
        problems.append(f"attempt {attempt}: no questions")
    raise RuntimeError(f"no usable program for ({env}, level {level}, seed {seed}): {'; '.join(problems)}")
