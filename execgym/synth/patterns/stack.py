"""stack: push items whose focus value passes a test, pop on the others (``del`` or ``pop``; now and then asking
forgiveness: ``try: stack.pop()`` ``except IndexError: pass``)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, as_test, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "a stack of items: pushed when their focus value passes a test, the top dropped otherwise"
SLOTS = ("items", "test on the focus value", "guard (depth 3)")
DEPTHS = (2, 3)
KINDS = None
EMPTY_SHARE = 0.15  # inputs with no items, when the function says what it returns for an empty stack


def render(d: Draft, depth: int) -> None:
    items = d.items_param(4, 8)
    item = d.item_name()
    stack = d.name("stack")
    d.emit(f"{stack} = []")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        with d.block(f"if {as_test(d, fv)}:"):
            d.emit(f"{stack}.append({item})")
        if d.rng.random() < 0.4:  # pop, asking forgiveness when the stack is empty
            with d.block("else:"):
                with d.block("try:"):
                    if depth == 3:  # (an ``if`` alone in the ``else`` would read as an ``elif``)
                        with d.block(f"if {item_guard(d, item)}:"):
                            d.emit(f"{stack}.pop()")
                    else:
                        d.emit(f"{stack}.pop()")
                with d.block("except IndexError:"):
                    d.emit("pass")
            d.op("list/pop")
        else:
            _pop(d, depth, stack, item)
    d.op("list/append")
    if d.rng.random() < 0.5:
        head = d.name("top")
        with d.block(f"if {stack}:"):
            d.emit(f"*rest, {head} = {stack}")
            d.emit(f"return ({head}, len(rest))")
        d.emit("return None")
        d.empty_share = EMPTY_SHARE
    else:
        d.emit(f"return {stack}")


def _pop(d: Draft, depth: int, stack: str, item: str) -> None:
    with d.block(f"elif {stack}:"):
        if depth == 3:
            with d.block(f"if {item_guard(d, item)}:"):
                d.emit(f"del {stack}[-1]")
            with d.block("else:"):
                d.emit(f"{stack}.pop()")
        else:
            d.emit(f"del {stack}[-1]")
