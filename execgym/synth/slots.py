"""Argument slots: what value a catalog operation accepts in each position, and how to draw a fresh one.

Contract: ``accepts(spec, value, receiver)`` says whether an existing value may fill a slot of ``spec`` for
that receiver; ``fresh(spec, rng, receiver)`` draws a new literal value for it (raising ``NoValue`` when the
receiver admits none, e.g. an index into an empty list). Fresh values favour ones that make the operation
do something visible (a substring that occurs, an index in range, overlapping sets).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

from execgym.synth.values import ALNUM, draw_float, draw_int, draw_word, kind_of


class NoValue(Exception):
    """No value can fill this slot for this receiver."""


# slots never filled from a variable: they are part of the idiom (separators, format specs, templates)
FRESH_ONLY = frozenset({"sep", "fmt", "template", "fill", "pred", "mapping_template", "encoding"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _elem_kind(receiver: Any) -> str | None:
    kind = kind_of(receiver)
    if kind.endswith("_int"):
        return "int"
    if kind.endswith("_str") or kind == "str":
        return "str"
    if kind == "dict":
        return "str"
    return None


def accepts(spec: str, value: Any, receiver: Any) -> bool:
    if spec in FRESH_ONLY:
        return False
    kind = kind_of(value)
    size = len(receiver) if isinstance(receiver, (str, list, tuple, set, dict)) else 0
    if spec == "str":
        return kind == "str" and len(value) <= 12
    if spec == "sub":
        return kind == "str" and 0 < len(value) <= 6 and isinstance(receiver, str) and value in receiver
    if spec in ("prefix", "suffix"):
        return kind == "str" and 0 < len(value) <= 5
    if spec == "char":
        return kind == "str" and len(value) == 1
    if spec == "chars":
        return kind == "str" and 0 < len(value) <= 3
    if spec == "width":
        return _is_int(value) and size < value <= size + 10
    if spec == "index":
        return _is_int(value) and -size <= value < size
    if spec in ("lo", "hi"):
        return _is_int(value) and 0 <= value <= size
    if spec == "count":
        return _is_int(value) and 0 <= value <= 3
    if spec in ("small", "maxsplit"):
        return _is_int(value) and 1 <= value <= 3
    if spec == "ndigits":
        return _is_int(value) and 0 <= value <= 3
    if spec == "tabsize":
        return _is_int(value) and 1 <= value <= 8
    if spec == "int":
        return _is_int(value) and abs(value) <= 1000
    if spec == "nonzero":
        return _is_int(value) and 0 < abs(value) <= 1000
    if spec == "elem":
        return _hashable_in(value, receiver)
    if spec in ("newelem", "anyelem"):
        elem = _elem_kind(receiver)
        return elem is not None and kind == elem and (kind != "str" or len(value) <= 8)
    if spec == "same":
        return kind == kind_of(receiver) and _small(value)
    if spec == "seq":
        return kind in ("list_int", "list_str", "tuple_int", "tuple_str", "str") and 0 < len(value) <= 12
    if spec in ("key",):
        return isinstance(receiver, dict) and isinstance(value, str) and value in receiver
    if spec == "anykey":
        return kind == "str" and len(value) <= 8
    if spec == "dictv":
        return kind == "dict" and len(value) <= 10
    if spec == "float":
        return kind in ("float", "int") and abs(value) <= 1000
    if spec == "posfloat":
        return kind in ("float", "int") and 0 < value <= 50
    if spec == "strs":
        return kind in ("list_str", "tuple_str", "str") and 0 < len(value) <= 12
    if spec in ("bool", "boolvar"):
        return kind == "bool"
    if spec == "same_len_str":
        return isinstance(receiver, str) and kind == "str" and len(value) == len(receiver)
    return False


def _hashable_in(value: Any, receiver: Any) -> bool:
    try:
        return isinstance(receiver, (list, tuple, set, dict, str)) and kind_of(value) in ("int", "str") and (
            value in receiver
        ) and (not isinstance(receiver, str) or len(value) > 0)
    except TypeError:
        return False


def _small(value: Any) -> bool:
    return len(value) <= 10 if isinstance(value, (str, list, tuple, set, dict)) else True


def _pick(rng: random.Random, receiver: Any) -> Any:
    if isinstance(receiver, set):
        return rng.choice(sorted(receiver))
    if isinstance(receiver, dict):
        return rng.choice(list(receiver))
    return rng.choice(list(receiver))


def _new_elem(rng: random.Random, receiver: Any, word: Callable[[random.Random], str] = draw_word) -> Any:
    return rng.randint(1, 30) if _elem_kind(receiver) == "int" else word(rng)


def fresh(spec: str, rng: random.Random, receiver: Any, word: Callable[[random.Random], str] = draw_word) -> Any:
    """A value for slot ``spec`` of an operation on ``receiver``; ``word`` draws the words it makes up (random
    alphanumeric ones by default; the pattern generator passes one that draws real words and keys)."""
    size = len(receiver) if isinstance(receiver, (str, list, tuple, set, dict)) else 0
    text = receiver if isinstance(receiver, str) else ""
    if spec == "str":
        roll = rng.random()
        if text and roll < 0.4:
            start = rng.randrange(len(text))
            return text[start: start + rng.randint(1, 3)]
        if text and roll < 0.55:
            return rng.choice(text)
        return word(rng)
    if spec == "sub":
        if not text:
            raise NoValue(spec)
        start = rng.randrange(len(text))
        return text[start: start + rng.randint(1, 3)]
    if spec == "prefix":
        return text[: rng.randint(1, 3)] if text and rng.random() < 0.6 else word(rng)[:2]
    if spec == "suffix":
        return text[-rng.randint(1, 3):] if text and rng.random() < 0.6 else word(rng)[-2:]
    if spec == "char":
        return rng.choice(text) if text and rng.random() < 0.7 else rng.choice(ALNUM)
    if spec == "chars":
        if text and rng.random() < 0.7:
            return "".join(sorted({text[0], text[-1]}))
        return rng.choice(".!-* ")
    if spec == "fill":
        return rng.choice("*-.#=+")
    if spec == "width":
        return size + rng.randint(2, 6)
    if spec == "index":
        if size == 0:
            raise NoValue(spec)
        index = rng.randrange(size)
        return index - size if rng.random() < 0.2 else index
    if spec == "lo":
        return rng.randint(0, max(0, size // 2))
    if spec == "hi":
        return rng.randint(max(1, size // 2), max(1, size))
    if spec == "count":
        return rng.randint(2, 3)
    if spec in ("small", "maxsplit"):
        return rng.randint(1, 3)
    if spec == "ndigits":
        return rng.randint(0, 2)
    if spec == "tabsize":
        return rng.randint(2, 8)
    if spec == "int":
        return draw_int(rng)
    if spec == "nonzero":
        return rng.randint(2, 7)
    if spec == "elem":
        if size == 0 or isinstance(receiver, str) and False:
            raise NoValue(spec)
        return _pick(rng, receiver)
    if spec == "newelem":
        return _new_elem(rng, receiver, word)
    if spec == "anyelem":
        if size and rng.random() < 0.6:
            value = _pick(rng, receiver)
            if isinstance(value, (int, str)):
                return value
        return _new_elem(rng, receiver, word)
    if spec == "same":
        return _overlapping(rng, receiver, word)
    if spec == "seq":
        if isinstance(receiver, (list, tuple)) and receiver and isinstance(receiver[0], int):
            return [rng.randint(1, 30) for _ in range(rng.randint(3, 6))]
        return [word(rng) for _ in range(rng.randint(3, 6))]
    if spec == "key":
        if not isinstance(receiver, dict) or not receiver:
            raise NoValue(spec)
        return rng.choice(list(receiver))
    if spec == "anykey":
        if isinstance(receiver, dict) and receiver and rng.random() < 0.6:
            return rng.choice(list(receiver))
        return word(rng)
    if spec == "dictv":
        out: dict[str, int] = {}
        if isinstance(receiver, dict) and receiver:
            for key in rng.sample(list(receiver), min(len(receiver), rng.randint(1, 2))):
                out[key] = draw_int(rng)
        for _ in range(rng.randint(1, 3)):
            out[word(rng)] = draw_int(rng)
        return out
    if spec == "float":
        return draw_float(rng)
    if spec == "posfloat":
        return rng.choice((1.5, 2.0, 2.5, 3.0, 4.0, 0.5))
    if spec == "strs":
        return [word(rng) for _ in range(rng.randint(3, 6))]
    if spec == "bool":
        return rng.random() < 0.5
    if spec == "boolvar":  # `x and True` is never what a person writes: only variables fill this slot
        raise NoValue(spec)
    if spec == "same_len_str":
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(len(text)))
    raise NoValue(spec)


def _overlapping(rng: random.Random, receiver: Any, word: Callable[[random.Random], str] = draw_word) -> Any:
    """A value of the receiver's kind that shares some elements with it."""
    if isinstance(receiver, str):
        if receiver and rng.random() < 0.3:
            return receiver
        return word(rng)
    if isinstance(receiver, dict):
        return fresh("dictv", rng, receiver, word)
    elems = sorted(receiver) if isinstance(receiver, set) else list(receiver)
    shared = rng.sample(elems, min(len(elems), rng.randint(1, 3))) if elems else []
    extra = [_new_elem(rng, receiver, word) for _ in range(rng.randint(1, 3))]
    values = shared + extra
    rng.shuffle(values)
    if isinstance(receiver, set):
        return set(values)
    if isinstance(receiver, tuple):
        return tuple(values)
    return values
