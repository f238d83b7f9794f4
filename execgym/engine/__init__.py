"""The execution engine: a process sandbox for untrusted Python, a value codec and a step tracer.

Public names are imported lazily (``import execgym.engine`` starts nothing):
``run``, ``trace``, ``run_batch``, ``arun``, ``atrace``, ``arun_batch``, ``RunRequest``,
``Sandbox``, and the result types ``RunResult``, ``ExecutionTrace``, ``Step``, ``ErrorInfo``,
``Outcome``. See docs/architecture.md §1 and docs/sandbox.md.
"""

from __future__ import annotations

from execgym.lazy import lazy_exports

_LAZY: dict[str, str] = {
    "run": "execgym.engine.api",
    "trace": "execgym.engine.api",
    "run_batch": "execgym.engine.api",
    "arun": "execgym.engine.api",
    "atrace": "execgym.engine.api",
    "arun_batch": "execgym.engine.api",
    "RunRequest": "execgym.engine.request",
    "Sandbox": "execgym.engine.pool",
    "RunResult": "execgym.engine.results",
    "ExecutionTrace": "execgym.engine.results",
    "Step": "execgym.engine.results",
    "ErrorInfo": "execgym.engine.results",
    "Outcome": "execgym.engine.results",
}

__all__ = list(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
