"""The light route of ``quality.assess`` for programs execgym generated in this process (``own=True``).

Contract: ``light_qualities(plans, stripped, *, max_steps, timeout, workers) -> {row index: ProgramQuality}``
measures the rows it can with the light coverage runner (``execgym.synth.patterns.coverage``: many programs
and calls to one sandboxed child) instead of one traced run per call, and leaves the others out: the caller
traces those as before. A row is measured here only if its program and its stripped program pass
``coverage.batchable``, every call is ``entry(literal, ...)`` whose arguments ``values.literal`` writes back
as the same text, its main call runs ok, and no ok call comes within a quarter of ``max_steps`` line steps
(where the tracer's own step cap could decide otherwise). The measures are then the traced route's: the same
values, executed lines, branch outcomes and line steps (the coverage route's summaries equal the tracer's,
tests/synth/test_synth_patterns_coverage.py), judged by ``quality.judge_runs``. Only for execgym's own
programs (never a user's file, whatever its rows claim): the caller decides.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any, NamedTuple


class _Job(NamedTuple):
    source: str
    entry: str
    pool: list


def call_arguments(call: str, entry: str) -> tuple | None:
    """The argument values of ``call`` when it is ``entry(a, b, ...)`` with literal arguments that
    ``values.literal`` writes back as exactly ``call``; None otherwise."""
    from execgym import astparse
    from execgym.synth.values import literal

    try:
        node = astparse.parse(call, mode="eval").body
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry) \
                or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        args = tuple(ast.literal_eval(a) for a in node.args)
        written = f"{entry}({', '.join(literal(a) for a in args)})"
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None
    return args if written == call else None


def light_qualities(plans: Sequence[tuple[Any, list[str]]], stripped: Sequence[str | None], *, max_steps: int,
                    timeout: float, workers: int | None) -> dict[int, Any]:
    """See the module contract. ``plans``: ``(row, calls)`` (main call first); ``stripped``: each row's program
    without its focus, or None."""
    from dataclasses import replace

    from execgym.synth.decide import SynthesisError
    from execgym.synth.filters import FilterConfig
    from execgym.synth.focus_effect import call_inert, inert
    from execgym.synth.patterns.coverage import batchable
    from execgym.synth.patterns.run import _cover
    from execgym.synth.quality import RunSummary, judge_runs, output_key

    mine: dict[int, _Job] = {}
    theirs: dict[int, _Job] = {}
    for k, ((row, calls), text) in enumerate(zip(plans, stripped)):
        pool = [call_arguments(call, row.entry) for call in calls]
        if not calls or any(args is None for args in pool) or not batchable(row.source) \
                or (text is not None and not batchable(text)):
            continue
        mine[k] = _Job(row.source, row.entry, pool)
        if text is not None:
            theirs[k] = _Job(text, row.entry, pool)
    if not mine:
        return {}
    config = FilterConfig(max_line_steps=max_steps, timeout=timeout, workers=workers)
    try:
        got = _cover(mine, list(mine), config, 16)
        got_theirs = _cover(theirs, list(theirs), config, 16, tests=False) if theirs else {}
    except SynthesisError:  # a batch the wall clock kept stopping: the traced route decides these rows
        return {}
    near = max_steps // 4
    out: dict[int, Any] = {}
    for k, calls in got.items():
        stripped_calls = got_theirs.get(k) if k in theirs else []
        if calls is None or stripped_calls is None or len(calls) != len(mine[k].pool) \
                or calls[0][0] is not True \
                or any(ok is True and steps > near for ok, _, _, steps, _ in [*calls, *stripped_calls]):
            continue
        runs = [RunSummary(value, frozenset(counts[0::2]), {h: set(seen) for h, seen in outcomes.items()}, steps,
                           counts)
                for ok, value, counts, steps, outcomes in calls if ok is True]
        row = plans[k][0]
        quality = judge_runs(row.source, runs, level=getattr(row, "level", None))
        if k in theirs and quality.measured:
            keys = [output_key(value) if ok is True else None for ok, value, *_ in calls]
            stripped_keys = [output_key(value) if ok is True else None for ok, value, *_ in stripped_calls]
            told = inert(keys, stripped_keys)
            quality = replace(quality, focus_inert=told,
                              focus_call_inert=None if told is None else call_inert(keys, stripped_keys))
        out[k] = quality
    return out
