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


def _remembered(x):
    return tuple(x) if isinstance(x, list) else frozenset(x) if isinstance(x, set) else x


def test_a_test_as_the_focus_keeps_the_distinct_items_that_pass_it(drafts_of):
    """A focus that is a test decides which items take part (``if w.isupper() and w not in seen:``): each kept
    item once, in first order (lists remembered as tuples, sets as frozensets), and on some inputs the test
    leaves out distinct items that a plain dedupe would keep."""
    gated = filtered = 0
    for depth in DEPTHS:
        for r in drafts_of("dedupe", depth, count=60):
            loop = next(n for n in ast.walk(r.entry) if isinstance(n, ast.For))
            adds = [c.args[0] for c in ast.walk(r.entry) if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute) and c.func.attr == "add"]
            if not isinstance(loop.target, ast.Name) or not adds or not isinstance(adds[0], ast.Name):
                continue
            item, held = loop.target.id, adds[0].id
            whole = {f"tuple({item})", f"frozenset({item})"}
            if held != item and not any(isinstance(n, ast.Assign) and ast.unparse(n.value) in whole
                                        for n in ast.walk(r.entry)):
                continue  # a key computed from the focus: the plain dedupe
            gated += 1
            if "sorted(" in r.source:
                continue
            for args, got in r.ok:
                keys = [_remembered(x) for x in got]
                distinct = list(dict.fromkeys(_remembered(x) for x in args[0]))
                assert len(set(keys)) == len(keys) and all(k in distinct for k in keys), (r.source, args, got)
                assert keys == [k for k in distinct if k in keys], (r.source, args, got)  # first order
                filtered += len(keys) < len(distinct)
    assert gated >= 5 and filtered >= 5, (gated, filtered)
