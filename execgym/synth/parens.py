"""Grouping parentheses in one line of Python: which a statement needs, and the line without those it does not
(``ungroup``). Pure text and tree work: nothing here runs code. Used by the pattern generator on every line it
writes and by the quality report (``extra_parentheses``)."""

from __future__ import annotations

import ast
import functools
import re

from execgym import astparse


def statement(text: str) -> tuple[ast.stmt, int] | None:
    """A draft line (without its indentation) as a statement tree, and how many columns its text was shifted
    by to parse (``elif`` is read as ``if``); None when the line is not a statement on its own (``else:``)."""
    shift = 0
    if text.startswith("elif "):
        text, shift = text[2:], 2
    if text.endswith(":"):
        text += " pass"
    try:
        tree = astparse.parse(text)
    except SyntaxError:
        return None
    return (tree.body[0], shift) if len(tree.body) == 1 else None


# an opening parenthesis that groups (not a call's ``f(``, ``x[0](``, ``f()(``)
_GROUP_OPEN = re.compile(r"(?<![\w)\]}])\(")
# what a group's parentheses belong to: a tuple, ``:=``, a generator expression, a starred item
_OWN_PARENTHESES = (ast.Tuple, ast.NamedExpr, ast.GeneratorExp, ast.Yield, ast.YieldFrom, ast.Starred)


def _closing(text: str, start: int, commas: list[int] | None = None) -> int | None:
    """The index of the ``)`` that closes the ``(`` at ``start`` (string literals skipped), or None; the commas
    directly inside the pair are appended to ``commas`` when it is given."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i if c == ")" else None
        elif c == "," and depth == 1 and commas is not None:
            commas.append(i)
        i += 1
    return None


_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)


def _reads_plainly(parsed: tuple[ast.stmt, int], at: int, end: int) -> bool:
    """Whether the expression at byte columns ``at``-``end`` of a line (its statement tree as ``statement``
    gives it) reads plainly without parentheses: an atom (a call, a name, a subscript...), an operand of
    nothing, arithmetic inside arithmetic or a comparison (``a * b + c``, ``lo <= a + b < hi``), a comparison
    or ``not`` inside ``and``/``or``, or a left operand of its own operator (``a | b | c``). Mixed set, bit
    and boolean operators keep theirs (``(a - b) | (b - a)``, ``(a and b) or c``); so does an expression not
    found there (an f-string's)."""
    tree, shift = parsed
    at, end = at - shift, end - shift
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.expr) and child.col_offset == at and child.end_col_offset == end \
                    and child.lineno == 1:
                if not isinstance(child, (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp)):
                    return True
                if not isinstance(parent, (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp)):
                    return True
                if isinstance(child, ast.BinOp) and isinstance(parent, ast.BinOp):
                    return type(child.op) is type(parent.op) or (isinstance(child.op, _ARITHMETIC)
                                                                  and isinstance(parent.op, _ARITHMETIC))
                if isinstance(child, ast.BinOp) and isinstance(parent, ast.Compare):
                    return isinstance(child.op, _ARITHMETIC)
                return isinstance(parent, ast.BoolOp) and (isinstance(child, ast.Compare) or
                                                           isinstance(child, ast.UnaryOp) and isinstance(child.op, ast.Not))
    return False


@functools.lru_cache(maxsize=8192)  # drafts repeat most of their lines (16,791 lines, 4,840 distinct, in 4,500)
def ungroup(line: str) -> str:
    """``line`` without the parentheses that group nothing the statement needs grouped, as people write it
    (``(w[1:3])[0:1]`` is ``w[1:3][0:1]``, ``not ((a or b))`` is ``not (a or b)``, ``[x for x in xs if (x > 3)]``,
    ``(t | a) | b``): a pair goes only when the line parses to the same tree without it. Kept: the
    parentheses of a tuple, a ``:=``, a generator expression, and of a comparison after ``not`` (``not (a in b)``
    rather than ``not a in b``). A line that is not a statement on its own (``else:``) is left as it is."""
    indent = len(line) - len(line.lstrip())
    text = line[indent:]
    m = _GROUP_OPEN.search(text)
    if m is None:
        return line
    want: str | None = None
    while m is not None:
        start = m.start()
        commas: list[int] = []
        end = _closing(text, start, commas)
        pos = start + 1
        if end is not None and not commas:  # a tuple's own parentheses
            inner = text[start + 1:end]
            try:
                node = astparse.parse(inner.strip(), mode="eval").body
            except SyntaxError:
                node = None
            if node is not None and not isinstance(node, _OWN_PARENTHESES) and \
                    not (isinstance(node, ast.Compare) and text[:start].endswith("not ")):
                if want is None:
                    parsed = statement(text)
                    if parsed is None:
                        return line
                    want = ast.dump(parsed[0])
                candidate = text[:start] + inner + text[end + 1:]
                again = statement(candidate)
                core = inner.strip()
                at = len(text[:start].encode()) + len(inner) - len(inner.lstrip())
                doubled = core.startswith("(") and _closing(core, 0) == len(core) - 1  # ``((a or b))``
                if again is not None and ast.dump(again[0]) == want and \
                        (doubled or _reads_plainly(again, at, at + len(core.encode()))):
                    text, pos = candidate, start
        m = _GROUP_OPEN.search(text, pos)
    return line[:indent] + text
