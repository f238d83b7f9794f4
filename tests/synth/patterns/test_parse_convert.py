"""parse and convert (execgym.synth.patterns.parse_convert): ``int()`` in a try block, a fallback number."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("parse_convert").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_an_expected_error_is_caught(drafts_of, helpers, depth):
    for r in drafts_of("parse_convert", depth):
        handlers = helpers.nodes(r.entry, ast.ExceptHandler)
        assert handlers and all(isinstance(h.type, ast.Name) and h.type.id.endswith("Error") for h in handlers), \
            r.source


@pytest.mark.parametrize("depth", DEPTHS)
def test_one_number_per_item_at_most(drafts_of, depth):
    for r in drafts_of("parse_convert", depth):
        for args, got in r.ok:
            numbers = got[0] if isinstance(got, tuple) else got
            assert isinstance(numbers, list) and len(numbers) <= len(args[0]), (r.source, args, got)
            assert all(type(n) is int for n in numbers), (r.source, args, got)
