"""Public synthesis API: ``generate``, ``generate_many``, ``input_variants``, ``mutate``.

Contract (docs/architecture.md §2): ``generate(level, seed)`` returns a filtered ``Program`` (it ran, traced
and passed every check in the sandbox). The same ``(level, seed)`` gives the byte-identical program in every
process, on every machine and under every ``PYTHONHASHSEED``: the focus operation and every candidate draw
come from ``execgym.seeding.rng("synth", ...)``; candidate ``k`` for ``(level, seed)`` is drawn from its own
hashed stream, and the first candidate that passes the sandbox filter is the program. ``generate_many``
returns exactly what ``generate`` would for each seed, executing candidates in batches.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from execgym import astparse
from execgym.seeding import derive_seed, rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.decide import SynthesisError
from execgym.synth.filters import FilterConfig, Verdict, filter_candidates, same_value
from execgym.synth.levels import load_levels
from execgym.synth.program import Program
from execgym.synth.programs import Candidate, build_candidate
from execgym.synth.values import draw_of_kind, kind_of, literal

MAX_ATTEMPTS = 400          # candidate draws per (level, seed) before giving up
REFOCUS_EVERY = 100         # after this many draws without success, the focus operation is redrawn
BATCH_CHUNKS = 4            # chunks per sandbox submission; the next submission is drafted while it runs
SHORT_RUN_CHUNKS = 1        # chunks per submission when there are few seeds (more overlap, fewer idle waits)
GENERATORS = ("default", "patterns", "ops")  # see generate_many
PATTERN_LEVELS = frozenset(range(1, 7))  # levels the pattern generator writes
# the generator ``generate`` uses when none is named, per level: the pattern library at levels 1-6 (every
# level it writes); levels 7-8 keep the operation generator
DEFAULT_PATTERN_LEVELS = frozenset(range(1, 7))
DEFAULT_GENERATOR = "default"
IN_FLIGHT = 2               # sandbox submissions filtered at once (keeps every sandbox worker busy)


@dataclass
class SynthStats:
    """Counters of one generation run (for the CLI summary and the benchmark)."""

    built: int = 0                  # candidates the builder produced (sent to the sandbox)
    build_failures: int = 0         # builder draws that failed before the sandbox
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    simulation_mismatches: int = 0  # accepted programs whose sandbox result differs from the builder's IR run

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.built if self.built else 0.0

    def merge(self, other: SynthStats) -> None:
        self.built += other.built
        self.build_failures += other.build_failures
        self.accepted += other.accepted
        self.rejected.update(other.rejected)
        self.simulation_mismatches += other.simulation_mismatches

    def to_dict(self) -> dict:
        return {"candidates": self.built, "accepted": self.accepted, "build_failures": self.build_failures,
                "acceptance_rate": round(self.acceptance_rate, 4), "rejected": dict(self.rejected),
                "simulation_mismatches": self.simulation_mismatches}


def item_seed(base_seed: int, level: int, index: int) -> int:
    """The seed of item ``index`` of a run with ``base_seed`` (hashed, never ``seed + i``)."""
    return derive_seed("synth-item", base_seed, level, index) >> 1


def focus_for(level: int, seed: int, round_: int = 0):
    """The (type, operation) a program for ``(level, seed)`` exercises."""
    entries = ALL_ENTRIES
    key = entries[rng("synth-focus", level, seed, round_).randrange(len(entries))]
    return CATALOG[key]


def _draw(level: int, seed: int, attempt: int) -> Candidate | None:
    spec = load_levels()[level]
    focus = focus_for(level, seed, attempt // REFOCUS_EVERY)
    return build_candidate(spec, focus, rng("synth", level, seed, attempt))


def _next_candidate(level: int, seed: int, start: int, stats: SynthStats) -> tuple[int, Candidate]:
    for attempt in range(start, MAX_ATTEMPTS):
        cand = _draw(level, seed, attempt)
        if cand is not None:
            stats.built += 1
            return attempt, cand
        stats.build_failures += 1
    raise SynthesisError(f"no program for level {level}, seed {seed} after {MAX_ATTEMPTS} draws")


def _program(level: int, seed: int, attempt: int, cand: Candidate, verdict: Verdict,
             keep_trace: bool = True) -> Program:
    return Program(source=cand.source, entry=cand.entry, call=cand.call, level=level,
                   constraints={**cand.constraints, "type": cand.focus[0], "operation": cand.focus[1]},
                   features=verdict.features, expected=verdict.expected, focus=cand.focus, seed=seed,
                   attempt=attempt, trace_steps=verdict.steps if keep_trace else None)


def generate_many(level: int, seeds: Sequence[int], *, config: FilterConfig | None = None,
                  stats: SynthStats | None = None,
                  progress: Callable[[int], None] | None = None, keep_traces: bool = True,
                  generator: str = DEFAULT_GENERATOR, processes: int = 1) -> list[Program]:
    """``[generate(level, s) for s in seeds]``, executing candidates in sandbox batches.

    ``keep_traces=False`` drops ``Program.trace_steps`` (memory for large runs); nothing else changes.
    ``processes=N`` shards the seeds over N local generating processes (``execgym.synth.processes``; the
    same programs in the same order; worth it from a few hundred seeds on a machine with spare cores).
    ``generator``: ``"ops"`` (operation chains, every level), ``"patterns"`` (``execgym.synth.patterns``,
    levels 1-6; levels 7-8 keep the operation generator) or ``"default"`` (patterns at
    ``DEFAULT_PATTERN_LEVELS``, 1-6, ops at 7-8); ``ValueError`` for any other name."""
    if level not in load_levels():
        raise ValueError(f"unknown level {level!r}; known levels: {sorted(load_levels())}")
    if generator not in GENERATORS:
        raise ValueError(f"unknown generator {generator!r}; known generators: {', '.join(GENERATORS)}")
    if type(processes) is not int or processes < 1:
        raise ValueError(f"processes must be a positive int, not {processes!r}")
    if processes > 1:
        from execgym.synth.processes import generate_sharded

        return generate_sharded(level, list(seeds), processes, config=config,
                                stats=stats if stats is not None else SynthStats(), progress=progress,
                                keep_traces=keep_traces, generator=generator)
    return generate_here(level, seeds, config=config, stats=stats, progress=progress, keep_traces=keep_traces,
                         generator=generator)


def generate_here(level: int, seeds: Sequence[int], *, config: FilterConfig | None = None,
                  stats: SynthStats | None = None, progress: Callable[[int], None] | None = None,
                  keep_traces: bool = True, generator: str = DEFAULT_GENERATOR, overlap: bool = True
                  ) -> list[Program]:
    """``generate_many`` in this process (arguments already checked). ``overlap=False`` is for one of several
    generating processes (``execgym.synth.processes``): the pattern generator then filters its batches in this
    thread instead of overlapping drafting and filtering in helper threads (the other processes keep the cores
    busy; the same programs either way)."""
    if generator == DEFAULT_GENERATOR:
        generator = "patterns" if level in DEFAULT_PATTERN_LEVELS else "ops"
    if generator == "patterns" and level in PATTERN_LEVELS:
        from execgym.synth.patterns.generate import generate_patterns

        return generate_patterns(level, seeds, config=config, stats=stats, progress=progress,
                                 keep_traces=keep_traces, overlap=overlap)
    from concurrent.futures import ThreadPoolExecutor

    stats = stats if stats is not None else SynthStats()
    results: list[Program | None] = [None] * len(seeds)
    next_attempt = {i: 0 for i in range(len(seeds))}
    # candidates per sandbox submission: up to BATCH_CHUNKS chunks (both workers busy) for long runs, one chunk
    # for short ones (a prefetch of a few dozen tasks), so drafting the next submission still overlaps the
    # sandbox. Batching never changes which program a seed gets.
    chunk = max(1, (config or FilterConfig()).chunk)
    batch = max(16, chunk * max(SHORT_RUN_CHUNKS, min(BATCH_CHUNKS, len(seeds) // (chunk * BATCH_CHUNKS * 2))))

    def settle(drawn: list[tuple[int, int, Candidate]], verdicts: list[Verdict]) -> None:
        done = 0
        for (i, attempt, cand), verdict in zip(drawn, verdicts):
            if verdict.accepted:
                results[i] = _program(level, seeds[i], attempt, cand, verdict, keep_traces)
                stats.accepted += 1
                if not same_value(cand.simulated, verdict.expected):
                    stats.simulation_mismatches += 1
                del next_attempt[i]
                done += 1
            else:
                stats.rejected[verdict.reason] += 1
                next_attempt[i] = attempt + 1
        if progress is not None and done:
            progress(done)

    # the sandbox filters up to IN_FLIGHT batches (in its worker processes, one helper thread each) while this
    # thread builds the next one; a round that fits in one batch (a single seed, e.g.) has nothing to overlap
    # and runs inline, without a thread. Batches are settled in submission order, and a round's batches hold
    # disjoint seeds, so how many are in flight never changes which program a seed gets.
    pool = None
    try:
        while next_attempt:
            order = sorted(next_attempt)
            inline = len(order) <= batch
            in_flight: deque = deque()
            for start in range(0, len(order), batch):
                drawn = []
                for i in order[start:start + batch]:
                    attempt, cand = _next_candidate(level, seeds[i], next_attempt[i], stats)
                    drawn.append((i, attempt, cand))
                while len(in_flight) >= IN_FLIGHT:
                    settle(*_result(in_flight.popleft()))
                cands = [c for _, _, c in drawn]
                if inline:
                    in_flight.append((drawn, _Done(filter_candidates(cands, config))))
                else:
                    if pool is None:
                        pool = ThreadPoolExecutor(max_workers=IN_FLIGHT)
                    in_flight.append((drawn, pool.submit(filter_candidates, cands, config)))
            while in_flight:
                settle(*_result(in_flight.popleft()))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return [p for p in results if p is not None]


class _Done:
    """An already computed result with the ``Future.result()`` interface."""

    def __init__(self, value: list[Verdict]) -> None:
        self.value = value

    def result(self) -> list[Verdict]:
        return self.value


def _result(in_flight: tuple) -> tuple[list, list[Verdict]]:
    drawn, future = in_flight
    return drawn, future.result()


def generate(level: int, seed: int, generator: str = DEFAULT_GENERATOR) -> Program:
    """The filtered program for ``(level, seed)``; raises ``SynthesisError`` if none can be made."""
    return generate_many(level, [seed], generator=generator)[0]


# ------------------------------------------------------------------------------------------ input variants
def _call_args(call: str) -> list[Any]:
    node = astparse.parse(call, mode="eval").body
    if not isinstance(node, ast.Call):
        raise ValueError(f"not a call: {call!r}")
    return [ast.literal_eval(arg) for arg in node.args]


def _vary(value: Any, r) -> Any:
    """A fresh value of the same kind, often a small edit of ``value``."""
    kind = kind_of(value)
    if r.random() < 0.5:
        try:
            return draw_of_kind(kind, r)
        except ValueError:
            pass
    if kind == "int":
        return max(1, value + r.choice((-3, -2, -1, 1, 2, 3)))
    if kind == "float":
        return value + r.choice((-1.5, -0.5, 0.25, 0.5, 2.0))
    if kind == "bool":
        return not value
    if kind == "str" and value:
        chars = list(value)
        chars[r.randrange(len(chars))] = r.choice("abcxyzAQ019-. ")
        return "".join(chars)
    if isinstance(value, list) and value:
        out = list(value)
        r.shuffle(out)
        return out
    if isinstance(value, tuple) and value:
        out = list(value)
        r.shuffle(out)
        return tuple(out)
    try:
        return draw_of_kind(kind, r)
    except ValueError:
        return copy.deepcopy(value)


def _variant_runner(calls: Sequence[str]) -> tuple[str, str]:
    lines = ["def execgym_variant_runner():", "    results = []", f"    for text in {calls!r}:",
             "        try:", "            results.append((True, eval(text)))",
             "        except Exception as exc:", "            results.append((False, type(exc).__name__))",
             "    return results"]
    return "\n".join(lines) + "\n", "execgym_variant_runner()"


def input_variants(program: Program, n: int, seed: int, *, own: bool = False) -> list[str]:
    """Up to ``n`` further calls of ``program.entry`` with fresh literal arguments that run ok in the sandbox.

    Arguments keep the original kinds (str, int, list of str...). Fewer than ``n`` come back only when the
    program rejects nearly every input (after 4 rounds of 3n draws). ``own``: ``program`` was generated by
    execgym in this process (see ``variant_calls``; never a program read from a file, whatever it claims).
    """
    return variant_calls(program.source, program.entry, program.call, n, seed, own=own)


def variant_calls(source: str, entry: str, call: str, n: int, seed: int, *,
                  exclude: Sequence[str] = (), strict: bool = True, own: bool = False) -> list[str]:
    """``input_variants`` for any program: up to ``n`` calls of ``entry`` whose literal arguments vary those of
    ``call`` (which must be ``entry(literal, ...)``, else ``ValueError``), that run ok in the sandbox, that
    differ from ``call`` and from every call in ``exclude``, and whose results are literals.

    ``strict`` (execgym's own programs): a call the sandbox cannot decide within the retried wall-clock limits
    raises ``SynthesisError``, so the result never depends on load. ``strict=False`` (programs from users and
    corpora, which may square an int forever): such a call just does not count as a variant.

    How the draws are tried: each draw is traced in a child of its own under a 10,000-line-step bound, a few
    at a time until ``n`` ran ok. Only when ``own`` (one of execgym's own generated programs) and the program
    passes ``coverage.batchable`` (it touches no global state) does a round's draws first run together in ONE
    child (issue "synthesis v2", item 6: never for model-written or user-supplied code)."""
    from execgym.engine.codec import is_literal
    from execgym.synth.patterns.coverage import batchable

    if n <= 0:
        return []
    args = _call_args(call)
    shared = own and batchable(source)
    found: list[str] = []
    seen = {call, *exclude}
    draw = 0
    for _ in range(4):
        calls: list[str] = []
        for _ in range(3 * n):
            r = rng("synth-variant", source, call, seed, draw)
            draw += 1
            text = f"{entry}({', '.join(literal(_vary(a, r)) for a in args)})"
            if text not in seen:
                seen.add(text)
                calls.append(text)
        if not calls:
            continue
        results: list[tuple[str, bool, Any]] = []
        start = 0
        while start < len(calls):  # (shared: the whole round at once; else a few calls at a time, in order)
            size = len(calls) if shared else max(2, n - len(found))
            part = calls[start:start + size]
            start += size
            ran = _run_variants(source, part, strict) if shared else _trace_variants(source, part, strict)
            results.extend(ran)
            for text, ok, value in ran:
                if ok and is_literal(value) and len(repr(value)) <= 400:
                    found.append(text)
                    if len(found) == n:
                        return found
        if not strict and any(value is _WALL_CLOCK for _, _, value in results):
            break  # a user's program whose varied inputs run past the wall clock: more rounds only cost time
    return found


VARIANT_MAX_STEPS = 10_000  # line steps one variant call may take when calls are judged one by one


def _run_variants(source: str, calls: Sequence[str], strict: bool = True) -> list[tuple[str, bool, Any]]:
    """``(call, ran_ok, value)`` for each call of one of execgym's own programs that passes
    ``coverage.batchable``. All calls first run in one child; when that child does not finish ``ok`` (a call
    that loops forever, a crash), each call is traced on its own (``_trace_variants``), so a call that never
    ends is judged by a deterministic bound, not by the wall clock."""
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest

    runner, runner_call = _variant_runner(calls)
    result = run_batch([RunRequest(source + "\n\n" + runner, runner_call,
                                   timeout=2.0 + 0.05 * len(calls))])[0]
    if str(result.outcome) == "ok" and isinstance(result.return_value, list) and \
            len(result.return_value) == len(calls):
        return [(text, bool(ok), value) for text, (ok, value) in zip(calls, result.return_value)]
    return _trace_variants(source, calls, strict)


def _trace_variants(source: str, calls: Sequence[str], strict: bool = True) -> list[tuple[str, bool, Any]]:
    """``(call, ran_ok, value)`` for each call, each traced in a child of its own under ``VARIANT_MAX_STEPS``
    line steps (``strict``: a timeout or sandbox error is retried, never taken as "no variant")."""
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest
    from execgym.synth.decide import run_decided

    requests = [RunRequest(source, text, mode="trace", max_steps=VARIANT_MAX_STEPS) for text in calls]
    if strict:  # a timeout / sandbox error of a single call is retried, never taken as "no variant" (load)
        traces = run_decided(requests, what="input-variant trace")
    else:
        traces = run_batch(requests)
    out = []
    for text, t in zip(calls, traces):
        outcome = str(getattr(t.outcome, "value", t.outcome))
        value = _WALL_CLOCK if outcome in ("timeout", "sandbox_error") else t.return_value
        out.append((text, outcome == "ok" and not t.truncated, value))
    return out


_WALL_CLOCK = object()  # marks a variant call that the wall clock stopped (only possible when not strict)


# ---------------------------------------------------------------------------------------------- mutation
_METHOD_SWAPS = [
    ("upper", "lower"), ("lower", "upper"), ("strip", "rstrip"), ("lstrip", "strip"), ("rstrip", "lstrip"),
    ("startswith", "endswith"), ("endswith", "startswith"), ("find", "rfind"), ("rfind", "find"),
    ("index", "rindex"), ("split", "rsplit"), ("partition", "rpartition"), ("ljust", "rjust"),
    ("rjust", "center"), ("center", "ljust"), ("union", "intersection"), ("intersection", "union"),
    ("difference", "symmetric_difference"), ("symmetric_difference", "difference"), ("issubset", "issuperset"),
    ("issuperset", "issubset"), ("capitalize", "title"), ("title", "swapcase"), ("swapcase", "capitalize"),
    ("isalpha", "isalnum"), ("isdigit", "isdecimal"), ("islower", "isupper"), ("isupper", "islower"),
    ("removeprefix", "removesuffix"), ("removesuffix", "removeprefix"),
]
_FUNC_SWAPS = [("max", "min"), ("min", "max"), ("sorted", "list")]
_CMP_SWAPS = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Eq: ast.NotEq,
              ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In}
_BIN_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mod: ast.FloorDiv, ast.FloorDiv: ast.Mod,
              ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitAnd}


def _mutation_sites(tree: ast.AST) -> dict[str, list]:
    sites: dict[str, list] = {"operator": [], "constant": [], "operation": []}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _CMP_SWAPS:
                    sites["operator"].append(("cmp", node, i))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BIN_SWAPS:
            sites["operator"].append(("bin", node, 0))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, str) and node.value not in ("", 0):
            sites["constant"].append(("const", node, 0))
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and any(a == node.func.attr for a, _ in _METHOD_SWAPS):
                sites["operation"].append(("method", node, 0))
            elif isinstance(node.func, ast.Name) and any(a == node.func.id for a, _ in _FUNC_SWAPS):
                sites["operation"].append(("func", node, 0))
    return sites


def _apply_mutation(kind: str, site: tuple, r) -> str:
    what, node, index = site
    if what == "cmp":
        old = node.ops[index]
        node.ops[index] = _CMP_SWAPS[type(old)]()
        return f"comparison {type(old).__name__} -> {type(node.ops[index]).__name__}"
    if what == "bin":
        old = node.op
        node.op = _BIN_SWAPS[type(old)]()
        return f"operator {type(old).__name__} -> {type(node.op).__name__}"
    if what == "const":
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            old = node.value
            node.value = old + r.choice((-2, -1, 1, 2, 3))
            return f"constant {old} -> {node.value}"
        old = node.value
        chars = list(old)
        chars[r.randrange(len(chars))] = r.choice("abexyz019-")
        node.value = "".join(chars)
        return f"constant {old!r} -> {node.value!r}"
    if what == "method":
        old = node.func.attr
        options = [b for a, b in _METHOD_SWAPS if a == old]
        node.func.attr = r.choice(options)
        return f"operation .{old}() -> .{node.func.attr}()"
    old = node.func.id
    node.func.id = r.choice([b for a, b in _FUNC_SWAPS if a == old])
    return f"operation {old}() -> {node.func.id}()"


def mutate(program: Program, seed: int) -> Program:
    """A variant of ``program`` (ExecVerify's "mutated" half): new inputs, and/or a swapped operator,
    constant or operation. The variant passed the same sandbox filter; ``constraints["mutation"]`` lists
    what changed. Raises ``SynthesisError`` if no variant passes within 40 draws."""
    args = _call_args(program.call)
    for attempt in range(40):
        r = rng("synth-mutate", program.source, program.call, seed, attempt)
        tree = astparse.parse(program.source)
        sites = _mutation_sites(tree)
        kinds = [k for k, v in sites.items() if v]
        changes: list[str] = []
        if kinds and r.random() < 0.75:
            kind = r.choice(kinds)
            changes.append(_apply_mutation(kind, r.choice(sites[kind]), r))
        new_args = args
        if not changes or r.random() < 0.5:
            new_args = [_vary(a, r) for a in args]
            changes.append("inputs")
        source = ast.unparse(tree) + "\n" if len(changes) > 1 or changes[0] != "inputs" else program.source
        call = f"{program.entry}({', '.join(literal(a) for a in new_args)})"
        if source == program.source and call == program.call:
            continue
        verdict = check_program(source, call, program.constraints,
                                program.features.get("operations", {}))
        if verdict.accepted:
            constraints = {**program.constraints, "mutation": changes,
                           "parent": {"seed": program.seed, "attempt": program.attempt, "call": program.call}}
            return Program(source=source, entry=program.entry, call=call, level=program.level,
                           constraints=constraints, features=verdict.features, expected=verdict.expected,
                           focus=program.focus, seed=program.seed, attempt=program.attempt)
    raise SynthesisError("no mutation of this program passed the filter")


def check_program(source: str, call: str, constraints: dict, ops_used: dict,
                  config: FilterConfig | None = None) -> Verdict:
    """Filter one program given as text (the same checks as ``filter_candidates``; a timeout or sandbox error
    is retried, then ``SynthesisError``)."""
    from execgym.synth.filters import check_one

    return check_one(source, call, constraints, ops_used, config)
