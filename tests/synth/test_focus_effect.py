"""The ``focus_inert`` measure: the focus's uses replaced by the values they apply to, and the report's rate."""

from __future__ import annotations

from execgym.synth.focus_effect import inert, without_focus
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
    assert "return n * 2" in without_focus("def f(n):\n    return (n + 3) * 2\n", ("int", "+"))
    assert "total = 0\n    pass" in without_focus("def f(n):\n    total = 0\n    total -= n\n    return total\n",
                                                   ("int", "-="))
    assert "return a" in without_focus("def f(a, b):\n    return a and b\n", ("bool", "and"))
    assert "return a" in without_focus("def f(a):\n    return not a\n", ("bool", "not"))
    assert "return d" in without_focus("def f(d):\n    return d['red']\n", ("dict", "dict[key]"))
    assert "return w" in without_focus("def f(w):\n    return w[1:3]\n", ("str", "[index1:index2]"))


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
    on, off = FilterConfig(focus_effect=True), FilterConfig()
    for traced in (False, True):  # the light runner and the full tracer give the same verdicts
        inert_on, telling_on = filter_patterns([inert_draft, telling_draft], on, traced=traced)
        assert not inert_on.accepted and inert_on.reason == "the focus makes no difference to any input"
        assert telling_on.accepted and "f(-4)" in (telling_on.call, *telling_on.variants), telling_on
    inert_off, telling_off = filter_patterns([inert_draft, telling_draft], off)
    assert inert_off.accepted and telling_off.accepted
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
