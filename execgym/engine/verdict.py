"""Turn a fork-server response (how the child ended + its raw frame + stdout) into a result.

Runs in the caller. Fail-closed: a missing, truncated or unparseable frame, a signal, an
exceeded limit, a run after which the worker could not restore its work directories
(``policy_violation``: the run is to blame, unlike ``sandbox_error``) all become a non-``ok``
outcome; only a well-formed frame from a child that exited normally within every limit can be
``ok``. The frame is parsed with ``json.loads`` only.
"""

from __future__ import annotations

import json
import signal
from typing import Any

from execgym.engine.request import RunRequest
from execgym.engine.results import ExecutionTrace, Outcome, RunResult, failure_result, result_from_frame

_MEMORY_HINTS = ("MemoryError", "Cannot allocate memory", "out of memory", "memory allocation")


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def verdict(req: RunRequest, header: dict, frame_bytes: bytes, stdout_bytes: bytes
            ) -> RunResult | ExecutionTrace:
    """The result of one execution. Never raises."""
    try:
        return _verdict(req, header, frame_bytes, stdout_bytes)
    except Exception as exc:  # defensive: nothing from the child may make the caller raise
        return failure_result(req.mode, Outcome.SANDBOX_ERROR, "SandboxError",
                              f"could not interpret the worker's response ({type(exc).__name__})")


def _verdict(req: RunRequest, header: dict, frame_bytes: bytes, stdout_bytes: bytes
             ) -> RunResult | ExecutionTrace:
    mode = req.mode
    stdout = stdout_bytes.decode("utf-8", "replace")
    duration = float(header.get("wall_s") or 0.0)
    out_cap = req.sandbox_limit("output_bytes", 65536)
    stdout_over = int(header.get("stdout_bytes") or 0) > out_cap
    sig = header.get("signal")
    cpu_cap = req.sandbox_limit("cpu_s", 0) or max(1, -(-float(req.timeout) // 1))

    def fail(outcome: Outcome, etype: str, message: str) -> RunResult | ExecutionTrace:
        return failure_result(mode, outcome, etype, message, stdout=stdout, duration_s=duration)

    if header.get("unusable"):  # the program's doing (the worker is replaced): a verdict on it
        return fail(Outcome.POLICY_VIOLATION, "SandboxUnusable",
                    f"the run left the sandbox unusable: {str(header['unusable'])[:300]}")
    if header.get("server_error"):
        return fail(Outcome.SANDBOX_ERROR, "SandboxError", f"fork-server error: {header['server_error']}")
    if stdout_over:
        return fail(Outcome.OUTPUT_LIMIT, "OutputLimit",
                    f"the program wrote more than {out_cap} bytes to stdout")
    if header.get("timed_out"):
        return fail(Outcome.TIMEOUT, "Timeout",
                    f"wall-clock limit of {float(req.timeout):g} s exceeded")
    if sig in (signal.SIGXCPU, signal.SIGKILL) and float(header.get("cpu_s") or 0) >= cpu_cap - 0.05:
        return fail(Outcome.TIMEOUT, "Timeout", f"CPU limit of {cpu_cap:g} s exceeded")
    if header.get("frame_truncated"):
        return fail(Outcome.OUTPUT_LIMIT, "ResultTooLarge", "the result frame exceeded its cap")
    frame: Any = None
    if frame_bytes:
        try:
            frame = json.loads(frame_bytes)
        except (ValueError, RecursionError):
            frame = None
    if sig is None and header.get("exit_code") == 0 and isinstance(frame, dict):
        return result_from_frame(mode, frame, stdout=stdout, duration_s=duration)
    # no usable frame: classify how the child ended
    mem_bytes = int(req.memory_mb) * 1024 * 1024
    stderr_tail = str(header.get("stderr_tail") or "")
    maxrss = int(header.get("maxrss_kb") or 0) * 1024
    if any(h in stderr_tail for h in _MEMORY_HINTS) or maxrss >= 0.9 * mem_bytes:
        return fail(Outcome.MEMORY_LIMIT, "MemoryError",
                    f"memory limit of {req.memory_mb} MB exceeded")
    if sig is not None:
        return fail(Outcome.EXCEPTION, "Crash",
                    f"the process was killed by {_signal_name(int(sig))}")
    code = header.get("exit_code")
    if frame_bytes and frame is None or code == 70:
        return fail(Outcome.SANDBOX_ERROR, "SandboxError",
                    "the result channel was unreadable (the program may have tampered with it)")
    return fail(Outcome.EXCEPTION, "SystemExit",
                f"the program ended the process (exit code {code}) before the call returned")
