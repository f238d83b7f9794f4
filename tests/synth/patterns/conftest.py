"""Drafts of one pattern, run: the fixture the per-pattern tests beside each pattern module share.

``drafts_of(name, depth)`` renders pattern ``name`` at ``depth`` for catalog entries in a fixed order (the
draws that fit, up to ``count``), and calls each draft's entry on arguments drawn from the draft's own
parameters. The programs are execgym's own generated code (no model or user wrote them), so the tests run them
in this process, as the synthesis tests' direct traces do; a call that raises is kept as its exception."""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from execgym.seeding import rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.patterns import module
from execgym.synth.patterns.base import Draft, kind_for, stable_key

LEVEL_OF_DEPTH = {0: 2, 1: 3, 2: 4, 3: 5}
CALLS = 8  # argument tuples drawn per draft


@dataclass
class Rendered:
    """One rendered draft: its source (entry ``entry``), the draft, and ``calls`` as ``(args, result)`` pairs
    (``result`` is the exception a call raised)."""

    source: str
    draft: Draft
    tree: ast.Module
    calls: list[tuple[list[Any], Any]] = field(default_factory=list)

    @property
    def entry(self) -> ast.FunctionDef:
        return self.tree.body[-1]  # type: ignore[return-value]

    @property
    def ok(self) -> list[tuple[list[Any], Any]]:
        return [(a, x) for a, x in self.calls if not isinstance(x, Exception)]


def render(name: str, depth: int, level: int | None = None, count: int = 24, tries: int = 400) -> list[Rendered]:
    """Up to ``count`` drafts of pattern ``name`` at ``depth`` (level: the lowest with that depth), each run."""
    level = LEVEL_OF_DEPTH[depth] if level is None else level
    out: list[Rendered] = []
    for k in range(tries):
        focus = CATALOG[ALL_ENTRIES[(k * 37) % len(ALL_ENTRIES)]]
        r = rng("pattern-module-test", name, depth, level, k)
        draft = Draft(rng=r, level=level, focus=focus, item_kind=kind_for(focus, r))
        try:
            module(name).render(draft, depth)
        except Exception:  # noqa: BLE001 -- Unfit and the like: this focus does not fit, try the next
            continue
        if draft.focus_uses < 1:
            continue
        entry = draft.entry_name or "entry"  # (a function that calls itself chose its own name)
        lines = [*draft.helper, "", f"def {entry}(" + ", ".join(p.name for p in draft.params) + "):", *draft.lines]
        source = "\n".join(lines) + "\n"
        got = Rendered(source, draft, ast.parse(source))
        space: dict[str, Any] = {}
        exec(compile(source, f"<{name}>", "exec"), space)  # noqa: S102 -- execgym's own generated program
        draw = random.Random(k)
        for _ in range(CALLS):
            args = [p.draw(draw) for p in draft.params]
            try:
                got.calls.append((args, space[entry](*[_copy(a) for a in args])))
            except Exception as exc:  # noqa: BLE001 -- a draw the pipeline would not ship
                got.calls.append((args, exc))
        out.append(got)
        if len(out) == count:
            break
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(x) for x in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, set):
        return set(value)
    return value


def bag(values: Any) -> list[str]:
    """The values as a multiset that compares in any process (sets inside written sorted)."""
    return sorted(map(stable_key, values))


def within(part: Any, whole: Any) -> bool:
    """Whether every value of ``part`` is one of ``whole``'s, as many times at most."""
    left = bag(whole)
    for key in bag(part):
        if key not in left:
            return False
        left.remove(key)
    return True


def in_order(part: Any, whole: Any) -> bool:
    """Whether ``part`` is a subsequence of ``whole``."""
    rest = iter(list(whole))
    return all(any(x == y for y in rest) for x in part)


def nodes(tree: ast.AST, *kinds: type) -> list[ast.AST]:
    return [n for n in ast.walk(tree) if isinstance(n, kinds)]


def focus_inert(r: Rendered) -> bool | None:
    """Whether the draft with its focus stripped out (``focus_effect.without_focus``) returns what the draft
    returned on every call that ran ok (None: a focus in ``IDENTITY_FOCUS``, nothing to strip, or no call ran
    ok). A stripped call that raises
    counts as a change."""
    from execgym.synth.focus_effect import IDENTITY_FOCUS, without_focus

    if f"{r.draft.focus.type}/{r.draft.focus.name}" in IDENTITY_FOCUS:
        return None  # a copy or a whole slice: inert by nature, never told (as in the quality report)
    stripped = without_focus(r.source, (r.draft.focus.type, r.draft.focus.name))
    if stripped is None or not r.ok:
        return None
    space: dict[str, Any] = {}
    exec(compile(stripped, "<stripped>", "exec"), space)  # noqa: S102 -- execgym's own generated program
    for args, got in r.ok:
        try:
            if stable_key(space["entry"](*[_copy(a) for a in args])) != stable_key(got):
                return False
        except Exception:  # noqa: BLE001 -- the stripped program fails where the draft did not: a change
            return False
    return True


def inert_counts(drafts: list[Rendered]) -> tuple[int, int]:
    """``(inert, told)`` over ``drafts`` by ``focus_inert`` (drafts it cannot tell are left out)."""
    told = [x for x in map(focus_inert, drafts) if x is not None]
    return sum(told), len(told)


def same_key(r: Rendered, a_item: str, b_item: str) -> bool | None:
    """Whether the draft's comparison of two items (the first ``if`` whose test is a comparison reading both
    ``a_item`` and ``b_item``) applies the same key to both: its two sides read alike once ``b_item`` is written as
    ``a_item`` (``ahead.count('b') <= behind.count('b')``, ``clean_row(ahead) <= clean_row(behind)``). None
    when there is no such comparison or a side is a bare name (a value computed by statements before it)."""
    for node in ast.walk(r.entry):
        test = node.test if isinstance(node, ast.If) else None
        if not (isinstance(test, ast.Compare) and len(test.comparators) == 1):
            continue
        left, right = test.left, test.comparators[0]
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        if not {a_item, b_item} <= names:
            continue
        if isinstance(left, ast.Name) or isinstance(right, ast.Name):
            return None
        renamed = ast.unparse(right).replace(b_item, a_item)
        return ast.unparse(left) == renamed
    return None


def check_same_key(drafts_of, name: str, a_item: str, b_item: str, depths: tuple[int, ...]) -> None:
    """The shared assertion of ``merge``, ``pairwise`` and ``two_pointers``: at the pattern's depths the two
    sides use one key in at least 60% of the told comparisons, and at level 6 (the helper on both sides) always."""
    seen = [same_key(r, a_item, b_item) for depth in depths for r in drafts_of(name, depth)]
    told = [x for x in seen if x is not None]
    assert len(told) >= 12 and sum(told) >= 0.6 * len(told), (sum(told), len(told))
    at_6 = [same_key(r, a_item, b_item) for r in drafts_of(name, 3, 6)]
    assert sum(x is True for x in at_6) >= 6 and not any(x is False for x in at_6), at_6


@pytest.fixture(scope="module")
def helpers():
    """The checks the per-pattern tests share: ``bag``, ``within``, ``in_order``, ``nodes``, ``focus_inert``,
    ``inert_counts``, ``same_key``, ``check_same_key``."""
    return type("Helpers", (), {"bag": staticmethod(bag), "within": staticmethod(within),
                                "in_order": staticmethod(in_order), "nodes": staticmethod(nodes),
                                "focus_inert": staticmethod(focus_inert),
                                "inert_counts": staticmethod(inert_counts),
                                "same_key": staticmethod(same_key),
                                "check_same_key": staticmethod(check_same_key)})


@pytest.fixture(scope="module")
def drafts_of():
    """``render`` with its results kept for the module (each test file asks for its own pattern)."""
    cache: dict[tuple, list[Rendered]] = {}

    def get(name: str, depth: int, level: int | None = None, count: int = 24) -> list[Rendered]:
        key = (name, depth, level, count)
        if key not in cache:
            cache[key] = render(name, depth, level, count)
        return cache[key]

    return get
