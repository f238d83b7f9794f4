"""nested data walk: rows of items, a total per row of the items' focus values (as numbers)."""

from __future__ import annotations

import random

from execgym.synth.patterns.base import Draft, as_number, as_test, draw_item, emit_focus
from execgym.synth.patterns.value import value_of

MEANING = "for each row (a list of items), the total of its items' focus values, over the rows that have any"
SLOTS = ("rows of items", "number or test: the focus value of an item")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    kind, keys = d.item_kind, d.keys

    def draw(r: random.Random) -> list:
        return [[draw_item(kind, r, keys) for _ in range(r.randint(0, 3))] for _ in range(r.randint(2, 4))]

    grid = d.param("grid", draw)
    d.samples = [x for row in draw(random.Random(d.rng.random())) for x in row] or [draw_item(kind, d.rng, keys)]
    row, item = d.name("row"), d.item_name()
    totals = d.name("totals")
    d.emit(f"{totals} = {{}}")
    r_index = d.name("position", "line")
    with d.block(f"for {r_index}, {row} in enumerate({grid}):"):
        with d.block(f"for {item} in {row}:"):
            fv = value_of(d, item)
            emit_focus(d, fv)
            if depth == 3:
                with d.block(f"if {as_test(d, fv)}:"):
                    d.emit(f"{totals}[{r_index}] = {totals}.get({r_index}, 0) + 1")
            else:
                number, _ = as_number(d, fv)
                d.emit(f"{totals}[{r_index}] = {totals}.get({r_index}, 0) + {number}")
    d.op("dict/get")
    d.op("enumerate")
    d.emit(f"return {totals}")
