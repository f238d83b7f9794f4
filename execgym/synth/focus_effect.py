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
  copy, a whole slice); they are inert by definition, so neither the report's measure nor the filter
  rule asks about them.
- ``without_unused_imports(source) -> str | None`` (pure): ``source`` with each top-level import statement
  that binds only names the program never uses (a stripped ``math.floor(x)`` leaves ``import math`` behind)
  replaced by an empty line (the same line numbers); None when there is no such statement or the source does
  not parse. The program does what it did: an unused import binds a name nothing reads.
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
    contract); None when nothing is replaced (``strip`` without its second part)."""
    stripped = strip(source, focus)
    return None if stripped is None else stripped[0]


def strip(source: str, focus: Sequence[str]) -> tuple[str, bool] | None:
    """``(text, keeps_names)``: ``without_focus``'s text, and whether no name is bound only inside what the
    stripping drops (a walrus or a comprehension's target in a dropped argument, the target of an ``a += b``
    that becomes ``pass``). With ``keeps_names``, the stripped program's nodes are the original's minus some,
    plus ``pass``, with every assignment target and local name as before, so ``patterns.coverage.batchable``
    holds of it whenever it holds of the original. The text is ``source`` itself with each use's span replaced
    (``_spliced``: the same lines, so the same line numbers; a replacement that is not an atom is put in
    parentheses), or, where a use lies inside an f-string (whose inner positions Python 3.11 gets wrong), the
    stripped tree written out (``ast.unparse``): the same program either way (tested)."""
    name = _strippable(focus)
    if name is None:
        return None
    try:
        nodes = astparse.walk_cached(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    fstrings: list[ast.AST] = []
    hits = _hits(nodes, name, fstrings)
    if not hits:
        return None
    text = _spliced(source, fstrings, hits)
    if text is None:
        text = _unparsed(source, name)
        if text is None:
            return None
    dropped: set[ast.AST] = set()  # each use's nodes but those of what takes its place
    for hit, rep in hits.items():
        dropped.update(set(astparse.walk(hit)).difference(() if rep is None else astparse.walk(rep)))
    # a name bound in what is dropped is still bound when its function binds it elsewhere too (``total = 0``
    # before ``total += x``) or takes it as an argument
    _, parents = astparse.index_cached(source)
    for node in dropped:
        if type(node) is ast.Name and type(node.ctx) is ast.Store and not _bound_elsewhere(node, dropped, parents):
            return text, False
    return text, True


def without_unused_imports(source: str) -> str | None:
    """``source`` without the top-level imports whose names it never uses (see the module contract)."""
    try:
        tree = astparse.parse_cached(source)
        nodes = astparse.walk_cached(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    used = {node.id for node in nodes if type(node) is ast.Name}
    lines = source.split("\n")
    dropped = False
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or stmt.lineno != stmt.end_lineno:
            continue
        names = {(alias.asname or alias.name).split(".")[0] for alias in stmt.names}
        if "*" in names or names & used or lines[stmt.lineno - 1].strip() != ast.get_source_segment(source, stmt):
            continue
        lines[stmt.lineno - 1] = ""
        dropped = True
    return "\n".join(lines) if dropped else None


def _bound_elsewhere(name: ast.Name, dropped: set[ast.AST], parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the ``def`` holding ``name`` binds ``name.id`` outside ``dropped`` or takes it as an argument: the
    names ``patterns.coverage.batchable`` counts as that function's own (its arguments, and every name stored
    anywhere in its body; a lambda's arguments are not among them)."""
    scope = parents.get(name)
    while scope is not None and type(scope) is not ast.FunctionDef:
        scope = parents.get(scope)
    if scope is None:
        return False
    args = scope.args
    if name.id in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a}:
        return True
    return any(node not in dropped and type(node) is ast.Name and type(node.ctx) is ast.Store and node.id == name.id
               for node in astparse.walk(scope))


def _strippable(focus: Sequence[str]) -> str | None:
    """The focus's operation name, or None for a malformed focus or one that is never stripped."""
    if len(focus) != 2 or not all(isinstance(part, str) for part in focus):
        return None
    name = focus[1]
    if name in _TESTS or name == "range" or name.endswith("= value"):
        return None
    return name


def _unparsed(source: str, name: str) -> str | None:
    """``without_focus`` by rewriting a fresh tree (``_Strip``) and writing it out."""
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


# the node types ``_Strip`` may replace, and f-strings (whose inner positions ``_spliced`` must not trust)
_KINDS = frozenset({ast.Call, ast.Expr, ast.BinOp, ast.AugAssign, ast.BoolOp, ast.UnaryOp, ast.Subscript,
                    ast.JoinedStr})


def _hits(nodes: Sequence[ast.AST], name: str, fstrings: list[ast.AST]) -> dict[ast.AST, ast.AST | None]:
    """The nodes ``_Strip`` replaces (the same rules, read off the unchanged tree), each mapped to the node that
    takes its place, or None for a statement that becomes ``pass``; the f-strings go to ``fstrings``."""
    builtin = name[:-2] if name.endswith("()") else name
    module, _, function = builtin.rpartition(".")
    binop = _BINOPS.get(name)
    augop = _AUGOPS.get(name)
    boolop = {"and": ast.And, "or": ast.Or}.get(name)
    subscript = "[" in name
    out: dict[ast.AST, ast.AST | None] = {}
    kinds = _KINDS
    for node in nodes:
        kind = type(node)
        if kind not in kinds:
            continue
        if kind is ast.JoinedStr:
            fstrings.append(node)
        elif kind is ast.Call:
            func = node.func
            if type(func) is ast.Attribute and func.attr == name:
                out[node] = func.value
            elif node.args and ((type(func) is ast.Name and func.id == builtin) or
                                (module and type(func) is ast.Attribute and func.attr == function and
                                 type(func.value) is ast.Name and func.value.id == module)):
                out[node] = node.args[0]
        elif kind is ast.Expr:
            value = node.value
            if type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr == name:
                out[node] = None
        elif kind is ast.BinOp:
            if binop is not None and type(node.op) is binop:
                out[node] = node.left
        elif kind is ast.AugAssign:
            if augop is not None and type(node.op) is augop:
                out[node] = None
        elif kind is ast.BoolOp:
            if boolop is not None and type(node.op) is boolop:
                out[node] = node.values[0]
        elif kind is ast.UnaryOp:
            if name == "not" and type(node.op) is ast.Not:
                out[node] = node.operand
        elif kind is ast.Subscript:
            if subscript and type(node.ctx) is ast.Load:
                out[node] = node.value
    return out


# replacements that read the same without parentheses wherever an expression stood (a number does not: ``5.real``)
_ATOMS = (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.List, ast.Dict, ast.Set, ast.ListComp,
          ast.SetComp, ast.DictComp)


def _spliced(source: str, fstrings: Sequence[ast.AST], hits: dict[ast.AST, ast.AST | None]) -> str | None:
    """``source`` with each outermost hit's span replaced by its replacement's text (itself with the hits inside
    it replaced); None when a hit lies inside an f-string or a node has no position."""
    data = source.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    try:
        def span(node: ast.AST) -> tuple[int, int]:
            return (starts[node.lineno - 1] + node.col_offset,
                    starts[node.end_lineno - 1] + node.end_col_offset)

        inside = [span(node) for node in fstrings]
        spans = {node: span(node) for node in hits}
    except (AttributeError, TypeError, IndexError):
        return None
    for a, b in spans.values():
        if any(fa <= a and b <= fb for fa, fb in inside):
            return None
    ordered = sorted(hits, key=lambda node: (spans[node][0], -spans[node][1]))

    def render(a: int, b: int) -> bytes:
        """The text of ``[a, b)`` with the outermost hits inside it replaced."""
        pieces, pos = [], a
        for hit in ordered:
            ha, hb = spans[hit]
            if ha < pos or hb > b:
                continue  # (outside, or inside a hit already replaced)
            rep = hits[hit]
            if rep is None:
                text = b"pass"
            else:
                ra, rb = span(rep)
                text = render(ra, rb)
                if not (isinstance(rep, _ATOMS) or (type(rep) is ast.Constant and type(rep.value) is str)):
                    text = b"(" + text + b")"
            pieces += (data[pos:ha], text)
            pos = hb
        pieces.append(data[pos:b])
        return b"".join(pieces)

    try:
        return render(0, len(data)).decode("utf-8")
    except (AttributeError, TypeError, UnicodeDecodeError):
        return None


def inert(outputs: Sequence[str | None], stripped: Sequence[str | None]) -> bool | None:
    """``outputs[i]``: the original's output key for call ``i`` (None: not usable); ``stripped[i]``: the stripped
    program's (None: it failed or was cut short). True when every comparable call returned the same."""
    pairs = [(a, b) for a, b in zip(outputs, stripped) if a is not None]
    if len(pairs) < 2:
        return None
    return all(a == b for a, b in pairs)


def call_inert(outputs: Sequence[str | None], stripped: Sequence[str | None]) -> bool | None:
    """Whether the program's own call (the first) returned the same without the focus (``inert``'s keys; a
    stripped run that failed or was cut short returned something else); None when that call is not usable."""
    if not outputs or outputs[0] is None:
        return None
    return bool(stripped) and outputs[0] == stripped[0]
