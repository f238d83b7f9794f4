"""Judging one teacher answer: the reference's hard rules, then execution, determinism and quality filters.

Contract: ``check_code(code, *, level, focus, config, ...) -> TeacherVerdict`` never raises for anything in
``code`` (model-written, so hostile: it runs only in the sandbox, never in this process). The verdict is
``accepted`` with a ``Program`` (origin ``teacher:...``), or rejected with one ``reason`` of ``REASONS``
(the first check that fails, in this order) and a one-line ``detail``:

- static (``split_program``): ``no_code_block``, ``syntax_error``, ``comment`` (a ``#`` comment),
  ``no_function``, ``prints`` (a ``print`` inside a function), ``print_call`` (not exactly one ``print``
  outside the functions, holding exactly one call of a defined function), ``call_not_literal`` (that call's
  arguments are not positional literals), ``signature`` (a function without arguments, or with default
  values), ``call_chain`` (not one function at levels 1-5; not helper A + entry B calling A at level 6),
  ``nondeterministic`` (imports ``random``/``time``/``datetime``/``uuid``/``secrets``/``os`` or calls
  ``id``);
- execution (the sandbox, as in the reference's filter: the module keeps its imports and function
  definitions, the rest of the module is dropped; the call is traced first, then run under the restricted
  policy and under hash seeds 1 and 2): ``crash``, ``timeout`` (still none after a retry with 8 s), ``too_long`` (over ``max_line_steps`` line steps, or an output/memory bound),
  ``policy_violation`` (the restricted policy refuses it), ``prints`` (the call wrote to stdout),
  ``not_literal`` (the result is not a literal that round-trips through ``ast.literal_eval``),
  ``nondeterministic`` (another result under hash seeds 1 and 2);
- quality (``execgym.synth.quality.judge`` over the call plus up to ``variants`` input variants from
  ``variant_calls``): each of ``quality.PROBLEMS`` unless listed in ``allow``.

``sandbox_error`` (the sandbox itself failed, even after retries) and ``internal_error`` (the checks themselves
failed) are reasons too, but they say nothing about the answer: the teacher route does not record them as
finished, so the next run judges the answer again.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execgym import astparse
from execgym.synth.program import Program
from execgym.synth.quality import PROBLEMS, judge
from execgym.synth.teacher_prompts import Configuration

STATIC_REASONS = ("no_code_block", "syntax_error", "comment", "no_function", "prints", "print_call",
                  "call_not_literal", "signature", "call_chain", "nondeterministic")
EXECUTION_REASONS = ("crash", "timeout", "too_long", "policy_violation", "prints", "not_literal",
                     "nondeterministic", "sandbox_error", "internal_error")
REASONS: tuple[str, ...] = tuple(dict.fromkeys(("accepted", *STATIC_REASONS, *EXECUTION_REASONS, *PROBLEMS)))
NONDETERMINISTIC_MODULES = frozenset({"random", "time", "datetime", "uuid", "secrets", "os"})
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
RETRY_TIMEOUTS: tuple[float, ...] = (8.0,)  # a call that needs more than 8 s is not a teaching program


@dataclass(frozen=True)
class Draft:
    """A teacher program split as the reference's execution filter splits it."""

    source: str               # top-level imports and function definitions, in order
    entry: str
    call: str                 # ``entry(literal, ...)``
    functions: int
    control_depth: int


@dataclass(frozen=True)
class TeacherVerdict:
    accepted: bool
    reason: str               # "accepted" or one of REASONS
    detail: str = ""
    program: Program | None = field(default=None, compare=False)

    @property
    def finished(self) -> bool:
        """Whether the verdict is about the answer (``sandbox_error`` is about the machine)."""
        return self.reason not in ("sandbox_error", "internal_error")


def _reject(reason: str, detail: str = "") -> TeacherVerdict:
    return TeacherVerdict(False, reason, detail[:300])


def _comment_line(code: str) -> int | None:
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                return token.start[0]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return None


def _walk_outside_functions(tree: ast.AST):
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNCS + (ast.Lambda, ast.ClassDef)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_print(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"


def _depth(stmts: Sequence[ast.stmt]) -> int:
    """Nesting depth of if/for/while (an ``elif`` continues its ``if``)."""
    best = 0
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            best = max(best, 1 + max(_depth(stmt.body), _depth(stmt.orelse)))
        elif isinstance(stmt, ast.If):
            alternatives = stmt.orelse
            inner = _depth(stmt.body)
            while len(alternatives) == 1 and isinstance(alternatives[0], ast.If):
                inner = max(inner, _depth(alternatives[0].body))
                alternatives = alternatives[0].orelse
            best = max(best, 1 + max(inner, _depth(alternatives)))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            best = max(best, _depth(stmt.body))
        elif isinstance(stmt, ast.Try):
            blocks = [stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)]
            best = max(best, *(_depth(b) for b in blocks))
    return best


def _segment(code_lines: list[str], node: ast.stmt) -> str:
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(code_lines[start - 1:node.end_lineno]).rstrip()


def split_program(code: str | None, config: Configuration) -> Draft | TeacherVerdict:
    """The static half: the reference's hard rules (a ``Draft``, or the rejection)."""
    if code is None:
        return _reject("no_code_block", "the answer has no fenced python block")
    try:
        tree = astparse.parse(code)
    except SyntaxError as exc:
        return _reject("syntax_error", f"line {exc.lineno}: {exc.msg}")
    except (ValueError, MemoryError, RecursionError) as exc:
        return _reject("syntax_error", f"{type(exc).__name__}: {exc}")
    line = _comment_line(code)
    if line is not None:
        return _reject("comment", f"a comment on line {line}")
    functions = [n for n in tree.body if isinstance(n, _FUNCS)]
    if not functions:
        return _reject("no_function", "no top-level function definition")
    names = {f.name for f in functions}
    for fn in functions:
        for node in ast.walk(fn):
            if _is_print(node):
                return _reject("prints", f"print(...) inside {fn.name}() on line {node.lineno}")
    prints = [n for n in _walk_outside_functions(tree) if _is_print(n)]
    if len(prints) != 1:
        return _reject("print_call", f"{len(prints)} print(...) calls outside the functions (need exactly one)")
    [printed] = prints
    inner = printed.args[0] if len(printed.args) == 1 and not printed.keywords else None
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in names):
        return _reject("print_call", f"the print on line {printed.lineno} does not hold one call of a defined "
                                     "function")
    entry = inner.func.id
    if inner.keywords or any(isinstance(a, ast.Starred) for a in inner.args):
        return _reject("call_not_literal", "the entry call must pass positional arguments only")
    for arg in inner.args:
        try:
            ast.literal_eval(arg)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return _reject("call_not_literal", f"argument {ast.unparse(arg)[:60]!r} is not a literal")
    if not inner.args:
        return _reject("signature", f"{entry}() is called without arguments")
    for fn in functions:
        args = fn.args
        if not (args.posonlyargs or args.args or args.kwonlyargs or args.vararg or args.kwarg):
            return _reject("signature", f"{fn.name}() takes no argument")
        if args.defaults or any(d is not None for d in args.kw_defaults):
            return _reject("signature", f"{fn.name}() has default parameter values")
    if config.call_chain:
        helpers = [f.name for f in functions if f.name != entry]
        entry_fn = next(f for f in functions if f.name == entry)
        called = {n.func.id for n in ast.walk(entry_fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if len(functions) != 2 or not helpers or helpers[0] not in called:
            return _reject("call_chain", f"{len(functions)} functions; need helper A and entry B calling A")
    elif len(functions) != 1:
        return _reject("call_chain", f"{len(functions)} functions; need exactly one")
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        hit = [m for m in modules if m.split(".")[0] in NONDETERMINISTIC_MODULES]
        if hit:
            return _reject("nondeterministic", f"imports {hit[0]} (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "id":
            return _reject("nondeterministic", f"calls id() (line {node.lineno})")
    code_lines = code.splitlines()
    kept = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, *_FUNCS))]
    source = "\n\n".join(_segment(code_lines, n) for n in kept) + "\n"
    call = ast.unparse(inner)
    try:
        astparse.parse(source)
    except SyntaxError as exc:  # a definition that only parsed together with dropped code
        return _reject("syntax_error", f"without the module-level code: line {exc.lineno}: {exc.msg}")
    depth = max(_depth(fn.body) for fn in functions)
    return Draft(source, entry, call, len(functions), depth)


# ------------------------------------------------------------------------------------------ execution
def _outcome(result: Any) -> str:
    return str(getattr(result.outcome, "value", result.outcome))


def _decided(requests: list[Any], workers: int | None, retry_timeouts: Sequence[float]) -> list[Any]:
    """``run_batch`` with timeouts and sandbox errors retried under longer timeouts (never raises)."""
    from execgym.engine.api import run_batch

    results = list(run_batch(requests, workers=workers))
    for timeout in retry_timeouts:
        todo = [i for i, r in enumerate(results) if _outcome(r) in ("timeout", "sandbox_error")]
        if not todo:
            break
        again = run_batch([replace(requests[i], timeout=max(timeout, requests[i].timeout)) for i in todo],
                          workers=workers)
        for i, result in zip(todo, again):
            results[i] = result
    return results


def _error(result: Any) -> str:
    error = getattr(result, "error", None)
    if error is None:
        return _outcome(result)
    where = f" (line {error.line})" if error.line else ""
    return f"{error.type}: {error.message}"[:200] + where


def _failed(result: Any, what: str, limit: float) -> TeacherVerdict | None:
    outcome = _outcome(result)
    if outcome == "ok" and not getattr(result, "truncated", False):
        return None
    if outcome == "exception":
        return _reject("crash", f"{what}: {_error(result)}")
    if outcome == "timeout":
        return _reject("timeout", f"{what}: no result within {limit:g} s")
    if outcome == "policy_violation":
        return _reject("policy_violation", f"{what}: {_error(result)}")
    if outcome == "sandbox_error":
        return _reject("sandbox_error", f"{what}: {_error(result)}")
    return _reject("too_long", f"{what}: {outcome}" + (" (trace bound)" if outcome == "ok" else ""))


def check_code(code: str | None, **kwargs: Any) -> TeacherVerdict:
    """Judge one teacher answer's code block (see the module contract and ``_check_code``'s arguments).

    Never raises: a failure of the checks themselves (a bug, not the answer's fault) is reason
    ``internal_error``, which, like ``sandbox_error``, is not a finished verdict."""
    try:
        return _check_code(code, **kwargs)
    except Exception as exc:  # noqa: BLE001 - one odd answer must not end a long run
        return _reject("internal_error", f"{type(exc).__name__}: {exc}")


def _check_code(code: str | None, *, level: int, focus: tuple[str, str], config: Configuration,
               origin: str, meta: dict | None = None, variants: int = 5, seed: int = 0,
               max_line_steps: int = 1000, allow: Sequence[str] = (), workers: int | None = None,
               blueprint: Sequence[str] = (), timeout: float = 2.0,
               retry_timeouts: Sequence[float] = RETRY_TIMEOUTS) -> TeacherVerdict:
    """Judge one teacher answer's code block (see the module contract); never raises for the code.

    Each sandbox run gets ``timeout`` seconds, then each of ``retry_timeouts`` in turn, before it counts as
    ``timeout`` (so a busy machine does not reject a program)."""
    from execgym.engine.codec import is_literal
    from execgym.engine.request import RunRequest
    from execgym.synth.api import variant_calls
    from execgym.synth.filters import program_features, same_value

    draft = split_program(code, config)
    if isinstance(draft, TeacherVerdict):
        return draft
    source, call = draft.source, draft.call
    limit = max([timeout, *retry_timeouts])
    [traced] = _decided([RunRequest(source=source, call=call, mode="trace", max_steps=10_000, timeout=timeout)],
                        workers, retry_timeouts)
    failure = _failed(traced, "the call", limit)
    if failure is not None:
        return failure
    restricted, *reruns = _decided([
        RunRequest(source=source, call=call, mode="run", policy="restricted", timeout=timeout),
        RunRequest(source=source, call=call, mode="run", hash_seed=1, timeout=timeout),
        RunRequest(source=source, call=call, mode="run", hash_seed=2, timeout=timeout),
    ], workers, retry_timeouts)
    failure = _failed(restricted, "restricted policy", limit)
    if failure is not None:
        return failure
    lines = [s.line for s in traced.steps if s.event == "line"]
    if len(lines) > max_line_steps:
        return _reject("too_long", f"{len(lines)} line steps (budget {max_line_steps})")
    if traced.stdout:
        return _reject("prints", f"the call wrote to stdout: {traced.stdout[:60]!r}")
    value = traced.return_value
    if not is_literal(value):
        return _reject("not_literal", f"the result is not a literal ({type(value).__name__})")
    try:
        back = astparse.literal_eval(repr(value))
    except Exception:  # noqa: BLE001 - any failure to re-read the repr means "not a literal"
        back = object()
    if not same_value(back, value):
        return _reject("not_literal", "the result does not round-trip through ast.literal_eval(repr(x))")
    for rerun in reruns:
        if _outcome(rerun) == "sandbox_error":
            return _reject("sandbox_error", f"hash-seed re-run: {_error(rerun)}")
        if _outcome(rerun) != "ok" or not same_value(rerun.return_value, value):
            return _reject("nondeterministic", "another result under another hash seed")
    try:
        extra = variant_calls(source, draft.entry, call, variants, seed, strict=False) if variants > 0 else []
    except (ValueError, SyntaxError):
        extra = []
    variant_traces = _decided([RunRequest(source=source, call=c, mode="trace", max_steps=10_000, timeout=timeout)
                               for c in extra], workers, retry_timeouts) if extra else []
    quality = judge(source, [traced, *variant_traces], level=level)
    for problem in quality.problems():
        if problem not in allow:
            detail = {"dead_statement": f"lines {list(quality.dead_lines)} ran in none of {quality.runs} runs",
                      "constant_test": f"tests on lines {list(quality.constant_tests)} never changed",
                      "idiom": "; ".join(quality.idioms)[:200],
                      "unused_result": f"lines {list(quality.unused_results)}",
                      "constant_output": f"the same result for all {quality.runs} ok runs",
                      "trivial_output": f"{value!r}"[:80]}.get(problem, quality.error)
            return _reject(problem, detail)
    constraints = {
        "nested_calls": config.nested_calls, "other_operations": config.other_methods,
        "call_chain": config.call_chain, "control_depth": draft.control_depth, "asked_control_depth":
        config.max_depth, "control_kinds": list(blueprint), "functions": draft.functions,
    }
    operations = _called_names(source)
    program = Program(
        source=source, entry=draft.entry, call=call, level=level, constraints=constraints,
        features=program_features(source, lines, constraints, operations), expected=value,
        focus=tuple(focus), seed=None, variants=tuple(extra), origin=origin,  # type: ignore[arg-type]
        meta=dict(meta or {}), trace_steps=tuple(traced.steps),
    )
    return TeacherVerdict(True, "accepted", "", program)


def _called_names(source: str) -> dict[str, int]:
    """Counts of the methods (``.name``) and builtins (``name``) the program calls."""
    counts: dict[str, int] = {}
    for node in ast.walk(astparse.parse(source)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                name = "." + node.func.attr
            elif isinstance(node.func, ast.Name):
                name = node.func.id
            else:
                continue
            counts[name] = counts.get(name, 0) + 1
    return counts
