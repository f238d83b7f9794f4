"""accumulate: fold the items into one number (a running total, optionally squared or guarded)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, as_number, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "sum a number derived from each item (the focus value, or its length / truth)"
SLOTS = ("items", "number of an item (focus)", "guard on an item (depth >= 2)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    total = d.name("total", "score")
    d.emit(f"{total} = 0")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        number, _ = as_number(d, fv)
        power = d.rng.random() < 0.25 and not number.startswith("(1 if")
        amount = f"{number} ** 2" if power else number
        if depth == 1:
            emit_focus(d, fv)
            d.emit(f"{total} += {amount}")
            d.op("int/+")
        else:
            with d.block(f"if {item_guard(d, item, fv)}:"):
                if depth == 3:
                    _, numbers = as_number(d, fv)
                    top = max(2, int(sum(abs(x) for x in numbers if isinstance(x, (int, float)))))
                    with d.block(f"if {total} < {d.limit(0, top)}:"):
                        emit_focus(d, fv)
                        d.emit(f"{total} += {amount}")
                    with d.block("else:"):
                        d.emit(f"{total} -= 1")
                else:
                    emit_focus(d, fv)
                    d.emit(f"{total} += {amount}")
            with d.block("else:"):
                d.emit(f"{total} -= 1")
            d.op("int/+")
    d.emit(f"return {total}")
