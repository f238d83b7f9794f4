"""filter (execgym.synth.patterns.filtering): the items for which a test on their focus value holds."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("filter").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_result_holds_only_items_of_the_input_or_the_values_it_names(drafts_of, helpers, depth):
    for r in drafts_of("filter", depth):
        named = bool(helpers.nodes(r.entry, ast.NamedExpr))  # ``[size for w in ws if (size := len(w)) > 5]``
        for args, got in r.ok:
            assert isinstance(got, (list, set)) and len(got) <= len(args[0]), r.source
            assert named or helpers.within(got, args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_some_items_are_dropped_and_some_kept(drafts_of, depth):
    drafts = drafts_of("filter", depth)
    dropping = [r for r in drafts if any(len(x) < len(a[0]) for a, x in r.ok)]
    keeping = [r for r in drafts if any(len(x) > 0 for _, x in r.ok)]
    assert len(dropping) >= 0.8 * len(drafts) and len(keeping) >= 0.8 * len(drafts)


def test_the_test_is_written_the_ways_people_filter(drafts_of, helpers):
    drafts = [r for depth in DEPTHS for r in drafts_of("filter", depth)]
    for r in drafts:
        tests = helpers.nodes(r.entry, ast.If, ast.comprehension, ast.Lambda)
        assert tests, r.source
    comprehensions = [r for r in drafts_of("filter", 1) if helpers.nodes(r.entry, ast.ListComp, ast.SetComp)]
    assert comprehensions, "no depth-1 filter is a comprehension"
