"""Literal parsing/rendering, type-strict comparison and answer-block parsing."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from execgym.tasks.answers import (
    answer_block,
    answer_lines,
    code_block,
    parse_assertion,
    parse_next,
    parse_var,
)
from execgym.tasks.literals import parse_literal, render_literal, strict_equal
from execgym.tasks.source import SourceInfo

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=10),
)
hashables = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda c: st.one_of(st.tuples(c, c), st.frozensets(c, max_size=3)),
    max_leaves=6,
)
values = st.recursive(
    scalars,
    lambda c: st.one_of(
        st.lists(c, max_size=4),
        st.lists(c, max_size=4).map(tuple),
        st.sets(hashables, max_size=4),
        st.frozensets(hashables, max_size=4),
        st.dictionaries(hashables, c, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(values)
@example(complex(0.0, -1.0))  # repr '-1j' reads back as (-0-1j)
@example(complex(-0.0, 1.0))
def test_render_parse_roundtrip(value):
    text = render_literal(value)
    parsed = parse_literal(text)
    assert parsed.ok, (text, parsed.reason)
    assert strict_equal(parsed.value, value)
    assert strict_equal(value, value)


@pytest.mark.parametrize(
    "a,b",
    [(1, True), (1, 1.0), (0, False), ((1,), [1]), ({1}, frozenset({1})), ({1: 2}, {True: 2}), ("1", 1),
     (None, 0), ([1, 2], [2, 1]), (b"a", "a"), (1.0, 1.0000001), ({"a": 1}, {"a": 1.0})],
)
def test_strict_inequalities(a, b):
    assert not strict_equal(a, b) and not strict_equal(b, a)


def test_strict_equalities_and_tolerance():
    assert strict_equal(math.nan, math.nan)
    assert strict_equal([math.nan, {1, 2}], [math.nan, {2, 1}])
    assert strict_equal({"b": 1, "a": 2}, {"a": 2, "b": 1})
    assert strict_equal(1.0, 1.0 + 1e-12, tol=1e-9) and not strict_equal(1.0, 1.0 + 1e-12)
    assert not strict_equal(1, 1.0, tol=1.0)


def test_foreign_objects_never_compared():
    calls = []

    class Evil:
        def __eq__(self, other):  # would make anything equal
            calls.append(other)
            return True

        __hash__ = object.__hash__

    assert not strict_equal(Evil(), 1) and not strict_equal(1, Evil()) and not strict_equal([Evil()], [1])
    assert not strict_equal({Evil()}, {1})
    assert calls == []


@pytest.mark.parametrize(
    "text",
    ["f(1)", "x", "1 + 1", "[1] * 3", "__import__('os')", "lambda: 1", "[x for x in 'ab']", "{**{}}",
     "set([1]) | {2}", "float('1.5')", "complex('1+2j')", "...", "(yield)", "a.b", "1 if 1 else 2", "{[]: 1}",
     "{[1]}", "'a' 'b' + 'c'", "not 1", "~1", "1 < 2"],
)
def test_non_literals_rejected(text):
    parsed = parse_literal(text)
    assert not parsed.ok and parsed.reason


def test_caps_checked_before_parsing():
    assert not parse_literal("1" * 200_000).ok
    assert not parse_literal("[" * 500 + "]" * 500).ok
    assert not parse_literal("[" + "0," * 50_000 + "]").ok  # too many nodes
    assert parse_literal("[" + "0," * 1000 + "]").ok


def test_answer_block_last_complete_block():
    assert answer_block("no tags") is None
    assert answer_block("<answer>1") is None
    assert answer_block("<answer>1</answer> x <answer>2</answer>") == "2"
    assert answer_block("<ANSWER >\n3\n</ answer>") == "\n3\n"
    assert answer_block("<answer>1</answer> then I mention <answer> again") == "1"
    assert answer_block(b"<answer>1</answer>") is None
    assert answer_lines("\n```text\n a \n\n b\n```\n") == ["a", "b"]
    assert code_block("```python\ndef f():\n    return 1\n```") == "def f():\n    return 1\n"


def test_parse_next_forms():
    info = SourceInfo.of("def f(x):\n    y = x\n    return y\n")
    assert parse_next("3", info).lines == {3}
    assert parse_next("-1", info).lines == {-1}
    assert parse_next("return y", info).lines == {3}
    assert parse_next("    return y  ", info).lines == {3}
    assert parse_next("`return y`", info).lines == {3}
    assert parse_next("line 3", info).lines == {3}
    assert parse_next("3: return y", info).lines == {3}
    assert not parse_next("3: y = x", info).ok
    assert parse_next("y=x", info).lines == {2}  # whitespace-insensitive fallback
    assert not parse_next("something else", info).ok
    assert not parse_next("", info).ok


def test_parse_var_and_assertion():
    v = parse_var("{'a': 1}; dict")
    assert v.ok and v.value == {"a": 1} and v.type_name == "dict"
    assert parse_var("Nil").nil
    assert parse_var("None; NoneType").type_name == "NoneType"
    assert parse_var("None; None").type_name == "NoneType"
    assert not parse_var("x; int").ok
    assert not parse_var("1 int").ok
    a = parse_assertion("assert f(1, [2]) == (3, 'x')")
    assert a.ok and a.rhs.ok and a.rhs.value == (3, "x")
    assert not parse_assertion("assert f(1) == 1 == 1").ok
    assert not parse_assertion("print(1)").ok


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parsers_total_on_random_text(text):
    info = SourceInfo.of("def f(x):\n    return x\n")
    parse_literal(text)
    parse_var(text)
    parse_next(text, info)
    parse_assertion(text)
    parse_assertion("assert " + text)
    block = answer_block(text)
    if block is not None:
        answer_lines(block)


def _has_nan(v) -> bool:
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, complex):
        return math.isnan(v.real) or math.isnan(v.imag)
    if isinstance(v, (list, tuple, set, frozenset)):
        return any(_has_nan(x) for x in v)
    if isinstance(v, dict):
        return any(_has_nan(k) or _has_nan(x) for k, x in v.items())
    return False


@settings(max_examples=150, deadline=None)
@given(values, values)
def test_strict_equal_is_symmetric_and_refines_python_eq(a, b):
    assert strict_equal(a, b) == strict_equal(b, a)
    if strict_equal(a, b):
        assert type(a) is type(b)
        if not _has_nan(a):
            assert a == b
