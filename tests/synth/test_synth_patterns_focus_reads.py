"""How a draft reads its focus value (``execgym.synth.patterns.base``): the refusals that keep a program's focus
from being stripped out without changing its output, on sample items made here."""

from __future__ import annotations

import math
import random

import pytest

from execgym.synth.catalog import CATALOG
from execgym.synth.patterns.base import (
    Draft,
    FocusValue,
    Unfit,
    as_number,
    as_test,
    compares_alike,
    groups_alike,
    item_guard,
    join_uses,
    keeps_length,
    own_number,
    own_truth,
)


def _draft(samples: list, key: tuple[str, str] = ("int", "abs")) -> Draft:
    draft = Draft(rng=random.Random(0), level=4, focus=CATALOG[key], item_kind="int")
    draft.samples = list(samples)
    return draft


def _value(results: list) -> FocusValue:
    return FocusValue([], "f(x)", list(results))


def test_a_comparison_that_orders_items_as_they_are_is_told_apart_from_one_that_does_not():
    numbers = [3, -5, 8, 0, 12, -1]
    draft = _draft(numbers)
    doubled = _value([2 * n for n in numbers])
    assert compares_alike(draft, doubled, doubled.results, doubled, doubled.results)   # a * 2 > b * 2
    shifted = _value([n - 4 for n in numbers])
    assert not compares_alike(draft, doubled, doubled.results, shifted, shifted.results)  # a * 2 > b - 4
    magnitude = _value([abs(n) for n in numbers])
    assert not compares_alike(draft, magnitude, magnitude.results, magnitude, magnitude.results)
    assert not compares_alike(_draft(numbers[:2]), doubled, doubled.results[:2], doubled, doubled.results[:2])
    # rounding up orders two prices otherwise only when both lie in one unit interval: too seldom to tell
    prices = [2.25, 7.5, -1.75, 12.0, 4.75, 18.5, 9.25, 0.5, 15.75, 3.0]
    price_draft = _draft(prices, ("float", "math.ceil()"))
    ceiled = _value([math.ceil(p) for p in prices])
    assert compares_alike(price_draft, ceiled, ceiled.results, ceiled, ceiled.results)
    halved = _value([p // 4 for p in prices])  # buckets of four: many pairs share one
    assert not compares_alike(price_draft, halved, halved.results, halved, halved.results)


def test_lengths_compare_alike_when_the_focus_adds_as_many_items_to_each_side():
    rows = [[1], [2, 3], [], [4, 5, 6]]
    draft = _draft(rows, ("list", "extend"))
    extended = _value([row + [7, 8] for row in rows])
    assert not keeps_length(draft, extended.results)
    _, lengths = as_number(draft, extended)
    assert lengths == [3, 4, 2, 5]
    assert compares_alike(draft, extended, lengths, extended, lengths)


def test_dedupe_keys_that_group_items_as_they_are_are_refused():
    words = ["apple", "Apple", "pear", "fig", "pear"]
    draft = _draft(words, ("str", "lower"))
    assert groups_alike(draft, [w * 3 for w in words], lambda w: w)          # w * 3: the same groups
    assert not groups_alike(draft, [w.lower() for w in words], lambda w: w)  # 'apple' and 'Apple' join
    assert not groups_alike(draft, [w * 3 for w in words[:2]], lambda w: w)  # too few to tell


def test_a_flag_read_as_its_own_number_or_a_value_read_as_its_own_truth_is_refused():
    flags = [True, False, True, True, False]
    with pytest.raises(Unfit, match="flag itself"):
        as_number(_draft(flags, ("bool", "int()")), _value([int(f) for f in flags]))
    prices = [2.5, 0.0, -1.0, 3.25]
    draft = _draft(prices, ("float", "bool()"))
    truths = _value([bool(p) for p in prices])
    assert own_truth(draft, truths)
    with pytest.raises(Unfit, match="own truth"):
        as_test(draft, truths)
    with pytest.raises(Unfit, match="own truth"):
        as_number(draft, truths)
    big = _value([p > 1 for p in prices])           # a real test on the prices
    assert not own_truth(draft, big) and as_test(draft, big) == "f(x)"


def test_a_focus_that_keeps_every_length_makes_no_length_of_its_values():
    pairs = [(1, 2), (3,), (4, 5, 6), ()]
    draft = _draft(pairs, ("reversed", "reversed"))
    draft.focus_keeps_length = True   # as focus_value records for ``reversed``
    joined = _value([list(p) * 2 for p in pairs])   # len(list(reversed(p)) + list(reversed(p[::-1])))
    with pytest.raises(Unfit, match="keeps the item's length"):
        as_number(draft, joined)
    assert own_number(_value([1.5]))(2.0) == 2.0 and own_number(_value([[1]]))([1, 2]) == 2


def test_lazy_focus_values_are_measured_without_being_read():
    from execgym.synth.patterns.base import _keeps_length_of

    items = [[1, 2], [3], [4, 5, 6]]
    lazy = [reversed(x) for x in items]
    assert _keeps_length_of(items, lazy)
    assert [list(x) for x in lazy] == [[2, 1], [3], [6, 5, 4]]    # still unread
    assert _keeps_length_of(items, [enumerate(x) for x in items])
    assert not _keeps_length_of(items, [x * 2 for x in items])
    assert not _keeps_length_of([1, 2], [3, 4])                    # numbers: no length to keep


def test_a_focus_nested_in_itself_is_refused_when_the_second_use_alone_gives_the_same():
    from execgym.synth.patterns.base import _nest

    # max(max(n, 5), b): with b < 5 the second use changes nothing, with b >= 5 it is max(n, b): never written
    form = CATALOG[("int", "max")].forms[0]
    numbers = [3, -5, 8, 0, 12, -1, 6]
    for k in range(30):
        draft = _draft(numbers, ("int", "max"))
        draft.rng = random.Random(k)
        assert _nest(draft, form, "max(number, 5)", [max(n, 5) for n in numbers], ["5"], numbers[0],
                     numbers) is None
    # w.replace('e', 'a').replace(x, y) tells more than the second replace alone for some x: written
    form = CATALOG[("str", "replace")].forms[0]
    words = ["ember", "delta", "pepper", "elm", "tiger", "kettle"]
    written = 0
    for k in range(30):
        draft = _draft(words, ("str", "replace"))
        draft.item_kind = "str"
        draft.rng = random.Random(k)
        first = [w.replace("e", "a") for w in words]
        got = _nest(draft, form, "word.replace('e', 'a')", first, ["'e'", "'a'"], words[0], words)
        written += got is not None
    assert written >= 5
    # w[1:][2:] is w[3:]: a slice from an offset is never nested in itself
    form = CATALOG[("str", "[index:]")].forms[0]
    draft = _draft(words, ("str", "[index:]"))
    draft.item_kind = "str"
    assert _nest(draft, form, "word[1:]", [w[1:] for w in words], ["1"], words[0], words) is None


def test_two_tests_compared_as_numbers_are_written_as_the_test_people_write():
    from itertools import product

    from execgym.synth.patterns.base import ordered

    a, b = FocusValue([], "x.isdigit()", [True]), FocusValue([], "y == 'a' or y == 'b'", [False])
    na, nb = "(1 if x.isdigit() else 0)", "(1 if y == 'a' or y == 'b' else 0)"
    written = {op: ordered(a, na, op, b, nb) for op in ("<", ">", "<=", ">=")}
    assert written["<"] == "not x.isdigit() and (y == 'a' or y == 'b')"
    assert written[">"] == "x.isdigit() and not (y == 'a' or y == 'b')"
    for op, text in written.items():   # the same truth value as the comparison of the 1/0 numbers
        for x, y in product(["12", "ab"], ["a", "c"]):
            assert eval(text) == eval(f"{na} {op} {nb}"), (op, x, y)  # noqa: S307 -- literals made here
    assert ordered(FocusValue([], "len(w)", [3]), "len(w)", "<", FocusValue([], "n", [3]), "n") == "len(w) < n"


def _around_value(key: tuple[str, str], kind: str, var: str, samples: list, first: object, seed: int = 0,
                  level: int = 3):
    """``_around`` on ``samples`` for the focus ``key`` used once as ``var <op> first`` (a level-``level`` draft)."""
    from execgym.synth.patterns.base import _around, fill
    from execgym.synth.values import literal

    form = CATALOG[key].forms[0]
    draft = _draft(samples, key)
    draft.level = level
    draft.item_kind = kind
    draft.rng = random.Random(seed)
    text = fill(form.template, var, literal(first))
    results = [form.fn(s, first) for s in samples]
    return draft, _around(draft, form, var, text, samples, results, [literal(first)], [first], samples[0])


def test_plus_and_minus_are_used_twice_the_way_people_write_them_and_never_folded():
    """``+``/``-`` in ``_FOLDING`` (``(n - 3) - 5`` is ``n - 8``) are used twice around the item instead: text or a
    sequence wrapped on both sides, a number's distances from two bounds, what two sets do not share. Whatever is
    written evaluates to the values the draft carries on every sample, and names the item twice or between two
    uses."""
    words = ["ember", "delta", "pepper", "elm", "tiger"]
    draft, got = _around_value(("str", "+"), "str", "word", words, ")")
    assert got is not None and got.expr == "'(' + word + ')'" and draft.focus_uses == 1  # the opener of ')'
    assert got.results == [f"({w})" for w in words]
    lists = [["fig"], ["elm", "oak"], [], ["ash", "fig", "elm"]]
    padded = [got for seed in range(10) if (got := _around_value(("list", "+"), "list_str", "names", lists,
                                                                  ["kiwi", "pear", "plum"], seed)[1]) is not None]
    assert len(padded) >= 5, len(padded)  # a list is padded on the left for most draws
    for got in padded:
        left = eval(got.expr.split(" + names")[0])  # noqa: S307 -- a literal the test reads back
        assert 1 <= len(left) <= 2, got.expr  # a pad of one or two, as people pad
        assert got.results == [eval(got.expr, {"names": s}) for s in lists]  # noqa: S307
    numbers = [3, -5, 8, 0, 12, -1, 6, 20, 15, 11]
    draft, got = _around_value(("int", "-"), "int", "number", numbers, 2)
    assert got is not None and got.noun == "closer" and got.expr.startswith("number - 2 < ")
    assert got.results == [eval(got.expr, {"number": n}) for n in numbers]  # noqa: S307
    high = int(got.expr.split("< ")[1].split(" -")[0])
    assert sum(a != (n < high) for a, n in zip(got.results, numbers)) >= 0.3 * len(numbers)
    assert _around_value(("int", "-"), "int", "number", [7, 7, 7, 7], 2)[1] is None  # one side of the middle only
    # at levels 4-6 a guard on the item may come first (``if number > 24:``) and settle the comparison: not written
    assert _around_value(("int", "-"), "int", "number", numbers, 2, level=4)[1] is None
    sets = [{1, 2}, {3}, {2, 5, 9}, set()]
    draft, got = _around_value(("set", "-"), "set_int", "ids", sets, {2, 3})
    assert got is not None and got.expr == "(ids - {2, 3}) | ({2, 3} - ids)"
    assert got.results == [eval(got.expr, {"ids": s}) for s in sets]  # noqa: S307
    assert _around_value(("set", "-"), "set_int", "ids", sets, {1, 2, 3, 4})[1] is None  # too long to write twice
    assert _around_value(("int", "*"), "int", "number", numbers, 3)[1] is None  # ``n * 3 * 2`` folds: never


def test_drafts_use_plus_and_minus_twice_at_level_1():
    from execgym.seeding import rng
    from execgym.synth.patterns import build

    for key, marker in ((("str", "+"), " + text + "), (("int", "-"), " < "), (("set", "-"), ") | (")):
        twice = [c for c in (build(1, CATALOG[key], rng("test-around", str(key), k)) for k in range(40))
                 if c is not None and c.constraints["focus_uses"] >= 2]
        assert len(twice) >= 4, key
        assert all(marker in c.source for c in twice), [c.source for c in twice if marker not in c.source]


def test_a_copy_in_a_loop_is_made_to_be_changed():
    """At levels 3-6 a copy of a list, set or dict is made to be changed (``snapshot = bucket.copy()``, then
    ``snapshot.add(7)``), never written beside its source unchanged or applied to a cut of it (``row[::-1][:]``);
    the draft's values are the changed copies, which differ from every item."""
    from execgym.seeding import rng
    from execgym.synth.patterns import build

    for key in (("list", "copy"), ("set", "copy"), ("dict", "copy"), ("list", "[:]")):
        built = 0
        for level in (3, 4, 5, 6):
            for k in range(15):
                cand = build(level, CATALOG[key], rng("test-copy", level, str(key), k))
                if cand is None:
                    continue
                built += 1
                lines = [line.strip() for line in cand.source.splitlines()]
                copied = [i for i, line in enumerate(lines) if line.startswith("snapshot = ")]
                assert copied, cand.source
                change = lines[copied[0] + 1]
                assert change.startswith(("snapshot.add(", "snapshot.append(", "snapshot[")), cand.source
                assert "[:] +" not in cand.source and "][:]" not in cand.source, cand.source
        assert built >= 10, key


def test_a_focus_on_a_cut_that_it_gives_back_is_not_written():
    """Two cuts of one item, each through the focus (``_pair``): a cut the focus gives back unchanged on every
    sample (``list(reversed(point[:1]))``, one item reversed) is not one of them."""
    import re

    from execgym.seeding import rng
    from execgym.synth.patterns import build
    from execgym.synth.patterns.base import _gives_back

    assert _gives_back([(3,), (5,)], [[3], [5]]) and not _gives_back([(3, 4)], [[4, 3]])
    paired = 0
    for k in range(60):
        cand = build(1, CATALOG[("reversed", "reversed")], rng("test-cut-back", k))
        if cand is None:
            continue
        assert not re.search(r"reversed\(\w+\[(:1|-1:)\]\)", cand.source), cand.source
        paired += "[1:]" in cand.source or "[2:]" in cand.source
    assert paired >= 10


def test_format_is_never_nested_in_format():
    """``'{} and {}'.format('{} and {}'.format(w, 'A'), 'p')`` is an idiom the filter rejects (``quality``'s (c)),
    so no draft nests a format focus in itself; drafts that use one pass the static rules."""
    from execgym.seeding import rng
    from execgym.synth.patterns import build
    from execgym.synth.patterns.run import static_reason

    for key in (("str", "format"), ("str", "str.format"), ("str", "format_map")):
        for level in (1, 3, 5):
            for k in range(25):
                cand = build(level, CATALOG[key], rng("test-format-nest", level, *key, k))
                assert cand is None or static_reason(cand.source) != "idiom", cand.source


def test_a_list_or_tuple_is_ordered_against_a_short_bound_that_starts_like_the_items():
    """``row >= [11, 5]``, ``point < (3,)``: a list or tuple ordered against a literal of one or two elements whose
    first is one of the items' own elements (not a made-up list of five: ``row <= [19, 30, -1, 11, 23]``)."""
    import ast

    from execgym.seeding import rng
    from execgym.synth.patterns import build

    keys = [(t, op) for t in ("list", "tuple") for op in ("<", "<=", ">", ">=")]
    bounds = []
    for level in range(1, 7):
        for k in range(24):
            cand = build(level, CATALOG[keys[k % len(keys)]], rng("ordering-bound-test", level, k))
            if cand is None:
                continue
            for node in ast.walk(ast.parse(cand.source)):
                if isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                    for side in (node.left, *node.comparators):
                        if isinstance(side, (ast.List, ast.Tuple)) and side.elts:
                            bounds.append((cand, ast.literal_eval(side)))
    assert len(bounds) >= 60, len(bounds)
    for cand, bound in bounds:
        assert 1 <= len(bound) <= 2, cand.source
    def elements(value) -> list:  # the elements of the lists and tuples an argument holds (itself or its items)
        if not isinstance(value, (list, tuple)):
            return []
        inner = [x for v in value if isinstance(v, (list, tuple)) for x in v]
        return inner or list(value)

    starts = sum(any(bound[0] in elements(arg) for args in cand.pool for arg in args) for cand, bound in bounds)
    assert starts >= 0.9 * len(bounds), (starts, len(bounds))


def test_two_uses_ordered_as_their_receivers_are_ordered_are_not_joined_so():
    """``math.ceil(amount) < math.ceil(other)`` is ``amount < other`` unless both lie in one unit interval: with
    the receivers given, ``join_uses`` refuses that order when it differs on fewer than ``RAW_ORDER_SHARE`` of
    the samples, and keeps it when the rounding decides often enough."""
    from execgym.synth.patterns.base import RAW_ORDER_SHARE

    amounts = [2.25, 7.5, 12.0, 4.75, 18.5, 9.25, 0.5, 15.75, 3.0, 7.5, 2.25, 12.0]
    others = [5.5, 3.25, 16.0, 10.5, 2.75, 14.0, 8.25, 1.5, 6.75, 13.0, 19.5, 4.25]
    draft = _draft(amounts, ("float", "math.ceil()"))
    a, b = [math.ceil(x) for x in amounts], [math.ceil(y) for y in others]
    assert sum((x < y) != (m < n) for x, y, m, n in zip(a, b, amounts, others)) < RAW_ORDER_SHARE * len(a)
    args = (a, b, a, "math.ceil(amount)", "math.ceil(other)", {int: ("<",)})
    assert join_uses(_draft(amounts, ("float", "math.ceil()")), *args) is not None  # without receivers: kept
    assert join_uses(draft, *args, receivers=(amounts, others)) is None
    # partners in the same unit interval for a third of the amounts: rounding up decides three of them
    near = [2.25, 7.5, 12.0, 4.25, 18.5, 9.25, 0.5, 15.75, 3.0, 7.5, 2.25, 12.0]
    close = [2.5, 3.25, 16.0, 4.5, 5.75, 14.0, 0.75, 1.5, 6.75, 7.25, 19.5, 10.25]
    a2, b2 = [math.ceil(x) for x in near], [math.ceil(y) for y in close]
    got = join_uses(_draft(near, ("float", "math.ceil()")), a2, b2, a2, "math.ceil(amount)", "math.ceil(other)",
                    {int: ("<",)}, receivers=(near, close))
    assert got is not None and got.expr == "(math.ceil(amount) < math.ceil(other))"


@pytest.mark.parametrize(("kind", "samples", "plain"), [
    ("str", ["apple", "kiwi", "cherry", "avocado", "fig", "apricot", "date", "banana"], ".startswith("),
    ("list_int", [[1, 5], [9, 2, 7], [], [4], [8, 8, 1], [0, 3, 6, 2], [11], [2, 2]], "sum("),
])
def test_item_guards_are_mostly_plain_and_never_the_focus_itself(kind, samples, plain):
    """Guards by comprehension (``any(ch.isdigit() for ch in word)``) are drawn at most half as often as in an
    even draw; a plain guard (``word.startswith('a')``, ``sum(row) > 9``) is one of the options, except when
    it would be the focus itself (a use of the focus that nothing counts)."""
    def guards(key: tuple[str, str]) -> list[str]:
        out = []
        for k in range(80):
            draft = Draft(rng=random.Random(k), level=4, focus=CATALOG[key], item_kind=kind)
            draft.samples = list(samples)
            out.append(item_guard(draft, "x"))
        return out

    mine = guards(("str", "upper") if kind == "str" else ("list", "copy"))
    by_comprehension = sum(" for " in g for g in mine)
    assert any(plain in g for g in mine) and by_comprehension < 0.4 * len(mine), (by_comprehension, set(mine))
    if kind == "str":
        assert not any(".startswith(" in g for g in guards(("str", "startswith")))


def test_lengths_of_tuples_the_focus_makes_compare_with_the_items_own_lengths():
    """``len(before * 2) < len(after * 2)`` orders two tuples as their own lengths do: refused like ``len(w * 2)``
    of words; a part cut from same-length tuples of numbers (``divmod(n, 5)[0]``) cannot be told (kept)."""
    records = [("a",), ("b", "c"), (), ("d", "e", "f"), ("g", "h")]
    draft = _draft(records, ("tuple", "*"))
    doubled = _value([r * 2 for r in records])
    _, lengths = as_number(draft, doubled)
    assert lengths == [2, 4, 0, 6, 4] and own_number(doubled)(("x", "y")) == 2
    assert compares_alike(draft, doubled, lengths, doubled, lengths)
    numbers = [7, 12, 3, 18, 9]
    split = _value([divmod(n, 5) for n in numbers])
    assert own_number(split)(7) is None
