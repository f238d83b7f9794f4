"""The typed operation catalog: the reference's 186 (type, operation) entries plus int and bool operations.

Contract: ``CATALOG`` maps ``(type, operation)`` to an ``Operation``. The entry names are exactly those of
ExecVerify's ``data/methods/*.txt`` (stripped), with the builtins enumerate, filter, range, reversed and zip
as their own types; ``REFERENCE_ENTRIES`` lists those 186 keys. An operation knows its receiver (a predicate
on the concrete value), its forms (source template, argument slots from ``execgym.synth.slots``, and the
Python callable with the same semantics), whether it is a statement that mutates its receiver, and a noun
for naming its result. Preconditions (non-empty, index in range, key present...) are enforced by the slots
and by calling the real operation on concrete values: an exception means "precondition not met".
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from execgym.synth.values import kind_of


@dataclass(frozen=True)
class Form:
    template: str                 # "{0}.replace({1}, {2})": {0} is the receiver
    slots: tuple[str, ...]        # argument slot specs for {1}, {2}, ...
    fn: Callable[..., Any]        # same semantics as the template, on concrete values
    statement: str = ""           # "" (expression), "call" (mutating call), "aug" (x op= y), "setitem"


@dataclass(frozen=True)
class Operation:
    type: str
    name: str
    receiver: str                 # receiver predicate, see RECEIVERS
    forms: tuple[Form, ...]
    noun: str = "result"          # a name for a variable holding its result
    mutates: bool = False         # modifies the receiver in place (receiver must be a variable)
    imports: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)

    @property
    def nestable(self) -> bool:
        return not self.mutates


def _nonempty(v: Any) -> bool:
    return len(v) > 0


RECEIVERS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str) and len(v) <= 40,
    "str+": lambda v: isinstance(v, str) and 0 < len(v) <= 40,
    "list": lambda v: kind_of(v) in ("list_int", "list_str") and len(v) <= 16,
    "list+": lambda v: kind_of(v) in ("list_int", "list_str") and 0 < len(v) <= 16,
    "tuple": lambda v: kind_of(v) in ("tuple_int", "tuple_str") and len(v) <= 16,
    "tuple+": lambda v: kind_of(v) in ("tuple_int", "tuple_str") and 0 < len(v) <= 16,
    "set": lambda v: kind_of(v) in ("set_int", "set_str") and len(v) <= 16,
    "set_int+": lambda v: kind_of(v) == "set_int" and 0 < len(v) <= 16,
    "dict": lambda v: kind_of(v) == "dict" and len(v) <= 12,
    "dict+": lambda v: kind_of(v) == "dict" and 0 < len(v) <= 12,
    "float": lambda v: isinstance(v, float) and abs(v) < 1e6,
    "int": lambda v: kind_of(v) == "int" and abs(v) < 10**6,
    "bool": lambda v: isinstance(v, bool),
    "seq+": lambda v: kind_of(v) in ("list_int", "list_str", "tuple_int", "tuple_str", "str") and 0 < len(v) <= 16,
    "strs": lambda v: kind_of(v) in ("list_str", "tuple_str", "str") and 0 < len(v) <= (40 if isinstance(v, str) else 16),
    "str|table": lambda v: (isinstance(v, str) and len(v) <= 40) or (
        isinstance(v, dict) and 0 < len(v) <= 12 and all(isinstance(k, int) for k in v)),
    "ints+": lambda v: kind_of(v) in ("list_int", "tuple_int") and 0 < len(v) <= 16,
}

# the kinds an entry parameter may take for each receiver predicate (first = most typical)
RECEIVER_INPUT_KINDS: dict[str, tuple[str, ...]] = {
    "str": ("str",), "str+": ("str",), "list": ("list_int", "list_str"), "list+": ("list_int", "list_str"),
    "tuple": ("tuple_int", "tuple_str"), "tuple+": ("tuple_int", "tuple_str"), "set": ("set_int", "set_str"),
    "set_int+": ("set_int",), "dict": ("dict",), "dict+": ("dict",), "float": ("float",), "int": ("int",),
    "bool": ("bool",), "seq+": ("list_str", "list_int", "str", "tuple_int"), "strs": ("list_str", "str"), "str|table": ("str",),
    "ints+": ("list_int", "tuple_int"),
}


def F(template: str, slots: tuple[str, ...], fn: Callable[..., Any], statement: str = "") -> Form:
    return Form(template, slots, fn, statement)


def _meth(name: str, slots: tuple[str, ...] = ()) -> Form:
    args = ", ".join("{%d}" % (i + 1) for i in range(len(slots)))
    return F("{0}.%s(%s)" % (name, args), slots, lambda recv, *a: getattr(recv, name)(*a))


def _call(name: str, slots: tuple[str, ...] = (), statement: str = "call") -> Form:
    """A mutating method call used as a statement."""
    args = ", ".join("{%d}" % (i + 1) for i in range(len(slots)))
    return F("{0}.%s(%s)" % (name, args), slots, lambda recv, *a: getattr(recv, name)(*a), statement)


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "%": operator.mod, "//": operator.floordiv,
    "&": operator.and_, "|": operator.or_, "^": operator.xor, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_AUGOPS: dict[str, Callable[[Any, Any], Any]] = {
    "&=": operator.iand, "|=": operator.ior, "-=": operator.isub, "^=": operator.ixor, "*=": operator.imul,
    "+=": operator.iadd,
}


def _bin(symbol: str, slot: str) -> Form:
    return F("{0} %s {1}" % symbol, (slot,), _BINOPS[symbol])


def _aug(symbol: str, slot: str) -> Form:
    return F("{0} %s {1}" % symbol, (slot,), _AUGOPS[symbol], "aug")


_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_NOUN_BY_SYMBOL = {
    "+": "combined", "-": "difference", "*": "repeated", "%": "remainder", "&": "common", "|": "merged",
    "^": "exclusive", "==": "same", "!=": "different", "<": "is_smaller", "<=": "is_at_most",
    ">": "is_larger", ">=": "is_at_least", "//": "quotient",
}

_ops: list[Operation] = []


def op(type_: str, name: str, receiver: str, *forms: Form, noun: str = "", mutates: bool = False,
       imports: tuple[str, ...] = ()) -> None:
    _ops.append(Operation(type_, name, receiver, tuple(forms), noun or "result", mutates, imports))


# ---------------------------------------------------------------------------------------------------- str
op("str", "+", "str", _bin("+", "str"), noun="joined_text")
op("str", "in", "str+", F("{1} in {0}", ("sub",), lambda s, x: x in s), F("{1} in {0}", ("str",), lambda s, x: x in s),
   noun="found")
op("str", "not in", "str+", F("{1} not in {0}", ("str",), lambda s, x: x not in s), noun="missing")
for _sym in _COMPARISONS:
    op("str", _sym, "str", _bin(_sym, "str"), noun=_NOUN_BY_SYMBOL[_sym])
op("str", "str.format", "str", F("str.format('[{}]', {0})", (), lambda s: f"[{s}]"),
   F("str.format('{} ({})', {0}, {1})", ("int",), lambda s, n: f"{s} ({n})"), noun="formatted")
op("str", "format()", "str", F("format({0}, '>12')", (), lambda s: format(s, ">12")),
   F("format({0}, '^14')", (), lambda s: format(s, "^14")), F("format({0}, '*<12')", (), lambda s: format(s, "*<12")),
   noun="aligned")
op("str", "[index]", "str+", F("{0}[{1}]", ("index",), lambda s, i: s[i]), noun="letter")
op("str", "[:]", "str", F("{0}[:]", (), lambda s: s[:]), noun="text_copy")
op("str", "[index1:index2]", "str", F("{0}[{1}:{2}]", ("lo", "hi"), lambda s, a, b: s[a:b]), noun="middle")
op("str", "[index:]", "str", F("{0}[{1}:]", ("lo",), lambda s, a: s[a:]), noun="tail")
op("str", "[:index2]", "str", F("{0}[:{1}]", ("hi",), lambda s, b: s[:b]), noun="head")
op("str", "len()", "str", F("len({0})", (), len), noun="length")
op("str", "*", "str", _bin("*", "count"), noun="repeated")
for _name in ("capitalize", "casefold", "lower", "upper", "swapcase", "title"):
    op("str", _name, "str", _meth(_name), noun={"capitalize": "capitalized", "casefold": "folded",
                                                "lower": "lowered", "upper": "shouted", "swapcase": "swapped",
                                                "title": "titled"}[_name])
for _name in ("center", "ljust", "rjust"):
    op("str", _name, "str", _meth(_name, ("width",)), _meth(_name, ("width", "fill")), noun="padded")
op("str", "count", "str", _meth("count", ("sub",)), _meth("count", ("char",)), noun="occurrences")
op("str", "encode", "str", _meth("encode"), F("{0}.encode('utf-8')", (), lambda s: s.encode("utf-8")), noun="encoded")
op("str", "endswith", "str", _meth("endswith", ("suffix",)), noun="has_suffix")
op("str", "startswith", "str", _meth("startswith", ("prefix",)), noun="has_prefix")
op("str", "expandtabs", "str", _meth("expandtabs", ("tabsize",)), noun="expanded")
op("str", "find", "str", _meth("find", ("str",)), _meth("find", ("sub",)), noun="position")
op("str", "rfind", "str", _meth("rfind", ("str",)), _meth("rfind", ("sub",)), noun="last_position")
op("str", "index", "str+", _meth("index", ("sub",)), noun="position")
op("str", "rindex", "str+", _meth("rindex", ("sub",)), noun="last_position")
op("str", "format", "str", F("'<{}>'.format({0})", (), lambda s: f"<{s}>"),
   F("'{} and {}'.format({0}, {1})", ("str",), lambda s, t: f"{s} and {t}"),
   F("'{}{}'.format({0}, {0})", (), lambda s: f"{s}{s}"), noun="formatted")
op("str", "format_map", "str", F("'{name}!'.format_map({'name': {0}})", (),
                                   lambda s: "{name}!".format_map({"name": s})),
   F("'{word}: {size}'.format_map({'word': {0}, 'size': {1}})", ("int",),
     lambda s, n: "{word}: {size}".format_map({"word": s, "size": n})), noun="message")
for _name in ("isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
              "isprintable", "isspace", "istitle", "isupper"):
    op("str", _name, "str", _meth(_name), noun=_name.replace("is", "is_", 1))
op("str", "join", "strs", F("''.join({0})", (), lambda xs: "".join(xs)), F("'-'.join({0})", (), lambda xs: "-".join(xs)),
   F("', '.join({0})", (), lambda xs: ", ".join(xs)), F("' '.join({0})", (), lambda xs: " ".join(xs)), noun="joined")
for _name in ("strip", "lstrip", "rstrip"):
    op("str", _name, "str", _meth(_name), _meth(_name, ("chars",)), noun="stripped")
op("str", "maketrans", "str|table",
   F("str.maketrans({0}, {1})", ("same_len_str",), lambda a, b: str.maketrans(a, b)),
   F("str.maketrans({0})", (), lambda a: str.maketrans(a)), noun="table")
op("str", "partition", "str", _meth("partition", ("sub",)), _meth("partition", ("str",)), noun="pieces")
op("str", "rpartition", "str", _meth("rpartition", ("sub",)), _meth("rpartition", ("str",)), noun="pieces")
op("str", "removeprefix", "str", _meth("removeprefix", ("prefix",)), noun="trimmed")
op("str", "removesuffix", "str", _meth("removesuffix", ("suffix",)), noun="trimmed")
op("str", "replace", "str", _meth("replace", ("sub", "str")), _meth("replace", ("str", "str")),
   _meth("replace", ("sub", "str", "small")), noun="replaced")
op("str", "split", "str", _meth("split"), _meth("split", ("sub",)), _meth("split", ("sub", "maxsplit")),
   noun="parts")
op("str", "rsplit", "str", _meth("rsplit"), _meth("rsplit", ("sub",)), _meth("rsplit", ("sub", "maxsplit")),
   noun="parts")
op("str", "splitlines", "str", _meth("splitlines"), noun="lines")
op("str", "translate", "str",
   F("{0}.translate(str.maketrans({1}, {2}))", ("char", "char"), lambda s, a, b: s.translate(str.maketrans(a, b))),
   noun="translated")
op("str", "zfill", "str", _meth("zfill", ("width",)), noun="padded")

# ---------------------------------------------------------------------------------------------------- set
op("set", "&", "set", _bin("&", "same"), noun="common")
op("set", "in", "set", F("{1} in {0}", ("anyelem",), lambda s, x: x in s), noun="present")
op("set", "not in", "set", F("{1} not in {0}", ("anyelem",), lambda s, x: x not in s), noun="absent")
for _sym in _COMPARISONS:
    op("set", _sym, "set", _bin(_sym, "same"), noun=_NOUN_BY_SYMBOL[_sym].replace("smaller", "subset")
       .replace("larger", "superset"))
for _sym in ("&=", "|=", "-=", "^="):
    op("set", _sym, "set", _aug(_sym, "same"), mutates=True)
op("set", "len", "set", F("len({0})", (), len), noun="size")
op("set", "-", "set", _bin("-", "same"), noun="remaining")
op("set", "^", "set", _bin("^", "same"), noun="exclusive")
op("set", "add", "set", _call("add", ("newelem",)), _call("add", ("anyelem",)), mutates=True)
op("set", "clear", "set", _call("clear"), mutates=True)
op("set", "copy", "set", _meth("copy"), noun="snapshot")
op("set", "difference", "set", _meth("difference", ("same",)), noun="remaining")
op("set", "difference_update", "set", _call("difference_update", ("same",)), mutates=True)
op("set", "discard", "set", _call("discard", ("anyelem",)), mutates=True)
op("set", "intersection", "set", _meth("intersection", ("same",)), noun="common")
op("set", "intersection_update", "set", _call("intersection_update", ("same",)), mutates=True)
op("set", "isdisjoint", "set", _meth("isdisjoint", ("same",)), noun="disjoint")
op("set", "issubset", "set", _meth("issubset", ("same",)), noun="is_subset")
op("set", "issuperset", "set", _meth("issuperset", ("same",)), noun="is_superset")
op("set", "pop", "set_int+", F("{0}.pop()", (), lambda s: s.pop(), "call"), mutates=True, noun="taken")
op("set", "remove", "set", _call("remove", ("elem",)), mutates=True)
op("set", "symmetric_difference", "set", _meth("symmetric_difference", ("same",)), noun="exclusive")
op("set", "symmetric_difference_update", "set", _call("symmetric_difference_update", ("same",)), mutates=True)
op("set", "union", "set", _meth("union", ("same",)), noun="merged")
op("set", "update", "set", _call("update", ("same",)), mutates=True)

# --------------------------------------------------------------------------------------------------- list
op("list", "+", "list", _bin("+", "same"), noun="combined")
op("list", "[index]", "list+", F("{0}[{1}]", ("index",), lambda s, i: s[i]), noun="picked")
op("list", "[:]", "list", F("{0}[:]", (), lambda s: s[:]), noun="items_copy")
op("list", "[index1:index2]", "list", F("{0}[{1}:{2}]", ("lo", "hi"), lambda s, a, b: s[a:b]), noun="window")
op("list", "[index:]", "list", F("{0}[{1}:]", ("lo",), lambda s, a: s[a:]), noun="rest")
op("list", "[:index2]", "list", F("{0}[:{1}]", ("hi",), lambda s, b: s[:b]), noun="front")
op("list", "in", "list", F("{1} in {0}", ("anyelem",), lambda s, x: x in s), noun="present")
op("list", "not in", "list", F("{1} not in {0}", ("anyelem",), lambda s, x: x not in s), noun="absent")
for _sym in _COMPARISONS:
    op("list", _sym, "list", _bin(_sym, "same"), noun=_NOUN_BY_SYMBOL[_sym])
op("list", "*=", "list", _aug("*=", "count"), mutates=True)
op("list", "len", "list", F("len({0})", (), len), noun="size")
op("list", "*", "list", _bin("*", "count"), noun="repeated")
op("list", "reversed", "list", F("list(reversed({0}))", (), lambda s: list(reversed(s))), noun="backwards")
op("list", "append", "list", _call("append", ("newelem",)), _call("append", ("anyelem",)), mutates=True)
op("list", "clear", "list", _call("clear"), mutates=True)
op("list", "copy", "list", _meth("copy"), noun="snapshot")
op("list", "count", "list", _meth("count", ("anyelem",)), noun="occurrences")
op("list", "extend", "list", _call("extend", ("same",)), mutates=True)
op("list", "index", "list+", _meth("index", ("elem",)), noun="position")
op("list", "insert", "list", _call("insert", ("lo", "newelem")), mutates=True)
op("list", "pop", "list+", F("{0}.pop()", (), lambda s: s.pop(), "call"),
   F("{0}.pop({1})", ("index",), lambda s, i: s.pop(i), "call"), mutates=True, noun="removed")
op("list", "remove", "list+", _call("remove", ("elem",)), mutates=True)
op("list", "reverse", "list", _call("reverse"), mutates=True)
op("list", "sort", "list", _call("sort"), F("{0}.sort(reverse=True)", (), lambda s: s.sort(reverse=True), "call"),
   mutates=True)

# --------------------------------------------------------------------------------------------------- dict
op("dict", "in", "dict", F("{1} in {0}", ("anykey",), lambda d, k: k in d), noun="known")
op("dict", "not in", "dict", F("{1} not in {0}", ("anykey",), lambda d, k: k not in d), noun="unknown")
op("dict", "==", "dict", _bin("==", "dictv"), noun="same")
op("dict", "dict[key]", "dict+", F("{0}[{1}]", ("key",), lambda d, k: d[k]), noun="amount")
op("dict", "len", "dict", F("len({0})", (), len), noun="size")
op("dict", "!=", "dict", _bin("!=", "dictv"), noun="different")
op("dict", "|", "dict", _bin("|", "dictv"), noun="merged")
op("dict", "dict[key] = value", "dict", F("{0}[{1}] = {2}", ("anykey", "int"), operator.setitem, "setitem"), mutates=True)
op("dict", "clear", "dict", _call("clear"), mutates=True)
op("dict", "copy", "dict", _meth("copy"), noun="snapshot")
op("dict", "fromkeys", "strs", F("dict.fromkeys({0}, 0)", (), lambda xs: dict.fromkeys(xs, 0)),
   F("dict.fromkeys({0}, {1})", ("int",), lambda xs, v: dict.fromkeys(xs, v)), noun="table")
op("dict", "get", "dict", _meth("get", ("anykey",)), _meth("get", ("anykey", "int")), noun="amount")
op("dict", "items", "dict", F("list({0}.items())", (), lambda d: list(d.items())), noun="pairs")
op("dict", "keys", "dict", F("list({0}.keys())", (), lambda d: list(d.keys())), noun="names")
op("dict", "values", "dict", F("list({0}.values())", (), lambda d: list(d.values())), noun="amounts")
op("dict", "pop", "dict+", F("{0}.pop({1})", ("key",), lambda d, k: d.pop(k), "call"),
   F("{0}.pop({1}, {2})", ("anykey", "int"), lambda d, k, v: d.pop(k, v), "call"), mutates=True, noun="taken")
op("dict", "popitem", "dict+", F("{0}.popitem()", (), lambda d: d.popitem(), "call"), mutates=True, noun="last_pair")
op("dict", "setdefault", "dict", F("{0}.setdefault({1}, {2})", ("anykey", "int"), lambda d, k, v: d.setdefault(k, v),
                                   "call"), mutates=True, noun="amount")
op("dict", "update", "dict", _call("update", ("dictv",)), mutates=True)

# -------------------------------------------------------------------------------------------------- tuple
op("tuple", "+", "tuple", _bin("+", "same"), noun="combined")
op("tuple", "[index]", "tuple+", F("{0}[{1}]", ("index",), lambda s, i: s[i]), noun="picked")
op("tuple", "[:]", "tuple", F("{0}[:]", (), lambda s: s[:]), noun="fields")
op("tuple", "[index1:index2]", "tuple", F("{0}[{1}:{2}]", ("lo", "hi"), lambda s, a, b: s[a:b]), noun="window")
op("tuple", "[index:]", "tuple", F("{0}[{1}:]", ("lo",), lambda s, a: s[a:]), noun="rest")
op("tuple", "[:index2]", "tuple", F("{0}[:{1}]", ("hi",), lambda s, b: s[:b]), noun="front")
op("tuple", "in", "tuple", F("{1} in {0}", ("anyelem",), lambda s, x: x in s), noun="present")
op("tuple", "not in", "tuple", F("{1} not in {0}", ("anyelem",), lambda s, x: x not in s), noun="absent")
for _sym in _COMPARISONS:
    op("tuple", _sym, "tuple", _bin(_sym, "same"), noun=_NOUN_BY_SYMBOL[_sym])
op("tuple", "len", "tuple", F("len({0})", (), len), noun="size")
op("tuple", "*", "tuple", _bin("*", "count"), noun="repeated")
op("tuple", "count", "tuple", _meth("count", ("anyelem",)), noun="occurrences")
op("tuple", "index", "tuple+", _meth("index", ("elem",)), noun="position")

# -------------------------------------------------------------------------------------------------- float
op("float", "+", "float", _bin("+", "float"), noun="total")
op("float", "bool()", "float", F("bool({0})", (), bool), noun="nonzero")
op("float", "math.ceil()", "float", F("math.ceil({0})", (), math.ceil), noun="rounded_up", imports=("import math",))
op("float", "divmod", "float", F("divmod({0}, {1})", ("posfloat",), divmod), noun="split_amount")
op("float", "math.floor()", "float", F("math.floor({0})", (), math.floor), noun="rounded_down", imports=("import math",))
for _sym in (">=", ">", "<", "<=", "!="):
    op("float", _sym, "float", _bin(_sym, "float"), noun=_NOUN_BY_SYMBOL[_sym])
op("float", "-", "float", _bin("-", "float"), noun="change")
op("float", "int()", "float", F("int({0})", (), int), noun="whole")
op("float", "%", "float", _bin("%", "posfloat"), noun="remainder")
op("float", "round", "float", F("round({0})", (), round), F("round({0}, {1})", ("ndigits",), round), noun="rounded")
op("float", "as_integer_ratio", "float", _meth("as_integer_ratio"), noun="ratio")
op("float", "conjugate", "float", _meth("conjugate"), noun="conjugated")
op("float", "is_integer", "float", _meth("is_integer"), noun="is_whole")

# -------------------------------------------------------------------------------------------------- builtins
op("enumerate", "enumerate", "seq+", F("list(enumerate({0}))", (), lambda s: list(enumerate(s))),
   F("list(enumerate({0}, {1}))", ("small",), lambda s, k: list(enumerate(s, k))), noun="numbered")
op("filter", "filter", "seq+",
   F("list(filter(None, {0}))", (), lambda s: list(filter(None, s))), noun="kept")
op("range", "range", "int", F("list(range({0}))", (), lambda n: list(range(n))),
   F("list(range(0, {0}, {1}))", ("small",), lambda n, k: list(range(0, n, k))),
   F("list(range({1}, {0}))", ("small",), lambda n, k: list(range(k, n))), noun="steps")
op("reversed", "reversed", "seq+", F("list(reversed({0}))", (), lambda s: list(reversed(s))), noun="backwards")
op("zip", "zip", "seq+", F("list(zip({0}, {1}))", ("seq",), lambda a, b: list(zip(a, b))), noun="pairs")

REFERENCE_ENTRIES: tuple[tuple[str, str], ...] = tuple(o.key for o in _ops)

# ------------------------------------------------------------------------------- int and bool (beyond the paper)
op("int", "+", "int", _bin("+", "int"), noun="total")
op("int", "-", "int", _bin("-", "int"), noun="gap")
op("int", "*", "int", F("{0} * {1}", ("small",), operator.mul), noun="scaled")
op("int", "//", "int", _bin("//", "nonzero"), noun="quotient")
op("int", "%", "int", _bin("%", "nonzero"), noun="remainder")
op("int", "abs", "int", F("abs({0})", (), abs), noun="magnitude")
op("int", "max", "int", F("max({0}, {1})", ("int",), max), noun="largest")
op("int", "min", "int", F("min({0}, {1})", ("int",), min), noun="smallest")
op("int", "divmod", "int", F("divmod({0}, {1})", ("nonzero",), divmod), noun="split_count")
op("int", "bit_length", "int", _meth("bit_length"), noun="bits")
op("int", "str()", "int", F("str({0})", (), str), noun="digits")
op("int", "<", "int", _bin("<", "int"), noun="is_smaller")
op("bool", "and", "bool", F("{0} and {1}", ("boolvar",), lambda a, b: a and b), noun="both")
op("bool", "or", "bool", F("{0} or {1}", ("boolvar",), lambda a, b: a or b), noun="either")
op("bool", "not", "bool", F("not {0}", (), operator.not_), noun="negated")
op("bool", "==", "bool", _bin("==", "boolvar"), noun="agree")
op("bool", "int()", "bool", F("int({0})", (), int), noun="flag_value")
op("bool", "any", "ints+", F("any({0})", (), any), noun="any_set")
op("bool", "all", "ints+", F("all({0})", (), all), noun="all_set")

CATALOG: dict[tuple[str, str], Operation] = {o.key: o for o in _ops}
ALL_ENTRIES: tuple[tuple[str, str], ...] = tuple(CATALOG)
TYPE_COUNTS: dict[str, int] = {}
for _key in REFERENCE_ENTRIES:
    TYPE_COUNTS[_key[0]] = TYPE_COUNTS.get(_key[0], 0) + 1


def receiver_ok(operation: Operation, value: Any) -> bool:
    """Whether ``value`` may be the receiver of ``operation``."""
    return RECEIVERS[operation.receiver](value)
