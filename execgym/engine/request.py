"""``RunRequest``: one execution to perform, and its validation and wire payload.

A request holds the module ``source``, the ``call`` expression evaluated after it, the ``mode``
(``"run"`` or ``"trace"``), the ``policy`` (``"trusted"`` or ``"restricted"``) and the limits.
Sandbox limits (enforced by the fork-server and kernel) are the named fields plus any of
``SANDBOX_LIMIT_KEYS`` in ``limits``; every other ``limits`` entry (e.g. ``max_snapshot_bytes``)
is forwarded to the in-child executor (``execgym.engine.child.execute``) unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_SOURCE_CHARS = 256 * 1024
MAX_CALL_CHARS = 64 * 1024
MAX_STDIN_CHARS = 1024 * 1024
MAX_TIMEOUT_S = 600.0

MAX_LIMITS = {"output_bytes": 64 << 20, "result_bytes": 64 << 20, "file_bytes": 1 << 30,
              "nofile": 4096, "stack_mb": 1024, "cpu_s": 3600, "recursion_limit": 1_000_000}

MODES = ("run", "trace")
POLICIES = ("trusted", "restricted")

# limits the process layer enforces (forwarded to the fork-server, see forkserver.DEFAULT_SANDBOX_LIMITS)
SANDBOX_LIMIT_KEYS = frozenset({
    "cpu_s", "output_bytes", "result_bytes", "file_bytes", "nofile", "stack_mb", "nproc",
    "recursion_limit",
})


@dataclass(frozen=True)
class RunRequest:
    """One execution: ``mode="run"`` gives a ``RunResult``, ``mode="trace"`` an ``ExecutionTrace``."""

    source: str
    call: str
    mode: str = "run"
    policy: str = "trusted"
    timeout: float = 2.0
    memory_mb: int = 512
    hash_seed: int = 0
    max_steps: int = 10_000
    stdin: str = ""
    limits: Mapping[str, Any] = field(default_factory=dict)

    def check_arguments(self) -> None:
        """Raise ``TypeError``/``ValueError`` for a caller's programming error (bad argument
        types or limits). Program text problems are never raised: see ``rejection``."""
        for name in ("source", "call", "stdin"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be str, not {type(getattr(self, name)).__name__}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, not {self.policy!r}")
        t = float(self.timeout)
        if not (math.isfinite(t) and 0 < t <= MAX_TIMEOUT_S):
            raise ValueError(f"timeout must be in (0, {MAX_TIMEOUT_S}] seconds, not {self.timeout!r}")
        if not (isinstance(self.memory_mb, int) and 32 <= self.memory_mb <= 1 << 20):
            raise ValueError(f"memory_mb must be an int >= 32, not {self.memory_mb!r}")
        if not isinstance(self.hash_seed, int) or not 0 <= self.hash_seed <= 4294967295:
            raise ValueError(f"hash_seed must be an int in [0, 2**32), not {self.hash_seed!r}")
        if not isinstance(self.max_steps, int) or self.max_steps < 0:
            raise ValueError(f"max_steps must be a non-negative int, not {self.max_steps!r}")
        if not isinstance(self.limits, Mapping):
            raise TypeError("limits must be a mapping")
        for key in SANDBOX_LIMIT_KEYS & set(self.limits):
            value = self.limits[key]
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"limit {key} must be a non-negative int, not {value!r}")
            top = MAX_LIMITS.get(key)
            if value is not None and top is not None and value > top:
                raise ValueError(f"limit {key} must be at most {top}, not {value!r}")

    def rejection(self) -> str | None:
        """Why the supervisor refuses to run this request (size caps), or ``None``."""
        if len(self.source) > MAX_SOURCE_CHARS:
            return f"source has {len(self.source)} characters; the cap is {MAX_SOURCE_CHARS}"
        if len(self.call) > MAX_CALL_CHARS:
            return f"call has {len(self.call)} characters; the cap is {MAX_CALL_CHARS}"
        if len(self.stdin) > MAX_STDIN_CHARS:
            return f"stdin has {len(self.stdin)} characters; the cap is {MAX_STDIN_CHARS}"
        return None

    def payload(self) -> dict:
        """The JSON-able message for the fork-server: ``{"sandbox": ..., "request": ...}``."""
        sandbox: dict[str, Any] = {"timeout": float(self.timeout), "memory_mb": self.memory_mb}
        child: dict[str, Any] = {
            "source": self.source,
            "call": self.call,
            "mode": self.mode,
            "policy": self.policy,
            "max_steps": self.max_steps,
        }
        for key, value in self.limits.items():
            if key in SANDBOX_LIMIT_KEYS:
                if value is not None:
                    sandbox[key] = value
            else:
                child[key] = value
        if self.stdin:
            sandbox["stdin"] = self.stdin
        return {"sandbox": sandbox, "request": child}

    def sandbox_limit(self, key: str, default: int) -> int:
        value = self.limits.get(key)
        return default if value is None else int(value)
