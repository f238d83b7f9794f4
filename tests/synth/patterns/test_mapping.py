"""map (execgym.synth.patterns.mapping): the focus value of every item, in order."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("map").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_one_value_per_item_at_most(drafts_of, depth):
    for r in drafts_of("map", depth):
        for args, got in r.ok:
            assert isinstance(got, list) and len(got) <= len(args[0]), (r.source, args, got)


def test_depth_one_maps_every_item(drafts_of):
    for r in drafts_of("map", 1):
        if helpers_free_of_try(r.entry):
            assert all(len(got) == len(args[0]) for args, got in r.ok), r.source


def helpers_free_of_try(entry: ast.FunctionDef) -> bool:
    return not any(isinstance(n, ast.Try) for n in ast.walk(entry))


@pytest.mark.parametrize("depth", DEPTHS)
def test_each_value_is_appended_in_the_loop(drafts_of, helpers, depth):
    for r in drafts_of("map", depth):
        calls = [c for c in helpers.nodes(r.entry, ast.Call)
                 if isinstance(c.func, ast.Attribute) and c.func.attr == "append"]
        assert calls and helpers.nodes(r.entry, ast.For), r.source
