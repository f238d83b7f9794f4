"""Pattern-based synthesis (synthesis v2): programs that each do one recognisable thing.

Contract: ``PATTERNS`` is the catalog, declared as data (one row per pattern: name and module; the module
states what the pattern means, its slots, its depths, optionally how often a draw picks it (``WEIGHT``, default
2) and a ``render(draft, depth)``); adding a pattern touches only this table. ``build(level, focus, rng) -> PatternCandidate | None`` writes one draft for levels 1-6
(``None``: this draw did not fit, draw again). Drafts carry a pool of argument tuples; the sandbox filter
(``execgym.synth.patterns.run``) executes the call and its variants, picks the shipped inputs by statement
coverage, and applies the rejection rules.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

from execgym.synth.catalog import Operation

# the catalog of patterns: (name, module under execgym.synth.patterns)
PATTERNS: tuple[tuple[str, str], ...] = (
    ("accumulate", "accumulate"),
    ("filter", "filtering"),
    ("map", "mapping"),
    ("count", "counting"),
    ("tally", "tally"),
    ("search", "search"),
    ("build_string", "build_string"),
    ("pairwise", "pairwise"),
    ("index_walk", "index_walk"),
    ("two_pointers", "two_pointers"),
    ("stack", "stack"),
    ("window", "window"),
    ("dedupe", "dedupe"),
    ("merge", "merge"),
    ("parse_convert", "parse_convert"),
    ("nested_walk", "nested_walk"),
    ("runs", "runs"),
    ("recurse", "recurse"),
    ("helper_entry", "helper_entry"),
    ("straight", "straight"),
)

WRAPPERS = frozenset({"helper_entry"})  # patterns that write another pattern (level 6's call chain)
MIN_POOL = 10            # distinct argument tuples a draft needs (the call plus >= 5 variants must run ok)
VARIANT_POOL = 12        # argument tuples drawn per draft (the call is the first that runs ok)
LEVEL_DEPTH = {1: 0, 2: 0, 3: 1, 4: 2, 5: 3, 6: 3}


@lru_cache(maxsize=None)
def module(name: str) -> ModuleType:
    """The module of pattern ``name``."""
    return importlib.import_module(f"execgym.synth.patterns.{dict(PATTERNS)[name]}")


def patterns_for(depth: int) -> list[str]:
    """Patterns that can be written with exactly ``depth`` nested control structures (helper_entry excluded:
    it is level 6's wrapper of the depth-3 ones)."""
    return list(_patterns_for(depth))


@lru_cache(maxsize=None)
def _patterns_for(depth: int) -> tuple[str, ...]:
    """``patterns_for(depth)``, worked out once per depth (the catalog and the modules' ``DEPTHS`` are constants)."""
    return tuple(name for name, _ in PATTERNS if name not in WRAPPERS and depth in module(name).DEPTHS
                 and depth not in getattr(module(name), "SOLE_DEPTHS", ()))


@lru_cache(maxsize=None)
def drawn_for(depth: int) -> tuple[str, ...]:
    """The patterns a draw at ``depth`` picks from, each as often as its module's ``WEIGHT`` (default 2) says
    after dividing the weights by their common divisor: ``patterns_for(depth)`` itself when they are all equal."""
    import math

    names = _patterns_for(depth)
    weights = [getattr(module(name), "WEIGHT", 2) for name in names]
    unit = math.gcd(*weights) if weights else 1
    return tuple(name for name, weight in zip(names, weights) for _ in range(weight // unit))


@lru_cache(maxsize=None)
def owner(focus_name: str, depth: int) -> str | None:
    """The pattern that alone writes a focus named ``focus_name`` at ``depth`` (a module's ``SOLE_FOR``: ``runs``
    for ``clear``, which every other pattern would apply to a copy of an item), or None: any pattern may. At a
    depth in a module's ``SOLE_DEPTHS`` it writes only those foci (so ``patterns_for`` leaves it out there)."""
    return next((name for name, _ in PATTERNS if name not in WRAPPERS and depth in module(name).DEPTHS
                 and focus_name in getattr(module(name), "SOLE_FOR", ())), None)


@dataclass
class PatternCandidate:
    source: str
    entry: str
    params: list[str]
    pool: list[tuple]                # argument tuples; the filter picks the call and the variants from these
    focus: tuple[str, str]
    pattern: str
    constraints: dict
    ops_used: dict[str, int]
    calls: list[str] = field(default_factory=list)

    def call_of(self, args: tuple) -> str:
        from execgym.synth.values import literal

        return f"{self.entry}({', '.join(literal(a) for a in args)})"


_ENTRY_VERBS = ("summarize", "collect", "process", "scan", "rank", "gather", "inspect", "tidy")


def build(level: int, focus: Operation, rng: random.Random, *, twice_only: bool = False) -> PatternCandidate | None:
    """One draft of a program for ``level`` (1-6) around ``focus``, or None when this draw does not fit
    (``twice_only``: also when the draft uses the focus once; checked before the inputs are drawn)."""
    from execgym.synth.parens import ungroup
    from execgym.synth.patterns.base import Draft, Unfit, kind_for, name_guarded_values, unwrap
    from execgym.synth.patterns.early_return import returns_early

    depth = LEVEL_DEPTH[level]
    names = ["helper_entry"] if level == 6 else drawn_for(depth)
    pattern = names[rng.randrange(len(names))] if level == 6 or owner(focus.name, depth) is None \
        else owner(focus.name, depth)
    draft = Draft(rng=rng, level=level, focus=focus, item_kind=kind_for(focus, rng))
    try:
        module(pattern).render(draft, depth)
    except (Unfit, ValueError, TypeError, KeyError, IndexError, AttributeError, ZeroDivisionError):
        return None
    name_guarded_values(draft)
    if draft.focus_uses < (2 if twice_only else 1) or (level == 6 and not draft.helper):
        return None
    plural = draft.params[0].name
    entry = draft.entry_name or f"{rng.choice(_ENTRY_VERBS)}_{plural}"
    params = [p.name for p in draft.params]
    pool = []
    seen = set()
    # each tuple from its own stream, ``random.Random(rng.random())``: one scratch generator re-seeded the way
    # ``Random.__init__`` seeds (the C seed of a float, then no cached gauss value) draws the same numbers
    r = random.Random()
    reseed = super(random.Random, r).seed
    for k in range(VARIANT_POOL * 3):
        reseed(rng.random())
        r.gauss_next = None
        args = tuple(p.draw(r) for p in draft.params)
        key = repr(args)
        if key not in seen:
            seen.add(key)
            pool.append(args)
        if len(pool) == VARIANT_POOL:
            break
    if len(pool) < MIN_POOL:
        return None  # too few distinct inputs to ship a call and its variants
    # drawn after the pool, so that a draft without a ``break`` to turn into a ``return`` is as it was
    body = returns_early(draft.lines, rng)
    imports = sorted(set(focus.imports))  # ``import math`` for ``math.floor(x)``: at the top, as people write it
    lines = [*imports, "", ""] if imports else []
    lines += [ungroup(unwrap(line)) for line in draft.helper] + ([""] if draft.helper else [])
    lines.append(f"def {entry}({', '.join(params)}):")
    lines += [ungroup(unwrap(line)) for line in body]
    source = "\n".join(lines) + "\n"
    ops = dict(draft.ops)
    if draft.inner:
        pattern = f"{pattern}/{draft.inner}"
    constraints = {"pattern": pattern, "control_depth": depth, "functions": 2 if draft.helper else 1,
                   "focus_nesting": max(draft.focus_nesting, 2 if draft.focus_uses >= 2 else 1),
                   "focus_uses": draft.focus_uses, "extras": [], "generator": "patterns",
                   "call_chain": bool(draft.helper)}
    return PatternCandidate(source, entry, params, pool, focus.key, pattern, constraints, ops)
