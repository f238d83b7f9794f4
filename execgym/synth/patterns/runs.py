"""runs: cut the items into runs, a buffer collecting them until the run closes.

Three shapes. At depth 1 (level 3, a ``clear`` focus only) one scratch buffer is reused for every item: cleared,
filled from a base argument and the item, and summed up (``scratch.clear()``, ``scratch.update(defaults)``,
``scratch.update(table)``). At depths 2-3, with a ``clear`` focus (list, set or dict), the buffer is filled from
the items and reset with ``clear()`` whenever it holds ``size`` values, as people batch work (``pending.extend(row)``,
``if len(pending) >= size:`` ``batches.append(sorted(pending))`` ``pending.clear()``); at level 6 a helper
takes the batch (``batch = sorted(buffer)`` ``buffer.clear()`` ``return batch``). Any other focus decides where a
run ends: an item whose focus value passes a test closes the run and is left out, as text is split at its
separators (``if word.isdigit():`` ``runs.append(current)`` ``current = []``).

No other pattern takes a ``clear`` focus at levels 3-6 (``SOLE_FOR``: ``build`` picks this pattern for it, and
``base.focus_value`` refuses it there): a copy that is cleared is empty whatever the item, while a reset buffer is
what ``clear`` is for.
"""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit, as_test, bare, draw_item, emit_focus, item_guard
from execgym.synth.patterns.value import value_of

MEANING = "the items cut into runs: a buffer filled until it is full (``clear`` resets it) or until a separator"
SLOTS = ("items", "run size (clear) or a test on the focus value (the separator)", "guard (depth 3)")
DEPTHS = (1, 2, 3)
KINDS = None

SOLE_FOR = frozenset({"clear"})  # at levels 3-6 no other pattern writes a ``clear`` focus
SOLE_DEPTHS = (1,)  # at depth 1 (level 3) only the ``clear`` focus: a scratch buffer reset for every item
BUFFERS = ("list", "set", "dict")  # the types whose ``clear`` resets a buffer
_EMPTY = {"list": "[]", "set": "set()", "dict": "{}"}
# the size that fills a buffer: a dict's keys are 4 colours, a set's values 10-13, a list's any number
_SIZES = {"list": (3, 7), "set": (3, 6), "dict": (2, 3)}
SEPARATOR_AT = 0.7  # ``as_test``'s threshold: a separator is the less common kind of item


def render(d: Draft, depth: int) -> None:
    if depth == 1:
        if d.focus.name != "clear":
            raise Unfit("at depth 1 runs writes only a clear focus (a scratch buffer)")
        _scratch(d)
    elif d.focus.name == "clear":
        _batches(d, depth)
    else:
        _split(d, depth)


_BASES = {"list": ("header", "prefix"), "set": ("base", "common"), "dict": ("defaults", "base")}


def _scratch(d: Draft) -> None:
    """Depth 1: one buffer reused for every item, cleared, filled from a base argument and the item, and summed
    up (``scratch.clear()``, ``scratch.update(defaults)``, ``scratch.update(table)``,
    ``merged.append(sorted(scratch.items()))``); without the reset it would pile up every item before."""
    kind = d.focus.type
    if kind not in BUFFERS or not d.item_kind.startswith(kind):
        raise Unfit("clear resets a buffer of the items' own type")
    items = d.items_param(4, 8)
    item = d.item_name()
    item_kind, keys = d.item_kind, d.keys
    base = d.param(d.name(*_BASES[kind]), lambda r: draw_item(item_kind, r, keys))
    scratch, out = d.name("scratch", "buffer"), d.name("results", "merged")
    method = {"list": "extend", "set": "update", "dict": "update"}[kind]
    if kind == "list":
        summary = f"' '.join({scratch})" if item_kind == "list_str" else d.rand_choice(
            (f"sum({scratch})", f"max({scratch}, default=0)"))
    elif kind == "set":
        summary = d.rand_choice((f"sorted({scratch})", f"len({scratch})"))
    else:
        summary = d.rand_choice((f"sorted({scratch}.items())", f"sum({scratch}.values())"))
    d.emit(f"{out} = []")
    d.emit(f"{scratch} = {_EMPTY[kind]}")
    with d.block(f"for {item} in {items}:"):
        d.emit(f"{scratch}.clear()")
        d.emit(f"{scratch}.{method}({base})")
        d.emit(f"{scratch}.{method}({item})")
        d.emit(f"{out}.append({summary})")
    d.op(f"{kind}/{method}", 2)
    d.op("list/append")
    d.focus_uses += 1
    d.focus_nesting = max(d.focus_nesting, 1)
    d.op(f"{kind}/clear")
    d.emit(f"return {out}")


def _summary(d: Draft, buffer: str) -> str:
    """What a closed batch is kept as: its values in order, or a total of them."""
    kind = d.focus.type
    if kind == "list":
        options = [f"sorted({buffer})", f"list({buffer})",
                   f"sum({buffer})" if d.item_kind == "list_int" else f"' '.join({buffer})"]
    elif kind == "set":
        options = [f"sorted({buffer})"]
    else:
        options = [f"sorted({buffer})", f"sum({buffer}.values())"]
    return d.rand_choice(options)


def _batches(d: Draft, depth: int) -> None:
    kind = d.focus.type
    if kind not in BUFFERS or not d.item_kind.startswith(kind):
        raise Unfit("clear resets a buffer of the items' own type")
    items = d.items_param(5, 9)
    item = d.item_name()
    low, high = _SIZES[kind]
    size = d.limit(low, high, "size")
    batches, pending = d.name("batches"), d.name("pending", "buffer")
    method, operator = {"list": ("extend", "+="), "set": ("update", "|="), "dict": ("update", "")}[kind]
    if operator and d.rng.random() < 0.4:
        fill = f"{pending} {operator} {item}"
        d.op(f"{kind}/{operator}")
    else:
        fill = f"{pending}.{method}({item})"
        d.op(f"{kind}/{method}")
    summary = _summary(d, pending)
    close = _close(d, pending, summary)
    d.emit(f"{batches} = []")
    d.emit(f"{pending} = {_EMPTY[kind]}")
    with d.block(f"for {item} in {items}:"):
        if depth == 3:
            d.indent += 1
            d.lines.append("    " * (d.indent - 1) + f"if {item_guard(d, item)}:")
        d.emit(fill)
        with d.block(f"if len({pending}) >= {size}:"):
            for stmt in close:
                d.emit(stmt.format(batches=batches))
        if depth == 3:
            d.indent -= 1
    d.op("list/append")
    d.op("len")
    d.focus_uses += 1
    d.focus_nesting = max(d.focus_nesting, 1)
    d.op(f"{kind}/clear")
    d.emit(f"return ({batches}, {summary})")


def _close(d: Draft, pending: str, summary: str) -> list[str]:
    """The statements that close a batch (``{batches}`` left to fill in): inline, or at level 6 through a
    helper that takes the batch and resets the buffer."""
    if d.level != 6:
        return [f"{{batches}}.append({summary})", f"{pending}.clear()"]
    name = d.name(d.rand_choice(("take_batch", "close_batch", "flush")))
    buffer, taken = "buffer", "batch"
    d.helper = [f"def {name}({buffer}):",
                f"    {taken} = {summary.replace(pending, buffer)}",
                f"    {buffer}.clear()",
                f"    return {taken}"]
    d.helper_name = name
    return [f"{{batches}}.append({name}({pending}))"]


def _split(d: Draft, depth: int) -> None:
    items = d.items_param(5, 9)
    item = d.item_name()
    runs, current = d.name("runs", "chunks"), d.name("current", "run")
    d.emit(f"{runs} = []")
    d.emit(f"{current} = []")
    with d.block(f"for {item} in {items}:"):
        fv = value_of(d, item)
        emit_focus(d, fv)
        with d.block(f"if {bare(as_test(d, fv, at=SEPARATOR_AT))}:"):
            if depth == 3:  # empty runs (two separators in a row) are dropped
                with d.block(f"if {current}:"):
                    d.emit(f"{runs}.append({current})")
            else:
                d.emit(f"{runs}.append({current})")
            d.emit(f"{current} = []")
        with d.block("else:"):
            d.emit(f"{current}.append({item})")
    d.op("list/append", 2)
    if depth == 3:
        with d.block(f"if {current}:"):
            d.emit(f"{runs}.append({current})")
    else:
        d.emit(f"{runs}.append({current})")
    d.emit(f"return {runs}")
