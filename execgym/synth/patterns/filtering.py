"""filter: keep the items whose focus value passes a data-dependent test."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, as_test, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "the items (in order) for which a test on the focus value holds"
SLOTS = ("items", "test on the focus value", "guard on an item (depth 3)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    kept = d.name("kept", "selected")
    if depth == 1:
        fv = value_of(d, item)
        if fv.pre:
            from execgym.synth.patterns.base import Unfit
            raise Unfit("a statement focus cannot sit in a comprehension")
        d.emit(f"{kept} = [{item} for {item} in {items} if {as_test(d, fv)}]")
        with d.block(f"if len({kept}) > {max(1, len(d.samples) // 2)}:"):
            d.emit(f"return {kept}[::-1]")
        d.op("len")
        d.emit(f"return {kept}")
        return
    d.emit(f"{kept} = []")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        if depth == 3:
            with d.block(f"if {item_guard(d, item)}:"):
                emit_focus(d, fv)
                with d.block(f"if {as_test(d, fv)}:"):
                    d.emit(f"{kept}.append({item})")
        else:
            emit_focus(d, fv)
            with d.block(f"if {as_test(d, fv)}:"):
                d.emit(f"{kept}.append({item})")
    d.op("list/append")
    d.emit(f"return {kept}")
