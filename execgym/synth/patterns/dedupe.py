"""dedupe preserving order: keep the first item for each distinct focus value (a ``seen`` set)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "the items whose focus value was not seen before, in their first order"
SLOTS = ("items", "key: the focus value", "guard (depth 3)")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    item = d.item_name()
    seen, unique, key = d.name("seen"), d.name("unique"), d.name("key")
    d.emit(f"{seen} = set()")
    d.emit(f"{unique} = []")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        sample = next((x for x in fv.results if x is not None), None)
        if isinstance(sample, (list, set, dict)):
            if len({len(x) for x in fv.results if x is not None}) < 2:
                raise Unfit("the key would be the same for every item")
            d.emit(f"{key} = len({fv.expr})")
            d.op("len")
        else:
            try:
                hash(sample)
            except TypeError:
                raise Unfit("unhashable") from None
            d.emit(f"{key} = {fv.expr}")
        if depth == 3:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item, fv)}:")
        with d.block(f"if {key} not in {seen}:"):
            d.emit(f"{seen}.add({key})")
            d.emit(f"{unique}.append({item})")
        if depth == 3:
            d.indent -= 1
    d.op("set/add")
    d.op("list/append")
    d.emit(f"return {unique}")
