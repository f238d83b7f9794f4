"""Parsing of model responses: the last ``<answer>`` block, its lines, and each answer kind.

Contract: every function here is total (never raises on any ``str``) and linear in the response length.
- ``answer_block(response)`` -> the text inside the LAST complete ``<answer> ... </answer>`` (tags matched
  case-insensitively), or ``None``.
- ``answer_lines(block)`` -> its non-empty lines, stripped, with code-fence lines (```...) removed.
- ``parse_next`` / ``parse_var`` / ``parse_assertion`` read one answer line each.
- ``code_block(block)`` -> the python source inside the last fenced block (or the whole block).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from typing import Any

from execgym import astparse
from execgym.tasks.literals import MAX_TEXT, Parsed, literal_from_node, parse_literal
from execgym.tasks.source import SourceInfo

MAX_RESPONSE = 2_000_000  # characters looked at; anything longer is cut (the answer is at the end)
MAX_ASSERT_TEXT = MAX_TEXT + 10_000

_OPEN_RE = re.compile(r"<\s*answer\s*>", re.IGNORECASE)
_CLOSE_RE = re.compile(r"<\s*/\s*answer\s*>", re.IGNORECASE)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def answer_block(response: Any) -> str | None:
    """The content of the last complete answer block, or None when there is none."""
    if not isinstance(response, str):
        return None
    if len(response) > MAX_RESPONSE:
        response = response[-MAX_RESPONSE:]
    close = None
    for close in _CLOSE_RE.finditer(response):
        pass
    if close is None:
        return None
    opening = None
    for opening in _OPEN_RE.finditer(response, 0, close.start()):
        pass
    if opening is None:
        return None
    return response[opening.end() : close.start()]


def answer_lines(block: str) -> list[str]:
    """Non-empty, stripped lines of an answer block, code fences dropped."""
    out = []
    for line in block.splitlines():
        if _FENCE_RE.match(line):
            continue
        line = line.strip()
        if line:
            out.append(line)
    return out


def code_block(block: str) -> str:
    """Python source from an answer block: the last fenced block if any, else the block itself."""
    lines = block.split("\n")
    fences = [i for i, ln in enumerate(lines) if _FENCE_RE.match(ln)]
    if len(fences) >= 2:
        start, end = fences[-2], fences[-1]
        return "\n".join(lines[start + 1 : end]).strip("\n") + "\n"
    if len(fences) == 1:  # an unterminated fence: take what follows it
        return "\n".join(lines[fences[0] + 1 :]).strip("\n") + "\n"
    return block.strip("\n") + "\n"


def _unquote(text: str) -> str:
    text = text.strip()
    for _ in range(2):
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "`":
            text = text[1:-1].strip()
    return text


# ------------------------------------------------------------------ next-line answers

_LINE_PREFIX_RE = re.compile(r"^(?:line\s*)?(-?\d+)\s*(?:[:|.)\t]\s*|\s+|$)(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class NextAnswer:
    """A parsed next-line answer: the candidate line numbers it denotes (``{-1}`` = program end/never)."""

    ok: bool
    lines: frozenset[int] = frozenset()
    shown: str = ""
    reason: str = ""


def parse_next(text: str, info: SourceInfo) -> NextAnswer:
    """Map a next-line answer (a number, ``-1``, or the line's text) to line numbers."""
    raw = _unquote(text)
    if not raw:
        return NextAnswer(False, reason="empty answer")
    if len(raw) > 2000:
        return NextAnswer(False, reason="answer too long for a line")
    m = _LINE_PREFIX_RE.match(raw)
    if m:
        number = int(m.group(1))
        rest = _unquote(m.group(2))
        if number == -1 and not rest:
            return NextAnswer(True, frozenset({-1}), "-1")
        if number >= 1 and number <= len(info.lines) and info.text(number):
            if not rest or rest.strip() == info.text(number):
                return NextAnswer(True, frozenset({number}), str(number))
            # "5 x = 1" where the text disagrees with line 5: maybe the text is itself a line's text
            matches = info.lines_with_text(raw)
            if matches:
                return NextAnswer(True, frozenset(matches), raw)
            return NextAnswer(False, reason=f"line {number} is not `{rest}`")
        if not rest:
            return NextAnswer(True, frozenset({number}), str(number))  # out of range: simply wrong
    matches = info.lines_with_text(raw)
    if matches:
        return NextAnswer(True, frozenset(matches), raw)
    return NextAnswer(False, reason="not a line number, -1, or the text of a line of the program")


# ------------------------------------------------------------------ value; type answers


@dataclass(frozen=True)
class VarAnswer:
    ok: bool
    nil: bool = False
    value: Any = None
    type_name: str = ""
    reason: str = ""


_TYPE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_TYPE_ALIASES = {"None": "NoneType", "none": "NoneType", "nonetype": "NoneType"}


def parse_var(text: str) -> VarAnswer:
    """Parse ``value; type`` (split on the LAST ``;``) or ``Nil``."""
    raw = _unquote(text)
    if raw.rstrip(".").strip().lower() == "nil":
        return VarAnswer(True, nil=True)
    if ";" not in raw:
        return VarAnswer(False, reason="expected `value; type` or Nil")
    value_text, _, type_text = raw.rpartition(";")
    type_text = _unquote(type_text).rstrip(".").strip()
    if type_text.startswith("<class '") and type_text.endswith("'>"):
        type_text = type_text[8:-2]
    type_text = _TYPE_ALIASES.get(type_text, type_text)
    if not _TYPE_RE.match(type_text):
        return VarAnswer(False, reason=f"bad type name {type_text[:40]!r}")
    parsed: Parsed = parse_literal(_unquote(value_text))
    if not parsed.ok:
        return VarAnswer(False, type_name=type_text, reason=f"value: {parsed.reason}")
    return VarAnswer(True, value=parsed.value, type_name=type_text)


# ------------------------------------------------------------------ assertions


@dataclass(frozen=True)
class Assertion:
    """``assert <call> == <rhs>`` split into the call node and the literal right-hand side."""

    ok: bool
    call: ast.Call | None = None
    rhs: Parsed | None = None
    reason: str = ""


def parse_assertion(text: str) -> Assertion:
    """Parse one line ``assert f(...) == <literal>``; the call is returned as an AST node, never run."""
    raw = _unquote(text)
    if len(raw) > MAX_ASSERT_TEXT:
        return Assertion(False, reason="assertion too long")
    if not raw.startswith("assert"):
        return Assertion(False, reason="the first answer must be an `assert ... == ...` statement")
    if raw.count("(") + raw.count("[") + raw.count("{") > MAX_TEXT // 2:
        return Assertion(False, reason="assertion too large")
    from execgym.tasks.literals import MAX_BRACKET_DEPTH, _bracket_depth

    if _bracket_depth(raw) > MAX_BRACKET_DEPTH:
        return Assertion(False, reason="assertion nested too deeply")
    try:
        tree = astparse.parse(raw, mode="exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as exc:
        return Assertion(False, reason=f"assertion does not parse ({type(exc).__name__})")
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return Assertion(False, reason="expected exactly one assert statement")
    stmt = tree.body[0]
    if stmt.msg is not None:
        return Assertion(False, reason="assertion messages are not allowed")
    test = stmt.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return Assertion(False, reason="the assertion must be `call == literal` with a single ==")
    if not isinstance(test.left, ast.Call):
        return Assertion(False, reason="the left side of == must be the function call")
    rhs = literal_from_node(test.comparators[0])
    return Assertion(True, call=test.left, rhs=rhs)


@functools.lru_cache(maxsize=16384)
def _call_dump(call_text: str) -> str | None:
    try:
        return ast.dump(astparse.parse(call_text, mode="eval").body, annotate_fields=False)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def same_call(node: ast.Call, call_text: str) -> bool:
    """True when ``node`` is structurally the same call expression as ``call_text`` (formatting ignored)."""
    ref = _call_dump(call_text)
    if ref is None:
        return False
    try:
        return ref == ast.dump(node, annotate_fields=False)
    except RecursionError:
        return False
