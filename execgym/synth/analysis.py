"""Static questions about generated IR: which operations an expression uses, what a statement reads.

Contract: pure functions over ``execgym.synth.ir`` nodes; no randomness, no execution.
"""

from __future__ import annotations

from execgym.synth import ir


def _no_children(expr: ir.Expr) -> list[ir.Expr]:
    return []


def _comprehension_children(expr: ir.Comprehension) -> list[ir.Expr]:
    out = [expr.elt, expr.source]
    if isinstance(expr.cond, ir.Expr):
        out.append(expr.cond)
    return out


# the children of the IR's own expression classes, in the order ``_generic_children`` gives them
_CHILDREN = {
    ir.Var: _no_children,
    ir.Const: _no_children,
    ir.Raw: _no_children,
    ir.Op: lambda expr: list(expr.parts or ()),
    ir.BoolOp: lambda expr: [sub for sub in (expr.left, expr.right) if isinstance(sub, ir.Expr)],
    ir.Comprehension: _comprehension_children,
    ir.Call: lambda expr: list(expr.args),
    ir.TupleExpr: lambda expr: list(expr.items or ()),
}


def expr_children(expr: ir.Expr) -> list[ir.Expr]:
    children = _CHILDREN.get(type(expr))
    if children is not None:
        return children(expr)
    return _generic_children(expr)


def _generic_children(expr: ir.Expr) -> list[ir.Expr]:
    out: list[ir.Expr] = []
    out.extend(getattr(expr, "parts", None) or [])
    for attr in ("left", "right", "elt", "source", "cond"):
        sub = getattr(expr, attr, None)
        if isinstance(sub, ir.Expr):
            out.append(sub)
    out.extend(getattr(expr, "items", None) or [])
    if isinstance(expr, ir.Call):
        out.extend(expr.args)
    return out


def stmt_exprs(stmt: ir.Stmt) -> list[ir.Expr]:
    if isinstance(stmt, (ir.Assign, ir.AugAssign, ir.Return)):
        return [stmt.value]
    if isinstance(stmt, ir.SetItem):
        return [stmt.key, stmt.value]
    if isinstance(stmt, ir.ExprStmt):
        return [stmt.value]
    if isinstance(stmt, ir.If):
        return [cond for cond, _ in stmt.branches]
    if isinstance(stmt, ir.For):
        return [stmt.source]
    if isinstance(stmt, ir.While):
        return [stmt.cond]
    if isinstance(stmt, ir.Raise):
        return [stmt.message]
    return []


def stmt_tags(stmt: ir.Stmt) -> list[tuple[str, str]]:
    out = [stmt.tag] if isinstance(stmt, (ir.AugAssign, ir.SetItem)) and stmt.tag is not None else []
    for expr in stmt_exprs(stmt):
        out.extend(op_tags(expr))
    return out


def op_tags(expr: ir.Expr) -> list[tuple[str, str]]:
    out = [expr.tag] if isinstance(expr, ir.Op) and expr.tag is not None else []
    for child in expr_children(expr):
        out.extend(op_tags(child))
    return out


def nesting_depth(expr: ir.Expr, tag: tuple[str, str]) -> int:
    """The longest chain of ``tag`` operations nested inside one another in ``expr``."""
    best = 0
    for child in expr_children(expr):
        best = max(best, nesting_depth(child, tag))
    if isinstance(expr, ir.Op) and expr.tag == tag:
        return best + 1
    return best


def external_reads(stmt: ir.Stmt) -> set[str]:
    """Names a statement reads, not counting the variable it updates in place."""
    if isinstance(stmt, ir.AugAssign):
        return stmt.value.names()
    if isinstance(stmt, ir.SetItem):
        return stmt.key.names() | stmt.value.names()
    if isinstance(stmt, ir.ExprStmt) and stmt.mutated:
        return stmt.value.names() - {stmt.mutated}
    out: set[str] = set()
    for expr in stmt_exprs(stmt):
        out |= expr.names()
    return out


def stmt_writes(stmt: ir.Stmt) -> set[str]:
    if isinstance(stmt, (ir.Assign, ir.AugAssign)):
        return {stmt.target}
    if isinstance(stmt, ir.For):
        return set(stmt.targets)
    return set()


def control_depth(stmts: list[ir.Stmt]) -> int:
    best = 0
    for stmt in stmts:
        inner = max((control_depth(block) for block in stmt.children()), default=0)
        if isinstance(stmt, (ir.If, ir.For, ir.While)):
            inner += 1
        best = max(best, inner)
    return best
