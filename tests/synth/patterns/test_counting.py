"""count (execgym.synth.patterns.counting): how many items pass a test on their focus value."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("count").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_count_is_between_none_and_every_item(drafts_of, depth):
    for r in drafts_of("count", depth):
        for args, got in r.ok:
            count = got[0] if isinstance(got, tuple) else got
            assert type(count) is int and -1 <= count <= len(args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_count_goes_up_by_one_under_a_test(drafts_of, helpers, depth):
    for r in drafts_of("count", depth):
        ones = [n for n in helpers.nodes(r.entry, ast.Constant) if n.value == 1 and type(n.value) is int]
        sums = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Name) and c.func.id == "sum"]
        assert helpers.nodes(r.entry, ast.AugAssign) and ones or sums, r.source  # ``count += 1``, ``sum(1 for ...)``
        assert helpers.nodes(r.entry, ast.If, ast.IfExp, ast.comprehension), r.source
