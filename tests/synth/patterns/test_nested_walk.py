"""nested data walk (execgym.synth.patterns.nested_walk): a total per row of the items' focus values."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("nested_walk").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_loop_over_the_rows_holds_a_loop_over_a_row(drafts_of, helpers, depth):
    for r in drafts_of("nested_walk", depth):
        outer = [n for n in r.entry.body if isinstance(n, ast.For)]
        assert outer and helpers.nodes(outer[0], ast.For, ast.comprehension)[1:], r.source


@pytest.mark.parametrize("depth", DEPTHS)
def test_totals_are_keyed_by_row(drafts_of, depth):
    for r in drafts_of("nested_walk", depth):
        for args, got in r.ok:
            totals = got[0] if isinstance(got, tuple) else got
            rows = range(len(args[0]))
            assert all(k in rows for k in totals), (r.source, args, got)  # row positions (dict keys or ranked)
