"""Thread-safe ``ast.parse``.

CPython before 3.12.1 / 3.11.8 keeps the AST constructor's recursion counter in interpreter-wide state,
so two threads calling ``ast.parse`` at once can fail with ``SystemError: AST constructor recursion
depth mismatch`` (CPython gh-106905). execgym parses in background threads (batched synthesis, task
prefetch) while the caller parses answers, so every parse in execgym goes through this lock.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_PARSE_LOCK = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>", mode: str = "exec", **kwargs: Any) -> Any:
    """``ast.parse`` under a process-wide lock (same arguments, same exceptions)."""
    with _PARSE_LOCK:
        return ast.parse(source, filename, mode, **kwargs)


def literal_eval(text: str) -> Any:
    """``ast.literal_eval`` of source text, with the parse done under the same lock."""
    return ast.literal_eval(parse(text.lstrip(" \t"), mode="eval"))
