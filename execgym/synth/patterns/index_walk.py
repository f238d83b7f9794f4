"""index arithmetic: walk positions with a step, pairing each item with its mirror (negative indices), with the
item after it, or with its position."""

from __future__ import annotations

from execgym.synth.focus_effect import IDENTITY_FOCUS
from execgym.synth.patterns.base import (
    Draft,
    bare,
    emit_focus,
    item_guard,
    kept_if,
    second_use,
    walrus_test,
)
from execgym.synth.patterns.cap import capped
from execgym.synth.patterns.value import value_of

# share of drafts whose focus, used once, is also applied to the mirrored item (not a copy: ``words[-1 - i][:]``)
MIRROR_SHARE = 0.6
WALRUS_SHARE = 0.4  # share of the other drafts at depths 2-3 whose guard names the number it keeps
# what each kept item is paired with (cumulative shares): the item at the mirrored position (``words[-1 - i]``),
# the item after it (``words[i + 1]``, the walk stopping one short), or, when the focus is used twice already,
# the position itself (``(i, ...)``)
MIRROR_PARTNER, NEXT_PARTNER = 0.5, 0.8

MEANING = ("the focus value of every step-th item paired with the item at the mirrored position or the item after it "
           "(or their focus values), or with its position")
SLOTS = ("items", "step (a constant, or a parameter the function asserts positive)", "focus value of the item at the position", "guard (depth >= 2)")
DEPTHS = (1, 2, 3)
KINDS = None


def render(d: Draft, depth: int) -> None:
    items = d.items_param(3, 8)
    if d.rng.random() < 0.4:  # the caller chooses the step; range() needs it positive
        step = d.param("step", lambda r: r.randint(1, 3))
        if d.rng.random() < 0.4:
            d.precondition(f"{step} > 0")
    else:
        step = d.rand_choice((1, 2, 2, 3))
    pos = d.name("i", "pos")
    item = d.item_name()
    out = d.name("picked", "marks")
    d.emit(f"{out} = []")
    partner = d.rng.random()
    stop = f"len({items}) - 1" if MIRROR_PARTNER <= partner < NEXT_PARTNER else f"len({items})"
    # a step of 1 is written as people write it (``range(len(words))``), a step of 2 or 3 with its start
    walk = f"range({stop})" if step == 1 else f"range(0, {stop}, {step})"
    with d.block(f"for {pos} in {walk}:"):
        d.emit(f"{item} = {items}[{pos}]")
        fv = value_of(d, item)
        if depth == 1:
            fv = kept_if(d, fv, item)
        if partner < MIRROR_PARTNER:
            mirror = f"{items}[-1 - {pos}]"
        elif partner < NEXT_PARTNER:
            mirror = f"{items}[{pos} + 1]"
        else:  # the position, when the item's own value uses the focus twice; else the mirrored item
            mirror = pos if d.focus_uses >= 2 else f"{items}[-1 - {pos}]"
        mirrored = False
        if d.focus_uses < 2 and mirror != pos and fv.write is not None and not fv.pre and not fv.error \
                and f"{d.focus.type}/{d.focus.name}" not in IDENTITY_FOCUS and d.rng.random() < MIRROR_SHARE:
            # both through the focus, written alike: ``(word.zfill(8), words[-1 - i].zfill(8))``
            mirror = fv.write(mirror)
            second_use(d)
            mirrored = True
        # at depths 2-3 the guard now and then names the number it computes, and that number is kept
        # (``if (size := len(word.strip())) > 3:`` ``picked.append((size, words[-1 - i]))``)
        named = walrus_test(d, fv) if depth >= 2 and not mirrored and d.rng.random() < WALRUS_SHARE else None
        kept = named[1] if named is not None else ""
        pair = (mirror, kept or bare(fv.expr)) if mirror == pos else (kept or bare(fv.expr), mirror)
        body = lambda: (emit_focus(d, fv), d.emit(f"{out}.append(({pair[0]}, {pair[1]}))"))  # noqa: E731
        if depth == 1:
            body()
        else:
            with d.block(f"if {named[0] if named is not None else item_guard(d, item, fv)}:"), \
                    capped(d, f"{pos} > len({items}) // 2" if depth == 3 else None):
                body()
    d.op("range")
    d.op("list/append")
    d.emit(f"return {out}")
