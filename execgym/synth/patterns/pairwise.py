"""pairwise comparison: compare each item's focus value with its neighbour's (zip with a shifted copy)."""

from __future__ import annotations

from execgym.synth.patterns.base import (
    Draft,
    emit_focus,
    item_guard,
    ordered,
)
from execgym.synth.patterns.value import key_pair

MEANING = "how often the focus value (as a number) rises from one item to the next"
SLOTS = ("items", "number: the focus value of each neighbour", "guard (depth 3)")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    prev, cur = d.name("before"), d.name("after")
    rises, falls = d.name("rises"), d.name("falls")
    d.emit(f"{rises} = {falls} = 0")
    with d.block(f"for {prev}, {cur} in zip({items}, {items}[1:]):"):
        d.samples = list(d.samples)
        a, b, na, nb = key_pair(d, prev, cur)
        emit_focus(d, a)
        emit_focus(d, b)
        if depth == 3:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, cur, b)}:")
        with d.block(f"if {ordered(a, na, '<', b, nb)}:"):
            d.emit(f"{rises} += 1")
        with d.block(f"elif {ordered(a, na, '>', b, nb)}:"):
            d.emit(f"{falls} += 1")
        if depth == 3:
            d.indent -= 1
    d.op("zip")
    d.emit(f"return ({rises}, {falls}, {rises} - {falls})")
