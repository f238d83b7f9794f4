"""The focus value of one item as a pattern uses it: inline, or through the level-6 helper function.

Contract: ``value_of(draft, item)`` is ``focus_value(draft, item, draft.samples)`` except at level 6, where the
first call writes a helper function ``verb_item(item[, strict])`` holding the focus and returns a call of it
(helper + entry that cooperate: the entry's control flow, the helper's operation). A helper that turns words
into numbers now and then reads the number a word spells first (``try: return int(word)``
``except ValueError: return len(word)``).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import replace
from typing import Any

from execgym import astparse
from execgym.synth.patterns.base import (
    Draft,
    FocusValue,
    Unfit,
    as_number,
    bare,
    compares_alike,
    focus_value,
    spells_int,
)

PARSE_SHARE = 0.35  # share of word-to-number helpers that read the number a word spells first

_VERBS = ("measure", "clean", "score", "convert", "shape", "weigh", "prepare", "check")


def value_of(draft: Draft, item: str, *, allow_errors: bool = False, twice: bool = True,
             reference: bool = True) -> FocusValue:
    fv = focus_value(draft, item, draft.samples, allow_errors=allow_errors, twice=twice,
                     reference=twice and reference and draft.level >= 3)
    if draft.level != 6 or draft.helper:
        return fv
    used = _names(fv)
    extra = [p.name for p in draft.params if p.name in used and p.name != item]
    name = draft.name(f"{draft.rand_choice(_VERBS)}_{item}")
    draft.helper_name = name
    lines = [f"def {name}({', '.join([item, *extra])}):"]
    results = _parsed_first(draft, fv)
    if results is not None:
        lines += ["    try:", f"        return int({item})", "    except ValueError:"]
        lines += [f"        {stmt}" for stmt in fv.pre]
        lines.append(f"        return {bare(fv.expr)}")
        draft.op("int()")
    else:
        results = fv.results
        lines += [f"    {stmt}" for stmt in fv.pre]
        lines.append(f"    return {bare(fv.expr)}")
    draft.helper = lines
    return FocusValue([], f"{name}({', '.join([item, *extra])})", results, fv.error,
                      twin=lambda other: f"{name}({', '.join([other, *extra])})")


def key_pair(draft: Draft, a_item: str, b_item: str) -> tuple[FocusValue, FocusValue, str, str]:
    """The focus values of two items that a pattern compares (merge, pairwise, two pointers), and the numbers
    ``as_number`` makes of them (``na``, ``nb``). The same key on both sides, as people write it
    (``ahead.count('b') <= behind.count('b')``; at level 6 ``clean_row(ahead) <= clean_row(behind)``, the helper
    named for the kind's item): a second use of the focus, on another value. When the focus needs statements (a
    mutator), or the same key would order every pair of sample items as the items themselves do
    (``ahead - 6 <= behind - 6``), the second value draws its own arguments (``ahead - 6.0 <= behind - 5.75``;
    ``Unfit`` at level 6, where one side would call the helper and the other not), and ``Unfit`` when that
    comparison tells nothing of the focus either. The caller emits both values' statements (``emit_focus``)."""
    helper = draft.level == 6 and not draft.helper
    # the level-6 helper is named for the kind's item (``clean_row(row)``), not for the first item it is given
    a = value_of(draft, draft.item_name() if helper else a_item, twice=False)
    if helper and a.twin is not None:
        a = replace(a, expr=a.twin(a_item))
    na, a_numbers = as_number(draft, a)
    if not a.pre and a.twin is not None:
        b = FocusValue([], a.twin(b_item), list(a.results), a.error, kind=a.kind, twin=a.twin)
        a_text = bare(a.expr)
        nb = na.replace(a_text, bare(b.expr), 1) if a_text in na else ""
        if nb and not compares_alike(draft, a, a_numbers, b, a_numbers):
            draft.focus_uses += 1
            draft.op(f"{draft.focus.type}/{draft.focus.name}")
            if nb.startswith("len("):
                draft.op("len")
            return a, b, na, nb
    if draft.level == 6:  # a helper on one side and the focus written out on the other is not how people write it
        raise Unfit("the helper's key orders the items as they are")
    b = value_of(draft, b_item, twice=False)
    nb, b_numbers = as_number(draft, b)
    if compares_alike(draft, a, a_numbers, b, b_numbers):
        raise Unfit("the focus orders the items as they are: the comparison tells nothing of it")
    return a, b, na, nb


def _names(fv: FocusValue) -> set[str]:
    """The names the focus's code reads (not words inside its string literals: ``'{size}'.format_map(...)``)."""
    names: set[str] = set()
    for text in [*fv.pre, fv.expr]:
        names |= _names_in(text)
    return names


@functools.lru_cache(maxsize=1024)
def _names_in(text: str) -> frozenset[str]:
    try:
        return frozenset(n.id for n in ast.walk(astparse.parse(text)) if isinstance(n, ast.Name))
    except SyntaxError:
        return frozenset(re.findall(r"[A-Za-z_]\w*", text))


def _parsed_first(draft: Draft, fv: FocusValue) -> list[Any] | None:
    """The helper's results when it reads the number a word spells before the focus's number (None: this
    helper does not: not words, not numbers, no word or every word spells one, or the draw says no)."""
    samples = [*draft.samples, *draft.constants] if draft.constants else list(draft.samples)
    if draft.item_kind != "str" or fv.error or len(samples) != len(fv.results) or \
            not all(type(x) is int for x in fv.results if x is not None):
        return None
    spelled = [spells_int(s) for s in samples]
    if len(set(spelled)) < 2 or draft.rng.random() >= PARSE_SHARE:
        return None
    return [int(s) if sp else x for s, sp, x in zip(samples, spelled, fv.results)]
