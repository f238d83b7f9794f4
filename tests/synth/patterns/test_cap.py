"""Caps (execgym.synth.patterns.cap): a cap is written as ``break`` at the cap or as the work held under it, both
ways in a share of drafts, and a capped count never passes its cap either way."""

from __future__ import annotations

import random
import re

from execgym.seeding import rng
from execgym.synth.catalog import CATALOG
from execgym.synth.patterns.base import Draft
from execgym.synth.patterns.cap import CAP_BREAK_SHARE, capped

from .conftest import render


class _Fixed(random.Random):
    """A stream whose ``random()`` is always ``value``."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def _draft(r: random.Random) -> Draft:
    focus = CATALOG[("str", "upper")]
    return Draft(rng=r, level=5, focus=focus, item_kind="str")


def _capped_lines(r: random.Random, reached: str | None) -> list[str]:
    d = _draft(r)
    with d.block("for word in words:"), d.block("if len(word) > 2:"), capped(d, reached):
        d.emit("kept.append(word)")
    return [line[4:] for line in d.lines]  # a draft writes its entry's body, one level in


def test_a_cap_is_a_break_at_the_cap_or_the_work_held_under_it():
    stop = _capped_lines(_Fixed(CAP_BREAK_SHARE / 2), "len(kept) >= limit")
    assert stop == ["for word in words:", "    if len(word) > 2:", "        if len(kept) >= limit:",
                    "            break", "        kept.append(word)"]
    held = _capped_lines(_Fixed((1 + CAP_BREAK_SHARE) / 2), "len(kept) >= limit")
    assert held == ["for word in words:", "    if len(word) > 2:", "        if len(kept) < limit:",
                    "            kept.append(word)"]


def test_no_cap_writes_the_work_as_it_is_and_draws_nothing():
    r, fresh = random.Random(3), random.Random(3)
    assert _capped_lines(r, None) == ["for word in words:", "    if len(word) > 2:", "        kept.append(word)"]
    assert r.random() == fresh.random()


def test_both_forms_keep_the_same_items_when_nothing_else_runs_in_the_loop():
    """``break`` at the cap and the work under it keep the same first items (the loop only gathers)."""
    stop = _capped_lines(_Fixed(0.0), "len(kept) >= limit")
    held = _capped_lines(_Fixed(0.99), "len(kept) >= limit")
    words_pool = [[], ["ab", "abc", "abcd", "x", "hello", "hey"], ["abc"] * 7, ["a", "bb"]]
    functions = []
    for lines in (stop, held):
        space: dict = {}
        body = "\n".join("    " + line for line in ["kept = []", *lines, "return kept"])
        exec(compile(f"def f(words, limit):\n{body}\n", "<cap>", "exec"), space)  # noqa: S102 -- the test's own code
        functions.append(space["f"])
    for words in words_pool:
        for limit in range(5):
            got = [f(list(words), limit) for f in functions]
            assert got[0] == got[1] and len(got[0]) <= limit


def test_capped_counts_take_both_forms_and_never_pass_their_cap():
    """Over level-5 ``count`` drafts whose count stops at a parameter (``if count >= limit: break`` before the
    count goes up, or ``if count < limit:`` around it), both forms occur in about their shares, and no call
    returns a count above the limit it was given."""
    forms = {"break": 0, "held": 0}
    checked = 0
    for drafted in render("count", 3, count=60, tries=1200):
        text = drafted.source
        stop = re.search(r"if (\w+) >= (\w+):\n\s+break\n\s+\1 \+= 1", text)
        held = re.search(r"if (\w+) < (\w+):\n\s+\1 \+= 1", text)
        found = stop or held
        if found is None:
            continue
        forms["break" if stop else "held"] += 1
        names = [p.name for p in drafted.draft.params]
        at = names.index(found.group(2))
        for args, result in drafted.ok:
            checked += 1
            assert result <= args[at], (text, args, result)
    total = sum(forms.values())
    assert total >= 15 and checked >= 60, (forms, checked)
    assert abs(forms["break"] / total - CAP_BREAK_SHARE) < 0.3, forms


def test_level_five_programs_hold_fewer_breaks_than_caps():
    """The cap is the commonest depth-3 block at level 5: over 120 built programs, at least 18 hold the work under
    a cap and at most 27% hold a ``break`` (26 and 26 now; 12 and 39 before caps took two forms; CRUXEval has
    ``break`` in 3% of its programs)."""
    from execgym.synth.catalog import ALL_ENTRIES
    from execgym.synth.patterns import build

    built = breaks = held = 0
    for k in range(200):
        cand = build(5, CATALOG[ALL_ENTRIES[(k * 37) % len(ALL_ENTRIES)]], rng("cap-test", k))
        if cand is None:
            continue
        built += 1
        lines = [line.strip() for line in cand.source.splitlines()]
        breaks += "break" in lines
        held += any(re.fullmatch(r"if (len\(\w+\)|\w+) < \w+:", line) for line in lines)
        if built == 120:
            break
    assert built == 120
    assert held >= 18 and breaks <= 0.27 * built, (held, breaks)


def _bites(drafted, limit_name: str) -> list[bool]:
    """Per ok call of a draft: whether its cap changed the result (the same call with the cap lifted,
    ``limit_name`` set to a million, returns something else)."""
    space: dict = {}
    exec(compile(drafted.source, "<cap>", "exec"), space)  # noqa: S102 -- execgym's own generated program
    at = [p.name for p in drafted.draft.params].index(limit_name)
    out = []
    for args, result in drafted.ok:
        lifted = list(args)
        lifted[at] = 10 ** 6
        try:
            out.append(space["entry"](*lifted) != result)
        except Exception:  # noqa: BLE001 -- a lifted cap that raises still tells the cap mattered
            out.append(True)
    return out


def test_caps_on_what_grows_with_every_item_stop_some_calls_and_not_others():
    """A depth-3 cap on what grows with every item (``map`` and ``build_string`` add in both branches; an
    ``accumulate`` total; a ``window``'s ``enough``) is drawn against the data: in most drafts some of the 8 calls
    are stopped by it and others are not (so a program ships inputs of both kinds; before, ``map``'s 1..4
    results, ``build_string``'s 1..12 pieces or characters and ``window``'s ``enough`` of 0..30 stopped every call
    or none in 22, 18 and 26 of 40 drafts; 4, 11 and 7 now)."""
    for name, limit in (("map", "limit"), ("build_string", "limit"), ("accumulate", "limit"), ("window", "enough")):
        both = seen = 0
        for drafted in render(name, 3, count=40):
            if limit not in [p.name for p in drafted.draft.params] or len(drafted.ok) < 6:
                continue
            seen += 1
            bites = _bites(drafted, limit)
            both += any(bites) and not all(bites)
        assert seen >= 15 and both >= 0.6 * seen, (name, both, seen)


def test_a_capped_total_is_stopped_or_held_under_its_cap_and_never_counts_down_past_it():
    """A depth-3 ``accumulate`` caps its total as the other caps do (``if total >= limit: break`` before the
    addition, or the addition under ``if total < limit:``), with no ``else: total -= 1`` beside the cap (before,
    every such draft counted down once its total reached the limit)."""
    forms = {"break": 0, "held": 0}
    for drafted in render("accumulate", 3, count=40):
        text = drafted.source
        if "limit" not in [p.name for p in drafted.draft.params]:
            continue
        stop = re.search(r"if (\w+) >= limit:\n\s+break\n", text)
        held = re.search(r"if (\w+) < limit:\n", text)
        assert stop or held, text
        forms["break" if stop else "held"] += 1
        lines = text.splitlines()
        at = next(k for k, line in enumerate(lines) if "limit:" in line and line.strip().startswith("if "))
        depth = len(lines[at]) - len(lines[at].lstrip())
        after = next((line for line in lines[at + 1:] if len(line) - len(line.lstrip()) <= depth), "")
        assert after.strip() != "else:" or len(after) - len(after.lstrip()) < depth, text
    assert forms["break"] >= 5 and forms["held"] >= 5, forms
