"""Verifier holes from the hostile-code review (issue 10, items 7-9), each through ``execgym.score`` or an episode.

- Repair episodes cannot be won with a table of the revealed cases (feedback and final pools are disjoint).
- Huge ints, inf/nan, huge strings/bytes, deep nesting and cycles returned by model code, and huge literals in
  responses, never make the caller's rendering or comparison raise: outcome ``wrong`` with a reason, never ``error``.
- A relative float tolerance never makes every large number equal; ``-0.0`` vs ``0.0`` is decided.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from execgym.tasks import OUTCOMES, from_program, load_user_tasks, make_task, score, score_batch
from execgym.tasks.literals import parse_trusted, render_literal, show_value, strict_equal
from execgym.tasks.unittest import split_pools


def code(text: str) -> str:
    return "My solution.\n<answer>\n```python\n" + text + "\n```\n</answer>"


def _check(s):
    assert s.outcome in OUTCOMES and s.outcome != "error", s.reason
    assert isinstance(s.reason, str) and s.reason
    assert 0.0 <= s.reward <= s.max_reward
    json.dumps(s.to_dict())  # a Score must stay serialisable (no huge int reaches its details)


# ------------------------------------------------------------------ item 7: repair episodes


def _args_key(call: str) -> str:
    """What ``repr(args)`` prints inside the sandbox for this call (the attacker's table key)."""
    inner = call[call.index("(") + 1 : call.rindex(")")]
    return repr(ast.literal_eval("(" + inner + ",)")) if inner.strip() else "()"


def _table_code(entry: str, table: dict[str, str]) -> str:
    common = Counter(table.values()).most_common(1)[0][0] if table else "None"
    rows = ",\n".join(f"    {k!r}: {v}" for k, v in table.items())
    return code(f"_T = {{\n{rows}\n}}\ndef {entry}(*args):\n    return _T.get(repr(args), {common})")


_REVEALED = re.compile(r"input: `(.*)`\nexpected: (.*)\nactual:")


@pytest.mark.parametrize("level,seed", [(1, 0), (2, 1), (3, 2), (4, 0), (5, 3), (6, 1)])
def test_lookup_table_of_revealed_cases_does_not_win_a_repair_episode(level, seed):
    task = make_task({"env": "UnitTest-v0", "level": level, "seed": seed, "options": {"max_turns": 9}})
    final_calls = {t["call"] for t in task.tests}
    ep = task.episode()
    table = {_args_key(t["call"]): t["expected"] for t in task.visible}  # the prompt's examples
    ret, turns, revealed = 0.0, 0, []
    while not ep.done:
        obs, reward, done, info = ep.step(_table_code(task.entry, table))
        ret += reward
        turns += 1
        assert info["pass_rate"] == pytest.approx(ret)
        for call, expected in _REVEALED.findall(obs):
            revealed.append(call)
            table[_args_key(call)] = expected
        assert not any(call in obs for call in final_calls)  # nothing about the final pool is ever shown
    assert turns == 9 and revealed  # the table did learn every case that feedback gave away
    assert ret <= 0.5, (level, seed, ret)  # at most what its most common output earns; on old main: 1.0
    gold = task.episode()
    _obs, reward, done, info = gold.step(gold.gold_response())
    assert done and reward == 1.0 and info["outcome"] == "correct"


def test_repair_pools_are_disjoint_deterministic_and_diverse():
    for level, seed in ((1, 0), (4, 2), (7, 1)):
        spec = make_task({"env": "UnitTest-v0", "level": level, "seed": seed}).spec
        hidden = spec["problem"]["tests"]
        final, feedback = split_pools(hidden)
        assert sorted(final + feedback) == list(range(len(hidden))) and not set(final) & set(feedback)
        assert len(final) == (len(hidden) + 1) // 2
        task = make_task(dict(spec, options=dict(spec["options"], max_turns=4)))
        assert task.tests == [hidden[i] for i in final]
        assert [t for t in task.feedback_tests if t in hidden] == [hidden[i] for i in feedback]
        common = Counter(t["expected"] for t in task.tests).most_common(1)[0][1]
        assert common <= max(1, len(task.tests) // 2)  # a constant function earns at most half the reward
    tests = [{"call": f"f({i})", "expected": str(i % 3), "check": "eq"} for i in range(9)]
    script = (
        "import json, sys; from execgym.tasks.unittest import split_pools; "
        f"print(json.dumps(split_pools({tests!r})))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [list(p) for p in split_pools(tests)]
    assert split_pools(tests[:1]) == ([0], [])


def test_single_turn_scoring_still_uses_every_hidden_test():
    task = make_task({"env": "UnitTest-v0", "level": 2, "seed": 3})
    assert task.tests == task.spec["problem"]["tests"] and task.feedback_tests == []


# ------------------------------------------------------------------ item 8: huge and hostile values

ADD_ROW = {
    "prompt": "Add two numbers.",
    "entry_point": "add",
    "tests": [
        "assert add(1, 2) == 3",
        "assert add(-1, 1) == 0",
        "assert add(2, 2)",
        "assert abs(add(0.5, 0.25) - 0.75) < 1e-6",
        {"call": "add(2, 2)", "expected": "4"},
    ],
    "solution": "def add(a, b):\n    return a + b\n",
}


@pytest.fixture(scope="module")
def add_spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("attacks") / "tasks.jsonl"
    path.write_text(json.dumps(ADD_ROW) + "\n", encoding="utf-8")
    return load_user_tasks(path, options={"timeout": 2.0})[0]


HOSTILE_RETURNS = {
    "huge int": "7 ** 300000",
    "negative huge int": "-(7 ** 300000)",
    "list of a huge int": "[7 ** 300000]",
    "huge dict key": "{7 ** 300000: 1}",
    "huge dict value": "{'k': 7 ** 300000}",
    "nested huge int": "[[(7 ** 300000, [7 ** 300000])]]",
    "set of huge ints": "{7 ** 300000, 7 ** 300001, 'a'}",
    "frozenset of huge": "frozenset({7 ** 300000, (1, 7 ** 300000)})",
    "inf": "float('inf')",
    "nan": "float('nan')",
    "complex inf": "complex(float('inf'), float('nan'))",
    "huge string": "'x' * 10 ** 6",
    "huge bytes": "b'\\x00' * 10 ** 6",
    "bytes and huge in a set": "{b'a', 7 ** 300000, 1.5}",
    "deep nesting": "_deep(200)",
    "cycle": "_cycle()",
    "shared references": "_shared()",
    "int past the bit cap": "1 << 2_000_000",
}
HELPERS = (
    "def _deep(n):\n    v = []\n    for _ in range(n):\n        v = [v]\n    return v\n"
    "def _cycle():\n    a = [1]\n    a.append(a)\n    return a\n"
    "def _shared():\n    a = [7 ** 300000]\n    for _ in range(20):\n        a = [a, a]\n    return a\n"
)


@pytest.mark.parametrize("name", sorted(HOSTILE_RETURNS))
def test_hostile_return_values_are_wrong_not_error(add_spec, name):
    s = score(add_spec, code(HELPERS + f"def add(a, b):\n    return {HOSTILE_RETURNS[name]}"))
    _check(s)
    assert s.reward < 1.0 and s.outcome in ("wrong", "partial"), (name, s.reason)
    for d in s.details:
        assert isinstance(d["parsed"], str) and len(d["parsed"]) < 1000 and d["reason"]


def test_huge_int_feedback_in_a_repair_episode(add_spec):
    task = make_task(dict(add_spec, options=dict(add_spec["options"], max_turns=3)))
    obs, reward, done, info = task.episode().step(code("def add(a, b):\n    return [7 ** 300000]"))
    assert not done and reward < 1.0 and info["outcome"] in ("wrong", "partial")  # `assert add(2, 2)` passes
    assert "actual: [0x" in obs and "chars]" in obs  # shown in hex, clipped; never an exception


def test_exec_oi_program_returning_a_huge_int():
    spec = from_program("ExecOI-v0", "def f(x):\n    return 7 ** x\n", "f(2)", seed=1)
    s = score(spec, "<answer>\nassert f(300000) == 49\n</answer>")
    _check(s)
    assert s.outcome == "wrong" and "0x" in s.reason  # on old main: outcome error ("verifier error")
    s = score(spec, "<answer>\nassert f(0x" + "f" * 20_000 + ") == 49\n</answer>")
    _check(s)
    assert s.outcome in ("wrong", "timeout")
    assert score(spec, make_task(spec).gold_response()).outcome == "correct"


@pytest.fixture(scope="module")
def trace_specs():
    src = "def f(x):\n    y = x * 2\n    return [y, 1e300 * x]\n"
    return {env: from_program(env, src, "f(1)", seed=2) for env in ("ExecIO-v0", "ExecVar-v0", "ExecOI-v0")}


HUGE_LITERALS = {
    "100k-digit decimal": "1" * 99_990,
    "5000-digit decimal": "9" * 5000,
    "huge hex": "0x" + "f" * 90_000,
    "list of huge hex": "[0x" + "f" * 50_000 + "]",
    "huge exponent": "1e999999",
    "negative huge exponent": "[-1e999999, 1e-999999]",
    "deeply nested list": "[" * 5000 + "]" * 5000,
    "nested past the depth cap": "[" * 100 + "]" * 100,
    "long unary chain": "-" * 50_000 + "1",
    "huge complex": "1e999999j",
    "set of huge hex": "{0x" + "f" * 20_000 + ", 'a'}",
}


@pytest.mark.parametrize("name", sorted(HUGE_LITERALS))
def test_huge_literals_in_responses(trace_specs, name):
    lit = HUGE_LITERALS[name]
    io = score(trace_specs["ExecIO-v0"], f"<answer>\nassert f(1) == {lit}\n</answer>")
    var = score(
        trace_specs["ExecVar-v0"],
        "<answer>\n"
        + "\n".join([f"{lit}; int"] * len(make_task(trace_specs["ExecVar-v0"]).questions))
        + "\n</answer>",
    )
    oi = score(trace_specs["ExecOI-v0"], f"<answer>\nassert f({lit}) == [2, 1e+300]\n</answer>")
    for s in (io, var, oi):
        _check(s)
        assert s.outcome in ("wrong", "timeout", "format_error"), (name, s.reason)
    for d in var.details:
        assert d["parsed"] is None or len(d["parsed"]) < 1000


def test_exec_var_answer_with_a_huge_int_is_shown_not_raised(trace_specs):
    spec = trace_specs["ExecVar-v0"]
    n = len(make_task(spec).questions)
    s = score(spec, "<answer>\n" + "\n".join(["0x" + "f" * 20_000 + "; int"] * n) + "\n</answer>")
    _check(s)
    assert s.outcome == "wrong" and any("0xfff" in (d["parsed"] or "") for d in s.details)


def test_close_check_with_a_huge_int_is_wrong(add_spec):
    close = [t for t in add_spec["problem"]["tests"] if t["check"] == "close"]
    assert close  # from `abs(add(0.5, 0.25) - 0.75) < 1e-6`
    s = score(add_spec, code("def add(a, b):\n    return 7 ** 300000 if a == 0.5 else a + b"))
    _check(s)  # float(7 ** 300000) overflows: on old main this was a verifier error
    close_detail = [d for d in s.details if "add(0.5, 0.25)" in d["question"]]
    assert s.outcome == "partial" and len(close_detail) == 1 and not close_detail[0]["correct"]
    assert close_detail[0]["parsed"].startswith("0x")


def test_display_and_render_are_total():
    from execgym.engine.codec import Opaque, decode, encode

    huge = 7**300000
    assert show_value(huge).startswith("0x") and len(show_value(huge)) < 400
    assert show_value([Opaque("Foo", "not a literal type"), huge]).startswith("[<opaque Foo")
    assert show_value({huge, "a", Opaque("X")})
    assert show_value(object()) == "<object object>"
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert "too deeply nested" in show_value(deep)
    with pytest.raises(ValueError):
        render_literal(huge)  # ground truth never holds such a value (task builders skip it)
    assert parse_trusted(render_literal([huge, -huge], hex_huge=True)).value == [huge, -huge]
    assert strict_equal(decode(encode([huge, {huge: -huge}])), [huge, {huge: -huge}])
    assert strict_equal(deep, deep) is False  # past the depth cap: not equal, never RecursionError


# ------------------------------------------------------------------ item 9: tolerance and signed zero


def test_relative_tolerance_is_relative_to_the_smaller_magnitude():
    for other in (1.0, 5.0, 1e10, 1e299, 4e300, -1e300):
        assert not strict_equal(1e300, other, 1.0), other
    assert strict_equal(1e300, 1.5e300, 1.0)  # within a factor of 2 at the maximal tolerance
    assert strict_equal(1e300, 1e300 * (1 + 1e-7), 1e-6) and not strict_equal(1e300, 1.01e300, 1e-6)
    assert strict_equal(0.1 + 0.2, 0.3, 1e-9) and not strict_equal(0.1 + 0.2, 0.3)
    assert strict_equal([1.0, (2.0,)], [1.0 + 1e-12, (2.0 - 1e-12,)], 1e-9)
    assert not strict_equal(float("inf"), 1e308, 1.0) and strict_equal(float("inf"), float("inf"), 1.0)


def test_float_tolerance_through_score():
    spec = from_program(
        "ExecIO-v0",
        "def f(x):\n    return x * 1e300\n",
        "f(1.0)",
        seed=1,
        options={"float_tolerance": 1.0, "whitebox": False},
    )
    assert score(spec, "<answer>\nassert f(1.0) == 5.0\n</answer>").outcome == "wrong"  # old main: correct
    assert score(spec, "<answer>\nassert f(1.0) == 1.2e300\n</answer>").outcome == "correct"
    oi = from_program(
        "ExecOI-v0", "def f(x):\n    return x * 1e300\n", "f(1.0)", seed=1, options={"float_tolerance": 1.0}
    )
    assert (
        score(oi, "<answer>\nassert f(1e-290) == 1e+300\n</answer>").outcome == "wrong"
    )  # old main: correct


def test_close_check_relative_tolerance(tmp_path):
    row = {
        "prompt": "p",
        "entry_point": "g",
        "solution": "def g(x):\n    return x * 1e300\n",
        "tests": ["assert math.isclose(g(1), 1e300, rel_tol=1.0)"],
    }
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    spec = load_user_tasks(path)[0]
    assert spec["problem"]["tests"][0]["check"] == "close"
    assert score(spec, code("def g(x):\n    return 1.0")).outcome == "wrong"  # old main: correct
    assert score(spec, code("def g(x):\n    return 1.5e300")).outcome == "correct"


def test_signed_zero_is_exact_without_tolerance():
    assert not strict_equal(-0.0, 0.0) and strict_equal(-0.0, -0.0) and strict_equal(0.0, 0.0)
    assert strict_equal(-0.0, 0.0, 1e-9)  # any tolerance makes them equal
    assert not strict_equal({-0.0}, {0.0}) and not strict_equal({-0.0: 1}, {0.0: 1})
    assert not strict_equal(complex(0.0, -0.0), 0j) and not strict_equal([(-0.0,)], [(0.0,)])
    assert strict_equal(parse_trusted(render_literal(-0.0)).value, -0.0)
    spec = from_program(
        "ExecIO-v0", "def f(x):\n    return -x * 0.0\n", "f(1.0)", seed=1, options={"whitebox": False}
    )
    assert spec["expected"] == "-0.0"
    assert score(spec, "<answer>\nassert f(1.0) == 0.0\n</answer>").outcome == "wrong"
    assert score(spec, "<answer>\nassert f(1.0) == -0.0\n</answer>").outcome == "correct"


# ------------------------------------------------------------------ property tests

# built by map (hypothesis prints what it samples, and a huge int has no decimal repr)
_huge = st.sampled_from([(7, 6000), (-7, 6001), (2, 20_000), (10, 4300)]).map(lambda p: p[0] ** p[1])
_huge = _huge | _huge.map(lambda v: v - 1)
_atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    _huge,
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=30),
)
_hashable = st.recursive(_atoms, lambda c: st.tuples(c, c) | st.frozensets(c, max_size=3), max_leaves=8)
values = st.recursive(
    _atoms,
    lambda c: (
        st.lists(c, max_size=4)
        | st.tuples(c, c)
        | st.dictionaries(_hashable, c, max_size=3)
        | st.sets(_hashable, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=120, deadline=None)
@given(a=values, b=values, tol=st.sampled_from([0.0, 1e-9, 0.5, 1.0]))
def test_comparison_and_display_never_raise(a, b, tol):
    assert strict_equal(a, a)  # reflexive, huge ints and NaN included
    assert isinstance(strict_equal(a, b, tol), bool)
    assert isinstance(show_value(a), str) and len(show_value(a, 50)) < 120
    text = render_literal(a, hex_huge=True)
    assert strict_equal(parse_trusted(text).value, a), text[:200]


@settings(max_examples=80, deadline=None)
@given(v=values)
def test_huge_values_in_response_literals_never_raise(trace_specs, v):
    lit = render_literal(v, hex_huge=True)[:120_000]
    _check(score(trace_specs["ExecIO-v0"], f"<answer>\nassert f(1) == {lit}\n</answer>"))
    n = len(make_task(trace_specs["ExecVar-v0"]).questions)
    _check(score(trace_specs["ExecVar-v0"], "<answer>\n" + "\n".join([f"{lit}; int"] * n) + "\n</answer>"))


def test_random_hostile_solutions_never_raise(add_spec):
    """A seeded random loop over return expressions built from hostile parts, scored in one batch."""
    rnd = random.Random(1010)
    atoms = [
        "7 ** 300000",
        "float('nan')",
        "-0.0",
        "float('-inf')",
        "'x' * 200000",
        "b'\\xff' * 200000",
        "_deep(150)",
        "_cycle()",
        "None",
        "True",
        "1 << 70000",
        "frozenset()",
        "type(a)",
        "lambda: 0",
        "object()",
        "_shared()",
        "complex(1e308, -1e308)",
        "'\\ud800'",
    ]

    def expr(depth: int) -> str:
        if depth > 2 or rnd.random() < 0.4:
            return rnd.choice(atoms)
        kind = rnd.randrange(4)
        parts = [expr(depth + 1) for _ in range(rnd.randint(1, 3))]
        if kind == 0:
            return "[" + ", ".join(parts) + "]"
        if kind == 1:
            return "(" + ", ".join(parts) + ",)"
        if kind == 2:
            return "{" + ", ".join(f"{i}: {p}" for i, p in enumerate(parts)) + "}"
        return (
            "{"
            + ", ".join(p for p in parts if p in ("7 ** 300000", "-0.0", "None", "1 << 70000"))
            + "} or set()"
        )

    responses = [code(HELPERS + f"def add(a, b):\n    return {expr(0)}") for _ in range(40)]
    for s in score_batch([add_spec] * len(responses), responses):
        _check(s)
        assert s.reward < 1.0
