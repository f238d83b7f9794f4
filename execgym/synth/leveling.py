"""Levels for code nobody leveled: the level whose structural definition a program meets.

Contract: ``measure_structure(source, entry) -> Structure`` (pure) counts what ``envs/levels.toml`` talks
about: functions, whether the entry calls another defined function (a call chain), the nesting depth of
``if``/``for``/``while`` (an ``elif`` continues its ``if``), nested calls (a call inside another call's
arguments or receiver), distinct operations, and the level-7/8 extras (exceptions, comprehensions, early
returns, break/continue, recursion, stdlib imports). ``assign_level(structure, line_steps)`` returns:

1. the highest level ``L`` of ``load_levels()`` whose definition the structure meets, where a control depth
   above 3 counts as 3, ``call_chain = "on"`` needs a chain (``"off"`` and ``"optional"`` accept any number
   of functions), ``nested_calls``/``other_operations`` need them, ``min_extras``/``required_one_of`` need
   that many / one of the extras, and imports are only allowed where the level lists ``stdlib_modules``;
2. when no level is met (e.g. no nested call at all): 1 for depth 0, 3 for depth 1, 4 for depth 2, 5 deeper;
3. then raised to the first level whose ``STEP_CEILINGS`` entry admits ``line_steps`` (the main call's line
   events), so a long run of a shallow function is not served as an easy task.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from execgym.synth.corpus_rows import parse_code

# a program whose main call takes more line steps than the ceiling of its structural level moves up
STEP_CEILINGS: dict[int, int] = {1: 40, 2: 60, 3: 200, 4: 500, 5: 1000, 6: 1000, 7: 10_000, 8: 10_000}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Structure:
    functions: int
    call_chain: bool
    control_depth: int
    nested_calls: bool
    operations: dict[str, int]          # ".method" / "builtin" -> number of calls
    extras: tuple[str, ...]             # sorted names from levels.toml's extras
    imports: tuple[str, ...]            # top-level module names imported anywhere

    def to_dict(self) -> dict:
        return {"functions": self.functions, "call_chain": self.call_chain, "control_depth": self.control_depth,
                "nested_calls": self.nested_calls, "distinct_operations": len(self.operations),
                "extras": list(self.extras), "imports": list(self.imports)}


def control_depth(stmts: Sequence[ast.stmt]) -> int:
    """Nesting depth of if/for/while in ``stmts`` (an ``elif`` continues its ``if``; nested defs count too)."""
    best = 0
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            best = max(best, 1 + max(control_depth(stmt.body), control_depth(stmt.orelse)))
        elif isinstance(stmt, ast.If):
            alternatives = stmt.orelse
            inner = control_depth(stmt.body)
            while len(alternatives) == 1 and isinstance(alternatives[0], ast.If):
                inner = max(inner, control_depth(alternatives[0].body))
                alternatives = alternatives[0].orelse
            best = max(best, 1 + max(inner, control_depth(alternatives)))
        elif isinstance(stmt, (ast.With, ast.AsyncWith, *_FUNCS, ast.ClassDef)):
            best = max(best, control_depth(stmt.body))
        elif isinstance(stmt, ast.Try):
            blocks = [stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)]
            best = max(best, *(control_depth(b) for b in blocks))
    return best


def _call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        return "." + node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return ""


def _has_nested_call(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        inner = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node.func, ast.Attribute):
            inner.append(node.func.value)
        for part in inner:
            if any(isinstance(sub, ast.Call) for sub in ast.walk(part)):
                return True
    return False


def _early_return(fn: ast.AST) -> bool:
    body = getattr(fn, "body", [])
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and not (body and node is body[-1]):
            return True
    return False


def measure_structure(source: str, entry: str) -> Structure:
    """What the level definitions look at, measured on ``source`` (``SyntaxError`` if it does not parse)."""
    tree = parse_code(source)
    top = [n for n in tree.body if isinstance(n, _FUNCS)]
    methods = [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body if isinstance(m, _FUNCS)]
    names = {f.name for f in top}
    entry_fn = next((f for f in top if f.name == entry), None)
    chain = False
    if entry_fn is not None:
        called = {n.func.id for n in ast.walk(entry_fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        chain = bool(called & (names - {entry}))
    operations: dict[str, int] = {}
    extras: set[str] = set()
    imports: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name and name not in names:
                operations[name] = operations.get(name, 0) + 1
        elif isinstance(node, ast.Try) or (isinstance(node, ast.Raise)):
            extras.add("exceptions")
        elif isinstance(node, _COMPREHENSIONS):
            extras.add("comprehension")
        elif isinstance(node, (ast.Break, ast.Continue)):
            extras.add("break_continue")
        elif isinstance(node, ast.Import):
            imports.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imports.add(node.module.split(".")[0])
    for fn in [*top, *methods]:
        if _early_return(fn):
            extras.add("early_return")
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fn.name
               for n in ast.walk(fn)):
            extras.add("recursion")
    if imports:
        extras.add("stdlib")
    return Structure(
        functions=len(top) + len(methods), call_chain=chain,
        control_depth=max([control_depth(f.body) for f in [*top, *methods]] or [0]),
        nested_calls=_has_nested_call(tree), operations=dict(sorted(operations.items())),
        extras=tuple(sorted(extras)), imports=tuple(sorted(imports)),
    )


def meets(structure: Structure, spec) -> bool:
    """Whether ``structure`` meets the structural definition of level ``spec`` (a ``LevelSpec``)."""
    depth = min(structure.control_depth, 3)
    low, high = spec.control_depth
    if not low <= depth <= high:
        return False
    if spec.call_chain == "on" and not structure.call_chain:
        return False
    if spec.nested_calls and not structure.nested_calls:
        return False
    if spec.other_operations and len(structure.operations) < 2:
        return False
    if structure.imports and not spec.stdlib_modules:
        return False
    present = [e for e in spec.extras if e in structure.extras]
    if len(present) < spec.min_extras:
        return False
    return not (spec.required_one_of and not any(e in structure.extras for e in spec.required_one_of))


def structural_level(structure: Structure) -> int:
    """Rules 1 and 2 of the module contract."""
    from execgym.synth.levels import load_levels

    levels = load_levels()
    for level in sorted(levels, reverse=True):
        if meets(structure, levels[level]):
            return level
    return {0: 1, 1: 3, 2: 4}.get(structure.control_depth, 5)


def assign_level(structure: Structure, line_steps: int) -> int:
    """The level of a corpus program (the module contract's three rules)."""
    level = structural_level(structure)
    for candidate in sorted(STEP_CEILINGS):
        if candidate >= level and line_steps <= STEP_CEILINGS[candidate]:
            return candidate
    return max(STEP_CEILINGS)


def corpus_features(source: str, structure: Structure, line_numbers: Sequence[int]) -> dict:
    """Difficulty features of a corpus program from its main call's executed lines (the keys
    ``execgym.synth`` programs carry: lines, control_depth, functions, operations, trace_length...)."""
    tree = parse_code(source)
    branch_lines = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.If)}
    loop_body_lines = {n.body[0].lineno for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While)) and n.body}
    return {
        "lines": sum(1 for ln in source.splitlines() if ln.strip()),
        "control_depth": structure.control_depth,
        "functions": structure.functions,
        "operations": dict(structure.operations),
        "distinct_operations": len(structure.operations),
        "trace_length": len(line_numbers),
        "branches": sum(1 for n in line_numbers if n in branch_lines),
        "loop_iterations": sum(1 for n in line_numbers if n in loop_body_lines),
        "lines_executed": len(set(line_numbers)),
    }
