"""parse and convert: ``int()`` of each piece in a try block; what does not parse is handled by except."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, as_number, as_text, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "numbers parsed from the items' focus values (text), the rest counted as failures"
SLOTS = ("items", "text to parse: the focus value", "guard (depth >= 2)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    numbers, failed = d.name("numbers"), d.name("failed")
    d.emit(f"{numbers} = []")
    d.emit(f"{failed} = 0")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item, allow_errors=True)
        sample = next((x for x in fv.results if x is not None), None)
        inner = lambda: _attempt(d, fv, sample, item, numbers, failed)  # noqa: E731
        if depth == 1:
            inner()
        else:
            with d.block(f"if {item_guard(d, item)}:"):
                if depth == 3:
                    with d.block(f"if len({numbers}) >= {d.rng.randint(2, 4)}:"):
                        d.emit("break")
                inner()
    d.op("list/append")
    d.emit(f"return ({numbers}, {failed})")


def _attempt(d: Draft, fv, sample, item: str, numbers: str, failed: str) -> None:
    with d.block("try:"):
        emit_focus(d, fv)
        if isinstance(sample, str) and not fv.error:
            d.emit(f"{numbers}.append(int({fv.expr}))")
            d.op("int()")
        elif fv.error:
            number, _ = as_number(d, fv)
            d.emit(f"{numbers}.append({number})")
        elif isinstance(sample, (int, float)) and not isinstance(sample, bool):
            d.emit(f"{numbers}.append(int({as_text(d, fv, '')}))")
        else:
            raise Unfit("nothing to parse")
    with d.block(f"except {fv.error or 'ValueError'}:"):
        d.emit(f"{failed} += 1")
