"""Escapes of the restricted policy found in a hostile-code review (issue 10, item 2).

Data, loaded with ``runpy.run_path``: ``ESCAPES`` maps a name to ``(source, call)``; every entry
must end ``policy_violation``. The payloads are harmless (they read a pid or a module list) because
the test runs them in a plain subprocess, and on the old policy many of them really ran.
``CONTAINED`` maps a name to ``(source, call, leak)``: programs the policy may let run (they use
a public API as documented), whose result must not contain ``leak``.
"""

ESCAPES: dict[str, tuple[str, str]] = {}
CONTAINED: dict[str, tuple[str, str, str]] = {}

_FR = "import typing\nimport functools\nfr = typing.get_args(typing.List['x'])[0]\n"
_PAYLOAD = "\"__import__('os').getpid()\""

# --- ForwardRef evaluation reached through wrappers, subclasses and super() -------------------
ESCAPES["lru_cache_class_evaluate_plain"] = (
    _FR
    + f"""
def f():
    cls = type(fr)
    w = functools.lru_cache(cls)
    return w._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["cache_class_evaluate"] = (
    _FR
    + f"""
def f():
    cls = type(fr)
    w = functools.cache(cls)
    return w._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["lru_cache_maxsize_class_evaluate"] = (
    _FR
    + f"""
def f():
    cls = type(fr)
    w = functools.lru_cache(maxsize=4)(cls)
    return w._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["wraps_class_evaluate"] = (
    _FR
    + f"""
def f():
    cls = type(fr)
    w = functools.wraps(cls)(lambda: 0)
    return w._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["update_wrapper_onto_program_object"] = (
    _FR
    + f"""
class Box:
    pass

def f():
    cls = type(fr)
    b = functools.update_wrapper(Box(), cls)
    return b._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["update_wrapper_onto_program_function"] = (
    _FR
    + f"""
def g():
    return 0

def f():
    cls = type(fr)
    functools.update_wrapper(g, cls)
    return g._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["partial_func_private"] = (
    _FR
    + f"""
def f():
    p = functools.partial(type(fr))
    cls = p.func
    return cls._evaluate(cls({_PAYLOAD}), {{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["subclass_root_super_evaluate"] = (
    _FR
    + f"""
class F(type(fr), _root=True):
    pass

def f():
    obj = F({_PAYLOAD})
    return super(F, obj)._evaluate({{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["subclass_root_direct_evaluate"] = (
    _FR
    + f"""
class F(type(fr), _root=True):
    pass

def f():
    return F({_PAYLOAD})._evaluate({{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["subclass_zero_arg_super_evaluate"] = (
    _FR
    + f"""
class F(type(fr), _root=True):
    def run(self):
        return super()._evaluate({{}}, {{}}, frozenset())

def f():
    return F({_PAYLOAD}).run()
""",
    "f()",
)
ESCAPES["getattr_super_private"] = (
    _FR
    + f"""
class F(type(fr), _root=True):
    pass

def f():
    obj = F({_PAYLOAD})
    ev = getattr(super(F, obj), '_evaluate')
    return ev({{}}, {{}}, frozenset())
""",
    "f()",
)
ESCAPES["hasattr_library_private"] = (
    _FR
    + """
def f():
    return hasattr(fr, '_evaluate')
""",
    "f()",
)
ESCAPES["three_arg_type_class_with_forwardref_base"] = (
    _FR
    + f"""
def f():
    T = type(int)
    F = T('F', (type(fr),), {{}}, _root=True)
    return F({_PAYLOAD})._evaluate({{}}, {{}}, frozenset())
""",
    "f()",
)

# --- super() proxies skip the str.format guard and reach library private methods -------------
ESCAPES["super_str_format_globals"] = (
    """
class S(str):
    pass

def f():
    s = S('{0.__globals__}')
    return super(S, s).format(f)
""",
    "f()",
)
ESCAPES["super_str_format_map"] = (
    """
class S(str):
    pass

def f():
    s = S('{x.__globals__}')
    return super(S, s).format_map({'x': f})
""",
    "f()",
)
ESCAPES["super_str_format_in_method"] = (
    """
class S(str):
    def leak(self, obj):
        return super().format(obj)

def f():
    return S('{0.__globals__}').leak(f)
""",
    "f()",
)
ESCAPES["super_randbelow"] = (
    """
import random

class Rn(random.Random):
    pass

def f():
    return super(Rn, Rn(1))._randbelow(10)
""",
    "f()",
)
ESCAPES["super_type_private"] = (
    """
import random

class Rn(random.Random):
    pass

def f():
    return super(Rn, Rn)._randbelow
""",
    "f()",
)

# --- the real `type` ---------------------------------------------------------------------
ESCAPES["type_of_int_three_args"] = (
    """
def f():
    T = type(int)
    return T('X', (), {'__module__': 'typing'}).__name__
""",
    "f()",
)
ESCAPES["type_of_type_three_args"] = (
    """
def f():
    T = type(type(1))
    return T('X', (), {}).__name__
""",
    "f()",
)
ESCAPES["metaclass_through_alias"] = (
    """
M = type(int)

class Meta(M):
    def __call__(cls, *args):
        return 'made by a metaclass'

def f():
    X = Meta('X', (), {})
    return X()
""",
    "f()",
)
ESCAPES["metaclass_through_kwargs"] = (
    """
M = type(int)

class Meta(M):
    pass

def f():
    kw = {'metaclass': Meta}
    class A(**kw):
        pass
    return 1
""",
    "f()",
)
ESCAPES["type_call_dunder"] = (
    """
def f():
    T = type(int)
    return T.__call__(T, 'X', (), {}).__name__
""",
    "f()",
)
ESCAPES["type_new_dunder"] = (
    """
def f():
    T = type(int)
    return T.__new__(T, 'X', (), {}).__name__
""",
    "f()",
)
ESCAPES["typing_get_origin_type"] = (
    """
import typing

def f():
    T = typing.get_origin(typing.Type[int])
    return T('X', (), {}).__name__
""",
    "f()",
)
ESCAPES["typing_get_args_type"] = (
    """
import typing

def f():
    T = typing.get_args(typing.List[type(int)])[0]
    return T('X', (), {}).__name__
""",
    "f()",
)
ESCAPES["typing_abcmeta_three_args"] = (
    """
import typing

def f():
    return typing.ABCMeta('X', (), {}).__name__
""",
    "f()",
)
ESCAPES["enum_metaclass_attr"] = (
    """
import enum

def f():
    return enum.EnumType.__name__
""",
    "f()",
)
ESCAPES["type_of_enum_class"] = (
    """
import enum

class Color(enum.Enum):
    RED = 1

def f():
    M = type(Color)
    return M.__name__
""",
    "f()",
)

# --- wrappers and decorators that copy or write attributes --------------------------------
ESCAPES["wraps_module_private"] = (
    """
import functools
import random

def f():
    return functools.wraps(random)(lambda: 0)._inst
""",
    "f()",
)
ESCAPES["singledispatch_register_string_annotation"] = (
    """
import functools

def f():
    g = functools.singledispatch(lambda x: 0)
    return g
""",
    "f()",
)
ESCAPES["dataclass_on_library_class"] = (
    """
import dataclasses
import random

def f():
    dataclasses.dataclass(random.Random)
    return 1
""",
    "f()",
)
ESCAPES["total_ordering_on_library_class"] = (
    """
import functools
import fractions

def f():
    functools.total_ordering(fractions.Fraction)
    return 1
""",
    "f()",
)
ESCAPES["module_attribute_write"] = (
    """
import functools

def f():
    functools.update_wrapper = lambda *a, **k: 0
    return 1
""",
    "f()",
)
ESCAPES["module_attribute_setattr"] = (
    """
import random

def f():
    setattr(random, 'choice', len)
    return 1
""",
    "f()",
)
ESCAPES["library_class_attribute_write"] = (
    """
import random

def f():
    random.Random.seed = lambda self, a=None, version=2: None
    return 1
""",
    "f()",
)
ESCAPES["library_class_attribute_delete"] = (
    """
import fractions

def f():
    del fractions.Fraction.limit_denominator
    return 1
""",
    "f()",
)
ESCAPES["library_instance_private_write"] = (
    """
import random

def f():
    r = random.Random(1)
    r._randbelow = lambda n: 0
    return r.randrange(10)
""",
    "f()",
)

# --- the typing module's evaluation paths -----------------------------------------------------
ESCAPES["typing_get_type_hints"] = (
    """
import typing

def h(x: "__import__('os').getpid()"):
    return x

def f():
    return typing.get_type_hints(h)
""",
    "f()",
)
ESCAPES["typing_eval_type_private"] = (
    """
import typing

def f():
    return typing._eval_type(typing.List['int'], {}, {})
""",
    "f()",
)
ESCAPES["typing_forwardref_public_name"] = (
    """
import typing

def f():
    return typing.ForwardRef("__import__('os')")
""",
    "f()",
)
ESCAPES["forwardref_evaluate_from_get_args"] = (
    """
import typing

def f():
    ref = typing.get_args(typing.List["__import__('os').getpid()"])[0]
    return ref._evaluate({}, {}, frozenset())
""",
    "f()",
)

# --- computed attribute access: format, format_map, operator, reduce, map ---------------------
ESCAPES["format_private_module_attr"] = (
    """
import random

def f():
    return '{0._os.sep}'.format(random)
""",
    "f()",
)
ESCAPES["format_map_private_attr"] = (
    """
import random

def f():
    return '{r._inst}'.format_map({'r': random})
""",
    "f()",
)
ESCAPES["format_library_private_method"] = (
    """
import random

def f():
    return '{0._randbelow}'.format(random.Random(1))
""",
    "f()",
)
ESCAPES["str_format_descriptor_private"] = (
    """
import random

def f():
    return str.format('{0._os}', random)
""",
    "f()",
)
ESCAPES["operator_attrgetter_globals"] = (
    """
import operator

def f():
    return operator.attrgetter('__globals__')(f)
""",
    "f()",
)
ESCAPES["reduce_getattr_private"] = (
    """
import functools
import random

def f():
    return functools.reduce(getattr, ['_os', 'getpid'], random)()
""",
    "f()",
)
ESCAPES["map_getattr_private"] = (
    """
import random

def f():
    return list(map(getattr, [random.Random(1)], ['_randbelow']))[0](10)
""",
    "f()",
)
ESCAPES["string_formatter"] = (
    """
import string

def f():
    return string.Formatter().format('{0.__globals__}', f)
""",
    "f()",
)
ESCAPES["vars_library_class"] = (
    """
import random

def f():
    return vars(random.Random)
""",
    "f()",
)
ESCAPES["dir_then_getattr_loop"] = (
    """
import random

def f():
    g = getattr
    out = []
    for name in dir(random):
        if name == '_os':
            out.append(g(random, name))
    return out
""",
    "f()",
)
ESCAPES["module_non_public_attr"] = (
    """
import copy

def f():
    return copy.dispatch_table
""",
    "f()",
)

CONTAINED["string_template_names_only"] = (
    """
import string

class A:
    secret = 'LEAKED'

def f():
    return string.Template('$a.secret ${a}').substitute(a='x')
""",
    "f()",
    "LEAKED",
)

# --- str subclasses as format strings (the old check only parsed exact str) ------------------
ESCAPES["str_subclass_format_string"] = (
    """
class S(str):
    pass

def f():
    return S('{0.__globals__}').format(f)
""",
    "f()",
)
ESCAPES["str_subclass_format_descriptor"] = (
    """
class S(str):
    pass

def f():
    return str.format(S('{0.__globals__}'), f)
""",
    "f()",
)
ESCAPES["attrgetter_private_dotted"] = (
    """
import operator
import random

def f():
    return operator.attrgetter('_os.getpid')(random)()
""",
    "f()",
)
ESCAPES["methodcaller_private"] = (
    """
import operator
import random

def f():
    return operator.methodcaller('_randbelow', 10)(random.Random(1))
""",
    "f()",
)
ESCAPES["type_generic_alias_call"] = (
    """
def f():
    return type(int)[int]('X', (), {}).__name__
""",
    "f()",
)
ESCAPES["type_generic_alias_builtin_name"] = (
    """
def f():
    return type[int]('X', (), {}).__name__
""",
    "f()",
)

# --- match statements: class patterns and value patterns read attributes in C ----------------
ESCAPES["match_class_keyword_private"] = (
    """
import random

def f():
    match random:
        case object(_os=o):
            return o.getpid()
""",
    "f()",
)
ESCAPES["match_class_keyword_non_api_module"] = (
    """
import dataclasses

def f():
    match dataclasses:
        case object(sys=s):
            return sorted(s.modules)[:3]
""",
    "f()",
)
ESCAPES["match_class_nested_keyword"] = (
    """
import random

def f():
    match [random]:
        case [object(_os=o)]:
            return o.getpid()
""",
    "f()",
)
ESCAPES["match_value_pattern_private"] = (
    """
import random

class Spy:
    seen = []
    def __eq__(self, other):
        Spy.seen.append(other)
        return True

def f():
    match Spy():
        case random._os:
            return Spy.seen[0].getpid()
""",
    "f()",
)
ESCAPES["match_positional_via_abc_register"] = (
    """
import collections.abc
import dataclasses

@dataclasses.dataclass
class D(collections.abc.Hashable):
    sys: int
    def __hash__(self):
        return 0

def f():
    D.register(type(dataclasses))
    match dataclasses:
        case D(s):
            return sorted(s.modules)[:3]
""",
    "f()",
)
