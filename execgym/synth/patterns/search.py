"""search with early exit: the first item whose focus value passes a test (for-else when none does)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, as_test, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "the position of the first item whose focus value passes a test, -1 when none does"
SLOTS = ("items", "test on the focus value", "guard on an item (depth 3)")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    index = d.name("index", "position")
    found = d.name("found", "first")
    style = d.rng.random()
    with d.block(f"for {index}, {item} in enumerate({items}):"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        test = as_test(d, fv)
        if depth == 3:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item)}:")
        with d.block(f"if {test}:"):
            if style < 0.5:
                d.emit(f"{found} = {index}")
                d.emit("break")
            else:
                d.emit(f"return {index}")
        if depth == 3:
            d.indent -= 1
    if style < 0.5:
        with d.block("else:"):
            d.emit(f"{found} = -1")
        d.emit(f"return {found}")
    else:
        d.names.discard(found)
        d.emit("return -1")
    d.op("enumerate")
