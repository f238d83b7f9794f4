"""runs (execgym.synth.patterns.runs): items cut into runs, a buffer reset by ``clear`` or closed at a separator."""

from __future__ import annotations

import ast
import random
from typing import Any

import pytest

from execgym.seeding import rng
from execgym.synth.catalog import CATALOG
from execgym.synth.patterns import build, module
from execgym.synth.patterns.base import Draft, kind_for, stable_key

DEPTHS = module("runs").DEPTHS
SPLIT_DEPTHS = tuple(d for d in DEPTHS if d not in module("runs").SOLE_DEPTHS)  # where any focus may split
CLEARS = [("list", "clear"), ("set", "clear"), ("dict", "clear")]


def _batches(key: tuple[str, str], level: int, count: int = 12) -> list[tuple[str, Draft, list]]:
    """Up to ``count`` drafts of pattern ``runs`` for the ``clear`` focus ``key`` at ``level`` (3-6), each with
    its calls as ``(args, result)``; execgym's own generated code, run in this process as the fixture does."""
    focus, depth = CATALOG[key], {3: 1, 4: 2, 5: 3, 6: 3}[level]
    out = []
    for k in range(200):
        r = rng("runs-test", *key, level, k)
        draft = Draft(rng=r, level=level, focus=focus, item_kind=kind_for(focus, r))
        try:
            module("runs").render(draft, depth)
        except Exception:  # noqa: BLE001 -- Unfit: this draw does not fit
            continue
        source = "\n".join([*draft.helper, "", "def entry(" + ", ".join(p.name for p in draft.params) + "):",
                            *draft.lines]) + "\n"
        space: dict[str, Any] = {}
        exec(compile(source, "<runs>", "exec"), space)  # noqa: S102 -- execgym's own generated program
        draw = random.Random(k)
        calls = []
        for _ in range(8):
            args = [p.draw(draw) for p in draft.params]
            calls.append((args, space["entry"](*[_copy(a) for a in args])))
        stripped = source.replace(".clear()", ".copy()")  # the buffer never reset
        space = {}
        exec(compile(stripped, "<runs-stripped>", "exec"), space)  # noqa: S102
        calls = [(args, got, space["entry"](*[_copy(a) for a in args])) for args, got in calls]
        out.append((source, draft, calls))
        if len(out) == count:
            break
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(x) for x in value]
    return dict(value) if isinstance(value, dict) else set(value) if isinstance(value, set) else value


@pytest.mark.parametrize("key", CLEARS)
@pytest.mark.parametrize("level", [4, 5, 6])
def test_clear_resets_a_buffer_that_batches_the_items(key, level):
    drafts = _batches(key, level)
    assert len(drafts) >= 8, (key, level, len(drafts))
    for source, draft, calls in drafts:
        tree = ast.parse(source)
        clears = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                  and c.func.attr == "clear"]
        assert len(clears) == 1 and draft.focus_uses == 1, source
        assert "work = " not in source, source  # no copy of an item is cleared
        if level == 6:  # the helper takes the batch and resets the buffer it is given
            helper = tree.body[0]
            assert isinstance(helper, ast.FunctionDef) and clears[0] in ast.walk(helper), source
        for args, (batches, rest), _ in calls:
            size = args[1]
            assert isinstance(batches, list), source
            if "sorted(" in source and "sum(" not in source:
                assert all(len(b) >= size for b in batches) and len(rest) < size, (source, args)
    # the reset matters: without it the batches differ on most calls that close two or more of them
    changed = [stable_key(got) != stable_key(kept) for _, _, calls in drafts for _, got, kept in calls
               if len(got[0]) >= 2]
    assert changed and sum(changed) >= 0.9 * len(changed), (sum(changed), len(changed))


@pytest.mark.parametrize("key", CLEARS)
def test_a_scratch_buffer_is_reset_for_every_item_at_level_3(key):
    """Depth 1: ``scratch.clear()``, filled from a base argument and the item, summed up; without the reset the
    buffer piles up the items before, so most calls of two or more items return something else."""
    drafts = _batches(key, 3)
    assert len(drafts) >= 8, len(drafts)
    for source, draft, calls in drafts:
        loop = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.For))
        first = loop.body[0]
        assert isinstance(first, ast.Expr) and first.value.func.attr == "clear", source  # reset, then filled
        assert len(draft.params) == 2 and draft.focus_uses == 1, source
        for args, got, _ in calls:
            assert isinstance(got, list) and len(got) == len(args[0]), (source, args, got)
    changed = [stable_key(got) != stable_key(kept) for _, _, calls in drafts for args, got, kept in calls
               if len(args[0]) >= 2]
    assert changed and sum(changed) >= 0.5 * len(changed), (sum(changed), len(changed))  # dicts: 68%


@pytest.mark.parametrize("key", CLEARS)
def test_no_other_pattern_clears_a_copy_at_levels_3_to_6(key):
    focus = CATALOG[key]
    for level in (3, 4, 5, 6):
        built = [build(level, focus, rng("runs-only", *key, level, k)) for k in range(40)]
        patterns = {c.pattern.split("/")[-1] for c in built if c is not None}
        assert patterns == {"runs"}, (level, patterns)


@pytest.mark.parametrize("depth", SPLIT_DEPTHS)
def test_separators_close_runs_that_keep_every_other_item_in_order(drafts_of, depth):
    drafts = drafts_of("runs", depth)
    assert len(drafts) >= 12
    for r in drafts:
        for args, got in r.ok:
            items = args[0]
            kept = [x for run in got for x in run]
            assert all(run for run in got) or depth == 2, (r.source, args, got)
            position = iter(items)  # the runs' items are the items, in order, minus the separators
            assert all(any(stable_key(x) == stable_key(y) for y in position) for x in kept), (r.source, args)
            if depth == 2:  # each separator closes one run, and the last run is kept too
                assert len(got) == len(items) - len(kept) + 1, (r.source, args, got)


def test_the_separator_test_tells_what_the_focus_did(drafts_of, helpers):
    inert, told = helpers.inert_counts([r for depth in SPLIT_DEPTHS for r in drafts_of("runs", depth)])
    assert told >= 12 and inert <= 0.1 * told, (inert, told)
