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

FILENAME = "<execgym-draft>"
RUNNER = "execgym_cover"
RUNNER_FILENAME = "<execgym-cover>"
BLOB_BYTES = 1 << 20  # the largest summaries blob a coverage run may return (the frame's own cap is 4 MiB)

_FORBIDDEN_NAMES = frozenset({
    "globals", "locals", "vars", "setattr", "delattr", "getattr", "exec", "eval", "compile", "open", "input",
    "print", "__import__", "breakpoint", "help", "memoryview", "object", "type", "super", "id", "exit", "quit",
})

# a stripped call (the draft without its focus) may run this many times the draft's own call's line steps (+ the
# extra) before it counts as a change: a focus that moved a loop on, stripped, would loop to the budget
STRIPPED_SLACK = 2
STRIPPED_EXTRA = 50

RUNNER_SOURCE = f'''
def {RUNNER}(budget, enough=0, distinct=0, repr_cap=0):
    import binascii
    import marshal
    import sys

    # the drafts as marshal data (one base64 string constant below this function): far cheaper for the child
    # than compiling them as one big literal; pools with sets come as literal text (``_TEXT_POOLS``)
    drafts = marshal.loads(binascii.a2b_base64(_DRAFTS))
    codes, stripped_codes = marshal.loads(binascii.a2b_base64(_CODES))
    text_pools = _TEXT_POOLS()
    stripped_pools = None  # a second build of the text pools, made once a stripped program needs one

    _COMPREHENSIONS = ("<listcomp>", "<genexpr>", "<setcomp>", "<dictcomp>")  # the tracer's steps skip them

    class _Budget(BaseException):
        pass

    def entering(tracer):
        # the global trace function that hands ``tracer`` to the frames of the drafts' own code (comprehensions
        # are no steps of their own, as in the tracer's steps)
        def start(frame, event, arg):
            code = frame.f_code
            if code.co_filename == {FILENAME!r} and code.co_name not in _COMPREHENSIONS:
                return tracer
            return None
        return start

    values = []  # every call's value (or exception name), in order, through the sandbox's value codec
    meta = []    # the rest as ints only, returned as ONE string: cheap to move and to read back (json)
    told = []    # per draft: the first call its stripped program tells apart (-1: none; -2: no stripped program)
    for index, (source, entry, pool, tests, *own) in enumerate(drafts):
        # a draft may bring its own line-step budget per call, the statements of its early stop, and its program
        # without the focus (``run._stripped``)
        cap = own[0] if own and own[0] is not None else budget
        need = own[1] if len(own) > 1 else None
        bare = own[2] if len(own) > 2 else None
        spool = None  # the stripped program's own copy of a pool with sets (marshal copies the others per call)
        if type(pool) is tuple:  # a pool with sets of ints: their recipe (see ``cover_batch``)
            if bare is not None:
                spool = _rebuilt(pool)
            pool = _rebuilt(pool)
        elif pool is None:  # a pool with other sets travels as literal text (see ``cover_batch``)
            pool = text_pools[index]
            if bare is not None:
                if stripped_pools is None:
                    stripped_pools = _TEXT_POOLS()
                spool = stripped_pools[index]
        namespace = {{"__name__": "execgym_draft", "__builtins__": __builtins__}}
        # a draft comes compiled too (its code object, from the generating process, with asserts kept), unless
        # that could differ from compiling its text here
        code = codes[index] if sys.flags.optimize == 0 else None
        exec(code if code is not None else compile(source, {FILENAME!r}, "exec"), namespace)
        function = namespace[entry]
        telling = -2
        if bare is not None:
            telling = -1
            shadow = {{"__name__": "execgym_draft", "__builtins__": __builtins__}}
            # (its code object whenever it has one: a probe, compiled with asserts kept like the draft's own)
            code = stripped_codes[index]
            exec(code if code is not None else compile(bare, {FILENAME!r}, "exec"), shadow)
            stripped = shadow[entry]
        size = source.count("\\n") + 2  # a draft frame's line numbers are its source's
        calls = []
        missing = None
        if need is not None:  # early stop: what is still to be covered (statements, then tests' truth values)
            missing = set(need)
            for header in tests:
                missing.add((header, False))
                missing.add((header, True))
            good = 0
            outs = []
        for position, args in enumerate(pool):
            if telling == -1 and spool is None:
                saved = marshal.dumps(args)  # (before the draft runs: it may change its arguments)
            executed = [0] * size  # line events per line number
            outcomes = {{}}
            pending = {{}}  # frame -> the test header it just ran (its next event in that frame decides it)
            steps = 0

            def local(frame, event, arg):
                nonlocal steps
                if event == "line":
                    line = frame.f_lineno
                    if pending and frame in pending:
                        header = pending.pop(frame)
                        outcomes.setdefault(header, set()).add(line == tests[header])
                    steps += 1
                    if steps > cap:
                        raise _Budget
                    executed[line] += 1
                    if line in tests:
                        pending[frame] = line
                elif pending and frame in pending:  # a return decides False, an exception nothing
                    header = pending.pop(frame)
                    if event == "return":
                        outcomes.setdefault(header, set()).add(False)
                return local

            sys.settrace(entering(local))
            try:
                value = function(*args)
                ok = True
            except _Budget:
                ok, value = None, "budget"
            except Exception as exc:
                ok, value = False, type(exc).__name__
            finally:
                sys.settrace(None)
            values.append(value)
            counts = []  # flat: line, times, line, times... (one tuple: far cheaper to marshal back than pairs)
            for line, times in enumerate(executed):
                if times:
                    counts += (line, times)
            calls.append((ok, tuple(counts), steps,
                          {{header: sorted(seen) for header, seen in sorted(outcomes.items())}}))
            countable = (telling == -1 or missing is not None) and ok is True and steps < cap \
                and _short(value, repr_cap)
            if telling == -1 and countable:
                # does the program without its focus give another value here? (stopped past twice this call's
                # line steps plus 50: a focus that moved a loop on, stripped, would loop to the budget)
                sargs = spool[position] if spool is not None else marshal.loads(saved)
                limit = min(cap, {STRIPPED_SLACK} * steps + {STRIPPED_EXTRA})
                count = 0

                def counting(frame, event, arg):
                    nonlocal count
                    if event == "line":
                        count += 1
                        if count > limit:
                            raise _Budget
                    return counting

                sys.settrace(entering(counting))
                try:
                    other = stripped(*sargs)
                    same = True
                except (_Budget, Exception):  # (past its budget, or any error: a change)
                    same = False
                finally:
                    sys.settrace(None)
                if not same or _tells(value, other):
                    telling = position
            if missing is not None and countable:
                good += 1
                if missing:
                    for line in need:
                        if executed[line]:
                            missing.discard(line)
                    for header, seen in outcomes.items():
                        for truth in seen:
                            missing.discard((header, truth))
                if _new_value(value, outs):
                    outs.append(value)
                if good >= enough and not missing and len(outs) >= distinct and telling != -1:
                    break  # the rest of the pool could add no mark and no needed output (see ``early_prefix``)
        meta.append(calls)
        told.append(telling)
    # values the value codec would carry unchanged (exact built-in types, far inside its caps) go back with the
    # summaries, as they are, in one marshal blob: much cheaper than the codec on both sides
    budget = [20000]
    if all(_flat(value, 0, budget) for value in values):
        return marshal.dumps((values, meta, told), 4)
    # anything else takes the codec, the summaries as ints only in one string: ok as 1 / 0 / -1 (budget),
    # [line, times, ...], line steps, [header, mask, ...] (a test's mask: 1 False seen, 2 True seen)
    ints = []
    for calls in meta:
        rows = []
        for ok, counts, steps, seen in calls:
            flat = list(counts)
            masks = []
            for header, truths in seen.items():
                masks += (header, (1 if False in truths else 0) | (2 if True in truths else 0))
            rows.append([1 if ok else (0 if ok is False else -1), flat, steps, masks])
        ints.append(rows)
    return values, repr(ints), told


def _short(value, cap):
    try:
        return len(repr(value)) <= cap
    except ValueError:  # an int past the str conversion limit
        return False


def _new_value(value, outs):
    try:
        return not any(type(other) is type(value) and other == value for other in outs)
    except Exception:  # (a list that holds itself: RecursionError) counted as no new value
        return False


def _rebuilt(recipe):
    # a value from its ``set_recipe``: what evaluating its literal builds, sets of ints included
    if type(recipe) is not tuple:
        return recipe
    tag, body = recipe
    if tag == 0:
        return [_rebuilt(v) for v in body]
    if tag == 1:
        return tuple([_rebuilt(v) for v in body])
    if tag == 2:
        out = {{}}
        for k in range(0, len(body), 2):
            out[_rebuilt(body[k])] = _rebuilt(body[k + 1])
        return out
    if len(body) > 2:  # ``{{a, b, c}}``: the set the literal's frozenset constant updates an empty set with
        return set(frozenset(tuple(frozenset(body))))
    built = set()  # ``{{a, b}}`` / ``set()``: the elements added in the literal's order
    for item in body:
        built.add(item)
    return built

'''

# a value the sandbox codec carries unchanged (exact built-in types, far inside its caps): the light runners return
# such values in one marshal blob instead (see ``RUNNER_SOURCE`` and ``execgym.synth.traced_calls``)
FLAT_SOURCE = '''
def _flat(value, depth, budget):
    kind = type(value)
    if kind is int:
        return value.bit_length() <= 10000
    if kind is str or kind is bytes:
        return len(value) <= 10000
    if kind is float or kind is bool or value is None:
        return True
    if depth >= 8 or not (kind is list or kind is tuple or kind is dict or kind is set or kind is frozenset):
        return False
    budget[0] -= len(value)
    if len(value) > 1000 or budget[0] < 0:
        return False
    if kind is dict:
        return all(_flat(k, depth + 1, budget) and _flat(v, depth + 1, budget) for k, v in value.items())
    return all(_flat(v, depth + 1, budget) for v in value)
'''
RUNNER_SOURCE += FLAT_SOURCE
# whether two values of a draft and of its stripped program differ: by type, and by the text ``literal`` would
# write (sets compared whatever their order); the child and this process use this one definition
TELLS_SOURCE = '''
def _tells(value, other):
    kind = type(value)
    if kind is type(other) and (kind is str or kind is int or kind is bool or value is None):
        return value != other  # (their text is equal exactly when they are)
    try:
        return _key(value) != _key(other)
    except Exception:  # (a list that holds itself: RecursionError; an int past the str conversion limit)
        return True


def _key(value):
    kind = type(value)
    if kind is list or kind is tuple:
        return (kind.__name__, tuple([_key(v) for v in value]))
    if kind is set or kind is frozenset:
        return (kind.__name__, tuple(sorted([repr(_key(v)) for v in value])))
    if kind is dict:
        return ("dict", tuple([(_key(k), _key(v)) for k, v in value.items()]))
    return (kind.__name__, repr(value))
'''
RUNNER_SOURCE += TELLS_SOURCE
_shared: dict[str, Any] = {}
exec(compile(TELLS_SOURCE, "<execgym-tells>", "exec"), _shared)  # noqa: S102 -- execgym's own constant source
tells: Any = _shared["_tells"]
tells.__doc__ = """Whether a stripped call's value ``other`` differs from the draft's ``value`` (type, or literal text)."""


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
    after which ``stop`` holds, or all of them. The child applies the same rule as it goes (``RUNNER_SOURCE``);
    the traced route applies this one, so both routes judge the same calls. The rest of the pool could only add
    runs that cover nothing new: the variants are chosen by coverage, then by distinct outputs (``run._judge``).
    ``told``, for a draft that came with its stripped program: the first call that program told apart (``-1``:
    none), before which the pool does not stop (the child's rule)."""
    missing = set(statements) | {(h, truth) for h in headers for truth in (False, True)}
    good, outs = 0, []
    for k, (ok, value, counts, steps, outcomes) in enumerate(calls):
        if ok is not True or steps >= cap or not _short(value, stop.repr_cap):
            continue
        good += 1
        missing.difference_update(counts[0::2])
        missing.difference_update((h, truth) for h, seen in outcomes.items() for truth in seen)
        if _new_value(value, outs):
            outs.append(value)
        if good >= stop.runs and not missing and len(outs) >= stop.outputs and (told is None or 0 <= told <= k):
            return list(calls[:k + 1])
    return list(calls)


def _short(value: Any, cap: int) -> bool:
    try:
        return len(repr(value)) <= cap
    except ValueError:  # an int past the str conversion limit
        return False


def _new_value(value: Any, outs: list) -> bool:
    """Whether ``value`` differs (``type`` and ``==``) from every value in ``outs``; False when comparing
    raises."""
    try:
        return not any(type(other) is type(value) and other == value for other in outs)
    except Exception:  # noqa: BLE001 -- a list that holds itself (RecursionError): no new value
        return False


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
    source = (f"{_runner_loader()}\n_DRAFTS = {blob!r}\n_CODES = {code_blob!r}\n"
              f"_TEXT_POOLS = lambda: {{{', '.join(text_pools)}}}\n")
    # the summaries' marshal blob is one bytes value: the codec's default cap on one (100,000 bytes) would turn
    # a batch of long-running drafts opaque (and the batch would be re-run in halves), so it gets BLOB_BYTES
    stop = stop or EarlyStop(0, 0, 0)
    call = f"{RUNNER}({int(budget)}, {int(stop.runs)}, {int(stop.outputs)}, {int(stop.repr_cap)})"
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


@functools.lru_cache(maxsize=1)
def _runner_loader() -> str:
    """The module lines that define the runner in the child: its code object, compiled here once, as marshal
    data (loading it costs the child a fraction of compiling ``RUNNER_SOURCE``, every request; the sandbox
    runs this very interpreter), with ``RUNNER_SOURCE`` itself compiled only if that ever fails to load."""
    import base64
    import marshal

    compiled = compile(RUNNER_SOURCE, RUNNER_FILENAME, "exec", dont_inherit=True)
    assert _marshal_keeps(compiled)
    code = base64.b64encode(marshal.dumps(compiled)).decode("ascii")
    return "\n".join([
        "import binascii as _binascii, marshal as _marshal",
        "try:",
        f"    _runner = _marshal.loads(_binascii.a2b_base64({code!r}))",
        "except Exception:",
        f"    _runner = compile({RUNNER_SOURCE!r}, {RUNNER_FILENAME!r}, 'exec')",
        "exec(_runner)",
    ])


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
    if type(value) is bytes:  # the marshal blob of (values, meta) (see RUNNER_SOURCE)
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
