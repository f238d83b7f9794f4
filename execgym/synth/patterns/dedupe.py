"""dedupe preserving order: keep the first item for each distinct focus value (a ``seen`` set); a focus that is a
test instead decides which items take part (the distinct items that pass it, in first order: ``if w.isupper()
and w not in seen:``; lists are remembered as tuples, sets as frozensets).

The key is computed in the loop, named inside the test (``if (key := w.lower()) not in seen:``), or computed
for every item first with a list comprehension and walked with ``zip``; at depth 3 the guard now and then skips
the item (``continue``) and the loop stops at a limit; the result is now and then sorted with a ``lambda`` key. At depth 2 the walk now and then stops at the first
item whose key repeats (``break``), the loop's ``else`` saying none did."""

from __future__ import annotations

import ast

from execgym import astparse
from execgym.synth.patterns.base import (
    Draft,
    Unfit,
    bare,
    emit_focus,
    groups_alike,
    item_guard,
    length_key,
    negate,
    return_maybe_sorted,
)
from execgym.synth.patterns.value import value_of

MEANING = ("the items whose focus value was not seen before, in their first order (a test as the focus: the distinct "
           "items that pass it)")
SLOTS = ("items", "key: the focus value, or the item when the focus is a test", "guard (depth 3)")
# how a distinct item is remembered in ``seen`` when the focus is a test (None: the item kind cannot be)
_ITEM_KEY = {"str": "{0}", "int": "{0}", "float": "{0}", "tuple_int": "{0}", "tuple_str": "{0}",
             "list_int": "tuple({0})", "list_str": "tuple({0})", "set_int": "frozenset({0})",
             "set_str": "frozenset({0})"}
DEPTHS = (2, 3)
KINDS = None


def _key(d: Draft, fv) -> str:
    """The key expression: the focus value, or its length for a container; Unfit when the keys group the
    sampled items as the items themselves (or their lengths) would (``groups_alike``: ``w * 3``), or when the
    focus value is a truth value (a dedupe by it keeps two items at most)."""
    sample = next((x for x in fv.results if x is not None), None)
    if isinstance(sample, bool):  # ``if (key := 'a' in w) not in seen``: the first True and the first False
        raise Unfit("a key that is True or False keeps two items at most")
    if isinstance(sample, (list, set, dict)):
        expr = length_key(d, fv)
        keys = [None if x is None else len(x) for x in fv.results]

        def own(item):
            return len(item) if hasattr(item, "__len__") else None
    else:
        try:
            hash(sample)
        except TypeError:
            raise Unfit("unhashable") from None
        expr, keys = fv.expr, fv.results

        def own(item):
            return item
    if groups_alike(d, keys, own):
        raise Unfit("the keys group the items as the items themselves do")
    return expr


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    item = d.item_name()
    seen, unique, key = d.name("seen"), d.name("unique"), d.name("key")
    first_repeat = depth == 2 and d.rng.random() < 0.4
    if first_repeat:
        d.probe_samples = 1
    fv = value_of(d, item)
    if isinstance(next((x for x in fv.results if x is not None), None), bool):
        _passing(d, fv, depth, items, item, seen, unique, key)
        return
    expr = _key(d, fv)
    if first_repeat and _first_repeat(d, fv, items, item, seen, unique, key, expr):
        return
    style = d.rng.random()
    keys = d.name("keys") if not fv.pre and style < 0.3 else ""
    named = not fv.pre and not keys and style < 0.8
    skip = depth == 3 and d.rng.random() < 0.4
    if keys:
        d.emit(f"{keys} = [{expr} for {item} in {items}]")
    d.emit(f"{seen} = set()")
    d.emit(f"{unique} = []")
    limit = d.limit(1, 5) if skip else ""
    with d.block(f"for {item}, {key} in zip({items}, {keys}):" if keys else f"for {item} in {items}:"):
        if keys:
            d.op("zip")
        if skip:
            with d.block(f"if {negate(item_guard(d, item, None if keys else fv))}:"):
                d.emit("continue")
        emit_focus(d, fv)
        if not keys and not named:
            d.emit(f"{key} = {expr}")
        if depth == 3 and not skip:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item, None if keys else fv)}:")
        with d.block(f"if ({key} := {expr}) not in {seen}:" if named else f"if {key} not in {seen}:"):
            d.emit(f"{seen}.add({key})")
            d.emit(f"{unique}.append({item})")
            if skip:
                with d.block(f"if len({unique}) == {limit}:"):
                    d.emit("break")
                d.op("len")
        if depth == 3 and not skip:
            d.indent -= 1
    d.op("set/add")
    d.op("list/append")
    return_maybe_sorted(d, unique, item, 0.25)


def _first_repeat(d: Draft, fv, items: str, item: str, seen: str, unique: str, key: str, expr: str) -> bool:
    """The items up to the first whose key was seen before, and that item (``None`` from the loop's ``else``
    when no key repeats); False (nothing written) when the keys would repeat in every input, or in none."""
    keys = [(len(x) if expr.startswith("len(") else x) if x is not None else None for x in fv.results]
    chunks, k = [], 0
    for size in (5, 8, 6, 9, 7, 10, 5, 8, 6):  # inputs of the lengths the pool draws
        if k + size > len(d.samples):
            break
        chunks.append(keys[k:k + size])
        k += size
    repeats = {len(set(map(repr, chunk))) < len(chunk) for chunk in chunks}
    if len(repeats) < 2:
        return False
    repeat = d.name("repeat", "again")
    d.emit(f"{seen} = set()")
    d.emit(f"{unique} = []")
    with d.block(f"for {item} in {items}:"):
        emit_focus(d, fv)
        d.emit(f"{key} = {expr}")
        with d.block(f"if {key} in {seen}:"):
            d.emit(f"{repeat} = {item}")
            d.emit("break")
        d.emit(f"{seen}.add({key})")
        d.emit(f"{unique}.append({item})")
    with d.block("else:"):
        d.emit(f"{repeat} = None")
    d.op("set/add")
    d.op("list/append")
    d.emit(f"return ({unique}, {repeat})")
    return True


def _passing(d: Draft, fv, depth: int, items: str, item: str, seen: str, unique: str, key: str) -> None:
    """A test as the focus: the distinct items that pass it, in their first order (``if w.isupper() and w not in
    seen:``; at depth 3 the two tests nested, the focus's outside). Unfit for items that cannot be remembered
    (dicts), a focus with statements, or a test that every sampled item passes, or none."""
    template = _ITEM_KEY.get(d.item_kind)
    if template is None or fv.pre:
        raise Unfit("the items cannot be remembered in a set")
    if len({x for x in fv.results if x is not None}) < 2:
        raise Unfit("the test holds for every sampled item, or for none")
    remembered = template.format(item)
    d.emit(f"{seen} = set()")
    d.emit(f"{unique} = []")
    with d.block(f"for {item} in {items}:"):
        if remembered != item:
            d.emit(f"{key} = {remembered}")
        held = key if remembered != item else item
        if depth == 2:
            test = f"{_and_operand(fv.expr)} and {held} not in {seen}"
        else:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {bare(fv.expr)}:")
            test = f"{held} not in {seen}"
        with d.block(f"if {test}:"):
            d.emit(f"{seen}.add({held})")
            d.emit(f"{unique}.append({item})")
        if depth == 3:
            d.indent -= 1
    d.op("set/add")
    d.op("list/append")
    return_maybe_sorted(d, unique, item, 0.25)


def _and_operand(test: str) -> str:
    """``test`` as the left operand of ``and``: without parentheses unless it needs them (an ``or``)."""
    inner = bare(test)
    node = astparse.parse(inner, mode="eval").body
    needs = isinstance(node, (ast.IfExp, ast.NamedExpr, ast.Lambda)) or \
        (isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or))
    return f"({inner})" if needs else inner
