"""A tiny typed IR for generated programs: renders to Python source and evaluates concretely.

Contract: every node renders to exactly the source the generator ships, and ``evaluate`` gives the same
result Python would for the constructs the generator emits (assignments, operator/method expressions built
from real Python callables, if/elif/else, for, while, try/except/finally, raise, return, break, continue,
comprehensions and calls of generated functions, recursion included). The generator uses it only to pick
arguments that satisfy preconditions and to reject candidates before they reach the sandbox; the sandbox
(``execgym.engine``) remains the judge of what a program does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from execgym.synth.values import fast_copy, literal


class BudgetExceeded(Exception):
    """The simulation ran more statements than its budget allows (or built a value that is too large)."""


MAX_SIM_LEN = 2000


_SIZED = (str, bytes, list, tuple, set, dict)
_UNSIZED_ATOMS = frozenset({bool, float, type(None)})


def _guard(value: Any) -> Any:
    cls = type(value)
    if cls in _UNSIZED_ATOMS:
        return value
    if cls is int:
        if value.bit_length() > 256:
            raise BudgetExceeded()
        return value
    if isinstance(value, _SIZED) and len(value) > MAX_SIM_LEN:
        raise BudgetExceeded()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        raise BudgetExceeded()
    return value


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Expr:
    """An expression: ``text`` is its source, ``atom`` whether it needs no parentheses as an operand."""

    text: str
    atom: bool

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()

    def wrapped(self) -> str:
        return self.text if self.atom else f"({self.text})"


@dataclass
class Var(Expr):
    name: str

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.name

    atom: bool = True

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        return env[self.name]

    def names(self) -> set[str]:
        return {self.name}


@dataclass
class Const(Expr):
    value: Any
    atom: bool = True

    @property
    def text(self) -> str:  # type: ignore[override]
        return literal(self.value)

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        return fast_copy(self.value)


@dataclass
class Raw(Expr):
    """Fixed source text with a fixed value (e.g. ``string.digits``, a lambda, ``None``)."""

    text: str  # type: ignore[assignment]
    value: Any
    atom: bool = True

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        return self.value


def render_template(template: str, parts: Sequence[Expr]) -> tuple[str, bool]:
    """Fill ``{0}``, ``{1}``... in ``template``, wrapping operands in parentheses where needed.

    A template is "binary" when it has top-level spaces (``{0} + {1}``, ``{1} in {0}``, ``not {0}``); then
    every operand that is not atomic is wrapped and the result is not atomic. Otherwise (a call, method call
    or subscript form) only a slot followed by ``.`` or ``[`` is wrapped and the result is atomic.
    """
    binary = _is_binary(template)

    def fill(match: re.Match) -> str:
        part = parts[int(match.group(1))]
        after = template[match.end(): match.end() + 1]
        if after == "." and isinstance(part, Const) and isinstance(part.value, (int, float)):
            return f"({part.text})"  # `3.bit_length()` is a syntax error
        return part.wrapped() if (binary or after in (".", "[")) else part.text

    return _SLOT.sub(fill, template), not binary


_SLOT = re.compile(r"\{(\d)\}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@functools.lru_cache(maxsize=4096)
def _is_binary(template: str) -> bool:
    text = _QUOTED.sub("''", template)
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == " " and depth == 0:
            return True
    return False


@dataclass
class Op(Expr):
    """``template`` filled with ``parts``; its value is ``fn(*part_values)``."""

    template: str
    parts: list[Expr]
    fn: Callable[..., Any]
    tag: tuple[str, str] | None = None  # (type, operation) of the catalog entry, if any

    def __post_init__(self) -> None:
        self.atom = not _is_binary(self.template)

    @property
    def text(self) -> str:  # type: ignore[override]
        return render_template(self.template, self.parts)[0]

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        parts = self.parts
        if len(parts) == 1:
            return self.fn(parts[0].eval(env, ctx))
        if len(parts) == 2:
            first = parts[0].eval(env, ctx)  # operands are evaluated left to right, as before
            return self.fn(first, parts[1].eval(env, ctx))
        return self.fn(*[p.eval(env, ctx) for p in parts])

    def names(self) -> set[str]:
        out: set[str] = set()
        for p in self.parts:
            out |= p.names()
        return out


@dataclass
class BoolOp(Expr):
    """``a and b`` / ``a or b`` with Python's short-circuit semantics."""

    op: str
    left: Expr
    right: Expr
    atom: bool = False

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"{self.left.wrapped()} {self.op} {self.right.wrapped()}"

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        left = self.left.eval(env, ctx)
        if self.op == "and":
            return left and self.right.eval(env, ctx)
        return left or self.right.eval(env, ctx)

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass
class Comprehension(Expr):
    """``[elt for target in source if cond]`` (or a set/dict comprehension with ``kind``)."""

    elt: Expr
    target: str
    source: Expr
    cond: Expr | None = None
    kind: str = "list"  # list | set
    atom: bool = True

    @property
    def text(self) -> str:  # type: ignore[override]
        tail = f" if {self.cond.text}" if self.cond is not None else ""
        body = f"{self.elt.text} for {self.target} in {self.source.text}{tail}"
        return f"[{body}]" if self.kind == "list" else "{" + body + "}"

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        out = []
        inner = dict(env)
        for item in self.source.eval(env, ctx):
            ctx.tick()
            inner[self.target] = item
            if self.cond is None or self.cond.eval(inner, ctx):
                out.append(self.elt.eval(inner, ctx))
        return out if self.kind == "list" else set(out)

    def names(self) -> set[str]:
        inner = self.elt.names() | (self.cond.names() if self.cond is not None else set())
        return (inner - {self.target}) | self.source.names()


@dataclass
class Call(Expr):
    """A call of a generated function."""

    function: Function
    args: list[Expr]
    atom: bool = True

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"{self.function.name}({', '.join(a.text for a in self.args)})"

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        return self.function.invoke([a.eval(env, ctx) for a in self.args], ctx)

    def names(self) -> set[str]:
        out: set[str] = set()
        for a in self.args:
            out |= a.names()
        return out


@dataclass
class TupleExpr(Expr):
    """``a, b`` (a tuple display; parenthesised when it is an operand)."""

    items: list[Expr]
    atom: bool = True

    @property
    def text(self) -> str:  # type: ignore[override]
        return "(" + ", ".join(i.text for i in self.items) + ")"

    def eval(self, env: dict[str, Any], ctx: Context) -> Any:
        return tuple(i.eval(env, ctx) for i in self.items)

    def names(self) -> set[str]:
        out: set[str] = set()
        for i in self.items:
            out |= i.names()
        return out


# ----------------------------------------------------------------------------------------------- statements


@dataclass
class Stmt:
    optional: bool = field(default=False, kw_only=True)  # coverage of this statement is not required

    def render(self, indent: int) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def run(self, env: dict[str, Any], ctx: Context) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def reads(self) -> set[str]:
        return set()

    def writes(self) -> set[str]:
        return set()

    def children(self) -> list[list[Stmt]]:
        return []


def _pad(indent: int) -> str:
    return "    " * indent


@dataclass
class Assign(Stmt):
    target: str
    value: Expr

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}{self.target} = {self.value.text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        env[self.target] = _guard(self.value.eval(env, ctx))

    def reads(self) -> set[str]:
        return self.value.names()

    def writes(self) -> set[str]:
        return {self.target}


@dataclass
class AugAssign(Stmt):
    target: str
    op: str  # "+=", "-=", "&=", ...
    value: Expr
    fn: Callable[[Any, Any], Any]
    tag: tuple[str, str] | None = None

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}{self.target} {self.op} {self.value.text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        env[self.target] = _guard(self.fn(env[self.target], self.value.eval(env, ctx)))

    def reads(self) -> set[str]:
        return self.value.names() | {self.target}

    def writes(self) -> set[str]:
        return {self.target}


@dataclass
class SetItem(Stmt):
    target: str
    key: Expr
    value: Expr
    tag: tuple[str, str] | None = None

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}{self.target}[{self.key.text}] = {self.value.text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        value = self.value.eval(env, ctx)
        env[self.target][self.key.eval(env, ctx)] = value

    def reads(self) -> set[str]:
        return self.key.names() | self.value.names() | {self.target}

    def writes(self) -> set[str]:
        return {self.target}


@dataclass
class ExprStmt(Stmt):
    value: Expr
    mutated: str | None = None  # the variable this call mutates in place

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}{self.value.text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        self.value.eval(env, ctx)
        if self.mutated:
            _guard(env[self.mutated])

    def reads(self) -> set[str]:
        return self.value.names()

    def writes(self) -> set[str]:
        return {self.mutated} if self.mutated else set()


@dataclass
class Return(Stmt):
    value: Expr

    def render(self, indent: int) -> list[str]:
        text = self.value.text[1:-1] if isinstance(self.value, TupleExpr) else self.value.text
        return [f"{_pad(indent)}return {text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        raise _Return(self.value.eval(env, ctx))

    def reads(self) -> set[str]:
        return self.value.names()


@dataclass
class Break(Stmt):
    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}break"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        raise _Break()


@dataclass
class Continue(Stmt):
    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}continue"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        raise _Continue()


@dataclass
class Raise(Stmt):
    exc: str  # "ValueError" | "KeyError" | ...
    message: Expr

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}raise {self.exc}({self.message.text})"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        raise _EXCEPTIONS[self.exc](self.message.eval(env, ctx))

    def reads(self) -> set[str]:
        return self.message.names()


_EXCEPTIONS: dict[str, type[Exception]] = {
    "ValueError": ValueError,
    "KeyError": KeyError,
    "IndexError": IndexError,
    "TypeError": TypeError,
    "ZeroDivisionError": ZeroDivisionError,
    "LookupError": LookupError,
}


@dataclass
class If(Stmt):
    branches: list[tuple[Expr, list[Stmt]]]
    orelse: list[Stmt] = field(default_factory=list)

    def render(self, indent: int) -> list[str]:
        lines: list[str] = []
        for i, (cond, body) in enumerate(self.branches):
            keyword = "if" if i == 0 else "elif"
            lines.append(f"{_pad(indent)}{keyword} {cond.text}:")
            lines.extend(render_block(body, indent + 1))
        if self.orelse:
            lines.append(f"{_pad(indent)}else:")
            lines.extend(render_block(self.orelse, indent + 1))
        return lines

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        for cond, body in self.branches:
            ctx.tick()
            if cond.eval(env, ctx):
                run_block(body, env, ctx)
                return
        run_block(self.orelse, env, ctx)

    def reads(self) -> set[str]:
        out: set[str] = set()
        for cond, _ in self.branches:
            out |= cond.names()
        return out

    def children(self) -> list[list[Stmt]]:
        return [body for _, body in self.branches] + ([self.orelse] if self.orelse else [])


@dataclass
class For(Stmt):
    targets: list[str]
    source: Expr
    body: list[Stmt]

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}for {', '.join(self.targets)} in {self.source.text}:"] + render_block(
            self.body, indent + 1
        )

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        for item in self.source.eval(env, ctx):
            ctx.tick()
            if len(self.targets) == 1:
                env[self.targets[0]] = item
            else:
                values = tuple(item)
                if len(values) != len(self.targets):
                    raise ValueError("unpack mismatch")
                for name, value in zip(self.targets, values):
                    env[name] = value
            try:
                run_block(self.body, env, ctx)
            except _Break:
                break
            except _Continue:
                continue

    def reads(self) -> set[str]:
        return self.source.names()

    def writes(self) -> set[str]:
        return set(self.targets)

    def children(self) -> list[list[Stmt]]:
        return [self.body]


@dataclass
class While(Stmt):
    cond: Expr
    body: list[Stmt]

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}while {self.cond.text}:"] + render_block(self.body, indent + 1)

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        while True:
            ctx.tick()
            if not self.cond.eval(env, ctx):
                break
            try:
                run_block(self.body, env, ctx)
            except _Break:
                break
            except _Continue:
                continue

    def reads(self) -> set[str]:
        return self.cond.names()

    def children(self) -> list[list[Stmt]]:
        return [self.body]


@dataclass
class Try(Stmt):
    body: list[Stmt]
    exc: str
    handler: list[Stmt]
    final: list[Stmt] = field(default_factory=list)

    def render(self, indent: int) -> list[str]:
        lines = [f"{_pad(indent)}try:"] + render_block(self.body, indent + 1)
        lines.append(f"{_pad(indent)}except {self.exc}:")
        lines += render_block(self.handler, indent + 1)
        if self.final:
            lines.append(f"{_pad(indent)}finally:")
            lines += render_block(self.final, indent + 1)
        return lines

    def run(self, env, ctx) -> None:
        ctx.visit(self)
        try:
            run_block(self.body, env, ctx)
        except _EXCEPTIONS[self.exc]:
            run_block(self.handler, env, ctx)
        finally:
            if self.final:
                run_block(self.final, env, ctx)

    def children(self) -> list[list[Stmt]]:
        return [self.body, self.handler] + ([self.final] if self.final else [])


@dataclass
class Import(Stmt):
    text: str

    def render(self, indent: int) -> list[str]:
        return [f"{_pad(indent)}{self.text}"]

    def run(self, env, ctx) -> None:
        ctx.visit(self)


def render_block(stmts: Sequence[Stmt], indent: int) -> list[str]:
    lines: list[str] = []
    for stmt in stmts:
        lines.extend(stmt.render(indent))
    return lines


def run_block(stmts: Sequence[Stmt], env: dict[str, Any], ctx: Context) -> None:
    for stmt in stmts:
        ctx.steps += 1  # ``ctx.tick()``, inlined (the simulator's hottest loop)
        if ctx.steps > ctx.budget:
            raise BudgetExceeded()
        stmt.run(env, ctx)


def walk(stmts: Sequence[Stmt]):
    """Every statement in ``stmts``, depth first."""
    for stmt in stmts:
        yield stmt
        for block in stmt.children():
            yield from walk(block)


@dataclass
class Function:
    name: str
    params: list[str]
    body: list[Stmt]

    def render(self) -> str:
        head = f"def {self.name}({', '.join(self.params)}):"
        return "\n".join([head] + render_block(self.body, 1))

    def invoke(self, args: list[Any], ctx: Context) -> Any:
        ctx.depth += 1
        if ctx.depth > 60:
            raise RecursionError("generated recursion too deep")
        env = dict(zip(self.params, args))
        try:
            run_block(self.body, env, ctx)
        except _Return as ret:
            return ret.value
        finally:
            ctx.depth -= 1
        return None


class Context:
    """Simulation state: a statement budget and the set of statements that ran."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.steps = 0
        self.depth = 0
        self.visited: set[int] = set()

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.budget:
            raise BudgetExceeded()

    def visit(self, stmt: Stmt) -> None:
        self.visited.add(id(stmt))


def simulate(entry: Function, args: list[Any], budget: int) -> tuple[Any, Context]:
    """Run ``entry`` on deep copies of ``args``; raises whatever the program raises."""
    ctx = Context(budget)
    value = entry.invoke([fast_copy(a) for a in args], ctx)
    return value, ctx
