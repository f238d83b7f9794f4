"""Who owns an attribute, and the guarded stand-ins the restricted policy hands out.

Used by :mod:`execgym.engine.policy` (see docs/restricted-policy.md). The rules decide by where a
value really comes from, never by names or ``__module__`` strings a program can choose:

* :class:`Ownership` records the code objects the policy compiled and the classes their ``class``
  statements built (through the policy's ``__build_class__``). Only those are the program's.
* :func:`private_denial`: a private (``_x``) attribute is readable or writable only where the
  attribute lookup really ends in something the program owns: a class the program built, or the
  instance dictionary of an instance of such a class (or of a program function). The lookup follows
  Python's order (data descriptors of the type, the instance dictionary, the rest of the type's MRO,
  for ``super()`` proxies the MRO after the proxy's class), through ``type``'s own descriptors.
* :func:`module_attr_denial`: modules expose their public API only (``__all__``, or the public
  names of a C module without one, plus allow-listed submodules).
* :func:`make_safe_type`: the ``type`` builtin of the restricted program, a class that behaves like
  ``type`` for ``type(x)``, ``isinstance``/``issubclass`` and ``repr`` but cannot make classes,
  cannot be subclassed into a metaclass, and never hands out the real ``type`` or a metaclass.
* :class:`GuardedFormatter`: ``str.format``/``format_map`` for format strings with attribute
  fields, resolving every ``.attr`` through the policy's ``getattr`` guard.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # CPython's format-string parser
import string
import types
from collections.abc import Callable
from typing import Any

__all__ = [
    "NAMEDTUPLE_API",
    "GuardedFormatter",
    "Ownership",
    "class_match_args",
    "class_mro",
    "class_name",
    "has_attribute_field",
    "is_dunder",
    "make_safe_type",
    "module_attr_denial",
    "private_denial",
    "private_value_denial",
    "str_format_kind",
    "wrapper_copy_denial",
]

_type_mro = type.__dict__["__mro__"].__get__
_type_dict = type.__dict__["__dict__"].__get__
_type_name = type.__dict__["__name__"].__get__
_type_bases = type.__dict__["__bases__"].__get__
_super_thisclass = super.__dict__["__thisclass__"].__get__
_super_self_class = super.__dict__["__self_class__"].__get__
_func_code = types.FunctionType.__dict__["__code__"].__get__
_func_name = types.FunctionType.__dict__["__name__"].__get__
_method_func = types.MethodType.__dict__["__func__"].__get__
_STR_FORMAT = str.__dict__["format"]
_STR_FORMAT_MAP = str.__dict__["format_map"]

#: namedtuple's documented API: single-underscore names by design, readable on a class namedtuple
#: made (a direct subclass of ``tuple`` that defines the name) and on its instances.
NAMEDTUPLE_API = frozenset({"_make", "_replace", "_asdict", "_fields", "_field_defaults"})

_CALLABLE_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
)


def class_mro(cls: type) -> tuple:
    """``cls.__mro__`` read through ``type``'s own descriptor (no metaclass code runs)."""
    return _type_mro(cls)


def class_name(cls: type) -> str:
    return _type_name(cls)


def class_match_args(cls: type) -> tuple:
    """``cls.__match_args__`` looked up in the MRO's dictionaries (no metaclass code), or ()."""
    for k in _type_mro(cls):
        d = _type_dict(k)
        if "__match_args__" in d:
            value = d["__match_args__"]
            return value if type(value) is tuple and all(type(n) is str for n in value) else ()
    return ()


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


class Ownership:
    """The code objects and classes one restricted program made (identity-keyed)."""

    def __init__(self) -> None:
        self._codes: dict[int, types.CodeType] = {}
        self._classes: dict[int, type] = {}
        self._pure: dict[int, tuple[type, bool]] = {}

    def add_code(self, code: types.CodeType) -> None:
        """Record ``code`` and every code object nested in its constants."""
        stack = [code]
        while stack:
            c = stack.pop()
            self._codes[id(c)] = c
            stack.extend(k for k in c.co_consts if type(k) is types.CodeType)

    def add_class(self, cls: type) -> None:
        self._classes[id(cls)] = cls
        self._pure.clear()

    def is_pure_program_type(self, t: type) -> bool:
        """Every class in ``t``'s MRO but ``object`` is the program's: then any private lookup on an
        instance of ``t`` ends in something the program owns (cached; a class's MRO is fixed, the
        program cannot assign ``__bases__``)."""
        hit = self._pure.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        mro = _type_mro(t)
        pure = all(k is object or self.is_program_class(k) for k in mro) and len(mro) > 1
        self._pure[id(t)] = (t, pure)
        return pure

    def is_program_code(self, code: Any) -> bool:
        return self._codes.get(id(code)) is code

    def is_program_class(self, cls: Any) -> bool:
        return self._classes.get(id(cls)) is cls

    def is_program_function(self, f: Any) -> bool:
        return type(f) is types.FunctionType and self.is_program_code(_func_code(f))

    def owns_instance(self, obj: Any) -> bool:
        """``obj`` is a program function, or an instance of a class derived from a program class."""
        if self.is_program_function(obj):
            return True
        return any(self.is_program_class(k) for k in _type_mro(type(obj)))


def _class_denial(own: Ownership, klass: type, name: str) -> str | None:
    if own.is_program_class(klass):
        return None
    if name in NAMEDTUPLE_API and _type_bases(klass) == (tuple,):
        return None
    return f'attribute "{name}" is private to {_type_name(klass)} (library code)'


def _is_data_descriptor(v: Any) -> bool:
    t = type(v)
    return any("__set__" in _type_dict(k) or "__delete__" in _type_dict(k) for k in _type_mro(t))


def _instance_dict(obj: Any, mro: tuple) -> dict | None | bool:
    """The instance dictionary (``False`` when there is none, ``None`` when it cannot be trusted)."""
    for k in mro:
        d = _type_dict(k)
        if "__dict__" in d:
            desc = d["__dict__"]
            if type(desc) is not types.GetSetDescriptorType:
                return None
            try:
                value = desc.__get__(obj)
            except Exception:  # noqa: BLE001 - no usable instance dict
                return None
            return value if type(value) is dict else None
    return False


def private_denial(own: Ownership, obj: Any, name: str) -> str | None:
    """Why the program may not touch the private attribute ``name`` of ``obj``, or None."""
    t = type(obj)
    if t is super:
        start, self_class = _super_thisclass(obj), _super_self_class(obj)
        if self_class is None:
            return "private attributes of an unbound super() proxy are not allowed"
        mro = _type_mro(self_class)
        after = False
        for k in mro:
            if after and name in _type_dict(k):
                return _class_denial(own, k, name)
            after = after or k is start
        return None  # super() raises AttributeError itself
    if issubclass(t, type):
        for k in _type_mro(obj):
            if name in _type_dict(k):
                return _class_denial(own, k, name)
        for k in _type_mro(t):
            if name in _type_dict(k):
                return _class_denial(own, k, name)
        if own.is_program_class(obj):
            return None
        return f'attribute "{name}" of library class {_type_name(obj)} is not allowed (private)'
    mro = _type_mro(t)
    found = None
    for k in mro:
        d = _type_dict(k)
        if name in d:
            found = (k, d[name])
            break
    if found is not None and _is_data_descriptor(found[1]):
        return _class_denial(own, found[0], name)
    inst = _instance_dict(obj, mro)
    if inst is None:
        return f'attribute "{name}": the object has an unusual __dict__ (private access refused)'
    if inst is not False and name in inst:
        if own.owns_instance(obj):
            return None
        return f'attribute "{name}" of a {_type_name(t)} object is private to library code'
    if found is not None:
        return _class_denial(own, found[0], name)
    if own.owns_instance(obj):
        return None
    return f'attribute "{name}" of a {_type_name(t)} object is private to library code'


def private_value_denial(own: Ownership, name: str, value: Any) -> str | None:
    """Defence in depth for values read under a private name: never a library's private callable."""
    if name in NAMEDTUPLE_API:
        return None
    f = _method_func(value) if type(value) is types.MethodType else value
    if type(f) is types.FunctionType:
        if own.is_program_function(f):
            return None
        fname = _func_name(f)
    elif type(f) in _CALLABLE_TYPES:
        fname = f.__name__
    else:
        return None
    if type(fname) is str and fname.startswith("_") and not is_dunder(fname):
        return f'attribute "{name}" is a private function of library code'
    return None


_MODULE_API: dict[str, frozenset[str]] = {}


def module_attr_denial(module: types.ModuleType, name: str, allowed_modules: frozenset[str]) -> str | None:
    """Why ``module.name`` is not part of the module's public API, or None."""
    mod = module.__name__
    if name.startswith("_"):
        return f'attribute "{name}" of module {mod} is not allowed (private)'
    namespace = module.__dict__
    if name not in namespace:
        return None  # AttributeError follows (no allowed module has a module __getattr__)
    api = _MODULE_API.get(mod)
    if api is None:
        names = namespace.get("__all__")
        if type(names) in (list, tuple) and all(type(n) is str for n in names):
            api = frozenset(n for n in names if not n.startswith("_"))
        else:
            api = frozenset(n for n in namespace if type(n) is str and not n.startswith("_"))
        _MODULE_API[mod] = api
    if name in api or f"{mod}.{name}" in allowed_modules:
        return None
    return f"{mod}.{name} is not allowed (not in the public API of {mod})"


def str_format_kind(value: Any) -> tuple[str, Any] | None:
    """``("format"|"format_map", bound str or None)`` when ``value`` is ``str.format``/``format_map``
    (the descriptor, or bound to any ``str`` instance, including through a ``super()`` proxy)."""
    if value is _STR_FORMAT:
        return ("format", None)
    if value is _STR_FORMAT_MAP:
        return ("format_map", None)
    if type(value) is types.BuiltinMethodType:
        bound = value.__self__
        if issubclass(type(bound), str):
            if value == _STR_FORMAT.__get__(bound):
                return ("format", bound)
            if value == _STR_FORMAT_MAP.__get__(bound):
                return ("format_map", bound)
    return None


def has_attribute_field(fmt: str, depth: int = 0) -> bool:
    """Whether a format string (or a nested spec) has a field with an ``.attr`` part."""
    if depth > 2:
        return False
    try:
        parsed = list(_string.formatter_parser(fmt))
    except ValueError:
        return False  # str.format raises the same error itself
    for _literal, field, spec, _conv in parsed:
        if field is not None:
            try:
                _first, rest = _string.formatter_field_name_split(field)
                if any(is_attr for is_attr, _key in rest):
                    return True
            except ValueError:
                return False
        if spec and has_attribute_field(spec, depth + 1):
            return True
    return False


class GuardedFormatter(string.Formatter):
    """``str.format`` semantics with every attribute part of a field read through ``getattr_``."""

    def __init__(self, getattr_: Callable[[Any, str], Any]) -> None:
        self._getattr = getattr_

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if type(key) is int and not 0 <= key < len(args):  # str.format's own message
            raise IndexError(f"Replacement index {key} out of range for positional args tuple")
        return super().get_value(key, args, kwargs)

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            obj = self._getattr(obj, key) if is_attr else obj[key]
        return obj, first


def wrapper_copy_denial(own: Ownership, wrapped: Any) -> str | None:
    """Why copying ``wrapped``'s attributes onto a wrapper (``functools.update_wrapper``, ``wraps``,
    ``lru_cache``) would launder private attributes, or None."""
    if type(wrapped) is types.ModuleType:
        return "wrapping a module is not allowed"
    if own.is_program_class(wrapped) or own.owns_instance(wrapped):
        return None
    try:
        names = list(getattr(wrapped, "__dict__", {}))  # what update_wrapper copies (library code)
    except Exception:  # noqa: BLE001 - update_wrapper would fail too
        return None
    for n in names:
        if type(n) is not str or (n.startswith("_") and not is_dunder(n)):
            return (
                f"wrapping {_type_name(type(wrapped))} objects of library code is not allowed "
                "(it would copy private attributes)"
            )
    return None


_METACLASSES: list[frozenset] = []


def library_metaclasses(allowed_modules: frozenset[str]) -> frozenset:
    """``type`` and the metaclasses defined in the allowed modules (and ``abc``), the only ones a
    program's base classes may carry (``Enum``, ``ABC``s, ``NamedTuple``, ``Protocol``, ...)."""
    if not _METACLASSES:
        import importlib

        found: set = {type}
        for name in sorted(allowed_modules | {"abc"}):
            for v in vars(importlib.import_module(name)).values():
                if issubclass(type(v), type) and issubclass(v, type):
                    found.add(v)
        _METACLASSES.append(frozenset(found))
    return _METACLASSES[0]


def make_safe_type(deny: Callable[[str], BaseException]) -> type:
    """The restricted ``type`` builtin; ``deny(message)`` makes the violation to raise."""

    class _TypeMeta(type):
        def __instancecheck__(cls, obj: Any) -> bool:
            return isinstance(obj, type)

        def __subclasscheck__(cls, sub: Any) -> bool:
            return sub is cls or issubclass(sub, type)

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            if len(args) != 1 or kwargs:
                raise deny("type() takes one argument under the restricted policy (no class creation)")
            return type_of(args[0])

    _TypeMeta.__name__ = _TypeMeta.__qualname__ = "type"
    _TypeMeta.__module__ = "builtins"

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        raise deny("type.__new__() is not allowed under the restricted policy (no class creation)")

    def __class_getitem__(cls: Any, params: Any) -> Any:
        return types.GenericAlias(cls, params)  # type[int]: its origin is the stand-in, not type

    safe = _TypeMeta(
        "type",
        (),
        {
            "__module__": "builtins",
            "__qualname__": "type",
            "__slots__": (),
            "__doc__": type.__doc__,
            "__new__": __new__,
            "__class_getitem__": classmethod(__class_getitem__),
        },
    )

    def type_of(obj: Any) -> Any:
        t = type(obj)
        if t is type or t is _TypeMeta:
            return safe
        if issubclass(t, type):
            raise deny(
                f"type() of a class whose metaclass is {_type_name(t)} is not allowed "
                "(metaclasses are not reachable)"
            )
        return t

    return safe
