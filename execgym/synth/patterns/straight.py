"""straight-line code (levels 1-2): the focus applied to the argument itself, no control flow.

Level 1 names the focus value and returns it (chained with other arguments when the form takes any, e.g.
``cleaned = text.replace('a', 'b').replace('c', 'd')``); level 2 feeds it to one more operation as people apply one
to such a value (a number capped, ``min(total, 12)``, or compared with a middle value; a set or a dict's items
sorted, a list summed or joined; an f-string, a slice with a step, ``len``, ``**``, starred unpacking)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from execgym.synth.patterns.base import (
    CHANGED_ITEM_SHARE,
    CONSTANT_SHARE,
    COPIES,
    ITEM_NAMES,
    KEYS,
    LABEL_SEPARATORS,
    WORDS,
    Draft,
    FocusValue,
    Unfit,
    bare,
    copy_item,
    draw_item,
    emit_focus,
    join_uses,
    randbelow,
    stable_key,
    threshold,
    with_element,
)
from execgym.synth.patterns.value import value_of
from execgym.synth.values import literal

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
    numbers = any(type(x) is int for x in fv.results)  # ``int(flag)``: only a list shows what it changed
    if d.level == 1 or numbers:
        held = d.name("marks", "flags_seen")
        d.emit(f"{held} = [{fv.expr} for {flag} in {flags}]")
        if d.level == 2:  # the one more operation: the list summed, shown beside it
            total = d.name("total", "set_count")
            d.emit(f"{total} = sum({held})")
            d.op("sum")
            held = f"({held}, {total})"
    else:
        held = d.name("count", "hits")
        d.emit(f"{held} = sum(1 for {flag} in {flags} if {fv.expr})")
        d.op("sum")
    d.emit(f"return {held}")


def render(d: Draft, depth: int) -> None:
    kind = d.item_kind
    if kind == "bool":
        _flags(d)
        return
    name = _SINGLE.get(kind, ITEM_NAMES[kind][1])
    plain = _draw_value(kind, d.keys)

    def draw(r: random.Random):
        if d.constants and r.random() < CONSTANT_SHARE:
            return copy_item(d.constants[randbelow(r, len(d.constants))])
        if d.changed_items and r.random() < CHANGED_ITEM_SHARE:  # a focus that changes few items
            return copy_item(d.changed_items[randbelow(r, len(d.changed_items))])
        return with_element(plain(r), d.elements, r, d.element_always)

    d.param(name, draw)
    sampler = random.Random(d.rng.random())
    d.samples = [plain(sampler) for _ in range(12)]
    d.draw_one = draw  # type: ignore[method-assign]  # the focus is probed on whole arguments here
    d.error_budget = 0.5  # one argument per call: an input the focus rejects is just not shipped
    fv = value_of(d, name)
    if d.focus_uses < 2 and fv.write is not None and not fv.error and d.focus.name not in COPIES:
        fv = _with_second(d, name, fv, draw, sampler) or fv
    emit_focus(d, fv)
    present = [x for x in fv.results if x is not None]
    if d.level == 2 and d.focus.name == "copy" and not fv.pre and d.rng.random() < CHANGED_COPY_SHARE:
        _changed_copy(d, name, fv, present)
        return
    if len({stable_key(x) for x in present}) < 2:
        if not fv.pre:
            raise Unfit("the focus value does not depend on the argument")
        d.emit(f"return ({name}, {fv.expr})")  # e.g. a cleared copy next to the original
        return
    if d.level == 1:  # the focus value named, then returned (a variable ExecVar-v0 can ask about)
        if fv.pre and fv.expr.isidentifier():  # already named (``work.sort()``, ``last = work.popitem()``)
            d.emit(f"return {fv.expr}")
            return
        held = d.name(fv.noun or (d.focus.noun if d.focus.noun != "result" else "value"), "value")
        d.emit(f"{held} = {bare(fv.expr)}")
        d.emit(f"return {held}")
        return
    sample = present[0]
    masked = _masking(d, fv)
    options = [option for option in _further_options(d, present) if not masked(option[3])] \
        or _joined_test(d, name, fv.results)
    # ``masked`` compares with the argument, but two joined uses stripped of ``abs`` are another value
    # (``abs(n) + abs(n - 6) > 18`` is ``n + n - 6 > 18``, ``(abs(n) + abs(n // 2)) ** 2`` is
    # ``(n + n // 2) ** 2``, on every drawn ``n``): such a joined value is shown as it is
    joined_abs = d.focus.name == "abs" and d.focus_uses >= 2
    shapes = ["fstring", "further", "further", "further"] if options and not joined_abs else ["fstring"]
    if isinstance(sample, (str, list, tuple)):
        shapes += [shape for shape, fn in (("step", lambda x: x[::2]), ("len", len)) if not masked(fn)]
    if isinstance(sample, (list, tuple)) and all(len(x) >= 1 for x in present):
        shapes.append("starred")
    if isinstance(sample, (int, float)) and not isinstance(sample, bool) and not joined_abs \
            and not masked(lambda x: x ** 2):
        shapes.append("power")
    shape = d.rand_choice(shapes)
    # level 2: the focus value named, one more operation on it, then the result (three statements)
    if fv.pre and fv.expr.isidentifier():  # already named (``work.remove(12)``, ``last = work.popitem()``)
        held = fv.expr
    else:
        held = d.name(fv.noun or (d.focus.noun if d.focus.noun != "result" else "value"), "value")
        d.emit(f"{held} = {bare(fv.expr)}")
    if shape == "starred":
        first = d.name("first")
        d.emit(f"{first}, *rest = {held}")
        d.emit(f"return (rest, {first})")
        d.op("unpack")
        return
    if shape == "len" and kind not in ("int", "float", "bool"):
        size = d.name("size", "length")
        d.emit(f"{size} = len({name})")
        d.emit(f"return ({held}, {size})")
        d.op("len")
        return
    if shape == "further":
        names, template, op, *_ = options[randbelow(d.rng, len(options))]
        out, text = d.name(*names), template.format(held)
        d.op(op)
    elif shape == "fstring":
        sep = d.rand_choice(LABEL_SEPARATORS)  # ``f"{text}={count}"``, ``f"{text}: {count}"``...
        out, text = d.name("summary", "line"), f"f\"{{{name}}}{sep}{{{held}}}\""
        d.op("str/format")
    elif shape == "step":
        out, text = d.name("reordered", "picked"), f"{held}[::{d.rand_choice((-1, 2, -2))}]"
        d.op("slice")
    elif shape == "len":
        out, text = d.name("size", "length"), f"len({held})"
        d.op("len")
    else:
        out, text = d.name("squared", "square"), f"{held} ** 2"
        d.op("int/**")
    d.emit(f"{out} = {text}")
    d.emit(f"return {out}")


CHANGED_COPY_SHARE = 0.7  # level 2: a copy is changed and shown beside the argument it was taken from


def _changed_copy(d: Draft, name: str, fv, present: list) -> None:
    """Level 2 for a copy: the copy changed and returned beside the argument, which the change leaves as it was
    (``snapshot = stock.copy()``, ``snapshot['teal'] = 4``, ``return (stock, snapshot)``): what a copy is for."""
    held = d.name("snapshot", "copied")
    d.emit(f"{held} = {bare(fv.expr)}")
    sample = present[0]
    inner = [y for x in present for y in x]
    if isinstance(sample, dict):
        fresh = [k for k in KEYS if k not in inner] or list(KEYS)  # a key the items do not have: a new entry
        key = fresh[randbelow(d.rng, len(fresh))]
        d.emit(f"{held}[{literal(key)}] = {randbelow(d.rng, 13)}")
        d.op("dict/dict[key] = value")
    else:
        words = bool(inner) and all(type(y) is str for y in inner)
        fresh = [w for w in WORDS if w not in inner] if words else \
            [n for n in range(-3, 21) if n not in inner]  # a value the samples lack, so the copy changes
        value = fresh[randbelow(d.rng, len(fresh))] if fresh else 0
        method = "add" if isinstance(sample, (set, frozenset)) else "append"
        d.emit(f"{held}.{method}({literal(value)})")
        d.op(f"{'set' if method == 'add' else 'list'}/{method}")
    d.emit(f"return ({name}, {held})")


def _masking(d: Draft, fv) -> Callable[[Callable[[Any], Any]], bool]:
    """Whether a further operation would hide the focus: it gives the same on every sample item as on the focus's
    value of it (``len`` after ``work.sort()``, ``** 2`` after ``abs``, ``sum`` of a sorted copy), so the program's
    output would not change without the focus. Only items whose focus value has the item's type are compared;
    with none, nothing is hidden."""
    pairs = [(s, x) for s, x in zip(d.samples, fv.results) if x is not None and type(s) is type(x)]

    def masked(fn: Callable[[Any], Any]) -> bool:
        if not pairs:
            return False
        try:
            return all(stable_key(fn(copy_item(s))) == stable_key(fn(copy_item(x))) for s, x in pairs)
        except Exception:  # noqa: BLE001 -- the operation does not take every value: not the one to write
            return True
    return masked


_FOLDS = frozenset({"min", "max", "sorted", "sum", "len", "join", "items"})  # a focus the option would repeat


def _varies(fn, values) -> bool:
    try:
        return len({stable_key(fn(x)) for x in values}) > 1
    except Exception:  # noqa: BLE001 -- the operation does not take every value
        return False


def _further_options(d: Draft, present: list) -> list[tuple[tuple[str, str], str, str, Callable[[Any], Any]]]:
    """The one more operation of level 2 by the focus value's type, as people apply it to such a value (``{0}``:
    the value's name): a number capped at or compared with a middle value of the samples (``min(total, 12)``,
    ``total > 12``), a set or a dict's items sorted, a list of numbers summed, of words joined or sorted; none for
    a test (``'yes' if found else 'no'`` is a branch). Only options whose value varies over the samples, and none
    that repeats the focus (``sorted`` of a ``sorted`` focus). Each option is ``(names, template, operation, fn)``,
    ``fn`` the template as a function of the value (``_masking`` tries it on the items themselves)."""
    sample = present[0]
    if d.focus.name in _FOLDS:
        return []
    out: list[tuple[tuple[str, str], str, str]] = []
    if isinstance(sample, bool):
        return out  # ``'yes' if found else 'no'`` is a branch, which levels 1-2 do not have
    if isinstance(sample, (int, float)):
        try:
            t = threshold(present)
        except Unfit:
            return out
        cap = t if isinstance(sample, int) else round(float(t), 2)
        if _varies(lambda x: min(x, cap), present):
            out.append((("capped", "limited"), f"min({{0}}, {literal(cap)})", "min", lambda x: min(x, cap)))
        if _varies(lambda x: x > cap, present):
            out.append((("is_large", "above"), f"{{0}} > {literal(cap)}", "int/>", lambda x: x > cap))
    elif isinstance(sample, (set, frozenset)) and _varies(sorted, present):
        out.append((("ordered", "in_order"), "sorted({0})", "sorted", sorted))
    elif isinstance(sample, dict) and _varies(lambda x: sorted(x.items()), present):
        out.append((("pairs", "entries"), "sorted({0}.items())", "sorted", lambda x: sorted(x.items())))
    elif isinstance(sample, list) and present and all(isinstance(x, list) for x in present):
        flat = [y for x in present for y in x]
        if flat and all(type(y) is int for y in flat) and _varies(sum, present):
            out.append((("total", "summed"), "sum({0})", "sum", sum))
        if flat and all(type(y) is str for y in flat):
            if _varies(", ".join, present):
                out.append((("joined", "text"), "', '.join({0})", "str/join", ", ".join))
            if any(sorted(x) != x for x in present):
                out.append((("ordered", "in_order"), "sorted({0})", "sorted", sorted))
    return out


def _joined_test(d: Draft, name: str, results: list) -> list[tuple[tuple[str, str], str, str]]:
    """For a test (``bool`` focus value): the test joined with a size test on the argument, as people add a
    condition (``has_prefix and len(text) > 4``, ``is_even or number > 12``); kept only when the join varies over
    the samples and tells more than the focus test alone. Empty when none does."""
    args = [*d.samples, *d.constants] if d.constants else d.samples
    if len(args) != len(results) or not results or not all(type(x) is bool for x in results):
        return []
    if all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        measure, size = "{0}", (lambda a: a)
    elif all(isinstance(a, (str, list, tuple, set, dict)) for a in args):
        measure, size = "len({0})", len
    else:
        return []
    try:
        t = threshold([size(a) for a in args])
    except Unfit:
        return []
    sizes = [size(a) > t for a in args]
    start = randbelow(d.rng, 2)
    for op in (("and", "or")[start:] + ("and", "or")[:start]):
        joined = [(x and y) if op == "and" else (x or y) for x, y in zip(results, sizes)]
        if len(set(joined)) > 1 and joined != results and joined != sizes:
            test = f"{measure.format(name)} > {literal(t)}"
            return [(("passes", "accepted"), f"{{0}} {op} {test}", "bool/" + op)]
    return []


_SECOND = {"text": "other", "number": "other", "amount": "other", "values": "others", "names": "others",
           "point": "other", "fields": "others", "ids": "others", "labels": "others", "stock": "other"}


def _with_second(d: Draft, name: str, fv: FocusValue, draw, sampler: random.Random) -> FocusValue | None:
    """The focus applied to a second argument of the same kind as well, the two joined the way people join them
    (``text.isdigit() or other.isdigit()``, ``abs(number) + abs(other)``, ``values.count(3) < others.count(3)``);
    None (one argument) when no join varies or one of the two tells it alone."""
    other = d.name(_SECOND.get(name, "other"), "second")
    samples = [*d.samples, *d.constants] if d.constants else d.samples
    if len(samples) != len(fv.results) or any(x is None for x in fv.results):
        return None
    seconds = [draw(sampler) for _ in samples]
    try:
        b = [fv.apply(copy_item(x)) for x in seconds]  # type: ignore[misc]
    except Exception:  # noqa: BLE001 -- the focus does not take every drawn second argument
        d.names.discard(other)
        return None
    got = join_uses(d, fv.results, b, fv.results, fv.expr, fv.write(other),  # type: ignore[misc]
                    receivers=(samples, seconds))
    if got is None:
        d.names.discard(other)
        return None
    d.param(other, draw)
    return got


def _paren(text: str) -> str:
    return text if text.isidentifier() else f"({text})"
