"""The focus value of one item as a pattern uses it: inline, or through the level-6 helper function.

Contract: ``value_of(draft, item)`` is ``focus_value(draft, item, draft.samples)`` except at level 6, where the
first call writes a helper function ``verb_item(item[, strict])`` holding the focus and returns a call of it
(helper + entry that cooperate: the entry's control flow, the helper's operation).
"""

from __future__ import annotations

import re

from execgym.synth.patterns.base import Draft, FocusValue, focus_value

_VERBS = ("measure", "clean", "score", "convert", "shape", "weigh", "prepare", "check")


def value_of(draft: Draft, item: str, *, allow_errors: bool = False, twice: bool = True) -> FocusValue:
    fv = focus_value(draft, item, draft.samples, allow_errors=allow_errors, twice=twice)
    if draft.level != 6 or draft.helper:
        return fv
    extra = [p.name for p in draft.params if re.search(rf"\b{p.name}\b", fv.expr + " ".join(fv.pre))
             and p.name != item]
    name = draft.name(f"{draft.rand_choice(_VERBS)}_{item}")
    draft.helper_name = name
    lines = [f"def {name}({', '.join([item, *extra])}):"]
    lines += [f"    {stmt}" for stmt in fv.pre]
    lines.append(f"    return {fv.expr}")
    draft.helper = lines
    return FocusValue([], f"{name}({', '.join([item, *extra])})", fv.results, fv.error)
