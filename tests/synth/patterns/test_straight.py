"""straight-line code (execgym.synth.patterns.straight): levels 1-2, the focus applied to the argument."""

from __future__ import annotations

import ast
import re


def test_no_control_flow_and_the_argument_reaches_the_result(drafts_of, helpers):
    for level in (1, 2):
        for r in drafts_of("straight", 0, level):
            assert not helpers.nodes(r.entry, ast.If, ast.For, ast.While, ast.IfExp, ast.Try), r.source
            assert r.draft.params[0].name in {n.id for n in helpers.nodes(r.entry, ast.Name)}, r.source


def test_level_one_returns_the_named_focus_value_without_an_alias(drafts_of):
    drafts = drafts_of("straight", 0, 1)
    assert drafts
    for r in drafts:
        lines = [line.strip() for line in r.source.splitlines() if line.strip()]
        assert lines[-1].startswith("return "), r.source
        aliased = re.fullmatch(r"(\w+) = (\w+)", lines[-2])  # ``value = work`` / ``return value``
        assert not (aliased and lines[-1] == f"return {aliased.group(1)}"), r.source


def test_level_two_feeds_the_focus_value_to_one_more_operation(drafts_of):
    drafts = drafts_of("straight", 0, 2, count=60)
    last = [r.entry.body[-2] for r in drafts]
    fstrings = sum(isinstance(n, ast.Assign) and isinstance(n.value, ast.JoinedStr) for n in last)
    assert fstrings <= 0.45 * len(drafts)  # not every program ends in an f-string
    shapes = {type(n.value).__name__ if isinstance(n, ast.Assign) else type(n).__name__ for n in last}
    assert {"Call", "JoinedStr", "BinOp"} <= shapes, shapes
    for r in drafts:
        assert " * 1\n" not in r.source and ", 1))" not in r.source.replace("enumerate", ""), r.source
