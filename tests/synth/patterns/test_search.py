"""search (execgym.synth.patterns.search): the position of the first item whose focus value passes a test."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("search").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_position_of_the_input_or_minus_one(drafts_of, depth):
    for r in drafts_of("search", depth):
        for args, got in r.ok:
            assert type(got) is int and -1 <= got < len(args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_walk_exits_early_and_some_inputs_find_nothing(drafts_of, helpers, depth):
    drafts = drafts_of("search", depth)
    for r in drafts:
        loops = helpers.nodes(r.entry, ast.For, ast.While)
        assert any(helpers.nodes(loop, ast.Break, ast.Return) for loop in loops), r.source
    assert sum(any(x == -1 for _, x in r.ok) for r in drafts) >= len(drafts) // 4
    assert sum(any(x >= 0 for _, x in r.ok) for r in drafts) >= len(drafts) // 2
