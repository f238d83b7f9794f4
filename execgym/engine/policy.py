"""The ``restricted`` policy: RestrictedPython under execgym's own guard set.

For code a model wrote. It runs inside the process sandbox (the real barrier); this layer rejects
the usual interpreter-level escapes early, with a readable message, while keeping the meaning of
ordinary programs (see docs/restricted-policy.md for the rules and the measured compatibility).

Compile time (:class:`ExecgymTransformer`, a ``RestrictingNodeTransformer`` subclass):

* names: a name that starts *and* ends with ``_`` (dunders, guard names such as ``_getattr_``) is
  rejected, except ``_`` itself, dunder *method* definitions and ``__slots__``/``__hash__`` directly
  in a class body, and reading ``__name__``; RestrictedPython's own temporaries (``_print``,
  ``_tmp*``, ``_eg*``) are reserved. Single-underscore names such as ``_cache`` are allowed.
* attributes: dunder attributes, the frame/generator/traceback/code introspection names and
  ``mro`` are rejected; ``getattr``/``hasattr``/``setattr``/``delattr`` need a literal name.
* ``exec``/``eval`` calls, ``async`` code, ``except*`` and star imports are rejected (stock rules).
* added over stock RestrictedPython: augmented assignment to subscripts and attributes
  (``a[i] += 1``, ``self.n += 1``), ``nonlocal``, annotated assignments, ``match`` statements.

Run time (:meth:`RestrictedPolicy.globals`): the usual builtins minus ``open``, ``exec``, ``eval``,
``compile``, ``globals``, ``locals``, ``vars``, ``input``, ``breakpoint``, ``help``, ``exit``,
``quit``; guarded ``getattr``/``hasattr``/``setattr``/``delattr``/``__import__`` (allow-list
:data:`ALLOWED_MODULES`), a stand-in ``type`` that never hands out the real one or a metaclass, and a
``__build_class__`` that records the program's classes and refuses foreign metaclasses. Attribute
access is decided by an allow-list and by ownership (:mod:`execgym.engine.policy_access`): modules
expose their public API only and are read-only; private (``_x``) attributes only where the lookup
(also through ``super()``) ends in something the program made; library classes are read-only;
``str.format``/``format_map``, ``functools.wraps``/``update_wrapper``/``lru_cache``/``cache``/
``total_ordering``, ``dataclasses.dataclass``, ``operator.attrgetter``/``methodcaller`` and
``typing.get_origin``/``get_args`` are replaced by checked versions. ``print`` writes to the real
stdout. A violation raises :class:`PolicyViolation` (a ``BaseException``) and is recorded, so the
run ends ``policy_violation`` even if the program catches it.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import operator
import re
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations

from execgym import astparse
from execgym.engine import policy_access as access

__all__ = [
    "ALLOWED_MODULES",
    "Compiled",
    "ExecgymTransformer",
    "PolicyViolation",
    "RestrictedPolicy",
]

ALLOWED_MODULES = frozenset({
    "math", "collections", "collections.abc", "itertools", "functools", "bisect", "heapq", "string",
    "re", "typing", "operator", "copy", "statistics", "fractions", "decimal", "datetime", "random",
    "dataclasses", "enum",
})

#: (module, attribute) pairs that reopen computed attribute access, eval or format leaks.
BLOCKED_MODULE_ATTRS = frozenset({
    ("string", "Formatter"),
    ("typing", "get_type_hints"),
    ("typing", "ForwardRef"),
    ("typing", "get_overloads"),
    ("dataclasses", "make_dataclass"),
    ("functools", "singledispatchmethod"),
    ("functools", "singledispatch"),  # register() evaluates string annotations (typing.get_type_hints)
})

BLOCKED_ATTRS = frozenset(INSPECT_ATTRIBUTES) | frozenset({
    "mro", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next",
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code",
    "func_globals", "func_code",
})

BLOCKED_BUILTINS = frozenset({
    "open", "exec", "eval", "compile", "globals", "locals", "vars", "input", "breakpoint", "help",
    "exit", "quit", "copyright", "credits", "license", "__import__", "__loader__", "__spec__",
    "__build_class__", "__debug__", "__doc__", "__name__", "__package__",
})

_CLASS_BODY_DUNDERS = frozenset({"__slots__", "__hash__"})
#: Dunder attributes ordinary code reads (``super().__init__``, ``type(x).__name__``, ...); none of
#: them leads to frames, globals, code objects, classes' internals or modules.
SAFE_DUNDER_ATTRS = frozenset({
    "__init__", "__new__", "__name__", "__qualname__", "__doc__", "__str__", "__repr__", "__len__",
    "__iter__", "__next__", "__contains__", "__getitem__", "__setitem__", "__delitem__", "__eq__",
    "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__add__", "__sub__",
    "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__", "__neg__", "__pos__", "__abs__",
    "__and__", "__or__", "__xor__", "__radd__", "__rsub__", "__rmul__", "__enter__", "__exit__",
    "__call__", "__post_init__", "__missing__", "__index__", "__int__", "__float__", "__round__",
})
_READABLE_DUNDERS = frozenset({"__name__"})
_RESERVED = ("_print", "_tmp", "_eg")
_NAME_ARG_FUNCS = frozenset({"getattr", "hasattr", "setattr", "delattr"})


class PolicyViolation(BaseException):
    """Raised by a runtime guard; a BaseException so ``except Exception`` does not swallow it."""


def _bad_name(name: str) -> str | None:
    """Why a variable name is not allowed, or None."""
    if name == "_":
        return None
    if name.startswith("_") and name.endswith("_"):
        return f'"{name}" is not allowed: names that start and end with "_" are reserved'
    if name.startswith(_RESERVED):
        return f'"{name}" is not allowed: the prefix is reserved for RestrictedPython'
    if name in ("print", "builtins", "breakpoint"):
        return f'"{name}" is a reserved name'
    return None


_BAD_ATTR_CACHE: dict[str, str | None] = {}


def _bad_attr(name: str) -> str | None:
    """Why an attribute name is not allowed, or None (cached for the first 4096 names)."""
    if type(name) is not str:
        return "attribute names must be str"
    try:
        return _BAD_ATTR_CACHE[name]
    except KeyError:
        why = _bad_attr_uncached(name)
        if len(_BAD_ATTR_CACHE) < 4096:
            _BAD_ATTR_CACHE[name] = why
        return why


def _bad_attr_uncached(name: str) -> str | None:
    if name.startswith("__") and name.endswith("__"):
        if name in SAFE_DUNDER_ATTRS:
            return None
        return f'attribute "{name}" is not allowed (dunder attribute)'
    if name.startswith("_") and name.endswith("_") and name != "_":
        return f'attribute "{name}" is not allowed (reserved name)'
    if name in BLOCKED_ATTRS:
        return f'attribute "{name}" is not allowed (introspection)'
    return None


# ---------------------------------------------------------------------------- compile time


def _relocate(tree: ast.AST, where: ast.AST) -> None:
    """Give every node of ``tree`` the (start) location of ``where``."""
    line, col = getattr(where, "lineno", 1), getattr(where, "col_offset", 0)
    for sub in ast.walk(tree):
        if "lineno" in sub._attributes:
            sub.lineno, sub.end_lineno = line, line  # type: ignore[attr-defined]
            sub.col_offset, sub.end_col_offset = col, col  # type: ignore[attr-defined]


class ExecgymTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer with execgym's name rules and extra supported syntax."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scopes: list[str] = ["module"]
        self._classes: list[str] = []
        self._aug = 0

    def _mangle(self, attr: str) -> str:
        """Private name mangling, which the compiler applies to ``a.__x`` but not to strings."""
        if self._classes and attr.startswith("__") and not attr.endswith("__"):
            owner = self._classes[-1].lstrip("_")
            if owner:
                return f"_{owner}{attr}"
        return attr

    # names -------------------------------------------------------------------------------
    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name is None:
            return
        if name.endswith("__roles__"):
            self.error(node, f'"{name}" is an invalid variable name')
            return
        why = _bad_name(name)
        if why is None:
            return
        is_dunder = name.startswith("__") and name.endswith("__") and len(name) > 4
        in_class = self._scopes[-1] == "class"
        if is_dunder and in_class and (allow_magic_methods or name in _CLASS_BODY_DUNDERS):
            return
        self.error(node, why)

    def visit_Name(self, node: ast.Name) -> Any:
        if isinstance(node.ctx, ast.Load):
            if node.id == "print":
                self.print_info.print_used = True
                new_node = ast.Attribute(value=ast.Name("_print", ast.Load()), attr="_call_print",
                                         ctx=ast.Load())
                copy_locations(new_node, node)
                return new_node
            if node.id in _READABLE_DUNDERS:
                return node
            self.used_names[node.id] = True
        self.check_name(node, node.id)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        self.check_name(node, node.name, allow_magic_methods=True)
        self.check_function_argument_names(node)
        self._scopes.append("function")
        try:
            with self.print_info.new_print_scope():
                node = self.node_contents_visit(node)
                self.inject_print_collector(node)
                if self.print_info.print_used and len(node.body) > 1:
                    _relocate(node.body[0], node.body[1])  # same step as the first statement
        finally:
            self._scopes.pop()
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        self._scopes.append("function")
        try:
            return super().visit_Lambda(node)
        finally:
            self._scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.check_name(node, node.name)
        if any(k.arg == "metaclass" for k in node.keywords):
            self.error(node, 'The keyword argument "metaclass" is not allowed.')
        self._scopes.append("class")
        self._classes.append(node.name)
        try:
            node.body = [self.visit(s) for s in node.body]
            node.body = [s for item in node.body for s in (item if isinstance(item, list) else [item])
                         if s is not None]
        finally:
            self._scopes.pop()
            self._classes.pop()
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        meta = ast.keyword(arg="metaclass", value=ast.Name("__metaclass__", ast.Load()))
        ast.copy_location(meta, node)
        ast.copy_location(meta.value, node)
        node.keywords.append(meta)
        return node

    # attributes ----------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> Any:
        why = _bad_attr(node.attr)
        if why is not None:
            self.error(node, why)
        if node.attr.endswith("__roles__"):
            self.error(node, f'"{node.attr}" is an invalid attribute name')
        if isinstance(node.ctx, ast.Load):
            node = self.node_contents_visit(node)
            new_node = ast.Call(func=ast.Name("_getattr_", ast.Load()),
                                args=[node.value, ast.Constant(self._mangle(node.attr))], keywords=[])
            copy_locations(new_node, node)
            return new_node
        node = self.node_contents_visit(node)
        new_value = ast.Call(func=ast.Name("_write_attr_", ast.Load()),
                             args=[node.value, ast.Constant(self._mangle(node.attr))], keywords=[])
        copy_locations(new_value, node.value)
        node.value = new_value
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        f = node.func
        if isinstance(f, ast.Name) and f.id in _NAME_ARG_FUNCS:
            name_arg = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(name_arg, ast.Constant) and isinstance(name_arg.value, str)):
                self.error(node, f"{f.id}() needs a literal attribute name (attribute access by computed "
                                 "name is not allowed)")
            else:
                why = _bad_attr(name_arg.value)
                if why is not None:
                    self.error(node, why)
        return super().visit_Call(node)

    # extra syntax ----------------------------------------------------------------------------
    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        for name in node.names:
            self.check_name(node, name)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if not isinstance(node.target, ast.Name):
            if node.value is None:  # a bare annotation of an attribute/subscript: drop it
                return ast.copy_location(ast.Pass(), node)
            assign = ast.Assign(targets=[node.target], value=node.value)
            ast.copy_location(assign, node)
            return self.visit(assign)
        return self.node_contents_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if isinstance(target, ast.Name):
            return super().visit_AugAssign(node)
        from RestrictedPython.transformer import IOPERATOR_TO_STR

        op = IOPERATOR_TO_STR[type(node.op)]
        n = self._aug
        self._aug += 1
        obj_name = f"_eg{n}_obj"
        stmts: list[ast.stmt] = []
        if isinstance(target, ast.Attribute):
            why = _bad_attr(target.attr)
            if why is not None:
                self.error(node, why)
            stmts.append(ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=self.visit(target.value)))
            read = ast.Call(func=ast.Name("_getattr_", ast.Load()),
                            args=[ast.Name(obj_name, ast.Load()), ast.Constant(self._mangle(target.attr))],
                            keywords=[])
            store: ast.expr = ast.Attribute(
                value=ast.Call(func=ast.Name("_write_attr_", ast.Load()),
                               args=[ast.Name(obj_name, ast.Load()), ast.Constant(self._mangle(target.attr))],
                               keywords=[]),
                attr=target.attr, ctx=ast.Store())
            temps = [obj_name]
        elif isinstance(target, ast.Subscript):
            key_name = f"_eg{n}_key"
            stmts.append(ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=self.visit(target.value)))
            key = target.slice
            if isinstance(key, ast.Slice):
                none = ast.Constant(None)
                key = ast.Call(func=ast.Name("slice", ast.Load()),
                               args=[key.lower or none, key.upper or none, key.step or none], keywords=[])
            stmts.append(ast.Assign(targets=[ast.Name(key_name, ast.Store())], value=self.visit(key)))
            read = ast.Call(func=ast.Name("_getitem_", ast.Load()),
                            args=[ast.Name(obj_name, ast.Load()), ast.Name(key_name, ast.Load())], keywords=[])
            store = ast.Subscript(
                value=ast.Call(func=ast.Name("_write_", ast.Load()), args=[ast.Name(obj_name, ast.Load())],
                               keywords=[]),
                slice=ast.Name(key_name, ast.Load()), ctx=ast.Store())
            temps = [obj_name, key_name]
        else:  # pragma: no cover - the grammar allows nothing else
            self.error(node, "unsupported augmented assignment target")
            return node
        value = ast.Call(func=ast.Name("_inplacevar_", ast.Load()),
                         args=[ast.Constant(op), read, self.visit(node.value)], keywords=[])
        stmts.append(ast.Assign(targets=[store], value=value))
        stmts.append(ast.Delete(targets=[ast.Name(t, ast.Del()) for t in temps]))
        for s in stmts:
            ast.copy_location(s, node)
            for sub in ast.walk(s):
                if "lineno" in sub._attributes and not hasattr(sub, "lineno"):
                    ast.copy_location(sub, node)
        return stmts

    def visit_Match(self, node: Any) -> Any:
        node.subject = self.visit(node.subject)
        hoisted = self._hoist_pattern_names(node)
        for case in node.cases:
            self._check_pattern(case.pattern)
            if case.guard is not None:
                case.guard = self.visit(case.guard)
            new_body = []
            for s in case.body:
                r = self.visit(s)
                if isinstance(r, list):
                    new_body.extend(r)
                elif r is not None:
                    new_body.append(r)
            case.body = new_body
        return [*hoisted, node] if hoisted else node

    def _hoist_pattern_names(self, node: Any) -> list[ast.stmt]:
        """Class patterns read the subject's attributes in C, and value patterns (``case m.x:``)
        compare the subject with an attribute read in C: neither would meet the attribute guard.
        So, before the ``match``, every class of a class pattern becomes
        ``_match_class_(cls, keyword names, number of positional patterns)`` (a stand-in whose
        ``isinstance`` check runs the attribute guard on the subject for the names the pattern
        reads) and every dotted value is read through the guard; the patterns then name them as
        attributes of a namespace ``_egmN`` (hidden from traces)."""
        fields: list[ast.keyword] = []
        ns = f"_egm{self._aug}"
        self._aug += 1
        for case in node.cases:
            for sub in ast.walk(case.pattern):
                if isinstance(sub, ast.MatchClass):
                    key = f"c{len(fields)}"
                    call = ast.Call(func=ast.Name("_match_class_", ast.Load()),
                                    args=[self.visit(sub.cls),
                                          ast.Tuple([ast.Constant(a) for a in sub.kwd_attrs], ast.Load()),
                                          ast.Constant(len(sub.patterns))], keywords=[])
                    fields.append(ast.keyword(arg=key, value=call))
                    sub.cls = ast.Attribute(value=ast.Name(ns, ast.Load()), attr=key, ctx=ast.Load())
                elif isinstance(sub, ast.MatchValue) and isinstance(sub.value, ast.Attribute):
                    key = f"v{len(fields)}"
                    fields.append(ast.keyword(arg=key, value=self.visit(sub.value)))
                    sub.value = ast.Attribute(value=ast.Name(ns, ast.Load()), attr=key, ctx=ast.Load())
        if not fields:
            return []
        assign = ast.Assign(targets=[ast.Name(ns, ast.Store())],
                            value=ast.Call(func=ast.Name("_match_ns_", ast.Load()), args=[], keywords=fields))
        for sub in ast.walk(assign):
            if "lineno" in sub._attributes:
                ast.copy_location(sub, node)
        return [assign]

    def _check_pattern(self, pattern: Any) -> None:
        for sub in ast.walk(pattern):
            for attr in ("name", "rest"):
                v = getattr(sub, attr, None)
                if isinstance(v, str) and sub.__class__.__name__.startswith("Match"):
                    self.check_name(sub, v)
            for a in getattr(sub, "kwd_attrs", None) or []:
                why = _bad_attr(a)
                if why is not None:
                    self.error(sub, why)
            if isinstance(sub, ast.Attribute):
                why = _bad_attr(sub.attr)
                if why is not None:
                    self.error(sub, why)
            if isinstance(sub, ast.Name) and not sub.id.startswith("_egm"):
                self.check_name(sub, sub.id)


# ------------------------------------------------------------------------------- run time


@dataclass
class Compiled:
    """A compiled code object, or the result frame describing why compilation failed."""

    code: Any = None
    error: dict | None = None


def _policy_frame(message: str) -> dict:
    return {"outcome": "policy_violation", "return": None,
            "error": {"type": "PolicyViolation", "message": message[:2000], "line": None}}


class _PrintTarget:
    """What ``_print_`` returns: RestrictedPython calls ``_print._call_print(*args, **kw)``."""

    __slots__ = ("_guard",)

    def __init__(self, guard: RestrictedPolicy) -> None:
        self._guard = guard

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        f = kwargs.get("file")
        if f is not None:
            self._guard.getattr_(f, "write")
        print(*objects, **kwargs)


#: Builtin classes whose class pattern with one positional sub-pattern matches the subject itself.
_SELF_MATCHING = (bool, bytearray, bytes, dict, float, frozenset, int, list, set, str, tuple)

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift, ">>=": operator.irshift,
    "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand, "//=": operator.ifloordiv,
    "@=": operator.imatmul,
}
_MISSING = object()


class RestrictedPolicy:
    """One restricted execution: compiles source/call and provides the guarded globals.

    ``violations`` lists the messages of runtime violations (the first one is reported).
    """

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.own = access.Ownership()
        self.safe_type = access.make_safe_type(self.violation)
        self._substitutes = self._substitutes_table()
        self._module_checks: dict[tuple[int, str], tuple[Any, str | None]] = {}
        self._match_classes: dict[tuple, tuple[Any, Any]] = {}

    # -- compile ----------------------------------------------------------------------------
    def _compile(self, text: str, filename: str, mode: str) -> Compiled:
        try:
            tree = astparse.parse(text, filename, mode)
        except (SyntaxError, ValueError) as exc:
            from execgym.engine.child import error_info

            err = error_info(exc, filename)
            if mode == "eval":
                err["line"] = None
            return Compiled(error={"outcome": "exception", "return": None, "error": err})
        except (RecursionError, MemoryError) as exc:
            return Compiled(error={"outcome": "exception", "return": None,
                                   "error": {"type": type(exc).__name__, "message": "source too complex",
                                             "line": None}})
        errors: list[str] = []
        warnings: list[str] = []
        try:
            ExecgymTransformer(errors, warnings, {}).visit(tree)
        except RecursionError:
            errors.append("source too deeply nested")
        if errors:
            where = "the call" if mode == "eval" else "the source"
            frame = _policy_frame(f"{where} is not allowed under the restricted policy: " + "; ".join(errors[:5]))
            m = re.match(r"Line (\d+):", errors[0])
            if m and mode != "eval":
                frame["error"]["line"] = int(m.group(1))
            return Compiled(error=frame)
        try:
            ast.fix_missing_locations(tree)
            code = compile(tree, filename, mode, dont_inherit=True)
        except (SyntaxError, ValueError, TypeError, RecursionError) as exc:
            return Compiled(error={"outcome": "exception", "return": None,
                                   "error": {"type": type(exc).__name__, "message": str(exc)[:500],
                                             "line": None}})
        self.own.add_code(code)
        return Compiled(code=code)

    def compile_module(self, source: str, filename: str) -> Compiled:
        return self._compile(source, filename, "exec")

    def compile_call(self, call: str, filename: str) -> Compiled:
        return self._compile(call, filename, "eval")

    # -- guards -----------------------------------------------------------------------------
    def violation(self, message: str) -> PolicyViolation:
        self.violations.append(message)
        return PolicyViolation(message)

    def _check_attr(self, obj: Any, name: Any) -> None:
        """Reading, testing or writing ``obj.name``: the name rules, then where the attribute
        really comes from (modules: public API only; ``_x``: only what the program owns)."""
        if type(name) is not str:
            raise self.violation("attribute names must be str")
        why = _bad_attr(name)
        if why is not None:
            raise self.violation(why)
        if type(obj) is types.ModuleType:
            key = (id(obj), name)
            hit = self._module_checks.get(key)
            if hit is not None and hit[0] is obj:
                why = hit[1]
            else:  # modules are read-only to the program, so the answer for (module, name) is fixed
                why = access.module_attr_denial(obj, name, ALLOWED_MODULES)
                if why is None and (obj.__name__, name) in BLOCKED_MODULE_ATTRS:
                    why = f"{obj.__name__}.{name} is not allowed"
                self._module_checks[key] = (obj, why)
        elif name[:1] == "_" and not access.is_dunder(name) and not self.own.is_pure_program_type(type(obj)):
            why = access.private_denial(self.own, obj, name)
        if why is not None:
            raise self.violation(why)

    def _check_write(self, obj: Any, name: str) -> None:
        """Writing or deleting ``obj.name``: never on a module, a library class or function."""
        t = type(obj)
        if t is types.ModuleType:
            raise self.violation(f'module {obj.__name__} is read-only (writing "{name}")')
        if issubclass(t, type) and not self.own.is_program_class(obj):
            raise self.violation(f'library class {obj.__name__} is read-only (writing "{name}")')
        if t is types.FunctionType and not self.own.is_program_function(obj):
            raise self.violation(f'library function attributes are read-only (writing "{name}")')

    def write_attr(self, obj: Any, name: str) -> Any:
        """``_write_attr_(obj, name)``: the target of ``obj.name = v`` / ``del obj.name``."""
        self._check_attr(obj, name)
        self._check_write(obj, name)
        return obj

    def _safe_value(self, value: Any) -> Any:
        """A value handed to the program: no real ``type``, metaclass or module outside the
        allow-list; ``str.format`` and the attribute-copying/evaluating library functions replaced."""
        sub = self._substitutes.get(id(value))
        if sub is not None and sub[0] is value:
            return sub[1]
        t = type(value)
        if t is types.ModuleType:
            if value.__name__ not in ALLOWED_MODULES:
                raise self.violation(f"module {value.__name__} is not allowed")
            return value
        if issubclass(t, type):
            if value is type:
                return self.safe_type
            if issubclass(value, type):
                raise self.violation(f"metaclass {value.__name__} is not reachable under the restricted policy")
            return value
        fmt = access.str_format_kind(value)
        if fmt is not None:
            return self._safe_format(*fmt)
        return value

    def _check_value(self, obj: Any, name: str, value: Any) -> Any:
        try:
            return self._safe_value(value)
        except PolicyViolation:
            self.violations[-1] += f" (reached as {name})"
            raise

    def getattr_(self, obj: Any, name: Any, default: Any = _MISSING) -> Any:
        self._check_attr(obj, name)
        if default is _MISSING:
            value = getattr(obj, name)
        else:
            value = getattr(obj, name, default)
        if name[:1] == "_" and not access.is_dunder(name):
            why = access.private_value_denial(self.own, name, value)
            if why is not None:
                raise self.violation(why)
        return self._check_value(obj, name, value)

    def hasattr_(self, obj: Any, name: Any) -> bool:
        self._check_attr(obj, name)
        return hasattr(obj, name)

    def setattr_(self, obj: Any, name: Any, value: Any) -> None:
        self._check_attr(obj, name)
        self._check_write(obj, name)
        setattr(obj, name, value)

    def delattr_(self, obj: Any, name: Any) -> None:
        self._check_attr(obj, name)
        self._check_write(obj, name)
        delattr(obj, name)

    def build_class(self, func: Any, name: Any, *bases: Any, **kwargs: Any) -> Any:
        """``__build_class__`` for the program's ``class`` statements: no metaclass of the
        program's choosing, no class derived from ``type``; the class is recorded as the program's."""
        if not self.own.is_program_function(func):
            raise self.violation("class bodies must come from the program")
        if kwargs.get("metaclass", type) is not type:
            raise self.violation('The keyword argument "metaclass" is not allowed.')
        for base in types.resolve_bases(bases):
            if not issubclass(type(base), type):
                continue  # __build_class__ raises its own TypeError
            if issubclass(base, type) or any(k is self.safe_type for k in access.class_mro(base)):
                raise self.violation("a class derived from type (a metaclass) is not allowed")
            meta = type(base)
            if meta not in access.library_metaclasses(ALLOWED_MODULES):
                raise self.violation(f"a base class with the metaclass {meta.__name__} is not allowed "
                                     "(only the metaclasses of the allowed modules)")
        cls = builtins.__build_class__(func, name, *bases, **kwargs)
        if issubclass(type(cls), type):
            self.own.add_class(cls)
        return cls

    def match_class(self, cls: Any, keywords: tuple, positional: int) -> Any:
        """The class of a class pattern: ``cls`` itself when the pattern reads no attribute (or
        ``cls`` matches itself, like ``int(n)``), else a stand-in whose instance check is
        ``isinstance(subject, cls)`` followed by the attribute guard for every name the pattern
        will read on the subject (its keywords and ``cls.__match_args__[:positional]``)."""
        if not issubclass(type(cls), type) or (not keywords and not positional):
            return cls
        if not keywords and positional <= 1 and any(cls is t for t in _SELF_MATCHING):
            return cls
        key = (id(cls), keywords, positional)
        hit = self._match_classes.get(key)
        if hit is not None and hit[0] is cls:
            return hit[1]
        match_args = access.class_match_args(cls)
        names = tuple(keywords) + tuple(match_args[:positional])
        guard = self

        class _MatchMeta(type):
            def __instancecheck__(proxy: Any, subject: Any) -> bool:
                if not isinstance(subject, cls):
                    return False
                for n in names:
                    guard._check_attr(subject, n)
                return True

        attrs: dict[str, Any] = {"__module__": "__main__", "__qualname__": access.class_name(cls)}
        if positional:
            attrs["__match_args__"] = match_args
        proxy = _MatchMeta(access.class_name(cls), (), attrs)
        self._match_classes[key] = (cls, proxy)
        return proxy

    # -- stand-ins for library functions ----------------------------------------------------
    def _substitutes_table(self) -> dict[int, tuple[Any, Any]]:
        """id(original) -> (original, guarded stand-in)."""
        guard, own = self, self.own

        def check_wrapped(fname: str, wrapped: Any) -> None:
            why = access.wrapper_copy_denial(own, wrapped)
            if why is not None:
                raise guard.violation(f"functools.{fname}(): {why}")

        def wraps(wrapped: Any, **kwargs: Any) -> Any:
            if kwargs:
                raise guard.violation("functools.wraps() with custom assigned/updated is not allowed")
            check_wrapped("wraps", wrapped)
            return functools.wraps(wrapped)

        def update_wrapper(wrapper: Any, wrapped: Any, **kwargs: Any) -> Any:
            if kwargs:
                raise guard.violation("functools.update_wrapper() with custom assigned/updated is not allowed")
            check_wrapped("update_wrapper", wrapped)
            guard._check_write(wrapper, "__dict__")
            return functools.update_wrapper(wrapper, wrapped)

        def lru_cache(maxsize: Any = 128, typed: bool = False) -> Any:
            if callable(maxsize) and isinstance(typed, bool):
                check_wrapped("lru_cache", maxsize)
                return functools.lru_cache(maxsize, typed)
            deco = functools.lru_cache(maxsize, typed)

            def decorating_function(user_function: Any) -> Any:
                check_wrapped("lru_cache", user_function)
                return deco(user_function)

            return decorating_function

        def cache(user_function: Any) -> Any:
            check_wrapped("cache", user_function)
            return functools.cache(user_function)

        def program_class(fname: str, cls: Any) -> None:
            if not own.is_program_class(cls):
                raise guard.violation(f"{fname}() of a class the program did not define is not allowed")

        def total_ordering(cls: Any) -> Any:
            program_class("functools.total_ordering", cls)
            return functools.total_ordering(cls)

        def dataclass(cls: Any = None, /, **kwargs: Any) -> Any:
            def wrap(c: Any) -> Any:
                program_class("dataclasses.dataclass", c)
                out = dataclasses.dataclass(c, **kwargs)
                if issubclass(type(out), type):
                    own.add_class(out)  # slots=True makes a new class from the program's
                return out

            return wrap if cls is None else wrap(cls)

        def attrgetter(attr: Any, *attrs: Any) -> Any:
            names = (attr, *attrs)
            if any(type(n) is not str for n in names):
                raise TypeError("attribute name must be a string")

            def resolve(obj: Any, dotted: str) -> Any:
                for part in dotted.split("."):
                    obj = guard.getattr_(obj, part)
                return obj

            if not attrs:
                return lambda obj: resolve(obj, attr)
            return lambda obj: tuple(resolve(obj, n) for n in names)

        def methodcaller(name: Any, /, *args: Any, **kwargs: Any) -> Any:
            if type(name) is not str:
                raise TypeError("method name must be a string")
            return lambda obj: guard.getattr_(obj, name)(*args, **kwargs)

        def safe_typing(value: Any) -> Any:
            if type(value) in (tuple, list):
                return type(value)(safe_typing(v) for v in value)
            return guard._safe_value(value)

        def get_origin(tp: Any) -> Any:
            return safe_typing(typing.get_origin(tp))

        def get_args(tp: Any) -> Any:
            return safe_typing(typing.get_args(tp))

        table = {}
        for original, standin in ((functools.wraps, wraps), (functools.update_wrapper, update_wrapper),
                                  (functools.lru_cache, lru_cache), (functools.cache, cache),
                                  (functools.total_ordering, total_ordering),
                                  (dataclasses.dataclass, dataclass),
                                  (typing.get_origin, get_origin), (typing.get_args, get_args),
                                  (operator.attrgetter, attrgetter), (operator.methodcaller, methodcaller)):
            standin.__name__ = standin.__qualname__ = original.__name__
            standin.__doc__ = original.__doc__
            table[id(original)] = (original, standin)
        return table

    def _safe_format(self, name: str, bound: str | None) -> Any:
        """``str.format``/``format_map`` (bound to ``bound``, or unbound): format strings with
        attribute fields are formatted by :class:`GuardedFormatter` (every ``.attr`` through the
        attribute guard); the rest by ``str.format`` itself."""
        guard = self

        def run(s: Any, args: tuple, kwargs: Any, as_map: bool) -> str:
            if issubclass(type(s), str):
                plain = str.__str__(s)  # a subclass cannot change what is parsed
                if access.has_attribute_field(plain):
                    return access.GuardedFormatter(guard.getattr_).vformat(plain, args, kwargs)
            return str.format_map(s, kwargs) if as_map else str.format(s, *args, **kwargs)

        if name == "format":
            def safe_format(*args: Any, **kwargs: Any) -> str:
                if bound is None:
                    if not args:
                        raise TypeError("descriptor 'format' of 'str' object needs an argument")
                    s, args = args[0], args[1:]
                else:
                    s = bound
                return run(s, args, kwargs, False)

            return safe_format

        def safe_format_map(*args: Any) -> str:
            if bound is None:
                if not args:
                    raise TypeError("descriptor 'format_map' of 'str' object needs an argument")
                s, args = args[0], args[1:]
            else:
                s = bound
            if len(args) != 1:
                return str.format_map(s, *args)  # the TypeError str.format_map raises
            return run(s, (), args[0], True)

        return safe_format_map

    def import_(self, name: Any, globals: Any = None, locals: Any = None, fromlist: Any = (),
                level: int = 0) -> Any:
        if type(name) is not str or level != 0:
            raise self.violation("relative imports are not allowed")
        if name not in ALLOWED_MODULES:
            raise self.violation(f"import of module {name!r} is not allowed "
                                 f"(allowed: {', '.join(sorted(ALLOWED_MODULES))})")
        module = __import__(name, None, None, fromlist or (), 0)
        if not fromlist:
            return module
        # ``from m import a, b``: hand the import machinery a namespace holding only the checked
        # (and, like ``m.a``, possibly substituted) values, so IMPORT_FROM cannot bypass the guard
        target = sys.modules.get(name, module)
        picked: dict[str, Any] = {}
        for attr in fromlist:
            if attr == "*":
                raise self.violation("star imports are not allowed")
            self._check_attr(target, attr)
            if hasattr(target, attr):
                picked[attr] = self._check_value(target, attr, getattr(target, attr))
            else:  # a submodule imported by the fromlist
                sub = f"{name}.{attr}"
                if sub not in ALLOWED_MODULES:
                    raise self.violation(f"import of module {sub!r} is not allowed")
                picked[attr] = __import__(sub, None, None, ("_",), 0)
        return types.SimpleNamespace(**picked)

    def _blocked(self, name: str) -> Any:
        guard = self

        def blocked(*args: Any, **kwargs: Any) -> Any:
            raise guard.violation(f"{name}() is not allowed under the restricted policy")

        blocked.__name__ = name
        return blocked

    def inplacevar(self, op: str, x: Any, y: Any) -> Any:
        fn = _INPLACE.get(op)
        if fn is None:
            raise self.violation(f"unsupported in-place operator {op!r}")
        return fn(x, y)

    def globals(self) -> dict[str, Any]:
        """The module namespace entries the restricted code needs (guards and builtins)."""
        safe = {k: v for k, v in vars(builtins).items() if k not in BLOCKED_BUILTINS and not k.startswith("_")}
        for blocked in ("open", "exec", "eval", "compile", "globals", "locals", "vars", "input", "breakpoint",
                        "help", "exit", "quit"):
            safe[blocked] = self._blocked(blocked)
        safe.update({
            "getattr": self.getattr_,
            "hasattr": self.hasattr_,
            "setattr": self.setattr_,
            "delattr": self.delattr_,
            "type": self.safe_type,
            "__import__": self.import_,
            "__build_class__": self.build_class,
            "__name__": "__main__",
        })
        return {
            "__builtins__": safe,
            "__metaclass__": type,
            "__name__": "__main__",
            "_getattr_": self.getattr_,
            "_getitem_": operator.getitem,
            "_getiter_": iter,
            "_write_": lambda ob: ob,
            "_write_attr_": self.write_attr,
            "_match_class_": self.match_class,
            "_match_ns_": types.SimpleNamespace,
            "_inplacevar_": self.inplacevar,
            "_apply_": lambda f, *a, **kw: f(*a, **kw),
            "_print_": lambda _getattr_=None: _PrintTarget(self),
            "_unpack_sequence_": guarded_unpack_sequence,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        }


def hidden_name(name: str) -> bool:
    """Names RestrictedPython/execgym introduce into frames (hidden from traces)."""
    return name == "_print" or name.startswith(("_tmp", "_eg"))


RestrictedPolicy.hidden_name = staticmethod(hidden_name)  # type: ignore[attr-defined]
