"""two pointers (execgym.synth.patterns.two_pointers): walk in from both ends, swapping by focus value."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("two_pointers").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_swaps_keep_the_items_and_are_counted(drafts_of, helpers, depth):
    for r in drafts_of("two_pointers", depth):
        for args, got in r.ok:
            moves, order = got
            assert helpers.bag(order) == helpers.bag(args[0]), (r.source, args, got)
            assert 0 <= moves <= len(args[0]) // 2, (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_pointers_meet_in_the_middle(drafts_of, helpers, depth):
    drafts = drafts_of("two_pointers", depth)
    for r in drafts:
        loops = helpers.nodes(r.entry, ast.While)
        assert loops and isinstance(loops[0].test, ast.Compare), r.source  # ``while left < right``
    assert any(x[0] > 0 for r in drafts for _, x in r.ok)


def test_the_comparison_of_two_focus_values_tells_what_the_focus_did(drafts_of, helpers):
    """A comparison that orders the sampled items as the items themselves would (``low * 2 > high * 2``,
    ``len(work) < len(current)`` after extending both by five items) is refused while drafting
    (``base.compares_alike``): with the focus stripped out, few drafts return the same on all their calls."""
    inert, told = helpers.inert_counts([r for depth in DEPTHS for r in drafts_of("two_pointers", depth)])
    assert told >= 20 and inert <= 0.1 * told, (inert, told)


def test_both_sides_of_the_comparison_use_the_same_key(drafts_of, helpers):
    """The two items are compared by one key, as people write it (``len(low_item.strip()) > len(high_item.strip())``), not by the focus with other
    arguments on each side; only a focus whose same key would order the items as they are (``x - 6`` on both
    sides) draws other arguments for the second. At level 6 the helper is the key on both sides."""
    helpers.check_same_key(drafts_of, 'two_pointers', 'low_item', 'high_item', DEPTHS)
