"""sliding window: the best sum, over windows of a fixed size, of the items' focus values (as numbers).

The numbers are gathered with a loop or a list comprehension; now and then the function asserts the
precondition on ``size`` that every caller meets (``assert size >= 1``)."""

from __future__ import annotations

import math

from execgym.synth.patterns.base import Draft, Unfit, as_number, emit_focus
from execgym.synth.patterns.value import value_of

MEANING = "the start and sum of the window of `size` neighbouring items with the largest focus-value total"
SLOTS = ("items", "window size", "number: the focus value of an item")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    size = d.param("size", lambda r: r.randint(1, 3))
    if d.rng.random() < 0.25:
        d.precondition(f"{size} >= 1" if d.rng.random() < 0.5 else f"{size} > 0")
    item = d.item_name()
    scores = d.name("scores")
    fv = value_of(d, item)
    number, numbers = as_number(d, fv)
    if number == fv.expr and isinstance(next((x for x in fv.results if x is not None), None), bool):
        raise Unfit("bool window")
    if not fv.pre and d.rng.random() < 0.6:
        d.emit(f"{scores} = [{number} for {item} in {items}]")
    else:
        d.emit(f"{scores} = []")
        with d.block(f"for {item} in {items}:"):
            emit_focus(d, fv)
            d.emit(f"{scores}.append({number})")
        d.op("list/append")
    best, start = d.name("best"), d.name("start")
    pos, window = d.name("pos"), d.name("window")
    d.emit(f"{best}, {start} = None, -1")
    with d.block(f"for {pos} in range(len({scores}) - {size} + 1):"):
        d.emit(f"{window} = sum({scores}[{pos}:{pos} + {size}])")
        with d.block(f"if {best} is None or {window} > {best}:"):
            d.emit(f"{best}, {start} = {window}, {pos}")
            if depth == 3:
                # ``enough`` up to the best total of three sampled values: some inputs reach it, others do not
                values = sorted(x for x in numbers if isinstance(x, (int, float)) and math.isfinite(x))
                top = max(1, int(sum(values[-3:])))
                with d.block(f"if {window} >= {d.limit(0, top, 'enough')}:"):
                    d.emit("break")
    d.op("sum")
    d.emit(f"return ({start}, {best})")
