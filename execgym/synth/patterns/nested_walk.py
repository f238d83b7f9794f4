"""nested data walk: rows of items, a total per row of the items' focus values (as numbers).

At depth 2 a row's numbers are now and then gathered with a list comprehension (their total) or a set
comprehension (how many distinct values); at depth 3 the inner loop now and then stops at the first item that
passes a test, its ``else`` counting the rows where none does. The totals are now and then ranked with a
``lambda`` key."""

from __future__ import annotations

import random

from execgym.synth.patterns.base import (
    Draft,
    as_number,
    as_test,
    draw_item,
    emit_focus,
    groups_alike,
    own_number,
)
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
    fv = value_of(d, item)
    style = d.rng.random()
    if depth == 2 and not fv.pre and style < 0.5:
        number, numbers = as_number(d, fv)
        values = d.name("values", "amounts")
        # how many distinct values, unless they group the items as the items themselves would (``int(flag)``)
        distinct = style < 0.2 and not groups_alike(d, numbers, own_number(fv))
        with d.block(f"for {r_index}, {row} in enumerate({grid}):"):
            if distinct:
                d.emit(f"{values} = {{{number} for {item} in {row}}}")
            else:
                d.emit(f"{values} = [{number} for {item} in {row}]")
            with d.block(f"if {values}:"):
                d.emit(f"{totals}[{r_index}] = {'len' if distinct else 'sum'}({values})")
        d.op("len" if distinct else "sum")
    elif depth == 3 and style < 0.4:
        misses = d.name("misses", "empty_rows")
        first = d.name("firsts", "first_hits")
        d.lines[d.lines.index(f"    {totals} = {{}}")] = f"    {first} = {{}}"
        totals = first
        d.emit(f"{misses} = 0")
        with d.block(f"for {r_index}, {row} in enumerate({grid}):"):
            with d.block(f"for {item} in {row}:"):
                emit_focus(d, fv)
                with d.block(f"if {as_test(d, fv)}:"):
                    d.emit(f"{totals}[{r_index}] = {item}")
                    d.emit("break")
            with d.block("else:"):
                d.emit(f"{misses} += 1")
        d.op("enumerate")
        d.emit(f"return ({totals}, {misses})")
        return
    else:
        with d.block(f"for {r_index}, {row} in enumerate({grid}):"):
            with d.block(f"for {item} in {row}:"):
                emit_focus(d, fv)
                if depth == 3:
                    with d.block(f"if {as_test(d, fv)}:"):
                        d.emit(f"{totals}[{r_index}] = {totals}.get({r_index}, 0) + 1")
                else:
                    number, _ = as_number(d, fv)
                    d.emit(f"{totals}[{r_index}] = {totals}.get({r_index}, 0) + {number}")
        d.op("dict/get")
    d.op("enumerate")
    if d.rng.random() < 0.25:
        d.emit(f"return sorted({totals}, key=lambda {r_index}: {totals}[{r_index}], reverse=True)")
        d.op("sorted")
    else:
        d.emit(f"return {totals}")
