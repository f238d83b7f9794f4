"""dedupe (execgym.synth.patterns.dedupe): the first item for each distinct focus value, in order."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("dedupe").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_kept_items_come_from_the_input(drafts_of, helpers, depth):
    for r in drafts_of("dedupe", depth):
        sorted_out = any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "sorted"
                         for n in ast.walk(r.entry))
        for args, got in r.ok:
            kept = got[0] if isinstance(got, tuple) else got
            assert len(kept) <= len(args[0]) and helpers.within(kept, args[0]), (r.source, args, got)
            if not sorted_out:
                assert helpers.in_order(kept, args[0]), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_seen_set_remembers_the_keys(drafts_of, helpers, depth):
    for r in drafts_of("dedupe", depth):
        adds = [c for c in helpers.nodes(r.entry, ast.Call) if isinstance(c.func, ast.Attribute)
                and c.func.attr == "add"]
        assert adds and helpers.nodes(r.entry, ast.Compare), r.source


def test_the_key_groups_the_items_otherwise_than_the_items_themselves(drafts_of, helpers):
    """A key that keeps the same items as the item itself would (``w * 3``, ``w + 'mango'``, ``int(flag)``) is
    refused while drafting (``base.groups_alike``): with the focus stripped out, few drafts keep the same items."""
    inert, told = helpers.inert_counts([r for depth in DEPTHS for r in drafts_of("dedupe", depth)])
    assert told >= 20 and inert <= 0.1 * told, (inert, told)



class _LogKeys(ast.NodeTransformer):
    """``seen.add(key)`` -> ``seen.add(_log(key))``: the keys a run adds to its ``seen`` set, recorded."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "add" and isinstance(func.value, ast.Name) \
                and func.value.id == "seen":
            node.args = [ast.Call(ast.Name("_log", ast.Load()), node.args, [])]
        return node


def test_the_key_is_not_a_truth_value(drafts_of):
    """A dedupe by a test (``key = word.isdigit()``) keeps the first item that passes and the first that does
    not: such a key is refused while drafting, so no run adds a bool to its ``seen`` set."""
    logged: list = []
    for depth in DEPTHS:
        for r in drafts_of("dedupe", depth):
            tree = ast.fix_missing_locations(_LogKeys().visit(ast.parse(r.source)))
            space = {"_log": lambda key: logged.append((r.source, key)) or key}
            exec(compile(tree, "<dedupe>", "exec"), space)  # noqa: S102 -- execgym's own generated program
            for args, _ in r.ok:
                space["entry"](*args)
    assert len(logged) >= 100
    assert not [source for source, key in logged if isinstance(key, bool)][:1]
