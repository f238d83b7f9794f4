"""accumulate: fold the items into one number (a running total, optionally squared or guarded).

Depth 2 is written three ways: an ``if`` on a guard (the items it rejects add nothing, or in ``PENALTY_SHARE``
of the drafts cost a point, ``else: total -= 1``), a guard that skips the item (``continue``), or a test
that names the number it computes (``if (size := len(w.strip())) > 3: total += size``). A focus that raises on
some items is asked forgiveness (``try: ... except IndexError: pass``); words that spell a number now and then
count as that number (``try: total += int(word)`` ``except ValueError: total += len(word)``), or, among the
words a guard rejects, only those do (``except ValueError: pass``). Depth 3 caps the total at a ``limit``
(``patterns/cap.py``: ``if total >= limit: break`` before the addition, or the addition under
``if total < limit:``)."""

from __future__ import annotations

from execgym.synth.patterns.base import (
    Draft,
    as_number,
    emit_focus,
    int_or_skip,
    item_guard,
    kept_if,
    negate,
    spells_numbers,
    walrus_test,
)
from execgym.synth.patterns.cap import capped
from execgym.synth.patterns.value import value_of

MEANING = "sum a number derived from each item (the focus value, or its length / truth)"
SLOTS = ("items", "number of an item (focus)", "guard on an item (depth >= 2)")
DEPTHS = (1, 2, 3)
KINDS = None
PENALTY_SHARE = 0.3  # share of guarded totals where an item the guard rejects costs a point (``else: total -= 1``)


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    total = d.name("total", "score")
    d.emit(f"{total} = 0")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item, allow_errors=True)
        if depth == 1:
            fv = kept_if(d, fv, item, numbers=True)
        number, _ = as_number(d, fv)
        power = d.rng.random() < 0.25 and not number.startswith("(1 if")
        amount = f"{number} ** 2" if power else number
        style = d.rng.random()
        named = walrus_test(d, fv) if depth >= 2 and style < 0.5 else None
        if named is not None:
            test, name = named
            amount = f"{name} ** 2" if power else name
        parse = not fv.error and d.item_kind == "str" and style > 0.8 and depth < 3
        add = (lambda: _forgiven(d, fv, total, amount)) if fv.error else \
            (lambda: _parsed(d, fv, item, total, amount)) if parse else \
            (lambda: (emit_focus(d, fv), d.emit(f"{total} += {amount}")))
        if depth == 1:
            add()
            d.op("int/+")
        elif depth == 2 and (fv.error or parse):
            with d.block(f"if {item_guard(d, item, fv)}:"):
                add()
            with d.block("else:"):
                d.emit(f"{total} -= 1")
            d.op("int/+")
        elif depth == 2 and named is None and style > 0.65:
            with d.block(f"if {negate(item_guard(d, item, fv))}:"):
                d.emit("continue")
            emit_focus(d, fv)
            d.emit(f"{total} += {amount}")
            d.op("int/+")
        else:
            with d.block(f"if {test if named else item_guard(d, item, fv)}:"):
                if depth == 3:
                    _, numbers = as_number(d, fv)
                    # the limit up to half the sampled values' total: some inputs reach it, others do not
                    top = max(2, int(sum(abs(x) for x in numbers if isinstance(x, (int, float)))) // 2)
                    with capped(d, f"{total} >= {d.limit(0, top)}"):
                        add()
                else:
                    add()
            if not named and spells_numbers(d) and d.rng.random() < 0.5:  # a rejected word counts as its number
                with d.block("else:"):
                    int_or_skip(d, lambda: d.emit(f"{total} += int({item})"))
            elif d.rng.random() < PENALTY_SHARE:  # a rejected item costs a point
                with d.block("else:"):
                    d.emit(f"{total} -= 1")
            d.op("int/+")
    d.emit(f"return {total}")


def _forgiven(d: Draft, fv, total: str, amount: str) -> None:
    """The focus raises on some items (``fv.error``): add its number where it does not, skip the item where it
    does."""
    with d.block("try:"):
        emit_focus(d, fv)
        d.emit(f"{total} += {amount}")
    with d.block(f"except {fv.error}:"):
        d.emit("pass")


def _parsed(d: Draft, fv, item: str, total: str, amount: str) -> None:
    """A word that spells a number counts as that number; any other word adds the focus's number."""
    with d.block("try:"):
        d.emit(f"{total} += int({item})")
    with d.block("except ValueError:"):
        emit_focus(d, fv)
        d.emit(f"{total} += {amount}")
    d.op("int()")
