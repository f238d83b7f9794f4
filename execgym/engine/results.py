"""Result types of the execution engine (docs/architecture.md §1) and their construction.

The sandboxed child returns a JSON-able *result frame* (see :mod:`execgym.engine.child`); the
caller turns it into a :class:`RunResult` or :class:`ExecutionTrace` with
:func:`result_from_frame`, or builds a failure without a frame (timeout, crash, ...) with
:func:`failure_result`. Both never raise: a malformed frame gives ``sandbox_error``.

``to_dict`` output is JSON-able (values in their :mod:`execgym.engine.codec` encoding);
``from_dict`` inverts it and tolerates missing keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from execgym.engine.codec import Opaque, decode, encode

__all__ = [
    "STEP_EVENTS",
    "ErrorInfo",
    "ExecutionTrace",
    "Outcome",
    "RunResult",
    "Step",
    "failure_result",
    "result_from_frame",
]

STEP_EVENTS = ("call", "line", "return", "exception")
_MAX_TEXT = 10_000


class Outcome(str, enum.Enum):
    """How an execution ended."""

    OK = "ok"
    EXCEPTION = "exception"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    POLICY_VIOLATION = "policy_violation"
    SANDBOX_ERROR = "sandbox_error"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: Any, default: Outcome | None = None) -> Outcome:
        """``Outcome(value)`` for a known value, else ``default`` (sandbox_error if not given)."""
        try:
            return cls(value)
        except (ValueError, TypeError):
            return default if default is not None else cls.SANDBOX_ERROR


def _text(v: Any, limit: int = _MAX_TEXT) -> str:
    if type(v) is not str:
        return ""
    return v if len(v) <= limit else v[:limit] + "...<truncated>"


def _opt_int(v: Any) -> int | None:
    return v if type(v) is int else None


@dataclass(frozen=True)
class ErrorInfo:
    """Why an execution did not end ``ok``."""

    type: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict:
        return {"type": self.type, "message": self.message, "line": self.line}

    @classmethod
    def from_dict(cls, d: Any) -> ErrorInfo | None:
        if type(d) is not dict:
            return None
        return cls(_text(d.get("type"), 200) or "Error", _text(d.get("message")), _opt_int(d.get("line")))


@dataclass(frozen=True)
class RunResult:
    """Result of :func:`execgym.run`."""

    outcome: Outcome
    return_value: Any
    return_encoded: Any
    stdout: str
    error: ErrorInfo | None
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "return_encoded": self.return_encoded,
            "stdout": self.stdout,
            "error": self.error.to_dict() if self.error else None,
            "duration_s": self.duration_s,
        }

    @classmethod
    def from_dict(cls, d: Any) -> RunResult:
        if type(d) is not dict:
            return cls(Outcome.SANDBOX_ERROR, None, None, "", ErrorInfo("SandboxError", "not a result dict"), 0.0)
        outcome = Outcome.parse(d.get("outcome"))
        enc = d.get("return_encoded") if outcome == Outcome.OK else None
        dur = d.get("duration_s")
        return cls(
            outcome,
            decode(enc) if outcome == Outcome.OK else None,
            enc,
            _text(d.get("stdout"), 10**8),
            ErrorInfo.from_dict(d.get("error")),
            float(dur) if type(dur) in (int, float) else 0.0,
        )


@dataclass(frozen=True)
class Step:
    """One traced event (see docs/architecture.md §1 and docs/tracing.md)."""

    event: str
    function: str
    frame: int
    line: int
    count: int
    locals: dict[str, Any]
    value: Any = None

    def to_dict(self) -> dict:
        return {
            "event": self.event,
            "function": self.function,
            "frame": self.frame,
            "line": self.line,
            "count": self.count,
            "locals": {k: encode(v) for k, v in self.locals.items()},
            "value": encode(self.value),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Step:
        if type(d) is not dict:
            d = {}
        loc = d.get("locals")
        locs = {k: decode(v) for k, v in loc.items() if type(k) is str} if type(loc) is dict else {}
        event = d.get("event")
        return cls(
            event if event in STEP_EVENTS else "line",
            _text(d.get("function"), 200),
            _opt_int(d.get("frame")) or 0,
            _opt_int(d.get("line")) or 0,
            _opt_int(d.get("count")) or 0,
            locs,
            decode(d.get("value")),
        )


@dataclass(frozen=True)
class ExecutionTrace:
    """Result of :func:`execgym.trace`."""

    outcome: Outcome
    return_value: Any
    stdout: str
    steps: tuple[Step, ...]
    error: ErrorInfo | None
    truncated: bool
    backend: str
    python: str
    return_encoded: Any = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK

    def line_steps(self) -> list[Step]:
        """Only the ``line`` events."""
        return [s for s in self.steps if s.event == "line"]

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "return_encoded": self.return_encoded,
            "stdout": self.stdout,
            "steps": [s.to_dict() for s in self.steps],
            "error": self.error.to_dict() if self.error else None,
            "truncated": self.truncated,
            "backend": self.backend,
            "python": self.python,
            "duration_s": self.duration_s,
        }

    @classmethod
    def from_dict(cls, d: Any) -> ExecutionTrace:
        if type(d) is not dict:
            return failure_result("trace", Outcome.SANDBOX_ERROR, "SandboxError", "not a trace dict")
        outcome = Outcome.parse(d.get("outcome"))
        enc = d.get("return_encoded") if outcome == Outcome.OK else None
        steps = d.get("steps")
        dur = d.get("duration_s")
        return cls(
            outcome,
            decode(enc) if outcome == Outcome.OK else None,
            _text(d.get("stdout"), 10**8),
            tuple(Step.from_dict(s) for s in steps) if type(steps) is list else (),
            ErrorInfo.from_dict(d.get("error")),
            bool(d.get("truncated")),
            _text(d.get("backend"), 40),
            _text(d.get("python"), 40),
            enc,
            float(dur) if type(dur) in (int, float) else 0.0,
        )


# ----------------------------------------------------------------------------- construction


def failure_result(
    mode: str,
    outcome: Outcome | str,
    error_type: str,
    message: str,
    *,
    stdout: str = "",
    duration_s: float = 0.0,
    line: int | None = None,
) -> RunResult | ExecutionTrace:
    """A result for an execution that produced no usable frame (timeout, crash, limits, ...)."""
    oc = Outcome.parse(outcome)
    err = ErrorInfo(error_type, message, line)
    if mode == "trace":
        return ExecutionTrace(oc, None, stdout, (), err, oc == Outcome.OUTPUT_LIMIT, "", "", None, duration_s)
    return RunResult(oc, None, None, stdout, err, duration_s)


def _apply_delta(previous: Any, enc: Any) -> Any:
    """A variable's new value from its delta entry: an encoding, ``{"$append": [atoms]}`` (a list
    that grew) or ``{"$strappend": text}`` (a str that grew)."""
    if type(enc) is dict and len(enc) == 1:
        if "$append" in enc:
            tail = enc["$append"]
            if type(previous) is not list or type(tail) is not list:
                return Opaque("list", "malformed trace delta")
            return previous + [decode(x) for x in tail]
        if "$strappend" in enc:
            tail = enc["$strappend"]
            if type(previous) is not str or type(tail) is not str:
                return Opaque("str", "malformed trace delta")
            return previous + tail
    return decode(enc)


def _rebuild_steps(trace: dict) -> tuple[tuple[Step, ...], str | None]:
    """Turn the child's compact delta steps into :class:`Step` objects with full locals."""
    functions = trace.get("functions")
    if type(functions) is not list:
        functions = []
    raw = trace.get("steps")
    if type(raw) is not list:
        return (), "malformed trace steps"
    frames: dict[int, dict[str, Any]] = {}
    steps: list[Step] = []
    for item in raw:
        if type(item) is not list or len(item) < 6:
            return tuple(steps), "malformed trace step"
        ev, fn, frame, line, count, delta = item[:6]
        if type(ev) is not int or not 0 <= ev < len(STEP_EVENTS):
            return tuple(steps), "malformed trace step"
        if type(fn) is not int or not 0 <= fn < len(functions) or type(functions[fn]) is not str:
            return tuple(steps), "malformed trace step"
        if type(frame) is not int or type(line) is not int or type(count) is not int:
            return tuple(steps), "malformed trace step"
        cur = frames.get(frame)
        if cur is None:
            cur = frames[frame] = {}
        if delta:
            if type(delta) is not list or len(delta) != 2 or type(delta[0]) is not dict or type(delta[1]) is not list:
                return tuple(steps), "malformed trace delta"
            cur = dict(cur)
            for name in delta[1]:
                if type(name) is str:
                    cur.pop(name, None)
            for name, enc in delta[0].items():
                cur[name] = _apply_delta(cur.get(name), enc)
            frames[frame] = cur
        value = decode(item[6]) if len(item) > 6 else None
        steps.append(Step(STEP_EVENTS[ev], functions[fn], frame, line, count, cur, value))
    return tuple(steps), None


def result_from_frame(
    mode: str,
    frame: Any,
    *,
    stdout: str = "",
    duration_s: float = 0.0,
    stdout_truncated: bool = False,
) -> RunResult | ExecutionTrace:
    """Build the result for ``mode`` ("run" | "trace") from the child's result frame. Never raises.

    ``stdout_truncated``: the caller cut stdout at its cap; the outcome becomes ``output_limit``
    (unless the run already failed otherwise).
    """
    try:
        return _from_frame(mode, frame, stdout, duration_s, stdout_truncated)
    except Exception as exc:  # noqa: BLE001 - a hostile frame must never raise in the caller
        return failure_result(
            mode, Outcome.SANDBOX_ERROR, "SandboxError", f"malformed result frame ({type(exc).__name__})",
            stdout=stdout, duration_s=duration_s,
        )


def _from_frame(mode: str, frame: Any, stdout: str, duration_s: float, stdout_truncated: bool):
    if type(frame) is not dict:
        return failure_result(mode, Outcome.SANDBOX_ERROR, "SandboxError", "malformed result frame",
                              stdout=stdout, duration_s=duration_s)
    outcome = Outcome.parse(frame.get("outcome"))
    if outcome in (Outcome.TIMEOUT,):  # the child cannot judge its own wall clock
        outcome = Outcome.SANDBOX_ERROR
    error = ErrorInfo.from_dict(frame.get("error"))
    if outcome != Outcome.OK and error is None:
        error = ErrorInfo("SandboxError" if outcome == Outcome.SANDBOX_ERROR else outcome.value, "")
    enc = frame.get("return") if outcome == Outcome.OK else None
    if stdout_truncated and outcome == Outcome.OK:
        outcome = Outcome.OUTPUT_LIMIT
        error = ErrorInfo("OutputLimit", "stdout exceeded its cap")
        enc = None
    value = decode(enc) if outcome == Outcome.OK else None
    if mode != "trace":
        return RunResult(outcome, value, enc, stdout, error if outcome != Outcome.OK else None, duration_s)
    trace = frame.get("trace")
    if type(trace) is not dict:
        trace = {}
    steps, problem = _rebuild_steps(trace)
    if problem is not None and outcome == Outcome.OK:
        outcome, value, enc = Outcome.SANDBOX_ERROR, None, None
        error = ErrorInfo("SandboxError", problem)
    truncated = bool(trace.get("truncated")) or outcome == Outcome.OUTPUT_LIMIT
    return ExecutionTrace(
        outcome, value, stdout, steps, error if outcome != Outcome.OK else None, truncated,
        _text(trace.get("backend"), 40), _text(trace.get("python"), 40), enc, duration_s,
    )

