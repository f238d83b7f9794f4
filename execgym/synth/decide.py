"""Load-independent sandbox execution for generation: a wall-clock failure never decides anything.

Contract: ``run_decided(requests, retry_timeouts=..., workers=None)`` is ``execgym.run_batch(requests)``
except that a result whose outcome is transient -- ``timeout`` or ``sandbox_error``, which depend on how busy
the machine is -- is re-run with each longer timeout of ``retry_timeouts`` in turn. If a request is still
transient after the last retry, ``SandboxUndecided`` (a ``SynthesisError``) is raised: the caller must not silently fall back to another
candidate, because that would make a task's identity (env, level, seed) depend on machine load. Everything
that decides acceptance (exceptions, step and snapshot budgets, value caps) is deterministic and is returned
as is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

TRANSIENT = frozenset({"timeout", "sandbox_error"})
RETRY_TIMEOUTS: tuple[float, ...] = (8.0, 30.0)


class SynthesisError(RuntimeError):
    """No program could be generated for a (level, seed), or the sandbox could not decide a candidate."""


class SandboxUndecided(SynthesisError):
    """The sandbox kept timing out or failing on a run (machine overload or a broken sandbox). Unlike other
    ``SynthesisError``s this says nothing about the seed: callers must not replace the seed by another one."""


def outcome_of(result: Any) -> str:
    outcome = getattr(result, "outcome", None)
    return str(getattr(outcome, "value", outcome))


def is_transient(result: Any) -> bool:
    return outcome_of(result) in TRANSIENT


def run_decided(requests: Sequence[Any], *, retry_timeouts: Sequence[float] = RETRY_TIMEOUTS,
                workers: int | None = None, what: str = "candidate") -> list[Any]:
    """``run_batch(requests)`` with transient outcomes retried under longer timeouts (see module docstring)."""
    from execgym.engine.api import run_batch

    requests = list(requests)
    results = list(run_batch(requests, workers=workers)) if requests else []
    for timeout in retry_timeouts:
        todo = [i for i, r in enumerate(results) if is_transient(r)]
        if not todo:
            return results
        retried = run_batch([dataclasses.replace(requests[i], timeout=max(timeout, requests[i].timeout))
                             for i in todo], workers=workers)
        for i, result in zip(todo, retried):
            results[i] = result
    undecided = [r for r in results if is_transient(r)]
    if undecided:
        first = undecided[0]
        error = getattr(first, "error", None)
        detail = f" ({error.type}: {error.message})" if error is not None else ""
        raise SandboxUndecided(
            f"the sandbox could not decide a {what}: {outcome_of(first)}{detail} after retries with timeouts "
            f"{list(retry_timeouts)} s; refusing to pick another candidate (results must not depend on load)")
    return results
