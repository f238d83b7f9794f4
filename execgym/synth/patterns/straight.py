"""straight-line (levels 1-2): no statements of control flow; the focus applied along a comprehension."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, as_text
from execgym.synth.patterns.value import value_of

MEANING = "the focus value of every item, collected by a comprehension (level 2 adds an operation on it)"
SLOTS = ("items", "focus value")
DEPTHS = (0,)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(2, 6)
    item = d.item_name()
    fv = value_of(d, item)
    if fv.pre:
        raise Unfit("statement focus")
    if d.level == 1:
        d.emit(f"return [{fv.expr} for {item} in {items}]")
        return
    shape = d.rng.random()
    if shape < 0.4:
        d.emit(f"return {{{item}: {fv.expr} for {item} in {items}}}" if d.item_kind in ("str", "int", "float")
               else f"return [{fv.expr} for {item} in {items}][::-1]")
        d.op("list/[::-1]" if d.item_kind not in ("str", "int", "float") else "dict/comprehension")
    elif shape < 0.7:
        d.emit(f"return ' / '.join([{as_text(d, fv, item)} for {item} in {items}])")
        d.op("str/join")
    else:
        first = d.name("first")
        d.emit(f"{first}, *rest = [{fv.expr} for {item} in {items}]")
        d.emit(f"return ({first}, len(rest))")
        d.op("len")
