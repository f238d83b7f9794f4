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
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from execgym.synth import ir
from execgym.synth.programs import Candidate


@dataclass(frozen=True)
class FilterConfig:
    max_line_steps: int = 1000      # traces longer than this (line steps) are dropped
    timeout: float = 2.0            # seconds per sandbox call (a chunk gets a proportional budget)
    chunk: int = 16                 # programs per sandbox call
    workers: int | None = None      # sandbox workers (None: one per core)
    hash_check: bool = True


@dataclass
class Verdict:
    accepted: bool
    reason: str                     # "ok" or why it was dropped
    expected: Any = None
    features: dict = field(default_factory=dict)


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


def _roundtrips(value: Any) -> bool:
    try:
        back = ast.literal_eval(repr(value))
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


def structure(source: str) -> dict[str, Any]:
    """Line numbers of the program's control structures (1-based, relative to ``source``)."""
    tree = ast.parse(source)
    branch_lines: set[int] = set()
    loop_body_lines: set[int] = set()
    loop_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            branch_lines.add(node.lineno)
        elif isinstance(node, (ast.For, ast.While)):
            loop_lines.add(node.lineno)
            loop_body_lines.add(node.body[0].lineno)
    lines = [ln for ln in source.splitlines() if ln.strip()]
    return {"branch_lines": branch_lines, "loop_lines": loop_lines, "loop_body_lines": loop_body_lines,
            "lines": len(lines)}


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


def _requests(sources_calls: Sequence[tuple[str, str, int, int]], config: FilterConfig) -> list:
    from execgym.engine.request import RunRequest

    out = []
    for source, call, steps, count in sources_calls:
        budget = min(30.0, config.timeout + 0.2 * (count - 1))
        out.append(RunRequest(source, call, mode="trace", timeout=budget, max_steps=steps))
        if config.hash_check:
            out.append(RunRequest(source, call, mode="run", timeout=budget, hash_seed=1))
    return out


def filter_candidates(candidates: Sequence[Candidate], config: FilterConfig | None = None) -> list[Verdict]:
    """Execute, trace and check ``candidates`` in the sandbox; one ``Verdict`` per candidate, in order."""
    from execgym.engine.api import run_batch

    config = config or FilterConfig()
    verdicts: list[Verdict | None] = [None] * len(candidates)
    chunks = [list(range(i, min(i + config.chunk, len(candidates)))) for i in range(0, len(candidates),
                                                                                      config.chunk)]
    jobs = []
    for chunk in chunks:
        source, call, ranges = _combined([candidates[i] for i in chunk])
        steps = (config.max_line_steps * 4 + 50) * len(chunk)
        jobs.append((chunk, source, call, ranges, steps))
    results = run_batch(_requests([(s, c, st, len(ch)) for ch, s, c, _, st in jobs], config),
                        workers=config.workers)
    per = 2 if config.hash_check else 1
    retry: list[int] = []
    for j, (chunk, source, call, ranges, _) in enumerate(jobs):
        traced = results[per * j]
        rerun = results[per * j + 1] if config.hash_check else None
        if not _chunk_ok(traced, rerun, len(chunk)):
            if len(chunk) == 1:
                verdicts[chunk[0]] = _failure(traced, rerun)
            else:
                retry.extend(chunk)
            continue
        for k, index in enumerate(chunk):
            verdicts[index] = _judge(candidates[index], traced, rerun, k, ranges[k], config)
    if retry:
        for index, verdict in zip(retry, filter_candidates([candidates[i] for i in retry],
                                                           _single(config))):
            verdicts[index] = verdict
    return [v if v is not None else Verdict(False, "not executed") for v in verdicts]


def _single(config: FilterConfig) -> FilterConfig:
    return FilterConfig(config.max_line_steps, config.timeout, 1, config.workers, config.hash_check)


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
           config: FilterConfig) -> Verdict:
    from execgym.engine.codec import is_literal

    value = traced.return_value[k]
    if not is_literal(value):
        return Verdict(False, "result is not a literal")
    if not _roundtrips(value):
        return Verdict(False, "result does not round-trip through ast.literal_eval")
    if rerun is not None and not same_value(rerun.return_value[k], value):
        return Verdict(False, "result changes with the hash seed")
    start, end = span
    offset = start - 1
    top = len(cand.imports_top) + (1 if cand.imports_top else 0)
    lines = [s.line - offset + top for s in traced.steps if s.event == "line" and start <= s.line <= end]
    if len(lines) > config.max_line_steps:
        return Verdict(False, "trace over budget")
    features = program_features(cand.source, lines, cand.constraints, cand.ops_used)
    return Verdict(True, "ok", value, features)


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
