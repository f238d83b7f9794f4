"""The pieces every pattern is written with: a ``Draft`` (code writer, parameters, input pools, operation
counts) and ``FocusValue``, the catalog's focus operation applied to one data item.

Contract: a pattern's ``render(draft, depth)`` writes the body of the entry function with exactly ``depth``
nested control structures (if/for/while; an ``elif`` is not deeper), reads every parameter, and raises
``Unfit`` when it cannot be written for this focus and these inputs (the caller draws again). Nothing here
executes generated code: the catalog's callables are applied to the generator's own drawn values to pick
arguments and thresholds; the sandbox decides what ships.
"""

from __future__ import annotations

import ast
import copy
import functools
import operator
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from execgym import astparse
from execgym.synth.catalog import RECEIVER_INPUT_KINDS, Form, Operation, receiver_ok
from execgym.synth.focus_effect import IDENTITY_FOCUS
from execgym.synth.parens import statement
from execgym.synth.slots import NoValue, fresh
from execgym.synth.values import kind_of, literal

ELEMENT_SHARE = 0.5   # share of drawn items left as drawn when the focus's arguments name an element
GUARD_ON_FOCUS = 0.5  # share of item guards that test the focus value (see item_guard)
CONSTANT_SHARE = 0.2  # share of drawn items that repeat one of the focus's own arguments (see draw_one)
# a focus that changes fewer than RARE_CHANGE of the sample items (``expandtabs`` of words, ``abs`` of mostly
# positive numbers) has CHANGED_ITEM_SHARE of the items drawn after it repeat one of the items it changed, so
# the shipped inputs show what it does (see ``Draft.changed_items``)
RARE_CHANGE = 0.3
CHANGED_ITEM_SHARE = 0.3
CHAIN_SHARE = 0.25    # share of numeric tests written as a chained comparison ``lo <= n < hi``
CHAIN_SHARE_LEVEL3 = 0.5  # the same at level 3, whose programs hold few tests
ASSERT_SHARE = 0.1    # share of limit parameters whose precondition the function asserts
PROBE_ITEMS = 24  # drawn items the focus (with its chosen arguments) is tried on before a draft is kept
SECOND_USE_DRAWS = 8  # draws of other arguments for a second use of the focus before it is used once
PROBE_SAMPLES = 32  # sample items a draft that asks for them (``Draft.probe_samples``) adds


class Unfit(Exception):
    """This pattern cannot be written for this focus / these inputs; draw another."""


WORDS = ("apple", "bread", "cider", "delta", "ember", "frost", "grape", "harbor", "ivory", "jungle", "kettle",
         "lemon", "mango", "north", "olive", "pepper", "quartz", "river", "stone", "tiger", "umber", "velvet",
         "willow", "yarrow", "zephyr", "amber", "birch", "coral", "dune", "elm", "fig", "glade", "hazel")
ODD_WORDS = ("  ", "\t", "café", "naïve", "a\nb", "x y", "", "Dune", "ICE", "12.5")
KEYS = ("red", "blue", "green", "gold", "gray", "pink", "teal", "plum")

# the names a pattern gives its data, by the kind of one item
ITEM_NAMES: dict[str, tuple[str, str]] = {
    "str": ("words", "word"), "int": ("numbers", "number"), "float": ("prices", "price"),
    "bool": ("flags", "flag"), "list_int": ("rows", "row"), "list_str": ("groups", "group"),
    "tuple_int": ("pairs", "pair"), "tuple_str": ("records", "record"), "set_int": ("buckets", "bucket"),
    "set_str": ("tags", "tag"), "dict": ("tables", "table"),
}
_FEW_WORDS = WORDS[:12]  # the words of list_str / tuple_str items
_TAG_WORDS = WORDS[:10]  # the words of set_str items


# Exact, cheaper stand-ins for two ``random.Random`` methods on the hot drawing paths. In CPython 3.11
# (random.py), ``randint(a, b)`` is ``randrange(a, b + 1)``, which for int arguments and step 1 returns
# ``a + _randbelow(b + 1 - a)``, and ``choice(seq)`` returns ``seq[_randbelow(len(seq))]``: calling
# ``_randbelow`` directly consumes the stream exactly as they do (same numbers, same programs), minus the
# argument checks, which these helpers keep for the empty cases (``_randbelow(0)`` would never return).
def randbelow(r: random.Random, n: int) -> int:
    """``r.randrange(n)``, drawn the same way: 3.11's ``randrange(n)`` returns ``_randbelow(n)`` for ``n > 0``."""
    if n <= 0:
        raise ValueError("empty range for randrange()")
    if _GETRANDBITS_BELOW and type(r) is _RANDOM:  # ``_randbelow``'s own loop, without its frame (see below)
        k = n.bit_length()
        x = r.getrandbits(k)
        while x >= n:
            x = r.getrandbits(k)
        return x
    return r._randbelow(n)


def randint(r: random.Random, low: int, high: int) -> int:
    """``r.randint(low, high)``, drawn the same way (see above)."""
    if high < low:
        raise ValueError(f"empty range for randint({low}, {high})")
    n = high - low + 1
    if _GETRANDBITS_BELOW and type(r) is _RANDOM:
        k = n.bit_length()
        x = r.getrandbits(k)
        while x >= n:
            x = r.getrandbits(k)
        return low + x
    return low + r._randbelow(n)


def choice(r: random.Random, seq: Sequence[Any]) -> Any:
    """``r.choice(seq)``, drawn the same way (see above)."""
    if not seq:
        raise IndexError("Cannot choose from an empty sequence")
    n = len(seq)
    if _GETRANDBITS_BELOW and type(r) is _RANDOM:
        k = n.bit_length()
        x = r.getrandbits(k)
        while x >= n:
            x = r.getrandbits(k)
        return seq[x]
    return seq[r._randbelow(n)]


# ``Random._randbelow`` in CPython 3.11 is ``_randbelow_with_getrandbits``: ``getrandbits(n.bit_length())``, drawn
# again while the value is not below ``n``. ``draws_below`` and the helpers above repeat that loop themselves for
# a plain ``random.Random`` (a subclass, or another ``_randbelow``, gets its own method).
_GETRANDBITS_BELOW = random.Random._randbelow is random.Random._randbelow_with_getrandbits
_RANDOM = random.Random


def draws_below(r: random.Random, n: int, count: int) -> list[int]:
    """``[r._randbelow(n) for _ in range(count)]`` (``n`` > 0), the same numbers from the same stream, drawn in one
    frame (the loop of ``_randbelow_with_getrandbits``, see above) when ``r`` is a plain ``random.Random``."""
    if not _GETRANDBITS_BELOW or type(r) is not _RANDOM:
        return [r._randbelow(n) for _ in range(count)]
    k = n.bit_length()
    bits = r.getrandbits
    out = []
    for _ in range(count):
        x = bits(k)
        while x >= n:
            x = bits(k)
        out.append(x)
    return out


def sample_small(r: random.Random, population: list[Any], k: int) -> list[Any]:
    """``r.sample(population, k)``, drawn the same way: for a population of at most 21 items (``k`` <= its size)
    3.11's ``sample`` takes ``pool[_randbelow(n - i)]`` for ``i`` in ``range(k)``, moving the last unpicked item
    into the gap (random.py); anything else goes to ``r.sample`` itself."""
    n = len(population)
    if n > 21 or not 0 <= k <= n:
        return r.sample(population, k)
    pool = list(population)
    picked = []
    for i in range(k):
        j = r._randbelow(n - i)
        picked.append(pool[j])
        pool[j] = pool[n - i - 1]
    return picked


def draw_word(r: random.Random) -> str:
    roll = r.random()
    if roll < 0.55:
        return choice(r, WORDS)
    if roll < 0.7:
        return choice(r, WORDS).upper() if r.random() < 0.5 else choice(r, WORDS).title()
    if roll < 0.85:
        return str(randint(r, 0, 99)) if r.random() < 0.7 else f"{randint(r, 1, 9)}{choice(r, 'abc')}"
    if roll < 0.89:
        return f" {choice(r, WORDS)} " if r.random() < 0.5 else f"{choice(r, WORDS)}-{choice(r, WORDS)}"
    if roll < 0.93:
        return choice(r, ODD_WORDS)
    return f"{choice(r, WORDS)}{randint(r, 0, 9)}"  # a name with a number (``'mango3'``), as in real data


def draw_item(kind: str, r: random.Random, keys: Sequence[str] = KEYS[:4]) -> Any:
    """One small data item of ``kind`` (containers hold 0-5 elements, ints include negatives and 0)."""
    drawer = ITEM_DRAWERS.get(kind)
    if drawer is None:
        raise Unfit(f"no item pool for {kind}")
    return drawer(r, keys)


# one drawer per item kind (``draw_item``'s dispatch). A container's size is ``randint(r, 1, 5)`` nine times in
# ten (else 0); its elements: ``randint(r, -3, 15)`` is ``-3 + _randbelow(19)``, ``choice(r, words)`` is
# ``words[_randbelow(len(words))]`` (see ``randint``), each drawn ``size`` times in a row
def _size(r: random.Random) -> int:
    return randint(r, 1, 5) if r.random() < 0.9 else 0


def _draw_float(r: random.Random, keys: Sequence[str]) -> float:
    return randint(r, -4, 20) + choice(r, (0.0, 0.25, 0.5, 0.75))


def _draw_list_int(r: random.Random, keys: Sequence[str]) -> list[int]:
    size = _size(r)
    return [x - 3 for x in draws_below(r, 19, size)] if r.random() < 0.9 else [0] * size


def _draw_dict(r: random.Random, keys: Sequence[str]) -> dict[str, int]:
    _size(r)  # drawn as for every container (the keys decide the size)
    names = sample_small(r, list(keys), randint(r, 1, len(keys)))
    return {k: x - 2 for k, x in zip(names, draws_below(r, 15, len(names)))}


ITEM_DRAWERS: dict[str, Callable[[random.Random, Sequence[str]], Any]] = {
    "str": lambda r, keys: draw_word(r),
    "int": lambda r, keys: randint(r, -6, 30),
    "float": _draw_float,
    "bool": lambda r, keys: r.random() < 0.5,
    "list_int": _draw_list_int,
    "list_str": lambda r, keys: [_FEW_WORDS[x] for x in draws_below(r, len(_FEW_WORDS), _size(r))],
    "tuple_int": lambda r, keys: tuple(x - 3 for x in draws_below(r, 19, _size(r))),
    "tuple_str": lambda r, keys: tuple(_FEW_WORDS[x] for x in draws_below(r, len(_FEW_WORDS), _size(r))),
    "set_int": lambda r, keys: set(draws_below(r, 13, _size(r))),
    "set_str": lambda r, keys: {_TAG_WORDS[x] for x in draws_below(r, len(_TAG_WORDS), _size(r))},
    "dict": _draw_dict,
}


@dataclass
class Param:
    name: str
    draw: Callable[[random.Random], Any]


@dataclass
class Draft:
    """One entry function being written (plus an optional helper) and the pools its inputs come from."""

    rng: random.Random
    level: int
    focus: Operation
    item_kind: str
    params: list[Param] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    helper: list[str] = field(default_factory=list)
    ops: Counter = field(default_factory=Counter)
    indent: int = 1
    names: set[str] = field(default_factory=set)
    focus_uses: int = 0
    focus_nesting: int = 0
    helper_name: str = ""
    entry_name: str = ""  # the entry's name when the pattern needs it (a function that calls itself)
    inner: str = ""                                      # the pattern a wrapper (helper_entry) wrote
    keys: tuple[str, ...] = KEYS[:4]
    constants: list[Any] = field(default_factory=list)  # focus arguments of the item's kind (inputs reuse them)
    # literals of the item's kind written after the sample results were computed (inputs reuse them too; the
    # sample items stay ``samples + constants``)
    later_constants: list[Any] = field(default_factory=list)
    elements: list[Any] = field(default_factory=list)   # focus arguments found inside the pivot item
    element_always: bool = False
    error_budget: float = 0.0   # share of drawn items the focus may raise on (pool inputs that fail are dropped)
    samples: list[Any] = field(default_factory=list)    # the items of the first drawn input (for thresholds)
    test_truths: list[Any] = field(default_factory=list)   # the last as_test's value per focus result (None: raised)
    guard_truths: list[Any] = field(default_factory=list)  # the last item_guard's value per sample (None: unknown)
    guard_fn: Callable[[Any], Any] | None = None  # the last item_guard's test on one item (None: unknown)
    probe_samples: int = 0      # set: the next focus_value adds PROBE_SAMPLES pool-drawn items to ``samples``
    reference: str = ""         # the reference parameter the focus is also applied to (see ``_reference``)
    last_items: list[Any] = field(default_factory=list)  # the items the main parameter drew last
    items_high: int = 0         # the longest list the main parameter draws (``items_param``)
    empty_share: float = 0.0    # share of inputs whose main parameter is empty (a draft that handles it)
    changed_items: list[Any] = field(default_factory=list)  # sample items a rarely-changing focus changed
    # whether the focus, applied once, gave every sample item back as long as it was (``reversed``,
    # ``enumerate``, ``w.encode()`` of ASCII words): then no length built from its values tells anything of it
    focus_keeps_length: bool | None = None
    loop_starts: list[int] = field(default_factory=list)  # indices in ``lines`` of the open loops' headers
    # the focus values an item guard tested (``if len(w.strip()) > 3:``), with a name for each: a body that
    # computes the same value again reads it from a variable set before the test (``name_guarded_values``)
    guard_values: list[tuple[str, str]] = field(default_factory=list)

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        loop = header.startswith(("for ", "while "))
        if loop:
            self.loop_starts.append(len(self.lines))
        self.emit(header)
        self.indent += 1
        try:
            yield
        finally:
            self.indent -= 1
            if loop:
                self.loop_starts.pop()

    def hoist(self, stmt: str) -> None:
        """``stmt`` (which reads only parameters) just before the outermost open loop, or here when no loop is
        open (a comprehension is written after its focus value)."""
        if not self.loop_starts:
            self.emit(stmt)
            return
        at = self.loop_starts[0]
        header = self.lines[at]
        self.lines.insert(at, header[:len(header) - len(header.lstrip())] + stmt)
        self.loop_starts = [i + 1 for i in self.loop_starts]

    def name(self, *options: str) -> str:
        for option in options:
            if option not in self.names:
                self.names.add(option)
                return option
        base = options[0]
        k = 2
        while f"{base}_{k}" in self.names:
            k += 1
        self.names.add(f"{base}_{k}")
        return f"{base}_{k}"

    def op(self, key: str, times: int = 1) -> None:
        self.ops[key] += times

    def param(self, name: str, draw: Callable[[random.Random], Any]) -> str:
        self.names.add(name)
        self.params.append(Param(name, draw))
        return name

    def items_param(self, low: int = 3, high: int = 7) -> str:
        """The main parameter: a list of items of ``item_kind`` (the focus's receivers); longer lists at
        higher levels (so line steps grow with the level)."""
        plural, _ = ITEM_NAMES[self.item_kind]
        more = max(0, self.level - 3) + (self.level >= 5)   # deeper tests at 5-6 skip more, so longer lists
        low, high = low + more, high + 2 * more
        self.items_high = high

        def draw(r: random.Random) -> list:
            if self.empty_share and r.random() < self.empty_share:
                self.last_items = []
            else:
                self.last_items = self.draw_items(r, randint(r, low, high))
            return self.last_items

        name = self.param(plural, draw)
        self.samples = draw(random.Random(self.rng.random()))
        return name

    def limit(self, low: int, high: int, name: str = "limit") -> str:
        """A parameter that bounds a running counter (drawn from ``low..high`` for every input); now and then the
        function opens by asserting the precondition every input meets (``assert limit >= 0``)."""
        got = self.param(self.name(name, "budget"), lambda r: randint(r, low, high))
        if low >= 0 and self.rng.random() < ASSERT_SHARE:
            self.precondition(f"{got} >= {low}" if low != 1 or self.rng.random() < 0.5 else f"{got} > 0")
        return got

    def precondition(self, test: str) -> None:
        """``assert test`` as the entry's first statement (a test that holds for every input the pools draw)."""
        if not any(line.strip().startswith("assert ") for line in self.lines):
            self.lines.insert(0, f"    assert {test}")
            self.loop_starts = [i + 1 for i in self.loop_starts]

    def draw_one(self, r: random.Random) -> Any:
        """One item as the input pools draw them: now and then one of the focus's own arguments of the
        item's kind (so ``word == 'apple'`` is true for some inputs)."""
        if self.constants and r.random() < CONSTANT_SHARE:
            pool = self.constants + self.later_constants if self.later_constants else self.constants
            return copy_item(pool[randbelow(r, len(pool))])
        if self.changed_items and r.random() < CHANGED_ITEM_SHARE:
            return copy_item(self.changed_items[randbelow(r, len(self.changed_items))])
        drawer = ITEM_DRAWERS.get(self.item_kind)
        item = drawer(r, self.keys) if drawer is not None else draw_item(self.item_kind, r, self.keys)
        if not self.elements:  # with_element would return the item as it is, drawing nothing
            return item
        return with_element(item, self.elements, r, self.element_always)

    def draw_items(self, r: random.Random, count: int) -> list[Any]:
        """``[self.draw_one(r) for _ in range(count)]``: the same items from the same stream, drawn in one frame
        (``draw_one``'s steps, the draft's pools looked up once: drawing never changes them) unless a pattern
        gave the draft its own ``draw_one``. Every item is a fresh object (a pool's item comes as a copy)."""
        drawer = ITEM_DRAWERS.get(self.item_kind)
        if drawer is None or "draw_one" in self.__dict__:
            return [self.draw_one(r) for _ in range(count)]
        constants, changed, keys = self.constants, self.changed_items, self.keys
        pool = constants + self.later_constants if self.later_constants else constants
        elements, always = self.elements, self.element_always
        rand = r.random
        out = []
        for _ in range(count):
            if constants and rand() < CONSTANT_SHARE:
                out.append(copy_item(pool[randbelow(r, len(pool))]))
            elif changed and rand() < CHANGED_ITEM_SHARE:
                out.append(copy_item(changed[randbelow(r, len(changed))]))
            elif elements:
                out.append(with_element(drawer(r, keys), elements, r, always))
            else:
                out.append(drawer(r, keys))
        return out

    def item_name(self) -> str:
        return self.name(ITEM_NAMES[self.item_kind][1], "item")

    def rand_choice(self, options: Sequence[Any]) -> Any:
        return options[randbelow(self.rng, len(options))]


# ------------------------------------------------------------------------------------------- the focus
@dataclass
class FocusValue:
    """``expr`` is the focus applied to the item variable (after the statements ``pre``); ``results`` are its
    values on the sample items (None where the item raised); ``error`` names the exception some items raise."""

    pre: list[str]
    expr: str
    results: list[Any]
    error: str = ""
    kind: str = ""
    # the focus as written here, as a function of one item (set on a single use without statements, so that a
    # pattern may apply it to a second value: ``text.lower() == other.lower()``)
    apply: Callable[[Any], Any] | None = None
    write: Callable[[str], str] | None = None   # ``expr`` for another variable in place of the item's
    # the names besides the item's that ``expr`` reads, with the values ``results`` were computed with (a
    # reference argument and its focus value: ``{"target": "Fig", "wanted": "fig"}``)
    env: dict[str, Any] = field(default_factory=dict)
    noun: str = ""   # a name for a variable holding ``expr`` when the focus's own noun would mislead (a test)
    # ``expr`` for another variable with the same arguments (set wherever ``expr`` is one use of the focus without
    # statements, folding arithmetic included): the same key on both sides of a comparison, ``clean(a) <= clean(b)``
    twin: Callable[[str], str] | None = None


def _inside(value: Any, container: Any) -> bool:
    if isinstance(value, bool) or value is None or not isinstance(container, (str, list, tuple, set, dict)):
        return False
    try:
        return (isinstance(container, str) == isinstance(value, str)) and value in container and value != container
    except TypeError:
        return False


def _fragment(value: Any) -> bool:
    """Whether ``value`` is a piece of a pool word and no word itself (``'lve'``, ``'tig'``): an argument the
    inputs hold inside words (``with_element``), not as an item of its own."""
    return isinstance(value, str) and value.lower() not in WORDS and bool(_words_holding(value))


@functools.lru_cache(maxsize=512)
def _words_holding(part: str) -> tuple[str, ...]:
    """The pool's words that hold ``part`` (any case: ``'Velvet'`` for ``'Ve'``), in a fixed order."""
    if not part or not part.strip():
        return ()
    return tuple(case(w) for w in WORDS for case in (str.lower, str.title, str.upper) if part in case(w))


def with_element(item: Any, elements: Sequence[Any], r: random.Random, always: bool = False) -> Any:
    """``item`` with, half of the time (or ``always``), one of ``elements`` put in (so ``xs.remove(7)`` finds
    its 7)."""
    if not elements or (not always and r.random() < ELEMENT_SHARE):
        return item
    x = elements[randbelow(r, len(elements))]
    if isinstance(item, str) and isinstance(x, str):
        holders = _words_holding(x)
        if holders:  # a real word that holds it (``'ivory'`` for ``'vo'``), not ``'tivoger'``
            return holders[randbelow(r, len(holders))]
        return x + item if r.random() < 0.5 else item + x  # at a start or an end, not inside a word
    if isinstance(item, (list, tuple)):
        at = randint(r, 0, len(item))
        return type(item)([*item[:at], x, *item[at:]])
    if isinstance(item, set):
        return item | {x}
    if isinstance(item, dict) and isinstance(x, str):
        return {**item, x: randint(r, 0, 9)}
    return item


def _real_word(r: random.Random) -> str:
    """A word a slot makes up (``w.startswith('pe')``, ``tags | {'birch'}``): a real one, not random letters."""
    return WORDS[r._randbelow(len(WORDS))]


def _key_word(r: random.Random) -> str:
    """A key a slot of a dict operation makes up (``table.get('teal', 3)``): a colour like the items' keys."""
    return KEYS[r._randbelow(len(KEYS))]


_NO_ONE = frozenset({"{0} * {1}", "list(range(0, {0}, {1}))"})  # ``n * 1``, a step of 1: what no one writes


def _slot_text(spec: str, r: random.Random, sample: Any, draft: Draft, template: str = "") -> tuple[str, Any]:
    if spec == "boolvar":
        if not any(p.name == "strict" for p in draft.params):
            draft.param("strict", lambda rr: rr.random() < 0.5)
        return "strict", None
    if spec == "same" and draft.focus.name in _ORDERINGS and type(sample) in (list, tuple) and sample:
        return _bound(r, sample)
    try:
        value = fresh(spec, r, sample, _key_word if isinstance(sample, dict) else _real_word)
    except NoValue as exc:
        raise Unfit(str(exc)) from exc
    if value == 1 and spec == "small" and template in _NO_ONE:
        value = 2 + randbelow(r, 2)
    return literal(value), value


_ORDERINGS = frozenset({"<", "<=", ">", ">="})


def _bound(r: random.Random, sample: list | tuple) -> tuple[str, Any]:
    """The bound a list or tuple is ordered against, as people write one (``row >= [11, 5]``, ``point < (3,)``): one
    or two elements, the first one of the item's own (so that items tie on it now and then and the second element
    decides), the second new."""
    first = sample[randbelow(r, len(sample))]
    if r.random() < 0.3:
        values = [first]
    elif isinstance(first, str):
        values = [first, _real_word(r)]
    else:
        values = [first, first + randint(r, -3, 6) if isinstance(first, int) else first]
    value = tuple(values) if isinstance(sample, tuple) else values
    return literal(value), value


_ATOMS = frozenset({str, int, float, bool, bytes, type(None)})  # types ``copy.deepcopy`` returns as they are


def copy_item(value: Any) -> Any:
    """``copy.deepcopy(value)``, made cheaply for the flat items the pools draw: an atom, or a tuple of atoms, is
    returned as it is (deepcopy does the same); a list or a dict of atoms is copied shallowly (deepcopy would copy
    only atoms, which it returns as they are); a set of atoms is rebuilt from the list of its items, as deepcopy
    rebuilds it (``set.__reduce__``), so it iterates (and pops) in the same order. Anything else: deepcopy."""
    cls = type(value)
    if cls in _ATOMS:
        return value
    if cls is list or cls is tuple or cls is set:
        if _ATOMS.issuperset(map(type, value)):  # every element an atom
            return value if cls is tuple else list(value) if cls is list else set(list(value))
    elif cls is dict and _ATOMS.issuperset(map(type, value)) and _ATOMS.issuperset(map(type, value.values())):
        return dict(value)
    return copy.deepcopy(value)


def _apply_form(form: Form, recv: Any, args: list[Any]) -> Any:
    recv = copy_item(recv)
    out = form.fn(recv, *args)
    return recv if form.statement and out is None else out


def focus_value(draft: Draft, var: str, samples: Sequence[Any], *, twice: bool = True,
                allow_errors: bool = False, reference: bool = False) -> FocusValue:
    """The focus operation applied to ``var`` (an item), nested in the way people write it when ``twice``:
    its result fed to another use of it with other arguments (``w.replace('a', 'b').replace('c', 'd')``),
    or used again on a second value inside one expression."""
    focus, r = draft.focus, draft.rng
    if focus.name == "clear" and draft.level >= 3:  # the pattern ``runs`` resets a buffer with it instead
        raise Unfit("a cleared copy of an item is empty whatever the item")
    usable = [s for s in samples if receiver_ok(focus, s)]
    if not usable:
        raise Unfit("no item is a receiver of the focus")
    form = focus.forms[randbelow(r, len(focus.forms))]
    pivot = usable[randbelow(r, len(usable))]
    texts, values, bool_args = [], [], []
    for spec in form.slots:
        text, value = _slot_text(spec, r, pivot, draft, form.template)
        texts.append(text)
        values.append(value)
        bool_args.append(spec == "boolvar")
    draft.constants.extend(v for v in values if v is not None and kind_of(v) == kind_of(pivot) and not _fragment(v))
    draft.elements.extend(v for v in values if _inside(v, pivot))
    if draft.probe_samples and samples is draft.samples:
        # more sample items, drawn as the pools will draw them now that the focus's arguments are known
        draft.probe_samples = 0
        extra = random.Random(r.random())
        draft.samples = samples = [*samples, *draft.draw_items(extra, PROBE_SAMPLES)]
    if draft.constants:
        samples = [*samples, *draft.constants]
    results: list[Any] = []
    error = ""
    for n, s in enumerate(samples):
        args = [n % 2 == 0 if b else v for v, b in zip(values, bool_args)]
        try:
            results.append(_apply_form(form, s, args))
        except Exception as exc:  # a precondition this item does not meet
            results.append(None)
            error = error or type(exc).__name__
    # the inputs the pool will draw: the focus must (almost) never raise on them either
    probe = random.Random(r.random())
    probe_args = [True if b else v for v, b in zip(values, bool_args)]  # the same for every probed item
    # (drawn first, then tried: the focus never draws from ``probe``; fresh items, so tried without a copy)
    failures = 0
    fn = form.fn
    for item in draft.draw_items(probe, PROBE_ITEMS):
        try:
            fn(item, *probe_args)
        except Exception as exc:  # a precondition the item does not meet
            error = error or type(exc).__name__
            failures += 1
    if failures > draft.error_budget * PROBE_ITEMS and draft.elements and not draft.element_always:
        draft.element_always = True  # every drawn item then holds the element the focus looks for
        failures = 0
        for item in draft.draw_items(probe, PROBE_ITEMS):
            try:
                fn(item, *probe_args)
            except Exception:  # noqa: BLE001
                failures += 1
        error = error if failures else ""
    if error and not allow_errors and failures > draft.error_budget * PROBE_ITEMS:
        raise Unfit("the focus raises on some items")
    if not allow_errors:
        error = ""
    if all(x is None for x in results):
        raise Unfit("the focus fails on every item")
    key = f"{focus.type}/{focus.name}"
    if draft.focus_keeps_length is None:
        draft.focus_keeps_length = _keeps_length_of(samples, results)
    if key not in IDENTITY_FOCUS and _changes_nothing(samples, results):
        raise Unfit("the focus changes none of the drawn items")
    if key not in IDENTITY_FOCUS and not draft.changed_items:
        draft.changed_items = _rarely_changed(samples, results)
    draft.focus_uses += 1
    draft.op(key)
    if focus.name in COPIES and draft.level >= 3 and not error and type(pivot) in (list, set, dict):
        return changed_copy(draft, fill(form.template, var, *texts), samples)
    if focus.mutates or form.statement:
        work = draft.name("work", "current", "scratch")
        copy_text = {"list": f"list({var})", "dict": f"dict({var})", "set": f"set({var})"}.get(
            kind_of(pivot).split("_")[0], f"{var}.copy()")
        stmt = fill(form.template, work, *texts)
        sample_out = form.fn(copy_item(pivot), *[True if b else v for v, b in zip(values, bool_args)])
        pre = [f"{work} = {copy_text}"]
        if sample_out is not None and not form.statement.startswith("aug"):
            got = draft.name(focus.noun if focus.noun != "result" else "taken")
            pre.append(f"{got} = {stmt}")
            if twice and not error and form.slots and "boolvar" not in form.slots and kind_of(pivot) != "set_str":
                again = _take_again(draft, form, work, got, stmt, texts, values, samples, pivot)
                if again is not None:
                    return FocusValue([*pre, *again.pre], again.expr, again.results, error)
            if twice and not error and not form.slots:
                again = _take_next(draft, form, work, got, stmt, samples)
                if again is not None:
                    return FocusValue([*pre, *again.pre], again.expr, again.results, error)
            return FocusValue(pre, got, [form.fn(copy_item(s), *values) if x is not None else None
                                         for s, x in zip(samples, results)], error)
        pre.append(stmt)
        if twice and form.slots and not form.statement.startswith("aug") and "boolvar" not in form.slots:
            pairs = [_slot_text(spec, r, pivot, draft, form.template) for spec in form.slots]
            texts2 = [t for t, _ in pairs]
            if texts2 != texts:
                twice_results = []
                for x in results:
                    try:
                        twice_results.append(None if x is None else _apply_form(form, x, [v for _, v in pairs]))
                    except Exception:  # noqa: BLE001 -- the second use does not apply to this item
                        twice_results.append(None)
                if all(x is not None for x in twice_results) and \
                        list(map(stable_key, twice_results)) != list(map(stable_key, results)):
                    pre.append(fill(form.template, work, *texts2))
                    draft.op(key)
                    draft.focus_uses += 1
                    return FocusValue(pre, work, twice_results, error)
        return FocusValue(pre, work, results, error)
    text = fill(form.template, var, *texts)
    if twice and not error and form.template not in _FOLDING and focus.name not in COPIES:
        again = _nest(draft, form, text, results, texts, pivot, samples)
        if again is not None:
            return again
        again = _combine(draft, form, var, text, samples, results, texts, values, pivot)
        if again is not None:
            return again
        again = _pair(draft, form, var, samples, results, texts, values, pivot)
        if again is not None:
            return again
        if reference:
            again = _reference(draft, form, var, samples, results, texts, values)
            if again is not None:
                return again
    if twice and not error and form.template in _FOLDING:
        again = _around(draft, form, var, text, samples, results, texts, values, pivot)
        if again is not None:
            return again
    if twice and error and form.template not in _FOLDING:
        again = _forgiven_pair(draft, form, var, text, samples, results, texts, pivot, error)
        if again is not None:
            return again
    draft.focus_nesting = max(draft.focus_nesting, 1)
    def twin(other: str) -> str:
        return fill(form.template, other, *texts)

    if "boolvar" in form.slots or form.template in _FOLDING:
        return FocusValue([], text, results, error, twin=twin)
    args = list(values)
    return FocusValue([], text, results, error, apply=lambda item: _apply_form(form, item, args),
                      write=twin, twin=twin)


COPIES = frozenset({"copy", "[:]"})  # the focuses that copy their receiver (a second use would copy a copy)


def changed_copy(draft: Draft, text: str, samples: Sequence[Any]) -> FocusValue:
    """A copy made to be changed, as people copy inside a loop: ``snapshot = bucket.copy()`` then
    ``snapshot.add(7)`` (``append`` for a list, a new key for a dict), the value one the samples lack so that the
    copy differs from every item, which the change leaves as it was; ``text`` is the copy itself."""
    held = draft.name("snapshot", "copied")
    inner = [y for s in samples for y in s]
    if isinstance(samples[0], dict):
        fresh = [k for k in KEYS if k not in inner] or list(KEYS)  # a key the items do not have: a new entry
        key, number = fresh[randbelow(draft.rng, len(fresh))], randbelow(draft.rng, 13)
        change, method = f"{held}[{literal(key)}] = {number}", "dict/dict[key] = value"

        def changed(x: Any) -> Any:
            return {**x, key: number}
    else:
        words = bool(inner) and all(type(y) is str for y in inner)
        fresh = [w for w in WORDS if w not in inner] if words else [n for n in range(-3, 21) if n not in inner]
        value = fresh[randbelow(draft.rng, len(fresh))] if fresh else 0
        name = "add" if isinstance(samples[0], set) else "append"
        change, method = f"{held}.{name}({literal(value)})", f"{'set' if name == 'add' else 'list'}/{name}"

        def changed(x: Any) -> Any:
            return x | {value} if isinstance(x, set) else [*x, value]
    draft.op(method)
    return FocusValue([f"{held} = {bare(text)}", change], held, [changed(s) for s in samples])


def _changes_nothing(samples: Sequence[Any], results: Sequence[Any]) -> bool:
    """Whether the focus gave back every sample item unchanged (``expandtabs`` of words without tabs, ``abs`` of
    positive numbers, ``sort`` of sorted lists, ``discard`` of a missing item), so the program's output
    would be the same without it."""
    pairs = [(s, x) for s, x in zip(samples, results) if x is not None]
    return bool(pairs) and all(type(s) is type(x) and stable_key(s) == stable_key(x) for s, x in pairs)


def _rarely_changed(samples: Sequence[Any], results: Sequence[Any]) -> list[Any]:
    """The distinct sample items the focus changed, when the items equal to one of them are fewer than
    ``RARE_CHANGE`` of the items it ran on (empty otherwise): the items later draws repeat now and then
    (``Draft.draw_one``). Each item's key is computed once."""
    pairs = [(s, x) for s, x in zip(samples, results) if x is not None]
    keys = []
    changed: dict[str, Any] = {}
    for s, x in pairs:
        key = stable_key(s)
        keys.append(key)
        if type(s) is not type(x) or key != stable_key(x):
            changed.setdefault(key, s)
    if not changed or sum(1 for key in keys if key in changed) >= RARE_CHANGE * len(pairs):
        return []
    return [copy_item(v) for v in changed.values()]


def _take_again(draft: Draft, form: Form, work: str, got: str, stmt: str, texts: list[str], values: list[Any],
                samples: Sequence[Any], pivot: Any) -> FocusValue | None:
    """A mutator that returns a value applied again to the same copy with other arguments, the two values joined
    (``first = work.pop('red', 0)``, ``second = work.pop('gold', 0)``, ``first + second``;
    ``work.setdefault('blue', 3) < work.setdefault('teal', 1)``); None when no other arguments run on every
    sample or no join tells something. ``pre`` holds only the second statement."""
    for pairs in _other_slots(draft, form, texts, lambda: pivot):
        values2 = [v for _, v in pairs]
        a, b = [], []
        try:
            for s in samples:
                copied = copy_item(s)
                a.append(form.fn(copied, *values))
                b.append(form.fn(copied, *values2))
        except Exception:  # noqa: BLE001 -- the second use does not apply to every sample
            continue
        second = draft.name("second", "other_taken")
        joined = join_uses(draft, a, b, a, got, second, {int: ("+", "<"), float: ("+", "<"), str: ("+",)})
        if joined is None:
            draft.names.discard(second)
            continue
        draft.op(f"{draft.focus.type}/{draft.focus.name}")
        return FocusValue([f"{second} = {fill(form.template, work, *[t for t, _ in pairs])}"], joined.expr,
                          joined.results)
    return None


def _take_next(draft: Draft, form: Form, work: str, got: str, stmt: str, samples: Sequence[Any]
               ) -> FocusValue | None:
    """A mutator that takes an item and no argument applied again to the same copy, taking the next item, the two
    joined (``last = work.pop()``, ``second = work.pop()``, ``last + second``); None when some sample has too few
    items for it or no join tells something. ``pre`` holds only the second statement."""
    a, b = [], []
    try:
        for s in samples:
            copied = copy_item(s)
            a.append(form.fn(copied))
            b.append(form.fn(copied))
    except Exception:  # noqa: BLE001 -- a sample with one item: the second take raises
        return None
    second = draft.name("second", "next_taken")
    first_text, second_text = got, second
    if all(type(x) is tuple and len(x) == 2 and type(x[1]) is int for x in (*a, *b)):  # popitem: the two values
        a, b = [x[1] for x in a], [x[1] for x in b]
        first_text, second_text = f"{got}[1]", f"{second}[1]"
    joined = join_uses(draft, a, b, a, first_text, second_text,
                       {int: ("+", "<"), float: ("+", "<"), str: ("+",)})
    if joined is None:
        draft.names.discard(second)
        return None
    return FocusValue([f"{second} = {stmt}"], joined.expr, joined.results)


def stable_key(value: Any) -> str:
    """A text that tells values apart the same way in every process: ``repr``, except that sets (anywhere inside)
    are written sorted, since a set's ``repr`` follows the hash seed and its history (``{'a', 'b'}`` equal to
    ``{'b', 'a'}``)."""
    cls = type(value)
    if cls is str or cls is int or cls is float or cls is bool:
        return repr(value)
    try:
        return literal(value)
    except Exception:  # noqa: BLE001 -- a value no literal writes: its repr
        return repr(value)


def bare(expr: str) -> str:
    """``expr`` without parentheses around the whole of it (``(a or b)`` -> ``a or b``), for the right side of
    an assignment or a ``return``; a tuple (``(a, b)``), a walrus (``(n := 5)``) and a generator expression keep
    their parentheses, which they need there. Brackets inside string literals (``'('``) are not counted."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth, quote, i = 0, "", 0
    while i < len(expr):
        ch = expr[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and i != len(expr) - 1:
                return expr  # the first parenthesis closes before the end: ``(a) + (b)``
        elif depth == 1 and (ch == "," or expr.startswith((":=", " for ", "yield"), i)):
            return expr  # a tuple, a walrus, a generator expression
        i += 1
    return expr[1:-1]


# ``(n - 17) - 8``, ``(w * 3) * 2``, ``(n + 2) + (n + 5)``: a second use of these with literal arguments folds
# into one, so they are used once
_FOLDING = frozenset({"{0} + {1}", "{0} - {1}", "{0} * {1}", "{0} // {1}"})
# ``(w[1:])[2:]`` is ``w[3:]``: nested in itself, these fold into one use (other second uses stay)
_NEST_FOLDING = frozenset({"{0}[{1}:]"})
# ``n % 6 % 5``: a remainder taken of a remainder is not how people use ``%`` (they pair it with ``//`` or compare
# two remainders), so it is not nested in itself either
_NESTS_ODDLY = frozenset({"{0} % {1}"})


# a test (``if``/``elif``/``while``), a right-hand side or a returned value wrapped whole in parentheses
_WRAPPED = re.compile(r"^(?P<lead>\s*)(?P<head>(?:if|elif|while) |return |[A-Za-z_][\w.\[\]']* (?:[-+*%|&^]|//)?= )"
                      r"\((?P<body>.*)\)(?P<tail>:?)$")


# a method call statement whose one argument is wrapped whole in parentheses (``scores.append((1 if t else 0))``)
_WRAPPED_ARG = re.compile(r"^(?P<lead>\s*)(?P<head>[A-Za-z_][\w.\[\]']*\.\w+\()\((?P<body>.*)\)(?P<tail>\))$")


def unwrap(line: str) -> str:
    """``line`` without parentheses around the whole of its test, right-hand side, returned value or the one
    argument of a method call statement, as people write it (``if 'fig' in row or 'oak' in row:``,
    ``key = word[:1].upper() + word[-1:].upper()``, ``total += 1 if x > 3 else 0``,
    ``scores.append(1 if x > 3 else 0)``); a tuple keeps its parentheses (``return (moves, order)``), as does a
    walrus (``if (n := len(w)):``) or a generator expression. The statement means the same without them (the
    parentheses hold the whole expression); ``tests/synth/test_synth_patterns.py`` checks on every draft line it
    changes that the tree is the same."""
    m = _WRAPPED.match(line)
    if m is not None and (m.group("tail") == ":") != m.group("head").startswith(("if ", "elif ", "while ")):
        return line
    if m is None:
        m = _WRAPPED_ARG.match(line)
    if m is None or not _one_group(m.group("body")):
        return line
    return m.group("lead") + m.group("head") + m.group("body") + m.group("tail")


def _one_group(body: str) -> bool:
    """Whether ``(body)`` is one parenthesized expression that needs no parentheses where it stands (``bare``
    takes them off: no tuple, walrus or generator expression, and ``a) + (b`` is two groups), and no starred
    item or ``yield``."""
    return bare(f"({body})") == body and not body.lstrip().startswith(("*", "yield"))


def fill(template: str, *args: str) -> str:
    """``template`` with ``{0}``, ``{1}``... replaced (other braces, as in ``'<{}>'.format({0})``, stay)."""
    return re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))], template)


def _paren(text: str) -> str:
    return text if text.replace("_", "").replace(".", "").isalnum() or text.endswith(")") and \
        text.count("(") == 1 and text.index("(") > 0 else f"({text})"


def _other_slots(draft: Draft, form: Form, texts: list[str], sample_of: Callable[[], Any]
                 ) -> Iterator[list[tuple[str, Any]]]:
    """Up to ``SECOND_USE_DRAWS`` draws of the form's slots for a second use, each for the item ``sample_of()``
    gives (called once per draw, before the slots), as ``(text, value)`` pairs; a draw with the first use's
    ``texts`` is skipped, and a slot that cannot be filled ends the draws."""
    for _ in range(SECOND_USE_DRAWS):
        try:
            sample = sample_of()
            pairs = [_slot_text(spec, draft.rng, sample, draft, form.template) for spec in form.slots]
        except Unfit:
            return
        if [t for t, _ in pairs] != texts:
            yield pairs


def second_use(draft: Draft) -> None:
    """Count a second use of the focus: it is then nested two levels deep."""
    draft.op(f"{draft.focus.type}/{draft.focus.name}")
    draft.focus_uses += 1
    draft.focus_nesting = max(draft.focus_nesting, 2)


def _nest(draft: Draft, form: Form, text: str, results: list[Any], texts: list[str], pivot: Any,
          samples: Sequence[Any] = ()) -> FocusValue | None:
    """The focus applied again to its own result with other arguments, when that means something: the second
    use changes some sample's value, and the two together give something the second alone on the item does not
    (``max(max(n, 5), 8)`` is ``max(n, 8)``, ``(w[:2])[:1]`` is ``w[:1]``: refused). ``samples``: the items
    ``results`` were computed from (aligned)."""
    focus, r = draft.focus, draft.rng
    if not form.slots or form.template in _NEST_FOLDING or form.template in _NESTS_ODDLY or \
            "format" in form.template or \
            not all(x is not None and receiver_ok(focus, x) for x in results):
        return None  # (``format`` nested in ``format`` is an idiom the filter rejects: never drafted)
    for pairs in _other_slots(draft, form, texts, lambda: results[randbelow(r, len(results))]):
        texts2 = [t for t, _ in pairs]
        values2 = [v if spec != "boolvar" else True for (_, v), spec in zip(pairs, form.slots)]
        try:
            again = [_apply_form(form, x, values2) for x in results]
        except Exception:
            continue
        if list(map(stable_key, again)) == list(map(stable_key, results)):
            continue  # the second use changes nothing on any sample (``.replace('q', 'z')`` of words without q)
        if len(samples) == len(results) and _second_alone(form, samples, values2) == list(map(stable_key, again)):
            continue  # the first use is redundant: the second alone on the item gives the same
        second_use(draft)
        return FocusValue([], fill(form.template, _paren(text), *texts2), again)
    return None


_OPENERS = {")": "(", "]": "[", ">": "<", "}": "{", '"': '"', "'": "'", "*": "*", "_": "_", "|": "|"}


def _around(draft: Draft, form: Form, var: str, text: str, samples: Sequence[Any], results: list[Any],
            texts: list[str], values: list[Any], pivot: Any) -> FocusValue | None:
    """A second use of ``+`` or ``-`` that does not fold into the first (``(n - 3) - 5`` is ``n - 8``): text, a
    list or a tuple wrapped on both sides (``'<' + word + '>'``, ``[0] + values + [9]``; the opener of a closing
    mark when the first use added one), or a number's distances from two bounds compared (``number - 3 < 20 -
    number``, at levels 1-3, where no guard on the item comes first; the upper bound set so that the middle is the
    samples' median; kept only when that differs from
    ``number < 20`` on at least ``RARE_CHANGE`` of the samples), or what two sets do not share (``(tags - {'a'}) |
    ({'a'} - tags)``, a set of at most three written twice, when its side adds something). None when no second
    use fits."""
    if len(values) != 1 or any(x is None for x in results):
        return None
    if form.template == "{0} + {1}" and type(pivot) in (str, list, tuple):
        first = values[0]
        if isinstance(first, str) and first in _OPENERS:
            draws: Iterator[list[tuple[str, Any]]] = iter([[(literal(_OPENERS[first]), _OPENERS[first])]])
        else:
            draws = _other_slots(draft, form, texts, lambda: pivot)
        for (text2, value2), in draws:
            if type(value2) is not type(pivot) or not value2:
                continue  # ``'' + w + '!'`` adds nothing on the left
            if not isinstance(value2, str) and len(value2) > 2:  # a pad of one or two, as people pad
                value2 = value2[:1 + randbelow(draft.rng, 2)]
                text2 = literal(value2)
            try:
                wrapped = [value2 + x for x in results]
            except TypeError:
                continue
            second_use(draft)
            return FocusValue([], f"{text2} + {text}", wrapped)
        return None
    if form.template == "{0} - {1}" and type(pivot) in (int, float) and type(values[0]) is type(pivot) \
            and draft.level <= 3:  # (below a guard on the item, ``n > 24``, the comparison could be settled)
        low = values[0]
        ordered = sorted(s for s in samples if type(s) is type(pivot)) or [pivot]
        high = 2 * ordered[len(ordered) // 2] - low  # the middle of the two bounds at the samples' median
        nearer = [x < high - s for x, s in zip(results, samples)]
        if high > low and len(set(nearer)) > 1 and \
                sum(a != (s < high) for a, s in zip(nearer, samples)) >= RARE_CHANGE * len(samples):
            # (``number < 20`` would say the same on most samples otherwise)
            second_use(draft)
            return FocusValue([], f"{text} < {literal(high)} - {var}", nearer, noun="closer")
    if form.template == "{0} - {1}" and type(pivot) is set and type(values[0]) is set and len(values[0]) <= 3:
        # what either side holds and the other does not: ``(tags - {'a'}) | ({'a'} - tags)``
        either = [x | (values[0] - s) for x, s in zip(results, samples)]
        keys = list(map(stable_key, either))
        if len(set(keys)) > 1 and keys != list(map(stable_key, results)):
            second_use(draft)
            return FocusValue([], f"({text}) | ({texts[0]} - {var})", either, noun="changed")
    return None


def _second_alone(form: Form, samples: Sequence[Any], values: list[Any]) -> list[str] | None:
    """The stable keys of the focus applied with ``values`` to each sample item itself (None when it raises on
    one)."""
    try:
        return [stable_key(_apply_form(form, s, values)) for s in samples]
    except Exception:  # noqa: BLE001 -- the arguments do not apply to every item: not the same
        return None


_COMBINE = {bool: "or", int: "+"}
_POSITIONS = frozenset({"find", "rfind", "index", "rindex"})  # int results that compare, not add


_BANDS = {"{0} < {1}": operator.lt, "{0} <= {1}": operator.le, "{0} > {1}": operator.gt,
          "{0} >= {1}": operator.ge}


def _joined(op: str, a: Sequence[Any], b: Sequence[Any]) -> list[Any]:
    """``x op y`` for each pair of ``a`` and ``b`` (``op``: ``and``, ``or``, ``<`` or ``+``)."""
    if op == "and":
        return [x and y for x, y in zip(a, b)]
    if op == "or":
        return [x or y for x, y in zip(a, b)]
    if op == "<":
        return [x < y for x, y in zip(a, b)]
    return [x + y for x, y in zip(a, b)]


_EQUALITIES = frozenset({"{0} == {1}", "{0} != {1}"})


def _other_items(draft: Draft, samples: Sequence[Any], first: Any) -> Iterator[list[tuple[str, Any]]]:
    """Second literals for an equality with a literal (``w == 'yes' or w == 'y'``): sample items other than the
    first literal, in a drawn order, as ``[(text, value)]`` (a random literal would match no item)."""
    seen = {stable_key(first)}
    order = list(samples)
    for i in range(len(order) - 1, 0, -1):
        j = randbelow(draft.rng, i + 1)
        order[i], order[j] = order[j], order[i]
    for s in order[:SECOND_USE_DRAWS]:
        key = stable_key(s)
        if key not in seen:
            seen.add(key)
            yield [(literal(s), copy_item(s))]


def _combine(draft: Draft, form: Form, var: str, text: str, samples: Sequence[Any], results: list[Any],
             texts: list[str], values: list[Any], pivot: Any) -> FocusValue | None:
    """The focus used again on the same item with other arguments, the two results joined as people join
    them: an ordering comparison as a band (``'c' <= word < 'm'``), other predicates by ``or``
    (``w.startswith('a') or w.startswith('k')``), negated ones by ``and`` (``w != 'a' and w != 'k'``),
    positions compared (``w.find('a') < w.find('e')``), other counts added (``w.count('a') + w.count('e')``)."""
    if not form.slots or "boolvar" in form.slots or any(x is None for x in results):
        return None
    compare = _BANDS.get(form.template)
    if compare is not None and type(pivot) not in (int, float, str):
        return None  # ``[11, 21] <= values <= [14, 3]``, ``values < [4] or values < [9, 2]``: no one bands lists
    if compare is not None and len(values) == 1:
        band = _band(draft, form, var, samples, texts[0], values[0], compare, pivot)
        if band is not None:
            return band
    kind = type(results[0])
    op = "<" if kind is int and draft.focus.name in _POSITIONS else _COMBINE.get(kind)
    if op == "or" and (" != " in form.template or " not in " in form.template):
        op = "and"  # ``w != 'a' and w != 'k'``: a negated test is joined the way ``not in`` reads
    if op is None or not all(type(x) is kind for x in results):
        return None
    literal_pairs = form.template in _EQUALITIES and len(values) == 1 and kind_of(values[0]) == kind_of(pivot)
    for pairs in (_other_items(draft, samples, values[0]) if literal_pairs else
                  _other_slots(draft, form, texts, lambda: samples[randbelow(draft.rng, len(samples))])):
        texts2 = [t for t, _ in pairs]
        try:
            second = [_apply_form(form, s, [v for _, v in pairs]) for s in samples]
        except Exception:
            continue
        if len(second) != len(results) or any(type(x) is not kind for x in second):
            continue
        combined = _joined(op, results, second)
        keys = list(map(stable_key, combined))
        if len(set(keys)) < 2 or keys == list(map(stable_key, results)) or keys == list(map(stable_key, second)):
            continue  # constant, or one use says it all (``'LL' in w or 'ILL' in w`` is ``'LL' in w``)
        second_use(draft)
        if literal_pairs:  # the inputs hold the second literal as often as the first
            draft.later_constants.append(copy_item(pairs[0][1]))
        return FocusValue([], f"({text} {op} {fill(form.template, var, *texts2)})", combined)
    return None


FORGIVEN_SHARE = 0.4  # least share of the samples the two uses of a focus that raises must both run on


def _forgiven_pair(draft: Draft, form: Form, var: str, text: str, samples: Sequence[Any], results: list[Any],
                   texts: list[str], pivot: Any, error: str) -> FocusValue | None:
    """A focus that raises on some items (``error``: it is asked forgiveness) used again on the same item with
    other arguments drawn from the same item, the two results joined as ``_combine`` joins them, in the same
    ``try`` (``table['red'] + table['blue']``, ``word.index('a') < word.index('e')``); None when the second use
    raises another error, the two run together on too few samples (``FORGIVEN_SHARE``), or the join is
    constant or told by one use alone. The second argument joins the elements the drawn items hold."""
    if not form.slots or "boolvar" in form.slots:
        return None
    got = [x for x in results if x is not None]
    if len(got) < 2 or not all(type(x) is type(got[0]) for x in got):
        return None
    kind = type(got[0])
    op = "<" if kind is int and draft.focus.name in _POSITIONS else _COMBINE.get(kind)
    if op is None:
        return None
    for pairs in _other_slots(draft, form, texts, lambda: pivot):
        values2 = [v for _, v in pairs]
        second: list[Any] = []
        for s in samples:
            try:
                second.append(_apply_form(form, copy_item(s), values2))
            except Exception as exc:  # noqa: BLE001 -- the error the ``try`` forgives, or another
                if type(exc).__name__ != error:
                    break
                second.append(None)
        if len(second) != len(results):
            continue
        both = [(a, b) for a, b in zip(results, second) if a is not None and b is not None]
        if len(both) < max(3, FORGIVEN_SHARE * len(samples)) or any(type(b) is not kind for _, b in both):
            continue
        combined = _joined(op, [a for a, _ in both], [b for _, b in both])
        keys = list(map(stable_key, combined))
        if len(set(keys)) < 2 or keys == [stable_key(a) for a, _ in both] or keys == [stable_key(b) for _, b in both]:
            continue
        joined = iter(combined)
        second_use(draft)
        draft.elements.extend(v for v in values2 if _inside(v, pivot))
        return FocusValue([], f"({text} {op} {fill(form.template, var, *[t for t, _ in pairs])})",
                          [next(joined) if a is not None and b is not None else None for a, b in zip(results, second)],
                          error)
    return None


def _band(draft: Draft, form: Form, var: str, samples: Sequence[Any], first_text: str, first: Any,
          compare: Callable[[Any, Any], bool], pivot: Any) -> FocusValue | None:
    """``lo < x < hi`` (``hi > x > lo`` for ``>``): the comparison used twice, chained, with the first bound and
    another one drawn for the same slot; None when no second bound makes a band whose outcome varies."""
    symbol = form.template[4:-4]
    for (text2, second), in _other_slots(draft, form, [first_text], lambda: pivot):
        try:
            if compare(second, first):
                outer, inner = (second, text2), (first, first_text)
            elif compare(first, second):
                outer, inner = (first, first_text), (second, text2)
            else:
                continue
            got = [compare(outer[0], s) and compare(s, inner[0]) for s in samples]
        except Exception:  # noqa: BLE001 -- bounds this item cannot be compared with
            continue
        if len(set(got)) < 2:
            continue
        second_use(draft)
        return FocusValue([], f"{outer[1]} {symbol} {var} {symbol} {inner[1]}", got)
    return None


def _receiver(template: str, text: str) -> str:
    """``text`` as ``{0}`` of ``template``: bare when it is a name or a subscript of one (``w[:2]``), or when
    ``{0}`` is a whole argument (``len({0})``); parenthesized otherwise (``(n - 3).bit_length()``)."""
    if re.fullmatch(r"\w+(\[[^\[\]]*\])?", text) or re.search(r"\(\{0\}[,)]", template):
        return text
    return f"({text})"


_CASE_CHANGES = frozenset({"upper", "lower", "capitalize", "title", "swapcase", "casefold"})


def _parts(draft: Draft, var: str, pivot: Any, sample: Any
           ) -> list[tuple[str, Callable[[Any], Any], str, Callable[[Any], Any]]]:
    """Two values cut from one item, in a random order of kinds, as ``(text, fn)`` twice (``sample``: the focus's
    result on the item): for text, its two ends when the focus tests it or changes its case, or the two sides
    of a cut when it tests it; for lists and tuples the two sides of a cut, or the item and its reverse; for
    numbers the item and its distance from a constant (``n`` and ``n - 7``) or its half (double for a float)."""
    r = draft.rng
    out: list[tuple[str, Callable[[Any], Any], str, Callable[[Any], Any]]] = []
    same = (lambda x: x)
    if isinstance(pivot, str):
        if isinstance(sample, bool) or draft.focus.name in _CASE_CHANGES:
            out.append((f"{var}[:1]", lambda x: x[:1], f"{var}[-1:]", lambda x: x[-1:]))
        if isinstance(sample, bool):
            k = randint(r, 2, 4)
            out.append((f"{var}[:{k}]", lambda x: x[:k], f"{var}[{k}:]", lambda x: x[k:]))
    elif isinstance(pivot, (list, tuple)):
        k = randint(r, 1, 3)
        out.append((f"{var}[:{k}]", lambda x: x[:k], f"{var}[{k}:]", lambda x: x[k:]))
        out.append((var, same, f"{var}[::-1]", lambda x: x[::-1]))
    elif isinstance(pivot, int) and not isinstance(pivot, bool):
        c = randint(r, 2, 12)
        out.append((var, same, f"{var} - {c}", lambda x: x - c))
        out.append((var, same, f"{var} // 2", lambda x: x // 2))
    elif isinstance(pivot, float):
        c = randint(r, 2, 12) + choice(r, (0.0, 0.5, 0.25))
        out.append((var, same, f"{var} - {literal(c)}", lambda x: x - c))
        out.append((var, same, f"{var} * 2", lambda x: x * 2))
    for i in range(len(out) - 1, 0, -1):  # shuffled with the draft's own generator
        j = randbelow(r, i + 1)
        out[i], out[j] = out[j], out[i]
    return out


_PAIR_JOINS: dict[type, tuple[str, ...]] = {bool: ("and", "or"), int: ("+", "<"), float: ("+", "<"),
                                            str: ("+",), list: ("+",), tuple: ("+",)}


def _functional(keys: list[str], combined: list[str]) -> bool:
    """Whether the samples show ``combined`` to be a function of ``keys``: some key comes twice, and the same key
    never gives two values (keys that are all distinct show nothing)."""
    seen: dict[str, str] = {}
    return len(set(keys)) < len(keys) and all(seen.setdefault(k, c) == c for k, c in zip(keys, combined))


def _gives_back(cuts: Sequence[Any], values: Sequence[Any]) -> bool:
    """Whether each value is its cut unchanged (a list and a tuple of the same items count as the same:
    ``list(reversed(point[:1]))`` is ``point[:1]``'s one item)."""
    def plain(x: Any) -> Any:
        return list(x) if isinstance(x, tuple) else x
    return _changes_nothing([plain(c) for c in cuts], [plain(v) for v in values])


def _pair(draft: Draft, form: Form, var: str, samples: Sequence[Any], results: list[Any], texts: list[str],
          values: list[Any], pivot: Any) -> FocusValue | None:
    """The focus used on two values cut from the same item, with the same arguments, the two results joined as
    people join them: ``w[:1].isupper() and w[-1:].isupper()``, ``abs(n) + abs(n - 7)``,
    ``w[:2].upper() + w[2:].lower()`` is not this (another method), ``sorted(v[:2]) + sorted(v[2:])`` is. Kept
    only when the joined value varies over the samples, is told by neither result alone (``w.isdigit() and
    w[:2].isdigit()`` is ``w.isdigit()``), is not the single use's value (``len(w[:2]) + len(w[2:])`` is
    ``len(w)``), and neither use gives its cut back unchanged on every sample (``list(reversed(group[:1]))``,
    ``abs(n)`` of positive numbers)."""
    if "boolvar" in form.slots or any(x is None for x in results):
        return None
    if form.template in _BANDS and type(pivot) not in (int, float, str):
        return None  # ``values[:2] <= [4, 9] and values[2:] <= [4, 9]``: no one orders a list's cuts so
    for text1, fn1, text2, fn2 in _parts(draft, var, pivot, results[0]):
        try:
            a = [_apply_form(form, fn1(s), values) for s in samples]
            b = [_apply_form(form, fn2(s), values) for s in samples]
        except Exception:  # noqa: BLE001 -- the cut values do not all take the focus
            continue
        if _gives_back([fn1(s) for s in samples], a) or _gives_back([fn2(s) for s in samples], b):
            continue  # one use gives its cut back on every sample (``list(reversed(group[:1]))``)
        first = fill(form.template, _receiver(form.template, text1), *texts)
        second = fill(form.template, _receiver(form.template, text2), *texts)
        joins = None
        if isinstance(pivot, (int, float)) and not isinstance(pivot, bool):
            # a number and its distance from a constant: their tests joined, their values compared (added
            # only as distances, ``abs(n) + abs(n - 9)``); ``divmod(n, 5) + divmod(n - 12, 5)`` means nothing
            joins = {bool: ("and", "or"), int: ("<",), float: ("<",)}
            if draft.focus.name == "abs":
                joins.update({int: ("+", "<"), float: ("+", "<")})
        got = join_uses(draft, a, b, results, first, second, joins,
                        receivers=([fn1(s) for s in samples], [fn2(s) for s in samples]))
        if got is not None:
            return got
    return None


REFERENCE_FROM_ITEMS = 0.6  # share of reference arguments drawn as (a copy of) one of the call's own items
REFERENCE_HOIST = 0.7       # share of references whose focus value is computed once, before the loop
REFERENCE_TRIES = 6         # sample references tried before the focus is used once
REFERENCE_PICKS = 4         # reference draws per input, the first that tells what the focus does is kept
GUARDED_PICKS = 12          # ... and up to this many while those found tell only on items the guard rejects
_RECASE = (str.upper, str.lower, str.title, str.swapcase)


def _reference_item(draft: Draft, r: random.Random, items: Sequence[Any]) -> Any:
    """A reference argument as the pools draw it: now and then one of the call's items (a word in another case
    half of the time), else a fresh item."""
    if items and r.random() < REFERENCE_FROM_ITEMS:
        x = copy_item(items[randbelow(r, len(items))])
        return _RECASE[randbelow(r, len(_RECASE))](x) if isinstance(x, str) and r.random() < 0.5 else x
    return draft.draw_one(r)


def _telling_reference(draft: Draft, r: random.Random, form: Form, values: list[Any],
                       measure: Callable[[Any], Any], op: str) -> Any:
    """A reference argument for one input (``_reference_item``), the first of ``REFERENCE_PICKS`` draws for which
    comparing the focus values tells something on this input's items: for some item it differs from comparing
    the items themselves (``word.casefold() == target.casefold()`` is true where ``word == target`` is not, for
    an item in another case), so the shipped inputs show what the focus does; the first draw when none does.
    A draw that tells on an item the last ``item_guard`` lets through (``guard_fn``; the comparison is most often
    written under the guard) is taken over one that tells only on items it rejects, drawing up to
    ``GUARDED_PICKS`` times for it once such a one is found."""
    first = fallback = None
    items = draft.last_items
    # what does not depend on the reference, worked out once: each item's measured focus value and measured
    # self, up to the first item that does not take them (where every draw stops, as the loop below did)
    measured: list[tuple[Any, Any]] = []
    for x in items:
        try:
            measured.append((measure(_apply_form(form, x, values)), measure(x)))
        except Exception:  # noqa: BLE001 -- this item does not take the focus: a draw stops here
            break
    for k in range(GUARDED_PICKS):
        if k >= REFERENCE_PICKS and fallback is None:
            break  # nothing told on any item: as many draws as before
        ref = _reference_item(draft, r, items)
        if first is None:
            first = ref
        try:
            wanted = measure(_apply_form(form, copy_item(ref), values))
            own = measure(ref) if items and measured else None
        except Exception:  # noqa: BLE001 -- this reference does not take the focus: draw again
            continue
        if items and not measured:
            continue  # the first item does not take the focus
        for x, (focused, raw) in zip(items, measured):
            if _raw_compare(op, focused, wanted) != _raw_compare(op, raw, own):
                if _passes_guard(draft, x):
                    return ref
                if fallback is None:
                    fallback = ref
    return first if fallback is None else fallback


def _passes_guard(draft: Draft, item: Any) -> bool:
    """Whether the last ``item_guard`` lets ``item`` through (True when no guard's test is known)."""
    if draft.guard_fn is None:
        return True
    try:
        return bool(draft.guard_fn(item))
    except Exception:  # noqa: BLE001 -- the guard does not apply to this item
        return False


def _raw_compare(op: str, a: Any, b: Any) -> Any:
    try:
        return a == b if op == "==" else a < b if op == "<" else a > b
    except TypeError:
        return None


_MEASURES: dict[str, Callable[[Any], Any]] = {"": lambda x: x, "len": len, "[0]": lambda x: x[0],
                                              "[-1]": lambda x: x[-1]}


def _reference(draft: Draft, form: Form, var: str, samples: Sequence[Any], results: list[Any],
               texts: list[str], values: list[Any]) -> FocusValue | None:
    """The focus applied to the item and, with the same arguments, to a reference argument of the same kind
    (``target``), the two compared the way people compare normalized values: ``word.lower() == wanted`` after
    ``wanted = target.lower()`` (before the loop; inline at level 6, where the helper takes the reference),
    ``len(row.split()) > len(target.split())``. The reference is drawn, now and then, from the call's own items,
    so matches happen. Kept only when the comparison varies over the samples for some sampled reference and is
    not the same comparison of the raw values (``bucket.copy() == target.copy()`` is ``bucket == target``)."""
    if draft.reference or "boolvar" in form.slots or any(x is None for x in results):
        return None
    kind = type(results[0])
    if not all(type(x) is kind for x in results) or kind is bool and "(" not in form.template:
        return None  # ``(w == 'a') == (target == 'a')`` compares two comparisons
    r = draft.rng
    order = ("<", ">")[randbelow(r, 2)]
    # (how the two values are measured, the comparison): equal after the focus, or, for sized values whose
    # equality tells no more than the items' own, their lengths ordered (``len(w.split()) > len(t.split())``)
    # (how the two values are measured, the comparison): equal after the focus; for sized values whose
    # equality tells no more than the items' own, their lengths ordered (``len(w.split()) > len(t.split())``);
    # for tuples of one length, their first or last parts equal (``w.partition('-')[0] == t.partition('-')[0]``)
    measures: list[tuple[str, str]] = [("", order if kind in (int, float) else "==")]
    if kind in (str, list, tuple, bytes, set, dict) and not (kind is str and draft.focus.name in PADDING):
        measures.append(("len", order))
    if kind is tuple and len({len(x) for x in results}) == 1 and len(results[0]) >= 2:
        measures += [("[0]", "=="), ("[-1]", "==")]
    pick = random.Random(r.random())
    for measure, op in measures:
        fn = _MEASURES[measure]
        for _ in range(REFERENCE_TRIES):
            ref = _reference_item(draft, pick, draft.samples)
            try:
                wanted = _apply_form(form, copy_item(ref), values)
                if type(wanted) is not kind:
                    continue
                joined = [_raw_compare(op, fn(x), fn(wanted)) for x in results]
            except Exception:  # noqa: BLE001 -- the focus does not take this reference
                continue
            if None in joined or len(set(joined)) < 2:
                continue
            raw = []
            for x in samples:
                try:
                    raw.append(_raw_compare(op, fn(x), fn(ref)))
                except Exception:  # noqa: BLE001 -- the items themselves have no such measure
                    raw.append(None)
            if joined == raw:
                continue  # the focus adds nothing to comparing the items themselves
            break
        else:
            continue
        break
    else:
        return None
    target = draft.name("target", "probe", "reference")
    draft.reference = target
    draft.param(target, lambda rr: _telling_reference(draft, rr, form, values, _MEASURES[measure], op))
    mine_text = fill(form.template, var, *texts)
    other = fill(form.template, _receiver(form.template, target), *texts)
    env = {target: ref}
    if measure == "len":
        mine_text, other = f"len({mine_text})", f"len({other})"
        draft.op("len", 2)
    elif measure:
        mine_text, other = f"{_paren(mine_text)}{measure}", f"{_paren(other)}{measure}"
    if draft.level != 6 and r.random() < REFERENCE_HOIST:
        name = draft.name(*(("wanted", "goal") if op == "==" else ("bar", "mark")))
        draft.hoist(f"{name} = {bare(other)}")
        other = name
        env[name] = _MEASURES[measure](wanted)
    second_use(draft)
    return FocusValue([], f"({mine_text} {op} {other})", joined, env=env)


RAW_ORDER_SHARE = 1 / 6  # least share of samples on which ``f(x) < f(y)`` must differ from ``x < y`` (see join_uses)


def join_uses(draft: Draft, a: list[Any], b: list[Any], single: list[Any], first: str, second: str,
              joins_by_kind: dict[type, tuple[str, ...]] | None = None,
              receivers: tuple[Sequence[Any], Sequence[Any]] | None = None) -> FocusValue | None:
    """Two uses of the focus, ``first`` and ``second`` (their values ``a`` and ``b`` on the samples), joined as
    their type is joined (``and``/``or`` for tests, ``+``/``<`` for numbers, ``+`` for text and sequences, the
    join drawn; ``joins_by_kind`` narrows them), counted as a second use; None when every join is constant on
    the samples, is the single use's value ``single``, or is told by one of the two alone. With ``receivers``
    (what the two uses apply to, on the same samples), an ordering of two uses on numbers is also refused when
    it differs from ordering the receivers themselves on fewer than ``RAW_ORDER_SHARE`` of the samples
    (``math.floor(price) < math.floor(price * 2)`` is ``price < price * 2`` unless the price is below one half:
    such a focus changes no output on most inputs)."""
    if not a or len(a) != len(b) or any(x is None for x in (*a, *b)):
        return None
    kind = type(a[0])
    joins = (_PAIR_JOINS if joins_by_kind is None else joins_by_kind).get(kind)
    if joins is None or not all(type(x) is kind for x in (*a, *b)):
        return None
    keys_a, keys_b, keys_1 = (list(map(stable_key, xs)) for xs in (a, b, single))
    start = randbelow(draft.rng, len(joins))
    for op in joins[start:] + joins[:start]:
        combined = _joined(op, a, b)
        keys = list(map(stable_key, combined))
        if len(set(keys)) < 2 or keys == keys_1 or _functional(keys_a, keys) or _functional(keys_b, keys):
            continue
        if op == "<" and receivers is not None and not _orders_otherwise(combined, *receivers):
            continue
        second_use(draft)
        return FocusValue([], f"({first} {op} {second})", combined)
    return None


def _orders_otherwise(ordered: Sequence[Any], xs: Sequence[Any], ys: Sequence[Any]) -> bool:
    """Whether ``ordered`` (the two uses ordered, per sample) differs from ``x < y`` of the receivers on at least
    ``RAW_ORDER_SHARE`` of the samples; True when the receivers are not numbers (nothing to compare)."""
    pairs = list(zip(xs, ys))
    if len(pairs) != len(ordered) or not all(type(x) in (int, float) and type(y) in (int, float) for x, y in pairs):
        return True
    differ = sum(got != (x < y) for got, (x, y) in zip(ordered, pairs))
    return differ >= RAW_ORDER_SHARE * len(pairs)


def kind_for(focus: Operation, r: random.Random) -> str:
    """The kind of one data item for ``focus`` (its receiver)."""
    kinds = RECEIVER_INPUT_KINDS[focus.receiver]
    return kinds[randbelow(r, len(kinds))]


# ------------------------------------------------------------------------------------- using a value
def threshold(values: Sequence[Any], at: float = 0.5) -> Any:
    """A middle value of ``values`` (so ``v > t`` is true for some and false for others); ``at`` > 0.5 picks a
    higher one (``v > t`` then holds for few values: a search that often finds nothing)."""
    clean = sorted(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    if not clean:
        raise Unfit("no numbers to split")
    if clean[0] == clean[-1]:
        raise Unfit("all values equal")
    if at != 0.5:
        k = min(len(clean) - 1, int(at * len(clean)))
        while k > 0 and clean[k] == clean[-1]:
            k -= 1  # some value must stay above the threshold
        return clean[k]
    return clean[len(clean) // 2 - (1 if len(clean) % 2 == 0 else 0)]


def band(values: Sequence[Any]) -> tuple[Any, Any] | None:
    """``(lo, hi)`` with ``lo < hi`` such that ``lo <= v < hi`` holds for some of ``values`` and not for others
    (a chained comparison on data), or None when the values do not spread enough."""
    clean = sorted(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    if len(clean) < 3:
        return None
    lo, hi = clean[len(clean) // 4], clean[(3 * len(clean)) // 4]
    if all(isinstance(v, int) for v in clean) and hi - lo < 2:
        # a band one wide is an equality test: widen it to the next value above, when there is one
        hi = next((v for v in clean if v >= lo + 2), hi)
    inside = sum(1 for v in clean if lo <= v < hi)
    if lo >= hi or not 0 < inside < len(clean):
        return None
    return lo, hi


def chained(draft: Draft, number: str, values: Sequence[Any]) -> str:
    """``lo <= number < hi`` on data (``Unfit`` when the values do not spread)."""
    got = band(values)
    if got is None:
        raise Unfit("no band")
    lo, hi = got
    return f"{literal(lo)} <= {number} < {literal(hi)}"


_INVERSE = {ast.Gt: "<=", ast.GtE: "<", ast.Lt: ">=", ast.LtE: ">", ast.Eq: "!=", ast.NotEq: "==",
            ast.In: "not in", ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is"}
_OP_TEXT = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!=",
            ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


@functools.lru_cache(maxsize=1024)
def negate(test: str) -> str:
    """The test that holds exactly when ``test`` does not, written the way people write it (``len(w) <= 3``
    for ``len(w) > 3``, ``not w.isalpha()``, ``'k' not in t``). (Text in, text out: cached.)"""
    node = astparse.parse(test, mode="eval").body
    raw = test.encode()
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = raw[node.operand.col_offset:node.operand.end_col_offset].decode()
        return inner if isinstance(node.operand, (ast.Call, ast.Name, ast.Compare, ast.Attribute)) else f"({inner})"
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _INVERSE:
        left_end, right_start = node.left.end_col_offset, node.comparators[0].col_offset
        gap = raw[left_end:right_start].decode()
        op = _OP_TEXT[type(node.ops[0])]
        swapped = re.sub(rf"(?<![<>=!a-z]){re.escape(op)}(?![<>=a-z])", _INVERSE[type(node.ops[0])], gap, count=1)
        if swapped != gap:
            return raw[:left_end].decode() + swapped + raw[right_start:].decode()
    if isinstance(node, (ast.BoolOp, ast.IfExp, ast.NamedExpr, ast.Lambda)):
        return f"not ({test})"
    return f"not {test}"


def as_number(draft: Draft, fv: FocusValue) -> tuple[str, list[Any]]:
    """A number that the focus value stands for: itself, or its length, or 1/0 for a bool."""
    sample = next((x for x in fv.results if x is not None), None)
    if isinstance(sample, bool):
        if own_truth(draft, fv):
            raise Unfit("the predicate is the item's own truth (``1 if bool(x) else 0`` is ``1 if x else 0``)")
        return f"(1 if {bare(fv.expr)} else 0)", [int(bool(x)) for x in fv.results]
    if isinstance(sample, (int, float)):
        pairs = _sampled_values(draft, fv)
        if pairs and all(type(s) is bool and x == s for x, s in pairs):
            raise Unfit("the focus's number is the flag itself: True and False already count as 1 and 0")
        return fv.expr, list(fv.results)
    present = [x for x in fv.results if x is not None]
    if isinstance(sample, tuple) and sample and all(isinstance(x, tuple) and len(x) == len(sample) and
                                                    isinstance(x[0], (int, float)) for x in present):
        at = draft.rng.choice((0, -1))
        return f"{_paren(fv.expr)}[{at}]", [x[at] if x is not None else 0 for x in fv.results]
    if isinstance(sample, str) and draft.focus.name in PADDING:
        raise Unfit("the length of a padded text is the width or the text's own length")
    if isinstance(sample, (str, list, tuple, set, dict)):
        lengths = [len(x) for x in present]
        if len(set(lengths)) == 1:
            raise Unfit("the length of the focus value is the same for every item")
        if keeps_length(draft, fv.results):
            raise Unfit("the focus keeps the item's length: its length tells nothing of the focus")
        draft.op("len")
        return f"len({bare(fv.expr)})", [len(x) if x is not None else 0 for x in fv.results]
    raise Unfit("no number for this value")


_TEST_ORDERS = {"<": "not {a} and {b}", ">": "{a} and not {b}", "<=": "not {a} or {b}", ">=": "{a} or not {b}"}


# text padded to a width: its length (``len(word.center(4))``, ``max(4, len(word))``) is no number people take of it
PADDING = frozenset({"ljust", "rjust", "center", "zfill"})


def ordered(a: FocusValue, na: str, op: str, b: FocusValue, nb: str) -> str:
    """``na op nb``, two numbers ``as_number`` gave for ``a`` and ``b``; when both are the 1/0 of a test, the test
    people write instead (``(1 if x.isdigit() else 0) < (1 if y.isdigit() else 0)`` is
    ``not x.isdigit() and y.isdigit()``; ``<=`` is ``not A or B``). Same truth value on every input."""
    a_test, b_test = bare(a.expr), bare(b.expr)
    if op not in _TEST_ORDERS or na != f"(1 if {a_test} else 0)" or nb != f"(1 if {b_test} else 0)":
        return f"{na} {op} {nb}"

    def operand(test: str) -> str:
        node = astparse.parse(test, mode="eval").body
        return f"({test})" if isinstance(node, (ast.BoolOp, ast.IfExp, ast.NamedExpr, ast.Lambda)) else test

    template = _TEST_ORDERS[op]
    left = negate(a_test) if template.startswith("not {a}") else operand(a_test)
    right = negate(b_test) if template.endswith("not {b}") else operand(b_test)
    if template.startswith("not {a}"):
        left = operand(left)
    if template.endswith("not {b}"):
        right = operand(right)
    joiner = " and " if " and " in template else " or "
    return f"{left}{joiner}{right}"


def _sampled_values(draft: Draft, fv: FocusValue) -> list[tuple[Any, Any]]:
    """``(focus value, sample item)`` for the draft's sample items the focus ran on (the first entries of
    ``fv.results``; constants drawn later come after them)."""
    return [(x, s) for x, s in zip(fv.results, list(draft.samples)) if x is not None]


def own_truth(draft: Draft, fv: FocusValue) -> bool:
    """Whether a test's value is the truth of its item on every sample item (``bool(price)``, ``w.strip()`` read as
    a test): in a test, the focus stripped out gives the same. False with fewer than three tested items."""
    pairs = _sampled_values(draft, fv)
    return len(pairs) >= 3 and all(isinstance(x, bool) and x == bool(s) for x, s in pairs)


def own_number(fv: FocusValue) -> Callable[[Any], Any]:
    """What ``as_number`` of ``fv`` becomes with the focus stripped out, as a function of the item: the item's
    truth as 1/0 for a test, the item itself for a number, its length for a container; None where it cannot be
    told (a part ``as_number`` cut from same-length tuples of numbers, an item of another kind)."""
    sample = next((x for x in fv.results if x is not None), None)
    present = [x for x in fv.results if x is not None]
    cut = isinstance(sample, tuple) and bool(sample) and all(
        isinstance(x, tuple) and len(x) == len(sample) and isinstance(x[0], (int, float)) for x in present)

    def own(item: Any) -> Any:
        if isinstance(sample, bool):
            return 1 if item else 0
        if isinstance(sample, (int, float)):
            return item if isinstance(item, (int, float)) else None
        if cut or not hasattr(item, "__len__"):
            return None
        return len(item)
    return own


ALIKE_SHARE = 0.1  # least share of sample pairs a key must order otherwise than the items are (compares_alike)


def compares_alike(draft: Draft, a: FocusValue, a_numbers: Sequence[Any], b: FocusValue,
                   b_numbers: Sequence[Any]) -> bool:
    """Whether comparing two focus values' numbers (``as_number``: ``a_numbers``, ``b_numbers``, aligned with the
    draft's samples and constants) orders every pair of sample items as comparing the items themselves would
    (the focus stripped out: a number item itself, a container's length, a test's item's truth; the sample
    items only, which are the first entries of both):
    ``low * 2 > high * 2``, ``len(work) <= len(current)`` after ``extend`` by as many items each, ``ahead - 16``
    against ``behind - 16``. Such a comparison never tells what the focus did. Pairs the two order differently
    count only from ``ALIKE_SHARE`` of the pairs on: ``math.ceil(ahead) <= math.ceil(behind)`` orders two
    prices otherwise only when both lie in one unit interval, so on most inputs it orders them as they are.
    False when it cannot be told (a tuple item's cut, values that do not compare, fewer than three items)."""
    items = list(draft.samples)  # the results' first entries (constants the second value drew come after)
    if min(len(a.results), len(b.results), len(a_numbers), len(b_numbers)) < len(items):
        return False
    own = own_number(a)
    left = [(n, own(s)) for n, s, x in zip(a_numbers, items, a.results) if x is not None]
    right = [(n, own(s)) for n, s, x in zip(b_numbers, items, b.results) if x is not None]
    left = [(n, o) for n, o in left if o is not None]
    right = [(n, o) for n, o in right if o is not None]
    if len(left) < 3 or len(right) < 3:
        return False
    try:
        differ = sum((x < y, x == y) != (p < q, p == q) for x, p in left for y, q in right)
    except TypeError:
        return False
    return differ < ALIKE_SHARE * len(left) * len(right)


def groups_alike(draft: Draft, keys: Sequence[Any], own: Callable[[Any], Any]) -> bool:
    """Whether the focus's keys (``keys``, aligned with the draft's samples) group the sample items exactly as
    ``own`` of the items does (the key with the focus stripped out: the item itself, or its length; None: not
    known for this item, left out): ``w + 'x'``, ``w * 3``, ``int(flag)`` as a dedupe key keep the same items as
    the item itself would, so the focus tells nothing. False with fewer than three keyed items."""
    owned = [(k, own(s)) for k, s in zip(keys, list(draft.samples)) if k is not None]
    pairs = [(stable_key(k), stable_key(o)) for k, o in owned if o is not None]
    if len(pairs) < 3:
        return False
    return all((a == b) == (p == q) for a, p in pairs for b, q in pairs)


def _keeps_length_of(samples: Sequence[Any], results: Sequence[Any]) -> bool:
    """Whether every result that has a length is as long as its sample item (and some result has one); a result
    of a lazy iterator (``reversed``, ``enumerate``, ``zip``) is measured by listing a copy of it."""
    pairs = []
    for s, x in zip(samples, results):
        if x is None or not hasattr(s, "__len__"):
            continue
        if not hasattr(x, "__len__"):
            try:
                x = list(copy.deepcopy(x)) if hasattr(x, "__next__") else None  # the original stays unread
            except Exception:  # noqa: BLE001 -- an iterator that cannot be copied: not told
                return False
            if x is None:
                continue
        pairs.append((s, x))
    return bool(pairs) and all(len(x) == len(s) for s, x in pairs)


def keeps_length(draft: Draft, results: Sequence[Any]) -> bool:
    """Whether every focus value in ``results`` is as long as its item (``len(work)`` after ``work.sort()``,
    ``len(word.upper())``, ``len(tag.copy())``), or the focus itself keeps every item's length
    (``Draft.focus_keeps_length``: ``len(list(reversed(p)) + list(reversed(q)))`` is ``len(p) + len(q)``), so that
    its length is the items' and the focus means nothing in it. ``results`` are aligned with the draft's samples
    and constants, as ``focus_value`` computes them."""
    if draft.focus_keeps_length:
        return True
    items = [*draft.samples, *draft.constants]
    if len(items) != len(results):
        return False
    pairs = [(x, s) for x, s in zip(results, items) if x is not None and hasattr(x, "__len__")]
    return bool(pairs) and all(hasattr(s, "__len__") and len(x) == len(s) for x, s in pairs)


def length_key(draft: Draft, fv: FocusValue) -> str:
    """``len`` of a focus value that is a container, as a dict or set key; Unfit when every item's key would be
    the same or the item's own length (``keeps_length``)."""
    if draft.focus.name in PADDING:
        raise Unfit("the length of a padded text is the width or the text's own length")
    if len({len(x) for x in fv.results if x is not None}) < 2:
        raise Unfit("the key would be the same for every item")
    if keeps_length(draft, fv.results):
        raise Unfit("the focus keeps the item's length: the key would be the item's length")
    draft.op("len")
    return f"len({fv.expr})"


def as_test(draft: Draft, fv: FocusValue, at: float = 0.5, chain: bool = True) -> str:
    """A data-dependent truth test on the focus value (now and then a chained comparison ``lo <= n < hi``);
    ``at`` > 0.5 makes it hold for few items (see ``threshold``). ``draft.test_truths`` is then its value on
    each of ``fv.results``."""
    sample = next((x for x in fv.results if x is not None), None)
    if isinstance(sample, bool):
        if len({x for x in fv.results if x is not None}) < 2:
            raise Unfit("the predicate is constant on the sample")
        if own_truth(draft, fv):
            raise Unfit("the predicate is the item's own truth (``if bool(x):`` is ``if x:``)")
        truths = [None if x is None else bool(x) for x in fv.results]
        present = [t for t in truths if t is not None]
        if at > 0.5 and sum(present) > len(present) / 2:  # rare: test for the less common outcome
            draft.test_truths = [None if t is None else not t for t in truths]
            return negate(fv.expr)
        draft.test_truths = truths
        return fv.expr
    number, values = as_number(draft, fv)
    missing = [x is None for x in fv.results]
    share = CHAIN_SHARE_LEVEL3 if draft.level == 3 else CHAIN_SHARE
    if chain and at == 0.5 and draft.rng.random() < share and band(values) is not None:
        lo, hi = band(values)  # type: ignore[misc]
        draft.test_truths = [None if m else lo <= v < hi for v, m in zip(values, missing)]
        return chained(draft, number, values)
    t = threshold(values, at)
    draft.test_truths = [None if m else v > t for v, m in zip(values, missing)]
    return f"{number} > {literal(t)}"


_FALLBACKS: dict[type, str] = {int: "0", float: "0.0", str: "''", list: "[]", tuple: "()", set: "set()",
                               dict: "{}", bytes: "b''"}


def _told_by(keys: Sequence[Any], truths: Sequence[Any]) -> bool:
    """Whether the truths of a test are those of a test on ``keys`` (the items, or their lengths) picking one
    interval of them: equal keys get equal truths, and in key order the true ones form one run."""
    seen: dict[Any, Any] = {}
    if any(seen.setdefault(k, t) != t for k, t in zip(keys, truths)):
        return False
    ordered = [seen[k] for k in sorted(seen)]
    return sum(1 for i, t in enumerate(ordered) if t and (i == 0 or not ordered[i - 1])) <= 1


def kept_if(draft: Draft, fv: FocusValue, item: str, numbers: bool = False) -> FocusValue:
    """``fv`` kept where a test on it holds, else a plain value, in one conditional expression (the focus used
    twice, as people write it: ``total += len(w.split()) if len(w.split()) > 2 else 0``,
    ``w.strip() if len(w.strip()) > 3 else w``); ``fv`` as it is when the focus is already used twice, the value
    is a test or has statements or raises, or a test on it tells no more than one on the item (the lengths of
    ``'<{}>'.format(w)`` are those of ``w``, plus 2); ``numbers``: only a number is kept so (the caller adds it
    up)."""
    present = [x for x in fv.results if x is not None]
    if draft.focus_uses >= 2 or fv.pre or fv.error or not present or len(present) != len(fv.results):
        return fv
    kind = type(present[0])
    if kind not in _FALLBACKS or not all(type(x) is kind for x in present) or numbers and kind not in (int, float):
        return fv
    samples = [*draft.samples, *draft.constants] if draft.constants else list(draft.samples)
    if len(samples) != len(fv.results):
        return fv
    try:
        test = as_test(draft, fv, chain=False)
    except Unfit:
        return fv
    truths = draft.test_truths
    keys = [s if isinstance(s, (int, float)) else len(s) if hasattr(s, "__len__") else None for s in samples]
    if None not in keys and _told_by(keys, truths):
        return fv  # ``n + 19 > 16`` is ``n > -3``, ``len('<{}>'.format(w)) > 4`` is ``len(w) > 2``
    same = kind is type(samples[0]) and kind not in (int, float)
    fallback = item if same else _FALLBACKS[kind]
    default = None if same else ast.literal_eval(fallback) if kind is not set else set()
    results = [x if t else (s if same else default) for x, t, s in zip(fv.results, truths, samples)]
    keys = [stable_key(x) for x in results]
    if len(set(keys)) < 2 or keys == [stable_key(x) for x in fv.results]:
        return fv  # constant, or the test changes nothing (``int(flag) if int(flag) > 0 else 0``)
    second_use(draft)
    return FocusValue([], f"({bare(fv.expr)} if {test} else {fallback})", results, env=fv.env)


RARE = (0.8, 0.9, 0.95, 0.98)  # a rare test's thresholds: the value this share of the sampled items stay at or below
MOST = 0.25  # the largest share of sampled items that may pass (guard and test): so some inputs find none


def rare_test(d: Draft, fv: FocusValue, guarded: bool) -> str:
    """A test on the focus value that (with the guard, when ``guarded``) holds for few sampled items but some."""
    n = len(d.samples)
    guard = d.guard_truths if guarded else [True] * n
    for at in RARE:
        test = as_test(d, fv, at)
        hits = [guard[i] is True and d.test_truths[i] is True for i in range(min(n, len(d.test_truths)))]
        if 0 < sum(hits) <= MOST * len(hits):
            return test
    raise Unfit("the search would nearly always find something")


def independent(draft: Draft, count: int | None = None) -> bool:
    """Whether, on the samples the last ``item_guard`` passes, the last ``as_test`` is true for some and false for
    others (so a guarded test is not constant); True when that cannot be told. ``count``: how many leading focus
    results are the samples (default: all of ``draft.samples``)."""
    guard, test = draft.guard_truths, draft.test_truths
    n = len(draft.samples) if count is None else count
    if not guard or not test or len(guard) < n or len(test) < n:
        return True
    seen = {test[i] for i in range(n) if guard[i] is True and test[i] is not None}
    return len(seen) == 2


def walrus_test(draft: Draft, fv: FocusValue) -> tuple[str, str] | None:
    """``((n := number) > t, n)``: a test that names the number it computes, for a body that uses it again
    (``if (size := len(w.strip())) > 3: total += size``); None when the focus value is not an expression that
    raises on no item, or is a bool."""
    sample = next((x for x in fv.results if x is not None), None)
    if fv.pre or fv.error or isinstance(sample, bool) or sample is None:
        return None
    try:
        number, values = as_number(draft, fv)
        t = threshold(values)
    except Unfit:
        return None
    if number.startswith("(1 if"):
        return None
    name = draft.name("size" if number.startswith("len(") else "amount", "value", "measure")
    return f"({name} := {number}) > {literal(t)}", name


_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "str": ("(len({0}), {0})", "{0}.lower()", "{0}[::-1]"),
    "int": ("abs({0})", "-{0}", "({0} % 3, {0})"),
    "float": ("abs({0})", "-{0}"),
    "list_int": ("sum({0})", "len({0})"),
    "tuple_int": ("sum({0})", "len({0})"),
    "list_str": ("len({0})", "' '.join({0})"),
    "tuple_str": ("len({0})", "' '.join({0})"),
    "set_int": ("len({0})", "sorted({0})"),
    "set_str": ("len({0})", "sorted({0})"),
    "dict": ("len({0})", "sum({0}.values())"),
}


def sort_key(draft: Draft, var: str) -> str | None:
    """A ``lambda`` that orders items of the draft's kind by something people sort them by (length, absolute
    value, sum), naming its parameter ``var``; None for bools."""
    keys = _SORT_KEYS.get(draft.item_kind)
    if not keys:
        return None
    return f"lambda {var}: {draft.rand_choice(keys).format(var)}"


# how a label and a value are written in one f-string (``f"{word}={n}"``, ``f"{word}: {n}"``)
LABEL_SEPARATORS = ("=", ":", ": ", " -> ")


def as_text(draft: Draft, fv: FocusValue, item: str) -> str:
    """A string built from the focus value: the value when it is one already; else, with ``item``, the item and
    its value in one f-string (``f"{word}={n}"``), or ``str(value)`` without one."""
    sample = next((x for x in fv.results if x is not None), None)
    if isinstance(sample, str):
        return fv.expr
    if not item:
        return f"str({bare(fv.expr)})"
    sep = draft.rand_choice(LABEL_SEPARATORS)
    if "\\" in fv.expr or '"' in fv.expr:  # not inside an f-string's braces (Python < 3.12)
        return f"f\"{{{item}}}{sep}\" + str({fv.expr})"
    inner = bare(fv.expr)
    if inner.startswith("{") or inner.endswith("}"):  # ``{{`` in an f-string is a brace, not a set display
        inner = f"({inner})"
    return f"f\"{{{item}}}{sep}{{{inner}}}\""


@contextmanager
def forgiving(draft: Draft, fv: FocusValue) -> Iterator[None]:
    """The statements written inside, in ``try:`` ... ``except <error>: pass`` when the focus raises on some
    items (``fv.error``: the item is then skipped); as they are otherwise."""
    if not fv.error:
        yield
        return
    with draft.block("try:"):
        yield
    with draft.block(f"except {fv.error}:"):
        draft.emit("pass")


def emit_focus(draft: Draft, fv: FocusValue) -> None:
    for stmt in fv.pre:
        draft.emit(stmt)


def item_guard(draft: Draft, item: str, fv: FocusValue | None = None,
               split: Callable[[Any], bool] | None = None) -> str:
    """A data-dependent test on one item: half of the time, when ``fv`` is given (an expression computed
    without statements, that raises on no item), a test on the focus value itself (``if len(w.strip()) > 3:``;
    a body that uses the value again reads it from a variable, see ``name_guarded_values``); else a test by
    another operation. ``split``: a property of items that the body tests in turn (``int(word)`` parses or
    not): the guard must let through sample items of both kinds (``Unfit`` when no guard does), so that it
    never decides the body's own test (``word.isalpha()`` before ``int(word)``)."""
    boolean = fv is not None and isinstance(next((x for x in fv.results if x is not None), None), bool)
    if fv is not None and not fv.pre and not fv.error and not boolean and draft.rng.random() < GUARD_ON_FOCUS:
        try:
            test = as_test(draft, fv)
        except Unfit:
            test = ""
        if test and split is not None and not _splits(
                [s for s, t in zip(draft.samples, draft.test_truths) if t], split):
            test = ""
        if test:
            draft.guard_truths = list(draft.test_truths[:len(draft.samples)])
            draft.guard_fn = None
            noun = fv.noun or (draft.focus.noun if draft.focus.noun != "result" else "value")
            draft.guard_values.append((fv.expr, noun))
            draft.focus_uses += 1
            draft.op(f"{draft.focus.type}/{draft.focus.name}")
            draft.focus_nesting = max(draft.focus_nesting, 2)
            return test
    kind = draft.item_kind
    samples = draft.samples
    options: list[tuple[str, str, Callable[[Any], Any] | None]] = []
    if kind == "str":
        lens = [len(s) for s in samples]
        t = threshold(lens)
        options.append((f"len({item}) > {t}", "len", lambda s: len(s) > t))
        if any(s.isalpha() for s in samples) and not all(s.isalpha() for s in samples):
            options.append((f"{item}.isalpha()", "str/isalpha", str.isalpha))
        _banded(draft, options, f"len({item})", lens, "len", len)
        for test, fn in (("any(ch.isdigit() for ch in {0})", lambda s: any(c.isdigit() for c in s)),
                         ("any(ch.isupper() for ch in {0})", lambda s: any(c.isupper() for c in s)),
                         ("all(ch.isalpha() for ch in {0})", lambda s: all(c.isalpha() for c in s))):
            _varied(options, test.format(item), fn, samples, "bool/any" if test.startswith("any") else "bool/all")
        _counted(options, f"len({{ch.lower() for ch in {item}}})", lambda s: len({c.lower() for c in s}), samples)
        starts = sorted({s[0] for s in samples if s and s[0].isalpha()})
        if starts:  # a plain test, as most guards are written (``word.startswith('c')``)
            letter = draft.rand_choice(starts)
            _plain(draft, options, f"{item}.startswith({letter!r})", lambda s: s.startswith(letter), samples,
                   "str/startswith")
        return _pick(draft, options, split)
    if kind in ("int", "float"):
        t = threshold(samples)
        options.append((f"{item} > {literal(t)}", "", lambda s: s > t))
        if kind == "int":
            options.append((f"{item} % 2 == 0", "", lambda s: s % 2 == 0))
        _banded(draft, options, item, samples, "", lambda s: s)
        return _pick(draft, options, split)
    if kind == "bool":
        draft.guard_truths = [bool(s) for s in samples]
        draft.guard_fn = bool
        return item
    if kind == "dict":
        key = draft.rand_choice(draft.keys)
        options.append((f"{key!r} in {item}", "", lambda s: key in s))
        sums = [sum(s.values()) for s in samples]
        if len(set(sums)) > 1:
            t = threshold(sums)
            _varied(options, f"any(v > {t} for v in {item}.values())",
                    lambda s: any(v > t for v in s.values()), samples, "bool/any")
        _varied(options, f"len({{v % 2 for v in {item}.values()}}) > 1", lambda s: len({v % 2 for v in s.values()}) > 1,
                samples, "len")
        return _pick(draft, options, split)
    lens = [len(s) for s in samples]
    if len(set(lens)) > 1:
        cut = threshold(lens)
        options.append((f"len({item}) > {cut}", "len", lambda s: len(s) > cut))
    if kind in ("list_int", "tuple_int", "set_int"):
        flat = [x for s in samples for x in s]
        if flat and min(flat) != max(flat):
            t = threshold(flat)
            _varied(options, f"any(x > {t} for x in {item})", lambda s: any(x > t for x in s), samples, "bool/any")
            _varied(options, f"all(x % 2 == 0 for x in {item})", lambda s: all(x % 2 == 0 for x in s), samples,
                    "bool/all")
            _varied(options, f"len({{x % 3 for x in {item}}}) > 1", lambda s: len({x % 3 for x in s}) > 1, samples,
                    "len")
            if kind != "set_int":
                _varied(options, f"len([x for x in {item} if x > {t}]) > 1", lambda s: sum(x > t for x in s) > 1,
                        samples, "len")
            sums = [sum(s) for s in samples]
            if len(set(sums)) > 1:
                total = threshold(sums)
                _plain(draft, options, f"sum({item}) > {literal(total)}", lambda s: sum(s) > total, samples, "")
    elif kind in ("list_str", "tuple_str", "set_str"):
        flat = sorted({x for s in samples for x in s})
        if flat:
            letter = draft.rand_choice(sorted({w[0] for w in flat if w}) or ["a"])
            _varied(options, f"any(name.startswith({letter!r}) for name in {item})",
                    lambda s: any(w.startswith(letter) for w in s), samples, "bool/any")
            if all(w for s in samples for w in s):
                _counted(options, f"len({{name[0] for name in {item}}})", lambda s: len({w[0] for w in s}), samples)
            word = draft.rand_choice(flat)
            _plain(draft, options, f"{word!r} in {item}", lambda s: word in s, samples, f"{kind.partition('_')[0]}/in")
    if not options:
        options.append((f"{item}", "", bool))
    return _pick(draft, options, split)


def _varied(options: list, test: str, fn: Callable[[Any], bool], samples: Sequence[Any], op: str) -> None:
    """Add ``test`` to ``options`` when ``fn`` (what it computes) is true on some samples and false on others."""
    try:
        seen = {bool(fn(s)) for s in samples}
    except Exception:  # noqa: BLE001 -- this test does not apply to these items
        return
    if len(seen) == 2:
        options.append((test, op, fn))


def _plain(draft: Draft, options: list, test: str, fn: Callable[[Any], bool], samples: Sequence[Any], op: str) -> None:
    """``_varied``, for a test by one plain operation (a method, ``in``, ``sum``), unless that operation is the
    focus itself (a guard by the focus would be a use of it that nothing counts)."""
    if op != f"{draft.focus.type}/{draft.focus.name}":
        _varied(options, test, fn, samples, op)


def spells_int(text: Any) -> bool:
    """Whether ``text`` is a string that ``int()`` reads."""
    try:
        int(text)
    except (TypeError, ValueError):
        return False
    return isinstance(text, str)


def spells_numbers(draft: Draft) -> bool:
    """Whether, among the sample words the last ``item_guard`` rejects, some spell an int and some do not (so
    ``try: int(word)`` ``except ValueError: ...`` in the guard's ``else`` takes both ways)."""
    if draft.item_kind != "str":
        return False
    rejected = [s for s, g in zip(draft.samples, draft.guard_truths) if g is False]
    spelled = {spells_int(s) for s in rejected}
    return len(spelled) == 2


def _counted(options: list, number: str, fn: Callable[[Any], int], samples: Sequence[Any]) -> None:
    """Add ``number > t`` (``number`` counts something in an item, ``fn`` computes it) with ``t`` a middle value
    of the counts, when the counts vary."""
    try:
        counts = [fn(s) for s in samples]
        t = threshold(counts)
    except (Unfit, TypeError, IndexError, AttributeError):
        return
    _varied(options, f"{number} > {t}", lambda s: fn(s) > t, samples, "len")


def _banded(draft: Draft, options: list, number: str, values: Sequence[Any], op: str,
            fn: Callable[[Any], Any]) -> None:
    got = band(values)
    if got is not None:
        lo, hi = got
        options.append((f"{literal(lo)} <= {number} < {literal(hi)}", op, lambda s: lo <= fn(s) < hi))


PLAIN_GUARD_SHARE = 0.5  # share of guards drawn among the plain options alone (no comprehension), when both kinds exist


def _splits(passed: Sequence[Any], split: Callable[[Any], bool]) -> bool:
    """Whether the items a guard ``passed`` hold both kinds of ``split`` (see ``item_guard``)."""
    kinds = set()
    for item in passed:
        try:
            kinds.add(bool(split(item)))
        except Exception:  # noqa: BLE001 -- the property does not apply to this item
            continue
    return len(kinds) == 2


def _pick(draft: Draft, options: list, split: Callable[[Any], bool] | None = None) -> str:
    """One of ``options`` (``(test, op, fn)``); the ones that hold a comprehension (``any(... for ...)``,
    ``len({... for ...})``) are drawn at most half as often as in an even draw (``PLAIN_GUARD_SHARE``). With
    ``split`` (see ``item_guard``) only the options whose test lets through sample items of both kinds."""
    if split is not None:
        options = [option for option in options if option[2] is not None
                   and _splits([s for s in draft.samples if _holds(option[2], s)], split)]
        if not options:
            raise Unfit("every guard decides what the body tests")
    plain = [option for option in options if " for " not in option[0]]
    if plain and len(plain) < len(options) and draft.rng.random() < PLAIN_GUARD_SHARE:
        options = plain
    text, op, fn = options[randbelow(draft.rng, len(options))]
    if op:
        draft.op(op)
    draft.guard_fn = fn
    truths: list[Any] = []
    for sample in draft.samples:
        try:
            truths.append(bool(fn(sample)) if fn is not None else None)
        except Exception:  # noqa: BLE001 -- the guard does not apply to this sample
            truths.append(None)
    draft.guard_truths = truths
    return text


def _holds(fn: Callable[[Any], Any], item: Any) -> bool:
    try:
        return bool(fn(item))
    except Exception:  # noqa: BLE001 -- the test does not apply to this item
        return False


def parses_as_int(text: Any) -> bool:
    """Whether ``int(text)`` returns (a str that spells an int, surrounding blanks allowed)."""
    try:
        int(text)
    except (TypeError, ValueError):
        return False
    return True


def int_or_skip(draft: Draft, write: Callable[[], None]) -> None:
    """``try: <write()>`` / ``except ValueError: pass``: a word that spells a number is used as that number,
    any other is skipped (``write`` emits the statement that calls ``int``)."""
    with draft.block("try:"):
        write()
    with draft.block("except ValueError:"):
        draft.emit("pass")
    draft.op("int()")


def return_maybe_sorted(draft: Draft, name: str, item: str, share: float) -> None:
    """``return name``, or (for ``share`` of drafts with a sort key for the item kind) ``return sorted(name,
    key=...)``."""
    key = sort_key(draft, item) if draft.rng.random() < share else None
    if key:
        draft.emit(f"return sorted({name}, key={key})")
        draft.op("sorted")
    else:
        draft.emit(f"return {name}")


# calls by which a body changes the object a name holds (then a value computed from it before cannot stand in)
_CHANGING_CALLS = ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "add",
                   "discard", "setdefault", "popitem")
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _with_name(line: str, target: ast.expr, name: str) -> str | None:
    """``line`` with every occurrence of the expression ``target`` replaced by ``name``, or None when some
    occurrence cannot be (the line does not parse alone, or a lambda or comprehension holds it)."""
    indent = len(line) - len(line.lstrip())
    parsed = statement(line[indent:])
    if parsed is None:
        return None
    tree, shift = parsed
    dump = ast.dump(target)
    inner = {id(n) for scope in ast.walk(tree) if isinstance(scope, _SCOPES) for n in ast.walk(scope)}
    spans = []
    for node in ast.walk(tree):
        if type(node) is type(target) and ast.dump(node) == dump:
            if id(node) in inner:
                return None
            spans.append((node.col_offset, node.end_col_offset))
    if not spans:
        return None
    raw = line[indent:].encode()  # the tree's columns count UTF-8 bytes
    if shift:
        raw = raw[shift:]
    for start, end in sorted(spans, reverse=True):
        raw = raw[:start] + name.encode() + raw[end:]
    text = line[indent:indent + shift] + raw.decode()
    # the columns of a tree are trusted only when the text they give parses as the tree with the name in
    # place of every occurrence (Python 3.11 gives some nodes inside f-strings wrong columns)
    again = statement(text)

    class Named(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            if type(node) is type(target) and ast.dump(node) == dump:
                return ast.Name(id=name, ctx=ast.Load())
            return super().visit(node)

    if again is None or ast.dump(again[0]) != ast.dump(Named().visit(tree)):
        return None
    return line[:indent] + text


# a name a line assigns, binds or changes in place (``x = ``, ``x += ``, ``x := ``, ``x.append(``)
_CHANGED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:(?:[-+*/%%|&^]|//)?=(?!=)|:=|\.(?:%s)\()"
                      % "|".join(_CHANGING_CALLS))
_BOUND = re.compile(r"\b(?:for\s+([^:]*?)\s+in\b|del\s+([A-Za-z_]\w*))|^\s*([\w\s,.*\[\]]+?)\s*=(?!=)")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _changed_names(line: str) -> set[str]:
    """The names ``line`` may rebind or change (over-counted where unsure: ``seen[k] = 1`` gives both)."""
    names = set(_CHANGED.findall(line))
    for found in _BOUND.findall(line):
        for part in found:
            names.update(_IDENTIFIER.findall(part))
    return names


def name_guarded_values(draft: Draft) -> None:
    """Where an item guard tested a focus value (``if len(w.strip()) > 3:``) and the lines it governs compute
    the same value again (``parts.append(w.strip())``), the value is named just before the test and both read
    the name (``stripped = w.strip()`` / ``if len(stripped) > 3:`` / ``parts.append(stripped)``), as people
    write it; the guard then no longer counts as a use of the focus. Run once, after ``render``. A value whose
    names the governed lines assign or change, or that a lambda or comprehension would read, is left as it is."""
    for expr, noun in draft.guard_values:
        lines = draft.lines
        plain = bare(expr)  # a line may write it with or without the parentheses around it
        at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("if ") and plain in line), None)
        if at is None:
            continue
        indent = len(lines[at]) - len(lines[at].lstrip())
        end = at + 1
        while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) >= indent:
            end += 1
        uses = [j for j in range(at + 1, end) if plain in lines[j]]
        if not uses:
            continue
        try:
            target = astparse.parse(expr, mode="eval").body
        except SyntaxError:
            continue
        reads = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        if any(not reads.isdisjoint(_changed_names(lines[j])) for j in range(at + 1, uses[-1] + 1)):
            continue
        name = draft.name(noun, "value")
        edited = {j: _with_name(lines[j], target, name) for j in (at, *uses)}
        if any(v is None for v in edited.values()):
            draft.names.discard(name)
            continue
        for j, text in edited.items():
            lines[j] = text  # type: ignore[assignment]
        lines.insert(at, " " * indent + f"{name} = {plain}")
        draft.focus_uses -= 1
        draft.ops[f"{draft.focus.type}/{draft.focus.name}"] -= 1
        if draft.focus_uses < 2:
            draft.focus_nesting = min(draft.focus_nesting, 1)
