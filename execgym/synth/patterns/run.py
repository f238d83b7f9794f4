"""The sandbox stage of pattern synthesis: run a draft on its whole input pool, choose the shipped inputs by
coverage, and apply the rejection rules.

Contract: ``filter_patterns(candidates, config) -> list[PatternVerdict]`` (same order). Each draft's module
(its source plus a runner calling the entry on every argument tuple of its pool, each call in try/except) is
traced once in the sandbox (``execgym.synth.decide.run_decided``: a timeout is retried, never a verdict), and
re-run under ``hash_seed=1`` when the hash seed could matter. The main call is the first pool entry that ran
ok within the line-step budget with a literal result; the variants are then chosen greedily by what they add:
statements executed and branch-test outcomes seen, then distinct outputs, up to ``MAX_VARIANTS`` (at least
``MIN_VARIANTS``). ``execgym.synth.quality.judge`` over those runs decides; a draft is rejected, with the
reason counted, when any of its measures holds (constant or trivial output, a statement no input executes, a
test with one truth value, an idiom, an unused result). Static measures are checked before the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from execgym.synth.decide import run_decided
from execgym.synth.filters import FilterConfig, _roundtrips, hash_sensitive, program_features, same_value
from execgym.synth.patterns import PatternCandidate
from execgym.synth.quality import _test_outcomes, judge, static_quality
from execgym.synth.values import literal

MIN_VARIANTS = 5
MAX_VARIANTS = 7
RUNNER = "execgym_runner"
# locals are not needed here (only lines, frames and the runner's return value): snapshots of one node keep
# the child's trace and this process's decoding small
TINY_SNAPSHOTS = {"max_depth": 1, "max_items": 1, "max_nodes": 1, "max_str": 1, "max_chars": 1}


@dataclass
class PatternVerdict:
    accepted: bool
    reason: str
    expected: Any = None
    call: str = ""
    variants: tuple[str, ...] = ()
    features: dict = field(default_factory=dict)


def _runner(cand: PatternCandidate) -> tuple[str, int]:
    """The module that calls the entry on every pool tuple, and the line of the runner's ``try:``."""
    base = cand.source.rstrip("\n").count("\n") + 1
    lines = [cand.source.rstrip("\n"), "", "",
             f"def {RUNNER}():",
             "    results = []",
             f"    for args in {literal(list(cand.pool))}:",
             "        try:",
             f"            results.append((True, {cand.entry}(*args)))",
             "        except Exception as exc:",
             "            results.append((False, type(exc).__name__))",
             "    return results"]
    return "\n".join(lines) + "\n", base + 6


def static_reason(source: str) -> str:
    """Why a draft is rejected before it runs ('' when it is not)."""
    static = static_quality(source)
    if static.idioms:
        return "idiom"
    if static.unused_results:
        return "unused_result"
    return ""


def _segments(steps: Sequence[Any], try_line: int, count: int) -> list[list[Any]]:
    out: list[list[Any]] = [[] for _ in range(count)]
    k = -1
    for step in steps:
        if step.function == RUNNER:
            if step.event == "line" and step.line == try_line:
                k += 1
            continue
        if 0 <= k < count:
            out[k].append(step)
    return out


def filter_patterns(cands: Sequence[PatternCandidate], config: FilterConfig | None = None) -> list[PatternVerdict]:
    from execgym.engine.request import RunRequest

    config = config or FilterConfig()
    verdicts: list[PatternVerdict | None] = [None] * len(cands)
    requests, plan = [], []
    for i, cand in enumerate(cands):
        reason = static_reason(cand.source)
        if reason:
            verdicts[i] = PatternVerdict(False, reason)
            continue
        module, try_line = _runner(cand)
        rerun = config.hash_check and hash_sensitive(cand.source, cand.call_of(cand.pool[0]))
        plan.append((i, len(requests), rerun, try_line))
        steps = (config.max_line_steps + 60) * len(cand.pool)
        requests.append(RunRequest(module, f"{RUNNER}()", mode="trace", timeout=config.timeout + 2.0,
                                   max_steps=steps, limits={"snapshot_caps": TINY_SNAPSHOTS}))
        if rerun:
            requests.append(RunRequest(module, f"{RUNNER}()", mode="run", timeout=config.timeout + 2.0,
                                       hash_seed=1))
    results = run_decided(requests, retry_timeouts=config.retry_timeouts, workers=config.workers,
                          what="pattern candidate") if requests else []
    for i, at, rerun, try_line in plan:
        verdicts[i] = _judge(cands[i], results[at], results[at + 1] if rerun else None, try_line, config)
    return [v if v is not None else PatternVerdict(False, "not executed") for v in verdicts]


def _judge(cand: PatternCandidate, traced: Any, rerun: Any, try_line: int, config: FilterConfig) -> PatternVerdict:
    from execgym.engine.codec import is_literal

    outcome = str(getattr(traced.outcome, "value", traced.outcome))
    if outcome != "ok" or traced.truncated or not isinstance(traced.return_value, list) \
            or len(traced.return_value) != len(cand.pool):
        return PatternVerdict(False, "trace over budget" if traced.truncated else f"runner: {outcome}")
    values = traced.return_value
    if rerun is not None:
        if str(getattr(rerun.outcome, "value", rerun.outcome)) != "ok" or not same_value(rerun.return_value, values):
            return PatternVerdict(False, "result changes with the hash seed")
    segments = _segments(traced.steps, try_line, len(cand.pool))
    static = static_quality(cand.source)
    tests = dict(static.tests)
    runs = []
    for k, ((ok, value), steps) in enumerate(zip(values, segments)):
        lines = [s.line for s in steps if s.event == "line"]
        if not ok or len(lines) > config.max_line_steps or not is_literal(value) or len(repr(value)) > 400 \
                or not _roundtrips(value):
            continue
        outcomes: dict[int, set[bool]] = {}
        _test_outcomes(steps, tests, outcomes)
        marks = set(lines) | {(line, seen) for line, got in outcomes.items() for seen in got}
        runs.append((k, value, steps, lines, marks))
    if len(runs) < 1 + MIN_VARIANTS:
        return PatternVerdict(False, "fewer than 6 inputs run ok")
    main = runs[0]
    chosen = [main]
    covered = set(main[4])
    rest = runs[1:]
    while len(chosen) < 1 + MAX_VARIANTS:
        best = max(rest, key=lambda run: len(run[4] - covered), default=None)
        if best is None or not best[4] - covered:
            break
        chosen.append(best)
        covered |= best[4]
        rest.remove(best)
    outputs = {repr(v) for _, v, *_ in chosen}
    for run in list(rest):
        if len(chosen) >= 1 + MIN_VARIANTS:
            break
        if repr(run[1]) not in outputs:
            chosen.append(run)
            outputs.add(repr(run[1]))
            rest.remove(run)
    for run in rest:
        if len(chosen) >= 1 + MIN_VARIANTS:
            break
        chosen.append(run)
    fake = [SimpleNamespace(outcome="ok", truncated=False, steps=steps, return_value=value)
            for _, value, steps, _, _ in chosen]
    quality = judge(cand.source, fake)
    problems = quality.problems()
    if problems:
        return PatternVerdict(False, problems[0])
    call = cand.call_of(cand.pool[main[0]])
    variants = tuple(cand.call_of(cand.pool[k]) for k, *_ in chosen[1:])
    features = program_features(cand.source, main[3], cand.constraints, cand.ops_used)
    return PatternVerdict(True, "ok", main[1], call, variants, features)
