"""Quality measures of programs: does a program read and behave like code people write?

Contract (definitions in docs/synthesis.md, "Quality measures"; the same for execgym's generator, the teacher
route and corpora):

- ``static_quality(source) -> StaticQuality`` (pure, cached): the unnatural idioms, results computed and
  thrown away, the Python constructs used, the statements a run can execute (first lines) and the branch
  tests (``if``/``elif``/``while`` headers with the first line of their body), lines and variables.
- ``judge(source, traces) -> ProgramQuality`` (pure): the measures over the sandbox traces of a program's calls
  (the main call first). Only runs that ended ``ok`` and were not truncated count. ``judge_runs(source,
  summaries)`` is the same from ``RunSummary`` rows (value, executed lines, test outcomes, line steps).
- ``assess(rows, *, variants=5, seed=0, workers=None) -> list[ProgramQuality]``: tops each row up to
  ``1 + variants`` calls with ``variant_calls`` (fresh literal arguments that run ok), traces every call in the
  sandbox (``execgym.synth.decide.run_decided``: timeouts are retried, never taken as verdicts) and judges;
  with ``own=True`` (programs this process generated) the rows the light coverage runner can take are measured
  there instead (``execgym.synth.quality_light``), with the same results.
- ``summarize(qualities) -> dict`` (rates, construct coverage, means) and ``format_summary(...)``: the report
  ``execgym synth --report`` prints.

Measures (``ProgramQuality.problems()`` names the ones that hold):
- ``constant_output``: every ok run returned the same value (a program with fewer than two ok runs counts as
  constant, since nothing shows that its output depends on its input);
- ``trivial_output``: the main call returned a list/tuple of >= 2 copies of one trivial value (a bool, None,
  0, 0.0, '' or an empty container);
- ``dead_statement``: a statement inside a function body that no ok run executed;
- ``constant_test``: an ``if``/``elif``/``while`` test that had the same truth value every time any run
  evaluated it, or a ``try`` whose body raised into one of its handlers every time any run entered it, or
  never did (whose handlers no run executes are also ``dead_statement``). A ``try`` is judged from
  line counts (``StaticRules.tries``): entered as often as its body's first line ran, raised as often as its
  handlers' first lines ran; one whose body or handlers start with a loop or a statement over several lines
  is not judged;
- ``idiom``: (a) a bool- or count-valued expression passed through ``str``/``list``/``tuple``/``set``/
  ``float``/``int``/``format``/``sorted`` and fed to another call, or a count used as the value a
  count/search looks for (``xs.count(xs.count(x))``); (b) a method applied to its own result with the same
  arguments (``s.strip().strip()``), a builtin nested in itself (``sorted(sorted(x))``), a conversion round
  trip (``int(float(int(x)))``), or the same statement twice in a row; (c) ``format``/``format_map``/
  ``format()`` nested inside another one; (d) a method called on a container display holding computed values
  (``[xs.count(a), 21].count(3)``);
- ``unused_result``: a side-effect-free call used as a statement outside ``try`` (its value is thrown away).

Beside the problems, for rows that name their focus operation (execgym's own programs: ``focus`` or
``meta["focus"]``), ``focus_inert``: the program with the focus's uses replaced by the values they apply to
(``execgym.synth.focus_effect``) returned the same for every call (True), not (False), or it could not be
told (None: no focus, a focus that gives back its receiver by nature, ``focus_effect.IDENTITY_FOCUS``,
nothing to replace, fewer than two comparable calls, or a stripped run the sandbox could not decide). Reported as a rate over the rows where it was told; not a rejection rule of the report (the pattern generator's
filter applies the same test to its own drafts, ``FilterConfig.focus_effect``). ``focus_call_inert``, told with it: the
program's own call alone returned the same without the focus (its output does not show the focus's effect).

Also beside the problems, two reading measures (``READING``; reported, never a rejection rule, since real code
has them now and then):
- ``recomputed``: an ``if``/``while`` test computes a call (other than ``len``/``str``/``int``/``range`` of a
  name or a literal) that the statements it governs compute again (``if len(w.strip()) > 3:``
  ``parts.append(w.strip())``), where people name the value once;
- ``extra_parentheses``: a line holds parentheses that group nothing its statement needs grouped and that it
  reads plainly without (``(w[1:3])[0:1]``, ``if (x > 3) and (y < 2):``; ``execgym.synth.parens.ungroup``).
"""

from __future__ import annotations

import ast
import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execgym import astparse
from execgym.synth.focus_effect import IDENTITY_FOCUS, call_inert, inert, without_focus
from execgym.synth.parens import ungroup

PROBLEMS = ("constant_output", "trivial_output", "dead_statement", "constant_test", "idiom", "unused_result")
READING = ("recomputed", "extra_parentheses")  # reported beside the problems, never a rejection rule

# the constructs a level's programs should use with a meaning (issue "synthesis v2", item 3)
CONSTRUCTS = (
    "lambda", "conditional_expression", "f_string", "list_comprehension", "dict_comprehension",
    "set_comprehension", "generator_expression", "starred", "tuple_swap", "is_none", "power",
    "negative_index", "slice_step", "del", "for_else", "while_else", "try_except", "enumerate", "zip",
    "range_step", "walrus", "assert", "pass", "break", "continue", "early_return", "membership",
    "chained_comparison", "augmented_assignment", "nested_function", "recursion", "mutate_while_iterating_copy",
    "while_loop", "for_loop", "if", "dict_literal", "set_literal", "negative_number",
)

_WRAPPERS = frozenset({"str", "list", "tuple", "set", "float", "int", "format", "sorted"})
_BOOL_METHODS = frozenset({
    "startswith", "endswith", "isdisjoint", "issubset", "issuperset", "isalnum", "isalpha", "isascii",
    "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle",
    "isupper", "is_integer",
})
_COUNT_METHODS = frozenset({"count", "find", "rfind", "index", "rindex", "bit_length", "bit_count"})
_BOOL_FUNCS = frozenset({"bool", "any", "all", "isinstance", "callable", "hasattr"})
_COUNT_FUNCS = frozenset({"len"})
_SELF_NESTING_BUILTINS = frozenset({
    "sorted", "list", "tuple", "set", "frozenset", "str", "int", "float", "abs", "reversed", "bool", "dict",
    "round", "repr",
})
_FORMAT_ATTRS = frozenset({"format", "format_map"})
_PURE_METHODS = frozenset({
    # str / bytes
    "capitalize", "casefold", "center", "count", "encode", "decode", "endswith", "expandtabs", "find",
    "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
    "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate",
    "upper", "zfill",
    # containers (non-mutating)
    "copy", "get", "keys", "values", "items", "union", "intersection", "difference", "symmetric_difference",
    "issubset", "issuperset", "isdisjoint", "as_integer_ratio", "bit_length", "bit_count", "conjugate",
    "is_integer", "hex",
})
_PURE_FUNCS = frozenset({
    "len", "sorted", "reversed", "str", "int", "float", "list", "tuple", "set", "frozenset", "dict", "abs",
    "min", "max", "sum", "any", "all", "round", "bool", "repr", "ord", "chr", "range", "enumerate", "zip",
    "map", "filter", "divmod", "pow", "hash", "type", "isinstance", "bin", "oct", "hex", "format",
})
_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "add",
                       "discard", "update", "popitem", "setdefault", "difference_update",
                       "intersection_update", "symmetric_difference_update"})
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
# the node types whose ``body``, ``orelse`` or ``finalbody`` can be a list of statements
_BLOCK_OWNERS = tuple(getattr(ast, name) for name in (
    "Module", "Interactive", "FunctionDef", "AsyncFunctionDef", "ClassDef", "For", "AsyncFor", "While", "If", "With",
    "AsyncWith", "Try", "TryStar", "ExceptHandler", "match_case") if hasattr(ast, name))


# ------------------------------------------------------------------------------------------- static part
@dataclass(frozen=True)
class StaticQuality:
    idioms: tuple[str, ...]                 # "line N: (a) str(x.isdigit()).isdigit()" ...
    unused_results: tuple[int, ...]         # lines of pure calls used as statements
    constructs: frozenset[str]
    statements: tuple[int, ...]             # first lines of the statements a run can execute (sorted)
    tests: tuple[tuple[int, int], ...]      # (header line, first line of the body) of if/elif/while tests
    lines: int                              # non-blank lines
    variables: int                          # distinct parameter and local names over all functions
    functions: int
    recomputed: tuple[int, ...] = ()        # lines of tests whose governed statements compute a call again
    extra_parentheses: tuple[int, ...] = ()  # lines with parentheses they need not hold (``READING``)
    tries: tuple[tuple[int, int, tuple[int, ...]], ...] = ()  # (try line, body's first line, handlers' first lines)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _is_docstring(stmt: ast.stmt, index: int) -> bool:
    return (index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _child_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(stmt, _FUNCS + (ast.ClassDef,)):
        return []  # their bodies are functions (or class bodies) of their own
    blocks = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            blocks.append(block)
    for handler in getattr(stmt, "handlers", None) or []:
        blocks.append(handler.body)
    for case in getattr(stmt, "cases", None) or []:
        blocks.append(case.body)
    return blocks


def _walk_block(block: list[ast.stmt], out_stmts: list[int], out_tests: list[tuple[int, int]],
                in_function: bool, out_tries: list[tuple[int, int, tuple[int, ...]]] | None = None) -> None:
    for index, stmt in enumerate(block):
        if in_function and not _is_docstring(stmt, index) and not isinstance(stmt, (ast.Global, ast.Nonlocal)):
            out_stmts.append(_first_line(stmt))
        if in_function and isinstance(stmt, (ast.If, ast.While)) and stmt.body:
            body_line = _first_line(stmt.body[0])
            if body_line != stmt.lineno:  # a one-line `if x: y` cannot tell its outcome from line events
                out_tests.append((stmt.lineno, body_line))
        if in_function and out_tries is not None and isinstance(stmt, ast.Try) and stmt.handlers \
                and _counts_once(stmt.body[0], stmt.lineno) \
                and all(_counts_once(handler.body[0], handler.lineno) for handler in stmt.handlers):
            out_tries.append((stmt.lineno, stmt.body[0].lineno,
                              tuple(handler.body[0].lineno for handler in stmt.handlers)))
        for sub in _child_blocks(stmt):
            _walk_block(sub, out_stmts, out_tests, in_function, out_tries)


def _counts_once(stmt: ast.stmt, header: int) -> bool:
    """Whether ``stmt``'s first line runs exactly once each time control enters the block it starts: a simple
    statement on one line of its own (a loop's header runs again each time round; a statement over several
    lines may be revisited), or an ``if`` whose header is on one line."""
    if stmt.lineno == header:
        return False  # (``try: x = 1`` on the header's own line)
    if isinstance(stmt, ast.If):
        return stmt.test.end_lineno == stmt.lineno
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
                         ast.AsyncFunctionDef, ast.ClassDef)) or type(stmt).__name__ in ("Match", "TryStar"):
        return False
    return stmt.end_lineno == stmt.lineno


def try_outcomes(counts: Sequence[int], tries: Sequence[tuple[int, int, tuple[int, ...]]]) -> dict[int, list[bool]]:
    """For each ``try`` of ``tries`` that one run entered (``counts``: that run's ``(line, times, line, times,
    ...)``), the outcomes it had, keyed by the ``try`` line: False when its body raised into a handler at least
    once, True when the body ran through at least once."""
    times = dict(zip(counts[0::2], counts[1::2]))
    out: dict[int, list[bool]] = {}
    for line, body, handlers in tries:
        entered = times.get(body, 0)
        if entered:
            raised = sum(times.get(h, 0) for h in handlers)
            out[line] = [False] * (raised > 0) + [True] * (raised < entered)
    return out


def _is_bool_or_count(node: ast.expr) -> bool:
    if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr in _BOOL_METHODS or func.attr in _COUNT_METHODS
        if isinstance(func, ast.Name):
            return func.id in _BOOL_FUNCS or func.id in _COUNT_FUNCS
    return False


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return "." + node.func.attr
    return ""


def _is_format_call(node: ast.AST) -> bool:
    name = _call_name(node)
    return name == "format" or name[1:] in _FORMAT_ATTRS


def _args_key(call: ast.Call) -> str:
    return ast.dump(ast.Tuple(elts=list(call.args), ctx=ast.Load())) + "|" + \
        "|".join(ast.dump(k) for k in call.keywords)


_AST = ast.AST
_walk = astparse.walk


def same_tree(a: Any, b: Any) -> bool:
    """``ast.dump(a) == ast.dump(b)`` without writing either dump: the same node types and fields all the way
    down (positions ignored), leaves compared by type and ``repr`` (so ``1``, ``True`` and ``1.0`` differ); stops
    at the first difference."""
    if type(a) is not type(b):
        return False
    if isinstance(a, _AST):
        for name in a._fields:
            if not same_tree(getattr(a, name, None), getattr(b, name, None)):
                return False
        return True
    if type(a) is list:
        return len(a) == len(b) and all(same_tree(x, y) for x, y in zip(a, b))
    return a is b or repr(a) == repr(b)


def _fed_to_call(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> bool:
    """``node`` is an argument of a call, or the receiver of a called method."""
    parent = parents.get(node)
    if isinstance(parent, ast.Call) and (node in parent.args or any(k.value is node for k in parent.keywords)):
        return True
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return isinstance(parents.get(parent), ast.Call) and parents[parent].func is parent
    return False


def _idioms(tree: ast.AST, nodes: list[ast.AST], parents: Mapping[ast.AST, ast.AST]) -> list[str]:
    found: list[str] = []

    def note(kind: str, node: ast.AST) -> None:
        found.append(f"line {getattr(node, 'lineno', 0)}: ({kind}) {ast.unparse(node)[:80]}")

    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        # (a) a predicate or count re-stringified / converted, then fed on
        if name in _WRAPPERS and len(node.args) == 1 and _is_bool_or_count(node.args[0]) \
                and _fed_to_call(node, parents):
            note("a", node)
        # (b) the same method applied to its own result with the same arguments; a builtin nested in itself
        if name.startswith("."):
            receiver = node.func.value  # type: ignore[union-attr]
            if _call_name(receiver) == name and _args_key(receiver) == _args_key(node):  # type: ignore[arg-type]
                note("b", node)
        elif name in _SELF_NESTING_BUILTINS and node.args and _call_name(node.args[0]) == name:
            note("b", node)
        # (a) a count used as the value a count/search looks for (``xs.count(xs.count(x))``)
        if name[1:] in _COUNT_METHODS and node.args and _is_bool_or_count(node.args[0]):
            note("a", node)
        # (b) a conversion round trip (``int(float(int(x)))``, ``str(list(str(s)))``)
        if name in _SELF_NESTING_BUILTINS and node.args and _call_name(node.args[0]) in _SELF_NESTING_BUILTINS:
            inner = node.args[0]
            if inner.args and _call_name(inner.args[0]) == name:  # type: ignore[union-attr]
                note("b", node)
        # (d) a method called on a container display holding computed values (``[xs.count(a), 21].count(3)``)
        if name.startswith(".") and isinstance(node.func.value, (ast.List, ast.Tuple, ast.Set, ast.Dict)):  # type: ignore[union-attr]
            display = node.func.value  # type: ignore[union-attr]
            elements = display.values if isinstance(display, ast.Dict) else display.elts
            if any(not isinstance(e, ast.Constant) for e in elements):
                note("d", node)
        # (c) format nested in format
        if _is_format_call(node):
            inner = list(node.args) + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                inner.append(node.func.value)
            if any(_is_format_call(sub) for part in inner for sub in _walk(part)):
                note("c", node)
    # (b) the same statement twice in a row
    for node in nodes:
        if not isinstance(node, _BLOCK_OWNERS):  # no statement list to look in
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not (isinstance(block, list) and len(block) > 1 and isinstance(block[0], ast.stmt)):
                continue
            for first, second in zip(block, block[1:]):
                if not isinstance(first, (ast.Pass, ast.Break, ast.Continue)) \
                        and not isinstance(first, _FUNCS + (ast.ClassDef,)) \
                        and type(first) is type(second) and same_tree(first, second):
                    note("b", second)
    return found


def _unused_results(nodes: list[ast.AST], parents: Mapping[ast.AST, ast.AST]) -> list[int]:
    out = []

    def inside_try(node: ast.AST) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                return True
        return False

    for node in nodes:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        name = _call_name(node.value)
        pure = name[1:] in _PURE_METHODS if name.startswith(".") else name in _PURE_FUNCS
        if pure and not inside_try(node):
            out.append(node.lineno)
    return out


def _names_read(node: ast.AST) -> set[str]:
    return {n.id for n in _walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


# node types that always name one construct (the others are decided by ``_construct_of``)
_SIMPLE_CONSTRUCTS: dict[type, str] = {
    ast.Lambda: "lambda", ast.IfExp: "conditional_expression", ast.JoinedStr: "f_string",
    ast.ListComp: "list_comprehension", ast.DictComp: "dict_comprehension", ast.SetComp: "set_comprehension",
    ast.GeneratorExp: "generator_expression", ast.Starred: "starred", ast.Set: "set_literal",
    ast.NamedExpr: "walrus", ast.Assert: "assert", ast.Pass: "pass", ast.Break: "break",
    ast.Continue: "continue", ast.Delete: "del", ast.AugAssign: "augmented_assignment", ast.If: "if",
}
_DECIDED = frozenset({ast.Dict, ast.UnaryOp, ast.Try, getattr(ast, "TryStar", ast.Try), ast.BinOp, ast.Compare,
                      ast.Subscript, ast.Assign, ast.Call, ast.For, ast.While, *_FUNCS})


def _constructs(tree: ast.Module, nodes: list[ast.AST] | None = None) -> set[str]:
    """The named constructs (``CONSTRUCTS``) that occur in ``tree`` (``nodes``: its nodes, when already walked)."""
    found: set[str] = set()
    nodes = _walk(tree) if nodes is None else nodes
    function_names = {n.name for n in nodes if isinstance(n, _FUNCS)}
    simple, decided = _SIMPLE_CONSTRUCTS, _DECIDED
    for node in nodes:
        kind = type(node)
        name = simple.get(kind)
        if name is not None:
            found.add(name)
        elif kind in decided:
            _construct_of(node, found, function_names)
    return found


def _construct_of(node: ast.AST, found: set[str], function_names: set[str]) -> None:
    add = found.add
    if isinstance(node, ast.Dict):
        add("starred" if any(k is None for k in node.keys) else "dict_literal")
    elif isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and \
                isinstance(node.operand.value, (int, float)):
            add("negative_number")
    elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
        if node.handlers:
            add("try_except")
    elif isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            add("power")
    elif isinstance(node, ast.Compare):
        if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops) and any(
                isinstance(c, ast.Constant) and c.value is None for c in node.comparators):
            add("is_none")
        if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            add("membership")
        if len(node.ops) > 1:
            add("chained_comparison")
    elif isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
            add("negative_index")
        elif isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value < 0:
            add("negative_index")
        elif isinstance(index, ast.Slice):
            if index.step is not None:
                add("slice_step")
            for bound in (index.lower, index.upper):
                if isinstance(bound, ast.UnaryOp) and isinstance(bound.op, ast.USub):
                    add("negative_index")
    elif isinstance(node, ast.Assign):
        if len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) and \
                    {ast.unparse(e) for e in target.elts} == {ast.unparse(e) for e in node.value.elts} and \
                    len(target.elts) > 1:
                add("tuple_swap")
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            if node.func.id == "enumerate":
                add("enumerate")
            elif node.func.id == "zip":
                add("zip")
            elif node.func.id == "range" and len(node.args) == 3:
                add("range_step")
    elif isinstance(node, ast.For):
        add("for_loop")
        if node.orelse:
            add("for_else")
        if _iterates_copy_and_mutates(node):
            add("mutate_while_iterating_copy")
    elif isinstance(node, ast.While):
        add("while_loop")
        if node.orelse:
            add("while_else")
    elif isinstance(node, _FUNCS):
        inside = _walk(node)  # one walk serves every question about this function
        if any(isinstance(inner, _FUNCS) for inner in inside[1:]):
            add("nested_function")
        if node.name in function_names and any(
                isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == node.name
                for c in inside):
            add("recursion")
        returns = [n for n in inside if isinstance(n, ast.Return)]
        if len(returns) > 1 or (returns and node.body and returns[0] is not node.body[-1]
                                and not any(r is node.body[-1] for r in returns)):
            add("early_return")


def _copied_name(iterable: ast.expr) -> str:
    """``x`` when ``iterable`` is ``x[:]``, ``list(x)``, ``x.copy()`` or ``tuple(x)``."""
    if isinstance(iterable, ast.Subscript) and isinstance(iterable.value, ast.Name) and \
            isinstance(iterable.slice, ast.Slice) and iterable.slice.lower is None and \
            iterable.slice.upper is None and iterable.slice.step is None:
        return iterable.value.id
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and \
            iterable.func.id in ("list", "tuple", "sorted", "dict", "set") and len(iterable.args) == 1 and \
            isinstance(iterable.args[0], ast.Name):
        return iterable.args[0].id
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and \
            iterable.func.attr in ("copy", "keys", "items", "values") and isinstance(iterable.func.value, ast.Name):
        return iterable.func.value.id if iterable.func.attr == "copy" else ""
    return ""


def _iterates_copy_and_mutates(loop: ast.For) -> bool:
    name = _copied_name(loop.iter)
    if not name:
        return False
    for node in _walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == name and node.func.attr in _MUTATORS:
            return True
        if isinstance(node, (ast.Delete, ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, (ast.Delete, ast.Assign)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                        target.value.id == name:
                    return True
    return False


def _variables(nodes: list[ast.AST]) -> int:
    names: set[tuple[str, str]] = set()
    for fn in nodes:
        if not isinstance(fn, _FUNCS):
            continue
        args = fn.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                names.add((fn.name, a.arg))
        for node in _walk(fn):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add((fn.name, node.id))
    return len(names)


@dataclass(frozen=True)
class StaticRules:
    """The static measures the rejection rules read (``static_quality`` adds the descriptive ones)."""
    idioms: tuple[str, ...]
    unused_results: tuple[int, ...]
    statements: tuple[int, ...]
    tests: tuple[tuple[int, int], ...]
    functions: int
    tries: tuple[tuple[int, int, tuple[int, ...]], ...] = ()


@functools.lru_cache(maxsize=4096)
def static_rules(source: str) -> StaticRules:
    """The static measures of ``source`` that decide a rejection (``SyntaxError`` if it does not parse): the
    same values as ``static_quality``'s fields of the same names, without the constructs and counts."""
    tree = astparse.parse_cached(source)
    stmts: list[int] = []
    tests: list[tuple[int, int]] = []
    tries: list[tuple[int, int, tuple[int, ...]]] = []
    nodes, parents = astparse.index_cached(source)
    functions = [n for n in nodes if isinstance(n, _FUNCS)]
    for fn in functions:
        _walk_block(fn.body, stmts, tests, True, tries)
    return StaticRules(
        idioms=tuple(_idioms(tree, nodes, parents)),
        unused_results=tuple(sorted(set(_unused_results(nodes, parents)))),
        statements=tuple(sorted(set(stmts))),
        tests=tuple(sorted(set(tests))),
        functions=len(functions),
        tries=tuple(sorted(set(tries))),
    )


@functools.lru_cache(maxsize=4096)
def static_quality(source: str) -> StaticQuality:
    """The static measures of ``source`` (``SyntaxError`` if it does not parse)."""
    rules = static_rules(source)
    nodes = astparse.walk_cached(source)
    return StaticQuality(
        idioms=rules.idioms,
        unused_results=rules.unused_results,
        constructs=frozenset(_constructs(astparse.parse_cached(source), nodes)),
        statements=rules.statements,
        tests=rules.tests,
        lines=sum(1 for line in source.splitlines() if line.strip()),
        variables=_variables(nodes),
        functions=rules.functions,
        recomputed=_recomputed(nodes),
        tries=rules.tries,
        extra_parentheses=tuple(i for i, line in enumerate(source.splitlines(), 1)
                                if "(" in line and ungroup(line) != line),
    )


_PLAIN_CALLS = frozenset({"len", "str", "int", "range"})


def _calls_computed(node: ast.AST) -> set[str]:
    return {ast.dump(n) for n in ast.walk(node) if isinstance(n, ast.Call)
            and not (isinstance(n.func, ast.Name) and n.func.id in _PLAIN_CALLS
                     and all(isinstance(a, (ast.Name, ast.Constant)) for a in n.args))}


def _recomputed(nodes: Sequence[ast.AST]) -> tuple[int, ...]:
    """The header lines of ``if``/``while`` tests one of whose calls the statements they govern compute again."""
    found = set()
    for node in nodes:
        if isinstance(node, (ast.If, ast.While)):
            tested = _calls_computed(node.test)
            if tested and any(not tested.isdisjoint(_calls_computed(stmt)) for stmt in node.body):
                found.add(node.lineno)
    return tuple(sorted(found))


# ------------------------------------------------------------------------------------------ dynamic part
@dataclass(frozen=True)
class ProgramQuality:
    runs: int                               # calls whose run ended ok (the main call included)
    constant_output: bool
    trivial_output: bool
    dead_lines: tuple[int, ...]
    constant_tests: tuple[int, ...]
    idioms: tuple[str, ...]
    unused_results: tuple[int, ...]
    constructs: frozenset[str]
    lines: int
    line_steps: int                         # line steps of the main call
    variables: int
    level: int | None = None
    error: str = ""                         # why the program could not be measured ('' when it was)
    outputs: tuple[str, ...] = field(default=(), compare=False, repr=False)  # canonical JSON per ok run
    focus_inert: bool | None = None          # see the module's contract
    focus_call_inert: bool | None = None     # the same for the program's own call alone (told with focus_inert)
    recomputed: tuple[int, ...] = ()         # the reading measures (``READING``), as in ``StaticQuality``
    extra_parentheses: tuple[int, ...] = ()

    @property
    def measured(self) -> bool:
        return not self.error

    def problems(self) -> list[str]:
        """The measures that hold, in ``PROBLEMS`` order (``["unmeasured"]`` when it could not be measured)."""
        if self.error:
            return ["unmeasured"]
        return _problems(self.constant_output, self.trivial_output, self.dead_lines, self.constant_tests,
                         self.idioms, self.unused_results)

    def to_dict(self) -> dict:
        return {"runs": self.runs, "problems": self.problems(), "dead_lines": list(self.dead_lines),
                "constant_tests": list(self.constant_tests), "idioms": list(self.idioms),
                "unused_results": list(self.unused_results), "constructs": sorted(self.constructs),
                "lines": self.lines, "line_steps": self.line_steps, "variables": self.variables,
                "level": self.level, "error": self.error, "focus_inert": self.focus_inert,
                "focus_call_inert": self.focus_call_inert,
                "recomputed": list(self.recomputed), "extra_parentheses": list(self.extra_parentheses)}

    def reading(self) -> list[str]:
        """The reading measures that hold, in ``READING`` order (none when the program was not measured)."""
        if self.error:
            return []
        return [name for name, lines in zip(READING, (self.recomputed, self.extra_parentheses)) if lines]


def _outcome(result: Any) -> str:
    return str(getattr(result.outcome, "value", result.outcome))


def _usable(trace: Any) -> bool:
    return _outcome(trace) == "ok" and not getattr(trace, "truncated", False)


_KEY_BRACKETS = {list: ("[", "]"), tuple: ("(", ")"), dict: ("{", "}"), set: ("S{", "}")}


def _plain_key(value: Any) -> str | None:
    """``output_key`` for the common cases, without the codec: ints, strs, bools and None, in lists, tuples,
    dicts and sets nested up to 8 deep (at most 2,000 values and 1,000,000 characters of strs, no str or int past
    10,000 characters or bits), no container seen twice. Such a value's codec encoding holds no ``$ref`` and nothing opaque, so two of them
    encode alike exactly when their keys here match: atoms by ``repr`` (which tells their types apart), lists,
    tuples and dicts in their order (the codec keeps dicts in insertion order), a set's members sorted (as
    ``canonical`` sorts them). The leading NUL keeps these keys apart from the codec's JSON. ``None``: anything
    else (a float, a frozenset, an alias...), which the codec path keys."""
    budget = [2_000, 1_000_000]  # values, characters of strs: far inside the codec's caps (nothing opaque)
    text = _key_text(value, 0, budget, set())
    return None if text is None else "\x00" + text


def _key_text(value: Any, depth: int, budget: list[int], seen: set[int]) -> str | None:
    t = type(value)
    if t is str:
        budget[1] -= len(value)
        return repr(value) if len(value) <= 10_000 and budget[1] >= 0 else None
    if t is int:
        return repr(value) if value.bit_length() <= 10_000 else None
    if t is bool or value is None:
        return repr(value)
    brackets = _KEY_BRACKETS.get(t)
    if brackets is None or depth >= 8 or len(value) > 1_000 or id(value) in seen:
        return None
    seen.add(id(value))
    budget[0] -= len(value) + 1
    if budget[0] < 0:
        return None
    parts = []
    if t is dict:
        for k, v in value.items():
            kt = _key_text(k, depth + 1, budget, seen)
            vt = None if kt is None else _key_text(v, depth + 1, budget, seen)
            if vt is None:
                return None
            parts.append(f"{kt}:{vt}")
    else:
        for v in value:
            vt = _key_text(v, depth + 1, budget, seen)
            if vt is None:
                return None
            parts.append(vt)
        if t is set:
            parts.sort()
    return brackets[0] + ",".join(parts) + brackets[1]


def output_key(value: Any) -> str:
    """A canonical text of a decoded value (equal values, equal types: equal keys; sets sorted)."""
    from execgym.engine.codec import encode

    fast = _plain_key(value)
    if fast is not None:
        return fast
    from execgym.synth.program import canonical

    try:
        return json.dumps(canonical(encode(value)), sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return f"<unencodable {type(value).__name__}>"


def _trivial(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value) == 0
    return False


def trivial_container(value: Any) -> bool:
    """A list/tuple of >= 2 copies of one trivial value (``[False, False, False]``, ``('', '')``)."""
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return False
    first = output_key(value[0])
    return _trivial(value[0]) and all(output_key(v) == first for v in value[1:])


def _test_outcomes(steps: Sequence[Any], tests: Mapping[int, int], into: dict[int, set[bool]]) -> None:
    """For each evaluation of a test header in ``steps``, whether its body ran next in the same frame."""
    pending: dict[int, int] = {}  # frame -> header line awaiting its outcome
    for step in steps:
        event = step.event
        frame = step.frame
        if frame in pending:
            header = pending.pop(frame)
            if event == "line":
                into.setdefault(header, set()).add(step.line == tests[header])
            elif event == "return":
                into.setdefault(header, set()).add(False)
            # an exception while testing decides nothing
        if event == "line" and step.line in tests:
            pending[frame] = step.line


def judge(source: str, traces: Sequence[Any], *, level: int | None = None) -> ProgramQuality:
    """The quality of ``source`` from the traces of its calls (main call first); never raises."""
    try:
        static_quality(source)
    except SyntaxError as exc:
        return _unmeasured(f"does not parse: {exc.msg}", level)
    if not traces or not _usable(traces[0]):
        why = _outcome(traces[0]) if traces else "no runs"
        return _unmeasured(f"the main call did not run ok ({why})", level, static_quality(source))
    tests = dict(static_quality(source).tests)
    runs = []
    for t in traces:
        if not _usable(t):
            continue
        outcomes: dict[int, set[bool]] = {}
        _test_outcomes(t.steps, tests, outcomes)
        lines = [s.line for s in t.steps if s.event == "line"]
        counts = tuple(x for pair in sorted(Counter(lines).items()) for x in pair)
        runs.append(RunSummary(t.return_value, frozenset(lines), outcomes, len(lines), counts))
    return judge_runs(source, runs, level=level)


@dataclass(frozen=True)
class RunSummary:
    """What the measures need from one ok run: its value, the lines it executed, the truth values each branch
    test header had (``_test_outcomes``) and its line steps."""
    value: Any
    executed: frozenset[int]
    outcomes: Mapping[int, set[bool]] | Mapping[int, Sequence[bool]]
    line_steps: int
    counts: tuple[int, ...] = ()  # (line, times, line, times, ...): what judges a ``try`` (``try_outcomes``)


def judge_runs(source: str, runs: Sequence[RunSummary], *, level: int | None = None) -> ProgramQuality:
    """``judge`` from summaries of the ok runs (main call first), e.g. the light coverage runs of
    ``execgym.synth.patterns.coverage``; never raises."""
    try:
        static = static_quality(source)
    except SyntaxError as exc:
        return _unmeasured(f"does not parse: {exc.msg}", level)
    if not runs:
        return _unmeasured("the main call did not run ok (no runs)", level, static)
    outputs, flags = _run_measures(static, runs)
    return ProgramQuality(
        runs=len(runs),
        **flags,
        idioms=static.idioms,
        unused_results=static.unused_results,
        constructs=static.constructs,
        lines=static.lines,
        line_steps=runs[0].line_steps,
        variables=static.variables,
        level=level,
        outputs=outputs,
        recomputed=static.recomputed,
        extra_parentheses=static.extra_parentheses,
    )


def run_problems(source: str, runs: Sequence[RunSummary]) -> list[str]:
    """``judge_runs(source, runs).problems()``, computing only what the rules read (the rejection step of
    synthesis, once per draft); never raises."""
    try:
        rules = static_rules(source)
    except SyntaxError:
        return ["unmeasured"]
    if not runs:
        return ["unmeasured"]
    _, flags = _run_measures(rules, runs)
    return _problems(flags["constant_output"], flags["trivial_output"], flags["dead_lines"],
                     flags["constant_tests"], rules.idioms, rules.unused_results)


def _run_measures(static: StaticRules | StaticQuality, runs: Sequence[RunSummary]) -> tuple[tuple[str, ...], dict]:
    """The output keys of ``runs`` and the dynamic measures (``ProgramQuality``'s fields of those names)."""
    outputs = tuple(output_key(r.value) for r in runs)
    executed: set[int] = set()
    outcomes: dict[int, set[bool]] = {}
    for r in runs:
        executed.update(r.executed)
        for line, seen in r.outcomes.items():
            outcomes.setdefault(line, set()).update(seen)
        if static.tries and r.counts:
            for line, seen in try_outcomes(r.counts, static.tries).items():
                outcomes.setdefault(line, set()).update(seen)
    return outputs, {
        "constant_output": len(runs) < 2 or len(set(outputs)) == 1,
        "trivial_output": trivial_container(runs[0].value),
        "dead_lines": tuple(line for line in static.statements if line not in executed),
        "constant_tests": tuple(sorted(line for line, seen in outcomes.items() if len(seen) == 1)),
    }


def _problems(constant_output: bool, trivial_output: bool, dead_lines: Sequence[int], constant_tests: Sequence[int],
              idioms: Sequence[str], unused_results: Sequence[int]) -> list[str]:
    flags = {
        "constant_output": constant_output, "trivial_output": trivial_output,
        "dead_statement": bool(dead_lines), "constant_test": bool(constant_tests),
        "idiom": bool(idioms), "unused_result": bool(unused_results),
    }
    return [name for name in PROBLEMS if flags[name]]


def _unmeasured(why: str, level: int | None, static: StaticQuality | None = None) -> ProgramQuality:
    return ProgramQuality(
        runs=0, constant_output=False, trivial_output=False, dead_lines=(), constant_tests=(),
        idioms=static.idioms if static else (), unused_results=static.unused_results if static else (),
        constructs=static.constructs if static else frozenset(), lines=static.lines if static else 0,
        line_steps=0, variables=static.variables if static else 0, level=level, error=why,
        recomputed=static.recomputed if static else (), extra_parentheses=static.extra_parentheses if static else (),
    )


# ------------------------------------------------------------------------------------------ measuring rows
def variant_calls(source: str, entry: str, call: str, n: int, seed: int, *, exclude: Iterable[str] = (),
                  strict: bool = False, own: bool = False) -> list[str]:
    """Up to ``n`` further calls of ``entry`` with fresh literal arguments (same kinds as ``call``'s) that run ok
    in the sandbox (``execgym.synth.api.variant_calls``; not ``strict`` by default: a call that the wall clock
    stops does not count)."""
    from execgym.synth.api import variant_calls as _variants

    return _variants(source, entry, call, n, seed, exclude=list(exclude), strict=strict, own=own)


def assess(rows: Sequence[Any], *, variants: int = 5, seed: int = 0, workers: int | None = None,
           max_steps: int = 10_000, timeout: float = 5.0, strict: bool = False,
           progress: Callable[[int], Any] | None = None, own: bool = False) -> list[ProgramQuality]:
    """Measure ``rows`` (``ProgramRow``s or ``Program``s: ``source``, ``entry``, ``calls``/``call``, ``level``).

    Each row is topped up to ``1 + variants`` calls with ``variant_calls`` (seeded by ``seed`` and the row),
    every call is traced in the sandbox (at most ``max_steps`` line steps), and ``judge`` gives the measures.
    Deterministic for the same rows and seed, except that with ``strict=False`` (the default, for programs
    from users and corpora) a run stopped by the wall clock (``timeout``) counts as not ok; ``strict=True``
    (execgym's own programs) retries such runs and raises ``SynthesisError`` when they stay undecided.
    ``progress(k)`` is called with the number of rows just finished. ``own=True``: the rows are programs
    execgym generated in this process (never a file's rows, whatever they claim); the rows the light coverage
    runner can measure are measured there, many to a sandboxed child (``quality_light``: the same measures).
    """
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest
    from execgym.synth.decide import run_decided

    out: list[ProgramQuality] = []
    chunk = 64
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        plans: list[tuple[Any, list[str]]] = []
        for row in part:
            calls = list(getattr(row, "calls", None) or (row.call,))
            if len(calls) < 1 + variants:
                try:
                    calls += variant_calls(row.source, row.entry, calls[0], 1 + variants - len(calls), seed,
                                           exclude=calls, strict=strict, own=own)
                except (SyntaxError, ValueError):
                    pass
            plans.append((row, calls))
        stripped = [_stripped_source(row) for row, _ in plans]
        light: dict[int, ProgramQuality] = {}
        if own:
            from execgym.synth.quality_light import light_qualities

            light = light_qualities(plans, stripped, max_steps=max_steps, timeout=timeout, workers=workers)
        requests = [RunRequest(source=row.source, call=c, mode="trace", max_steps=max_steps, timeout=timeout)
                    for k, (row, calls) in enumerate(plans) if k not in light for c in calls]
        extra = [RunRequest(source=text, call=c, mode="trace", max_steps=max_steps, timeout=timeout)
                 for k, (text, (_, calls)) in enumerate(zip(stripped, plans))
                 if text is not None and k not in light for c in calls]
        if not requests:
            traces = []
        elif strict:
            traces = run_decided(requests, workers=workers, what="quality trace")
        else:
            traces = run_batch(requests, workers=workers)
        # the stripped programs are measured, never judged: a run the wall clock stops leaves the measure untold
        extra_runs = run_batch(extra, workers=workers) if extra else []
        pos = extra_pos = 0
        for k, ((row, calls), text) in enumerate(zip(plans, stripped)):
            if k in light:
                out.append(light[k])
                continue
            mine = traces[pos:pos + len(calls)]
            pos += len(calls)
            quality = judge(row.source, mine, level=getattr(row, "level", None))
            if text is not None:
                theirs = extra_runs[extra_pos:extra_pos + len(calls)]
                extra_pos += len(calls)
                if quality.measured:
                    told = _inert(mine, theirs)
                    quality = replace(quality, focus_inert=told,
                                      focus_call_inert=None if told is None else _call_inert(mine, theirs))
            out.append(quality)
        if progress is not None:
            progress(len(part))
    return out


def _stripped_source(row: Any) -> str | None:
    """The row's program without its focus (``focus_effect.without_focus``); None for a row with no focus in its
    meta, or one whose focus gives back its receiver by nature (``IDENTITY_FOCUS``: always inert, never told)."""
    focus = _focus_of(row)
    if focus is None or "/".join(focus) in IDENTITY_FOCUS:
        return None
    return without_focus(row.source, focus)


def _focus_of(row: Any) -> Sequence[str] | None:
    focus = getattr(row, "focus", None) or (getattr(row, "meta", None) or {}).get("focus")
    return tuple(focus) if isinstance(focus, (list, tuple)) and len(focus) == 2 else None


def _inert(mine: Sequence[Any], theirs: Sequence[Any]) -> bool | None:
    """``focus_effect.inert`` over the original's traces and the stripped program's; None when a stripped run
    ended ``timeout`` or ``sandbox_error`` (the wall clock or the machine, not the program, decided it)."""
    if any(_outcome(t) in ("timeout", "sandbox_error") for t in theirs):
        return None
    return inert([output_key(t.return_value) if _usable(t) else None for t in mine],
                 [output_key(t.return_value) if _usable(t) else None for t in theirs])


def _call_inert(mine: Sequence[Any], theirs: Sequence[Any]) -> bool | None:
    """``focus_effect.call_inert`` over the same traces as ``_inert``."""
    return call_inert([output_key(t.return_value) if _usable(t) else None for t in mine],
                      [output_key(t.return_value) if _usable(t) else None for t in theirs])


# --------------------------------------------------------------------------------------------- reporting
def summarize(qualities: Sequence[ProgramQuality]) -> dict:
    """Rates (fractions of measured programs), construct coverage and means over ``qualities``."""
    measured = [q for q in qualities if q.measured]
    n = len(measured)

    def rate(pred: Callable[[ProgramQuality], bool]) -> float:
        return round(sum(1 for q in measured if pred(q)) / n, 4) if n else 0.0

    def mean(values: Iterable[float]) -> float:
        values = list(values)
        return round(sum(values) / len(values), 2) if values else 0.0

    counts: Counter[str] = Counter()
    for q in measured:
        counts.update(q.constructs)
    return {
        "programs": len(qualities),
        "measured": n,
        "unmeasured": len(qualities) - n,
        "rates": {name: rate(lambda q, name=name: name in q.problems()) for name in PROBLEMS},
        "any_problem": rate(lambda q: bool(q.problems())),
        "reading": {name: rate(lambda q, name=name: name in q.reading()) for name in READING},
        "constructs": {name: round(counts[name] / n, 4) if n else 0.0 for name in CONSTRUCTS},
        "constructs_used": sum(1 for name in CONSTRUCTS if counts[name]),
        "mean_lines": mean(q.lines for q in measured),
        "mean_line_steps": mean(q.line_steps for q in measured),
        "mean_variables": mean(q.variables for q in measured),
        "mean_runs": mean(q.runs for q in measured),
        "focus_told": sum(1 for q in measured if q.focus_inert is not None),
        "focus_inert": rate_of([q.focus_inert for q in measured if q.focus_inert is not None]),
        "focus_call_inert": rate_of([q.focus_call_inert for q in measured
                                     if q.focus_inert is not None and q.focus_call_inert is not None]),
    }


def rate_of(flags: Sequence[bool]) -> float:
    """The share of True in ``flags`` (0.0 when empty)."""
    return round(sum(1 for f in flags if f) / len(flags), 4) if flags else 0.0


def summarize_by_level(qualities: Sequence[ProgramQuality]) -> dict[str, dict]:
    """``{"1": summary, ..., "all": summary}``; programs without a level go under ``"-"``."""
    groups: dict[str, list[ProgramQuality]] = {}
    for q in qualities:
        groups.setdefault(str(q.level) if q.level is not None else "-", []).append(q)
    keys = sorted(groups, key=lambda k: (k == "-", int(k) if k.isdigit() else 0))
    out = {k: summarize(groups[k]) for k in keys}
    if len(keys) != 1:
        out["all"] = summarize(qualities)
    return out


def format_summary(by_level: Mapping[str, dict], against: Mapping[str, dict] | None = None,
                   against_name: str = "reference") -> str:
    """A plain-text table: one column per level (plus the reference's overall column), one row per measure."""
    columns = list(by_level)
    headers = [f"L{c}" if c.isdigit() else c for c in columns]
    data = [by_level[c] for c in columns]
    if against:
        ref_key = "all" if "all" in against else next(iter(against))
        headers.append(against_name)
        data.append(against[ref_key])
    rows: list[tuple[str, list[str]]] = [("programs (measured)", [f"{d['measured']}" for d in data])]
    for name in PROBLEMS:
        rows.append((name, [f"{100 * d['rates'][name]:.1f}%" for d in data]))
    rows.append(("any problem", [f"{100 * d['any_problem']:.1f}%" for d in data]))
    if any(d.get("focus_told") for d in data):
        rows.append(("focus_inert", [f"{100 * d['focus_inert']:.1f}%" if d.get("focus_told") else "-"
                                     for d in data]))
        rows.append(("  of the call alone", [f"{100 * d.get('focus_call_inert', 0.0):.1f}%" if d.get("focus_told")
                                             else "-" for d in data]))
        rows.append(("  programs told", [f"{d.get('focus_told', 0)}" for d in data]))
    for name in READING:
        rows.append((f"{name} (reading)", [f"{100 * d['reading'][name]:.1f}%" if "reading" in d else "-"
                                           for d in data]))
    for key, label in (("mean_lines", "mean lines"), ("mean_line_steps", "mean line steps"),
                       ("mean_variables", "mean variables"), ("mean_runs", "ok runs per program")):
        rows.append((label, [f"{d[key]:g}" for d in data]))
    rows.append(("constructs used", [f"{d['constructs_used']}/{len(CONSTRUCTS)}" for d in data]))
    for name in CONSTRUCTS:
        rows.append((f"  {name}", [f"{100 * d['constructs'][name]:.0f}%" for d in data]))
    width = max(len(label) for label, _ in rows)
    cell = max(8, *(len(h) for h in headers), *(len(v) for _, vals in rows for v in vals))
    lines = [" " * width + "  " + "  ".join(h.rjust(cell) for h in headers)]
    for label, vals in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(v.rjust(cell) for v in vals))
    return "\n".join(lines)
