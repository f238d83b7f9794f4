"""parse and convert: ``int()`` in a try block, the focus value (as a number) where the text does not parse;
or, when the focus itself raises on some items (``index`` of a missing part), the focus in the try block, the items it raises on counted or skipped (``except IndexError: pass``)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, as_number, emit_focus, item_guard, parses_as_int
from execgym.synth.patterns.cap import capped
from execgym.synth.patterns.value import value_of

MEANING = "a number per item: the item parsed with int(), else its focus value (or -1 where the focus raises)"
SLOTS = ("items", "fallback number: the focus value", "guard (depth >= 2)")
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
        if d.item_kind != "str" and not fv.error:
            raise Unfit("nothing to parse")
        inner = lambda: _attempt(d, fv, item, numbers, failed)  # noqa: E731
        if depth == 1:
            inner()
        else:
            # the guard lets through words that parse and words that do not (``word.isalpha()`` would make
            # ``int(word)`` raise every time); with ``fv.error`` the try holds the focus instead
            split = None if fv.error else parses_as_int
            with d.block(f"if {item_guard(d, item, fv, split)}:"), \
                    capped(d, f"len({numbers}) >= {d.limit(1, 4)}" if depth == 3 else None):
                inner()
    d.op("list/append")
    if f"{failed} += 1" in "\n".join(d.lines):
        d.emit(f"return ({numbers}, {failed})")
    else:  # the items that fail were skipped (``pass``): no count of them
        d.lines.remove(f"    {failed} = 0")
        d.emit(f"return {numbers}")


def _attempt(d: Draft, fv, item: str, numbers: str, failed: str) -> None:
    value = d.name("value")
    number, _ = as_number(d, fv)
    if fv.error and d.rng.random() < 0.4:  # skip the items the focus raises on
        with d.block("try:"):
            emit_focus(d, fv)
            d.emit(f"{numbers}.append({number})")
        with d.block(f"except {fv.error}:"):
            d.emit("pass")
        return
    with d.block("try:"):
        if fv.error:
            _assign(d, fv, value, number)
        else:
            d.emit(f"{value} = int({item})")
            d.op("int()")
    with d.block(f"except {fv.error or 'ValueError'}:"):
        d.emit(f"{failed} += 1")
        if fv.error:
            d.emit(f"{value} = -1")
        else:
            _assign(d, fv, value, number)
    d.emit(f"{numbers}.append({value})")


def _assign(d: Draft, fv, value: str, number: str) -> None:
    """``value = number`` after the focus's statements; when ``number`` is the name the last of them assigns
    (``removed = work.pop(1)``), that statement assigns ``value`` itself (no ``value = removed`` alias)."""
    last = fv.pre[-1] if fv.pre else ""
    if number.isidentifier() and last.startswith(f"{number} = ") and number not in last[len(number) + 3:]:
        for stmt in fv.pre[:-1]:
            d.emit(stmt)
        d.emit(f"{value} = {last[len(number) + 3:]}")
        return
    emit_focus(d, fv)
    d.emit(f"{value} = {number}")
