"""Concrete values for the generator: kinds, literal rendering and the reference's input pools.

Contract: ``kind_of(value)`` names the generator's value kind (``"str"``, ``"int"``, ``"list_int"``,
``"set_str"``, ``"dict"``...); ``literal(value)`` renders a value as Python source that is identical under
every ``PYTHONHASHSEED`` (set elements are written sorted); the ``draw_*`` functions draw from the pools of
ExecVerify's input synthesis (ints 5-20; strings: random alphanumerics of length 5-10 with p=0.5, one
printable character repeated 5-15 times with p=0.4, alphanumerics with punctuation with p=0.1; containers
longer than 5).
"""

from __future__ import annotations

import random
import string
from typing import Any

ALNUM = string.ascii_letters + string.digits
PUNCT = "!#$%&*+-./:;<=>?@^_~"
REPEATABLE = string.ascii_letters + string.digits + PUNCT + " "

RECEIVER_KINDS_FOR_LOOPS = ("str", "list_int", "list_str", "tuple_int", "tuple_str", "set_int", "set_str", "dict")
CONTAINER_KINDS = ("list_int", "list_str", "tuple_int", "tuple_str", "set_int", "set_str", "dict")


def _elem_kind(values: Any) -> str | None:
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return "bool"
    if kinds == {int}:
        return "int"
    if kinds == {str}:
        return "str"
    return None


_SCALAR_KINDS: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str", type(None): "none"}
_SEQ_PREFIX: dict[type, str] = {list: "list", tuple: "tuple", set: "set"}
_ELEM_KINDS: dict[frozenset, str] = {frozenset({bool}): "bool", frozenset({int}): "int", frozenset({str}): "str"}


def kind_of(value: Any) -> str:
    """The generator's kind for ``value`` (``"other"`` when it has none)."""
    cls = type(value)
    kind = _SCALAR_KINDS.get(cls)
    if kind is not None:  # exact built-in types: dispatch on the type (the hot path)
        return kind
    prefix = _SEQ_PREFIX.get(cls)
    if prefix is not None:
        if not value:
            return f"{prefix}_empty"
        return f"{prefix}_{_ELEM_KINDS.get(frozenset(map(type, value)), 'mixed')}"
    return _kind_of_slow(value)


def _kind_of_slow(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple, set)):
        prefix = {list: "list", tuple: "tuple", set: "set"}[type(value)]
        if not value:
            return f"{prefix}_empty"
        elem = _elem_kind(value)
        return f"{prefix}_{elem}" if elem else f"{prefix}_mixed"
    if isinstance(value, dict):
        if all(type(k) is str or isinstance(k, str) for k in value) and all(
            type(v) is int or (isinstance(v, int) and not isinstance(v, bool)) for v in value.values()
        ):
            return "dict"
        return "dict_other"
    if value is None:
        return "none"
    return "other"


_ATOMS = (str, int, float, bool, bytes, type(None))


def fast_copy(value: Any) -> Any:
    """A copy that is independent of ``value`` for the generator's values (cheaper than deepcopy)."""
    cls = type(value)
    if cls in _ATOM_TYPES:
        return value
    if cls is list:
        return [v if type(v) in _ATOM_TYPES else fast_copy(v) for v in value]
    if cls is dict:
        return {k: (v if type(v) in _ATOM_TYPES else fast_copy(v)) for k, v in value.items()}
    if cls is set:
        return set(value)
    if cls is tuple:
        for v in value:
            if type(v) not in _ATOM_TYPES:
                return _fast_copy_slow(value)
        return value
    return _fast_copy_slow(value)


_ATOM_TYPES = frozenset(_ATOMS)


def _fast_copy_slow(value: Any) -> Any:
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, list):
        return [v if isinstance(v, _ATOMS) else fast_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if isinstance(v, _ATOMS) else fast_copy(v)) for k, v in value.items()}
    if isinstance(value, set):
        return set(value)
    if isinstance(value, tuple):
        return value if all(isinstance(v, _ATOMS) for v in value) else tuple(fast_copy(v) for v in value)
    if isinstance(value, frozenset):
        return value
    import copy

    return copy.deepcopy(value)


_REPR_ATOMS = frozenset({int, str, bool, float, type(None), bytes, complex})


def _repr_is_literal(value: Any) -> bool:
    """Whether ``literal(value) == repr(value)``: nothing but atoms and exact lists, tuples and dicts (no set or
    frozenset anywhere, whose members ``literal`` sorts)."""
    t = type(value)
    if t in _REPR_ATOMS:
        return True
    if t is list or t is tuple:
        for v in value:
            if type(v) not in _REPR_ATOMS and not _repr_is_literal(v):
                return False
        return True
    if t is dict:
        for k, v in value.items():
            if (type(k) not in _REPR_ATOMS and not _repr_is_literal(k)) \
                    or (type(v) not in _REPR_ATOMS and not _repr_is_literal(v)):
                return False
        return True
    return False


def _joined(values: Any) -> str:
    """``", ".join(literal(v) for v in values)``, with ``repr`` at C speed when every value is an atom."""
    values = list(values) if type(values) not in (list, tuple) else values
    if _REPR_ATOMS.issuperset(map(type, values)):
        return ", ".join(map(repr, values))
    return ", ".join(map(literal, values))


def literal(value: Any) -> str:
    """Python source for ``value``; stable across hash seeds (sets are written sorted)."""
    if _repr_is_literal(value):
        return repr(value)  # the same text the branches below build, at C speed
    return _literal_slow(value)


def _literal_slow(value: Any) -> str:
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()" if isinstance(value, set) else "frozenset()"
        try:
            items = sorted(value)
        except TypeError:
            items = sorted(value, key=repr)
        body = "{" + _joined(items) + "}"
        return body if isinstance(value, set) else f"frozenset({body})"
    if isinstance(value, list):
        return "[" + _joined(value) + "]"
    if isinstance(value, tuple):
        if len(value) == 1:
            return "(" + literal(value[0]) + ",)"
        return "(" + _joined(value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return repr(value)
    return repr(value)


def size_of(value: Any) -> int:
    """A rough size (characters or elements, recursively) used to keep values small."""
    cls = type(value)
    if cls is str:
        return len(value)
    if cls is int:
        return len(str(abs(value))) // 4
    if cls is bool or cls is float or value is None:
        return 1
    if cls is list or cls is tuple or cls is set or cls is frozenset:
        total = len(value)
        for v in value:
            t = type(v)
            if t is str:
                total += len(v)
            elif t in _ATOM_TYPES:
                continue
            elif isinstance(v, (str, list, tuple, set, dict)):
                total += size_of(v)
        return total
    return _size_of_slow(value)


def _size_of_slow(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value) + sum(size_of(v) for v in value if isinstance(v, (str, list, tuple, set, dict)))
    if isinstance(value, dict):
        return len(value) + sum(size_of(k) + size_of(v) for k, v in value.items())
    if isinstance(value, int) and not isinstance(value, bool):
        return len(str(abs(value))) // 4
    return 1


def draw_int(rng: random.Random) -> int:
    return rng.randint(5, 20)


def draw_str(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return "".join(rng.choice(ALNUM) for _ in range(rng.randint(5, 10)))
    if roll < 0.9:
        return rng.choice(REPEATABLE) * rng.randint(5, 15)
    pool = ALNUM + PUNCT
    return "".join(rng.choice(pool) for _ in range(rng.randint(5, 10)))


def draw_word(rng: random.Random) -> str:
    """A shorter alphanumeric string, used for container elements and dictionary keys."""
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(3, 6)))


def draw_float(rng: random.Random) -> float:
    return float(rng.randint(5, 20)) + rng.choice((0.0, 0.25, 0.5, 0.75, 0.125, 0.375))


def draw_of_kind(kind: str, rng: random.Random) -> Any:
    """A fresh input value of ``kind`` (containers hold 6-9 elements)."""
    size = rng.randint(6, 9)
    if kind == "str":
        return draw_str(rng)
    if kind == "int":
        return draw_int(rng)
    if kind == "float":
        return draw_float(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list_int":
        return [draw_int(rng) for _ in range(size)]
    if kind == "list_str":
        return [draw_word(rng) for _ in range(size)]
    if kind == "tuple_int":
        return tuple(draw_int(rng) for _ in range(size))
    if kind == "tuple_str":
        return tuple(draw_word(rng) for _ in range(size))
    if kind == "set_int":
        values: set = set()
        while len(values) < size:
            values.add(rng.randint(1, 30))
        return values
    if kind == "set_str":
        values = set()
        while len(values) < size:
            values.add(draw_word(rng))
        return values
    if kind == "dict":
        keys: list[str] = []
        while len(keys) < size:
            key = draw_word(rng)
            if key not in keys:
                keys.append(key)
        return {key: draw_int(rng) for key in keys}
    raise ValueError(f"no input pool for kind {kind!r}")
