"""merge: interleave two lists by their items' focus values (as numbers), smaller first, then the rest."""

from __future__ import annotations

from execgym.synth.patterns.base import (
    ITEM_NAMES,
    Draft,
    draw_item,
    emit_focus,
    ordered,
)
from execgym.synth.patterns.value import key_pair

MEANING = "the two lists merged, taking from the side whose focus value is smaller"
SLOTS = ("left items", "right items", "number: the focus value of each front item")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    first = d.items_param(2, 5)
    kind, keys = d.item_kind, d.keys
    plural = ITEM_NAMES[kind][0]
    second = d.param(f"more_{plural}", lambda r: [draw_item(kind, r, keys) for _ in range(r.randint(1, 5))])
    merged, i, j = d.name("merged"), d.name("i"), d.name("j")
    a_item, b_item = d.name("ahead"), d.name("behind")
    d.emit(f"{merged} = []")
    d.emit(f"{i} = {j} = 0")
    with d.block(f"while {i} < len({first}) and {j} < len({second}):"):
        d.emit(f"{a_item}, {b_item} = {first}[{i}], {second}[{j}]")
        a, b, na, nb = key_pair(d, a_item, b_item)
        emit_focus(d, a)
        emit_focus(d, b)
        with d.block(f"if {ordered(a, na, '<=', b, nb)}:"):
            d.emit(f"{merged}.append({a_item})")
            d.emit(f"{i} += 1")
        with d.block("else:"):
            d.emit(f"{merged}.append({b_item})")
            d.emit(f"{j} += 1")
            if depth == 3:
                with d.block(f"if len({merged}) >= {d.limit(1, 6)}:"):
                    d.emit("break")
    d.emit(f"return {merged} + {first}[{i}:] + {second}[{j}:]")
    d.op("list/append")
    d.op("list/+")
