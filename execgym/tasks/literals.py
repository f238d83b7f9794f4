"""Safe literal parsing, rendering and type-strict comparison of answer values.

Contract:
- ``parse_literal(text)`` turns answer text into a builtin value WITHOUT executing anything. It checks the
  text length first, then parses with ``ast`` and checks the node count and nesting depth, then converts the
  tree itself. Accepted forms: constants (None, bool, int, float, complex, str, bytes), tuple/list/set/dict
  displays, unary ``+``/``-`` on numbers, ``real +/- imag j`` complex sums, and the whitelisted constructor
  spellings that ``repr`` itself produces for builtins with no display syntax: ``set()``, ``frozenset(...)``,
  ``float('nan'|'inf'|'-inf')``, ``complex(a, b)`` and the bare names ``nan``/``inf``. Anything else (a name,
  an arbitrary call, an operator expression, a comprehension) is rejected as "not a literal".
  It never raises: it returns a ``Parsed`` with ``ok`` False and a reason.
- ``render_literal(value)`` is the inverse for decoded builtin values: ``parse_literal(render_literal(v))``
  is strictly equal to ``v`` (floats via ``repr``; nan/inf via ``float('...')``). Ints render in decimal up to
  ``DECIMAL_DIGITS`` (CPython's default ``str`` limit, fixed here so the text never depends on the process);
  past it ``render_literal`` raises ``ValueError`` (task builders skip such values) unless ``hex_huge=True``,
  which writes them in hex (``0x...``, exact, no digit limit).
- ``show_value(value, limit)`` is the display form for reasons, details and feedback: total (never raises, for
  any value, Opaque markers, huge ints, deep nesting) and at most about ``limit`` characters.
- ``strict_equal(a, b, tol)`` compares two decoded builtin values by type and content: ``True`` is not ``1``,
  ``1`` is not ``1.0``, a tuple is not a list, sets and dicts compare by content, NaN equals NaN, and with
  ``tol == 0`` floats are exact including the sign of zero (``-0.0`` is not ``0.0``: they render differently).
  With ``tol > 0``: ``abs(a - b) <= tol * max(1, min(|a|, |b|))`` (relative to the SMALLER magnitude, so no
  tolerance makes every large number equal: with ``tol = 1`` a match is within a factor of 2), and ``-0.0``
  equals ``0.0``. It never calls ``==`` on a value whose type is not a builtin it knows, so no program-defined
  code can run during a comparison; it never converts ints to text, so any int size compares. Never raises.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from execgym import astparse

MAX_TEXT = 100_000  # characters of one literal
MAX_NODES = 20_000  # AST nodes of one literal
MAX_DEPTH = 60  # container nesting of one literal
MAX_BRACKET_DEPTH = 120  # cheap pre-scan bound, checked before the parser sees the text
DECIMAL_DIGITS = 4300  # ints with more decimal digits render in hex (CPython's default int<->str limit)
_DECIMAL_BOUND = 10**DECIMAL_DIGITS
_RENDER_MAX_DEPTH = 250  # decoded values nest at most 200 deep (codec); deeper input is refused, not recursed
SHOW_LIMIT = 300

_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_CONSTRUCTORS = {"set", "frozenset", "float", "complex"}


@dataclass(frozen=True)
class Parsed:
    """Result of ``parse_literal``: ``value`` is meaningful only when ``ok``."""

    ok: bool
    value: Any = None
    reason: str = ""


class _NotLiteral(Exception):
    pass


class _TooLarge(Exception):
    pass


def _bracket_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def parse_literal(text: str, *, max_text: int = MAX_TEXT) -> Parsed:
    """Parse ``text`` as a literal value under size caps; never executes and never raises."""
    if not isinstance(text, str):
        return Parsed(False, reason="not text")
    text = text.strip()
    if not text:
        return Parsed(False, reason="empty value")
    if len(text) > max_text:
        return Parsed(False, reason=f"literal too long ({len(text)} > {max_text} characters)")
    fast = _fast_scalar(text)
    if fast is not None:
        return fast
    if _bracket_depth(text) > MAX_BRACKET_DEPTH:
        return Parsed(False, reason="literal nested too deeply")
    try:
        tree = astparse.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as exc:
        return Parsed(False, reason=f"not a Python literal ({type(exc).__name__})")
    return literal_from_node(tree.body)


@functools.lru_cache(maxsize=65536)
def parse_trusted(text: str) -> Parsed:
    """Parse ground-truth literal text from a task spec (no length cap; cached). Callers must not mutate
    the returned value: it is shared between calls."""
    return parse_literal(text, max_text=10**12)


_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,40})")
_FLOAT_RE = re.compile(r"-?[0-9]{1,30}\.[0-9]{1,30}(?:e[+-]?[0-9]{1,3})?")
_STR_RE = re.compile(r"'[^'\\\n\r]{0,2000}'|\"[^\"\\\n\r]{0,2000}\"")
_NAMED = {"True": True, "False": False, "None": None}


def _fast_scalar(text: str) -> Parsed | None:
    """The common scalar spellings without the parser (same values ``ast`` would give), else None."""
    if text in _NAMED:
        return Parsed(True, _NAMED[text])
    if _INT_RE.fullmatch(text):
        return Parsed(True, int(text))
    if _FLOAT_RE.fullmatch(text):
        return Parsed(True, float(text))
    if _STR_RE.fullmatch(text) and text.isprintable():
        return Parsed(True, text[1:-1])
    return None


def literal_from_node(node: ast.AST) -> Parsed:
    """Convert an already-parsed expression node to a value under the node-count/depth caps (the node
    count is checked as the walk goes, before any value is built from a node past the cap)."""
    budget = [MAX_NODES]
    try:
        return Parsed(True, _convert(node, 0, budget))
    except _TooLarge:
        return Parsed(False, reason=f"literal too large (> {MAX_NODES} syntax nodes)")
    except _NotLiteral as exc:
        return Parsed(False, reason=str(exc))
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as exc:
        return Parsed(False, reason=f"not a literal ({type(exc).__name__})")


def _convert(node: ast.AST, depth: int, budget: list) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if depth > MAX_DEPTH:
        raise _NotLiteral("literal nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, _SCALARS):
            return node.value
        raise _NotLiteral("unsupported constant")  # Ellipsis
    if isinstance(node, ast.Tuple):
        return tuple(_convert(e, depth + 1, budget) for e in node.elts)
    if isinstance(node, ast.List):
        return [_convert(e, depth + 1, budget) for e in node.elts]
    if isinstance(node, ast.Set):
        return _make_set(set, [_convert(e, depth + 1, budget) for e in node.elts])
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral("dict unpacking is not a literal")
        keys = [_convert(k, depth + 1, budget) for k in node.keys]
        values = [_convert(v, depth + 1, budget) for v in node.values]
        for key in keys:
            _require_hashable(key)
        return dict(zip(keys, values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand, depth + 1, budget)
        if type(operand) not in (int, float, complex):
            raise _NotLiteral("unary sign on a non-number")
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        # only the complex spelling ``a + bj`` / ``a - bj`` (what repr produces)
        left = _convert(node.left, depth + 1, budget)
        right = _convert(node.right, depth + 1, budget)
        if type(left) in (int, float) and type(right) is complex and right.real == 0:
            return left + right if isinstance(node.op, ast.Add) else left - right
        raise _NotLiteral("arithmetic is not a literal")
    if isinstance(node, ast.Name):
        if node.id == "nan":
            return math.nan
        if node.id == "inf":
            return math.inf
        raise _NotLiteral(f"name {node.id!r} is not a literal")
    if isinstance(node, ast.Call):
        return _convert_call(node, depth, budget)
    raise _NotLiteral(f"{type(node).__name__} expression is not a literal")


def _convert_call(node: ast.Call, depth: int, budget: list) -> Any:
    if not isinstance(node.func, ast.Name) or node.func.id not in _CONSTRUCTORS or node.keywords:
        raise _NotLiteral("a call is not a literal")
    name = node.func.id
    args = [_convert(a, depth + 1, budget) for a in node.args]
    if name in ("set", "frozenset"):
        if not args:
            return set() if name == "set" else frozenset()
        if len(args) == 1 and type(args[0]) in (list, tuple, set, frozenset):
            return _make_set(set if name == "set" else frozenset, list(args[0]))
        raise _NotLiteral(f"unsupported {name}(...) form")
    if name == "float":
        if (
            len(args) == 1
            and type(args[0]) is str
            and args[0].strip().lower()
            in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+nan", "-nan")
        ):
            return float(args[0])
        raise _NotLiteral("only float('nan') / float('inf') are accepted")
    # complex(a, b)
    if len(args) == 2 and all(type(a) in (int, float) for a in args):
        return complex(args[0], args[1])
    raise _NotLiteral("only complex(real, imag) with numbers is accepted")


def _require_hashable(value: Any) -> None:
    if type(value) in (list, dict, set):
        raise _NotLiteral("unhashable element in a set or dict key")
    if type(value) is tuple:
        for item in value:
            _require_hashable(item)


def _make_set(kind: type, items: list) -> Any:
    for item in items:
        _require_hashable(item)
    return kind(items)


# ---------------------------------------------------------------- rendering


def _float_text(x: float) -> str:
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "float('-inf')"
    return repr(x)


def _int_text(v: int, hex_huge: bool) -> str:
    """Decimal text of an int within ``DECIMAL_DIGITS`` digits; past it hex (``hex_huge``) or ValueError.
    Never depends on the process's ``sys.set_int_max_str_digits`` except where decimal text fails under a
    LOWERED limit (then hex, or ValueError)."""
    if -_DECIMAL_BOUND < v < _DECIMAL_BOUND:
        try:
            return repr(v)
        except ValueError:
            if not hex_huge:
                raise
    elif not hex_huge:
        raise ValueError(f"int of {v.bit_length()} bits has more than {DECIMAL_DIGITS} decimal digits")
    return hex(v)  # '-0x...' for negatives: parse_literal reads it back exactly


def _render(value: Any, hex_huge: bool, show: bool, depth: int) -> str:
    """The literal text of ``value``; ``show``: Opaque markers and foreign types as ``<...>`` (not literal)."""
    if depth > _RENDER_MAX_DEPTH:
        raise ValueError("value nested too deeply to render")
    t = type(value)
    if value is None or t in (bool, str, bytes):
        return repr(value)
    if t is int:
        return _int_text(value, hex_huge)
    if t is float:
        return _float_text(value)
    if t is complex:
        re_, im = value.real, value.imag
        # '(-0+1j)' would read back with +0.0 and '-1j' (repr of complex(0, -1)) with -0.0: signed zeros and
        # negative pure imaginaries take the long form
        if (math.isfinite(re_) and math.isfinite(im) and not _negative_zero(re_) and not _negative_zero(im)
                and not (re_ == 0.0 and im < 0)):
            return repr(value)
        return f"complex({_float_text(re_)}, {_float_text(im)})"
    d = depth + 1
    if t is tuple:
        inner = ", ".join(_render(v, hex_huge, show, d) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if t is list:
        return "[" + ", ".join(_render(v, hex_huge, show, d) for v in value) + "]"
    if t is dict:
        return (
            "{"
            + ", ".join(
                f"{_render(k, hex_huge, show, d)}: {_render(v, hex_huge, show, d)}" for k, v in value.items()
            )
            + "}"
        )
    if t in (set, frozenset):
        items = [
            _render(v, hex_huge, show, d) for v in _ordered(value, lambda x: _render(x, hex_huge, show, d))
        ]
        if t is set:
            return "{" + ", ".join(items) + "}" if items else "set()"
        return "frozenset({" + ", ".join(items) + "})" if items else "frozenset()"
    if show:
        if _is_opaque(value):
            name, reason = getattr(value, "type_name", "?"), getattr(value, "reason", "")
            name = name[:200] if type(name) is str else "?"
            reason = reason[:200] if type(reason) is str else ""
            return f"<opaque {name}: {reason}>" if reason else f"<opaque {name}>"
        return f"<{t.__name__} object>"
    raise ValueError(f"not a literal value: {t.__name__}")


def _negative_zero(x: float) -> bool:
    return x == 0.0 and math.copysign(1.0, x) < 0


def _is_opaque(value: Any) -> bool:
    t = type(value)
    return t.__name__ == "Opaque" and t.__module__.startswith("execgym.")


def render_literal(value: Any, *, hex_huge: bool = False) -> str:
    """Render a decoded builtin value as literal text that ``parse_literal`` reads back exactly.

    Raises ``ValueError`` for values that are not plain builtins (e.g. an ``Opaque`` marker), that nest too
    deeply, or (unless ``hex_huge``) that hold an int with more than ``DECIMAL_DIGITS`` decimal digits.
    """
    try:
        return _render(value, hex_huge, False, 0)
    except RecursionError:
        raise ValueError("value nested too deeply to render") from None


def show_value(value: Any, limit: int = SHOW_LIMIT) -> str:
    """Display text of any value (decoded from the sandbox or parsed from a response), at most about
    ``limit`` characters. Total: never raises; huge ints show in hex, Opaque markers as ``<opaque T: why>``."""
    try:
        text = _render(value, True, True, 0)
    except (ValueError, RecursionError, MemoryError, TypeError, OverflowError):
        return f"<{type(value).__name__} value too large or too deeply nested to show>"
    return text if len(text) <= limit else text[:limit] + f"... [{len(text)} chars]"


def literal_call_text(node: ast.AST, entry: str | None) -> tuple[str | None, str]:
    """Render a call whose arguments are all literals as canonical text; ``(None, reason)`` otherwise.

    Only ``entry(<literals>, name=<literal>)`` is accepted (any callee name when ``entry`` is None):
    no names, no expressions, no ``*args`` or ``**kwargs``. Nothing is evaluated. Ints past
    ``DECIMAL_DIGITS`` digits are written in hex (the text is a call, not ground truth).
    """
    if not isinstance(node, ast.Call):
        return None, "not a function call"
    if not isinstance(node.func, ast.Name) or (entry is not None and node.func.id != entry):
        want = f"`{entry}`" if entry else "the function"
        return None, f"the call must be to {want} directly"
    parts = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            return None, "starred arguments are not literals"
        parsed = literal_from_node(arg)
        if not parsed.ok:
            return None, f"argument is not a literal ({parsed.reason})"
        parts.append(render_literal(parsed.value, hex_huge=True))
    for kw in node.keywords:
        if kw.arg is None:
            return None, "** arguments are not literals"
        parsed = literal_from_node(kw.value)
        if not parsed.ok:
            return None, f"argument {kw.arg!r} is not a literal ({parsed.reason})"
        parts.append(f"{kw.arg}={render_literal(parsed.value, hex_huge=True)}")
    return f"{node.func.id}({', '.join(parts)})", ""


def _ordered(items: Any, text: Any = None) -> list:
    """Set elements in a deterministic, readable order: natural order when all are ints/floats (no NaN) or
    all strings or all bytes, else by their rendered text (``text``: the renderer, default ``render_literal``)."""
    items = list(items)
    kinds = {type(v) for v in items}
    if kinds <= {int, float} and not any(type(v) is float and math.isnan(v) for v in items):
        return sorted(items, key=lambda v: (v, type(v) is float))
    if kinds in ({str}, {bytes}):
        return sorted(items)
    return sorted(items, key=text or render_literal)


def is_plain(value: Any, _depth: int = 0) -> bool:
    """True when ``value`` consists only of builtin literal types (no Opaque, no foreign objects)."""
    if _depth > MAX_DEPTH:
        return False
    t = type(value)
    if value is None or t in _SCALARS:
        return True
    if t in (list, tuple, set, frozenset):
        return all(is_plain(v, _depth + 1) for v in value)
    if t is dict:
        return all(is_plain(k, _depth + 1) and is_plain(v, _depth + 1) for k, v in value.items())
    return False


def type_name(value: Any) -> str:
    """The name of a value's type as the prompts ask for it (``int``, ``str``, ``NoneType``...)."""
    return type(value).__name__


# ---------------------------------------------------------------- comparison


def _float_equal(a: float, b: float, tol: float) -> bool:
    """NaN equals NaN; exact (sign of zero included) when ``tol == 0``; else within ``tol`` relative to the
    smaller magnitude (absolute ``tol`` below magnitude 1), so a tolerance never equates 1e300 and 1."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return tol > 0 or a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)
    if tol > 0 and math.isfinite(a) and math.isfinite(b):
        return abs(a - b) <= tol * max(1.0, min(abs(a), abs(b)))
    return False


def _key(value: Any, depth: int = 0) -> Any:
    """A canonical, type-tagged, hashable key for a plain hashable value (used for sets and dict keys)."""
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    t = type(value)
    if t is float:  # hex text: exact, and keeps -0.0 apart from 0.0 (as strict_equal does)
        return ("float", "nan") if math.isnan(value) else ("float", value.hex())
    if t is complex:
        return ("complex", _key(value.real, depth + 1), _key(value.imag, depth + 1))
    if t is tuple:
        return ("tuple", tuple(_key(v, depth + 1) for v in value))
    if t is frozenset:
        return ("frozenset", frozenset(_key(v, depth + 1) for v in value))
    if value is None or t in (bool, int, str, bytes):
        return (t.__name__, value)
    raise ValueError(f"unhashable or foreign type {t.__name__}")


def strict_equal(a: Any, b: Any, tol: float = 0.0) -> bool:
    """Type-strict structural equality of plain builtin values (see the module docstring). Never raises:
    a comparison that cannot finish (nesting past the caller's recursion limit) is False."""
    try:
        return _strict_equal(a, b, tol, 0)
    except (RecursionError, MemoryError):
        return False


def _strict_equal(a: Any, b: Any, tol: float, _depth: int) -> bool:
    if _depth > MAX_DEPTH:
        return False
    ta, tb = type(a), type(b)
    if ta is not tb:
        return False
    if a is None:
        return True
    if ta in (bool, int, str, bytes):
        return a == b
    if ta is float:
        return _float_equal(a, b, tol)
    if ta is complex:
        return _float_equal(a.real, b.real, tol) and _float_equal(a.imag, b.imag, tol)
    if ta in (list, tuple):
        return len(a) == len(b) and all(_strict_equal(x, y, tol, _depth + 1) for x, y in zip(a, b))
    if ta in (set, frozenset):
        if len(a) != len(b):
            return False
        try:  # multisets of keys: a set may hold several NaN objects, which share one key
            return Counter(_key(x) for x in a) == Counter(_key(y) for y in b)
        except (ValueError, RecursionError):
            return False
    if ta is dict:
        if len(a) != len(b):
            return False
        try:
            kb: dict[Any, list] = {}
            for k, v in b.items():
                kb.setdefault(_key(k), []).append(v)
            for k, v in a.items():  # each item of a consumes one equal item of b (several NaN keys)
                candidates = kb.get(_key(k))
                if not candidates:
                    return False
                for i, c in enumerate(candidates):
                    if _strict_equal(v, c, tol, _depth + 1):
                        del candidates[i]
                        break
                else:
                    return False
            return True
        except (ValueError, RecursionError):
            return False
    # Opaque markers from the engine codec: frozen dataclasses of strings, compared field by field.
    if ta.__name__ == "Opaque" and ta.__module__.startswith("execgym."):
        return getattr(a, "type_name", None) == getattr(b, "type_name", None) and getattr(
            a, "reason", None
        ) == getattr(b, "reason", None)
    return False
