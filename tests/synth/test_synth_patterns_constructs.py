"""Python constructs in the pattern generator's programs: each appears with a meaning (in the data flow that
decides the result) in a share of the drafts of levels 3-6, and the pieces that write them (negated tests,
bands for chained comparisons, forgiving blocks, tests that rarely hold) behave."""

from __future__ import annotations

import ast
import random
from collections import Counter

import pytest

from execgym.seeding import rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.patterns import build
from execgym.synth.patterns.base import (
    Draft,
    FocusValue,
    Param,
    Unfit,
    _pair,
    _reference,
    band,
    bare,
    copy_item,
    draw_item,
    focus_value,
    forgiving,
    kept_if,
    kind_for,
    negate,
    spells_int,
    stable_key,
)
from execgym.synth.quality import static_quality

DRAFTS = 300  # drafts tried per level (about 240 build)

# the least share (%) of a level's drafts that hold each construct; levels 1-2 are straight-line, and at level
# 3 (one control structure) continue, for-else and removing while iterating a copy cannot be written
FLOORS: dict[str, dict[int, float]] = {
    "lambda": {3: 5, 4: 3, 5: 3, 6: 3},
    "list_comprehension": {3: 3, 4: 4, 5: 4, 6: 5},
    # comprehensions in guards are held under a ceiling too (``CEILINGS``): CRUXEval has them in 0-2%
    "set_comprehension": {3: 1.5, 4: 0.5, 5: 2, 6: 2},
    "generator_expression": {3: 2, 4: 1.5, 5: 3, 6: 3},
    "walrus": {4: 0.5, 5: 2, 6: 2},
    "assert": {3: 1, 4: 1, 5: 4, 6: 4},
    "pass": {3: 1, 4: 2, 5: 1, 6: 1},
    "continue": {4: 3, 5: 3, 6: 3},
    "chained_comparison": {3: 2, 4: 3, 5: 3, 6: 3},
    "mutate_while_iterating_copy": {4: 1.5, 5: 1, 6: 1.5},
    "for_else": {4: 1.5, 5: 3, 6: 3},
    "try_except": {3: 4, 4: 3, 5: 2, 6: 1.5},
    # f-strings show a value beside its item (``f"{word}={n}"``), not every value made text: CRUXEval has them in
    # 5 of 800 programs, so a floor, not a target
    "f_string": {3: 4, 4: 5, 5: 6, 6: 6},
}

# the largest share (%) of a level's drafts that may hold a construct that the generator's own pieces write more
# often than people do: a cap at depth 3 (``break``), a precondition (``assert``), and guards by comprehension
# (``any(... for ...)``, ``len({... for ...})``). CRUXEval: break 3%, assert 0%, generator expressions 2%, set
# comprehensions 0% of its programs (``execgym synth --report``); before caps and guards took plain forms,
# levels 5-6 had break in 34-35%, assert in 17-20%, generator expressions in 19%, set comprehensions in 11-13%.
CEILINGS: dict[str, dict[int, float]] = {
    "break": {4: 10, 5: 26, 6: 26},
    "assert": {3: 8, 4: 8, 5: 14, 6: 14},
    "generator_expression": {4: 10, 5: 14, 6: 14},
    "set_comprehension": {4: 8, 5: 9, 6: 9},
}


@pytest.fixture(scope="module")
def shares() -> dict[int, dict[str, float]]:
    out = {}
    for level in (3, 4, 5, 6):
        counts: Counter = Counter()
        built = 0
        for k in range(DRAFTS):
            focus = CATALOG[ALL_ENTRIES[(k * 37) % len(ALL_ENTRIES)]]
            candidate = build(level, focus, rng("constructs-test", level, k))
            if candidate is not None:
                built += 1
                counts.update(static_quality(candidate.source).constructs)
        assert built > DRAFTS // 2
        out[level] = {name: 100 * counts[name] / built for name in {*FLOORS, *CEILINGS}}
    return out


@pytest.mark.parametrize("construct", sorted(FLOORS))
def test_each_construct_appears_in_a_share_of_the_drafts(shares, construct):
    low = {level: round(shares[level][construct], 1) for level, floor in FLOORS[construct].items()
           if shares[level][construct] < floor}
    assert not low, (construct, low, FLOORS[construct])


@pytest.mark.parametrize("construct", sorted(CEILINGS))
def test_constructs_the_generator_favours_stay_under_a_ceiling(shares, construct):
    high = {level: round(shares[level][construct], 1) for level, ceiling in CEILINGS[construct].items()
            if shares[level][construct] > ceiling}
    assert not high, (construct, high, CEILINGS[construct])


@pytest.mark.parametrize("test,expected", [
    ("len(w) > 3", "len(w) <= 3"),
    ("w.isalpha()", "not w.isalpha()"),
    ("'k' in t", "'k' not in t"),
    ("not w.isdigit()", "w.isdigit()"),
    ("3 <= len(w) < 6", "not 3 <= len(w) < 6"),
    ("any(ch.isdigit() for ch in w)", "not any(ch.isdigit() for ch in w)"),
    ("x % 2 == 0", "x % 2 != 0"),
])
def test_negate_writes_the_opposite_test(test, expected):
    assert negate(test) == expected
    for w in ("ab", "abcd", "k9", "abcdefg", ""):
        env = {"w": w, "t": w, "x": len(w)}
        assert eval(negate(test), env) is (not eval(test, env))  # noqa: S307 -- our own test strings


def test_band_splits_the_values():
    values = [1, 4, 2, 9, 7, 3, 8]
    lo, hi = band(values)
    inside = [v for v in values if lo <= v < hi]
    assert lo < hi and 0 < len(inside) < len(values)
    assert band([5, 5, 5]) is None


@pytest.mark.parametrize(("expr", "expected"), [
    ("(a or b)", "a or b"),
    ("(w[:1].upper() + w[-1:].upper())", "w[:1].upper() + w[-1:].upper()"),
    ("(a, b)", "(a, b)"),
    ("(a) + (b)", "(a) + (b)"),
    ("('(' + w)", "'(' + w"),
    ("(w != ')' and x != ',')", "w != ')' and x != ','"),
    ("('a', 'b')", "('a', 'b')"),
    ("len(w)", "len(w)"),
])
def test_bare_drops_only_parentheses_around_the_whole(expr, expected):
    assert bare(expr) == expected


def _pair_of(name: str, items: list, seed: int = 0) -> FocusValue | None:
    """``_pair`` for the catalog's ``name`` (one form, no arguments) over ``items``."""
    focus = next(CATALOG[k] for k in ALL_ENTRIES if k[1] == name)
    form = focus.forms[0]
    d = Draft(rng=random.Random(seed), level=3, focus=focus, item_kind="str")
    return _pair(d, form, "w", items, [form.fn(x) for x in items], [], [], items[0])


def test_pair_joins_two_cuts_of_the_item_and_drops_what_one_use_tells():
    words = ["Apple", "kiwi", "Plum", "fig", "Date", "lime"]
    got = _pair_of("isupper", ["AB", "Ab", "aB", "ab", "A1", "1a"])
    assert got is not None and " and " in got.expr or " or " in got.expr
    for w, value in zip(["AB", "Ab", "aB", "ab", "A1", "1a"], got.results):
        assert eval(got.expr, {"w": w}) == value  # noqa: S307 -- our own expression
    upper = _pair_of("upper", words)
    assert upper is not None and upper.expr.count(".upper()") == 2
    assert all(eval(upper.expr, {"w": w}) == v for w, v in zip(words, upper.results))  # noqa: S307
    assert upper.results != [w.upper() for w in words]  # not the single use
    # every word is lower or upper throughout: the two ends tell no more than one of them
    assert _pair_of("islower", ["abc", "ABC", "kiwi", "FIG", "lime", "DATE"]) is None
    # len of the two sides of a cut is the length: dropped; a predicate true everywhere: nothing to join
    assert _pair_of("isascii", words) is None


def test_every_focus_value_is_what_its_expression_computes():
    """The results a focus value records for its samples (which the filters and tests are chosen on) are what its
    code gives when run on each sample, for every catalog entry and its second uses (joins, cuts, nesting)."""
    import math

    checked = twice = referenced = kept = 0
    for k, key in enumerate(ALL_ENTRIES * 4):
        focus = CATALOG[key]
        r = random.Random(f"focus-value-contract-{k}")
        d = Draft(rng=r, level=4, focus=focus, item_kind=kind_for(focus, r))
        d.samples = [draw_item(d.item_kind, r, d.keys) for _ in range(12)]
        try:  # one round in three a reference argument may be compared, one in three the value kept where a
            fv = focus_value(d, "w", d.samples, reference=k % 3 == 1)  # test on it holds
            if k % 3 == 2:
                fv = kept_if(d, fv, "w")
        except Unfit:
            continue
        samples = [*d.samples, *d.constants] if d.constants else d.samples
        assert len(fv.results) == len(samples), key
        for n, (sample, expected) in enumerate(zip(samples, fv.results)):
            if expected is None:
                continue
            env = {"w": copy_item(sample), "strict": n % 2 == 0, "math": math,  # a flag slot alternates
                   **{name: copy_item(value) for name, value in fv.env.items()}}
            for stmt in fv.pre:
                exec(stmt, env)  # noqa: S102 -- execgym's own generated statements
            assert eval(fv.expr, env) == expected, (key, fv.pre, fv.expr, sample)  # noqa: S307
        checked += 1
        twice += d.focus_uses >= 2
        referenced += bool(d.reference)
        kept += " if " in fv.expr
    # twice: 372 of 750 when lists and tuples stopped being banded between two literals (``[1, 5] <= xs <= [4]``)
    assert checked > len(ALL_ENTRIES) and twice > 0.45 * checked, (checked, twice)
    assert referenced > 30 and kept > 8, (referenced, kept)


def test_spells_int():
    assert spells_int("12") and spells_int(" 7 ") and not spells_int("12.5") and not spells_int("5a")
    assert not spells_int(12)


def test_forgiving_wraps_only_a_focus_that_raises():
    def written(error: str) -> list[str]:
        focus = CATALOG[ALL_ENTRIES[0]]
        d = Draft(rng=random.Random(0), level=4, focus=focus, item_kind=kind_for(focus, random.Random(0)))
        with forgiving(d, FocusValue([], "w.index('a')", [0], error)):
            d.emit("out.append(w.index('a'))")
        return [line.strip() for line in d.lines]

    assert written("") == ["out.append(w.index('a'))"]
    assert written("ValueError") == ["try:", "out.append(w.index('a'))", "except ValueError:", "pass"]


def test_constructs_sit_in_the_data_flow():
    """A comprehension's or lambda's value is read (assigned and used, returned, or passed on), and an
    ``assert`` opens the function (a precondition)."""
    for level in (4, 5, 6):
        for k in range(120):
            focus = CATALOG[ALL_ENTRIES[(k * 53) % len(ALL_ENTRIES)]]
            candidate = build(level, focus, rng("constructs-flow", level, k))
            if candidate is None:
                continue
            tree = ast.parse(candidate.source)
            entry = tree.body[-1]
            for node in ast.walk(tree):
                if isinstance(node, ast.Expr):
                    assert not isinstance(node.value, (ast.ListComp, ast.SetComp, ast.GeneratorExp,
                                                       ast.Lambda, ast.NamedExpr)), candidate.source
                if isinstance(node, ast.Assert):
                    assert node is entry.body[0], candidate.source


def _looping_draft(key: tuple[str, str], samples: list, seed: int = 0, level: int = 4) -> Draft:
    """A draft for ``key`` over ``samples`` with the items parameter written and a loop open."""
    focus = CATALOG[key]
    d = Draft(rng=random.Random(seed), level=level, focus=focus, item_kind=kind_for(focus, random.Random(0)))
    d.params.append(Param("words", lambda r: samples))
    d.samples = list(samples)
    d.last_items = list(samples)
    d.emit("count = 0")
    return d


def test_reference_compares_the_focus_on_the_item_with_the_focus_on_a_reference_argument():
    """``w.lower() == wanted`` after ``wanted = target.lower()`` (written before the loop): the reference is a
    parameter whose draws now and then repeat one of the call's items; its results are the comparison's."""
    words = ["Fig", "fig", "KIWI", "kiwi", "Plum", "date", "LIME", "lime"]
    found = None
    for seed in range(20):
        d = _looping_draft(("str", "lower"), words, seed)
        form = d.focus.forms[0]
        with d.block("for w in words:"):
            fv = _reference(d, form, "w", words, [w.lower() for w in words], [], [])
            if fv is not None:
                d.emit(f"count += {fv.expr}")
        if fv is not None and fv.env.keys() > {"target"}:
            found = (d, fv)
            break
    assert found is not None
    d, fv = found
    assert d.reference == "target" and [p.name for p in d.params] == ["words", "target"]
    assert d.lines[1].strip().startswith(("wanted = target.lower()", "goal = target.lower()"))
    assert d.lines[2].strip() == "for w in words:"  # hoisted before the loop
    for w, expected in zip(words, fv.results):
        assert eval(fv.expr, {"w": w, **fv.env}) == expected  # noqa: S307 -- our own expression
    assert len(set(fv.results)) == 2 and fv.results != [w == fv.env["target"] for w in words]
    draws = [d.params[1].draw(random.Random(i)) for i in range(200)]
    assert sum(x.lower() in {w.lower() for w in words} for x in draws) > 60  # matches happen
    assert d.focus_uses == 1  # second_use counted one; focus_value counts the first


def test_reference_is_dropped_when_the_focus_adds_nothing():
    """``bucket.copy() == target.copy()`` is ``bucket == target``, and ``len`` of copies is ``len``: no reference."""
    buckets = [{1, 2}, {3}, {1, 2}, set(), {4, 5, 6}, {3}]
    for seed in range(10):
        d = _looping_draft(("set", "copy"), buckets, seed)
        assert _reference(d, d.focus.forms[0], "b", buckets, [b.copy() for b in buckets], [], []) is None
        assert d.reference == "" and len(d.params) == 1


def test_kept_if_keeps_the_value_where_a_test_on_it_holds_and_not_where_the_item_tells():
    numbers = [-9, -4, -1, 0, 2, 5, 7, 12, 15, -13]
    for seed in range(10):
        d = _looping_draft(("int", "abs"), numbers, seed)
        fv = kept_if(d, FocusValue([], "abs(n)", [abs(n) for n in numbers]), "n")
        assert " if " in fv.expr and d.focus_uses == 1
        for n, expected in zip(numbers, fv.results):
            assert eval(fv.expr, {"n": n}) == expected  # noqa: S307 -- our own expression
        # ``n + 19 > t`` is a test on ``n`` itself: kept as it is
        d = _looping_draft(("int", "+"), numbers, seed)
        same = FocusValue([], "n + 19", [n + 19 for n in numbers])
        assert kept_if(d, same, "n") is same
    # a test that changes nothing (every value passes it) and a value already used twice are kept as they are
    d = _looping_draft(("int", "abs"), numbers)
    d.focus_uses = 2
    fv = FocusValue([], "abs(n)", [abs(n) for n in numbers])
    assert kept_if(d, fv, "n") is fv


def test_an_equality_with_a_literal_is_joined_with_a_literal_the_inputs_hold():
    """``row == [4, 1] or row == [2]``: the second literal is one of the sample items, and the inputs draw it as
    often as the first (a random literal would match no input)."""
    hits = 0
    for k in range(40):
        r = random.Random(f"equal-literals-{k}")
        focus = CATALOG[("list", "==")]
        d = Draft(rng=r, level=4, focus=focus, item_kind=kind_for(focus, r))
        d.samples = [draw_item(d.item_kind, r, d.keys) for _ in range(12)]
        try:
            fv = focus_value(d, "row", d.samples)
        except Unfit:
            continue
        if " or " not in fv.expr:
            continue
        hits += 1
        second = ast.literal_eval(fv.expr.split(" or row == ")[1].rstrip(")"))
        assert second in d.samples and second in d.later_constants
        assert len(fv.results) == len(d.samples) + len(d.constants)
    assert hits >= 10, hits


def test_a_mutator_that_returns_a_value_is_applied_again_to_the_same_copy():
    """``taken = work.pop('red', 0)`` then ``second = work.pop('gold', 3)``, the two values joined; its results are
    what the statements compute (the contract test above runs them for every entry)."""
    seen = []
    for key in (("dict", "pop"), ("dict", "setdefault")):
        for k in range(30):
            r = random.Random(f"take-again-{key[1]}-{k}")
            focus = CATALOG[key]
            d = Draft(rng=r, level=4, focus=focus, item_kind=kind_for(focus, r))
            d.samples = [draw_item(d.item_kind, r, d.keys) for _ in range(12)]
            try:
                fv = focus_value(d, "t", d.samples)
            except Unfit:
                continue
            if len(fv.pre) == 3:
                assert fv.pre[0] == "work = dict(t)" and fv.pre[2].startswith(f"second = work.{key[1]}(")
                assert d.focus_uses == 2 and len({stable_key(x) for x in fv.results}) > 1
                for sample, expected in zip([*d.samples, *d.constants], fv.results):
                    env = {"t": copy_item(sample)}
                    for stmt in fv.pre:
                        exec(stmt, env)  # noqa: S102 -- execgym's own generated statements
                    assert eval(fv.expr, env) == expected  # noqa: S307
                seen.append(key)
    assert seen.count(("dict", "pop")) >= 3 and seen.count(("dict", "setdefault")) >= 3, seen


def test_words_the_slots_make_up_are_real_words():
    """The pattern generator's slots make up real words and colour keys (``t.get('teal', 3)``,
    ``w.startswith('pe')``), not random letters (``'fk3861'``); the ops generator keeps its own words. A literal
    that is no part of any vocabulary word comes only from a random input word cut by a slot (``'zmt'``)."""
    import re

    from execgym.synth.patterns.base import KEYS, WORDS, _key_word, _real_word
    from execgym.synth.slots import fresh

    r = random.Random(0)
    assert all(fresh("anykey", r, {}, _key_word) in KEYS for _ in range(20))
    assert all(fresh("newelem", r, {"x"}, _real_word) in WORDS for _ in range(20))
    assert not all(fresh("anykey", r, {}) in KEYS for _ in range(20))  # the default: random letters
    vocab = [w.lower() for w in (*WORDS, *KEYS, "name", "word", "size")]  # the last are format_map fields
    made_up = built = 0
    for level in range(3, 7):
        for k in range(100):
            cand = build(level, CATALOG[ALL_ENTRIES[(k * 37) % len(ALL_ENTRIES)]], rng("literal-words", level, k))
            if cand is None:
                continue
            built += 1
            literals = [n.value for n in ast.walk(ast.parse(cand.source))
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            made_up += any(len(x) >= 3 and re.fullmatch(r"[a-z0-9]+", x) and not any(x in v for v in vocab)
                           for x in literals)
    assert built > 250 and made_up <= 0.03 * built, (built, made_up)


def test_a_focus_that_raises_is_used_twice_inside_the_same_try():
    """``table['green'] + table['blue']``, ``row[2] + row[1]``: a focus asked forgiveness is used again on the same
    item with another argument of it; the joined value is None exactly where either use raises, and what the
    expression computes elsewhere."""
    seen = []
    for key in (("dict", "dict[key]"), ("list", "[index]")):
        for k in range(30):
            r = random.Random(f"forgiven-{key[1]}-{k}")
            focus = CATALOG[key]
            d = Draft(rng=r, level=4, focus=focus, item_kind=kind_for(focus, r))
            d.samples = [draw_item(d.item_kind, r, d.keys) for _ in range(12)]
            try:
                fv = focus_value(d, "t", d.samples, allow_errors=True)
            except Unfit:
                continue
            if not fv.error or d.focus_uses < 2:
                continue
            assert fv.expr.count("t[") == 2 and not fv.pre, fv.expr
            for sample, expected in zip([*d.samples, *d.constants], fv.results):
                try:
                    got = eval(fv.expr, {"t": copy_item(sample)})  # noqa: S307 -- execgym's own expression
                except (KeyError, IndexError) as exc:
                    assert type(exc).__name__ == fv.error and expected is None
                else:
                    assert got == expected
            assert len({stable_key(x) for x in fv.results if x is not None}) > 1  # the join varies
            seen.append(key)
    assert seen.count(("dict", "dict[key]")) >= 3 and seen.count(("list", "[index]")) >= 3, seen
