"""The ``focus_inert`` measure: the focus's uses replaced by the values they apply to, and the report's rate."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.focus_effect import _strippable, _unparsed, inert, strip, without_focus
from execgym.synth.quality import assess, format_summary, summarize_by_level
from execgym.synth.rows import ProgramRow


def test_a_method_call_is_replaced_by_its_receiver():
    assert without_focus("def f(w):\n    return len(w.upper())\n", ("str", "upper")) == \
        "def f(w):\n    return len(w)\n"


def test_a_mutating_statement_becomes_pass_and_its_arguments_are_kept_nowhere_else():
    out = without_focus("def f(xs):\n    work = list(xs)\n    work.sort()\n    return work\n", ("list", "sort"))
    assert out == "def f(xs):\n    work = list(xs)\n    pass\n    return work\n"


def test_builtins_operators_and_subscripts_are_replaced_by_their_first_operand():
    assert "return n" in without_focus("def f(n):\n    return int(n)\n", ("float", "int()"))
    assert "return x" in without_focus("import math\ndef f(x):\n    return math.ceil(x)\n",
                                       ("float", "math.ceil()"))
    assert "return (n) * 2" in without_focus("def f(n):\n    return (n + 3) * 2\n", ("int", "+"))
    assert "total = 0\n    pass" in without_focus("def f(n):\n    total = 0\n    total -= n\n    return total\n",
                                                   ("int", "-="))
    assert "return a" in without_focus("def f(a, b):\n    return a and b\n", ("bool", "and"))
    assert "return a" in without_focus("def f(a):\n    return not a\n", ("bool", "not"))
    assert "return d" in without_focus("def f(d):\n    return d['red']\n", ("dict", "dict[key]"))
    assert "return w" in without_focus("def f(w):\n    return w[1:3]\n", ("str", "[index1:index2]"))


def test_the_text_keeps_its_lines_and_groups_what_the_context_would_misread():
    # a replacement that is not an atom is put in parentheses: ``(a or b) * c + d`` without ``*`` is not
    # ``a or b + d``; uses nested in one another are replaced inside out; an f-string's use is written out anew
    assert without_focus("def f(a, b, c, d):\n    return (a or b) * c + d\n", ("int", "*")) == \
        "def f(a, b, c, d):\n    return (a or b) + d\n"
    assert without_focus("def f(w):\n    v = w.replace('a', 'b').replace('c', 'd')\n\n    return v\n",
                         ("str", "replace")) == "def f(w):\n    v = w\n\n    return v\n"
    assert without_focus("def f(n):\n    return (5).bit_length() + n.bit_length()\n", ("int", "bit_length")) == \
        "def f(n):\n    return (5) + n\n"
    out = without_focus("def f(w):\n    return f'{w.upper()}!'\n", ("str", "upper"))
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse("def f(w):\n    return f'{w}!'\n"))
    assert without_focus("def f(w):\n    return 'é' + w.upper()\n", ("str", "upper")) == \
        "def f(w):\n    return 'é' + w\n"  # (positions are utf-8 bytes)


@pytest.mark.parametrize("source, focus, keeps", [
    ("def f(xs):\n    return sorted(xs)\n", ("list", "sorted()"), True),
    ("def f(xs):\n    n = 0\n    n += len(xs)\n    return n\n", ("int", "+="), True),   # n = 0 binds it too
    ("def f(xs, n):\n    n += len(xs)\n    return n\n", ("int", "+="), True),           # an argument
    ("def g(xs):\n    n = 1\n    return n\n\n\ndef f(xs):\n    n += len(xs)\n    return n\n", ("int", "+="), False),
    ("def f(xs):\n    return xs.count(n := 3) + n\n", ("list", "count"), False),
    ("def f(w):\n    return w.count(sum(1 for c in w))\n", ("str", "count"), False),
    ("def f(w):\n    return len([c for c in w.upper()])\n", ("str", "upper"), True),
])
def test_strip_says_whether_the_stripped_program_binds_every_name_the_original_binds(source, focus, keeps):
    assert strip(source, focus)[1] is keeps


def test_the_spliced_text_is_the_rewritten_tree_on_generated_drafts_and_cruxeval_shapes():
    """``without_focus`` splices the source; ``_unparsed`` rewrites the tree: the same program (``ast.dump``) on
    hundreds of drafts and on hand-written shapes, and a stripped program that binds every name is batchable
    whenever its draft is."""
    from execgym.synth.patterns.coverage import batchable
    from execgym.synth.patterns.generate import draw

    drafts = [c for level in range(1, 7) for seed in range(80) if (c := draw(level, 5100 + seed, 0)) is not None]
    compared = 0
    for cand in drafts:
        got = strip(cand.source, cand.focus)
        want = _unparsed(cand.source, cand.focus[1]) if _strippable(cand.focus) else None
        assert (got is None) == (want is None), cand.source
        if got is None:
            continue
        compared += 1
        assert ast.dump(ast.parse(got[0])) == ast.dump(ast.parse(want)), cand.source
        if got[1] and batchable(cand.source):
            assert batchable(got[0]), cand.source
    assert compared >= 200
    shapes = ["def f(a, b):\n    return (a + b) * (a - b) + -(a + 1)\n",
              "def f(xs):\n    out = [x + 1 for x in xs if x + 2 > 3]\n    return {k: v + 1 for k, v in out}\n",
              "def f(s):\n    t = s.strip().lower().strip('x')\n    return t[::-1][1:] + s[0]\n",
              "def f(d):\n    return d['a'] + d.get('b', d['c'])\n",
              "def f(a, b):\n    return not (a and b) or not a\n",
              "def f(xs):\n    xs.sort(key=lambda x: -x)\n    xs.append(len(xs) + 1)\n    return xs\n"]
    for source in shapes:
        for name in ("+", "-", "*", "[index]", "strip", "lower", "get", "and", "or", "not", "sort", "append", "len()"):
            got, want = without_focus(source, ("x", name)), _unparsed(source, name)
            assert (got is None) == (want is None)
            if got is not None:
                assert ast.dump(ast.parse(got)) == ast.dump(ast.parse(want)), (source, name)


def test_tests_unparsable_code_and_absent_focus_are_not_stripped():
    assert without_focus("def f(a, b):\n    return a < b\n", ("int", "<")) is None
    assert without_focus("def f(a):\n    return 'x' in a\n", ("str", "in")) is None
    assert without_focus("def f(a:\n", ("str", "upper")) is None
    assert without_focus("def f(a):\n    return a.lower()\n", ("str", "upper")) is None
    assert without_focus("def f(d):\n    d['k'] = 1\n", ("dict", "dict[key] = value")) is None
    assert without_focus("def f(a):\n    return a\n", ("str",)) is None  # malformed focus


def test_inert_compares_every_usable_call_and_needs_two():
    assert inert(["1", "2"], ["1", "2"]) is True
    assert inert(["1", "2"], ["1", "3"]) is False
    assert inert(["1", "2"], ["1", None]) is False   # the stripped program failed: the focus mattered
    assert inert(["1", None, "2"], ["1", "9", "2"]) is True  # a call the original could not run is skipped
    assert inert(["1"], ["1"]) is None
    assert inert([None, None], ["1", "1"]) is None


def test_the_report_tells_inert_and_effective_focuses_apart_on_real_sandbox_runs():
    sort_then_len = "def f(xs):\n    work = list(xs)\n    work.sort()\n    return len(work)\n"
    sort_then_first = "def f(xs):\n    work = list(xs)\n    work.sort()\n    return work[0]\n"
    calls = ("f([3, 1, 2])", "f([5, 4])", "f([9, 7, 8, 1])")
    rows = [ProgramRow(sort_then_len, "f", calls, level=3, meta={"focus": ["list", "sort"]}),
            ProgramRow(sort_then_first, "f", calls, level=3, meta={"focus": ["list", "sort"]}),
            ProgramRow(sort_then_first, "f", calls, level=3)]  # no focus named: not told
    qualities = assess(rows, variants=0)
    assert [q.focus_inert for q in qualities] == [True, False, None]
    assert qualities[0].to_dict()["focus_inert"] is True
    summary = summarize_by_level(qualities)["3"]
    assert summary["focus_told"] == 2 and summary["focus_inert"] == 0.5
    table = format_summary(summarize_by_level(qualities))
    assert "focus_inert" in table and "50.0%" in table


@pytest.mark.parametrize("own", [False, True])
def test_the_report_tells_whether_the_programs_own_call_shows_the_focus(own):
    """``focus_call_inert``: the program's call alone returns the same without the focus (``[1, 2]`` is sorted
    already) although another call does not: told on the traced route and on the light one (``own``)."""
    from execgym.synth.focus_effect import call_inert

    assert call_inert(["1", "2"], ["1", "3"]) is True and call_inert(["1", "2"], ["4", "2"]) is False
    assert call_inert(["1"], [None]) is False and call_inert([None, "2"], ["1", "2"]) is None
    sort_then_first = "def f(xs):\n    work = list(xs)\n    work.sort()\n    return work[0]\n"
    rows = [ProgramRow(sort_then_first, "f", ("f([1, 2])", "f([5, 4])", "f([9, 7, 8])"), level=3,
                       meta={"focus": ["list", "sort"]}),
            ProgramRow(sort_then_first, "f", ("f([2, 1])", "f([4, 5])", "f([8, 9, 7])"), level=3,
                       meta={"focus": ["list", "sort"]})]
    qualities = assess(rows, variants=0, own=own)
    assert [(q.focus_inert, q.focus_call_inert) for q in qualities] == [(False, True), (False, False)]
    summary = summarize_by_level(qualities)["3"]
    assert summary["focus_call_inert"] == 0.5
    assert "of the call alone" in format_summary(summarize_by_level(qualities))


def test_a_focus_that_gives_back_its_receiver_by_nature_is_never_told():
    from execgym.synth.focus_effect import IDENTITY_FOCUS

    assert {"list/copy", "dict/copy", "list/[:]", "float/conjugate"} <= IDENTITY_FOCUS
    copy_then_sort = "def f(xs):\n    work = xs.copy()\n    work.sort()\n    return work\n"
    rows = [ProgramRow(copy_then_sort, "f", ("f([2, 1])", "f([3, 5, 4])"), level=2, meta={"focus": ["list", "copy"]}),
            ProgramRow(copy_then_sort, "f", ("f([2, 1])", "f([3, 5, 4])"), level=2, meta={"focus": ["list", "sort"]})]
    assert [q.focus_inert for q in assess(rows, variants=0)] == [None, False]


def test_the_report_leaves_the_row_out_for_files_without_focus():
    rows = [ProgramRow("def f(s):\n    return s.upper()\n", "f", ("f('ab')", "f('cd')"), level=1)]
    table = format_summary(summarize_by_level(assess(rows, variants=0)))
    assert "focus_inert" not in table


# ------------------------------------------------------------------- the generator's rule (opt-in, FilterConfig)
def _candidate(source: str, focus: tuple[str, str], pool: list[tuple]):
    from execgym.synth.patterns import PatternCandidate

    return PatternCandidate(source, "f", ["x"], pool, focus, "test", {}, {})


def test_the_rule_rejects_a_draft_whose_focus_changes_no_output_and_ships_an_input_that_shows_it():
    from execgym.synth.filters import FilterConfig
    from execgym.synth.patterns.run import filter_patterns

    inert_draft = _candidate("def f(x):\n    work = list(x)\n    work.sort()\n    return len(work)\n",
                             ("list", "sort"), [([3, 1][:k % 3 + 1] * (k + 1),) for k in range(8)])
    telling_draft = _candidate("def f(x):\n    return abs(x) + 1\n", ("int", "abs"),
                               [(n,) for n in (1, 2, 3, 4, 5, 6, 7, -4)])
    on, off = FilterConfig(), FilterConfig(focus_effect=False)
    for traced in (False, True):  # the light runner and the full tracer give the same verdicts
        inert_on, telling_on = filter_patterns([inert_draft, telling_draft], on, traced=traced)
        assert not inert_on.accepted and inert_on.reason == "the focus makes no difference to any input"
        # the input that shows the focus's effect is the program's call: the call's output depends on the focus
        assert telling_on.accepted and telling_on.call == "f(-4)" and telling_on.expected == 5, telling_on
    inert_off, telling_off = filter_patterns([inert_draft, telling_draft], off)
    assert inert_off.accepted and telling_off.accepted and telling_off.call == "f(1)"
    assert "f(-4)" not in (telling_off.call, *telling_off.variants)  # coverage alone would not ship it


def test_a_stripped_loop_that_never_ends_stops_at_its_own_budget_and_counts_as_a_change():
    from execgym.synth.filters import FilterConfig
    from execgym.synth.patterns.run import filter_patterns

    # stripping ``work.pop()`` leaves ``while work:`` spinning: it must stop at twice the draft's longest call
    draft = _candidate("def f(x):\n    work = list(x)\n    total = 0\n    while work:\n"
                       "        total += work.pop()\n    return total\n", ("list", "pop"),
                       [(list(range(k, 2 * k + 1)),) for k in range(1, 9)])
    verdict, = filter_patterns([draft], FilterConfig(focus_effect=True))
    assert verdict.accepted, verdict


def test_without_unused_imports_blanks_only_the_imports_nothing_reads():
    from execgym.synth.focus_effect import without_unused_imports

    stripped = "import math\n\n\ndef f(x):\n    return x + 1\n"
    assert without_unused_imports(stripped) == "\n\n\ndef f(x):\n    return x + 1\n"
    assert without_unused_imports("import math\n\ndef f(x):\n    return math.floor(x)\n") is None
    assert without_unused_imports("from math import floor\n\ndef f(x):\n    return floor(x)\n") is None
    assert without_unused_imports("import math as m, os\n\ndef f(x):\n    return m.pi\n") is None
    assert without_unused_imports("import math; import os\n\ndef f(x):\n    return x\n") is None  # (one line)
    assert without_unused_imports("def f(x):\n    return x\n") is None
    assert without_unused_imports("def f(:\n") is None
