"""two pointers: walk in from both ends, moving the side whose focus value is smaller."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, emit_focus, ordered
from execgym.synth.patterns.value import key_pair

MEANING = "pair up items from both ends by their focus value (as a number), counting and swapping"
SLOTS = ("items", "number: the focus value at each end")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    order = d.name("order")
    left, right = d.name("left"), d.name("right")
    d.emit(f"{order} = list({items})")
    d.emit(f"{left}, {right} = 0, len({order}) - 1")
    moves = d.name("moves")
    d.emit(f"{moves} = 0")
    a_item, b_item = d.name("low_item"), d.name("high_item")
    with d.block(f"while {left} < {right}:"):
        d.emit(f"{a_item}, {b_item} = {order}[{left}], {order}[{right}]")
        a, b, na, nb = key_pair(d, a_item, b_item)
        emit_focus(d, a)
        emit_focus(d, b)
        with d.block(f"if {ordered(a, na, '>', b, nb)}:"):
            d.emit(f"{order}[{left}], {order}[{right}] = {order}[{right}], {order}[{left}]")
            if depth == 3:
                with d.block(f"if {moves} == {d.limit(0, 3)}:"):
                    d.emit("break")
            d.emit(f"{moves} += 1")
        d.emit(f"{left} += 1")
        d.emit(f"{right} -= 1")
    d.op("list/list")
    d.op("len")
    d.emit(f"return ({moves}, {order})")
