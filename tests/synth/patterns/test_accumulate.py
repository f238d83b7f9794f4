"""accumulate (execgym.synth.patterns.accumulate): one number folded from the items in a loop."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("accumulate").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_running_number_is_folded_in_the_loop_and_returned(drafts_of, helpers, depth):
    for r in drafts_of("accumulate", depth):
        loops = helpers.nodes(r.entry, ast.For, ast.While)
        assert loops, r.source
        folds = [n for loop in loops for n in helpers.nodes(loop, ast.AugAssign)]
        assert folds, r.source  # ``total += ...`` inside the loop
        assert all(isinstance(x, (int, float)) and not isinstance(x, bool) for _, x in r.ok), r.source


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_total_depends_on_the_items(drafts_of, depth):
    varied = [r for r in drafts_of("accumulate", depth) if len({repr(x) for _, x in r.ok}) > 1]
    assert len(varied) >= 0.8 * len(drafts_of("accumulate", depth))
