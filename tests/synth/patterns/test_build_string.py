"""build a string (execgym.synth.patterns.build_string): every item's focus value as text, separated."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("build_string").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_one_string_that_grows_with_the_items(drafts_of, depth):
    for r in drafts_of("build_string", depth):
        assert all(isinstance(x, str) for _, x in r.ok), r.source
    drafts = drafts_of("build_string", depth)
    assert sum(len({len(x) for _, x in r.ok}) > 1 for r in drafts) >= 0.8 * len(drafts)


@pytest.mark.parametrize("depth", DEPTHS)
def test_pieces_are_joined_in_the_loop(drafts_of, helpers, depth):
    for r in drafts_of("build_string", depth):
        joins = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Attribute)
                 and c.func.attr in ("join", "append")]
        grows = [n for n in helpers.nodes(r.entry, ast.AugAssign) if isinstance(n.op, ast.Add)]
        assert helpers.nodes(r.entry, ast.For) and (joins or grows), r.source
