"""The operation catalog matches the reference's 186 entries and every operation is usable."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from execgym.seeding import rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG, RECEIVER_INPUT_KINDS, REFERENCE_ENTRIES, receiver_ok
from execgym.synth.slots import NoValue, fresh
from execgym.synth.values import draw_of_kind, kind_of, literal

# ExecVerify data/methods/*.txt, stripped (the builtins are their own types)
REFERENCE = {
    "str": "+ ,in,not in,==,str.format,format(),>=,[index],[:],[index1:index2],[index:],[:index2],>,<=,<,len(),*,"
           "!=,capitalize,casefold,center,count,encode,endswith,expandtabs,find,format,format_map,index,isalnum,"
           "isalpha,isascii,isdecimal,isdigit,isidentifier,islower,isnumeric,isprintable,isspace,istitle,isupper,"
           "join,ljust,lower,lstrip,maketrans,partition,removeprefix,removesuffix,replace,rfind,rindex,rjust,"
           "rpartition,rsplit,rstrip,split,splitlines,startswith,strip,swapcase,title,translate,upper,zfill",
    "set": "&,in,not in,==,>=,>,&=,|=,-=,^=,<=,len,<,!=,-,^,add,clear,copy,difference,difference_update,discard,"
           "intersection,intersection_update,isdisjoint,issubset,issuperset,pop,remove,symmetric_difference,"
           "symmetric_difference_update,union,update",
    "list": "+,[index],[:],[index1:index2],[index:],[:index2],in,not in,==,>=,>,<=,<,*=,len,*,!=,reversed,append,"
            "clear,copy,count,extend,index,insert,pop,remove,reverse,sort",
    "dict": "in,not in,==,dict[key],len,!=,|,dict[key] = value,clear,copy,fromkeys,get,items,keys,pop,popitem,"
            "setdefault,update,values",
    "tuple": "+,[index],[:],[index1:index2],[index:],[:index2],in,not in,==,>=,>,<=,<,len,*,!=,count,index",
    "float": "+,bool(),math.ceil(),divmod,math.floor(),>=,>,<,<=,-,int(),%,!=,round,as_integer_ratio,conjugate,"
             "is_integer",
}


def test_reference_entries_are_exactly_the_papers_186():
    expected = {(t, name.strip()) for t, names in REFERENCE.items() for name in names.split(",")}
    expected |= {(b, b) for b in ("enumerate", "filter", "range", "reversed", "zip")}
    assert len(REFERENCE_ENTRIES) == 186
    assert set(REFERENCE_ENTRIES) == expected
    counts = Counter(t for t, _ in REFERENCE_ENTRIES)
    assert (counts["str"], counts["set"], counts["list"], counts["dict"], counts["tuple"], counts["float"]) == (
        65, 33, 29, 19, 18, 17)


def test_int_and_bool_operations_go_beyond_the_reference():
    extra = set(ALL_ENTRIES) - set(REFERENCE_ENTRIES)
    assert {t for t, _ in extra} == {"int", "bool"}
    assert len(extra) >= 15


@pytest.mark.parametrize("key", ALL_ENTRIES, ids=["/".join(k) for k in ALL_ENTRIES])
def test_every_operation_applies_to_a_drawn_input(key):
    """Each entry has at least one form that runs on pool inputs with fresh slot values."""
    op = CATALOG[key]
    ok = 0
    for attempt in range(30):
        r = rng("catalog-test", *key, attempt)
        value = draw_of_kind(r.choice(RECEIVER_INPUT_KINDS[op.receiver]), r)
        assert receiver_ok(op, value), (key, value)
        form = r.choice(op.forms)
        try:
            # "boolvar" slots take only variables: any bool stands in for one here
            args = [r.random() < 0.5 if slot == "boolvar" else fresh(slot, r, value) for slot in form.slots]
            form.fn(value, *args)
        except (NoValue, ValueError, KeyError, IndexError, TypeError):
            continue
        ok += 1
    assert ok >= 5, f"{key} rarely applies ({ok}/30)"


def _literal_by_the_definition(value):
    """``literal`` written out in full, one element at a time (the reference for its fast paths)."""
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()" if isinstance(value, set) else "frozenset()"
        try:
            items = sorted(value)
        except TypeError:
            items = sorted(value, key=repr)
        body = "{" + ", ".join(_literal_by_the_definition(v) for v in items) + "}"
        return body if isinstance(value, set) else f"frozenset({body})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal_by_the_definition(v) for v in value) + "]"
    if isinstance(value, tuple):
        if len(value) == 1:
            return "(" + _literal_by_the_definition(value[0]) + ",)"
        return "(" + ", ".join(_literal_by_the_definition(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal_by_the_definition(k)}: {_literal_by_the_definition(v)}"
                               for k, v in value.items()) + "}"
    return repr(value)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def test_literal_fast_paths_write_what_the_definition_writes():
    r = random.Random(5)

    def atom():
        return r.choice([r.randint(-9, 99), r.choice(["a", "b c", "it's", ""]), r.random() < 0.5, None,
                         r.randint(-9, 9) / 4, b"x"])

    def value(depth=0):
        kind = r.randrange(7 if depth < 3 else 1)
        if kind == 0:
            return atom()
        items = [value(depth + 1) if r.random() < 0.3 else atom() for _ in range(r.randrange(5))]
        hashable = [v for v in items if _hashable(v)]
        return [items, tuple(items), set(hashable), frozenset(hashable), dict(zip(hashable, items)),
                items[:1] and (items[0],)][kind - 1] if kind < 7 else atom()

    for _ in range(3000):
        v = value()
        assert literal(v) == _literal_by_the_definition(v), v


def test_literals_do_not_depend_on_the_hash_seed():
    assert literal({"b", "a", "c"}) == "{'a', 'b', 'c'}"
    assert literal(set()) == "set()"
    assert literal((1,)) == "(1,)"
    assert kind_of([1, 2]) == "list_int" and kind_of({"a": 1}) == "dict" and kind_of([True]) == "list_bool"
