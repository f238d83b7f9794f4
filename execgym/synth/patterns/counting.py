"""count: how many items pass a test on their focus value."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, as_test, emit_focus
from execgym.synth.patterns.value import value_of

MEANING = "the number of items whose focus value passes a data-dependent test"
SLOTS = ("items", "test on the focus value", "guard on an item (depth 3)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    count = d.name("count", "matches")
    d.emit(f"{count} = 0")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        test = as_test(d, fv)
        if depth == 1:
            d.emit(f"{count} += 1 if {test} else 0")
        elif depth == 2:
            with d.block(f"if {test}:"):
                d.emit(f"{count} += 1")
        else:
            limit = d.limit(0, 4)
            with d.block(f"if {test}:"):
                d.emit(f"{count} += 1")
                with d.block(f"if {count} == {limit}:"):
                    d.emit("break")
    d.op("int/+")
    d.emit(f"return {count}")
