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


def test_level_two_changes_a_copy_and_shows_the_argument_unchanged_beside_it():
    import random

    from execgym.seeding import rng
    from execgym.synth.catalog import CATALOG
    from execgym.synth.patterns import module
    from execgym.synth.patterns.base import Draft, kind_for

    for key in (("list", "copy"), ("set", "copy"), ("dict", "copy")):
        changed = unchanged = 0
        for k in range(30):
            r = rng("changed-copy-test", *key, k)
            draft = Draft(rng=r, level=2, focus=CATALOG[key], item_kind=kind_for(CATALOG[key], r))
            module("straight").render(draft, 0)
            source = "def entry(" + ", ".join(p.name for p in draft.params) + "):\n" + "\n".join(draft.lines) + "\n"
            if not re.search(r"return \(\w+, snapshot\)", source):
                continue
            changed += 1
            space: dict = {}
            exec(compile(source, "<straight>", "exec"), space)  # noqa: S102 -- execgym's own generated program
            for _ in range(5):
                arg = draft.params[0].draw(random.Random(k))
                before = repr(arg)
                original, copy = space["entry"](arg)
                assert original is arg and repr(arg) == before, source  # the change left the argument alone
                unchanged += copy == arg  # a set may hold the added value already
        assert changed >= 10, key
        assert unchanged <= (changed * 5) // 4 if key[0] == "set" else unchanged == 0, (key, unchanged)
