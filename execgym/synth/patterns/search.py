"""search with early exit: the first item whose focus value passes a test (for-else or while-else when none
does). The test holds for few items (a high threshold), so some inputs find nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from execgym.synth.patterns.base import Draft, emit_focus, item_guard, rare_test
from execgym.synth.patterns.value import value_of

MEANING = "the position of the first item whose focus value passes a test, -1 when none does"
SLOTS = ("items", "test on the focus value", "guard on an item (depth 3)")
DEPTHS = (2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    d.probe_samples = 1
    item = d.item_name()
    index = d.name("index", "position")
    style = d.rng.random()
    if style < 0.25:
        _while(d, depth, items, item, index)
        return
    found = d.name("found", "first")
    with d.block(f"for {index}, {item} in enumerate({items}):"), _on_hit(d, item, depth):
        if style < 0.7:
            d.emit(f"{found} = {index}")
            d.emit("break")
        else:
            d.emit(f"return {index}")
    if style < 0.7:
        with d.block("else:"):
            d.emit(f"{found} = -1")
        d.emit(f"return {found}")
    else:
        d.names.discard(found)
        d.emit("return -1")
    d.op("enumerate")


@contextlib.contextmanager
def _on_hit(d: Draft, item: str, depth: int) -> Iterator[None]:
    """The item's focus value, then the block under ``if <rare test>:`` (inside ``if <item guard>:`` at depth 3)."""
    fv = value_of(d, item)
    emit_focus(d, fv)
    guard = item_guard(d, item) if depth == 3 else ""
    test = rare_test(d, fv, depth == 3)
    if depth == 3:
        d.indent += 1
        d.lines.append("    " * (d.indent - 1) + f"if {guard}:")
    with d.block(f"if {test}:"):
        yield
    if depth == 3:
        d.indent -= 1


def _while(d: Draft, depth: int, items: str, item: str, index: str) -> None:
    d.emit(f"{index} = 0")
    with d.block(f"while {index} < len({items}):"):
        d.emit(f"{item} = {items}[{index}]")
        with _on_hit(d, item, depth):
            d.emit("break")
        d.emit(f"{index} += 1")
    with d.block("else:"):
        d.emit(f"{index} = -1")
    d.op("len")
    d.emit(f"return {index}")
