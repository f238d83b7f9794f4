"""recurse: the items walked by recursion instead of a loop. The function takes the first item, computes its
focus value, and combines it with what the function returns for the rest of the items (``words[1:]``); no items
is the base case. A number is added to the rest's total or kept when it beats the rest's best
(``return max(len(word.strip()), best_words(words[1:]))``); a value is put in front of the rest's list, or
after it, which gives the values in reverse order."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, as_number, bare, emit_focus
from execgym.synth.patterns.value import value_of

MEANING = "a total, a best or a list of the items' focus values, built by recursion on the rest of the items"
SLOTS = ("items", "focus value of the first item", "how it joins the rest's result (+, max, in front, behind)")
DEPTHS = (1,)
KINDS = None
WEIGHT = 1  # drawn half as often as a loop pattern: code people write walks a list with a loop far more often

_VERBS = {"+": ("total", "sum", "count"), "max": ("best", "peak", "top"), "list": ("walk", "collect", "gather")}


def render(d: Draft, depth: int) -> None:
    items = d.items_param()
    item = d.item_name()
    fv = value_of(d, item)
    if fv.error:
        raise Unfit("the focus raises on some items")
    numeric = d.rng.random() < 0.6
    if numeric:
        number, values = as_number(d, fv)
        join = "max" if d.rng.random() < 0.3 and all(v >= 0 for v in values if v is not None) else "+"
    else:
        join = "list"
    name = d.name(f"{d.rand_choice(_VERBS[join])}_{items}")
    d.entry_name = name  # the function calls itself: ``build`` gives it this name
    # the rest of the items, and every other argument as it came (a reference word, a flag)
    rest = f"{name}({', '.join([f'{items}[1:]', *(p.name for p in d.params[1:])])})"
    with d.block(f"if not {items}:"):
        d.emit("return []" if join == "list" else "return 0")
    d.emit(f"{item} = {items}[0]")
    emit_focus(d, fv)
    if join == "+":
        d.emit(f"return {number} + {rest}")  # (``(1 if w.isupper() else 0) + ...`` keeps its parentheses)
        d.op("int/+")
    elif join == "max":
        d.emit(f"return max({bare(number)}, {rest})")
        d.op("max")
    elif d.rng.random() < 0.7:
        d.emit(f"return [{bare(fv.expr)}] + {rest}")
        d.op("list/+")
    else:  # behind the rest's values: the values come out last item first
        d.emit(f"return {rest} + [{bare(fv.expr)}]")
        d.op("list/+")
