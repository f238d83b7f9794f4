"""Static facts about a program's source, from its AST (never from substring tests).

Contract: ``SourceInfo.of(source)`` (cached) gives
- ``lines``: the source lines (1-based via ``text(n)``), ``listing()``: the code with line numbers;
- ``stmt_lines``: first lines of statements inside function bodies that produce a trace step when reached
  (assignments, expression statements other than docstrings, return/raise/assert/del/break/continue, and
  the headers of if/elif/for/while);
- ``branch_lines``: headers of if/elif/for/while/try/with/match (control-flow decisions);
- ``assigned``: line -> names a simple statement or a for-header binds on that line (for Nil questions);
- ``returns``: lines holding a ``return`` statement;
- ``function_of``: line -> name of the innermost enclosing function.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field

from execgym import astparse

_STEP_STMTS = (
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Expr,
    ast.Return,
    ast.Raise,
    ast.Assert,
    ast.Delete,
    ast.Break,
    ast.Continue,
    ast.If,
    ast.For,
    ast.While,
)
_BRANCH_STMTS = (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.AsyncFor, ast.AsyncWith)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class SourceInfo:
    lines: tuple[str, ...]
    stmt_lines: frozenset[int] = frozenset()
    branch_lines: frozenset[int] = frozenset()
    returns: frozenset[int] = frozenset()
    assigned: dict[int, tuple[str, ...]] = field(default_factory=dict)
    function_of: dict[int, str] = field(default_factory=dict)
    functions: tuple[str, ...] = ()

    @staticmethod
    def of(source: str) -> SourceInfo:
        return _analyse(source)

    def text(self, line: int) -> str:
        """The source text of 1-based ``line`` without indentation ('' when out of range)."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].strip()
        return ""

    def lines_with_text(self, text: str) -> list[int]:
        """All line numbers whose stripped text equals ``text.strip()``; failing that, those equal to it once
        all whitespace is removed (``total+=x`` for ``total += x``)."""
        want = text.strip()
        if not want:
            return []
        exact = [i + 1 for i, ln in enumerate(self.lines) if ln.strip() == want]
        if exact:
            return exact
        squeezed = _WS_RE.sub("", want)
        return [i + 1 for i, ln in enumerate(self.lines) if squeezed and _WS_RE.sub("", ln) == squeezed]

    def listing(self) -> str:
        """The source with right-aligned line numbers, one line per source line."""
        lines = list(self.lines)
        while lines and not lines[-1].strip():
            lines.pop()
        width = len(str(len(lines)))
        return "\n".join(f"{i + 1:>{width}}  {ln}".rstrip() for i, ln in enumerate(lines))


def _docstring_line(body: list[ast.stmt]) -> int | None:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.lineno
    return None


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out: list[str] = []
        for elt in target.elts:
            out.extend(_target_names(elt))
        return out
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


@functools.lru_cache(maxsize=1024)
def _analyse(source: str) -> SourceInfo:
    lines = tuple(source.split("\n"))
    try:
        tree = astparse.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return SourceInfo(lines=lines)
    stmt_lines: set[int] = set()
    branch_lines: set[int] = set()
    returns: set[int] = set()
    assigned: dict[int, list[str]] = {}
    function_of: dict[int, str] = {}
    functions: list[str] = []

    def visit_body(body: list[ast.stmt], func: str | None) -> None:
        doc = _docstring_line(body) if func else None
        for stmt in body:
            visit_stmt(stmt, func, stmt.lineno == doc)

    def visit_stmt(stmt: ast.stmt, func: str | None, is_doc: bool) -> None:
        if isinstance(stmt, _FUNCS):
            functions.append(stmt.name)
            visit_body(stmt.body, stmt.name)
            return
        if isinstance(stmt, ast.ClassDef):
            for sub in stmt.body:  # methods are functions; the class body itself runs untraced
                if isinstance(sub, _FUNCS):
                    visit_stmt(sub, func, False)
            return
        if func is not None:
            function_of[stmt.lineno] = func
            if isinstance(stmt, _STEP_STMTS) and not is_doc:
                stmt_lines.add(stmt.lineno)
            if isinstance(stmt, _BRANCH_STMTS) or type(stmt).__name__ == "Match":
                branch_lines.add(stmt.lineno)
            if isinstance(stmt, ast.Return):
                returns.add(stmt.lineno)
            names: list[str] = []
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    names.extend(_target_names(t))
            elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) and getattr(stmt, "value", 1) is not None or isinstance(stmt, ast.For):
                names.extend(_target_names(stmt.target))
            if names:
                assigned.setdefault(stmt.lineno, [])
                for n in names:
                    if n not in assigned[stmt.lineno]:
                        assigned[stmt.lineno].append(n)
        for attr in ("body", "orelse", "finalbody"):
            sub = getattr(stmt, attr, None)
            if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                for s in sub:
                    visit_stmt(s, func, False)
        for handler in getattr(stmt, "handlers", []) or []:
            for s in handler.body:
                visit_stmt(s, func, False)
        for case in getattr(stmt, "cases", []) or []:
            for s in case.body:
                visit_stmt(s, func, False)

    visit_body(tree.body, None)
    return SourceInfo(
        lines=lines,
        stmt_lines=frozenset(stmt_lines),
        branch_lines=frozenset(branch_lines),
        returns=frozenset(returns),
        assigned={k: tuple(v) for k, v in assigned.items()},
        function_of=function_of,
        functions=tuple(functions),
    )


def ordinal(k: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th'."""
    if 10 <= k % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
