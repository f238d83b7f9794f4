"""Does the operation in focus change what a program returns? (the ``focus_inert`` measure of the report)

Contract:
- ``without_focus(source, focus) -> str | None`` (pure): ``source`` with every use of the focus operation
  ``(type, name)`` replaced by the value it is applied to: a method call ``x.m(...)`` by ``x`` (a mutating call
  standing as a statement, ``work.sort()``, by ``pass``), a builtin ``f(x, ...)`` (``len``, ``int()``,
  ``round``) by ``x``, a binary operator ``a + b`` by ``a`` (``a += b`` by ``pass``), ``a and b`` by ``a``,
  ``not a`` by ``a``, a subscript or slice ``x[i]`` (``d[key]``) by ``x``. None when the source does not parse,
  no node matches the focus, or the focus is a comparison or a membership test (replacing one changes the
  value's type, so it would always look effective), ``range`` or an item assignment.
- ``IDENTITY_FOCUS``: the catalog entries (``"type/name"``) that give back their receiver's value by nature (a
  copy, a whole slice); they are inert by definition, so neither the report's measure nor the opt-in filter
  rule asks about them.
- ``inert(outputs, stripped) -> bool | None``: whether the stripped program returned, for every call whose
  original run was usable, what the original returned (canonical keys, ``quality.output_key``); a stripped
  run that failed or was cut short counts as a change. None with fewer than two comparable calls.

A program whose focus is inert on all its shipped calls asks about an operation that made no difference to
them (``len(work)`` after ``work.sort()``, ``word.expandtabs(4)`` of words without tabs, ``abs`` of positive
numbers). The replacement may hit nodes that are not the focus's own (``+ ', '`` beside a ``str/+`` focus),
which can only make a change more likely, so the measure under-counts inert programs rather than
over-counting them.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from execgym import astparse

# the catalog entries that give back their receiver's value by nature (a copy, a whole slice, a float's conjugate; a
# dict's keys, which read as the dict itself wherever they are iterated)
IDENTITY_FOCUS = frozenset({"dict/copy", "list/copy", "set/copy", "list/[:]", "str/[:]", "tuple/[:]",
                            "float/conjugate", "dict/keys"})


_BINOPS: dict[str, type[ast.operator]] = {
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv, "%": ast.Mod, "**": ast.Pow,
    "&": ast.BitAnd, "|": ast.BitOr, "^": ast.BitXor,
}
_AUGOPS = {f"{symbol}=": op for symbol, op in _BINOPS.items()}
_TESTS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"})


class _Strip(ast.NodeTransformer):
    def __init__(self, name: str) -> None:
        self.name = name
        self.builtin = name[:-2] if name.endswith("()") else name      # len, int, math.ceil
        self.module, _, self.function = self.builtin.rpartition(".")
        self.hits = 0

    def _hit(self, node: ast.AST) -> ast.AST:
        self.hits += 1
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == self.name:
            self.generic_visit(value)
            return self._hit(ast.Pass())
        self.generic_visit(node)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        op = _AUGOPS.get(self.name)
        return self._hit(ast.Pass()) if op is not None and isinstance(node.op, op) else node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == self.name:
            return self._hit(func.value)
        if node.args and ((isinstance(func, ast.Name) and func.id == self.builtin) or
                          (self.module and isinstance(func, ast.Attribute) and func.attr == self.function and
                           isinstance(func.value, ast.Name) and func.value.id == self.module)):
            return self._hit(node.args[0])
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _BINOPS.get(self.name)
        return self._hit(node.left) if op is not None and isinstance(node.op, op) else node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if (self.name, type(node.op)) in (("and", ast.And), ("or", ast.Or)):
            return self._hit(node.values[0])
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return self._hit(node.operand) if self.name == "not" and isinstance(node.op, ast.Not) else node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        if "[" in self.name and isinstance(node.ctx, ast.Load):
            return self._hit(node.value)
        return node


def without_focus(source: str, focus: Sequence[str]) -> str | None:
    """``source`` with the focus operation's uses replaced by the values they apply to (see the module's
    contract); None when nothing is replaced."""
    if len(focus) != 2 or not all(isinstance(part, str) for part in focus):
        return None
    name = focus[1]
    if name in _TESTS or name == "range" or name.endswith("= value"):
        return None
    try:
        tree = astparse.parse(source)
    except (SyntaxError, ValueError):
        return None
    strip = _Strip(name)
    tree = strip.visit(tree)  # ``ast.unparse`` needs no locations, so the new ``pass`` nodes get none
    if not strip.hits:
        return None
    try:
        return ast.unparse(tree) + "\n"
    except (ValueError, RecursionError):
        return None


def inert(outputs: Sequence[str | None], stripped: Sequence[str | None]) -> bool | None:
    """``outputs[i]``: the original's output key for call ``i`` (None: not usable); ``stripped[i]``: the stripped
    program's (None: it failed or was cut short). True when every comparable call returned the same."""
    pairs = [(a, b) for a, b in zip(outputs, stripped) if a is not None]
    if len(pairs) < 2:
        return None
    return all(a == b for a, b in pairs)
