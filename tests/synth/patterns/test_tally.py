"""tally (execgym.synth.patterns.tally): a dict from each distinct focus value to how many items have it."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("tally").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_returned_tally_counts_items(drafts_of, depth):
    for r in drafts_of("tally", depth):
        for args, got in r.ok:
            if isinstance(got, dict):
                assert all(type(v) is int and v >= 1 for v in got.values()), (r.source, args, got)
                assert sum(got.values()) <= len(args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_dict_is_built_key_by_key(drafts_of, helpers, depth):
    for r in drafts_of("tally", depth):
        stores = [n for n in helpers.nodes(r.entry, ast.Subscript) if isinstance(n.ctx, ast.Store)]
        assert helpers.nodes(r.entry, ast.Dict) and stores, r.source  # ``counts = {}``, ``counts[key] = ...``
