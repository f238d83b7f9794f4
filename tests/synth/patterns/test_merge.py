"""merge (execgym.synth.patterns.merge): two lists merged, the side with the smaller focus value first."""

from __future__ import annotations

import pytest

from execgym.synth.patterns import module

DEPTHS = module("merge").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_every_item_of_both_sides_once_each_side_in_its_order(drafts_of, helpers, depth):
    for r in drafts_of("merge", depth):
        assert len(r.draft.params) >= 2, r.source
        for args, got in r.ok:
            left, right = args[0], args[1]
            assert helpers.bag(got) == helpers.bag([*left, *right]), (r.source, args, got)
            assert helpers.in_order(left, got) and helpers.in_order(right, got), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_sides_interleave_on_some_input(drafts_of, depth):
    drafts = drafts_of("merge", depth)
    mixed = [r for r in drafts if any(got != [*a[0], *a[1]] for a, got in r.ok)]
    assert len(mixed) >= len(drafts) // 2


def test_the_comparison_of_two_focus_values_tells_what_the_focus_did(drafts_of, helpers):
    """A comparison that orders the sampled items as the items themselves would (``low * 2 > high * 2``,
    ``len(work) < len(current)`` after extending both by five items) is refused while drafting
    (``base.compares_alike``): with the focus stripped out, few drafts return the same on all their calls."""
    inert, told = helpers.inert_counts([r for depth in DEPTHS for r in drafts_of("merge", depth)])
    assert told >= 20 and inert <= 0.1 * told, (inert, told)


def test_both_sides_of_the_comparison_use_the_same_key(drafts_of, helpers):
    """The two items are compared by one key, as people write it (``ahead.count('b') <= behind.count('b')``), not by the focus with other
    arguments on each side; only a focus whose same key would order the items as they are (``x - 6`` on both
    sides) draws other arguments for the second. At level 6 the helper is the key on both sides."""
    helpers.check_same_key(drafts_of, 'merge', 'ahead', 'behind', DEPTHS)
