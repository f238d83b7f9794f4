"""The focus value of one item as a pattern uses it: inline, or through the level-6 helper function.

Contract: ``value_of(draft, item)`` is ``focus_value(draft, item, draft.samples)`` except at level 6, where the
first call writes a helper function ``verb_item(item[, strict])`` holding the focus and returns a call of it
(helper + entry that cooperate: the entry's control flow, the helper's operation). A helper that turns words
into numbers now and then reads the number a word spells first (``try: return int(word)``
``except ValueError: return len(word)``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from execgym import astparse
from execgym.synth.patterns.base import Draft, FocusValue, bare, focus_value, spells_int

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
    return FocusValue([], f"{name}({', '.join([item, *extra])})", results, fv.error)


def _names(fv: FocusValue) -> set[str]:
    """The names the focus's code reads (not words inside its string literals: ``'{size}'.format_map(...)``)."""
    names: set[str] = set()
    for text in [*fv.pre, fv.expr]:
        try:
            names |= {n.id for n in ast.walk(astparse.parse(text)) if isinstance(n, ast.Name)}
        except SyntaxError:
            names |= set(re.findall(r"[A-Za-z_]\w*", text))
    return names


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
