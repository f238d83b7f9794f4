"""index arithmetic (execgym.synth.patterns.index_walk): every step-th item paired with its mirror."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("index_walk").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_positions_are_walked_with_a_step_and_mirrored(drafts_of, helpers, depth):
    for r in drafts_of("index_walk", depth):
        ranges = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Name)
                  and c.func.id == "range" and len(c.args) == 3]
        mirrored = [u for u in helpers.nodes(r.entry, ast.UnaryOp) if isinstance(u.op, ast.USub)]
        assert ranges and mirrored, r.source  # ``range(0, len(xs), step)``, ``xs[-1 - i]``


@pytest.mark.parametrize("depth", DEPTHS)
def test_at_most_one_pair_per_item(drafts_of, depth):
    for r in drafts_of("index_walk", depth):
        for args, got in r.ok:
            assert isinstance(got, list) and len(got) <= len(args[0]), (r.source, args, got)
