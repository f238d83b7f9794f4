"""Value codec: round trips, caps, hostile objects (in a subprocess) and malformed frames."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from execgym.engine.codec import Caps, Opaque, decode, encode, is_literal
from execgym.engine.results import Outcome, RunResult, result_from_frame

REPO = Path(__file__).resolve().parent.parent.parent


def roundtrip(v, caps=None):
    caps = caps or Caps()
    return decode(json.loads(json.dumps(encode(v, caps))))


def same(a, b) -> bool:
    """Structural equality that also distinguishes types, nan and -0.0."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a) is complex:
        return same(a.real, b.real) and same(a.imag, b.imag)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    return a == b


@pytest.mark.parametrize("value", [
    None, True, False, 0, -1, 2 ** 63, -(2 ** 63), 10 ** 5000, -(10 ** 4301), 1.5, -0.0, math.inf, -math.inf,
    1e308, 5e-324, 1 + 2j, complex(math.nan, -0.0), "", "héllo", "\ud800x", b"", b"\x00\xff", [], (), {},
    set(), frozenset(), [1, (2, [3, {4: {5}}])], {(1, 2): frozenset({"a"}), "k": [None, b"z"]},
    {0.5: 1, -0.0: 2, "1": True},
], ids=lambda v: type(v).__name__)
def test_round_trip_exact(value):
    assert same(roundtrip(value), value)
    assert is_literal(roundtrip(value))


def test_nan_round_trips_as_nan():
    assert math.isnan(roundtrip(math.nan))


def test_bool_int_float_stay_distinct():
    out = roundtrip([1, True, 1.0])
    assert [type(x) for x in out] == [int, bool, float]


def test_shared_references_and_cycles():
    shared = [1, 2]
    out = roundtrip([shared, shared])
    assert out == [[1, 2], [1, 2]] and out[0] is out[1]
    cyc = [1]
    cyc.append(cyc)
    d = roundtrip(cyc)  # cycles decode to a marker: decoded values stay finite (== and repr work)
    assert d[0] == 1 and isinstance(d[1], Opaque) and "cyclic" in d[1].reason and not is_literal(d)
    assert d == roundtrip(cyc)
    c2 = {"self": None}
    c2["self"] = c2
    d2 = roundtrip(c2)
    assert isinstance(d2["self"], Opaque) and d2["self"].type_name == "dict"
    t = ([],)
    t[0].append(t)
    assert isinstance(roundtrip(t)[0][0], Opaque)
    hand_made: list = []
    hand_made.append(hand_made)
    assert not is_literal(hand_made)


def test_deepcopy_bomb_stays_linear():
    a: list = []
    for _ in range(200):
        a = [a, a]
    t0 = time.perf_counter()
    enc = encode(a, Caps(max_depth=1000))
    text = json.dumps(enc)
    dec = decode(json.loads(text))
    assert time.perf_counter() - t0 < 2.0
    assert len(text) < 20_000
    assert not is_literal(dec)  # its expansion is far past the node cap


def test_caps_make_values_opaque():
    assert isinstance(roundtrip("x" * 50, Caps(max_str=10)), Opaque)
    assert isinstance(roundtrip(list(range(20)), Caps(max_items=10)), Opaque)
    deep: list = []
    for _ in range(50):
        deep = [deep]
    out = roundtrip(deep, Caps(max_depth=5))
    assert not is_literal(out)
    assert isinstance(roundtrip([[1] * 10 for _ in range(10)], Caps(max_nodes=50)), Opaque)
    assert not isinstance(roundtrip([[1] * 10] * 10, Caps(max_nodes=50)), Opaque)  # shared: 21 nodes
    assert isinstance(roundtrip(1 << 100_000, Caps(max_int_bits=1000)), Opaque)
    assert isinstance(roundtrip(["y" * 100] * 100, Caps(max_chars=1000)), Opaque)


def test_subclasses_and_other_objects_are_opaque_with_type_name():
    class MyList(list):
        pass

    class MyInt(int):
        pass

    for v, name in [(MyList([1]), "MyList"), (MyInt(3), "MyInt"), (object(), "object"), (range(3), "range"),
                    (bytearray(b"x"), "bytearray"), (len, "builtin_function_or_method")]:
        out = roundtrip(v)
        assert isinstance(out, Opaque) and out.type_name.endswith(name), (v, out)
    assert roundtrip([MyInt(1), 2])[1] == 2


def test_opaque_equality_contract():
    a, b = Opaque("P", "not a literal type"), Opaque("P", "not a literal type")
    assert a == b and a != Opaque("Q", "not a literal type")
    for real in (None, 0, "P", [], {}):
        assert a != real and real != a
    assert same(roundtrip(a), a)  # re-encoding a decoded value keeps the marker


HOSTILE = r'''
import json, sys, time, types
pkg = types.ModuleType("execgym"); pkg.__path__ = [sys.argv[1] + "/execgym"]; sys.modules["execgym"] = pkg
from execgym.engine.codec import encode
calls = []
class Evil:
    def __repr__(self): calls.append("repr"); time.sleep(5); return "x"
    def __eq__(self, o): calls.append("eq"); return True
    def __hash__(self): calls.append("hash"); return 1
    def __len__(self): calls.append("len"); return 10 ** 9
    def __iter__(self): calls.append("iter"); return iter(range(10 ** 9))
    def __getattribute__(self, n): calls.append("getattr:" + n); return object.__getattribute__(self, n)
class EvilList(list):
    def __iter__(self): calls.append("list-iter"); return iter([])
    def __len__(self): calls.append("list-len"); return 0
class EvilDict(dict):
    def items(self): calls.append("dict-items"); return []
class EvilKey(str):
    def __hash__(self): calls.append("key-hash"); return 0
    def __eq__(self, o): calls.append("key-eq"); return True
class Meta(type):
    @property
    def __name__(cls): calls.append("meta-name"); return "spoof"
    def __getattribute__(cls, n): calls.append("meta-getattr:" + n); return type.__getattribute__(cls, n)
class Spoof(metaclass=Meta):
    pass
e = Evil()
values = [e, [e, {1: e}], EvilList([1, 2]), EvilDict(a=1), {EvilKey("k"): 1}, {"k": EvilKey("v")}, Spoof(), {e}]
calls.clear()  # building the values above hashed the keys
enc = encode(values)
json.dumps(enc)
print(json.dumps({"calls": calls, "enc": enc}))
'''


def test_encoder_never_calls_program_code():
    proc = subprocess.run(check=False, args=[sys.executable, "-c", HOSTILE, str(REPO)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["calls"] == []
    dec = decode(out["enc"])
    assert all(not is_literal(v) for v in dec[:4])
    assert isinstance(dec[6], Opaque) and dec[6].type_name == "Spoof"


@pytest.mark.parametrize("bad", [
    [1, 2], {"$list": 5}, {"$dict": [[1]]}, {"$dict": [[[], 1]]}, {"$dict": [[{"$list": []}, 1]]},
    {"$set": [{"$list": []}]}, {"$ref": 99}, {"$ref": -1}, {"$int": "zz"}, {"$int": 5}, {"$float": "x"},
    {"$complex": [1]}, {"$bytes": "!!"}, {"$str": "zz"}, {"$unknown": 1}, {}, {"$list": [], "x": 1},
    {"$opaque": 5, "reason": []}, {"$tuple": [{"$ref": 0}]}, "plain", 1.5, None,
])
def test_decode_never_raises_on_malformed_data(bad):
    out = decode(bad)
    assert out is None or isinstance(out, (Opaque, str, float, int, list, tuple, dict, set, frozenset))


def test_decode_deep_nesting_and_hash_flood():
    deep = 1
    for _ in range(2000):
        deep = {"$list": [deep]}
    assert not is_literal(decode(deep))
    flood = {"$set": [k * (2 ** 61 - 1) for k in range(1, 2000)]}  # all hash to 0
    t0 = time.perf_counter()
    out = decode(flood)
    assert time.perf_counter() - t0 < 1.0
    assert isinstance(out, Opaque)


def test_result_from_malformed_frames_is_sandbox_error():
    for frame in [None, [], {"outcome": "bogus"}, {"outcome": "ok", "trace": {"steps": [["x"]]}},
                  {"outcome": "ok", "trace": {"functions": ["f"], "steps": [[1, 5, 1, 1, 1, 0]]}}]:
        r = result_from_frame("trace", frame)
        assert r.outcome == Outcome.SANDBOX_ERROR, frame
    r = result_from_frame("run", {"outcome": "ok", "return": {"$list": [1]}}, stdout="hi", stdout_truncated=True)
    assert r.outcome == Outcome.OUTPUT_LIMIT and r.return_value is None
    ok = result_from_frame("run", {"outcome": "ok", "return": {"$tuple": [1, "a"]}, "error": None})
    assert ok.outcome == "ok" and ok.return_value == (1, "a")
    assert RunResult.from_dict(json.loads(json.dumps(ok.to_dict()))) == ok


literals = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary()
    | st.complex_numbers(allow_nan=False),
    lambda children: st.lists(children, max_size=5) | st.tuples(children, children)
    | st.dictionaries(st.integers() | st.text(max_size=5), children, max_size=5)
    | st.frozensets(st.integers() | st.text(max_size=5), max_size=5),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(literals)
def test_property_round_trip(value):
    assert same(roundtrip(value), value)


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(max_size=5) | st.floats(),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=3), c, max_size=4),
                    max_leaves=20))
def test_property_decode_arbitrary_json_never_raises(data):
    decode(data)
    decode({"$list": [data]})
    decode({"$dict": [[data, data]]})
