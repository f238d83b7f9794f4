"""Statement-level step tracer (runs inside the sandboxed child).

Two backends produce identical traces: ``sys.monitoring`` (PEP 669) on Python >= 3.12 and
``sys.settrace`` before. Both feed raw interpreter events into one :class:`Recorder`, which turns
them into statement-level steps (semantics in docs/tracing.md):

* Only code objects compiled under the traced ``filename`` are recorded, and only while the call
  runs (module top level is executed untraced). Comprehension and generator-expression frames
  (``<listcomp>``, ``<dictcomp>``, ``<setcomp>``, ``<genexpr>``) are never recorded: their work is
  part of the enclosing statement's step (Python 3.12 inlines list/dict/set comprehensions, so
  this is the only convention that is identical on every version).
* A line event becomes a step only when it starts a new statement in its frame: line events are
  mapped to the first line of the statement containing them (:class:`LineTable`); further events of
  the same statement (continuation lines, bytecode bouncing between lines) are not steps, except
  for loops written on one line (each iteration is a step). The exit of a ``with`` block and a
  second event of a ``return`` statement (after a ``finally``) are not steps.
* Lambdas are one step per call, at the lambda's line.
* Generators: each start or resume is a ``call`` step, each ``yield`` a ``return`` step whose value
  is the yielded value; the frame id stays the same across resumes.
* Exception steps are recorded in each frame an exception passes through, except for
  ``StopIteration``, ``StopAsyncIteration`` and ``GeneratorExit`` (iteration protocol noise). A
  frame left by an exception has no ``return`` step.
* Locals are snapshotted as deltas (changed variables only, compared by their encoding); names
  that are not identifiers or are dunder names are skipped.

Bounds: ``max_steps`` and ``max_snapshot_bytes``; hitting one stops tracing and raises
:class:`TraceLimit` (a ``BaseException``) into the program, so the run ends quickly with outcome
``output_limit``.
"""

from __future__ import annotations

import ast
import dis
import math
import operator
import sys
from collections.abc import Callable
from typing import Any

from execgym import astparse
from execgym.engine.codec import SNAPSHOT_CAPS, Caps, _encode_flat, encode_sized, safe_type_name

__all__ = ["LineTable", "Recorder", "TraceLimit", "default_backend", "make_tracer"]

EV_CALL, EV_LINE, EV_RETURN, EV_EXCEPTION = 0, 1, 2, 3
HIDDEN_CODE_NAMES = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})
_NOISE_EXCEPTIONS = (StopIteration, StopAsyncIteration, GeneratorExit)
_ATOMIC = (int, str, float, bool, type(None), bytes, complex)
_STEP_OVERHEAD = 24
_SMALL_INT = 1 << 53

_type = type
_len = len
_is = operator.is_
_isfinite = math.isfinite
_issubclass = issubclass


class TraceLimit(BaseException):
    """Raised into the traced program when a trace bound is hit."""


def default_backend() -> str:
    return "monitoring" if sys.version_info >= (3, 12) else "settrace"


# ------------------------------------------------------------------------------- line table


class LineTable:
    """Maps source lines to the first line of the statement (header) that contains them.

    ``key[line]`` is the step line for an event on ``line``; lines outside any statement (blank,
    comments, ``else:``/``finally:`` keywords) are absent. ``one_liner_loops`` holds keys of
    ``for``/``while`` statements whose body starts on the header's last line; ``with_keys`` the keys
    of ``with`` statements; ``return_keys`` those of ``return`` statements.
    """

    def __init__(self, source: str) -> None:
        self.key: dict[int, int] = {}
        self.one_liner_loops: set[int] = set()
        self.with_keys: set[int] = set()
        self.return_keys: set[int] = set()
        try:
            tree = astparse.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        try:
            self._body(tree.body)
        except RecursionError:  # absurdly nested source: keep what was mapped
            pass

    def _claim(self, first: int, last: int) -> None:
        for ln in range(first, max(first, last) + 1):
            self.key[ln] = first

    def _body(self, stmts: list[ast.stmt]) -> None:
        for s in stmts:
            self._stmt(s)

    def _stmt(self, s: ast.stmt) -> None:
        decos = getattr(s, "decorator_list", None) or []
        first = min([s.lineno] + [d.lineno for d in decos])
        body = getattr(s, "body", None)
        if isinstance(s, (ast.If, ast.While)):
            last = s.test.end_lineno or s.lineno
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            last = s.iter.end_lineno or s.lineno
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            last = max([s.lineno] + [(i.optional_vars or i.context_expr).end_lineno or s.lineno for i in s.items])
            self.with_keys.add(first)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            last = max(s.lineno, s.body[0].lineno - 1) if s.body else s.lineno
        elif isinstance(s, ast.Try) or s.__class__.__name__ == "TryStar":
            last = s.lineno
        elif s.__class__.__name__ == "Match":
            last = s.subject.end_lineno or s.lineno  # type: ignore[attr-defined]
        else:
            last = s.end_lineno or s.lineno
            body = None
        self._claim(first, last)
        if isinstance(s, ast.Return):
            self.return_keys.add(first)
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While)) and s.body and s.body[0].lineno <= last:
            self.one_liner_loops.add(first)
        if body:
            self._body(body)
        for h in getattr(s, "handlers", None) or []:
            hl = h.type.end_lineno if h.type is not None else h.lineno
            self._claim(h.lineno, hl or h.lineno)
            self._body(h.body)
        for case in getattr(s, "cases", None) or []:
            cl = case.guard.end_lineno if case.guard is not None else case.pattern.end_lineno
            self._claim(case.pattern.lineno, cl or case.pattern.lineno)
            self._body(case.body)
        for attr in ("orelse", "finalbody"):
            more = getattr(s, attr, None)
            if more:
                self._body(more)


# --------------------------------------------------------------------------------- recorder


class _FrameState:
    __slots__ = ("closing", "fid", "fn", "last_key", "pending", "return_key", "vars", "with_entry")

    def __init__(self, fid: int, fn: int) -> None:
        self.fid = fid
        self.fn = fn
        self.last_key = -1
        self.vars: dict[str, tuple[Any, Any, Any]] = {}
        self.return_key: int | None = None  # the return statement being executed, if any
        self.with_entry: dict[int, int] = {}
        self.pending: tuple[int, int, Any] | None = None  # deferred resume step: (line, count, frame)
        self.closing = False  # GeneratorExit was thrown in (generator.close())


def _strict_same(a: Any, b: Any) -> bool:
    """Equality of two encodings that also distinguishes 1 / 1.0 / True and 0.0 / -0.0."""
    ta = _type(a)
    if ta is not _type(b):
        return False
    if ta is float:
        return a == b and (a != 0.0 or str(a) == str(b))
    if ta is list:
        return _len(a) == _len(b) and all(_strict_same(x, y) for x, y in zip(a, b))
    if ta is dict:
        return _len(a) == _len(b) and all(k in b and _strict_same(v, b[k]) for k, v in a.items())
    return a == b


_FLAT_ATOMS = frozenset({int, str, float, bool, type(None)})


def _is_flat_atom(x: Any) -> bool:
    return _type(x) in _FLAT_ATOMS


def _flat_snapshot(v: Any, t: type, enc: Any) -> Any:
    """Element snapshot of a list/dict whose encoding shows it holds only plain atoms, else None.

    For a list the snapshot is its encoding's item list (atoms encode to themselves, so it holds
    the very element objects); for a dict, the key and value objects.
    """
    if _type(enc) is not dict:
        return None
    if t is list:
        items = enc.get("$list")
        if _type(items) is not list:
            return None
        types = list(map(_type, items))
        if not set(types) <= _FLAT_ATOMS:
            return None
        return (items, types, float in types)
    pairs = enc.get("$dict")
    if _type(pairs) is not list:
        return None
    keys = list(dict.keys(v))
    values = list(dict.values(v))
    if _len(keys) != _len(pairs) or not all(map(_is_flat_atom, keys)) or not all(map(_is_flat_atom, values)):
        return None
    if any(_type(x) is float and not _isfinite(x) for x in values):
        return None
    return (keys, values)


def _flat_unchanged(v: Any, t: type, snap: Any) -> Any:
    """True if a flat list/dict holds the same objects as ``snap``; for a list that only grew,
    the list of new elements; else None (re-encode)."""
    if t is list:
        items, types, has_float = snap
        cur = list.copy(v)
        k = _len(items)
        if _len(cur) < k:
            return None
        head = cur if _len(cur) == k else cur[:k]
        # same exact builtin types first (so == below runs only builtin comparisons), then values;
        # floats need identity (== does not tell 0.0 from -0.0)
        if list(map(_type, head)) != types:
            return None
        if has_float:
            if not all(map(_is, items, head)):
                return None
        elif head != items:
            return None
        return True if _len(cur) == k else cur[k:]
    keys, values = snap
    if dict.__len__(v) != _len(keys):
        return None
    if all(map(_is, keys, dict.keys(v))) and all(map(_is, values, dict.values(v))):
        return True
    return None


def _str_growth(old: Any, v: str, t: type, caps: Caps) -> str | None:
    """The appended text when str ``v`` extends str ``old`` (both long enough to matter and
    plainly encodable), else None."""
    if _type(old) is not str:
        return None
    n_old = _len(old)
    if n_old < 16 or _len(v) <= n_old or _len(v) > caps.max_str or not v.startswith(old):
        return None
    tail = v[n_old:]
    if not tail.isascii():
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return tail


class Recorder:
    """Backend-independent step recording (see the module docstring)."""

    def __init__(
        self,
        filename: str,
        table: LineTable,
        *,
        backend: str,
        max_steps: int = 10_000,
        max_snapshot_bytes: int = 2_000_000,
        snapshot_caps: Caps = SNAPSHOT_CAPS,
        hide: Callable[[str], bool] | None = None,
    ) -> None:
        self.hide = hide
        self._shown: dict[Any, bool] = {}
        self.filename = filename
        self.table = table
        self.backend = backend
        self.max_steps = max_steps
        self.max_bytes = max_snapshot_bytes
        self.caps = snapshot_caps
        self.steps: list[list[Any]] = []
        self.functions: list[str] = []
        self._fn_index: dict[str, int] = {}
        self.frames: dict[int, _FrameState] = {}
        self.counts: dict[int, int] = {}
        self.next_fid = 1
        self.bytes = 0
        self.limit_hit = False
        self.limit_reason = ""
        self.stopped = False
        self.failure = ""  # set when the tracer itself failed (a bug or an exhausted resource)
        self.on_stop: Callable[[], None] | None = None
        self._pending: list[_FrameState] = []  # generator frames resumed, call step not yet emitted

    # -- helpers ------------------------------------------------------------------------
    def _fn(self, name: str) -> int:
        i = self._fn_index.get(name)
        if i is None:
            i = self._fn_index[name] = _len(self.functions)
            self.functions.append(name)
        return i

    def fail(self, exc: BaseException) -> None:
        """The tracer itself raised: stop tracing, never disturb the program."""
        if not self.failure:
            self.failure = f"tracer failed: {safe_type_name(exc)}"
        self.stopped = True
        if self.on_stop is not None:
            self.on_stop()

    def stop_at_recursion_limit(self) -> None:
        """The program is so deep that the tracer's own frames hit the recursion limit."""
        if not self.stopped:
            self._stop("tracing stopped at the recursion limit (the program recursed too deeply to trace)")

    def _stop(self, reason: str) -> None:
        self.limit_hit = True
        self.limit_reason = reason
        self.stopped = True
        if self.on_stop is not None:
            self.on_stop()
        raise TraceLimit(reason)

    def _show_name(self, name: Any) -> bool:
        """Whether a local variable name appears in snapshots."""
        if _type(name) is not str or not name.isidentifier() or (name[:2] == "__" and name[-2:] == "__"):
            return False
        return not (self.hide is not None and self.hide(name))

    def _delta(self, fs: _FrameState, frame: Any) -> tuple[Any, int]:
        """Encodings of the variables that changed since the frame's previous snapshot.

        ``fs.vars`` maps name -> (object or None, encoding, element snapshot or None). Atoms are
        unchanged when they are the same object; lists and dicts of atoms ("flat") are unchanged
        when they hold the same element objects (checked in C, without encoding), and a flat list
        that only grew, or a str that only grew, is sent as an append delta.
        """
        try:
            items = list(frame.f_locals.items())
        except Exception:  # noqa: BLE001 - no snapshot rather than a broken trace
            return 0, 0
        prev = fs.vars
        new: dict[str, tuple[Any, Any, Any]] = {}
        changed: dict[str, Any] = {}
        size = 0
        caps = self.caps
        shown = self._shown
        for name, v in items:
            ok = shown.get(name)
            if ok is None:
                ok = shown[name] = self._show_name(name)
            if not ok:
                continue
            old = prev.get(name)
            t = _type(v)
            if t in _ATOMIC:
                if old is not None and old[0] is v:
                    new[name] = old
                    continue
                if t is int and -_SMALL_INT < v < _SMALL_INT:  # the common case, inline
                    new[name] = (v, v, None)
                    if old is not None and _type(old[1]) is int and old[1] == v:
                        continue
                    changed[name] = v
                    size += 8 + _len(name)
                    continue
                if old is not None and t is str:
                    grown = _str_growth(old[0], v, t, caps)
                    if grown is not None:
                        new[name] = (v, v, None)
                        changed[name] = {"$strappend": grown}
                        size += _len(grown) + _len(name) + 20
                        continue
                enc, sz = encode_sized(v, caps)
                new[name] = (v, enc, None)
                if old is not None and old[1] == enc and _strict_same(old[1], enc):
                    continue
                changed[name] = enc
                size += sz + _len(name) + 4
                continue
            if t is list or t is dict:
                if old is not None and old[0] is v and old[2] is not None:
                    same = _flat_unchanged(v, t, old[2])
                    if same is True:
                        new[name] = old
                        continue
                    if same is not None:  # a flat list that only grew: its new atoms
                        tail = _encode_flat(same, list, caps)
                        if tail is not None and _len(old[1]["$list"]) + _len(same) <= caps.max_items:
                            added = tail[0]["$list"]
                            elems = old[1]["$list"] + added
                            types = old[2][0:2][1] + list(map(_type, added))
                            snap = (elems, types, old[2][2] or float in types)
                            new[name] = (v, {"$list": elems}, snap)
                            changed[name] = {"$append": tail[0]["$list"]}
                            size += tail[1] + _len(name) + 12
                            continue
                enc, sz = encode_sized(v, caps)
                new[name] = (v, enc, _flat_snapshot(v, t, enc))
            else:
                enc, sz = encode_sized(v, caps)
                new[name] = (None, enc, None)
            if old is not None and old[1] == enc and _strict_same(old[1], enc):
                continue
            changed[name] = enc
            size += sz + _len(name) + 4
        removed = [n for n in prev if n not in new]
        fs.vars = new
        if not changed and not removed:
            return 0, 0
        return [changed, removed], size + 8 * _len(removed)

    def _add(self, ev: int, fs: _FrameState, line: int, count: int, frame: Any, value: Any = None,
             has_value: bool = False, snapshot: bool = True) -> None:
        if self._pending:
            self._flush_pending()
        if _len(self.steps) >= self.max_steps:
            self._stop(f"trace exceeded max_steps={self.max_steps}")
        delta, size = self._delta(fs, frame) if snapshot else (0, 0)
        step = [ev, fs.fn, fs.fid, line, count, delta]
        if has_value:
            enc, vsize = encode_sized(value, self.caps)
            step.append(enc)
            size += vsize
        self.bytes += size + _STEP_OVERHEAD
        if self.bytes > self.max_bytes:
            self._stop(f"trace exceeded max_snapshot_bytes={self.max_bytes}")
        self.steps.append(step)

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        for fs in pending:
            if fs.pending is not None:
                pline, pcount, pframe = fs.pending
                fs.pending = None
                self._add(EV_CALL, fs, pline, pcount, pframe)

    def _line_of(self, frame: Any) -> int:
        code = frame.f_code
        if code.co_name == "<lambda>":
            return code.co_firstlineno
        ln = frame.f_lineno
        if ln is None:
            return code.co_firstlineno
        return self.table.key.get(ln, ln)

    # -- events -------------------------------------------------------------------------
    def on_start(self, frame: Any) -> None:
        """A recorded frame starts or resumes (call step)."""
        if self.stopped:
            return
        fid = id(frame)
        fs = self.frames.get(fid)
        code = frame.f_code
        if fs is None:
            fs = self.frames[fid] = _FrameState(self.next_fid, self._fn(code.co_name))
            self.next_fid += 1
            line = self.table.key.get(code.co_firstlineno, code.co_firstlineno)
            self._add(EV_CALL, fs, line, self.counts.get(line, 0), frame)
        else:
            # a generator resumes: the call step is deferred to the frame's next event, so that a
            # generator.close() (GeneratorExit thrown in) leaves no step on any Python version
            line = self._line_of(frame)
            fs.pending = (line, self.counts.get(line, 0), frame)
            self._pending.append(fs)

    def on_close(self, frame: Any) -> None:
        """GeneratorExit is thrown into a suspended generator (``close()``)."""
        fs = self.frames.get(id(frame))
        if fs is not None:
            fs.pending = None
            fs.closing = True

    def on_line(self, frame: Any, lineno: int | None, offset: int, backward: bool | None = None) -> None:
        """A line event in a recorded frame. ``backward``: the backend saw a backward jump
        (``None``: unknown, settrace's same-line events are backward jumps by construction)."""
        if self.stopped:
            return
        fs = self.frames.get(id(frame))
        if fs is None:
            return
        code = frame.f_code
        if code.co_name == "<lambda>":
            key = code.co_firstlineno
        else:
            if lineno is None:
                return
            key = self.table.key.get(lineno)
            if key is None:
                return
        table = self.table
        if key == fs.last_key and (key not in table.one_liner_loops or backward is False):
            return
        if key in table.with_keys:
            entry = fs.with_entry.get(key)
            if entry is None or offset <= entry:
                fs.with_entry[key] = offset
            else:
                fs.last_key = key
                return  # the with block's exit
        if key in table.return_keys:
            if fs.return_key == key:  # the same return again, after a ``finally`` block
                fs.last_key = key
                return
            fs.return_key = key
        fs.last_key = key
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        self._add(EV_LINE, fs, key, count, frame)

    def on_return(self, frame: Any, value: Any, final: bool) -> None:
        """A recorded frame returns (``final``) or yields (not ``final``)."""
        if self.stopped:
            return
        fid = id(frame)
        fs = self.frames.get(fid)
        if fs is None:
            return
        if fs.closing:
            del self.frames[fid]
            return
        line = fs.return_key if fs.return_key is not None else self._line_of(frame)
        self._add(EV_RETURN, fs, line, self.counts.get(line, 0), frame, value, True)
        fs.last_key = -1
        fs.return_key = None
        if final:
            del self.frames[fid]

    def on_unwind(self, frame: Any) -> None:
        """A recorded frame is left by an exception (no step)."""
        self.frames.pop(id(frame), None)

    def on_exception(self, frame: Any, exc: BaseException) -> None:
        if self.stopped:
            return
        if _type(exc) is GeneratorExit:
            self.on_close(frame)
            return
        if _issubclass(_type(exc), _NOISE_EXCEPTIONS) or _type(exc) is TraceLimit:
            return
        fs = self.frames.get(id(frame))
        if fs is None or fs.closing:
            return
        from execgym.engine.child import safe_exception_message

        line = self._line_of(frame)
        fs.return_key = None  # a return statement that raised did not return
        value = {"type": safe_type_name(exc), "message": safe_exception_message(exc)}
        # no new snapshot: on 3.12+ an exception inside an inlined comprehension would show the
        # comprehension's variables, which 3.11 keeps in a separate frame
        self._add(EV_EXCEPTION, fs, line, self.counts.get(line, 0), frame, value, True, snapshot=False)

    def export(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
            "functions": list(self.functions),
            "truncated": self.limit_hit,
            "steps": self.steps,
        }


# -------------------------------------------------------------------------------- backends


class _Tracer:
    backend = ""

    def __init__(self, recorder: Recorder) -> None:
        self.rec = recorder
        recorder.on_stop = self._uninstall

    @property
    def limit_hit(self) -> bool:
        return self.rec.limit_hit

    @property
    def limit_reason(self) -> str:
        return self.rec.limit_reason

    @property
    def failure(self) -> str:
        return self.rec.failure

    def export(self) -> dict[str, Any]:
        return self.rec.export()

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn(*args)`` with tracing on; tracing is always removed afterwards."""
        self._install()
        try:
            return fn(*args)
        finally:
            self._uninstall()

    def _install(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _uninstall(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


_YIELD_OPS = frozenset(dis.opmap[n] for n in ("YIELD_VALUE", "YIELD_FROM") if n in dis.opmap)
# Python 3.10 rewinds f_lasti to the instruction before YIELD_FROM while a ``yield from`` is suspended
_YIELD_FROM_310 = dis.opmap.get("YIELD_FROM", 0) if sys.version_info < (3, 11) else 0
_RESUME = dis.opmap.get("RESUME", -2)
_RETURN_OPS = frozenset(dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap)


class SettraceTracer(_Tracer):
    """``sys.settrace`` backend (the default before Python 3.12)."""

    backend = "settrace"

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self._co_code: dict[Any, bytes] = {}
        self._installed = False
        fn = recorder.filename
        rec = recorder
        hidden = HIDDEN_CODE_NAMES
        co_cache = self._co_code

        def opcode_at(frame: Any, ahead: int = 0) -> int:
            code = frame.f_code
            raw = co_cache.get(code)
            if raw is None:
                raw = co_cache[code] = code.co_code
            i = frame.f_lasti + ahead
            return raw[i] if 0 <= i < _len(raw) else -1

        def local(frame: Any, event: str, arg: Any) -> Any:
            if rec.stopped:
                return None
            if event == "line":
                rec.on_line(frame, frame.f_lineno, frame.f_lasti)
            elif event == "return":
                op = opcode_at(frame)
                if (op in _YIELD_OPS
                        or (op == _RESUME and opcode_at(frame, -2) in _YIELD_OPS)  # 3.13: after the yield
                        or (_YIELD_FROM_310 and opcode_at(frame, 2) == _YIELD_FROM_310)):
                    rec.on_return(frame, arg, False)
                elif op in _RETURN_OPS:
                    rec.on_return(frame, arg, True)
                else:
                    rec.on_unwind(frame)
            elif event == "exception":
                rec.on_exception(frame, arg[1])
            return local

        def global_(frame: Any, event: str, arg: Any) -> Any:
            if rec.stopped:
                return None
            code = frame.f_code
            if code.co_filename != fn or code.co_name in hidden:
                return None
            rec.on_start(frame)
            return local

        local = _shield(local, rec)  # a cell variable: global_ and local return the shielded one
        self._global = _shield(global_, rec)

    def _install(self) -> None:
        self._installed = True
        sys.settrace(self._global)

    def _uninstall(self) -> None:
        if self._installed:
            self._installed = False
            sys.settrace(None)


class MonitoringTracer(_Tracer):
    """``sys.monitoring`` backend (Python >= 3.12)."""

    backend = "monitoring"

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        mon = sys.monitoring  # type: ignore[attr-defined]
        self.mon = mon
        self.tool: int | None = None
        E = mon.events
        DISABLE = mon.DISABLE
        fn = recorder.filename
        rec = recorder
        hidden = HIDDEN_CODE_NAMES
        getframe = sys._getframe  # getframe(2): the user frame (callback <- _shield <- user code)
        instrumented: set[Any] = set()
        local_events = E.LINE | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME
        loops = recorder.table.one_liner_loops
        self._instrumented = instrumented

        def ours(code: Any) -> bool:
            return code.co_filename == fn and code.co_name not in hidden

        def on_start(code: Any, offset: int) -> Any:
            if not ours(code):
                return DISABLE
            if rec.stopped:
                return None
            if code not in instrumented:
                instrumented.add(code)
                ev = local_events
                if loops and any(k in loops for _, _, k in _code_lines(code)):
                    ev |= E.JUMP
                mon.set_local_events(self.tool, code, ev)
            rec.on_start(getframe(2))
            return None

        def on_resume(code: Any, offset: int) -> Any:
            if rec.stopped:
                return None
            rec.on_start(getframe(2))
            return None

        def on_line(code: Any, line: int) -> Any:
            if rec.stopped:
                return None
            frame = getframe(2)
            rec.on_line(frame, line, frame.f_lasti, False)
            return None

        def on_jump(code: Any, offset: int, dest: int) -> Any:
            if rec.stopped or dest > offset:
                return None
            frame = getframe(2)
            line = _line_at(code, dest)
            if line is not None and rec.table.key.get(line) in loops:
                rec.on_line(frame, line, dest, True)
            return None

        def on_return(code: Any, offset: int, value: Any) -> Any:
            if rec.stopped:
                return None
            rec.on_return(getframe(2), value, True)
            return None

        def on_yield(code: Any, offset: int, value: Any) -> Any:
            if rec.stopped:
                return None
            rec.on_return(getframe(2), value, False)
            return None

        def on_raise(code: Any, offset: int, exc: BaseException) -> Any:
            if rec.stopped or not ours(code):
                return None
            rec.on_exception(getframe(2), exc)
            return None

        def on_unwind(code: Any, offset: int, exc: BaseException) -> Any:
            if not ours(code):
                return None
            rec.on_unwind(getframe(2))
            return None

        def on_throw(code: Any, offset: int, exc: BaseException) -> Any:
            if rec.stopped or not ours(code):
                return None
            if type(exc) is GeneratorExit:
                rec.on_close(getframe(2))
            else:
                rec.on_start(getframe(2))
            return None

        self._callbacks = {
            ev: _shield(cb, rec) for ev, cb in (
                (E.PY_START, on_start), (E.PY_RESUME, on_resume), (E.LINE, on_line), (E.JUMP, on_jump),
                (E.PY_RETURN, on_return), (E.PY_YIELD, on_yield), (E.RAISE, on_raise),
                (E.PY_UNWIND, on_unwind), (E.PY_THROW, on_throw),
            )
        }
        self._global_events = E.PY_START | E.RAISE | E.PY_UNWIND | E.PY_THROW

    def _install(self) -> None:
        mon = self.mon
        for tool in (4, 3, 5, 2, 1, 0):
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, "execgym")
                self.tool = tool
                break
        else:
            raise RuntimeError("no free sys.monitoring tool id")
        for ev, cb in self._callbacks.items():
            mon.register_callback(self.tool, ev, cb)
        mon.set_events(self.tool, self._global_events)

    def _uninstall(self) -> None:
        tool = self.tool
        if tool is None:
            return
        self.tool = None
        mon = self.mon
        try:
            mon.set_events(tool, 0)
            for code in self._instrumented:
                mon.set_local_events(tool, code, 0)
            for ev in self._callbacks:
                mon.register_callback(tool, ev, None)
            mon.free_tool_id(tool)
        except Exception:  # noqa: BLE001, S110  # pragma: no cover - defensive
            pass


def _shield(callback: Callable[..., Any], rec: Recorder) -> Callable[..., Any]:
    """Run a backend callback so that a failure inside the tracer stops tracing (``rec.fail``)
    instead of raising into the traced program; :class:`TraceLimit` still propagates.

    At the recursion limit the tracer's own frames overflow first: that is treated as a trace
    bound (``output_limit``, "tracing stopped at the recursion limit").
    """

    def shielded(*args: Any) -> Any:
        try:
            return callback(*args)
        except TraceLimit:
            raise
        except RecursionError:
            rec.stop_at_recursion_limit()
            return None
        except Exception as exc:  # noqa: BLE001 - recorded as the trace's failure
            rec.fail(exc)
            return None

    return shielded


def _code_lines(code: Any) -> list[tuple[int, int, int]]:
    return [t for t in code.co_lines() if t[2] is not None]


def _line_at(code: Any, offset: int) -> int | None:
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return None


def make_tracer(
    filename: str,
    *,
    source: str | None = None,
    table: LineTable | None = None,
    backend: str = "auto",
    max_steps: int = 10_000,
    max_snapshot_bytes: int = 2_000_000,
    snapshot_caps: Caps = SNAPSHOT_CAPS,
    hide: Callable[[str], bool] | None = None,
) -> _Tracer:
    """A tracer for code compiled under ``filename``; ``tracer.run(fn, *args)`` traces one call."""
    if table is None:
        table = LineTable(source or "")
    if backend not in ("settrace", "monitoring"):
        backend = default_backend()
    if backend == "monitoring" and not hasattr(sys, "monitoring"):
        backend = "settrace"
    rec = Recorder(filename, table, backend=backend, max_steps=max_steps,
                   max_snapshot_bytes=max_snapshot_bytes, snapshot_caps=snapshot_caps, hide=hide)
    return MonitoringTracer(rec) if backend == "monitoring" else SettraceTracer(rec)
