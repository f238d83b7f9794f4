"""Single realistic faults on a reference solution's AST (the starting code of a "buggy start" repair episode).

Contract: ``mutation_sites(source)`` lists every place one fault can be injected, in AST walk order;
``mutate(source, seed)`` picks one of them with a hashed seed (``seeding.derive_seed``; no global random state)
and returns ``Mutant(source, description)`` or ``None`` when the code has no site or does not parse. Same
(source, seed) -> same mutant in every process. Faults: an int constant (also a ``range`` bound) +/- 1, a flipped
comparison (``<``/``<=``, ``>``/``>=``, ``==``/``!=``), ``and``/``or`` swapped, the two arguments of a 2-argument
call swapped, a method replaced by a same-kind alternative (``strip``/``lstrip``/``rstrip``, ...), and a dropped
edge-case branch (an ``if`` without ``else`` whose body ends in ``return``/``continue``/``break`` is removed; an
``if``/``else`` keeps only its ``else`` part; never when that would leave an empty body). The
description is for logs and metadata, never for the model.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from execgym import astparse
from execgym.seeding import derive_seed

CMP_FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
# methods whose alternatives take the same arguments and return the same kind of value
METHOD_ALTERNATIVES = [
    ("strip", "lstrip", "rstrip"),
    ("find", "rfind"),
    ("index", "rindex"),
    ("lower", "upper"),
    ("startswith", "endswith"),
    ("split", "rsplit"),
    ("ljust", "rjust"),
]
_ALT = {name: group for group in METHOD_ALTERNATIVES for name in group}


@dataclass(frozen=True)
class Mutant:
    source: str
    description: str


def _sites(tree: ast.AST) -> list[tuple[int, str, int]]:
    """(node index in ``ast.walk`` order, kind, variant) for every injectable fault."""
    out: list[tuple[int, str, int]] = []
    parents: dict[
        int, list
    ] = {}  # id(statement) -> the statement list holding it (walk visits parents first)
    for i, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            out += [(i, "int", +1), (i, "int", -1)]
        elif isinstance(node, ast.Compare):
            out += [(i, "cmp", k) for k, op in enumerate(node.ops) if type(op) in CMP_FLIP]
        elif isinstance(node, ast.BoolOp):
            out.append((i, "boolop", 0))
        elif isinstance(node, ast.Call):
            if (
                len(node.args) == 2
                and not node.keywords
                and not any(isinstance(a, ast.Starred) for a in node.args)
            ):
                if ast.dump(node.args[0]) != ast.dump(node.args[1]):
                    out.append((i, "swap", 0))
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _ALT:
                out += [(i, "method", k) for k, alt in enumerate(_ALT[func.attr]) if alt != func.attr]
        elif isinstance(node, ast.If) and _droppable(node, parents.get(id(node))):
            out.append((i, "dropif", 0))
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                for child in block:
                    parents[id(child)] = block
    return out


def _droppable(node: ast.If, block: list | None) -> bool:
    """An edge-case branch: ``if`` + early exit and no ``else`` (removed), or ``if``/``else`` (the else kept)."""
    if block is None:
        return False
    if node.orelse:
        return True
    return isinstance(node.body[-1], (ast.Return, ast.Continue, ast.Break, ast.Raise)) and len(block) > 1


def mutation_sites(source: str) -> list[tuple[int, str, int]]:
    """Every single-fault site of ``source`` (empty when it does not parse)."""
    try:
        return _sites(astparse.parse(source))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []


def _apply(tree: ast.AST, site: tuple[int, str, int]) -> str:
    index, kind, variant = site
    node = list(ast.walk(tree))[index]
    line = getattr(node, "lineno", "?")
    if kind == "int":
        old = node.value
        node.value = old + variant
        return f"line {line}: int constant {old} -> {node.value}"
    if kind == "cmp":
        old = type(node.ops[variant])
        node.ops[variant] = CMP_FLIP[old]()
        return f"line {line}: comparison {CMP_TEXT[old]} -> {CMP_TEXT[CMP_FLIP[old]]}"
    if kind == "boolop":
        old = "and" if isinstance(node.op, ast.And) else "or"
        node.op = ast.Or() if old == "and" else ast.And()
        return f"line {line}: boolean {old} -> {'or' if old == 'and' else 'and'}"
    if kind == "dropif":
        for parent in ast.walk(tree):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(parent, field, None)
                if isinstance(block, list) and any(child is node for child in block):
                    at = next(k for k, child in enumerate(block) if child is node)
                    block[at : at + 1] = list(node.orelse)
                    kept = "kept only its else part" if node.orelse else "removed"
                    return f"line {line}: the branch `if {ast.unparse(node.test)}:` {kept}"
        raise ValueError("dropif: the branch has no parent block")  # cannot happen: _sites found one
    if kind == "swap":
        node.args = [node.args[1], node.args[0]]
        return f"line {line}: swapped the two arguments of a call"
    old = node.func.attr
    node.func.attr = _ALT[old][variant]
    return f"line {line}: method .{old}() -> .{node.func.attr}()"


def mutate(source: str, seed: int) -> Mutant | None:
    """One single-fault mutant of ``source`` chosen by ``seed`` (see the module contract); ``None`` when there
    is no site. The mutant's text always differs from ``ast.unparse`` of the original."""
    try:
        tree = astparse.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    sites = _sites(tree)
    if not sites:
        return None
    site = sites[derive_seed("execgym.mutate", source, seed) % len(sites)]
    mutated = copy.deepcopy(tree)
    description = _apply(mutated, site)
    return Mutant(ast.unparse(mutated), description)
