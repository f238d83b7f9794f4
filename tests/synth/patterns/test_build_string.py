"""build a string (execgym.synth.patterns.build_string): every item's focus value as text, separated."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("build_string").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_one_string_that_grows_with_the_items(drafts_of, depth):
    for r in drafts_of("build_string", depth):
        assert all(isinstance(x, str) for _, x in r.ok), r.source
    drafts = drafts_of("build_string", depth)
    assert sum(len({len(x) for _, x in r.ok}) > 1 for r in drafts) >= 0.8 * len(drafts)


@pytest.mark.parametrize("depth", DEPTHS)
def test_pieces_are_joined_in_the_loop(drafts_of, helpers, depth):
    for r in drafts_of("build_string", depth):
        joins = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Attribute)
                 and c.func.attr in ("join", "append")]
        grows = [n for n in helpers.nodes(r.entry, ast.AugAssign) if isinstance(n.op, ast.Add)]
        assert helpers.nodes(r.entry, ast.For) and (joins or grows), r.source


def _cut_of_text(node: ast.AST) -> bool:
    """``str(x)[:2]``: a cut of a value's printed form (``"{'"`` of a dict), which real code does not show."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) \
        and isinstance(node.value.func, ast.Name) and node.value.func.id in ("str", "repr")


def test_pieces_show_values_plainly_or_beside_their_item(drafts_of, helpers):
    """A piece that is not text is ``str(value)``, or an f-string of the item beside its value
    (``f"{number}={n}"``); never wrapped in made-up brackets (``f"<{n}>"``) nor a cut of a printed item."""
    labelled = plain = 0
    for depth in DEPTHS:
        for r in drafts_of("build_string", depth, count=40):
            assert "f\"<{" not in r.source and "'<' + str(" not in r.source, r.source
            assert not [n for n in helpers.nodes(r.entry, ast.Subscript) if _cut_of_text(n)], r.source
            for f in helpers.nodes(r.entry, ast.JoinedStr):
                names = [v.value.id for v in f.values if isinstance(v, ast.FormattedValue)
                         and isinstance(v.value, ast.Name)]
                labelled += bool(names)
            plain += any(isinstance(c.func, ast.Name) and c.func.id == "str"
                         for c in helpers.nodes(r.entry, ast.Call))
    assert labelled >= 5 and plain >= 5, (labelled, plain)
