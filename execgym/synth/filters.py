"""The execution filter: run candidates in the sandbox, keep what passes, record difficulty features.

Contract: ``filter_candidates(candidates, config) -> list[Verdict]`` (same order). A candidate is accepted
when, in the sandbox (``execgym.engine``), its traced call finished ``ok`` within the line-step budget, the
result is a literal (no ``Opaque``) that round-trips through ``ast.literal_eval(repr(x))``, and a re-run
with ``hash_seed=1`` returns the same value. Candidates are executed in chunks: one traced call of a
module holding a whole chunk (functions renamed apart) and one hash-seed re-run of the same module; a chunk
that fails is re-executed program by program, so one bad program never costs its neighbours.

``program_features(source, steps)`` computes the difficulty features from a program's own trace steps.
``difficulty_hook``: a callable ``(programs) -> list[int]`` (pass counts out of ``samples``) can filter
programs by model difficulty, see ``apply_difficulty``.
"""

from __future__ import annotations

import ast
import bisect
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from execgym import astparse
from execgym.synth import ir
from execgym.synth.decide import RETRY_TIMEOUTS, run_decided
from execgym.synth.programs import Candidate


@dataclass(frozen=True)
class FilterConfig:
    max_line_steps: int = 1000      # traces longer than this (line steps) are dropped
    timeout: float = 2.0            # seconds per sandbox call (a chunk gets a proportional budget)
    chunk: int = 16                 # programs per sandbox call
    workers: int | None = None      # sandbox workers (None: one per core)
    hash_check: bool = True         # re-run hash-sensitive programs (see ``hash_sensitive``) with hash_seed=1
    # pattern drafts: some shipped input must give another value once the focus is stripped out
    # (``execgym.synth.patterns.run``, "focus effect"; ``execgym synth --no-focus-effect`` turns it off). Each
    # stripped program runs in its draft's own sandbox child, so the rule costs a few percent of the throughput
    focus_effect: bool = True
    retry_timeouts: tuple[float, ...] = RETRY_TIMEOUTS  # a timeout/sandbox_error is retried, never a verdict


@dataclass
class Verdict:
    accepted: bool
    reason: str                     # "ok" or why it was dropped
    expected: Any = None
    features: dict = field(default_factory=dict)
    steps: tuple | None = None      # the program's own trace steps, as ``trace(source, call)`` gives them


def _combined(cands: Sequence[Candidate]) -> tuple[str, str, list[tuple[int, int]]]:
    """One module holding every candidate (functions renamed apart), its call and each one's line range."""
    imports: set[str] = set()
    bodies: list[list[str]] = []
    calls: list[str] = []
    for index, cand in enumerate(cands):
        imports.update(cand.imports_top)
        saved = [fn.name for fn in cand.functions]
        try:
            for fn in cand.functions:
                fn.name = f"{fn.name}_p{index}"
            bodies.append([fn.render() for fn in cand.functions])
            entry = cand.functions[-1].name
            calls.append(f"{entry}({', '.join(ir.Const(a).text for a in cand.args)})")
        finally:
            for fn, name in zip(cand.functions, saved):
                fn.name = name
    lines: list[str] = sorted(imports)
    ranges: list[tuple[int, int]] = []
    for functions in bodies:
        if lines:
            lines.append("")
        start = len(lines) + 1
        for k, text in enumerate(functions):
            if k:
                lines.append("")
            lines.extend(text.split("\n"))
        ranges.append((start, len(lines)))
    return "\n".join(lines) + "\n", "(" + ", ".join(calls) + ",)", ranges


_EXACT_ATOMS = frozenset({int, str, bool, type(None)})


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is built only of ints, strs, bools, None, finite floats, and exact lists, tuples, dicts
    and sets of those (at most 40 deep): values whose ``repr`` ``literal_eval``s back to an equal value, so
    ``_roundtrips`` needs no parse. Anything else (nan, frozenset, bytes, ...) takes the parse."""
    t = type(value)
    if t in _EXACT_ATOMS:
        return True
    if t is float:
        return math.isfinite(value)
    if depth > 40:
        return False
    if t is list or t is tuple or t is set:
        return all(type(v) in _EXACT_ATOMS or _plain(v, depth + 1) for v in value)
    if t is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _roundtrips(value: Any) -> bool:
    if _plain(value):
        return True
    try:
        back = astparse.literal_eval(repr(value))
    except Exception:
        return False
    return same_value(back, value)


def same_value(a: Any, b: Any) -> bool:
    """Equality that also requires equal types (so 1 != 1.0 != True) and treats nan as unequal."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (a == b and math.copysign(1, a) == math.copysign(1, b)) if not math.isnan(a) else False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return a == b


@dataclass(frozen=True)
class _Scan:
    """What one walk over a module's syntax tree finds (shared by ``structure`` and ``hash_sensitive``)."""

    branch_lines: frozenset[int]
    loop_lines: frozenset[int]
    loop_body_lines: frozenset[int]
    sensitive: bool     # a set display/comprehension, an import, a reflective name or a dunder attribute
    views: bool         # a ``.keys`` / ``.items`` attribute
    set_ops: bool       # a ``& | ^ -`` operator (binary or augmented)
    text: bool = True   # a way to make a str or bytes from values that hold none (see ``text_free``)


_NAME, _ATTR, _SET_NODES = ast.Name, ast.Attribute, (ast.Set, ast.SetComp, ast.Import, ast.ImportFrom)
_BIN_NODES = (ast.BinOp, ast.AugAssign)


# modules whose attributes make neither a set nor text: ``math``'s functions take and return numbers (what they
# raise holds text, which a program reaches only through a bound exception, itself text above); its dunder
# attributes are dunder names, sensitive anyway
_HARMLESS_MODULES = frozenset({"math"})


def _harmless_import(node: ast.AST) -> bool:
    """Whether ``node`` imports nothing but ``_HARMLESS_MODULES`` (``import math``, ``from math import floor``)."""
    if type(node) is ast.Import:
        return all(alias.name in _HARMLESS_MODULES for alias in node.names)
    if type(node) is ast.ImportFrom:
        return node.level == 0 and node.module in _HARMLESS_MODULES
    return False


@functools.lru_cache(maxsize=512)
def _scan(source: str) -> _Scan:
    """One pass over every node of ``source``'s tree (``astparse.walk_cached``, shared with the static measures;
    the order does not matter here)."""
    branch_lines: set[int] = set()
    loop_lines: set[int] = set()
    loop_body_lines: set[int] = set()
    sensitive = views = set_ops = text = False
    If, loops, Constant = ast.If, (ast.For, ast.While), ast.Constant
    for node in astparse.walk_cached(source):
        cls = type(node)
        if cls is _NAME:
            if node.id in _HASH_NAMES:
                sensitive = True
            if node.id in _TEXT_NAMES:
                text = True
        elif cls is _ATTR:
            if node.attr.startswith("__"):
                sensitive = text = True
            elif node.attr in ("keys", "items"):
                views = True
            elif node.attr in _TEXT_ATTRS:
                text = True
        elif cls is Constant:
            if type(node.value) in _TEXT_TYPES:
                text = True
        elif cls in _TEXT_NODES:
            text = True
        elif cls is ast.ExceptHandler:
            if node.name is not None:  # a bound exception: its args and message hold text
                text = True
        elif cls is ast.arguments:
            if node.kwarg is not None:  # ``**options`` collects keyword names: text
                text = True
        elif cls is ast.Call:
            if node.keywords and type(node.func) is _NAME and node.func.id == "dict":  # ``dict(a=1)``
                text = True
        elif cls is If:
            branch_lines.add(node.lineno)
        elif cls in loops:
            loop_lines.add(node.lineno)
            loop_body_lines.add(node.body[0].lineno)
        elif isinstance(node, _SET_NODES):
            if not _harmless_import(node):
                sensitive = True
                if cls is ast.Import or cls is ast.ImportFrom:
                    text = True
        elif isinstance(node, _BIN_NODES) and isinstance(node.op, _VIEW_SET_OPS):
            set_ops = True
    return _Scan(frozenset(branch_lines), frozenset(loop_lines), frozenset(loop_body_lines), sensitive, views,
                 set_ops, text)


def structure(source: str) -> dict[str, Any]:
    """Line numbers of the program's control structures (1-based, relative to ``source``)."""
    scan = _scan(source)
    lines = [ln for ln in source.splitlines() if ln.strip()]
    return {"branch_lines": set(scan.branch_lines), "loop_lines": set(scan.loop_lines),
            "loop_body_lines": set(scan.loop_body_lines), "lines": len(lines)}


def program_features(source: str, line_numbers: Sequence[int], constraints: dict,
                     ops_used: dict[str, int]) -> dict:
    """Difficulty features from the executed line numbers (relative to ``source``)."""
    shape = structure(source)
    branches = sum(1 for n in line_numbers if n in shape["branch_lines"])
    iterations = sum(1 for n in line_numbers if n in shape["loop_body_lines"])
    return {
        "lines": shape["lines"],
        "control_depth": constraints.get("control_depth", 0),
        "functions": constraints.get("functions", 1),
        "operations": dict(sorted(ops_used.items())),
        "distinct_operations": len(ops_used),
        "trace_length": len(line_numbers),
        "branches": branches,
        "loop_iterations": iterations,
        "lines_executed": len(set(line_numbers)),
    }


_HASH_NAMES = frozenset({"set", "frozenset", "hash", "id", "vars", "dir", "globals", "locals", "eval", "exec",
                         "getattr", "type", "__import__", "compile", "object"})
_VIEW_SET_OPS = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.Sub)
# what makes a str or bytes from values that hold none: builtins that write text (or reach anything), the
# methods of ints and floats that do (``x.hex()``, ``n.to_bytes(2)``) or of exceptions that hold it
_TEXT_NAMES = frozenset({"str", "repr", "ascii", "chr", "format", "bin", "oct", "hex", "bytes", "bytearray",
                         "memoryview", "input", "open", "print", "help", "breakpoint", "super"}) | (
                            _HASH_NAMES - {"set", "frozenset", "hash", "id"})
_TEXT_ATTRS = frozenset({"hex", "to_bytes", "fromhex", "args", "format", "join", "decode", "encode"})
_TEXT_TYPES = (str, bytes)
_TEXT_NODES = (ast.JoinedStr, ast.FormattedValue, ast.ClassDef)  # (imports: with the set nodes)


@functools.lru_cache(maxsize=4096)
def hash_sensitive(source: str, call: str) -> bool:
    """Whether the result of ``call`` on ``source`` could depend on ``PYTHONHASHSEED``.

    Sound, from the syntax alone: string/bytes hash randomization changes only the iteration order of sets and
    frozensets (dicts keep insertion order; ints hash deterministically). A set can only come into being from a
    set display or comprehension, the names ``set``/``frozenset`` (or reflection that could reach them), a set
    operator on a dict view (``d.keys() & x``, ``d.items() - y``) or library code. So a program is treated as
    hash-insensitive only if neither it nor its call has any of these and it imports nothing; everything else
    keeps the ``hash_seed=1`` re-run. (An import of ``math`` alone counts as none: its functions make numbers.)
    """
    try:
        program = _scan(source)
        call_tree = astparse.parse(call, mode="eval")
    except SyntaxError:
        return True
    if program.sensitive:
        return True
    views, set_ops = program.views, program.set_ops
    for node in ast.walk(call_tree):
        if isinstance(node, (ast.Set, ast.SetComp, ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, ast.Name) and node.id in _HASH_NAMES:
            return True
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                return True
            if node.attr in ("keys", "items"):
                views = True
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, _VIEW_SET_OPS):
            set_ops = True
    return views and set_ops


def text_free(source: str, arguments: Iterable[Any]) -> bool:
    """Whether no str or bytes value can come into being in a run of ``source`` on ``arguments`` (argument
    tuples, or any values): none holds one, and the program has no str or bytes literal, no f-string, no
    import, no class, no bound exception (``except E as e``: its ``args`` hold text), no ``**options`` and no
    ``dict(key=...)`` (keyword names are text), no builtin that writes text or
    reaches other objects (``str``, ``repr``, ``chr``, ``format``, ``hex``, ``bytes``, ``getattr``, ``type``, ...)
    and no method of an int or float that does (``x.hex()``, ``n.to_bytes(...)``), nor any dunder name. Without
    text, ``PYTHONHASHSEED`` changes nothing in the run (``import math`` is no import here either, see
    ``_HARMLESS_MODULES``): it salts only the hashes of str and bytes (and of
    tuples and frozensets holding them); ints, floats, bools and None hash without it, and dicts keep insertion
    order. So a draft that is ``hash_sensitive`` (it has sets) but text-free needs no ``hash_seed=1`` re-run."""
    try:
        if _scan(source).text:
            return False
    except SyntaxError:
        return False
    return not any(_holds_text(value) for value in arguments)


_NUMBERS = frozenset({int, float, bool, complex, type(None)})


def _holds_text(value: Any) -> bool:
    """Whether ``value`` is, or holds at any depth, anything but numbers, bools and None in lists, tuples, dicts,
    sets and frozensets (text, or an object this check does not know)."""
    cls = type(value)
    if cls in _NUMBERS:
        return False
    if cls is list or cls is tuple or cls is set or cls is frozenset:
        return not _NUMBERS.issuperset(map(type, value)) and any(_holds_text(v) for v in value)
    if cls is dict:
        return any(_holds_text(k) for k in value) or any(_holds_text(v) for v in value.values())
    return True


def _needs_rerun(cands: Sequence[Candidate], config: FilterConfig) -> bool:
    return config.hash_check and any(hash_sensitive(c.source, c.call) for c in cands)


def _steps_by_range(steps: Sequence[Any], ranges: Sequence[tuple[int, int]]) -> list[list[Any]]:
    """The steps whose line lies in each of the (disjoint, ascending) ``ranges``, in trace order."""
    starts = [start for start, _ in ranges]
    buckets: list[list[Any]] = [[] for _ in ranges]
    for step in steps:
        line = step.line
        k = bisect.bisect_right(starts, line) - 1
        if k >= 0 and line <= ranges[k][1]:
            buckets[k].append(step)
    return buckets


def _own_steps(cand: Candidate, traced: Any, index: int, span: tuple[int, int],
               steps: Sequence[Any] | None = None) -> tuple | None:
    """Candidate ``index``'s steps from a chunk trace, rewritten to what ``trace(cand.source, cand.call)``
    records: its own line numbers, function names and frame ids (None when that cannot be guaranteed)."""
    start, end = span
    shift = (start - 1) - (len(cand.imports_top) + (1 if cand.imports_top else 0))
    suffix = f"_p{index}"
    names = {f"{fn.name}{suffix}": fn.name for fn in cand.functions}
    out = []
    base = None
    make = None
    for step in (traced.steps if steps is None else steps):
        if make is None:
            make = type(step)  # the engine's Step: (event, function, frame, line, count, locals, value)
        if not start <= step.line <= end:
            continue
        if base is None:
            base = step.frame - 1
        if step.event == "exception" and suffix in repr(step.value):
            return None
        out.append(make(step.event, names.get(step.function, step.function), step.frame - base,
                        step.line - shift, step.count, step.locals, step.value))
    if len(out) > TASK_TRACE_STEPS:
        return None
    return tuple(out)


TASK_TRACE_STEPS = 10_000  # ``execgym.trace``'s default max_steps, which the task layer uses


def filter_candidates(candidates: Sequence[Candidate], config: FilterConfig | None = None) -> list[Verdict]:
    """Execute, trace and check ``candidates`` in the sandbox; one ``Verdict`` per candidate, in order.

    Candidates are executed ``config.chunk`` to a sandbox call; a chunk that fails for any reason is re-run
    candidate by candidate (each as its own module), so one bad program never costs its neighbours. A timeout
    or sandbox error never rejects a candidate: it is retried with ``config.retry_timeouts`` and raises
    ``SynthesisError`` if still undecided (``execgym.synth.decide``), so verdicts do not depend on load.
    """
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest

    config = config or FilterConfig()
    verdicts: list[Verdict | None] = [None] * len(candidates)
    chunks = [list(range(i, min(i + config.chunk, len(candidates)))) for i in range(0, len(candidates),
                                                                                      config.chunk)]
    singles = [ch[0] for ch in chunks if len(ch) == 1]
    jobs = []
    requests = []
    for chunk in (ch for ch in chunks if len(ch) > 1):
        cands = [candidates[i] for i in chunk]
        source, call, ranges = _combined(cands)
        budget = min(30.0, config.timeout + 0.2 * (len(chunk) - 1))
        rerun = _needs_rerun(cands, config)
        jobs.append((chunk, ranges, len(requests), rerun))
        requests.append(RunRequest(source, call, mode="trace", timeout=budget,
                                   max_steps=(config.max_line_steps * 4 + 50) * len(chunk)))
        if rerun:
            requests.append(RunRequest(source, call, mode="run", timeout=budget, hash_seed=1))
    results = run_batch(requests, workers=config.workers) if requests else []
    for chunk, ranges, at, rerun in jobs:
        traced = results[at]
        rerun_result = results[at + 1] if rerun else None
        if not _chunk_ok(traced, rerun_result, len(chunk)):
            singles.extend(chunk)
            continue
        buckets = _steps_by_range(traced.steps, ranges)
        for k, index in enumerate(chunk):
            verdicts[index] = _judge(candidates[index], traced, rerun_result, k, ranges[k], config, buckets[k])
    if singles:
        singles.sort()
        for index, verdict in zip(singles, _check_many([(candidates[i].source, candidates[i].call,
                                                           candidates[i].constraints, candidates[i].ops_used)
                                                          for i in singles], config)):
            verdicts[index] = verdict
    return [v if v is not None else Verdict(False, "not executed") for v in verdicts]


def _check_many(programs: Sequence[tuple[str, str, dict, dict]], config: FilterConfig) -> list[Verdict]:
    """Filter programs one sandbox call each (their own source and call), transient outcomes retried."""
    from execgym.engine.request import RunRequest

    requests = []
    plan = []
    for source, call, _, _ in programs:
        rerun = config.hash_check and hash_sensitive(source, call)
        plan.append((len(requests), rerun))
        requests.append(RunRequest(source, call, mode="trace", timeout=config.timeout,
                                   max_steps=config.max_line_steps * 4 + 50))
        if rerun:
            requests.append(RunRequest(source, call, mode="run", timeout=config.timeout, hash_seed=1))
    results = run_decided(requests, retry_timeouts=config.retry_timeouts, workers=config.workers)
    out = []
    for (source, _call, constraints, ops_used), (at, rerun) in zip(programs, plan):
        out.append(_judge_own(source, results[at], results[at + 1] if rerun else None, constraints, ops_used,
                              config))
    return out


def check_one(source: str, call: str, constraints: dict, ops_used: dict,
              config: FilterConfig | None = None) -> Verdict:
    """Filter one program given as text (the same checks as ``filter_candidates``)."""
    return _check_many([(source, call, constraints, ops_used)], config or FilterConfig())[0]


def _judge_own(source: str, traced: Any, rerun: Any, constraints: dict, ops_used: dict,
               config: FilterConfig) -> Verdict:
    from execgym.engine.codec import is_literal

    if str(traced.outcome) != "ok" or traced.truncated or (rerun is not None and str(rerun.outcome) != "ok"):
        return _failure(traced, rerun)
    value = traced.return_value
    if not is_literal(value):
        return Verdict(False, "result is not a literal")
    if not _roundtrips(value):
        return Verdict(False, "result does not round-trip through ast.literal_eval")
    if rerun is not None and not same_value(rerun.return_value, value):
        return Verdict(False, "result changes with the hash seed")
    lines = [s.line for s in traced.steps if s.event == "line"]
    if len(lines) > config.max_line_steps:
        return Verdict(False, "trace over budget")
    steps = tuple(traced.steps) if len(traced.steps) <= TASK_TRACE_STEPS else None
    return Verdict(True, "ok", value, program_features(source, lines, constraints, ops_used), steps)


def _chunk_ok(traced: Any, rerun: Any, count: int) -> bool:
    if str(traced.outcome) != "ok" or traced.truncated:
        return False
    value = traced.return_value
    if not isinstance(value, tuple) or len(value) != count:
        return False
    if rerun is not None:
        if str(rerun.outcome) != "ok" or not isinstance(rerun.return_value, tuple):
            return False
    return True


def _failure(traced: Any, rerun: Any) -> Verdict:
    """The verdict on a failed (decided, never transient) execution."""
    outcome = str(traced.outcome)
    if (outcome == "ok" and traced.truncated) or outcome == "output_limit":
        return Verdict(False, "trace over budget")
    if outcome != "ok":
        error = traced.error
        what = f"{error.type}" if error is not None else outcome
        return Verdict(False, f"{outcome}: {what}")
    if rerun is not None and str(rerun.outcome) != "ok":
        return Verdict(False, f"hash-seed re-run: {rerun.outcome}")
    return Verdict(False, "malformed result")


def _judge(cand: Candidate, traced: Any, rerun: Any, k: int, span: tuple[int, int],
           config: FilterConfig, own: Sequence[Any] | None = None) -> Verdict:
    from execgym.engine.codec import is_literal

    value = traced.return_value[k]
    if not is_literal(value):
        return Verdict(False, "result is not a literal")
    if not _roundtrips(value):
        return Verdict(False, "result does not round-trip through ast.literal_eval")
    if rerun is not None and not same_value(rerun.return_value[k], value):
        return Verdict(False, "result changes with the hash seed")
    steps = _own_steps(cand, traced, k, span, own)
    if steps is None:
        return _check_many([(cand.source, cand.call, cand.constraints, cand.ops_used)], config)[0]
    lines = [s.line for s in steps if s.event == "line"]
    if len(lines) > config.max_line_steps:
        return Verdict(False, "trace over budget")
    features = program_features(cand.source, lines, cand.constraints, cand.ops_used)
    return Verdict(True, "ok", value, features, steps)


# ------------------------------------------------------------------------------------ difficulty filtering
DifficultyHook = Callable[[Sequence[Any]], Sequence[int]]


def apply_difficulty(programs: Sequence[Any], hook: DifficultyHook, max_pass: int = 3) -> list[Any]:
    """Keep programs whose pass count (from ``hook``) is at most ``max_pass`` (ExecVerify keeps <= 3 of 10).

    ``hook`` receives the programs and returns one pass count per program; the count is stored in each kept
    program's ``features["pass_count"]``.
    """
    counts = list(hook(programs))
    if len(counts) != len(programs):
        raise ValueError(f"difficulty hook returned {len(counts)} counts for {len(programs)} programs")
    kept = []
    for program, count in zip(programs, counts):
        if int(count) <= max_pass:
            kept.append(program.with_features(pass_count=int(count)) if hasattr(program, "with_features")
                        else program)
    return kept
