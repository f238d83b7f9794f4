"""A precise plain-words specification of a program, rendered from its AST (UnitTest-v0 built-in tasks).

Contract:
- ``render_spec(source, entry)`` returns ``(text, fallbacks)``: numbered steps (``1.``, ``1.1.`` ...) for the
  entry function and for each helper, every condition and every operation in words, every literal constant
  written out as a Python literal. A construct without a plain-words rendering is written as its exact code
  in backticks ("compute `...`"), never dropped; ``fallbacks`` counts those.
- ``shape_of(value)`` / ``merge_shapes`` / ``describe_shape`` / ``fits_shape``: the input shapes (type,
  element types, length range, tuple arity, int range) the tests use, and whether a value fits a stated one.
- Pure functions of their input (no sandbox, no randomness): the same text in any process.
"""

from __future__ import annotations

import ast
from typing import Any

from execgym import astparse

# ------------------------------------------------------------------ expressions

_BINOPS = {
    ast.Add: "plus",
    ast.Sub: "minus",
    ast.Mult: "times",
    ast.Div: "divided by (true division)",
    ast.FloorDiv: "floor-divided by",
    ast.Mod: "modulo",
    ast.Pow: "to the power of",
    ast.BitAnd: "bitwise-and / intersection with",
    ast.BitOr: "bitwise-or / union with",
    ast.BitXor: "bitwise-xor / symmetric difference with",
    ast.LShift: "shifted left by",
    ast.RShift: "shifted right by",
}
_CMPOPS = {
    ast.Eq: "equals",
    ast.NotEq: "does not equal",
    ast.Lt: "is less than",
    ast.LtE: "is at most",
    ast.Gt: "is greater than",
    ast.GtE: "is at least",
    ast.In: "is in",
    ast.NotIn: "is not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
# method -> phrase; {o} the object, {0} {1} the arguments, {a} all arguments joined
_METHODS = {
    "rstrip": (
        "{o} with trailing whitespace removed",
        "{o} with every trailing character that is in {0} removed",
    ),
    "lstrip": (
        "{o} with leading whitespace removed",
        "{o} with every leading character that is in {0} removed",
    ),
    "strip": (
        "{o} with leading and trailing whitespace removed",
        "{o} with every leading and trailing character that is in {0} removed",
    ),
    "upper": ("{o} in upper case",),
    "lower": ("{o} in lower case",),
    "title": ("{o} in title case (str.title)",),
    "capitalize": ("{o} with its first character upper-cased and the rest lower-cased",),
    "swapcase": ("{o} with the case of every letter swapped",),
    "casefold": ("{o} case-folded",),
    "zfill": (None, "{o} padded on the left with '0' to at least {0} characters (str.zfill)"),
    "center": (
        None,
        "{o} centred in a field of {0} characters (str.center)",
        "{o} centred in a field of {0} characters filled with {1} (str.center)",
    ),
    "ljust": (
        None,
        "{o} padded on the right to {0} characters",
        "{o} padded on the right with {1} to {0} characters",
    ),
    "rjust": (
        None,
        "{o} padded on the left to {0} characters",
        "{o} padded on the left with {1} to {0} characters",
    ),
    "removeprefix": (None, "{o} without the prefix {0} (if it starts with it)"),
    "removesuffix": (None, "{o} without the suffix {0} (if it ends with it)"),
    "replace": (
        None,
        None,
        "{o} with every occurrence of {0} replaced by {1}",
        "{o} with the first {2} occurrences of {0} replaced by {1}",
    ),
    "split": (
        "{o} split on runs of whitespace (a list)",
        "{o} split on every {0} (a list)",
        "{o} split on {0} at most {1} times (a list)",
    ),
    "rsplit": (
        "{o} split on runs of whitespace (a list)",
        "{o} split on every {0} (a list)",
        "{o} split on {0} at most {1} times, from the right (a list)",
    ),
    "join": (None, "the items of {0} joined with {o} between them"),
    "startswith": (None, "whether {o} starts with {0}"),
    "endswith": (None, "whether {o} ends with {0}"),
    "count": (None, "the number of (non-overlapping) occurrences of {0} in {o}"),
    "find": (None, "the index of the first {0} in {o}, or -1 if absent"),
    "rfind": (None, "the index of the last {0} in {o}, or -1 if absent"),
    "index": (None, "the index of the first {0} in {o}"),
    "isdigit": ("whether {o} is non-empty and all digits (str.isdigit)",),
    "isalpha": ("whether {o} is non-empty and all letters (str.isalpha)",),
    "isalnum": ("whether {o} is non-empty and all letters or digits (str.isalnum)",),
    "isupper": ("whether {o} has a cased character and all cased characters are upper case (str.isupper)",),
    "islower": ("whether {o} has a cased character and all cased characters are lower case (str.islower)",),
    "isspace": ("whether {o} is non-empty and all whitespace",),
    "isnumeric": ("whether {o} is non-empty and all numeric characters (str.isnumeric)",),
    "isdecimal": ("whether {o} is non-empty and all decimal characters (str.isdecimal)",),
    "expandtabs": ("{o} with tabs expanded to 8-column stops", "{o} with tabs expanded to {0}-column stops"),
    "partition": (None, "the 3-tuple (before, {0}, after) of {o} split at the first {0} (str.partition)"),
    "rpartition": (None, "the 3-tuple (before, {0}, after) of {o} split at the last {0} (str.rpartition)"),
    "format": (None, "{o} with its placeholder filled with {0} (str.format)"),
    "fromkeys": (
        None,
        "a dict whose keys are the items of {0} in first-seen order, each mapped to None",
        "a dict whose keys are the items of {0} in first-seen order, each mapped to {1}",
    ),
    "floor": (None, "{0} rounded down to an int (math.floor)"),
    "ceil": (None, "{0} rounded up to an int (math.ceil)"),
    "is_integer": ("whether {o} has an integral value (is_integer)",),
    "bit_length": ("the number of bits needed to write abs({o}) in binary (int.bit_length)",),
    "popitem": ("remove and take the last inserted (key, value) pair of {o}",),
    "isidentifier": ("whether {o} is a valid Python identifier (str.isidentifier)",),
    "isprintable": ("whether every character of {o} is printable (str.isprintable)",),
    "istitle": ("whether {o} is title-cased (str.istitle)",),
    "append": (None, "append {0} to {o}"),
    "extend": (None, "append every item of {0} to {o}"),
    "insert": (None, None, "insert {1} into {o} at index {0}"),
    "pop": (
        "remove and take the last item of {o}",
        "remove and take the item at {0} of {o}",
        "remove and take the value at key {0} of {o} (default {1})",
    ),
    "remove": (None, "remove the first {0} from {o}"),
    "discard": (None, "remove {0} from {o} if present"),
    "add": (None, "add {0} to {o}"),
    "clear": ("empty {o}",),
    "copy": ("a shallow copy of {o}",),
    "reverse": ("reverse {o} in place",),
    "sort": ("sort {o} in place",),
    "get": (
        None,
        "the value of {o} at key {0} (None if absent)",
        "the value of {o} at key {0} ({1} if absent)",
    ),
    "keys": ("the keys of {o}",),
    "values": ("the values of {o}",),
    "items": ("the (key, value) pairs of {o}",),
    "setdefault": (None, None, "the value of {o} at key {0}, first setting it to {1} if absent"),
    "union": (None, "the union of {o} and {0}"),
    "intersection": (None, "the intersection of {o} and {0}"),
    "difference": (None, "the items of {o} not in {0}"),
    "symmetric_difference": (None, "the items in exactly one of {o} and {0}"),
    "issubset": (None, "whether every item of {o} is in {0}"),
    "issuperset": (None, "whether {o} contains every item of {0}"),
    "isdisjoint": (None, "whether {o} and {0} share no item"),
    "update": (None, "add every item of {0} to {o}"),
}
_BUILTINS = {
    "len": "the length of {0}",
    "str": "{0} converted to a string (str)",
    "int": "{0} converted to an int",
    "float": "{0} converted to a float",
    "bool": "the truth value of {0}",
    "abs": "the absolute value of {0}",
    "sum": "the sum of {0}",
    "sorted": "the items of {0} sorted ascending (a new list)",
    "reversed": "the items of {0} in reverse order",
    "list": "a list of the items of {0}",
    "tuple": "a tuple of the items of {0}",
    "set": "a set of the items of {0}",
    "frozenset": "a frozenset of the items of {0}",
    "min": "the smallest of {a}",
    "max": "the largest of {a}",
    "any": "whether any item of {0} is true",
    "all": "whether every item of {0} is true",
    "enumerate": "the (index, item) pairs of {0}, counting from 0",
    "zip": "the tuples pairing up the items of {a} position by position (stopping at the shortest)",
    "ord": "the code point of {0}",
    "chr": "the character with code point {0}",
    "round": "{a} rounded (round)",
    "dict": "a dict built from {0}",
    "repr": "the repr of {0}",
}

_SPECIAL = {
    ("round", 2): "{0} rounded to {1} decimal places (round)",
    ("round", 1): "{0} rounded to an int (round)",
    ("range", 1): "the integers from 0 up to {0} (exclusive)",
    ("range", 2): "the integers from {0} up to {1} (exclusive)",
    ("range", 3): "the integers from {0} up to {1} (exclusive) in steps of {2}",
    ("set", 0): "an empty set",
    ("list", 0): "an empty list",
    ("dict", 0): "an empty dict",
    ("tuple", 0): "an empty tuple",
    ("str", 0): "the empty string",
    ("int", 2): "the int parsed from {0} in base {1}",
    ("sorted", 1): "the items of {0} sorted ascending (a new list)",
    ("isinstance", 2): "whether {0} is an instance of {1}",
    ("divmod", 2): "the pair (quotient, remainder) of {0} by {1}",
    ("pow", 2): "{0} to the power of {1}",
    ("pow", 3): "{0} to the power of {1}, modulo {2}",
}


class Renderer:
    def __init__(self) -> None:
        self.fallbacks = 0
        self._next: dict[str, int] = {}

    def code(self, node: ast.AST) -> str:
        return "`" + ast.unparse(node) + "`"

    def fallback(self, node: ast.AST) -> str:
        self.fallbacks += 1
        return "the value of " + self.code(node)

    def sub(self, node: ast.AST) -> str:
        """An operand: simple ones bare, compound ones in parentheses so nesting stays unambiguous."""
        text = self.expr(node)
        if (
            isinstance(node, (ast.Name, ast.Constant))
            or (text.startswith("`") and text.endswith("`") and text.count("`") == 2)
            or (isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and text.startswith("`"))
        ):
            return text
        return f"({text})"

    def expr(self, node: ast.AST) -> str:  # noqa: C901 - one case per node type
        if isinstance(node, ast.Name):
            return f"`{node.id}`"
        if isinstance(node, ast.Constant):
            return f"`{node.value!r}`"
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            try:
                ast.literal_eval(node)
                return self.code(node)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
            if isinstance(node, ast.Dict):
                if any(k is None for k in node.keys):
                    return self.fallback(node)
                pairs = ", ".join(f"{self.sub(k)}: {self.sub(v)}" for k, v in zip(node.keys, node.values))
                return f"the dict {{{pairs}}}"
            kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return self.fallback(node)
            return f"the {kind} of " + (", ".join(self.sub(e) for e in node.elts) or "no items")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return f"{self.sub(node.left)} {_BINOPS[type(node.op)]} {self.sub(node.right)}"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"not {self.sub(node.operand)}"
            if isinstance(node.op, ast.USub):
                if isinstance(node.operand, ast.Constant):
                    return self.code(node)
                return f"minus {self.sub(node.operand)}"
            return self.fallback(node)
        if isinstance(node, ast.BoolOp):
            word = " and " if isinstance(node.op, ast.And) else " or "
            return word.join(self.sub(v) for v in node.values)
        if isinstance(node, ast.Compare):
            parts, left = [], node.left
            for op, right in zip(node.ops, node.comparators):
                if type(op) not in _CMPOPS:
                    return self.fallback(node)
                parts.append(f"{self.sub(left)} {_CMPOPS[type(op)]} {self.sub(right)}")
                left = right
            return " and ".join(parts)
        if isinstance(node, ast.IfExp):
            return f"{self.sub(node.body)} if {self.sub(node.test)}, otherwise {self.sub(node.orelse)}"
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            pieces = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    pieces.append(f"`{v.value!r}`")
                elif isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
                    pieces.append(
                        f"str{self.sub(v.value)}"
                        if not isinstance(v.value, ast.Name)
                        else f"str({self.expr(v.value)})"
                    )
                else:
                    return self.fallback(node)
            return "the string made of " + " + ".join(pieces)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        return self.fallback(node)

    def comprehension(self, node: ast.AST) -> str:
        """``[E for x in IT if C ...]`` (one or more ``for`` clauses, in order) in words."""
        if any(g.is_async for g in node.generators):
            return self.fallback(node)
        clauses = []
        for g in node.generators:
            clause = f"for each {self.target(g.target)} in {self.sub(g.iter)}"
            if g.ifs:
                clause += " where " + " and ".join(self.sub(c) for c in g.ifs)
            clauses.append(clause)
        kind = {ast.ListComp: "the list", ast.SetComp: "the set", ast.GeneratorExp: "the items (in order)"}
        if isinstance(node, ast.DictComp):
            head = f"the dict mapping {self.sub(node.key)} to {self.sub(node.value)}"
        else:
            head = f"{kind[type(node)]} of {self.sub(node.elt)}"
        return head + ", " + ", then ".join(clauses)

    def subscript(self, node: ast.Subscript) -> str:
        obj = self.sub(node.value)
        sl = node.slice
        if isinstance(sl, ast.Slice):
            if sl.step is not None and sl.lower is None and sl.upper is None:
                if (
                    isinstance(sl.step, ast.UnaryOp)
                    and isinstance(sl.step.op, ast.USub)
                    and isinstance(sl.step.operand, ast.Constant)
                    and sl.step.operand.value == 1
                ):
                    return f"{obj} reversed"
                return f"every {self.sub(sl.step)}-th item of {obj} (slice step {self.code(sl.step)})"
            if sl.step is not None:
                return f"the slice {self.code(node)} of {obj}"  # exact, in code
            lo = "the start" if sl.lower is None else f"index {self.sub(sl.lower)}"
            hi = "the end" if sl.upper is None else f"index {self.sub(sl.upper)} (exclusive)"
            if sl.lower is None and sl.upper is None:
                return f"a copy of {obj}"
            return f"{obj} from {lo} to {hi} (negative indices count from the end)"
        return f"the item of {obj} at index/key {self.sub(sl)}"

    def call(self, node: ast.Call) -> str:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return self.fallback(node)
        args = [self.sub(a) for a in node.args]
        if isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
            forms = _METHODS[node.func.attr]
            form = forms[len(args)] if len(args) < len(forms) else None
            if form:
                obj = self.sub(node.func.value)
                return form.format(*args, o=obj, a=", ".join(args))
        if isinstance(node.func, ast.Name):
            special = _SPECIAL.get((node.func.id, len(args)))
            if special:
                return special.format(*args)
            form = _BUILTINS.get(node.func.id)
            if form and args and ("{0}" not in form or len(args) == 1 or "{a}" in form):
                return form.format(*args, a=", ".join(args))
            if form is None:  # a user function (helper) or another callable: name it exactly
                return f"the result of calling `{node.func.id}` with " + (", ".join(args) or "no arguments")
        if isinstance(node.func, ast.Attribute):
            obj = self.sub(node.func.value)
            self.fallbacks += 1
            return f"the result of {obj}.{node.func.attr}(" + ", ".join(args) + ") (Python's method)"
        return self.fallback(node)

    # -------------------------------------------------------------- statements
    def target(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return f"`{node.id}`"
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
            return "(" + ", ".join(f"`{e.id}`" for e in node.elts) + ")"
        if isinstance(node, ast.Subscript):
            return f"the item of {self.sub(node.value)} at index/key {self.sub(node.slice)}"
        return self.code(node)

    def stmts(self, body: list[ast.stmt], prefix: str, out: list[str], depth: int) -> None:
        if prefix and depth > 0:
            self._arm(body, prefix, out, depth - 1)
            return
        for n, st in enumerate(body, 1):
            self.stmt(st, f"{prefix}{n}.", out, depth)

    def line(self, out: list[str], num: str, depth: int, text: str) -> None:
        out.append("    " * depth + (f"{num} {text}" if num else text))

    def stmt(self, st: ast.stmt, num: str, out: list[str], depth: int) -> None:  # noqa: C901
        w = lambda text: self.line(out, num, depth, text)  # noqa: E731
        if isinstance(st, ast.Assign):
            targets = " and ".join(self.target(t) for t in st.targets)
            w(f"Set {targets} to {self.expr(st.value)}.")
        elif isinstance(st, ast.AnnAssign) and st.value is not None:
            w(f"Set {self.target(st.target)} to {self.expr(st.value)}.")
        elif isinstance(st, ast.AugAssign) and type(st.op) in _BINOPS:
            t = self.target(st.target)
            w(f"Set {t} to {t} {_BINOPS[type(st.op)]} {self.sub(st.value)}.")
        elif isinstance(st, ast.Return):
            w("Return None." if st.value is None else f"Return {self.expr(st.value)}.")
        elif isinstance(st, ast.Expr):
            text = self.expr(st.value)
            w((text[0].upper() + text[1:] if text[0] != "`" and text[0] != "(" else "Compute " + text) + ".")
        elif isinstance(st, ast.If):
            w(f"If {self.expr(st.test)}:")
            self.stmts(st.body, num, out, depth + 1)
            orelse = st.orelse
            while orelse:
                if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                    self.line(out, "", depth, f"Otherwise, if {self.expr(orelse[0].test)}:")
                    self._arm(orelse[0].body, num, out, depth)
                    orelse = orelse[0].orelse
                else:
                    self.line(out, "", depth, "Otherwise:")
                    self._arm(orelse, num, out, depth)
                    orelse = []
        elif isinstance(st, ast.For):
            w(f"For each {self.target(st.target)} in {self.expr(st.iter)}, in order:")
            self.stmts(st.body, num, out, depth + 1)
            if st.orelse:
                self.line(out, "", depth, "When the loop ends without `break`:")
                self._arm(st.orelse, num, out, depth)
        elif isinstance(st, ast.While):
            w(f"While {self.expr(st.test)}, repeat:")
            self.stmts(st.body, num, out, depth + 1)
            if st.orelse:
                self.line(out, "", depth, "When the loop ends without `break`:")
                self._arm(st.orelse, num, out, depth)
        elif isinstance(st, ast.Break):
            w("Leave the innermost loop (break).")
        elif isinstance(st, ast.Continue):
            w("Go on with the next iteration of the innermost loop (continue).")
        elif isinstance(st, ast.Pass):
            w("Do nothing.")
        elif isinstance(st, ast.Try):
            w("Try the following:")
            self.stmts(st.body, num, out, depth + 1)
            for h in st.handlers:
                what = "an exception" if h.type is None else f"an exception of type {self.code(h.type)}"
                bound = f" (call it `{h.name}`)" if h.name else ""
                self.line(out, "", depth, f"If {what}{bound} is raised there, stop that and instead:")
                self._arm(h.body, num, out, depth)
            if st.orelse:
                self.line(out, "", depth, "If no exception was raised:")
                self._arm(st.orelse, num, out, depth)
            if st.finalbody:
                self.line(out, "", depth, "In every case, finally:")
                self._arm(st.finalbody, num, out, depth)
        elif isinstance(st, ast.Raise):
            w("Raise " + (self.code(st.exc) if st.exc is not None else "the current exception again") + ".")
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            w(f"Import: `{ast.unparse(st)}`.")
        elif isinstance(st, ast.FunctionDef):
            w(f"Define a local function `{st.name}({', '.join(a.arg for a in st.args.args)})`:")
            self.stmts(st.body, num, out, depth + 1)
        else:
            self.fallbacks += 1
            w(f"Run exactly: `{ast.unparse(st)}`.")

    def _arm(self, body: list[ast.stmt], num: str, out: list[str], depth: int) -> None:
        # numbering continues under the same step, so each arm's sub-steps stay unique
        k = self._next.get(num, 0)
        for st in body:
            k += 1
            self.stmt(st, f"{num}{k}.", out, depth + 1)
        self._next[num] = k


def _docstring_free(body: list[ast.stmt]) -> list[ast.stmt]:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def render_spec(source: str, entry: str) -> tuple[str, int]:
    """Numbered plain-words steps for ``entry`` and its helpers, and the number of fallbacks (module doc)."""
    tree = astparse.parse(source)
    r = Renderer()
    blocks = []
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    others = [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
    if others:
        out: list[str] = []
        r.stmts(
            [n for n in others if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))],
            "M",
            out,
            0,
        )
        if out:
            blocks.append(
                "At module level, before any call:\n" + "\n".join(ln.replace("M", "", 1) for ln in out)
            )
    order = [f for f in funcs if f.name == entry] + [f for f in funcs if f.name != entry]
    for f in order:
        out = []
        r.stmts(_docstring_free(f.body), "", out, 0)
        args = ", ".join(a.arg for a in f.args.args)
        head = (
            f"`{f.name}({args})` does exactly this:"
            if f.name == entry
            else f"It uses a helper `{f.name}({args})`, which does exactly this:"
        )
        blocks.append(head + "\n" + "\n".join(out))
    return "\n\n".join(blocks), r.fallbacks


# ------------------------------------------------------------------ input shapes

_TYPE_WORDS = {
    "int": "int",
    "float": "float",
    "str": "string",
    "bool": "bool",
    "NoneType": "None",
    "list": "list",
    "tuple": "tuple",
    "set": "set",
    "frozenset": "frozenset",
    "dict": "dict",
}


def _tname(v: Any) -> str:
    return type(v).__name__


def shape_of(value: Any) -> dict:
    """The shape of one value: ``{"type", "len": [lo, hi]?, "range": [lo, hi]?, "items": shape?,
    "keys"/"values": shape?}`` (lengths and ranges as one-point intervals, merged by ``merge_shapes``)."""
    t = _tname(value)
    s: dict = {"type": t}
    if t in ("int", "float"):
        s["range"] = [value, value]
    elif t == "str":
        s["len"] = [len(value), len(value)]
    elif t in ("list", "tuple", "set", "frozenset"):
        s["len"] = [len(value), len(value)]
        items = list(value)
        if items:
            s["items"] = merge_shapes([shape_of(v) for v in items])
    elif t == "dict":
        s["len"] = [len(value), len(value)]
        if value:
            s["keys"] = merge_shapes([shape_of(k) for k in value])
            s["values"] = merge_shapes([shape_of(v) for v in value.values()])
    return s


def _merge_two(a: dict | None, b: dict | None) -> dict | None:
    if a is None:
        return b
    if b is None:
        return a
    if a.get("type") != b.get("type") or a.get("type") == "mixed":
        types = sorted(set(a.get("types", [a["type"]])) | set(b.get("types", [b["type"]])))
        return {"type": "mixed", "types": [t for t in types if t != "mixed"]}
    out = {"type": a["type"]}
    for key in ("len", "range"):
        if key in a or key in b:
            lo = [x[key][0] for x in (a, b) if key in x]
            hi = [x[key][1] for x in (a, b) if key in x]
            out[key] = [min(lo), max(hi)]
    for key in ("items", "keys", "values"):
        m = _merge_two(a.get(key), b.get(key))
        if m is not None:
            out[key] = m
    return out


def merge_shapes(shapes: list[dict]) -> dict | None:
    out = None
    for s in shapes:
        out = _merge_two(out, s)
    return out


def _span(lo: Any, hi: Any, unit: str = "") -> str:
    if lo == hi:
        return f"exactly {lo}{unit}"
    return f"{lo} to {hi}{unit}"


def describe_shape(s: dict | None) -> str:
    if s is None:
        return "anything"
    t = s["type"]
    if t == "mixed":
        return "a " + " or ".join(_TYPE_WORDS.get(x, x) for x in s["types"])
    word = _TYPE_WORDS.get(t, t)
    if t in ("int", "float"):
        lo, hi = s["range"]
        return (
            f"an {word} equal to {lo}"
            if lo == hi
            else f"a{'n' if t == 'int' else ''} {word} from {lo} to {hi}"
        )
    if t == "str":
        return f"a string of {_span(*s['len'])} character" + ("" if s["len"] == [1, 1] else "s")
    if t in ("list", "tuple", "set", "frozenset"):
        inner = describe_shape(s["items"]) if "items" in s else "none"
        what = "elements" if t == "tuple" else "items"
        return f"a {word} of {_span(*s['len'])} {what}" + (f", each {inner}" if "items" in s else "")
    if t == "dict":
        if "keys" not in s:
            return f"a dict of {_span(*s['len'])} entries"
        return (
            f"a dict of {_span(*s['len'])} entries, keys each {describe_shape(s['keys'])}, values each "
            f"{describe_shape(s['values'])}"
        )
    return f"a {word}"


def fits_shape(value: Any, s: dict | None) -> bool:
    """Whether ``value`` is within the stated shape ``s``."""
    if s is None:
        return True
    merged = _merge_two(s, shape_of(value))
    return merged == s
