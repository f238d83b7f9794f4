"""Typed, JSON-able encoding of literal-representable Python values.

``encode(value, caps)`` runs inside the sandboxed child; ``decode(data)`` runs in the caller and
builds only builtin values (None, bool, int, float, complex, str, bytes, list, tuple, dict, set,
frozenset) or :class:`Opaque` markers.

Encoding (every form is JSON-able with the standard ``json`` module):

=============================  =============================================================
value                          encoded form
=============================  =============================================================
None / bool                    ``null`` / ``true`` / ``false``
int, ``|v| < 2**63``           the JSON integer
int, larger                    ``{"$int": "-0x..."}`` (hex: no 4,300-digit ``str`` limit)
float, finite (incl. -0.0)     the JSON number
float nan / inf / -inf         ``{"$float": "nan" | "inf" | "-inf"}``
complex                        ``{"$complex": [real, imag]}`` (each an encoded float)
str                            the JSON string; ``{"$str": "<utf-8 surrogatepass hex>"}`` when it
                               holds lone surrogates
bytes                          ``{"$bytes": "<base64>"}``
list / tuple / set / frozenset ``{"$list": [...]}`` / ``{"$tuple": [...]}`` / ``{"$set": [...]}``
                               / ``{"$frozenset": [...]}``
dict                           ``{"$dict": [[key, value], ...]}`` (insertion order)
a container seen before        ``{"$ref": n}``: n numbers the containers in pre-order
anything else, or past a cap   ``{"$opaque": "TypeName", "reason": "..."}``
=============================  =============================================================

Safety: dispatch is on ``type(v) is T`` only, so subclasses of builtins are opaque; containers are
walked with the builtin methods of their exact type, so no program-defined ``__repr__``, ``__eq__``,
``__hash__``, ``__len__`` or ``__iter__`` is ever called. Shared references and cycles become
``$ref`` so a ``deepcopy`` bomb stays linear. The encoder is iterative (no recursion limit issues).
``decode`` never raises: malformed input becomes an ``Opaque`` with a reason; it never hashes
anything but decoded builtin values; a reference to an enclosing container (a cycle) decodes to an
``Opaque`` and containers whose expansion (shared references counted as copies) exceeds a node cap
are refused, so decoded values are finite and ``repr``/``==`` on them stay bounded. Shared
(acyclic) references decode to the same object.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_CAPS",
    "SNAPSHOT_CAPS",
    "Caps",
    "Opaque",
    "decode",
    "encode",
    "encode_sized",
    "is_literal",
    "safe_type_name",
]

# Builtins captured at import time (in the fork server), so a program that rebinds
# ``builtins.list`` etc. cannot make the encoder call its code.
_type = type
_int = int
_float = float
_str = str
_bool = bool
_bytes = bytes
_complex = complex
_list = list
_tuple = tuple
_dict = dict
_set = set
_frozenset = frozenset
_len = len
_id = id
_isinstance = isinstance
_list_copy = list.copy
_dict_items = dict.items
_set_iter = set.__iter__
_frozenset_iter = frozenset.__iter__
_list_len = list.__len__
_tuple_len = tuple.__len__
_dict_len = dict.__len__
_set_len = set.__len__
_frozenset_len = frozenset.__len__
_str_len = str.__len__
_bytes_len = bytes.__len__
_int_bit_length = int.bit_length
_isfinite = math.isfinite
_isnan = math.isnan
_type_name_get = type.__dict__["__name__"].__get__
_type_qualname_get = type.__dict__["__qualname__"].__get__
_NoneType = type(None)

_INT_LIMIT = 1 << 63


@dataclass(frozen=True)
class Caps:
    """Bounds on one encoded value.

    ``max_depth``: container nesting (deeper containers become opaque); ``max_items``: elements of
    one container (a larger one becomes opaque as a whole); ``max_nodes`` and ``max_chars``: total
    values and approximate encoded characters (past either, the whole value becomes opaque);
    ``max_str``: characters of one str / bytes of one bytes; ``max_int_bits``: size of one int.
    """

    max_depth: int = 32
    max_items: int = 10_000
    max_nodes: int = 100_000
    max_str: int = 100_000
    max_int_bits: int = 1_000_000
    max_chars: int = 4_000_000

    @classmethod
    def from_dict(cls, d: Any, base: Caps | None = None) -> Caps:
        """Build caps from a mapping of field -> positive int (unknown keys ignored)."""
        base = base or DEFAULT_CAPS
        if not _isinstance(d, _dict):
            return base
        kwargs = {}
        for name in ("max_depth", "max_items", "max_nodes", "max_str", "max_int_bits", "max_chars"):
            v = d.get(name)
            if _type(v) is _int and v > 0:
                kwargs[name] = v
        return Caps(**{**base.__dict__, **kwargs})

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


DEFAULT_CAPS = Caps()
#: Caps for one variable in a trace snapshot (kept small: snapshots are taken at every step).
SNAPSHOT_CAPS = Caps(max_depth=12, max_items=1_000, max_nodes=2_000, max_str=2_000, max_chars=50_000)


@dataclass(frozen=True)
class Opaque:
    """A value that has no literal encoding (or was past a cap).

    Compares equal only to an identical ``Opaque`` and never to a real value.
    """

    type_name: str
    reason: str = ""

    def __repr__(self) -> str:
        return f"<opaque {self.type_name}: {self.reason}>" if self.reason else f"<opaque {self.type_name}>"


def safe_type_name(obj: Any, qualified: bool = False) -> str:
    """Name of ``type(obj)`` read through ``type``'s own descriptor (no metaclass code runs)."""
    try:
        t = _type(obj)
        name = _type_qualname_get(t) if qualified else _type_name_get(t)
        if _type(name) is not _str:
            return "?"
        return name if _len(name) <= 200 else name[:200] + "..."
    except Exception:  # noqa: BLE001  # pragma: no cover - defensive
        return "?"


def _opaque(type_name: str, reason: str) -> dict:
    return {"$opaque": type_name, "reason": reason}


class _Abort(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


_CONTAINER_TAGS = {
    _list: "$list",
    _tuple: "$tuple",
    _set: "$set",
    _frozenset: "$frozenset",
    _dict: "$dict",
}
_LEN = {
    _list: _list_len,
    _tuple: _tuple_len,
    _set: _set_len,
    _frozenset: _frozenset_len,
    _dict: _dict_len,
}


def _encode_str(v: str, caps: Caps) -> tuple[Any, int]:
    n = _str_len(v)
    if n > caps.max_str:
        return _opaque("str", f"str of {n} characters exceeds max_str={caps.max_str}"), 60
    if not v.isascii():
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return {"$str": v.encode("utf-8", "surrogatepass").hex()}, 2 * n + 10
    return v, n + 2


def _encode_atom(v: Any, t: type, caps: Caps) -> tuple[Any, int]:
    """Encode a non-container value; returns (encoding, approximate size in characters)."""
    if t is _int:
        if -_INT_LIMIT < v < _INT_LIMIT:
            return v, 4 if -99_999 < v < 999_999 else 20
        bits = _int_bit_length(v)
        if bits > caps.max_int_bits:
            return _opaque("int", f"int of {bits} bits exceeds max_int_bits={caps.max_int_bits}"), 60
        return {"$int": hex(v)}, bits // 4 + 12
    if t is _str:
        return _encode_str(v, caps)
    if v is None or t is _bool:
        return v, 5
    if t is _float:
        if _isfinite(v):
            return v, 12
        return {"$float": "nan" if _isnan(v) else ("inf" if v > 0 else "-inf")}, 20
    if t is _complex:
        return {"$complex": [_encode_atom(v.real, _float, caps)[0], _encode_atom(v.imag, _float, caps)[0]]}, 60
    if t is _bytes:
        n = _bytes_len(v)
        if n > caps.max_str:
            return _opaque("bytes", f"bytes of length {n} exceeds max_str={caps.max_str}"), 60
        return {"$bytes": base64.b64encode(v).decode("ascii")}, (n * 4) // 3 + 14
    if t is Opaque:  # re-encoding a decoded value (e.g. ``Step.to_dict``)
        name, reason = v.type_name, v.reason
        return _opaque(name if _type(name) is _str else "?", reason if _type(reason) is _str else ""), 80
    return _opaque(safe_type_name(v, qualified=True), "not a literal type"), 40


def _encode_flat(v: Any, t: type, caps: Caps) -> tuple[Any, int] | None:
    """Fast path for a list/tuple of small atoms (the common case in traces), else None."""
    elems = _list_copy(v) if t is _list else _list(v)
    n = _len(elems)
    if n > caps.max_items or n >= caps.max_nodes or caps.max_depth < 1:
        return None
    size = 12 + n
    max_str = caps.max_str
    for x in elems:
        tx = _type(x)
        if tx is _int:
            if not -_INT_LIMIT < x < _INT_LIMIT:
                return None
            size += 4
        elif tx is _str:
            if _str_len(x) > max_str or not x.isascii():
                return None
            size += _str_len(x) + 3
        elif tx is _bool or x is None:
            size += 5
        elif tx is _float:
            if not _isfinite(x):
                return None
            size += 12
        else:
            return None
    if size > caps.max_chars:
        return None
    return {"$list" if t is _list else "$tuple": elems}, size


def encode_sized(value: Any, caps: Caps = DEFAULT_CAPS) -> tuple[Any, int]:
    """Like :func:`encode`, also returning the approximate encoded size in characters."""
    t = _type(value)
    if t is _list or t is _tuple:
        flat = _encode_flat(value, t, caps)
        if flat is not None:
            return flat
    if t not in _CONTAINER_TAGS:
        try:
            return _encode_atom(value, t, caps)
        except Exception as exc:  # noqa: BLE001  # pragma: no cover - defensive
            return _opaque(safe_type_name(value), f"encoding failed: {safe_type_name(exc)}"), 60
    try:
        return _encode_tree(value, caps)
    except _Abort as ab:
        return _opaque(safe_type_name(value), ab.reason), 80
    except MemoryError as exc:
        return _opaque(safe_type_name(value), f"encoding failed: {safe_type_name(exc)}"), 60
    except RecursionError:  # the caller is at the recursion limit: let it decide (see encode)
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. a container mutated by another thread
        return _opaque(safe_type_name(value), f"encoding failed: {safe_type_name(exc)}"), 60


def encode(value: Any, caps: Caps = DEFAULT_CAPS) -> Any:
    """Encode ``value`` into the JSON-able typed form (see the module docstring). Never raises."""
    try:
        return encode_sized(value, caps)[0]
    except RecursionError:
        return _opaque(safe_type_name(value), "encoding failed: RecursionError")


def _encode_tree(root: Any, caps: Caps) -> tuple[Any, int]:
    memo: dict[int, int] = {}
    keep: list[Any] = []  # keeps walked containers alive so their ids stay unique
    holder: list[Any] = [None]
    # stack entries: (value, depth, out_list, index)
    stack: list[tuple[Any, int, list, int]] = [(root, 0, holder, 0)]
    nodes = 0
    chars = 0
    max_nodes = caps.max_nodes
    max_chars = caps.max_chars
    max_items = caps.max_items
    max_depth = caps.max_depth
    containers = _CONTAINER_TAGS
    pop = stack.pop
    push = stack.append
    while stack:
        v, depth, out, idx = pop()
        nodes += 1
        if nodes > max_nodes:
            raise _Abort(f"more than max_nodes={max_nodes} values")
        t = _type(v)
        tag = containers.get(t)
        if tag is None:
            enc, size = _encode_atom(v, t, caps)
            chars += size
            if chars > max_chars:
                raise _Abort(f"encoding exceeds max_chars={max_chars}")
            out[idx] = enc
            continue
        ref = memo.get(_id(v))
        if ref is not None:
            out[idx] = {"$ref": ref}
            chars += 12
            continue
        n = _LEN[t](v)
        if depth >= max_depth:
            out[idx] = _opaque(t.__name__, f"nesting deeper than max_depth={max_depth}")
            chars += 60
            continue
        if n > max_items:
            out[idx] = _opaque(t.__name__, f"{t.__name__} of {n} items exceeds max_items={max_items}")
            chars += 60
            continue
        memo[_id(v)] = _len(memo)
        keep.append(v)
        chars += 12 + n
        if chars > max_chars:
            raise _Abort(f"encoding exceeds max_chars={max_chars}")
        d1 = depth + 1
        if t is _dict:
            pairs = _list(_dict_items(v))
            items: list[Any] = [None] * _len(pairs)
            out[idx] = {tag: items}
            for i in range(_len(pairs) - 1, -1, -1):
                k, x = pairs[i]
                pair: list[Any] = [None, None]
                items[i] = pair
                push((x, d1, pair, 1))
                push((k, d1, pair, 0))
        else:
            if t is _list:
                elems = _list_copy(v)
            elif t is _tuple:
                elems = v
            elif t is _set:
                elems = _list(_set_iter(v))
            else:
                elems = _list(_frozenset_iter(v))
            m = _len(elems)
            items = [None] * m
            out[idx] = {tag: items}
            for i in range(m - 1, -1, -1):
                push((elems[i], d1, items, i))
    return holder[0], chars


# --------------------------------------------------------------------------------------- decode

_DECODE_MAX_DEPTH = 200
_DECODE_MAX_EXPANDED = 1_000_000
_HASHABLE_ATOMS = (_NoneType, _bool, _int, _float, _complex, _str, _bytes, Opaque)


class _Decoder:
    def __init__(self, max_expanded: int) -> None:
        self.table: list[Any] = []  # container number -> decoded container (or _InProgress while being decoded)
        self.sizes: list[int] = []  # container number -> expanded size
        self.max_expanded = max_expanded

    def run(self, data: Any) -> Any:
        value, _size = self.node(data, 0)
        return value

    def node(self, d: Any, depth: int) -> tuple[Any, int]:
        t = _type(d)
        if d is None or t is _bool or t is _str:
            return d, 1
        if t is _int:
            return d, 1
        if t is _float:
            return d, 1
        if t is not _dict:
            return Opaque("?", f"malformed encoding: bare {safe_type_name(d)}"), 1
        if _len(d) == 0:
            return Opaque("?", "malformed encoding: empty object"), 1
        if depth > _DECODE_MAX_DEPTH:
            return Opaque("?", "nesting too deep to decode"), 1
        if "$opaque" in d:
            name = d.get("$opaque")
            reason = d.get("reason", "")
            name = name[:200] if _type(name) is _str else "?"
            reason = reason[:500] if _type(reason) is _str else ""
            return Opaque(name, reason), 1
        if _len(d) != 1:
            return Opaque("?", "malformed encoding: unexpected keys"), 1
        ((tag, payload),) = d.items()
        if tag == "$list":
            return self.seq(payload, depth, _list)
        if tag == "$tuple":
            return self.seq(payload, depth, _tuple)
        if tag == "$dict":
            return self.mapping(payload, depth)
        if tag == "$set":
            return self.seq(payload, depth, _set)
        if tag == "$frozenset":
            return self.seq(payload, depth, _frozenset)
        if tag == "$ref":
            if _type(payload) is not _int or not 0 <= payload < _len(self.table):
                return Opaque("?", "bad reference"), 1
            target = self.table[payload]
            if type(target) is _InProgress:
                return Opaque(target.kind, "cyclic reference (a container that contains itself)"), 1
            return target, self.sizes[payload]
        if tag == "$int":
            return _dec_int(payload), 1
        if tag == "$float":
            return _dec_float(payload), 1
        if tag == "$complex":
            return _dec_complex(payload), 1
        if tag == "$bytes":
            return _dec_bytes(payload), 1
        if tag == "$str":
            return _dec_str(payload), 1
        return Opaque("?", f"malformed encoding: unknown tag {str(tag)[:40]!r}"), 1

    def _check_size(self, size: int, kind: str) -> Opaque | None:
        if size > self.max_expanded:
            return Opaque(kind, f"expands to more than {self.max_expanded} values (shared references)")
        return None

    def seq(self, payload: Any, depth: int, kind: type) -> tuple[Any, int]:
        name = kind.__name__
        if _type(payload) is not _list:
            return Opaque(name, "malformed encoding"), 1
        num = _len(self.table)
        self.table.append(_InProgress(name))
        self.sizes.append(1)
        elems = []
        size = 1
        for item in payload:
            v, s = self.node(item, depth + 1)
            elems.append(v)
            size += s
        bad = self._check_size(size, name)
        if bad is not None:
            self.table[num] = bad
            self.sizes[num] = 1
            return bad, 1
        if kind is _list:
            result: Any = elems
        elif kind is _tuple:
            result = _tuple(elems)
        else:
            if not all(_hashable(e) for e in elems) or _collision_flood(elems):
                result = Opaque(name, "members are not hashable builtin values")
                size = 1
            else:
                result = kind(elems)
        self.table[num] = result
        self.sizes[num] = size
        return result, size

    def mapping(self, payload: Any, depth: int) -> tuple[Any, int]:
        if _type(payload) is not _list:
            return Opaque("dict", "malformed encoding"), 1
        num = _len(self.table)
        out: dict[Any, Any] = {}
        self.table.append(_InProgress("dict"))
        self.sizes.append(1)
        pairs = []
        size = 1
        for item in payload:
            if _type(item) is not _list or _len(item) != 2:
                bad = Opaque("dict", "malformed encoding")
                self.table[num] = bad
                return bad, 1
            k, sk = self.node(item[0], depth + 1)
            v, sv = self.node(item[1], depth + 1)
            pairs.append((k, v))
            size += sk + sv
        bad = self._check_size(size, "dict")
        if bad is None and (not all(_hashable(k) for k, _ in pairs) or _collision_flood([k for k, _ in pairs])):
            bad = Opaque("dict", "keys are not hashable builtin values")
        if bad is not None:
            self.table[num] = bad
            self.sizes[num] = 1
            return bad, 1
        for k, v in pairs:
            out[k] = v
        self.table[num] = out
        self.sizes[num] = size
        return out, size


class _InProgress:
    """Placeholder for a container being decoded: a reference to it is a cycle."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind


def _hashable(v: Any, depth: int = 0) -> bool:
    t = _type(v)
    if t in _HASHABLE_ATOMS:
        return True
    if depth > _DECODE_MAX_DEPTH:
        return False
    if t is _tuple:
        return all(_hashable(x, depth + 1) for x in v)
    return t is _frozenset


def _collision_flood(keys: list[Any]) -> bool:
    """True when many distinct keys share a hash value (a hash-flooding attempt)."""
    if _len(keys) < 64:
        return False
    try:
        hashes = sorted(hash(k) for k in keys)
    except Exception:  # noqa: BLE001 - unhashable: refuse
        return True
    dups = sum(1 for i in range(1, len(hashes)) if hashes[i] == hashes[i - 1])
    return dups > 32


def _dec_int(p: Any) -> Any:
    if _type(p) is not _str or _len(p) > 400_000:
        return Opaque("int", "malformed encoding")
    try:
        return _int(p, 16)
    except ValueError:
        return Opaque("int", "malformed encoding")


def _dec_float(p: Any) -> Any:
    if p == "nan" and _type(p) is _str:
        return math.nan
    if p == "inf" and _type(p) is _str:
        return math.inf
    if p == "-inf" and _type(p) is _str:
        return -math.inf
    return Opaque("float", "malformed encoding")


def _dec_complex(p: Any) -> Any:
    if _type(p) is not _list or _len(p) != 2:
        return Opaque("complex", "malformed encoding")
    parts = []
    for x in p:
        if _type(x) is _float or (_type(x) is _int and -_INT_LIMIT < x < _INT_LIMIT):
            parts.append(_float(x))
        elif _type(x) is _dict and _len(x) == 1 and "$float" in x:
            f = _dec_float(x["$float"])
            if _type(f) is not _float:
                return Opaque("complex", "malformed encoding")
            parts.append(f)
        else:
            return Opaque("complex", "malformed encoding")
    return _complex(parts[0], parts[1])


def _dec_bytes(p: Any) -> Any:
    if _type(p) is not _str:
        return Opaque("bytes", "malformed encoding")
    try:
        return base64.b64decode(p.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return Opaque("bytes", "malformed encoding")


def _dec_str(p: Any) -> Any:
    if _type(p) is not _str:
        return Opaque("str", "malformed encoding")
    try:
        return _bytes.fromhex(p).decode("utf-8", "surrogatepass")
    except (ValueError, UnicodeDecodeError):
        return Opaque("str", "malformed encoding")


def decode(data: Any, *, max_expanded: int = _DECODE_MAX_EXPANDED) -> Any:
    """Build the builtin value an encoding describes. Never raises; bad data -> :class:`Opaque`.

    ``max_expanded`` bounds the value's size with shared references counted as copies: a larger
    container decodes to ``Opaque`` (so ``repr``/``==`` on the result stay bounded).
    """
    t = _type(data)
    if t is _str or t is _int or t is _bool or t is _float or data is None:  # atoms: as is
        return data
    try:
        return _Decoder(max_expanded).run(data)
    except RecursionError:
        return Opaque("?", "nesting too deep to decode")
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - defensive
        return Opaque("?", f"decoding failed: {type(exc).__name__}")


def is_literal(value: Any) -> bool:
    """True when a decoded value contains no :class:`Opaque` (and no cycle, which ``decode`` never
    produces but a hand-built value may hold).

    Only meaningful for values produced by :func:`decode` (builtin containers are walked with
    their builtin methods; other types count as not literal).
    """
    seen_active: set[int] = set()
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        v, leaving = stack.pop()
        t = _type(v)
        if leaving:
            seen_active.discard(_id(v))
            done.add(_id(v))
            continue
        if t is Opaque:
            return False
        if t in (_NoneType, _bool, _int, _float, _complex, _str, _bytes):
            continue
        if t not in _CONTAINER_TAGS:
            return False
        i = _id(v)
        if i in seen_active:
            return False  # cycle
        if i in done:
            continue
        seen_active.add(i)
        stack.append((v, True))
        if t is _dict:
            for k, x in _list(_dict_items(v)):
                stack.append((k, False))
                stack.append((x, False))
        elif t is _list:
            stack.extend((x, False) for x in _list_copy(v))
        elif t is _tuple:
            stack.extend((x, False) for x in v)
        elif t is _set:
            stack.extend((x, False) for x in _list(_set_iter(v)))
        else:
            stack.extend((x, False) for x in _list(_frozenset_iter(v)))
    return True
