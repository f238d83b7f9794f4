"""recurse (execgym.synth.patterns.recurse): the items walked by recursion on the rest, no items the base case."""

from __future__ import annotations

import ast

import pytest

from execgym.synth.patterns import module

DEPTHS = module("recurse").DEPTHS


def _self_calls(r) -> list[ast.Call]:
    name = r.entry.name
    return [n for n in ast.walk(r.entry) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == name]


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_function_calls_itself_on_the_rest_with_its_other_arguments(drafts_of, depth):
    drafts = drafts_of("recurse", depth)
    assert len(drafts) >= 10
    for r in drafts:
        (call,) = _self_calls(r)
        params = [a.arg for a in r.entry.args.args]
        assert ast.unparse(call.args[0]) == f"{params[0]}[1:]", r.source
        assert [ast.unparse(a) for a in call.args[1:]] == params[1:], r.source
        first = r.entry.body[next(i for i, s in enumerate(r.entry.body) if isinstance(s, ast.If))]
        assert ast.unparse(first.test) == f"not {params[0]}" and isinstance(first.body[0], ast.Return), r.source


@pytest.mark.parametrize("depth", DEPTHS)
def test_no_items_is_the_base_case_and_a_list_has_one_value_per_item(drafts_of, depth):
    lists = totals = 0
    for r in drafts_of("recurse", depth):
        space: dict = {}
        exec(compile(r.source, "<recurse>", "exec"), space)  # noqa: S102 -- execgym's own generated program
        function = space[r.entry.name]
        others = [args[1:] for args, _ in r.ok][:1]
        if others:
            empty = function([], *others[0])
            assert empty in ([], 0), r.source
        for args, got in r.ok:
            if isinstance(got, list):
                assert len(got) == len(args[0]), (r.source, args, got)
                lists += 1
            else:
                assert type(got) in (int, float), (r.source, args, got)
                totals += 1
    assert lists and totals


def test_recursion_is_a_construct_the_report_finds_at_level_3():
    from execgym.synth.api import generate_many, item_seed
    from execgym.synth.quality import static_quality

    programs = generate_many(3, [item_seed(0, 3, i) for i in range(120)], keep_traces=False)
    recursive = [p for p in programs if p.constraints.get("pattern") == "recurse"]
    assert recursive and all("recursion" in static_quality(p.source).constructs for p in recursive)
    assert len(recursive) < len(programs) / 5  # a loop stays the common way to walk the items
