"""helper + entry (execgym.synth.patterns.helper_entry): level 6, a helper holds the focus, the entry loops."""

from __future__ import annotations

import ast

from execgym.synth.patterns import module


def test_the_entry_calls_a_helper_that_holds_the_focus(drafts_of, helpers):
    assert module("helper_entry").DEPTHS == (3,)
    drafts = drafts_of("helper_entry", 3, 6)
    assert len(drafts) >= 12
    for r in drafts:
        functions = [n for n in r.tree.body if isinstance(n, ast.FunctionDef)]
        assert len(functions) == 2, r.source
        helper, entry = functions
        called = {c.func.id for c in helpers.nodes(entry, ast.Call) if isinstance(c.func, ast.Name)}
        assert helper.name in called, r.source
        assert not helpers.nodes(helper, ast.For, ast.While), r.source  # the loops stay in the entry
        assert helpers.nodes(entry, ast.For, ast.While), r.source
        assert r.ok, r.source
