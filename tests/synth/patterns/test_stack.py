"""stack (execgym.synth.patterns.stack): items pushed when a test on their focus value holds, popped otherwise."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("stack").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_what_is_left_are_items_of_the_input(drafts_of, helpers, depth):
    for r in drafts_of("stack", depth):
        for args, got in r.ok:
            if isinstance(got, list):
                assert helpers.within(got, args[0]) and helpers.in_order(got, args[0]), (r.source, args, got)
            elif isinstance(got, tuple):  # the top and how many lie under it
                top, under = got
                assert helpers.within([top], args[0]) and 0 <= under < len(args[0]), (r.source, args, got)
            else:
                assert got is None, (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_items_are_pushed_and_popped(drafts_of, helpers, depth):
    for r in drafts_of("stack", depth):
        methods = {c.func.attr for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Attribute)}
        assert "append" in methods and ("pop" in methods or helpers.nodes(r.entry, ast.Delete)), r.source


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_function_that_says_what_an_empty_stack_gives_is_called_with_no_items_now_and_then(drafts_of, depth):
    """Drafts ending ``if stack: ... return None`` draw an empty list for about ``EMPTY_SHARE`` of their inputs
    (so some shipped input reaches ``return None``; before, none did in most of them); the others never do."""
    import random

    share = module("stack").EMPTY_SHARE
    told = {True: [0, 0], False: [0, 0]}
    for r in drafts_of("stack", depth):
        says = "return None" in r.source
        draw = r.draft.params[0].draw
        stream = random.Random(7)
        for _ in range(200):
            told[says][0] += draw(stream) == []
            told[says][1] += 1
    assert told[True][1] and told[False][1], told
    assert told[False][0] == 0, told
    assert abs(told[True][0] / told[True][1] - share) < 0.06, told
