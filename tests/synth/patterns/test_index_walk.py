"""index arithmetic (execgym.synth.patterns.index_walk): every step-th item paired with its mirror, the item after
it, or its position."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("index_walk").DEPTHS


def _partner(r) -> str:
    """What the kept value is paired with: ``mirror`` (``xs[-1 - i]``), ``next`` (``xs[i + 1]``) or ``position``."""
    text = r.source
    if "[-1 - " in text:
        return "mirror"
    return "next" if " + 1]" in text else "position"


@pytest.mark.parametrize("depth", DEPTHS)
def test_positions_are_walked_with_a_step_and_paired(drafts_of, helpers, depth):
    partners, steps = set(), set()
    for r in drafts_of("index_walk", depth, count=40):
        ranges = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Name)
                  and c.func.id == "range"]
        assert len(ranges) == 1, r.source
        if len(ranges[0].args) == 1:  # a step of 1 is written ``range(len(xs))``
            ranges[0].args[:0] = [ast.Constant(0)]
            ranges[0].args.append(ast.Constant(1))
        else:  # ``range(0, len(xs), step)``, the step a parameter or 2 or 3
            assert len(ranges[0].args) == 3 and ast.unparse(ranges[0].args[0]) == "0", r.source
            assert ast.unparse(ranges[0].args[2]) not in ("1", "0"), r.source
        steps.add(ast.unparse(ranges[0].args[2]))
        partner = _partner(r)
        partners.add(partner)
        if partner == "next":  # the walk stops one short, so ``xs[i + 1]`` is always there
            assert ast.unparse(ranges[0].args[1]).endswith("- 1"), r.source
            assert all(not isinstance(x, IndexError) for _, x in r.calls), r.source
        if partner == "position":  # only when the kept value uses the focus twice by itself
            assert r.draft.focus_uses >= 2, r.source
    assert partners == {"mirror", "next", "position"}, partners
    assert {"1", "2", "3", "step"} <= steps, steps


@pytest.mark.parametrize("depth", DEPTHS)
def test_at_most_one_pair_per_item(drafts_of, depth):
    for r in drafts_of("index_walk", depth):
        for args, got in r.ok:
            assert isinstance(got, list) and len(got) <= len(args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_mirrored_item_goes_through_the_focus_too_in_some_drafts(drafts_of, depth):
    """A focus used once is applied to the mirrored item as well, written alike (``(word.zfill(8),
    words[-1 - i].zfill(8))``), and then counts as used twice."""
    both = 0
    for r in drafts_of("index_walk", depth, count=60):
        appended = [c for c in (n for n in ast.walk(r.entry) if isinstance(n, ast.Call))
                    if isinstance(c.func, ast.Attribute) and c.func.attr == "append"]
        pair = appended[-1].args[0]
        assert isinstance(pair, ast.Tuple) and len(pair.elts) == 2, r.source
        first, mirror = pair.elts
        if isinstance(mirror, ast.Subscript) or isinstance(first, ast.Name):
            continue  # the item itself (``words[-1 - i]``), or the position first
        both += 1
        assert r.draft.focus_uses >= 2, r.source
        assert type(first) is type(mirror), r.source
    assert both >= 3, both


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_pair_holds_values_not_text_made_of_them(drafts_of, helpers, depth):
    """A tuple holds any value: the step keeps the focus value itself (``(word.count('a'), words[-1 - i])``),
    not a string made of it (``(f"<{word.count('a')}>", ...)``, ``str(...)``)."""
    for r in drafts_of("index_walk", depth, count=40):
        pair = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Attribute)
                and c.func.attr == "append"][-1].args[0]
        for part in pair.elts:
            assert not isinstance(part, ast.JoinedStr), r.source
            assert not (isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == "str"), \
                r.source


def test_a_guard_that_names_its_number_keeps_that_number(drafts_of, helpers):
    """``if (size := len(word.strip())) > 3:`` then ``picked.append((size, words[-1 - i]))``: the name the guard
    binds is what the step keeps (a walrus whose name went unused would be an odd read)."""
    named = 0
    for depth in (2, 3):
        for r in drafts_of("index_walk", depth, count=40):
            walruses = helpers.nodes(r.entry, ast.NamedExpr)
            if not walruses:
                continue
            named += 1
            name = walruses[0].target.id
            appended = [c.args[0] for c in helpers.nodes(r.entry, ast.Call)
                        if isinstance(c.func, ast.Attribute) and c.func.attr == "append"]
            assert appended and isinstance(appended[0], ast.Tuple), r.source
            kept = [e.id for e in appended[0].elts if isinstance(e, ast.Name)]
            assert name in kept, r.source  # beside the mirrored or next item, or after the position
    assert named >= 3, named
