"""filter: keep the items whose focus value passes a data-dependent test.

Written the ways people filter: a comprehension, ``filter`` with a ``lambda``, a set comprehension (the
distinct items that pass), a comprehension that names what it tests (walrus); a loop that appends, skips with
``continue``, removes items from the list while iterating a copy of it, or deletes them walking backwards."""

from __future__ import annotations

from execgym.synth.patterns.base import (
    Draft,
    Unfit,
    as_test,
    emit_focus,
    independent,
    item_guard,
    negate,
    return_maybe_sorted,
    walrus_test,
)
from execgym.synth.patterns.cap import capped
from execgym.synth.patterns.value import value_of

MEANING = "the items (in order) for which a test on the focus value holds"
SLOTS = ("items", "test on the focus value", "guard on an item (depth 3)")
DEPTHS = (1, 2, 3)
KINDS = None

_HASHABLE = ("str", "int", "float", "tuple_int", "tuple_str")


def _depth1(d: Draft, items: str, item: str) -> None:
    fv = value_of(d, item)
    if fv.pre:
        raise Unfit("a statement focus cannot sit in a comprehension")
    style = d.rng.random()
    cap = max(1, len(d.samples) // 2)
    if style < 0.2 and d.item_kind in _HASHABLE:
        distinct = d.name("distinct", "kept")
        d.emit(f"{distinct} = {{{item} for {item} in {items} if {as_test(d, fv)}}}")
        with d.block(f"if len({distinct}) > {cap}:"):
            d.emit(f"return sorted({distinct})[:{cap}]")
        d.op("len")
        d.op("sorted")
        d.emit(f"return sorted({distinct})")
        return
    named = walrus_test(d, fv) if style < 0.4 else None
    kept = d.name("kept", "selected")
    if named is not None:
        test, name = named
        kept = d.name("sizes" if name.startswith("size") else "amounts", "kept_values")
        d.emit(f"{kept} = [{name} for {item} in {items} if {test}]")
    elif style < 0.65:
        d.emit(f"{kept} = list(filter(lambda {item}: {as_test(d, fv)}, {items}))")
        d.op("filter")
    else:
        d.emit(f"{kept} = [{item} for {item} in {items} if {as_test(d, fv)}]")
    with d.block(f"if len({kept}) > {cap}:"):
        d.emit(f"return {kept}[::-1]")
    d.op("len")
    d.emit(f"return {kept}")


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    if depth == 1:
        _depth1(d, items, item)
        return
    style = d.rng.random()
    if depth == 3:
        d.probe_samples = 1
    if style < 0.45:  # remove from the list itself: iterate a copy, or walk backwards and delete
        backwards = d.rng.random() < 0.25
        if backwards:
            pos = d.name("i", "pos")
            header = f"for {pos} in range(len({items}) - 1, -1, -1):"
            d.op("range")
        else:
            header = f"for {item} in {d.rand_choice((f'{items}[:]', f'list({items})', f'{items}.copy()'))}:"
        with d.block(header):
            if backwards:
                d.emit(f"{item} = {items}[{pos}]")
            fv = value_of(d, item)
            drop = f"del {items}[{pos}]" if backwards else f"{items}.remove({item})"
            if depth == 3:
                d.indent += 1
                d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item)}:")
            emit_focus(d, fv)
            test = as_test(d, fv)
            if depth == 3 and not independent(d):
                raise Unfit("the guard decides the test")
            with d.block(f"if {test if d.rng.random() < 0.5 else negate(test)}:"):
                d.emit(drop)
            if depth == 3:
                d.indent -= 1
        d.op("del" if backwards else "list/remove")
        d.emit(f"return {items}")
        return
    kept = d.name("kept", "selected")
    d.emit(f"{kept} = []")
    skip = style > 0.7
    with d.block(f"for {item} in {items}:"):
        if depth == 3 and skip:
            limit = d.limit(1, 4)
            with d.block(f"if {negate(item_guard(d, item))}:"):
                d.emit("continue")
            fv = value_of(d, item)
            emit_focus(d, fv)
            test = as_test(d, fv)
            if not independent(d):
                raise Unfit("the guard decides the test")
            with d.block(f"if {test}:"), capped(d, f"len({kept}) >= {limit}"):
                d.emit(f"{kept}.append({item})")
            d.op("len")
        elif depth == 3:
            fv = value_of(d, item)
            guard = item_guard(d, item)
            test = as_test(d, fv)
            if not independent(d):
                raise Unfit("the guard decides the test")
            with d.block(f"if {guard}:"):
                emit_focus(d, fv)
                with d.block(f"if {test}:"):
                    d.emit(f"{kept}.append({item})")
        elif skip:
            fv = value_of(d, item)
            emit_focus(d, fv)
            with d.block(f"if {negate(as_test(d, fv))}:"):
                d.emit("continue")
            d.emit(f"{kept}.append({item})")
        else:
            fv = value_of(d, item)
            emit_focus(d, fv)
            with d.block(f"if {as_test(d, fv)}:"):
                d.emit(f"{kept}.append({item})")
    d.op("list/append")
    return_maybe_sorted(d, kept, item, 0.35)
