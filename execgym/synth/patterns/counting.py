"""count: how many items pass a test on their focus value (items that fail a guard skipped with
``continue`` now and then); at depth 3 the count stops at a limit (``break``, or counting only while under it:
``patterns.cap``), and a ``for``-``else`` now and then tells whether it was reached."""

from __future__ import annotations

from collections import Counter

from execgym.synth.patterns.base import (
    Draft,
    as_test,
    emit_focus,
    independent,
    item_guard,
    negate,
    rare_test,
)
from execgym.synth.patterns.cap import capped
from execgym.synth.patterns.value import value_of

MEANING = ("the number of items whose focus value passes a data-dependent test (or, now and then at depth 2, "
           "that come before the first that does: -1 when none does)")
SLOTS = ("items", "test on the focus value", "guard on an item (depth >= 2, with continue)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    count = d.name("count", "matches")
    d.emit(f"{count} = 0")
    if depth == 2 and d.rng.random() < 0.25:
        _before_first(d, items, item, count)
        return
    skip = depth >= 2 and d.rng.random() < 0.35
    if skip:
        d.probe_samples = 1
    limit = d.limit(0, 4) if depth == 3 else ""
    tells = depth == 3 and d.rng.random() < 0.45  # a ``for``-``else`` says whether the count reached the limit
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        if skip:
            before = Counter(d.ops)
            guard = item_guard(d, item)
            guard_ops = Counter(d.ops) - before
            test = as_test(d, fv)
            if independent(d):
                with d.block(f"if {negate(guard)}:"):
                    d.emit("continue")
            else:  # the guard would decide the test: count over every item
                d.ops = d.ops - guard_ops
        else:
            test = ""
        emit_focus(d, fv)
        test = test or as_test(d, fv)
        if depth == 1:
            d.emit(f"{count} += 1 if {test} else 0")
        elif depth == 2:
            with d.block(f"if {test}:"):
                d.emit(f"{count} += 1")
        elif tells:
            with d.block(f"if {test}:"):
                d.emit(f"{count} += 1")
                with d.block(f"if {count} == {limit}:"):
                    d.emit("break")
        else:
            with d.block(f"if {test}:"), capped(d, f"{count} >= {limit}"):
                d.emit(f"{count} += 1")
    d.op("int/+")
    if tells:
        with d.block("else:"):
            d.emit(f"return ({count}, False)")
        d.emit(f"return ({count}, True)")
    else:
        d.emit(f"return {count}")


def _before_first(d: Draft, items: str, item: str, count: str) -> None:
    """``count`` items before the first whose focus value passes a test that few items pass (``break``), -1 from
    the loop's ``else`` when none does (``Unfit`` when no such test is found)."""
    d.probe_samples = 1
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        test = rare_test(d, fv, False)
        with d.block(f"if {test}:"):
            d.emit("break")
        d.emit(f"{count} += 1")
    with d.block("else:"):
        d.emit(f"{count} = -1")
    d.op("int/+")
    d.emit(f"return {count}")
