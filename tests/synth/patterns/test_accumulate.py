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


@pytest.mark.parametrize("depth", (2, 3))
def test_items_a_guard_rejects_mostly_add_nothing(drafts_of, depth):
    """A guarded total leaves the items its guard rejects out (``if guard: total += n`` alone) in most drafts;
    a rejected item costs a point (``else: total -= 1``) in a minority (7 and 6 of the 24 drafts at depths 2
    and 3; 16 and 23 before)."""
    penalties = sum("-= 1" in r.source for r in drafts_of("accumulate", depth))
    assert 1 <= penalties <= 0.45 * len(drafts_of("accumulate", depth)), penalties
