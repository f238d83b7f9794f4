"""map: transform every item with the focus operation, keeping the order (optionally sorted by a key).

At depth 2 the guard chooses between the focus value and a fallback, names what it tests (walrus), or skips
the item (``continue``); a rejected word is now and then kept only when it spells a number (``try: int(w)``
``except ValueError: pass``); a focus that raises on some items skips them (``except IndexError: pass``); the
result is now and then sorted with a ``lambda`` key."""

from __future__ import annotations

from execgym.synth.patterns.base import (
    Draft,
    as_text,
    emit_focus,
    forgiving,
    int_or_skip,
    item_guard,
    kept_if,
    negate,
    spells_numbers,
    walrus_test,
)
from execgym.synth.patterns.cap import capped, per_item_limit
from execgym.synth.patterns.value import value_of

MEANING = "the focus value of every item, in order (or sorted with a lambda key)"
SLOTS = ("items", "focus value", "guard choosing between focus value and a fallback (depth >= 2)")
DEPTHS = (1, 2, 3)
KINDS = None

_TEXT_KEYS = ("(len({0}), {0})", "{0}.lower()", "{0}[-1:]")


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    out = d.name("results", "converted")
    d.emit(f"{out} = []")
    texts = False
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item, allow_errors=True)
        style = d.rng.random()
        named = walrus_test(d, fv) if depth >= 2 and style < 0.4 else None
        if depth == 1:
            fv = kept_if(d, fv, item)
            with forgiving(d, fv):
                emit_focus(d, fv)
                d.emit(f"{out}.append(({item}, {fv.expr}))")
        elif named is not None:
            test, name = named
            with d.block(f"if {test}:"), capped(d, f"len({out}) >= {per_item_limit(d)}" if depth == 3 else None):
                if depth == 3:
                    d.op("len")
                d.emit(f"{out}.append(f\"{{{item}}}={{{name}}}\")")
            with d.block("else:"):
                d.emit(f"{out}.append(str({item}))")
            texts = True
        elif depth == 2 and style > 0.75:
            with d.block(f"if {negate(item_guard(d, item, fv))}:"):
                d.emit("continue")
            with forgiving(d, fv):
                emit_focus(d, fv)
                d.emit(f"{out}.append({as_text(d, fv, item)})")
            texts = True
        else:
            guard = item_guard(d, item, fv)
            with d.block(f"if {guard}:"), capped(d, f"len({out}) >= {per_item_limit(d)}" if depth == 3 else None):
                with forgiving(d, fv):
                    emit_focus(d, fv)
                    d.emit(f"{out}.append({as_text(d, fv, item)})")
            with d.block("else:"):
                if spells_numbers(d) and d.rng.random() < 0.5:  # keep a rejected word only when it is a number
                    int_or_skip(d, lambda: d.emit(f"{out}.append(str(int({item})))"))
                else:
                    d.emit(f"{out}.append(f\"skip {{{item}}}\")" if d.rng.random() < 0.5 else
                           f"{out}.append(str({item}))")
            texts = True
    d.op("list/append")
    if depth == 1 and d.rng.random() < 0.5:
        d.emit(f"return sorted({out}, key=lambda pair: str(pair[1]))")
        d.op("sorted")
    elif texts and d.rng.random() < 0.3:
        d.emit(f"return sorted({out}, key=lambda text: {d.rand_choice(_TEXT_KEYS).format('text')})")
        d.op("sorted")
    else:
        d.emit(f"return {out}")
