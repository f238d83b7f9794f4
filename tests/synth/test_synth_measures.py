"""The quality measures (execgym.synth.quality), the program-row reader and the program-source contract."""

from __future__ import annotations

import gzip
import json

import pytest

import execgym
from execgym.synth.program import Program
from execgym.synth.quality import (
    CONSTRUCTS,
    PROBLEMS,
    assess,
    format_summary,
    judge,
    static_quality,
    summarize_by_level,
    trivial_container,
)
from execgym.synth.rows import ProgramRow, read_program_rows
from execgym.synth.sources import ProgramSource, register_source, resolve_source


@pytest.mark.parametrize("code, kind", [
    ("def f(x):\n    return str(str(x.isascii()).isascii())\n", "(a)"),
    ("def f(x):\n    return float(len(x)).as_integer_ratio()\n", "(a)"),
    ("def f(xs, x):\n    return xs.count(xs.count(x))\n", "(a)"),
    ("def f(s):\n    return s.casefold().casefold()\n", "(b)"),
    ("def f(x):\n    return sorted(sorted(x))\n", "(b)"),
    ("def f(x):\n    return int(float(int(x)))\n", "(b)"),
    ("def f(x):\n    x.append(1)\n    x.append(1)\n    return x\n", "(b)"),
    ("def f(a):\n    return '{} {}'.format(a, '<{}>'.format(a))\n", "(c)"),
    ("def f(xs, a):\n    return [xs.count(a), 21, 8].count(3)\n", "(d)"),
])
def test_each_idiom_is_found(code, kind):
    idioms = static_quality(code).idioms
    assert any(kind in i for i in idioms), idioms


@pytest.mark.parametrize("code", [
    "def f(s):\n    return s.strip().lower().split(',')\n",
    "def f(s):\n    return s.rindex('h', s.rindex('i'))\n",          # a count as a position is natural
    "def f(xs):\n    return str(len(xs))\n",                          # converted, not fed on
    "def f(xs):\n    return sorted(xs, key=lambda x: -x)[:2]\n",
    "def f(x):\n    x.append(1)\n    x.append(2)\n    return x\n",
])
def test_natural_code_has_no_idiom(code):
    assert static_quality(code).idioms == ()


def test_constructs_are_recognised():
    code = (
        "def f(items, limit):\n"
        "    seen = {}\n"
        "    for i, item in enumerate(items[::-1]):\n"
        "        key = item if item is not None else -1\n"
        "        seen[key] = seen.get(key, 0) + 1\n"
        "    first, *rest = sorted(seen, key=lambda k: (-seen[k], k))\n"
        "    a, b = limit, limit ** 2 + items[-1]\n"
        "    a, b = b, a\n"
        "    try:\n"
        "        pos = rest.index(limit)\n"
        "    except ValueError:\n"
        "        pos = -1\n"
        "    for x in items[:]:\n"
        "        if x == limit:\n"
        "            items.remove(x)\n"
        "            break\n"
        "    else:\n"
        "        pass\n"
        "    return f'{first}:{pos}', {k: v for k, v in seen.items() if v > 1}, a - b\n"
    )
    found = static_quality(code).constructs
    for name in ("enumerate", "slice_step", "conditional_expression", "is_none", "starred", "lambda", "power",
                 "tuple_swap", "try_except", "for_else", "pass", "break", "f_string", "dict_comprehension",
                 "mutate_while_iterating_copy", "negative_index", "negative_number", "for_loop", "if"):
        assert name in found, name
    assert set(found) <= set(CONSTRUCTS)


def test_trivial_container():
    assert trivial_container([False, False, False])
    assert trivial_container(("", ""))
    assert not trivial_container([False, True])
    assert not trivial_container([3, 3])
    assert not trivial_container([False])


def _traces(source, calls):
    return [execgym.trace(source, c) for c in calls]


def test_judge_dead_statement_constant_test_and_constant_output():
    source = (
        "def f(xs):\n"
        "    out = []\n"
        "    for x in xs:\n"
        "        if len(xs) > 100:\n"
        "            out.append(x)\n"
        "    return out\n"
    )
    q = judge(source, _traces(source, ["f([1, 2])", "f([3])", "f([])"]))
    assert q.runs == 3
    assert q.dead_lines == (5,)
    assert q.constant_tests == (4,)
    assert q.constant_output
    assert set(q.problems()) == {"dead_statement", "constant_test", "constant_output"}


def test_a_try_whose_body_raises_every_time_is_a_constant_test():
    """A ``try`` is judged from line counts: entered as often as its body's first line ran, raised as often as its
    handlers' first lines ran. Raising on every entry is one outcome (``constant_test``), and so is raising on none,
    which also leaves the handler dead (``dead_statement``); both outcomes over the runs is no problem."""
    from execgym.synth.quality import static_rules, try_outcomes

    source = ("def f(xs):\n    total = 0\n    for x in xs:\n        try:\n            total += int(x)\n"
              "        except ValueError:\n            total -= 1\n    return total\n")
    assert static_rules(source).tries == ((4, 5, (7,)),)
    assert try_outcomes((2, 1, 3, 3, 4, 3, 5, 3, 7, 3, 8, 1), ((4, 5, (7,)),)) == {4: [False]}
    assert try_outcomes((5, 3, 7, 1), ((4, 5, (7,)),)) == {4: [False, True]}
    assert try_outcomes((5, 2), ((4, 5, (7,)),)) == {4: [True]}
    assert try_outcomes((2, 1), ((4, 5, (7,)),)) == {}  # never entered: nothing told
    always = judge(source, _traces(source, ["f(['a', 'b'])", "f(['c'])", "f(['d', 'e', 'g'])"]))
    assert always.constant_tests == (4,) and always.problems() == ["constant_test"]
    never = judge(source, _traces(source, ["f(['1', '2'])", "f(['3'])"]))
    assert never.dead_lines == (7,) and never.constant_tests == (4,)
    mixed = judge(source, _traces(source, ["f(['1', 'b'])", "f(['c'])", "f(['4'])"]))
    assert mixed.problems() == [], mixed


@pytest.mark.parametrize("body", [
    "    try:\n        for x in xs:\n            n += int(x)\n    except ValueError:\n        n = -1\n",  # a loop first
    "    try:\n        n = int(\n            xs[0])\n    except ValueError:\n        n = -1\n",      # over two lines
    "    try:\n        n = int(xs[0])\n    except ValueError:\n        for x in xs:\n            n -= 1\n",
    "    try:\n        n = int(xs[0])\n    finally:\n        n += 1\n",                                # no handler
])
def test_a_try_whose_entries_line_counts_cannot_tell_is_not_judged(body):
    from execgym.synth.quality import static_rules

    assert static_rules(f"def f(xs):\n    n = 0\n{body}    return n\n").tries == ()


def test_judge_a_natural_program_has_no_problem():
    source = (
        "def f(xs):\n"
        "    total = 0\n"
        "    for x in xs:\n"
        "        if x % 2 == 0:\n"
        "            total += x\n"
        "        else:\n"
        "            total -= 1\n"
        "    return total\n"
    )
    q = judge(source, _traces(source, ["f([1, 2, 4])", "f([3])"]))
    assert q.problems() == [], q
    assert q.line_steps > 0 and q.lines == 8 and q.variables == 3


def test_judge_failed_main_call_is_unmeasured():
    source = "def f(x):\n    return 1 // x\n"
    q = judge(source, _traces(source, ["f(0)", "f(1)"]))
    assert q.problems() == ["unmeasured"] and "did not run ok" in q.error


def test_assess_tops_up_variants_and_is_deterministic():
    rows = [ProgramRow("def f(s):\n    return s.upper()\n", "f", ("f('ab')",), level=1),
            ProgramRow("def f(n):\n    return n > 1000\n", "f", ("f(3)",), level=1)]
    first = assess(rows, variants=4, seed=0)
    second = assess(rows, variants=4, seed=0)
    assert first == second
    assert first[0].runs == 5 and not first[0].constant_output
    assert first[1].constant_output  # n > 1000 is False for every drawn input
    summary = summarize_by_level(first)
    assert summary["1"]["rates"]["constant_output"] == 0.5
    table = format_summary(summary, against=summary, against_name="ref")
    assert "constant_output" in table and "ref" in table
    assert set(summary["1"]["rates"]) == set(PROBLEMS)


def test_reading_measures_name_recomputed_tests_and_extra_parentheses():
    """``recomputed`` and ``extra_parentheses`` are reported beside the problems and are never one."""
    recomputing = ("def f(words):\n    parts = []\n    for w in words:\n        if len(w.strip()) > 3:\n"
                   "            parts.append(w.strip())\n    return parts\n")
    named = ("def f(words):\n    parts = []\n    for w in words:\n        s = w.strip()\n        if len(s) > 3:\n"
             "            parts.append(s)\n    return parts\n")
    grouped = "def f(t, xs):\n    middle = (t[1:3])[0:1]\n    return [x for x in xs if (x > 3)], middle\n"
    needed = "def f(a, b):\n    return (a - b) | (b - a), (a, b), not (1 in a)\n"
    plain = "def f(words):\n    return len(words) > 3 and len(words) < 9\n"
    assert static_quality(recomputing).recomputed == (4,) and static_quality(named).recomputed == ()
    assert static_quality(plain).recomputed == ()  # ``len`` of a name is not a value worth naming
    assert static_quality(grouped).extra_parentheses == (2, 3) and static_quality(needed).extra_parentheses == ()
    assert static_quality(named).extra_parentheses == ()
    q = judge(recomputing, _traces(recomputing, ["f(['alpha', 'be'])", "f(['a'])"]))
    assert q.reading() == ["recomputed"] and q.problems() == []
    assert q.to_dict()["recomputed"] == [4]
    summary = summarize_by_level([q])
    assert summary["-"]["reading"] == {"recomputed": 1.0, "extra_parentheses": 0.0}
    assert "recomputed (reading)" in format_summary(summary)


def test_assess_survives_a_variant_that_never_ends():
    source = "def f(d):\n    while d:\n        k, v = d.popitem()\n        d[k] = v ** 2\n    return d\n"
    q = assess([ProgramRow(source, "f", ("f({})",))], variants=2, timeout=2.0)[0]
    assert q.measured  # the main call ran; the endless variants just do not count


def test_read_program_rows_formats(tmp_path):
    program = Program(source="def g(x):\n    return x + 1\n", entry="g", call="g(1)", level=2, constraints={},
                      features={}, expected=2, focus=("int", "+"), variants=("g(5)",))
    lines = [
        json.dumps(program.to_dict()),
        json.dumps({"code": "def f(a, b):\n    return a * b\n", "input": "2, 3", "output": "6", "id": "s0"}),
        json.dumps({"code": "def helper(x):\n    return x\ndef main(x):\n    return helper(x)\n",
                    "inputs": ["1", "main(2)"]}),
    ]
    path = tmp_path / "rows.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    rows = read_program_rows(path)
    assert rows[0].entry == "g" and rows[0].calls == ("g(1)", "g(5)") and rows[0].level == 2
    assert rows[1].entry == "f" and rows[1].call == "f(2, 3)" and rows[1].row_id == "s0"
    assert rows[2].entry == "main" and rows[2].calls == ("main(1)", "main(2)")


@pytest.mark.parametrize("line, message", [
    ("not json", "not JSON"),
    ('{"code": "x = 1", "input": "1"}', "no top-level function"),
    ('{"code": "def f(:", "input": "1"}', "does not parse"),
    ('{"text": "hello"}', "a row needs"),
])
def test_read_program_rows_errors_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ValueError, match=message) as info:
        read_program_rows(path)
    assert "bad.jsonl:1" in str(info.value)


def test_program_round_trip_keeps_variants_origin_meta():
    program = Program(source="def g(x):\n    return x\n", entry="g", call="g(1)", level=1, constraints={},
                      features={}, expected=1, focus=("int", "+"), variants=("g(2)",), origin="corpus:x",
                      meta={"id": "r1"})
    again = Program.from_dict(json.loads(json.dumps(program.to_dict())))
    assert again == program and again.calls == ("g(1)", "g(2)")


def test_sources_resolve_and_reject_unknown_names():
    synth = resolve_source("synth")
    assert isinstance(synth, ProgramSource)
    program = synth.program(1, 5)
    assert program == execgym.synth.generate(1, 5)
    assert synth.programs(1, [5]) == [program]
    with pytest.raises(ValueError, match="unknown program source"):
        resolve_source("synthh")
    with pytest.raises(ValueError, match="not defined"):
        synth.program(99, 0)

    class Fixed:
        name = "fixed:x"
        fingerprint = "fixed"

        def levels(self):
            return (1,)

        def program(self, level, seed):
            return program

        def programs(self, level, seeds):
            return [program for _ in seeds]

    register_source("fixed", lambda rest: Fixed())
    assert resolve_source("fixed:anything").program(1, 0) is program
    with pytest.raises(ValueError, match="needs something after"):
        resolve_source("fixed:")


def test_output_keys_without_the_codec_split_values_exactly_as_the_codec_does():
    import json
    import random

    from execgym.engine.codec import encode
    from execgym.synth.program import canonical
    from execgym.synth.quality import output_key

    r = random.Random(0)
    atoms = [0, 1, -1, True, False, None, "", "a", "1", "True", "None", 2**70, "é", "\n", 1.0, -0.0, float("nan")]
    values: list = list(atoms)
    for _ in range(600):
        items = [r.choice(atoms) for _ in range(r.randint(0, 3))]
        values += [items, tuple(items), {k: r.choice(atoms) for k in items if k == k}, [items], {frozenset(items[:1])}]
    # nested values, sets in any insertion order, and aliases (the codec writes ``$ref`` for a container seen
    # twice, so ``[x, x]`` and ``[x, list(x)]`` are told apart)
    plain = [a for a in atoms if type(a) is not float]
    for _ in range(600):
        items = [r.choice(plain) for _ in range(r.randint(0, 3))]
        hashable = [a for a in items if a is not None] or [7]
        inner = [r.choice(plain) for _ in range(r.randint(0, 2))]
        shared = list(inner)
        ordered = sorted(hashable, key=repr)
        values += [[items, inner], (tuple(items), [inner]), {r.choice(hashable): [inner, tuple(inner)]},
                   set(ordered), set(reversed(ordered)), [set(hashable), {(1, "a"), (2, "b")}],
                   [shared, shared], [shared, list(shared)], {"k": shared, "j": shared}, [[[[inner]]]],
                   [1.5, items], {frozenset(hashable): 1}]
    fast = [output_key(v) for v in values]
    slow = [json.dumps(canonical(encode(v)), sort_keys=True) for v in values]
    assert sum(k.startswith("\x00") for k in fast) > len(values) // 3  # the fast path is taken
    nested = [k for v, k in zip(values, fast) if isinstance(v, (list, tuple, dict, set))
              and any(isinstance(x, (list, tuple, dict, set)) for x in (v.values() if isinstance(v, dict) else v))]
    assert sum(k.startswith("\x00") for k in nested) > len(nested) // 3  # nested values take it too
    for i in range(0, len(values), 7):
        for j in range(len(values)):
            assert (fast[i] == fast[j]) == (slow[i] == slow[j]), (values[i], values[j])


def test_the_rules_alone_give_the_full_judges_problems():
    """``run_problems`` (synthesis's rejection step, without the descriptive measures) and ``static_rules``
    agree with ``judge_runs(...).problems()`` and ``static_quality`` on programs with each problem, none, and
    one that does not parse."""
    from execgym.synth.quality import RunSummary, judge_runs, run_problems, static_rules

    loop = "def f(xs):\n    out = []\n    for x in xs:\n        if len(xs) > 100:\n            out.append(x)\n    return out\n"
    clean = "def f(xs):\n    total = 0\n    for x in xs:\n        if x % 2:\n            total += x\n    return total\n"
    cases = [
        (loop, [RunSummary([], frozenset({2, 3, 4, 6}), {4: {False}}, 9), RunSummary([], frozenset({2, 3, 6}), {}, 3)]),
        (clean, [RunSummary(4, frozenset({2, 3, 4, 5, 6}), {4: {True, False}}, 9),
                 RunSummary(0, frozenset({2, 3, 4, 6}), {4: {False}}, 5)]),
        (clean, [RunSummary([False, False], frozenset({2, 3, 4, 5, 6}), {4: {True, False}}, 9)]),
        ("def f(s):\n    s.strip()\n    return s.casefold().casefold()\n",
         [RunSummary("a", frozenset({2, 3}), {}, 2), RunSummary("b", frozenset({2, 3}), {}, 2)]),
        ("def f(:\n", [RunSummary(1, frozenset(), {}, 1)]),
        (clean, []),
    ]
    seen = set()
    for source, runs in cases:
        expected = judge_runs(source, runs).problems()
        assert run_problems(source, runs) == expected, source
        seen.update(expected)
        if "def f(:" not in source:
            full, rules = static_quality(source), static_rules(source)
            assert (rules.idioms, rules.unused_results, rules.statements, rules.tests, rules.functions) == \
                (full.idioms, full.unused_results, full.statements, full.tests, full.functions)
    assert seen == {*PROBLEMS, "unmeasured"}


def test_same_tree_is_equality_of_ast_dumps():
    """``quality.same_tree`` (the idiom check's "the same statement twice in a row") answers what comparing the
    two ``ast.dump`` texts answers, on every pair of statements of generated drafts and on hand-written pairs
    that differ only in a leaf's type, a keyword or a position."""
    import ast

    from execgym.synth.api import item_seed
    from execgym.synth.patterns.generate import draw
    from execgym.synth.quality import same_tree

    statements = []
    for level in range(1, 7):
        for i in range(40):
            cand = draw(level, item_seed(9, level, i), 0)
            if cand is not None:
                statements += [n for n in ast.walk(ast.parse(cand.source)) if isinstance(n, ast.stmt)][:12]
    statements += [ast.parse(text).body[0] for text in (
        "x = 1", "x = True", "x = 1.0", "x =  1", "y = 1", "f(a, b=1)", "f(a, c=1)", "f(a, b=1)",
        "x = [1, 2]", "x = [1, 2, 3]", "x = 'a'", "x = b'a'", "x = u'a'")]
    agree = same = 0
    for a in statements[::3]:
        for b in statements[1::3]:
            want = ast.dump(a) == ast.dump(b)
            agree += same_tree(a, b) == want
            same += want
    total = len(statements[::3]) * len(statements[1::3])
    assert agree == total and same > 0
