"""pairwise (execgym.synth.patterns.pairwise): how often the focus value rises from one item to the next."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("pairwise").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_rises_and_falls_are_counted_over_neighbours(drafts_of, depth):
    for r in drafts_of("pairwise", depth):
        for args, got in r.ok:
            rises, falls, net = got
            assert 0 <= rises + falls <= max(0, len(args[0]) - 1) and net == rises - falls, (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_each_item_meets_its_neighbour(drafts_of, helpers, depth):
    for r in drafts_of("pairwise", depth):
        shifted = [s for s in helpers.nodes(r.entry, ast.Subscript) if isinstance(s.slice, ast.Slice)
                   and isinstance(s.slice.lower, ast.Constant) and s.slice.lower.value == 1]
        plus_one = [b for b in helpers.nodes(r.entry, ast.BinOp) if isinstance(b.op, ast.Add)
                    and isinstance(b.right, ast.Constant) and b.right.value == 1]
        assert shifted or plus_one, r.source  # ``zip(xs, xs[1:])`` or ``xs[i + 1]``


def test_the_comparison_of_two_focus_values_tells_what_the_focus_did(drafts_of, helpers):
    """A comparison that orders the sampled items as the items themselves would (``low * 2 > high * 2``,
    ``len(work) < len(current)`` after extending both by five items) is refused while drafting
    (``base.compares_alike``): with the focus stripped out, few drafts return the same on all their calls."""
    inert, told = helpers.inert_counts([r for depth in DEPTHS for r in drafts_of("pairwise", depth)])
    assert told >= 20 and inert <= 0.1 * told, (inert, told)


def test_both_sides_of_the_comparison_use_the_same_key(drafts_of, helpers):
    """The two items are compared by one key, as people write it (``before.count('b') < after.count('b')``), not by the focus with other
    arguments on each side; only a focus whose same key would order the items as they are (``x - 6`` on both
    sides) draws other arguments for the second. At level 6 the helper is the key on both sides."""
    helpers.check_same_key(drafts_of, 'pairwise', 'before', 'after', DEPTHS)
