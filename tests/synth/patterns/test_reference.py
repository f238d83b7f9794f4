"""Reference arguments (``target``, ``execgym.synth.patterns.base._reference``) under a guard: each input's
reference is drawn so that the focus tells something on an item the guard lets through."""

from __future__ import annotations

from .conftest import focus_inert, render


def test_a_reference_compared_under_a_guard_tells_on_items_the_guard_lets_through():
    """Over drafts of five patterns (depths 2-3) that compare the focus of an item with that of a reference
    argument and hold an ``if``, stripping the focus out changes some of the 8 calls' results in all but a few
    (2 of 105 now; 8 of 105 when the reference only had to tell on some item of the input, often one the guard
    rejects: ``if len(word) > 5: total += 1 if word.casefold() == target.casefold() else 0`` with
    ``target = 'ember'`` for ``'EMBER'``)."""
    told = inert = 0
    for name in ("accumulate", "map", "count", "filter", "build_string"):
        for depth in (2, 3):
            for r in render(name, depth, count=60, tries=1500):
                if not r.draft.reference or "if " not in r.source:
                    continue
                verdict = focus_inert(r)
                if verdict is None:
                    continue
                told += 1
                inert += verdict
    assert told >= 80, told
    assert inert <= 0.04 * told, (inert, told)
