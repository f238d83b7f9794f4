"""Early returns (execgym.synth.patterns.early_return): a ``break`` right before the last ``return`` becomes that
``return`` in some drafts, and the program does the same."""

from __future__ import annotations

import copy
import random
from typing import Any

from execgym.seeding import rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.patterns import build
from execgym.synth.patterns.early_return import EARLY_RETURN_SHARE, returns_early


class _Always(random.Random):
    """A stream whose ``random()`` is 0.0: the transform always applies."""

    def random(self) -> float:
        return 0.0


BODY = [
    "    parts = []",
    "    for word in words:",
    "        if len(word) > 2:",
    "            if len(parts) >= limit:",
    "                break",
    "            parts.append(word.upper())",
    "    return '-'.join(parts)",
]


def _run(lines: list[str], *args: Any) -> Any:
    space: dict[str, Any] = {}
    exec(compile("def f(words, limit):\n" + "\n".join(lines) + "\n", "<early>", "exec"), space)  # noqa: S102
    return space["f"](*args)


def _outcome(fn, args: tuple) -> str:
    """``repr`` of what ``fn`` returns on a copy of ``args``, or the name of what it raises (some pool inputs
    raise; the filter ships only inputs that run ok)."""
    try:
        return repr(fn(*copy.deepcopy(args)))
    except Exception as exc:  # noqa: BLE001 -- compared, not hidden: both versions must raise alike
        return type(exc).__name__


def test_a_break_before_the_last_return_becomes_that_return_and_the_result_is_the_same():
    got = returns_early(BODY, _Always())
    assert got[4] == "                return '-'.join(parts)" and got[:4] == BODY[:4] and got[5:] == BODY[5:]
    for words in (["ab", "abc", "abcd", "x", "hello"], [], ["abc"] * 6):
        for limit in (0, 1, 2, 5):
            assert _run(got, words, limit) == _run(BODY, words, limit)


def test_nothing_changes_where_something_would_run_between_the_break_and_the_return():
    with_else = BODY[:6] + ["    else:", "        parts.append('all')", BODY[-1]]
    nested = BODY[:2] + ["        for ch in word:", "            if ch == 'x':", "                break",
                         "            parts.append(ch)", BODY[-1]]
    after = BODY[:6] + ["    parts.sort()", BODY[-1]]
    no_break = [line for line in BODY if line.strip() not in ("break", "if len(parts) >= limit:")]
    for lines in (with_else, nested, after, no_break):
        assert returns_early(lines, _Always()) == lines


def test_nothing_is_drawn_from_a_draft_without_such_a_break():
    r, fresh = random.Random(5), random.Random(5)
    returns_early(BODY[:3] + BODY[5:], r)
    assert r.random() == fresh.random()


def test_drafts_return_early_in_about_the_share_and_behave_as_with_break():
    """Over level-5 drafts with a ``break`` that may become the last ``return``, about ``EARLY_RETURN_SHARE`` of
    them return early; turned back into ``break``, each gives the same result on every input of its pool."""
    early = eligible = 0
    for k in range(300):
        focus = CATALOG[ALL_ENTRIES[(k * 37) % len(ALL_ENTRIES)]]
        cand = build(5, focus, rng("early-return-test", k))
        if cand is None:
            continue
        lines = cand.source.splitlines()
        start = max(i for i, line in enumerate(lines) if line.startswith("def "))
        body = lines[start + 1:]
        last = body[-1].strip()
        returns = [i for i, line in enumerate(body[:-1]) if line.strip() == last]
        has_break = any(line.strip() == "break" for line in body)
        if returns and not has_break:
            early += 1
            eligible += 1
            back = [" " * (len(line) - len(line.lstrip())) + "break" if i in returns else line
                    for i, line in enumerate(body)]
            source_back = "\n".join(lines[:start + 1] + back) + "\n"
            mine: dict[str, Any] = {}
            theirs: dict[str, Any] = {}
            exec(compile(cand.source, "<early>", "exec"), mine)  # noqa: S102 -- execgym's own generated program
            exec(compile(source_back, "<back>", "exec"), theirs)  # noqa: S102
            for args in cand.pool:  # each run on its own copy: a program may change its arguments
                assert _outcome(mine[cand.entry], args) == _outcome(theirs[cand.entry], args), cand.source
        elif has_break and returns_early(body, _Always()) != body:
            eligible += 1
    assert eligible >= 40, eligible
    assert abs(early / eligible - EARLY_RETURN_SHARE) < 0.2, (early, eligible)
