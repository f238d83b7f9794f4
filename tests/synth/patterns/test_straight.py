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


def _level_two(key: tuple[str, str], k: int):
    from execgym.seeding import rng
    from execgym.synth.catalog import CATALOG
    from execgym.synth.patterns import module
    from execgym.synth.patterns.base import Draft, Unfit, kind_for

    r = rng("straight-masking-test", *key, k)
    draft = Draft(rng=r, level=2, focus=CATALOG[key], item_kind=kind_for(CATALOG[key], r))
    try:
        module("straight").render(draft, 0)
    except Unfit:
        return None, None
    source = "def entry(" + ", ".join(p.name for p in draft.params) + "):\n" + "\n".join(draft.lines) + "\n"
    return draft, source


def test_level_two_never_feeds_the_focus_to_an_operation_that_hides_it():
    """``sum``/``len``/``sorted`` after ``work.sort()``, ``** 2`` after ``abs``: the output would be the same
    without the focus. On the drafts' own drawn inputs, the program without the focus must differ somewhere."""
    import random

    from execgym.synth.focus_effect import without_focus

    for key in (("list", "sort"), ("int", "abs"), ("list", "reverse"), ("str", "upper")):
        written = 0
        for k in range(25):
            draft, source = _level_two(key, k)
            if draft is None:
                continue
            written += 1
            stripped = without_focus(source, key)
            assert stripped is not None, source
            mine: dict = {}
            theirs: dict = {}
            exec(compile(source, "<straight>", "exec"), mine)  # noqa: S102 -- execgym's own generated program
            exec(compile(stripped, "<stripped>", "exec"), theirs)  # noqa: S102
            r = random.Random(k)
            draws = [[p.draw(r) for p in draft.params] for _ in range(40)]
            assert any(repr(mine["entry"](*args)) != repr(theirs["entry"](*args)) for args in draws), source
        assert written >= 15, key


def test_a_focus_that_changes_few_items_has_later_draws_repeat_the_items_it_changed():
    import random

    from execgym.synth.patterns.base import CHANGED_ITEM_SHARE, RARE_CHANGE, _rarely_changed

    samples = [5, 7, -3, 9, 12, 4, 8, 10, 11, 6]
    assert _rarely_changed(samples, [abs(x) for x in samples]) == [-3]          # 1 of 10 changed
    mostly = [-1, -2, -3, 4]
    assert _rarely_changed(mostly, [abs(x) for x in mostly]) == []               # 3 of 4: not rare
    assert _rarely_changed(samples, [str(x) for x in samples]) == []             # another type: every item
    assert _rarely_changed(samples, samples) == []                               # none changed
    assert 0 < RARE_CHANGE < 1 and 0 < CHANGED_ITEM_SHARE < 1
    # expandtabs of words: a word with a tab is rare among the drawn words, so drafts ship it now and then
    written = shipped_tab = 0
    for k in range(400):
        draft, source = _level_two(("str", "expandtabs"), k)
        if draft is None:
            continue  # no sample had a tab: the focus changed nothing, the draft is not written
        written += 1
        assert draft.changed_items == ["\t"], (source, draft.changed_items)
        r = random.Random(k)
        draws = [draft.params[0].draw(r) for _ in range(12)]
        shipped_tab += any("\t" in w for w in draws)
        if written == 8:
            break
    assert written == 8 and shipped_tab >= 7, (written, shipped_tab)
