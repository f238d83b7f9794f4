"""Light coverage runs of execgym's OWN pattern drafts: several drafts, their pool calls, one sandboxed child.

Contract (issue "synthesis v2", item 6 — allowed for execgym's generated programs only, never for
model-written or user-supplied code):

- ``batchable(source) -> bool``: a static check that a draft touches no state another draft or call could see:
  no imports, no ``global``/``nonlocal``, no attribute or subscript assignment to anything but its own local
  names, no dunder names, no reflection or I/O builtins, no class definitions, no default argument values that
  are not constants, and no handler that could swallow the runner's budget signal (bare ``except``,
  ``except BaseException``). A draft that fails it is run by the full tracer, alone.
- ``cover_batch(drafts, *, budget, timeout, hash_seed) -> RunRequest``: one plain (untraced) run whose child
  ``exec``s each draft (compiled in the generating process, see ``cover_batch``) in a fresh namespace and calls its entry on each pool tuple (all, or up to an early stop) under a small
  ``sys.settrace`` hook. For each call it returns ``(ok, value, line_counts, line_steps, outcomes)``:
  ``line_counts`` ``(line, times, line, times, ...)`` (one flat tuple, lines ascending) for the lines of the draft that ran, ``line_steps`` the line events (a call over ``budget``
  stops with ``ok=None``), ``outcomes`` for each branch-test header (``if``/``elif``/``while``) the truth values
  seen (the header's next line event in its frame was the body's first line: True; another line or the frame
  returned: False; an exception decides nothing), exactly as ``execgym.synth.quality._test_outcomes`` reads
  them from a trace. On the wire the child returns ``(values, meta)``: the call values through the sandbox
  codec and everything else as one ints-only ``repr`` string (cheap to build and to parse). With ``stop``
  (``EarlyStop``), a draft that brings its statements stops its pool once ``early_prefix``'s rule holds, and
  returns the calls up to there. A draft may come with its program stripped of its focus (``run._stripped``,
  itself batchable): after each call that the early stop counts, the stripped program is called on a copy of
  that call's arguments (marshal's, or a second build of a pool with sets), stopped past ``STRIPPED_SLACK``
  times the call's line steps plus ``STRIPPED_EXTRA``, until one call's values differ (``tells``; a failure or
  a stop counts); the pool then does not stop before that call, and the run reports its index per draft
  (``-1``: none; ``-2``: no stripped program). ``decode_told(result, count)`` turns the run's return value back
  into per-draft call lists and those indexes (``decode``: the call lists alone)
  (``None`` for the whole batch when the run did not end ok: the caller then re-runs each draft alone, so one
  bad draft never decides another's verdict).

These summaries only choose the shipped inputs and apply the rejection rules; the traces that tasks ship are
recorded later by the real tracer. ``tests/synth/test_synth_patterns_coverage.py`` checks, on hundreds of drafts,
that the summaries equal those computed from the real tracer's steps and that a draft's results never depend on
what ran before it in the same child (alone, batched, and in reversed order).
"""

from __future__ import annotations

import ast
import functools
import math
import sys
import types
from collections.abc import Sequence
from typing import Any, NamedTuple

from execgym import astparse
from execgym.synth.light_runner import FILENAME, STRIPPED_EXTRA, STRIPPED_SLACK, new_value, short, tells

__all__ = ["FILENAME", "STRIPPED_EXTRA", "STRIPPED_SLACK", "tells", "batchable", "cover_batch", "decode",
           "decode_told", "early_prefix", "set_recipe", "EarlyStop"]

RUNNER = "execgym_cover"  # ``execgym.synth.light_runner.execgym_cover``: the runner every child holds
RUNNER_MODULE = "execgym.synth.light_runner"
BLOB_BYTES = 1 << 20  # the largest summaries blob a coverage run may return (the frame's own cap is 4 MiB)

_FORBIDDEN_NAMES = frozenset({
    "globals", "locals", "vars", "setattr", "delattr", "getattr", "exec", "eval", "compile", "open", "input",
    "print", "__import__", "breakpoint", "help", "memoryview", "object", "type", "super", "id", "exit", "quit",
})



def _arg_names(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    names = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)}
    if fn.args.vararg:
        names.add(fn.args.vararg.arg)
    if fn.args.kwarg:
        names.add(fn.args.kwarg.arg)
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# node types that could reach state outside a call's locals (or hand control back mid-call)
_STATEFUL_NODES = frozenset({ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ClassDef,
                             ast.AsyncFunctionDef, ast.Yield, ast.YieldFrom, ast.Await})


@functools.lru_cache(maxsize=1024)
def batchable(source: str) -> bool:
    """Whether ``source`` provably touches no state outside its own calls' locals (see the module contract)."""
    try:
        tree = astparse.parse_cached(source)
    except SyntaxError:
        return False
    top_level = set()
    for stmt in tree.body:
        if not isinstance(stmt, ast.FunctionDef) or stmt.decorator_list:
            return False
        top_level.add(stmt.name)
    for node in astparse.walk_cached(source):
        kind = type(node)  # (a parsed tree holds the node classes themselves, never subclasses)
        if kind is ast.Name:
            if node.id in _FORBIDDEN_NAMES or node.id.startswith("__"):
                return False
            continue
        if kind is ast.Attribute:
            if node.attr.startswith("_"):
                return False
            continue
        if kind in _STATEFUL_NODES:
            return False
        if kind is ast.ExceptHandler and (
                node.type is None or (isinstance(node.type, ast.Name) and node.type.id == "BaseException")):
            return False
        if kind is ast.FunctionDef or kind is ast.Lambda:
            for default in (*node.args.defaults, *node.args.kw_defaults):
                if default is not None and not isinstance(default, ast.Constant):
                    return False
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                return False
            # the function's own names: its arguments and every name stored anywhere in its body
            inside = astparse.walk_all(node.body if isinstance(node.body, list) else [node.body])
            own = _arg_names(node)
            own.update(sub.id for sub in inside if type(sub) is ast.Name and type(sub.ctx) is ast.Store)
            for sub in inside:
                kind = type(sub)
                if kind is ast.Assign or kind is ast.Delete:
                    targets = sub.targets
                elif kind is ast.AugAssign or kind is ast.AnnAssign:
                    targets = [sub.target]
                else:
                    continue
                for part in astparse.walk_all(targets):
                    if isinstance(part, (ast.Attribute, ast.Subscript)):
                        root = _root_name(part)
                        if root is None or root not in own or root in top_level:
                            return False
    return True


class EarlyStop(NamedTuple):
    """When a draft's pool run may stop: once ``runs`` eligible calls (ok within the budget, a value whose
    ``repr`` has at most ``repr_cap`` characters) together executed every statement, saw both truth values of
    every branch test, and gave ``outputs`` distinct values (``type`` and ``==``)."""
    runs: int
    outputs: int
    repr_cap: int


def early_prefix(calls: Sequence[tuple], statements: Sequence[int], headers: Sequence[int], *, cap: int,
                 stop: EarlyStop, told: int | None = None) -> list:
    """The calls the light runner returns for a draft with ``statements`` (and test ``headers``) whose full pool
    gave ``calls`` (``(ok, value, (line, times, ...), steps, outcomes)`` each, in pool order): the shortest prefix
    after which ``stop`` holds, or all of them. The child applies the same rule as it goes (``light_runner``);
    the traced route applies this one, so both routes judge the same calls. The rest of the pool could only add
    runs that cover nothing new: the variants are chosen by coverage, then by distinct outputs (``run._judge``).
    ``told``, for a draft that came with its stripped program: the first call that program told apart (``-1``:
    none), before which the pool does not stop (the child's rule)."""
    missing = set(statements) | {(h, truth) for h in headers for truth in (False, True)}
    good, outs = 0, []
    for k, (ok, value, counts, steps, outcomes) in enumerate(calls):
        if ok is not True or steps >= cap or not short(value, stop.repr_cap):
            continue
        good += 1
        missing.difference_update(counts[0::2])
        missing.difference_update((h, truth) for h, seen in outcomes.items() for truth in seen)
        if new_value(value, outs):
            outs.append(value)
        if good >= stop.runs and not missing and len(outs) >= stop.outputs and (told is None or 0 <= told <= k):
            return list(calls[:k + 1])
    return list(calls)


_EXACT_ATOMS = frozenset({int, str, bool, type(None), bytes})


def _marshal_exact(value: Any) -> bool:
    """Whether ``marshal`` (version 2: no shared references) rebuilds exactly what evaluating ``literal(value)``
    builds: atoms (finite floats included) and exact lists, tuples and dicts of them. Sets are left out: their
    iteration order depends on insertion order, which the literal fixes (sorted) and marshal would not."""
    t = type(value)
    if t in _EXACT_ATOMS:
        return True
    if t is float:
        return math.isfinite(value)
    if t is list or t is tuple:  # (elements that are all exact atoms: one pass in C, no call per element)
        return _EXACT_ATOMS.issuperset(map(type, value)) or all(_marshal_exact(v) for v in value)
    if t is dict:
        return (_EXACT_ATOMS.issuperset(map(type, value)) and _EXACT_ATOMS.issuperset(map(type, value.values()))) \
            or all(_marshal_exact(k) and _marshal_exact(v) for k, v in value.items())
    return False


# CPython 3.11's compiler folds a set display of more than two constants into a frozenset constant built from the
# elements in the order written, and then (``merge_consts_recursive``) rebuilt from that frozenset's own iteration
# order; evaluating the display updates an empty set with it. A display of two or fewer is built by adding its
# elements in order. For ints (never interned, so no later rebuild by ``intern_string_constants``) the child can
# build the very same set from the elements alone: ``set(frozenset(tuple(frozenset(items))))``. Tested against
# compiled literals (tests/synth/test_synth_patterns_coverage.py); any other interpreter ships such pools as text.
_SETS_BY_RECIPE = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)


def set_recipe(value: Any) -> Any:
    """A marshal-exact recipe from which the child's ``_rebuilt`` builds exactly what evaluating ``literal(value)``
    builds, for values of exact atoms (finite floats included), lists, tuples, dicts and sets of exact ints
    (sets of anything else, frozensets, other types: None, and the value travels as text). A list is
    ``(0, [recipes])``, a tuple ``(1, [recipes])``, a dict ``(2, [key, value, ...])``, a set ``(3, ints in the
    literal's order)``; an atom is itself."""
    if not _SETS_BY_RECIPE:
        return None
    try:
        return _recipe(value)
    except _NoRecipe:
        return None


class _NoRecipe(Exception):
    pass


def _recipe(value: Any) -> Any:
    t = type(value)
    if t in _EXACT_ATOMS:
        return value
    if t is float:
        if not math.isfinite(value):
            raise _NoRecipe
        return value
    if t is list or t is tuple:
        return (0 if t is list else 1, [_recipe(v) for v in value])
    if t is dict:
        body = []
        for k, v in value.items():
            body += (_recipe(k), _recipe(v))
        return (2, body)
    if t is set and all(type(v) is int for v in value):
        return (3, tuple(sorted(value)))  # the order ``literal`` writes
    raise _NoRecipe


def cover_batch(drafts: Sequence[tuple], *, budget: int, timeout: float, hash_seed: int | None = None,
                stop: EarlyStop | None = None):
    """One plain sandbox run covering every ``(source, entry, pool, tests[, budget[, statements]])`` draft (see
    the module contract; a draft's own ``budget``, when not None, replaces the request's line-step budget per
    call for it; a draft with ``statements`` stops its pool early by ``stop``, as ``early_prefix`` says).
    The drafts travel in the request's source (whose cap is four times a call's) as one base64 string of
    marshal data; a pool that marshal would not rebuild exactly (``_marshal_exact``) travels as its ``set_recipe``
    when it has one (sets of ints), else as literal text, compiled once in the child and evaluated once more for
    the stripped programs' own copies.
    The runner and each draft also travel compiled (code objects, in a second marshal string that keeps their
    shared constants shared): loading code costs the child far less than compiling it. A draft whose code a
    marshal round trip could change (a frozenset constant) or that does not compile, or a child that strips
    asserts, compiles the draft's text instead, so the child runs exactly what compiling the text gives."""
    import base64
    import marshal

    from execgym.engine.request import RunRequest
    from execgym.synth.values import literal

    shipped, text_pools, codes, stripped_codes = [], [], [], []
    for index, (source, entry, pool, tests, *own) in enumerate(drafts):
        pool = list(pool)
        codes.append(_draft_code(source))
        bare = own[2] if len(own) > 2 else None
        bare_code = None if bare is None else _text_code(bare)
        stripped_codes.append(bare_code)
        if bare_code is not None:  # the stripped program travels as code alone (its text only if it has none)
            own = [*own[:2], "", *own[3:]]
        if _marshal_exact(pool):
            shipped.append((source, entry, pool, dict(tests), *own))
        elif (recipe := set_recipe(pool)) is not None:
            shipped.append((source, entry, recipe, dict(tests), *own))
        else:
            shipped.append((source, entry, None, dict(tests), *own))
            text_pools.append(f"{index}: {literal(pool)}")
    blob = base64.b64encode(marshal.dumps(shipped, 2)).decode("ascii")
    # the code objects with marshal's references (shared constants stay shared, as the compiler made them)
    code_blob = base64.b64encode(marshal.dumps((codes, stripped_codes))).decode("ascii")
    kwargs: dict[str, Any] = {} if hash_seed is None else {"hash_seed": hash_seed}
    # the runner is not shipped: the fork server imported it before forking (``execgym.synth.light_runner``)
    source = (f"from {RUNNER_MODULE} import {RUNNER}\n_DRAFTS = {blob!r}\n_CODES = {code_blob!r}\n"
              f"_TEXT_POOLS = lambda: {{{', '.join(text_pools)}}}\n")
    # the summaries' marshal blob is one bytes value: the codec's default cap on one (100,000 bytes) would turn
    # a batch of long-running drafts opaque (and the batch would be re-run in halves), so it gets BLOB_BYTES
    stop = stop or EarlyStop(0, 0, 0)
    call = f"{RUNNER}({int(budget)}, {int(stop.runs)}, {int(stop.outputs)}, {int(stop.repr_cap)}, _DRAFTS, _CODES, " \
        "_TEXT_POOLS)"
    return RunRequest(source, call, mode="run", timeout=timeout,
                      limits={"caps": {"max_str": BLOB_BYTES}}, **kwargs)


@functools.lru_cache(maxsize=1024)
def _draft_code(source: str) -> Any:
    """The draft's code object, compiled here from its (cached) tree exactly as the child would compile its text
    (same file name and flags, asserts kept, so the same line events); ``None`` (the child then compiles the
    text) when it does not compile or a marshal round trip could change it (``_marshal_keeps``)."""
    try:
        code = compile(astparse.parse_cached(source), FILENAME, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):
        return None
    return code if _marshal_keeps(code) else None


@functools.lru_cache(maxsize=256)
def _text_code(source: str) -> Any:
    """``_draft_code`` of a text no analysis has parsed (a draft's stripped program): compiled from the text
    itself, which gives the same code object without building a tree."""
    try:
        code = compile(source, FILENAME, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):
        return None
    return code if _marshal_keeps(code) else None


def _marshal_keeps(const: Any) -> bool:
    """Whether a constant (a code object and all it holds) behaves the same after a marshal round trip: not when
    it holds a frozenset (``x in {3, 11}`` compiles to one), since marshal rebuilds a set in its iteration order,
    which can change the order the program then sees."""
    kind = type(const)
    if kind is frozenset:
        return False
    if kind is tuple:
        return all(_marshal_keeps(c) for c in const)
    if kind is types.CodeType:
        return all(_marshal_keeps(c) for c in const.co_consts)
    return True


def decode(result: Any, count: int) -> list | None:
    """The per-draft call lists of a ``cover_batch`` run (``decode_told`` without the stripped programs'
    verdicts)."""
    return decode_told(result, count)[0]


def decode_told(result: Any, count: int) -> tuple[list | None, list[int]]:
    """The per-draft call lists of a ``cover_batch`` run and, per draft, the call its stripped program told
    apart. When every value is a plain built-in value well inside the codec's caps
    (which the codec would carry unchanged), the child returns one marshal blob of ``(values, summaries, told)``, the
    summaries as built: ``(ok, (line, times, ...), line_steps, {header: [truths]})`` per call. Otherwise it returns
    ``(values, text, told)`` through the codec: the values, and one string holding the summaries as nested lists of
    ints (``[ok, [line, times, ...], line_steps, [header, mask, ...]]`` per call; ok 1 / 0 / -1 for True /
    False / None, mask bit 1: False seen, bit 2: True seen). Beside them, per draft, the first call (pool
    index) whose stripped program gave another value (``-1``: none did; ``-2``: the draft came without a stripped
    program); ``(None, [])`` when the run did not end ok or its value does not have the promised shape."""
    import json
    import marshal

    outcome = str(getattr(result.outcome, "value", result.outcome))
    value = getattr(result, "return_value", None)
    if outcome != "ok":
        return None, []
    if type(value) is bytes:  # the marshal blob of (values, meta, told) (see light_runner)
        try:
            value = marshal.loads(value)
        except (EOFError, ValueError, TypeError):
            return None, []
        if type(value) is not tuple or len(value) != 3 or type(value[0]) is not list or type(value[1]) is not list:
            return None, []
        values, meta, told = value
        if len(meta) != count or not _told_ok(told, count):
            return None, []
        out, k = [], 0
        try:  # the summaries as the child built them: (ok, (line, times, ...), steps, {header: [truths]})
            for calls in meta:
                draft = []
                for ok, counts, steps, seen in calls:
                    draft.append((ok, values[k], counts, steps, seen))
                    k += 1
                out.append(draft)
        except (TypeError, ValueError, IndexError):
            return None, []
        return (out, told) if k == len(values) else (None, [])
    if not isinstance(value, tuple) or len(value) != 3 or not isinstance(value[0], list) \
            or not isinstance(value[1], str):
        return None, []
    values, text, told = value
    try:
        meta = json.loads(text)
    except ValueError:
        return None, []
    if not isinstance(meta, list) or len(meta) != count or not _told_ok(told, count):
        return None, []
    out: list = []
    k = 0
    try:
        for calls in meta:
            draft = []
            for ok, flat, steps, masks in calls:
                counts = tuple(flat)
                outcomes = {h: [False] * (m & 1) + [True] * (m >> 1 & 1) for h, m in zip(masks[0::2], masks[1::2])}
                draft.append((_OK[ok], values[k], counts, steps, outcomes))
                k += 1
            out.append(draft)
    except (TypeError, ValueError, KeyError, IndexError):
        return None, []
    return (out, told) if k == len(values) else (None, [])


def _told_ok(told: Any, count: int) -> bool:
    return type(told) is list and len(told) == count and all(type(t) is int for t in told)


_OK = {1: True, 0: False, -1: None}
