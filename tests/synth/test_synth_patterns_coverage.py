"""The light coverage route of pattern synthesis (execgym.synth.patterns.coverage): same summaries as the full
tracer, results independent of what ran before in the same child, and the static no-global-state check."""

from __future__ import annotations

import ast
import base64
import marshal
import random
import sys
from types import SimpleNamespace

import pytest

from execgym.engine.codec import is_literal
from execgym.synth.filters import FilterConfig
from execgym.synth.patterns import PatternCandidate
from execgym.synth.patterns.coverage import batchable
from execgym.synth.patterns.generate import PREFER_TWICE, draw
from execgym.synth.patterns.run import _cover, _trace_each, filter_patterns, static_reason


def _drafts(per_level: int) -> list[PatternCandidate]:
    out = []
    for level in range(1, 7):
        for seed in range(per_level):
            for attempt in range(PREFER_TWICE + 3):  # the first PREFER_TWICE draws keep only focuses used twice
                cand = draw(level, 7000 + seed, attempt)
                if cand is not None and not static_reason(cand.source):
                    out.append(cand)
                    break
    return out


@pytest.fixture(scope="module")
def drafts() -> list[PatternCandidate]:
    return _drafts(25)


def test_own_drafts_are_batchable(drafts):
    assert len(drafts) >= 140
    assert sum(batchable(c.source) for c in drafts) / len(drafts) >= 0.95


def test_light_summaries_equal_the_tracers_on_every_call(drafts):
    config = FilterConfig()
    indices = list(range(len(drafts)))
    light = _cover(drafts, indices, config, batch=8)
    traced = _trace_each(drafts, indices, config)
    compared = 0
    for i in indices:
        assert light[i] is not None and traced[i] is not None, drafts[i].source
        assert light[i] == traced[i], drafts[i].source
        compared += len(light[i])
    assert compared >= 140 * 10


def test_the_early_stop_returns_the_prefix_early_prefix_names(drafts):
    """With ``stop``, the child returns each draft's calls up to the first one after which every statement ran,
    every test took both truth values and six distinct values came back: ``early_prefix`` of the full pool's
    calls, which is what the traced route judges."""
    from execgym.synth.patterns.coverage import early_prefix
    from execgym.synth.patterns.run import EARLY_STOP
    from execgym.synth.quality import static_rules

    config = FilterConfig()
    indices = list(range(len(drafts)))
    full = _cover(drafts, indices, config, batch=8)
    stopped = _cover(drafts, indices, config, batch=8, stop=EARLY_STOP)
    shortened = 0
    for i in indices:
        rules = static_rules(drafts[i].source)
        want = early_prefix(full[i], rules.statements, [h for h, _ in rules.tests],
                            cap=config.max_line_steps + 1, stop=EARLY_STOP)
        assert stopped[i] == want, drafts[i].source
        assert stopped[i] == full[i][:len(stopped[i])]
        shortened += len(stopped[i]) < len(full[i])
    assert shortened >= len(indices) // 2  # most drafts stop before their pool ends


def test_early_prefix_needs_coverage_and_distinct_values():
    from execgym.synth.patterns.coverage import EarlyStop, early_prefix

    stop = EarlyStop(runs=3, outputs=2, repr_cap=10)
    # (ok, value, (line, times, ...), steps, outcomes): line 2 runs always; line 3 and test 2's False only in
    # the third call
    calls = [(True, 1, (2, 1), 1, {2: [True]}), (True, 1, (2, 1), 1, {2: [True]}),
             (True, 2, (2, 1, 3, 1), 2, {2: [False]}), (True, 3, (2, 1), 1, {2: [True]})]
    assert early_prefix(calls, [2, 3], [2], cap=5, stop=stop) == calls[:3]
    assert early_prefix(calls, [2, 3, 4], [2], cap=5, stop=stop) == calls  # line 4 never runs: no stop
    assert early_prefix(calls, [2, 3], [2], cap=5, stop=EarlyStop(3, 3, 10)) == calls  # two values by then
    long = [(True, "x" * 20, *c[2:]) for c in calls[:2]] + calls
    assert early_prefix(long, [2, 3], [2], cap=5, stop=stop) == long[:5]  # long values are not counted
    assert early_prefix(calls, [2, 3], [2], cap=1, stop=stop) == calls  # nor calls at the budget


@pytest.mark.parametrize("focus_effect", [False, True])
def test_verdicts_do_not_depend_on_the_route(drafts, focus_effect):
    """The light runner (with the focus effect: each stripped program in its draft's child) and the full tracer
    (with the focus effect: the stripped programs in children of their own) give the same verdicts."""
    subset = drafts[::3]
    config = FilterConfig(focus_effect=focus_effect)
    fast = filter_patterns(subset, config)
    slow = filter_patterns(subset, config, traced=True)
    assert [(v.accepted, v.reason, v.call, v.variants, v.expected, v.features) for v in fast] == \
        [(v.accepted, v.reason, v.call, v.variants, v.expected, v.features) for v in slow]
    assert sum(v.accepted for v in fast) >= len(subset) // 2


def test_a_drafts_results_never_depend_on_what_ran_before_it(drafts):
    config = FilterConfig()
    subset = list(range(0, len(drafts), 2))[:48]
    alone = {}
    for i in subset[:12]:
        alone.update(_cover(drafts, [i], config, batch=1))
    batched = _cover(drafts, subset, config, batch=8)
    reversed_order = _cover(drafts, subset[::-1], config, batch=16)
    for i in subset:
        assert batched[i] == reversed_order[i], drafts[i].source
    for i in subset[:12]:
        assert alone[i] == batched[i], drafts[i].source


def test_a_stripped_program_beside_its_draft_changes_none_of_the_drafts_calls(drafts):
    """With the focus effect, each draft's stripped program runs in the same child, between its calls, on copies
    of their arguments: the calls it returns extend the ones it returns alone (the pool stops no earlier than
    the first call told apart), batched or alone, in either order, with the same call told apart."""
    from execgym.synth.patterns.run import EARLY_STOP, _stripped

    config = FilterConfig()
    subset = [i for i in range(0, len(drafts), 2) if _stripped(drafts[i]) is not None][:40]
    assert len(subset) >= 30
    bares = {i: _stripped(drafts[i]).source for i in subset}
    plain = _cover(drafts, subset, config, batch=8, stop=EARLY_STOP)
    told: dict[int, int] = {}
    paired = _cover(drafts, subset, config, batch=8, stop=EARLY_STOP, stripped=bares, told=told)
    told_reversed: dict[int, int] = {}
    reversed_order = _cover(drafts, subset[::-1], config, batch=16, stop=EARLY_STOP, stripped=bares,
                            told=told_reversed)
    told_alone: dict[int, int] = {}
    alone = {}
    for i in subset[:10]:
        alone.update(_cover(drafts, [i], config, batch=1, stop=EARLY_STOP, stripped=bares, told=told_alone))
    assert told == told_reversed and set(told) == set(subset)
    for i in subset:
        assert paired[i] == reversed_order[i], drafts[i].source
        assert paired[i][:len(plain[i])] == plain[i], drafts[i].source
        assert told[i] == -1 or told[i] < len(paired[i])
    for i in subset[:10]:
        assert alone[i] == paired[i] and told_alone[i] == told[i], drafts[i].source
    assert sum(t == 0 for t in told.values()) >= len(subset) // 2  # most focuses tell on the first call


@pytest.mark.parametrize("source, bare, pool, values, first", [
    # [1, 2] sorted is itself, so [3, 1] is the first call told apart; the stripped program appends to its copy
    ("def f(xs):\n    work = sorted(xs)\n    work.append(0)\n    return work\n",
     "def f(xs):\n    work = xs\n    work.append(0)\n    return work\n",
     [([1, 2],), ([3, 1],), ([2, 5, 4],)], [[1, 2, 0], [1, 3, 0], [2, 4, 5, 0]], 1),
    # a pool with sets travels as text, and so does the stripped program's copy of it: ``set(xs)`` of a set
    # changes nothing, so no call is told apart (and the whole pool runs)
    ("def f(xs):\n    work = set(xs)\n    work.add(0)\n    return sorted(work)\n",
     "def f(xs):\n    work = xs\n    work.add(0)\n    return sorted(work)\n",
     [({1, 2},), ({3, 1},), ({2, 5, 4},)], [[0, 1, 2], [0, 1, 3], [0, 2, 4, 5]], -1),
])
def test_a_stripped_program_that_changes_its_arguments_changes_only_its_own_copy(source, bare, pool, values, first):
    from execgym.synth.patterns.run import EARLY_STOP

    cand = _cand(source, pool)
    told: dict[int, int] = {}
    calls = _cover([cand], [0], FilterConfig(), batch=1, stop=EARLY_STOP, stripped={0: bare}, told=told)[0]
    assert [value for _, value, *_ in calls] == values
    assert told == {0: first}


def _cand(source: str, pool: list[tuple]) -> PatternCandidate:
    return PatternCandidate(source=source, entry="f", params=["x"], pool=pool, focus=("int", "add"),
                            pattern="test", constraints={}, ops_used={})


def _drafts_in(request) -> int:
    """How many drafts a ``cover_batch`` request carries."""
    return len(_shipped(request))


def _shipped(request) -> list:
    """The drafts of a ``cover_batch`` request (the ``_DRAFTS`` constant of its source: base64 marshal data)."""
    tree = ast.parse(request.source)
    (blob,) = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "_DRAFTS"]
    return marshal.loads(base64.b64decode(blob))


@pytest.mark.parametrize(("count", "batch", "sizes"), [
    (100, 32, [25, 25, 25, 25]), (100, 16, [15, 15, 14, 14, 14, 14, 14]), (33, 32, [17, 16]), (32, 32, [32]),
    (1, 16, [1]), (0, 16, []),
])
def test_drafts_are_cut_into_the_fewest_groups_of_near_equal_size(count, batch, sizes):
    from execgym.synth.patterns.run import _groups

    groups = _groups(list(range(count)), batch)
    assert [len(g) for g in groups] == sizes
    assert [i for g in groups for i in g] == list(range(count))  # in order, each once


def test_a_batch_that_does_not_end_ok_is_rerun_in_halves(monkeypatch):
    import execgym.synth.patterns.run as run

    good = _cand("def f(x):\n    if x > 2:\n        return x * 2\n    return -x\n", [(1,), (5,)])
    huge = _cand("def f(x):\n    return list(range(x))\n", [(4_000_000,)])
    looping = _cand("def f(x):\n    while x > 0:\n        x += 1\n    return x\n", [(1,), (-1,)])
    real = run.run_decided
    seen = []

    def breaks_batches(requests, **kwargs):  # the child of any multi-draft run "dies" (e.g. killed for memory)
        results = real(requests, **kwargs)
        seen.append(len(requests))
        return [SimpleNamespace(outcome="memory_exceeded", return_value=None) if _drafts_in(r) > 1
                else res for r, res in zip(requests, results)]

    monkeypatch.setattr(run, "run_decided", breaks_batches)
    out = _cover([good, huge, looping, good], [0, 1, 2, 3], FilterConfig(), batch=4)
    assert seen == [1, 2, 4]  # one batch, then its two halves, then each of its four drafts alone
    assert out[0] == out[3] == [
        (True, -1, (2, 1, 4, 1), 2, {2: [False]}),
        (True, 10, (2, 1, 3, 1), 2, {2: [True]}),
    ]
    assert not is_literal(out[1][0][1])  # over the value caps: opaque, so the filter skips this call
    over, fine = out[2]
    assert over[0] is None and over[1] == "budget"  # stopped by the line budget, not by the wall clock
    assert fine[:2] == (True, -1)


def test_a_batch_whose_summaries_pass_the_codecs_default_string_cap_comes_back_in_one_run(monkeypatch):
    import execgym.synth.patterns.run as run

    # 16 drafts of 9,000-character results: one marshal blob of about 150,000 bytes, over the value codec's
    # default cap on one bytes value (100,000), which the coverage request raises to coverage.BLOB_BYTES
    cands = [_cand(f"def f(x):\n    return x * 9000 + {'b' * k!r}\n", [("a",)]) for k in range(16)]
    real = run.run_decided
    seen = []

    def counting(requests, **kwargs):
        seen.append(len(requests))
        return real(requests, **kwargs)

    monkeypatch.setattr(run, "run_decided", counting)
    out = _cover(cands, list(range(16)), FilterConfig(), batch=16)
    assert seen == [1]
    assert [out[k][0][1] for k in range(16)] == ["a" * 9000 + "b" * k for k in range(16)]


@pytest.mark.parametrize("source", [
    "import os\ndef f(x):\n    return x\n",
    "def f(x):\n    import math\n    return math.floor(x)\n",
    "COUNT = []\ndef f(x):\n    return x\n",
    "def f(x):\n    global seen\n    seen = x\n    return x\n",
    "def f(x):\n    def g():\n        nonlocal x\n        x += 1\n    g()\n    return x\n",
    "def f(x):\n    f.calls = 1\n    return x\n",
    "def g(x):\n    return x\ndef f(x):\n    g.seen = [x]\n    return x\n",
    "def f(x):\n    return x.__class__\n",
    "def f(x):\n    try:\n        return int(x)\n    except:\n        return 0\n",
    "def f(x):\n    try:\n        return int(x)\n    except BaseException:\n        return 0\n",
    "def f(x, acc=[]):\n    acc.append(x)\n    return acc\n",
    "class A:\n    pass\ndef f(x):\n    return x\n",
    "def f(x):\n    print(x)\n    return x\n",
    "def f(x):\n    return getattr(x, 'real')\n",
    "def f(x):\n    yield x\n",
])
def test_drafts_that_could_touch_shared_state_are_not_batchable(source):
    assert not batchable(source)


@pytest.mark.parametrize("source", [
    "def f(xs):\n    xs[0] = 2\n    out = []\n    for x in xs:\n        out.append(x)\n    out[0] = 1\n    return out\n",
    "def f(d):\n    seen = {}\n    seen['a'] = d\n    del seen['a']\n    return sorted(d, key=lambda k: -k)\n",
    "def helper(x):\n    return x + 1\ndef f(x, k=3):\n    try:\n        return int(x) + helper(k)\n"
    "    except ValueError:\n        return 0\n",
])
def test_ordinary_drafts_are_batchable(source):
    assert batchable(source)


def test_pools_travel_as_marshal_data_unless_marshal_could_change_them():
    from execgym.synth.patterns.coverage import _marshal_exact, cover_batch

    assert _marshal_exact([(1, "a", -0.0, None, b"x", [2, {"k": (3,)}])])
    assert not _marshal_exact([({1, 2},)])                  # set order: the literal's, not marshal's
    assert not _marshal_exact([(float("nan"),)])            # not a literal at all
    assert not _marshal_exact([(frozenset(),)])
    plain = ("def f(x):\n    return x\n", "f", [(1,), (2,)], {})
    ints = ("def f(s):\n    return sorted(s)\n", "f", [({3, 1},), ({2},)], {})
    words = ("def f(s):\n    return sorted(s)\n", "f", [({"b", "a"},), ({"c"},)], {})
    request = cover_batch([plain, ints, words], budget=100, timeout=5.0)
    shipped = _shipped(request)
    assert shipped[0][2] == [(1,), (2,)] and shipped[2][2] is None
    assert shipped[1][2] == (0, [(1, [(3, (1, 3))]), (1, [(3, (2,))])])  # sets of ints: their recipe
    assert "_TEXT_POOLS = lambda: {2: [({'a', 'b'},), ({'c'},)]}" in request.source  # other sets: text
    cands = [_cand(source, pool) for source, _, pool, _ in (plain, ints, words)]
    calls = _cover(cands, [0, 1, 2], FilterConfig(), batch=3)
    assert [c[1] for c in calls[1]] == [[1, 3], [2]] and [c[1] for c in calls[2]] == [["a", "b"], ["c"]]


def test_sets_of_ints_by_recipe_give_the_tracers_summaries_and_the_same_stripped_verdict():
    """A draft whose output follows its sets' table order (it pops them, and adds to them first) gets the same
    calls from the light runner (recipe pools, and the stripped program's own rebuilt copy) as from the full
    tracer (each call's literal compiled in the child), and the same call told apart without its focus."""
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest
    from execgym.synth.patterns.coverage import EarlyStop, cover_batch, decode_told

    source = ("def f(buckets, extra):\n    out = []\n    for bucket in buckets:\n        bucket.add(extra)\n"
              "        out.append(bucket.pop())\n        out.append(bucket.pop() if bucket else -1)\n    return out\n")
    bare = ("def f(buckets, extra):\n    out = []\n    for bucket in buckets:\n"
            "        out.append(bucket.pop())\n        out.append(bucket.pop() if bucket else -1)\n    return out\n")
    r = random.Random(5)
    pool = [([{r.randint(-3, 200) for _ in range(r.randint(1, 14))} for _ in range(3)], r.choice([40, 17, 2]))
            for _ in range(12)]
    cand = _cand(source, pool)
    config = FilterConfig()
    assert _cover([cand], [0], config, batch=1) == _trace_each([cand], [0], config)
    (raw,) = run_batch([cover_batch([(source, "f", pool, {}, None, None, bare)], budget=1000, timeout=5.0,
                                    stop=EarlyStop(0, 0, 400))])
    (calls,), (told,) = decode_told(raw, 1)
    stripped = [r.return_value for r in run_batch([RunRequest(bare, cand.call_of(args)) for args in pool])]
    mine = [c[1] for c in calls]
    assert mine == [c[1] for c in _trace_each([cand], [0], config)[0]]
    first = next(k for k, (value, other) in enumerate(zip(mine, stripped)) if value != other)
    assert told == first


def _layout(value: set, more: list) -> list:
    """What a program can see of a set's table: its order, after adding ``more`` and discarding one, and the
    order ``pop`` takes the rest in."""
    seen = [list(value)]
    for x in more:
        value.add(x)
    seen.append(list(value))
    value.discard(next(iter(value)))
    seen.append(list(value))
    seen.append([value.pop() for _ in range(len(value))])
    return seen


@pytest.mark.skipif(sys.version_info[:2] != (3, 11) or sys.implementation.name != "cpython",
                    reason="sets of ints travel by recipe on CPython 3.11 only (text elsewhere)")
def test_a_set_recipe_builds_the_very_set_its_literal_builds():
    """On 2,000 sets of ints (colliding ones included: multiples of 8, negatives, sizes 0-20) the child's
    ``_rebuilt`` gives a set whose order, and whose order after adds, a discard and pops, equal those of the set
    that evaluating its literal builds, nested in lists, tuples and dicts too; a plain copy of the set rebuilt
    in its own order (what marshal does) differs on some, so the check can fail."""
    from execgym.synth.light_runner import _rebuilt as rebuilt
    from execgym.synth.patterns.coverage import set_recipe
    from execgym.synth.values import literal

    r = random.Random(11)
    naive = 0
    for _ in range(2000):
        if r.random() < 0.3:
            items = {r.choice([0, 8, 16, 24, 32, 40, 48, 56, 64, 1, 9, 17, -8, -16]) for _ in range(r.randint(0, 12))}
        else:
            low = r.choice([-20, -3, 0, 8])
            items = {r.randint(low, low + r.choice([12, 18, 40, 200])) for _ in range(r.randint(0, 20))}
        more = [r.randint(-30, 250) for _ in range(5)]
        value = [({"k": items, "n": 1}, (items, 2.5))]
        got, want = rebuilt(set_recipe(value)), eval(literal(value))  # noqa: S307 -- a literal of ours
        assert got == want
        assert _layout(got[0][0]["k"], more) == _layout(want[0][0]["k"], more), literal(items)
        assert _layout(got[0][1][0], more) == _layout(want[0][1][0], more), literal(items)
        naive += _layout(set(list(eval(literal(items)))), more) != _layout(eval(literal(items)), more)  # noqa: S307
    assert naive > 0
    assert set_recipe([({"a"},)]) is None and set_recipe([(frozenset({1}),)]) is None
    assert set_recipe([({True, 2},)]) is None and set_recipe([(float("inf"),)]) is None


def test_shipped_calls_that_change_with_the_hash_seed_reject_the_draft_on_both_routes():
    words = [["pear", "fig", "kiwi", "plum", "lime"], ["oak", "elm", "ash", "yew"], ["red", "tan", "sky", "ink"],
             ["cat", "dog", "owl", "bee", "ant"], ["sun", "moon", "star", "comet"], ["one", "two", "six", "ten"],
             ["up", "down", "left", "right"], ["jam", "tea", "pie", "bun"]]
    by_hash = _cand("def f(xs):\n    seen = set(xs)\n    return [x for x in seen]\n", [(w,) for w in words])
    numbers = _cand("def f(xs):\n    seen = set(xs)\n    return [x for x in seen]\n",
                    [([k, k + 9, k * 3, 40 - k],) for k in range(1, 9)])
    for traced in (False, True):
        got = filter_patterns([by_hash, numbers], traced=traced)
        assert (got[0].accepted, got[0].reason) == (False, "result changes with the hash seed"), traced
        assert got[1].accepted, (traced, got[1].reason)


def test_values_come_back_the_same_by_marshal_or_by_the_codec():
    """A batch whose values are all plain and small returns as one marshal blob, any other through the value
    codec; both give the tracer's summaries (a 9-deep list is past the blob's depth, so its batch takes the
    codec)."""
    flat = _cand("def f(x):\n    return [x, (x, 'a'), {x: [x]}, {x}, -0.0, None, b'k']\n", [(1,), (2,)])
    deep = _cand("def f(x):\n    return [[[[[[[[[x]]]]]]]]]\n", [(1,), (2,)])
    from execgym.engine.api import run_batch
    from execgym.synth.patterns.coverage import cover_batch
    from execgym.synth.patterns.run import _drafts

    config = FilterConfig()
    for group, carrier in (([flat, flat], bytes), ([flat, deep], tuple)):
        (raw,) = run_batch([cover_batch(_drafts(group, [0, 1]), budget=100, timeout=5.0)])
        assert type(raw.return_value) is carrier
        light = _cover(group, [0, 1], config, batch=2)
        assert light == _trace_each(group, [0, 1], config)
    assert light[1][0][1] == [[[[[[[[[1]]]]]]]]]


def test_drafts_travel_compiled_unless_a_marshal_round_trip_could_change_them():
    """The child loads each draft's code object instead of compiling its text, except where marshal could change
    it: ``ids.intersection({2, 10, 11, 30})`` holds a frozenset constant, which marshal rebuilds in its own
    iteration order, and the set built from it would then print in another order than a real run's."""
    from execgym import run
    from execgym.synth.patterns.coverage import _draft_code, cover_batch

    plain = "def f(xs):\n    return [x * 2 for x in xs if x in (1, 2)]\n"
    frozen = "def f(ids):\n    common = ids.intersection({2, 10, 11, 30})\n    return f'{ids} -> {common}'\n"
    assert _draft_code(plain) is not None and _draft_code(frozen) is None
    assert _draft_code("def f(x):\n    return x\nreturn 1\n") is None  # parses, does not compile
    request = cover_batch([(plain, "f", [([1, 2, 3],)], {}), (frozen, "f", [({2, 10, 11, 30},)], {})],
                          budget=100, timeout=5.0)
    tree = ast.parse(request.source)
    (blob,) = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "_CODES"]
    codes, stripped_codes = marshal.loads(base64.b64decode(blob))
    assert type(codes[0]).__name__ == "code" and codes[1] is None and stripped_codes == [None, None]
    calls = _cover([_cand(plain, [([1, 2, 3],)]), _cand(frozen, [({2, 10, 11, 30},)])], [0, 1], FilterConfig(),
                   batch=2)
    assert calls[0][0][1] == run(plain, "f([1, 2, 3])").return_value == [2, 4]
    assert calls[1][0][1] == run(frozen, "f({2, 10, 11, 30})").return_value
