"""build a string: join the items' focus values (as text: ``str(n)``, or an f-string beside the item, ``f"{w}={n}"``) with a separator (at depth 2 the
items a guard rejects are now and then skipped with ``continue``; a test now and then names the number it
computes, for the text to show it: ``if (size := len(w.strip())) > 3: parts.append(f"{w}({size})")``; a word the guard rejects now and then
shows only as the number it spells: ``try: parts.append(str(int(w)))`` ``except ValueError: pass``; a focus that raises on some items skips them: ``except IndexError: pass``)."""

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

LABEL_SHARE = 0.5  # share of drafts whose pieces that are not text show the item beside its focus value

MEANING = "one string made of every item's focus value, separated"
SLOTS = ("items", "piece: the focus value as text", "guard on an item (depth >= 2)", "separator")
DEPTHS = (1, 2, 3)
KINDS = None


def cap_limit(d: Draft, parts: str) -> str:
    """The ``limit`` on what is built so far, which grows with every item (both branches add): for a list of
    pieces up to one short of the longest input list, for a text (``len(text)`` counts characters) up to 8
    characters per item of it, so that some inputs stop early and others do not."""
    if parts.startswith(("text", "line")):
        return d.limit(4, 8 * d.items_high)
    return per_item_limit(d)


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    sep = d.rand_choice((", ", "-", "|", " "))
    if d.rng.random() < 0.5:
        parts = d.name("parts", "pieces")
        d.emit(f"{parts} = []")
        add = lambda text: d.emit(f"{parts}.append({text})")  # noqa: E731
        finish = f"return {sep!r}.join({parts})"
        d.op("list/append")
        d.op("str/join")
    else:
        parts = d.name("text", "line")
        d.emit(f"{parts} = ''")
        add = lambda text: d.emit(f"{parts} += {text} + {sep!r}")  # noqa: E731
        finish = f"return {parts}[:-{len(sep)}]"
        d.op("str/+")
    label = item if d.rng.random() < LABEL_SHARE else ""  # ``f"{word}={n}"`` rather than ``str(n)``
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item, allow_errors=True)
        if depth == 1:
            fv = kept_if(d, fv, item)
            with forgiving(d, fv):
                emit_focus(d, fv)
                add(as_text(d, fv, label))
        elif depth == 2 and d.rng.random() < 0.3:  # skip the items the guard rejects
            with d.block(f"if {negate(item_guard(d, item, fv))}:"):
                d.emit("continue")
            with forgiving(d, fv):
                emit_focus(d, fv)
                add(as_text(d, fv, label))
        elif (named := walrus_test(d, fv) if d.rng.random() < 0.4 else None) is not None:
            test, name = named
            with d.block(f"if {test}:"), capped(d, f"len({parts}) >= {cap_limit(d, parts)}" if depth == 3 else None):
                if depth == 3:
                    d.op("len")
                add(f"f\"{{{item}}}({{{name}}})\"")
            with d.block("else:"):
                add(f"str({item})" if d.item_kind != "str" else f"{item}[::-1]")
        else:
            with d.block(f"if {item_guard(d, item, fv)}:"), \
                    capped(d, f"len({parts}) >= {cap_limit(d, parts)}" if depth == 3 else None):
                if depth == 3:
                    d.op("len")
                with forgiving(d, fv):
                    emit_focus(d, fv)
                    add(as_text(d, fv, label))
            with d.block("else:"):
                if spells_numbers(d) and d.rng.random() < 0.5:  # a rejected word shows only as the number it spells
                    int_or_skip(d, lambda: add(f"str(int({item}))"))
                else:
                    add(f"str({item})" if d.item_kind != "str" else f"{item}[::-1]")
    d.emit(finish)
