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


def test_a_taken_value_is_assigned_where_it_is_taken():
    """``value = work.pop(1)``, not ``removed = work.pop(1)`` then ``value = removed``: no assignment copies a name
    the statement just before it assigned."""
    from execgym.seeding import rng
    from execgym.synth.catalog import CATALOG
    from execgym.synth.patterns.base import Draft

    taken = 0
    for key in (("list", "pop"), ("dict", "pop"), ("dict", "popitem"), ("list", "pop")):
        for k in range(60):
            d = Draft(rng=rng("test-parse-alias", str(key), k), level=4, focus=CATALOG[key],
                      item_kind="list_int" if key[0] == "list" else "dict")
            try:
                module("parse_convert").render(d, 2)
            except Exception:  # noqa: BLE001 -- a draw that does not fit
                continue
            body = [line.strip() for line in d.lines]
            for before, line in zip(body, body[1:]):
                left, _, right = line.partition(" = ")
                assert not (right.isidentifier() and before.startswith(f"{right} = ")), "\n".join(d.lines)
            taken += any(line.startswith("value = work.pop") for line in body)
    assert taken >= 5


@pytest.mark.parametrize("depth", [d for d in DEPTHS if d >= 2])
def test_the_guard_lets_through_words_that_parse_and_words_that_do_not(drafts_of, depth):
    """Under a guard (depth >= 2) the ``int(word)`` in the try block parses some guarded sample words and fails
    on others: a guard such as ``word.isalpha()`` or ``len(word) > 4`` (no drawn number is that long) would make
    the try raise every time, which the filter rejects as a constant test."""
    from execgym.synth.patterns.base import _holds, parses_as_int

    checked = 0
    for r in drafts_of("parse_convert", depth):
        if r.draft.item_kind != "str" or "int(" not in r.source:
            continue
        guard = r.draft.guard_fn
        passed = [s for s in r.draft.samples if guard is None or _holds(guard, s)]
        if guard is None:  # a guard on the focus value: its truths per sample
            passed = [s for s, t in zip(r.draft.samples, r.draft.guard_truths) if t]
        assert {parses_as_int(s) for s in passed} == {True, False}, r.source
        checked += 1
    assert checked >= 3
