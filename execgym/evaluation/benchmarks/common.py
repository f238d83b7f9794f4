"""Shared pieces of the benchmark adapters: file loading, answer extraction, sandbox calls, prompts.

Everything that executes anything goes through execgym's sandbox (``execgym.engine.api.run`` /
``trace``), never the caller's process. Literal-only ("strict") scoring parses answers with
``execgym.tasks.literals`` and compares in the caller with ``strict_equal``: nothing from the answer
is executed. Official-protocol scoring reproduces the benchmark's extraction and skip rules and
executes its ``assert <expected> == <answer>`` program inside the sandbox (policy ``trusted``: the
benchmark's harness runs answers unrestricted, and parity needs the same semantics).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from execgym import astparse

OFFICIAL_TIMEOUT_S = 3.0  # CRUXEval's and LiveCodeBench's check_correctness timeout


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a ``.jsonl``, ``.json`` (list, or dict with a list under data/rows/test) or ``.parquet`` file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"benchmark data file not found: {path}")
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise RuntimeError("reading .parquet needs pyarrow: pip install 'execgym[parquet]'") from exc
        return [dict(r) for r in pq.read_table(path).to_pylist()]
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [dict(r) for r in data]
        if isinstance(data, dict):
            for key in ("data", "rows", "test", "records"):
                if isinstance(data.get(key), list):
                    return [dict(r) for r in data[key]]
            if data and all(isinstance(v, dict) for v in data.values()):
                return [dict(v, id=v.get("id", k)) for k, v in data.items()]
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{lineno}: expected a JSON object per line")  # noqa: TRY004 - a data error
        rows.append(row)
    return rows


def require_fields(rows: list[dict], fields: tuple[str, ...], what: str) -> None:
    for i, row in enumerate(rows):
        missing = [f for f in fields if f not in row]
        if missing:
            raise ValueError(f"{what} record {i} lacks field(s) {missing}; is this the right file?")


def block_or_text(response: str) -> tuple[str, bool]:
    """The last ``<answer>`` block if present (True), else the whole response (False)."""
    from execgym.tasks.answers import answer_block

    block = answer_block(response)
    if block is None:
        return (response if isinstance(response, str) else ""), False
    return block, True


def first_answer_line(response: str) -> tuple[str | None, str]:
    """(first non-empty line of the last answer block, reason); None when there is no usable block."""
    from execgym.tasks.answers import answer_block, answer_lines

    block = answer_block(response)
    if block is None:
        return None, "no <answer> ... </answer> block"
    lines = answer_lines(block)
    if not lines:
        return None, "the answer block is empty"
    return lines[0], ""


def sandbox_passes(program: str, timeout: float = OFFICIAL_TIMEOUT_S) -> tuple[bool, str]:
    """Run ``program`` as a module in the sandbox; passes when it finishes without an exception."""
    from execgym.engine.api import run

    result = run(program, "None", timeout=timeout)
    outcome = getattr(result.outcome, "value", result.outcome)
    if outcome == "ok":
        return True, "the official check program ran without error"
    err = result.error
    detail = f"{err.type}: {err.message}"[:200] if err is not None else ""
    return False, f"official check failed: {outcome} {detail}".strip()


def sandbox_call(source: str, call: str, timeout: float = OFFICIAL_TIMEOUT_S) -> tuple[bool, Any, str]:
    """(ran ok, decoded return value, reason) of ``call`` after ``source``, in the sandbox."""
    from execgym.engine.api import run

    result = run(source, call, timeout=timeout)
    outcome = getattr(result.outcome, "value", result.outcome)
    if outcome == "ok":
        return True, result.return_value, "ran"
    err = result.error
    detail = f"{err.type}: {err.message}"[:200] if err is not None else ""
    return False, None, f"the program did not return a value: {outcome} {detail}".strip()


def literal_call(node: ast.AST, entry: str | None) -> tuple[str | None, str]:
    """Canonical text of a call whose arguments are all literals (see ``literal_call_text``)."""
    from execgym.tasks.literals import literal_call_text

    return literal_call_text(node, entry)


def parse_call_text(text: str) -> ast.AST | None:
    try:
        return astparse.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def numbered(code: str) -> str:
    from execgym.tasks.source import SourceInfo

    return SourceInfo.of(code).listing()


def result(correct: bool, reason: str, *, official: bool | None, outcome: str | None = None,
           details: dict | None = None) -> dict[str, Any]:
    """A benchmark session's ``info`` dict."""
    return {
        "correct": bool(correct),
        "outcome": outcome or ("correct" if correct else "wrong"),
        "reward_reason": reason or ("correct" if correct else "wrong"),
        "reward": 1.0 if correct else 0.0,
        "max_reward": 1.0,
        "official": official,
        "details": details or {},
    }
