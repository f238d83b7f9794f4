"""index arithmetic (execgym.synth.patterns.index_walk): every step-th item paired with its mirror."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("index_walk").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_positions_are_walked_with_a_step_and_mirrored(drafts_of, helpers, depth):
    for r in drafts_of("index_walk", depth):
        ranges = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Name)
                  and c.func.id == "range" and len(c.args) == 3]
        mirrored = [u for u in helpers.nodes(r.entry, ast.UnaryOp) if isinstance(u.op, ast.USub)]
        assert ranges and mirrored, r.source  # ``range(0, len(xs), step)``, ``xs[-1 - i]``


@pytest.mark.parametrize("depth", DEPTHS)
def test_at_most_one_pair_per_item(drafts_of, depth):
    for r in drafts_of("index_walk", depth):
        for args, got in r.ok:
            assert isinstance(got, list) and len(got) <= len(args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_mirrored_item_goes_through_the_focus_too_in_some_drafts(drafts_of, depth):
    """A focus used once is applied to the mirrored item as well, written alike (``(word.zfill(8),
    words[-1 - i].zfill(8))``, both in f-strings or neither), and then counts as used twice."""
    both = 0
    for r in drafts_of("index_walk", depth, count=60):
        appended = [c for c in (n for n in ast.walk(r.entry) if isinstance(n, ast.Call))
                    if isinstance(c.func, ast.Attribute) and c.func.attr == "append"]
        pair = appended[-1].args[0]
        assert isinstance(pair, ast.Tuple) and len(pair.elts) == 2, r.source
        first, mirror = pair.elts
        if isinstance(mirror, ast.Subscript):
            continue  # the item itself: ``words[-1 - i]``
        both += 1
        assert r.draft.focus_uses >= 2, r.source
        assert isinstance(first, ast.JoinedStr) == isinstance(mirror, ast.JoinedStr), r.source
    assert both >= 3, both


def test_a_guard_that_names_its_number_keeps_that_number(drafts_of, helpers):
    """``if (size := len(word.strip())) > 3:`` then ``picked.append((size, words[-1 - i]))``: the name the guard
    binds is what the step keeps (a walrus whose name went unused would be an odd read)."""
    named = 0
    for depth in (2, 3):
        for r in drafts_of("index_walk", depth, count=40):
            walruses = helpers.nodes(r.entry, ast.NamedExpr)
            if not walruses:
                continue
            named += 1
            name = walruses[0].target.id
            appended = [c.args[0] for c in helpers.nodes(r.entry, ast.Call)
                        if isinstance(c.func, ast.Attribute) and c.func.attr == "append"]
            assert appended and isinstance(appended[0], ast.Tuple), r.source
            first = appended[0].elts[0]
            assert isinstance(first, ast.Name) and first.id == name, r.source
    assert named >= 3, named
