"""Shared helpers for the tracer / codec / restricted-policy tests.

``child.execute`` is run in-process here only for execgym's own hand-written trusted programs;
anything hostile goes through a subprocess or the sandbox (``execgym.run``/``execgym.trace``).
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EVENT_LETTER = {"call": "C", "line": "L", "return": "R", "exception": "E"}


def compact(trace: Any) -> str:
    """The compact step notation used in trace_programs.py."""
    out = []
    for s in trace.steps:
        tok = f"{EVENT_LETTER[s.event]}{s.line}"
        if s.event == "line":
            tok += f".{s.count}"
        if s.frame != 1:
            tok += f"@{s.frame}"
        out.append(tok)
    return " ".join(out)


def _execute(source: str, call: str, **request: Any):
    from execgym.engine.child import execute
    from execgym.engine.results import result_from_frame

    mode = request.pop("mode", "trace")
    frame = execute({"source": source, "call": call, "mode": mode, **request})
    # through JSON, exactly as the process layer ships it
    return result_from_frame(mode, json.loads(json.dumps(frame)), stdout="", duration_s=0.0)


@pytest.fixture
def trace_inproc() -> Callable[..., Any]:
    """``trace_inproc(source, call, **request) -> ExecutionTrace`` via child.execute in-process."""
    return lambda source, call, **req: _execute(source, call, mode="trace", **req)


@pytest.fixture
def run_inproc() -> Callable[..., Any]:
    return lambda source, call, **req: _execute(source, call, mode="run", **req)


@pytest.fixture(scope="session")
def trace_programs() -> dict[str, tuple[str, str, str]]:
    return runpy.run_path(str(HERE / "trace_programs.py"))["PROGRAMS"]


@pytest.fixture(scope="session")
def policy_programs() -> dict[str, Any]:
    return runpy.run_path(str(HERE / "policy_programs.py"))


@pytest.fixture
def compact_steps() -> Callable[[Any], str]:
    return compact
