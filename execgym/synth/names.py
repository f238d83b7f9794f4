"""Meaningful names for parameters, loop variables, results and functions.

Contract: ``Namer`` hands out identifiers that are unique within one program, never start with ``_``, never
shadow a builtin or keyword, and say what they hold (``words``/``word``, ``text``/``char``, ``total``...).
"""

from __future__ import annotations

import builtins
import keyword
import random

PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "str": ("text", "word", "phrase", "label", "message", "code", "token", "title"),
    "int": ("limit", "count", "size", "step", "threshold", "offset", "width"),
    "float": ("price", "amount", "ratio", "weight", "rate", "score"),
    "bool": ("enabled", "strict", "verbose"),
    "list_int": ("numbers", "values", "scores", "readings", "counts"),
    "list_str": ("words", "names", "labels", "tokens", "tags"),
    "tuple_int": ("coords", "sizes", "point", "dims"),
    "tuple_str": ("fields", "parts", "record"),
    "set_int": ("ids", "seen", "codes", "slots"),
    "set_str": ("tags", "keywords", "labels", "names"),
    "dict": ("inventory", "stock", "scores", "ages", "votes", "prices"),
}

SINGULAR: dict[str, str] = {
    "numbers": "number", "values": "value", "scores": "score", "readings": "reading", "counts": "count",
    "words": "word", "names": "name", "labels": "label", "tokens": "token", "tags": "tag", "coords": "coord",
    "sizes": "size", "dims": "dim", "fields": "field", "parts": "part", "ids": "ident", "seen": "item",
    "codes": "code", "slots": "slot", "keywords": "keyword", "inventory": "item", "stock": "item",
    "ages": "person", "votes": "voter", "prices": "product", "point": "coord", "record": "field",
    "lines": "line", "pieces": "piece", "pairs": "pair", "steps": "step", "results": "result",
}

FUNCTION_VERBS: dict[str, tuple[str, ...]] = {
    "str": ("transform", "clean", "process", "format", "encode", "rewrite", "analyze"),
    "set": ("merge", "compare", "update", "track", "combine"),
    "list": ("process", "rearrange", "collect", "summarize", "update"),
    "dict": ("update", "lookup", "tally", "summarize", "merge"),
    "tuple": ("inspect", "slice", "compare", "summarize"),
    "float": ("adjust", "round", "measure", "convert"),
    "int": ("compute", "scale", "measure", "count"),
    "bool": ("decide", "check", "evaluate"),
}

HELPER_VERBS = ("apply_rule", "transform_item", "score_item", "rewrite_item", "measure_item", "convert_item",
                "check_item", "combine_items")

_RESERVED = set(dir(builtins)) | set(keyword.kwlist) | {"math", "string", "collections", "itertools",
                                                      "functools", "bisect", "heapq"}


class Namer:
    """Unique, meaningful identifiers for one program."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self, *candidates: str) -> str:
        for name in candidates:
            if name and name not in self.used and name not in _RESERVED and not name.startswith("_"):
                self.used.add(name)
                return name
        base = candidates[0] if candidates else "value"
        for suffix in ("_next", "_final", "_new", "_more", "_extra"):
            name = base + suffix
            if name not in self.used and name not in _RESERVED:
                self.used.add(name)
                return name
        counter = 2
        while f"{base}{counter}" in self.used:
            counter += 1
        name = f"{base}{counter}"
        self.used.add(name)
        return name

    def param(self, kind: str) -> str:
        options = list(PARAM_NAMES.get(kind, ("value",)))
        self.rng.shuffle(options)
        return self.take(*options)

    def singular(self, plural: str, kind: str | None = None) -> str:
        if kind == "str" and plural not in SINGULAR:
            return self.take("char", "letter", "symbol")
        base = SINGULAR.get(plural)
        if base is None:
            base = plural[:-1] if plural.endswith("s") and len(plural) > 3 else "item"
        return self.take(base, "item", "element", "entry")

    def result(self, noun: str) -> str:
        return self.take(noun, f"{noun}_value", "result", "outcome")
