"""Several traced calls of one of execgym's OWN programs in one sandboxed child (UnitTest-v0's expected outputs).

Contract (issue "synthesis v2", item 6: allowed for execgym's generated programs only, never for model-written or
user-supplied code; the caller says which, see ``execgym.tasks.unittest.trace_tests``):

- ``traced_calls(source, calls) -> list[TracedCall | None] | None``: for each call text, what one trace run of
  it (``RunRequest(source, call, mode="trace")``, trusted, the default limits) would say, from ONE plain run
  whose child traces every call with the sandbox's own tracer (``execgym.engine.tracer``, the same limits) in
  a fresh module namespace: ``TracedCall(ok, value, events)``, ``ok`` False where that run would not end ok and
  untruncated (the call raised, or the trace hit ``max_steps`` or its snapshot budget), ``events`` the trace's
  ``(event, frame, line)`` per step. ``None`` for a call this route cannot vouch for: a ``MemoryError`` or
  ``RecursionError`` (the batch's child is a few frames deeper and has run other calls before), a tracer
  failure, or a value the sandbox codec might not carry unchanged; the caller traces that call alone. ``None``
  for the whole list when ``source`` fails ``coverage.batchable`` (it could keep state between calls), or the
  run did not end ok (a timeout included): the caller then traces every call alone. So where this route
  answers it answers what the one-call route would, and wall-clock time only ever decides the route.
- ``tests/synth/test_synth_traced_calls.py`` checks the answers against one trace run per call on hundreds of
  generated programs (values, outcomes and every step's event, frame and line) and that a call's answer never
  depends on the calls before it.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from execgym.synth.patterns.coverage import BLOB_BYTES, batchable

RUNNER = "execgym_traced_calls"
RUNNER_FILENAME = "<execgym-traced-calls>"
MAX_CALLS = 256      # calls per child run at most (more are split over several runs)
MIN_SHARE = 8        # calls per child run at least, when the calls are shared out over the sandbox workers
TIMEOUT_S = 10.0     # one run's wall clock (a run that needs more falls back to one run per call)


class TracedCall(NamedTuple):
    """One call's answer: ``ok`` (ended ok, trace not truncated), its return value (None unless ok) and
    ``(event, frame, line)`` for every step of its trace (``event`` as ``ExecutionTrace`` steps name it)."""
    ok: bool
    value: Any
    events: tuple[tuple[str, int, int], ...]


RUNNER_SOURCE = f'''
def {RUNNER}(max_steps, max_bytes):
    import builtins
    import marshal
    import sys
    import types

    from execgym.engine.child import CALL_FILENAME, DEFAULT_FILENAME
    from execgym.engine.codec import SNAPSHOT_CAPS
    from execgym.engine.tracer import LineTable, TraceLimit, make_tracer
    from execgym.synth.light_runner import _flat  # (the fork server imported it, as it did the engine)

    table = LineTable(_SOURCE)
    code = compile(_SOURCE, DEFAULT_FILENAME, "exec", dont_inherit=True)
    out = []
    for call in _CALLS:
        # as the child runs one trace request: a fresh __main__ module, the program's top level, the traced call
        module = types.ModuleType("__main__")
        namespace = module.__dict__
        namespace["__builtins__"] = builtins
        sys.modules["__main__"] = module
        exec(code, namespace)
        call_code = compile(call, CALL_FILENAME, "eval", dont_inherit=True)
        tracer = make_tracer(DEFAULT_FILENAME, table=table, max_steps=max_steps, max_snapshot_bytes=max_bytes,
                             snapshot_caps=SNAPSHOT_CAPS)
        value = None
        try:
            value = tracer.run(eval, call_code, namespace)
            status = 1
        except (MemoryError, RecursionError):
            status = -1  # the machine or this child's depth may have decided it: the caller runs it alone
        except TraceLimit:
            status = 0
        except Exception:  # the program raised: that run would not end ok either
            status = 0
        if tracer.limit_hit:
            status = 0
        elif tracer.failure:
            status = -1
        if status == 1 and not _flat(value, 0, [20000]):
            status, value = -1, None
        flat = []
        if status == 1:
            for step in tracer.export()["steps"]:
                flat += (step[0], step[2], step[3])
        out.append((status, value if status == 1 else None, tuple(flat)))
    return marshal.dumps(out, 4)
'''


def traced_calls(source: str, calls: Sequence[str], *, max_steps: int = 10_000,
                 max_snapshot_bytes: int = 2_000_000, workers: int | None = None) -> list[TracedCall | None] | None:
    """The answers for ``calls`` (see the module contract); None when this route does not apply or failed."""
    from execgym.engine.api import run_batch

    calls = list(calls)
    if not calls or not batchable(source):
        return None
    # one share of the calls per sandbox worker (the tracer's snapshots are most of a call's cost), none over
    # MAX_CALLS or under MIN_SHARE; the answers do not depend on the split
    shares = max(1, min(workers or os.cpu_count() or 1, len(calls) // MIN_SHARE))
    shares = max(shares, -(-len(calls) // MAX_CALLS))
    cuts = [len(calls) * k // shares for k in range(shares + 1)]
    parts = [calls[a:b] for a, b in zip(cuts, cuts[1:])]
    requests = [_request(source, part, max_steps, max_snapshot_bytes) for part in parts]
    out: list[TracedCall | None] = []
    for part, result in zip(parts, run_batch(requests, workers=workers)):
        answers = _decode(result, len(part))
        if answers is None:
            return None
        out.extend(answers)
    return out


def _request(source: str, calls: list[str], max_steps: int, max_snapshot_bytes: int) -> Any:
    from execgym.engine.request import RunRequest

    text = f"{RUNNER_SOURCE}\n_SOURCE = {source!r}\n_CALLS = {calls!r}\n"
    return RunRequest(text, f"{RUNNER}({int(max_steps)}, {int(max_snapshot_bytes)})", mode="run",
                      timeout=TIMEOUT_S, limits={"caps": {"max_str": BLOB_BYTES}, "filename": RUNNER_FILENAME})


def _decode(result: Any, count: int) -> list[TracedCall | None] | None:
    from execgym.engine.results import STEP_EVENTS

    outcome = str(getattr(result.outcome, "value", result.outcome))
    blob = getattr(result, "return_value", None)
    if outcome != "ok" or type(blob) is not bytes:
        return None
    try:
        rows = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None
    if type(rows) is not list or len(rows) != count:
        return None
    out: list[TracedCall | None] = []
    try:
        for status, value, flat in rows:
            if status == -1:
                out.append(None)
                continue
            events = tuple((STEP_EVENTS[flat[k]], flat[k + 1], flat[k + 2]) for k in range(0, len(flat), 3))
            out.append(TracedCall(status == 1, value if status == 1 else None, events))
    except (TypeError, ValueError, IndexError):
        return None
    return out
