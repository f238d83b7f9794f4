"""tally: group the items into a dict keyed by their focus value (how many per key).

The count is kept with ``dict.get``, an ``in`` test, or by asking forgiveness (``try: counts[key] += 1``
``except KeyError: counts[key] = 1``); the result is the dict, its keys seen more than once (a dict or set
comprehension), those keys as a list (a list comprehension), the dict without its keys seen once (deleted
while walking a copy of its keys), the keys by count (``sorted`` with a ``lambda`` key), the most common key, or how many keys
were seen once (a generator expression)."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, emit_focus, item_guard, kept_if, length_key
from execgym.synth.patterns.value import value_of

MEANING = "a dict from each distinct focus value (or its length) to how many items have it"
SLOTS = ("items", "key: the focus value", "guard on an item (depth 3)")
DEPTHS = (1, 2, 3)
KINDS = None


def _key(d: Draft, fv) -> str:
    sample = next((x for x in fv.results if x is not None), None)
    if isinstance(sample, (str, int, float, bool, tuple)):
        try:
            hash(sample)
        except TypeError:
            raise Unfit("unhashable key") from None
        return fv.expr
    if isinstance(sample, (list, set, dict)):
        return length_key(d, fv)
    raise Unfit("no key")


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    counts = d.name("counts", "tally")
    key = d.name("key")
    d.emit(f"{counts} = {{}}")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        if depth == 1:
            fv = kept_if(d, fv, item, numbers=True)
        if depth == 3:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item, fv)}:")
        emit_focus(d, fv)
        d.emit(f"{key} = {_key(d, fv)}")
        if depth == 1 and d.rng.random() < 0.35:
            with d.block("try:"):
                d.emit(f"{counts}[{key}] += 1")
            with d.block("except KeyError:"):
                d.emit(f"{counts}[{key}] = 1")
        elif depth == 1:
            d.emit(f"{counts}[{key}] = {counts}.get({key}, 0) + 1")
            d.op("dict/get")
        else:
            with d.block(f"if {key} in {counts}:"):
                d.emit(f"{counts}[{key}] += 1")
            with d.block("else:"):
                d.emit(f"{counts}[{key}] = 1")
            d.op("dict/in")
        if depth == 3:
            d.indent -= 1
    tail = d.rng.random()
    if tail < 0.12:
        d.emit(f"return {{k: v for k, v in {counts}.items() if v > 1}}")
        d.op("dict/items")
    elif tail < 0.27:
        d.emit(f"return {{k for k, v in {counts}.items() if v > 1}}")
        d.op("dict/items")
    elif tail < 0.42:
        d.emit(f"return [k for k, v in {counts}.items() if v {d.rand_choice(('>', '=='))} 1]")
        d.op("dict/items")
    elif tail < 0.52:
        d.emit(f"return sorted({counts}.items(), key=lambda pair: pair[1], reverse=True)")
        d.op("sorted")
    elif tail < 0.58:
        d.emit(f"return max({counts}, key=lambda k: {counts}[k]{', default=None' if depth == 3 else ''})")
        d.op("max")
    elif tail < 0.66:
        d.emit(f"return (len({counts}), sum(1 for v in {counts}.values() if v == 1))")
        d.op("sum")
    elif tail < 0.88 and depth >= 2:  # drop the keys seen once, deleting from the dict while walking a copy
        with d.block(f"for {key} in list({counts}):"):
            with d.block(f"if {counts}[{key}] == 1:"):
                d.emit(f"del {counts}[{key}]")
        d.op("del")
        d.emit(f"return {counts}")
    elif tail < 0.88:  # depth 1: how many keys repeat
        d.emit(f"return sum(1 for v in {counts}.values() if v > 1)")
        d.op("sum")
    else:
        d.emit(f"return {counts}")
