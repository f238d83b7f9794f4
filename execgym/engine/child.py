"""What runs inside the sandboxed child: compile, execute, optionally trace, encode the result.

The process layer (fork server) forks a child, sets up isolation and file descriptors, then calls
:func:`execute` with a JSON-able *request* dict and ships the returned JSON-able *result frame*
back to the caller, who builds the result with :func:`execgym.engine.results.result_from_frame`.
``execute`` never raises (it catches ``BaseException``) and flushes ``sys.stdout``/``sys.stderr``
before returning; stdout/stderr themselves are captured by the process layer at the fd level.

Request keys (all optional except ``source`` and ``call``):

``source`` (str)
    Module source; executed untraced as module ``__main__`` (compiled under ``filename``).
``call`` (str)
    A Python expression, e.g. ``"f('abc', 3)"``, evaluated in the module's namespace (compiled
    under the filename ``"<call>"``). Its value is the return value.
``mode`` ("run" | "trace", default "run")
    "trace" records the steps of the call (see :mod:`execgym.engine.tracer`).
``policy`` ("trusted" | "restricted", default "trusted")
    "restricted" compiles ``source`` and ``call`` with RestrictedPython under execgym's guard set
    (:mod:`execgym.engine.policy`); any violation makes the outcome ``policy_violation``.
``filename`` (str, default ``"<source>"``)
    The filename ``source`` is compiled under; only code with this filename is traced.
``max_steps`` (int, default 10_000)
    Trace bound on recorded steps; past it the outcome is ``output_limit`` (truncated trace).
``max_snapshot_bytes`` (int, default 2_000_000)
    Trace bound on the approximate encoded size of all recorded variable changes and values.
``caps`` (dict)
    :class:`execgym.engine.codec.Caps` fields for the return value (default ``DEFAULT_CAPS``).
``snapshot_caps`` (dict)
    Caps for each variable in a trace snapshot (default ``SNAPSHOT_CAPS``).
``backend`` ("auto" | "settrace" | "monitoring", default "auto")
    Tracer backend; "auto" is ``sys.monitoring`` on Python >= 3.12, ``sys.settrace`` before.

Result frame keys:

``outcome``: "ok" | "exception" | "memory_limit" | "output_limit" | "policy_violation" |
"sandbox_error"; ``return``: the encoded return value (``None`` unless ok); ``error``:
``{"type", "message", "line"}`` or ``None``; ``trace`` (mode "trace" only):
``{"backend", "python", "functions": [name, ...], "truncated": bool, "steps": [...]}`` where each
step is ``[event, function_index, frame, line, count, delta]`` plus ``value`` for return and
exception steps; ``event`` indexes ("call", "line", "return", "exception"); ``delta`` is ``0`` or
``[{name: encoded value, ...changed or new}, [removed names]]`` relative to the frame's previous
step, where an entry may also be ``{"$append": [atoms]}`` (a list that only grew) or
``{"$strappend": text}`` (a str that only grew); ``results.result_from_frame`` applies them.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from execgym.engine.codec import DEFAULT_CAPS, SNAPSHOT_CAPS, Caps, encode, safe_type_name

__all__ = ["error_info", "execute", "safe_exception_message"]

DEFAULT_FILENAME = "<source>"
CALL_FILENAME = "<call>"
_MAX_MESSAGE = 2_000

_BaseException = BaseException
_exc_args_get = BaseException.__dict__["args"].__get__
_exc_tb_get = BaseException.__dict__["__traceback__"].__get__
_type_mro_get = type.__dict__["__mro__"].__get__
_type_dict_get = type.__dict__["__dict__"].__get__
_SIMPLE_ARG_TYPES = (str, int, float, bool, type(None), bytes, complex)


def safe_exception_message(exc: BaseException) -> str:
    """``str(exc)`` when that runs only builtin code on builtin arguments, else a placeholder.

    A program-defined ``__str__``/``__repr__`` (on the exception class or on an argument) is never
    called.
    """
    try:
        if issubclass(type(exc), SyntaxError):
            msg = SyntaxError.__dict__["msg"].__get__(exc)
            if type(msg) is str:
                return msg[:_MAX_MESSAGE]
        str_impl = None
        for klass in _type_mro_get(type(exc)):
            d = _type_dict_get(klass)
            if "__str__" in d:
                str_impl = d["__str__"]
                break
        if isinstance(str_impl, (types.FunctionType, types.MethodType)) or str_impl is None:
            return f"<{safe_type_name(exc)} with a custom __str__>"
        args = _exc_args_get(exc)
        if type(args) is not tuple:
            return f"<{safe_type_name(exc)}>"
        for a in args:
            ta = type(a)
            if ta not in _SIMPLE_ARG_TYPES:
                return f"<{safe_type_name(exc)} with a {safe_type_name(a)} argument>"
            if ta is int and a.bit_length() > 10_000:
                return f"<{safe_type_name(exc)} with a huge int argument>"
            if ta in (str, bytes) and len(a) > 100_000:
                a_short = a[:_MAX_MESSAGE]
                return (str(a_short) if ta is str else repr(a_short)) + "...<truncated>"
        msg = BaseException.__str__(exc) if str_impl is BaseException.__dict__["__str__"] else str(exc)
        return msg if len(msg) <= _MAX_MESSAGE else msg[:_MAX_MESSAGE] + "...<truncated>"
    except _BaseException:
        return f"<{safe_type_name(exc)}>"


def _error_line(exc: BaseException, filename: str) -> int | None:
    """The deepest traceback line that lies in ``filename`` (or a SyntaxError's line there)."""
    line = None
    try:
        if issubclass(type(exc), SyntaxError):
            fn = SyntaxError.__dict__["filename"].__get__(exc)
            ln = SyntaxError.__dict__["lineno"].__get__(exc)
            if fn == filename and type(ln) is int:
                line = ln
        tb = _exc_tb_get(exc)
        hops = 0
        while tb is not None and hops < 10_000:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
            hops += 1
    except _BaseException:
        pass
    return line


def error_info(exc: BaseException, filename: str) -> dict[str, Any]:
    """The ``error`` entry of a frame for an exception raised by the program."""
    return {
        "type": safe_type_name(exc),
        "message": safe_exception_message(exc),
        "line": _error_line(exc, filename),
    }


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except _BaseException:
            pass


def _fail(outcome: str, etype: str, message: str, line: int | None = None) -> dict[str, Any]:
    return {"outcome": outcome, "return": None, "error": {"type": etype, "message": message, "line": line}}


def execute(request: dict) -> dict:
    """Run one request (see the module docstring) and return its result frame. Never raises."""
    try:
        return _execute(request)
    except _BaseException as exc:  # pragma: no cover - defensive: a bug in execgym itself
        return _fail("sandbox_error", "SandboxError", f"child failed: {safe_type_name(exc)}")
    finally:
        _flush()


def _int_opt(request: dict, key: str, default: int) -> int:
    v = request.get(key, default)
    return v if type(v) is int and v > 0 else default


def _execute(request: dict) -> dict:
    saved_main = sys.modules.get("__main__")
    try:
        return _execute_request(request)
    finally:  # matters only when called in-process (tests); a forked child exits right after
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def _execute_request(request: dict) -> dict:
    if type(request) is not dict:
        return _fail("sandbox_error", "SandboxError", "request is not a dict")
    source = request.get("source")
    call = request.get("call")
    if type(source) is not str or type(call) is not str:
        return _fail("sandbox_error", "SandboxError", "request needs str 'source' and 'call'")
    mode = request.get("mode", "run")
    policy_name = request.get("policy", "trusted")
    filename = request.get("filename") or DEFAULT_FILENAME
    if type(filename) is not str or filename == CALL_FILENAME:
        filename = DEFAULT_FILENAME
    if mode not in ("run", "trace") or policy_name not in ("trusted", "restricted"):
        return _fail("sandbox_error", "SandboxError", f"bad mode/policy {mode!r}/{policy_name!r}")
    caps = Caps.from_dict(request.get("caps"), DEFAULT_CAPS)
    snap_caps = Caps.from_dict(request.get("snapshot_caps"), SNAPSHOT_CAPS)

    # -- compile ---------------------------------------------------------------------------
    guard = None
    if policy_name == "restricted":
        from execgym.engine import policy

        guard = policy.RestrictedPolicy()
        compiled = guard.compile_module(source, filename)
        if compiled.error is not None:
            return compiled.error
        module_code = compiled.code
        compiled_call = guard.compile_call(call, CALL_FILENAME)
        if compiled_call.error is not None:
            return compiled_call.error
        call_code = compiled_call.code
    else:
        try:
            module_code = compile(source, filename, "exec", dont_inherit=True)
        except _BaseException as exc:
            return {"outcome": "exception", "return": None, "error": error_info(exc, filename)}
        try:
            call_code = compile(call, CALL_FILENAME, "eval", dont_inherit=True)
        except _BaseException as exc:
            err = error_info(exc, CALL_FILENAME)
            err["line"] = None  # the error is in the call text, not in `source`
            return {"outcome": "exception", "return": None, "error": err}

    # -- module namespace ------------------------------------------------------------------
    module = types.ModuleType("__main__")
    namespace = module.__dict__
    if guard is not None:
        namespace.update(guard.globals())
    else:
        import builtins

        namespace["__builtins__"] = builtins
    sys.modules["__main__"] = module

    def outcome_for(exc: BaseException) -> dict[str, Any]:
        if guard is not None and guard.violations:
            line = _error_line(exc, filename) if safe_type_name(exc) == "PolicyViolation" else None
            return _fail("policy_violation", "PolicyViolation", guard.violations[0], line)
        err = error_info(exc, filename)
        if issubclass(type(exc), MemoryError):
            return {"outcome": "memory_limit", "return": None, "error": err}
        return {"outcome": "exception", "return": None, "error": err}

    try:
        exec(module_code, namespace)  # noqa: S102 - running the program is the point
    except _BaseException as exc:
        return outcome_for(exc)
    if guard is not None and guard.violations:
        return _fail("policy_violation", "PolicyViolation", guard.violations[0])

    # -- the call ----------------------------------------------------------------------------
    if mode == "run":
        try:
            value = eval(call_code, namespace)
        except _BaseException as exc:
            return outcome_for(exc)
        if guard is not None and guard.violations:
            return _fail("policy_violation", "PolicyViolation", guard.violations[0])
        return {"outcome": "ok", "return": encode(value, caps), "error": None}

    from execgym.engine.tracer import make_tracer

    tracer = make_tracer(
        filename,
        source=source,
        backend=request.get("backend", "auto"),
        max_steps=_int_opt(request, "max_steps", 10_000),
        max_snapshot_bytes=_int_opt(request, "max_snapshot_bytes", 2_000_000),
        snapshot_caps=snap_caps,
        hide=guard.hidden_name if guard is not None else None,
    )
    frame: dict[str, Any]
    try:
        value = tracer.run(eval, call_code, namespace)
    except _BaseException as exc:
        if tracer.limit_hit and not (guard is not None and guard.violations):
            frame = _fail("output_limit", "TraceLimit", tracer.limit_reason)
        else:
            frame = outcome_for(exc)
    else:
        if guard is not None and guard.violations:
            frame = _fail("policy_violation", "PolicyViolation", guard.violations[0])
        elif tracer.limit_hit:
            frame = _fail("output_limit", "TraceLimit", tracer.limit_reason)
        else:
            frame = {"outcome": "ok", "return": encode(value, caps), "error": None}
    if tracer.failure and frame["outcome"] not in ("output_limit", "policy_violation"):
        frame = _fail("sandbox_error", "TracerError", tracer.failure)
    frame["trace"] = tracer.export()
    return frame
