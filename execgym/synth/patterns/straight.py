"""straight-line code (levels 1-2): the focus applied to the argument itself, no control flow.

Level 1 returns the focus value (chained with other arguments when the form takes any, e.g.
``text.replace('a', 'b').replace('c', 'd')``); level 2 combines it with another operation (an f-string, a
slice with a step, ``len``, a comprehension over the result, starred unpacking)."""

from __future__ import annotations

import copy
import random

from execgym.synth.patterns.base import (
    CONSTANT_SHARE,
    ITEM_NAMES,
    Draft,
    Unfit,
    draw_item,
    emit_focus,
    with_element,
)
from execgym.synth.patterns.value import value_of

MEANING = "the focus value of the argument (level 2: fed to one more operation)"
SLOTS = ("argument", "focus value", "further operation (level 2)")
DEPTHS = (0,)
KINDS = None

_SINGLE = {"str": "text", "int": "number", "float": "amount", "bool": "flag", "list_int": "values",
           "list_str": "names", "tuple_int": "point", "tuple_str": "fields", "set_int": "ids", "set_str": "labels",
           "dict": "stock"}


def _draw_value(kind: str, keys):
    def draw(r: random.Random):
        if kind in ("list_int", "list_str", "tuple_int", "tuple_str", "set_int", "set_str", "dict"):
            value = draw_item(kind, r, keys)
            while len(value) < 2:
                value = draw_item(kind, r, keys)
            return value
        return draw_item(kind, r, keys)
    return draw


def _flags(d: Draft) -> None:
    """A bool focus over a list of flags (a single bool argument has only two inputs)."""
    flags = d.items_param(2, 6)
    flag = d.item_name()
    fv = value_of(d, flag)
    if fv.pre:
        raise Unfit("statement focus")
    if d.level == 1:
        d.emit(f"return [{fv.expr} for {flag} in {flags}]")
    else:
        d.emit(f"return sum(1 for {flag} in {flags} if {fv.expr})")
        d.op("sum")


def render(d: Draft, depth: int) -> None:
    kind = d.item_kind
    if kind == "bool":
        _flags(d)
        return
    name = _SINGLE.get(kind, ITEM_NAMES[kind][1])
    plain = _draw_value(kind, d.keys)

    def draw(r: random.Random):
        if d.constants and r.random() < CONSTANT_SHARE:
            return copy.deepcopy(d.constants[r.randrange(len(d.constants))])
        return with_element(plain(r), d.elements, r, d.element_always)

    d.param(name, draw)
    sampler = random.Random(d.rng.random())
    d.samples = [plain(sampler) for _ in range(12)]
    d.draw_one = draw  # type: ignore[method-assign]  # the focus is probed on whole arguments here
    d.error_budget = 0.5  # one argument per call: an input the focus rejects is just not shipped
    fv = value_of(d, name)
    emit_focus(d, fv)
    present = [x for x in fv.results if x is not None]
    if len({repr(x) for x in present}) < 2:
        if not fv.pre:
            raise Unfit("the focus value does not depend on the argument")
        d.emit(f"return ({name}, {fv.expr})")  # e.g. a cleared copy next to the original
        return
    if d.level == 1:
        d.emit(f"return {fv.expr}")
        return
    sample = present[0]
    shapes = ["fstring"]
    if isinstance(sample, (str, list, tuple)):
        shapes += ["step", "len"]
    if isinstance(sample, (list, tuple)) and all(len(x) >= 1 for x in present):
        shapes.append("starred")
    if isinstance(sample, (int, float)) and not isinstance(sample, bool):
        shapes.append("power")
    shape = d.rand_choice(shapes)
    if shape != "starred":  # level 2 names the focus value, then uses it (a second statement)
        held = d.name(d.focus.noun if d.focus.noun != "result" else "value", "value")
        d.emit(f"{held} = {fv.expr}")
        fv.expr = held
    if shape == "fstring":
        d.emit(f"return f\"{{{name}}} -> {{{fv.expr}}}\"")
        d.op("str/format")
    elif shape == "step":
        d.emit(f"return {_paren(fv.expr)}[::{d.rand_choice((-1, 2, -2))}]")
        d.op("slice")
    elif shape == "len":
        d.emit(f"return ({fv.expr}, len({name}))" if kind not in ("int", "float", "bool") else
               f"return len({fv.expr})")
        d.op("len")
    elif shape == "starred":
        first = d.name("first")
        d.emit(f"{first}, *rest = {fv.expr}")
        d.emit(f"return (rest, {first})")
        d.op("unpack")
    else:
        d.emit(f"return ({fv.expr}) ** 2")
        d.op("int/**")


def _paren(text: str) -> str:
    return text if text.isidentifier() else f"({text})"
