"""Programs that fail ``coverage.batchable`` (execgym's own ``import math`` drafts, and every program a user, a corpus
or a teacher wrote) never share a sandboxed child: one call of one program to each child (issue "synthesis v2",
item 6). The pattern filter's rounds give the verdicts the whole pool would give, on both routes."""

from __future__ import annotations

import pytest

from execgym.seeding import rng
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.filters import FilterConfig
from execgym.synth.patterns import PatternCandidate, build
from execgym.synth.patterns.coverage import batchable, early_prefix
from execgym.synth.patterns.run import EARLY_STOP, filter_patterns, static_reason
from execgym.synth.quality import static_rules


@pytest.fixture(scope="module")
def math_drafts() -> list[PatternCandidate]:
    """Drafts of every level whose focus is ``math.floor`` or ``math.ceil``: each starts with ``import math``."""
    out = []
    for level in range(1, 7):
        for key in ALL_ENTRIES:
            if not key[1].startswith("math."):
                continue
            for seed in range(4):
                cand = build(level, CATALOG[key], rng("test-alone", level, "/".join(key), seed), twice_only=False)
                if cand is not None and not static_reason(cand.source):
                    out.append(cand)
    assert len(out) >= 36 and not any(batchable(c.source) for c in out)
    return out


def _watch(monkeypatch) -> list[tuple]:
    """Every draft tuple of every coverage request, per request, and every traced runner module's pool."""
    import execgym.synth.patterns.run as run

    seen: list[tuple] = []
    cover_batch, runner = run.cover_batch, run._runner

    def watched_cover(drafts, **kw):
        seen.append(("cover", [(d[0], len(d[2]), d[6] if len(d) > 6 else None) for d in drafts]))
        return cover_batch(drafts, **kw)

    def watched_runner(cand):
        seen.append(("trace", [(cand.source, len(cand.pool), None)]))
        return runner(cand)

    monkeypatch.setattr(run, "cover_batch", watched_cover)
    monkeypatch.setattr(run, "_runner", watched_runner)
    return seen


@pytest.mark.parametrize("traced", [False, True])
def test_a_draft_that_fails_the_static_check_runs_one_call_to_a_child(math_drafts, monkeypatch, traced):
    seen = _watch(monkeypatch)
    verdicts = filter_patterns(math_drafts[:12], FilterConfig(), traced=traced)
    assert sum(v.accepted for v in verdicts) >= 6
    assert len(seen) >= 12 * 6
    probes = 0
    for _, drafts in seen:
        if all(batchable(source) for source, _, _ in drafts):
            # the stripped programs, without the ``import math`` they no longer use, share children
            probes += len(drafts)
            assert all("import" not in source for source, _, _ in drafts)
            continue
        assert len(drafts) == 1 and drafts[0][1] == 1, drafts  # one program, one call
        assert drafts[0][2] is None  # no stripped program beside it
    assert probes >= 12


def test_the_hash_seed_check_of_such_a_draft_runs_one_call_to_a_child(math_drafts, monkeypatch):
    from execgym.synth.patterns.run import _calls_alone, _same_under_hash_seed_1

    config = FilterConfig()
    cands = math_drafts[:3]
    calls = _calls_alone(cands, {i: range(len(c.pool)) for i, c in enumerate(cands)}, config)
    chosen = {i: [k for k, call in enumerate(calls[i]) if call[0] is True][:4] for i in calls}
    seen = _watch(monkeypatch)
    same = _same_under_hash_seed_1(cands, [0, 1, 2], chosen, calls, set(), config, 32)
    assert same == {0: True, 1: True, 2: True}
    assert len(seen) == sum(len(ks) for ks in chosen.values())
    assert all(len(drafts) == 1 and drafts[0][1] == 1 for _, drafts in seen)


def test_the_rounds_stop_where_the_whole_pool_would(math_drafts):
    """``_cover_alone`` (a few calls at a time, the stripped program asked after each round) returns what the
    early stop cuts from the whole pool's calls, with the first call the whole pool's stripped program tells
    apart; and most drafts stop before their pool ends."""
    from execgym.synth.patterns.run import _calls_alone, _cover_alone, _told_after

    config = FilterConfig()
    indices = list(range(0, len(math_drafts), 2))
    told: dict[int, int] = {}
    rounds = _cover_alone(math_drafts, indices, config, told)
    whole = _calls_alone(math_drafts, {i: range(len(math_drafts[i].pool)) for i in indices}, config)
    told_whole = _told_after(math_drafts, whole, config, 32)
    cap = config.max_line_steps + 1
    shorter = 0
    for i in indices:
        rules = static_rules(math_drafts[i].source)
        want = early_prefix(whole[i], rules.statements, [h for h, _ in rules.tests], cap=cap, stop=EARLY_STOP,
                            told=told_whole.get(i))
        assert rounds[i] == want, math_drafts[i].source
        assert told.get(i) == told_whole.get(i), math_drafts[i].source
        shorter += len(want) < len(whole[i])
    assert shorter >= len(indices) // 4


@pytest.mark.parametrize("focus_effect", [False, True])
def test_such_drafts_get_the_same_verdicts_on_both_routes(math_drafts, focus_effect):
    config = FilterConfig(focus_effect=focus_effect)
    subset = math_drafts[1::2]
    fast = filter_patterns(subset, config)
    slow = filter_patterns(subset, config, traced=True)
    assert [(v.accepted, v.reason, v.call, v.variants, v.expected) for v in fast] == \
        [(v.accepted, v.reason, v.call, v.variants, v.expected) for v in slow]


# --------------------------------------------------------------------------------------- input variants
_KEEPS_STATE = (
    "seen = []\n\n\ndef f(x):\n    seen.append(x)\n    if len(seen) > 1:\n"
    "        raise ValueError('a second call in this process')\n    return x + 1\n"
)
_PURE = "def f(x, word):\n    return [x * 2, word.upper()]\n"


def _requests(monkeypatch) -> list:
    import execgym.engine.api as engine_api
    import execgym.synth.decide as decide

    sent: list = []
    run_batch, run_decided = engine_api.run_batch, decide.run_decided

    def batch(requests, *a, **kw):
        sent.extend(requests)
        return run_batch(requests, *a, **kw)

    def decided(requests, *a, **kw):
        sent.extend(requests)
        return run_decided(requests, *a, **kw)

    monkeypatch.setattr(engine_api, "run_batch", batch)
    monkeypatch.setattr(decide, "run_decided", decided)
    return sent


@pytest.mark.parametrize("strict", [False, True])
def test_variants_of_a_users_program_are_tried_one_call_to_a_child(monkeypatch, strict):
    """A program that keeps state between calls (here it fails every call after its first in a process) gets
    all its variants: no two of its calls ever share a child, whether it claims to be one of ours or not."""
    from execgym.synth.api import variant_calls

    sent = _requests(monkeypatch)
    for own in (False, True):
        got = variant_calls(_KEEPS_STATE, "f", "f(3)", 5, seed=0, strict=strict, own=own)
        assert len(got) == 5 and len(set(got)) == 5
    assert sent and all(r.source == _KEEPS_STATE and r.call.startswith("f(") for r in sent)


def test_variants_of_our_own_batchable_program_share_a_child_and_are_the_same(monkeypatch):
    from execgym.synth.api import variant_calls

    sent = _requests(monkeypatch)
    shared = variant_calls(_PURE, "f", "f(2, 'ab')", 5, seed=4, own=True)
    assert len(sent) == 1 and sent[0].source.startswith(_PURE) and sent[0].call == "execgym_variant_runner()"
    alone = variant_calls(_PURE, "f", "f(2, 'ab')", 5, seed=4)
    assert alone == shared and len(shared) == 5
    assert len(sent) > 5 and all(r.source == _PURE for r in sent[1:])


def test_a_stripped_probe_without_its_unused_import_returns_what_it_returned_with_it(math_drafts):
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest
    from execgym.synth.focus_effect import strip
    from execgym.synth.patterns.run import _stripped

    with_import, without, calls = [], [], 0
    for cand in math_drafts[::3]:
        text, _ = strip(cand.source, cand.focus)
        lean = _stripped(cand).source
        assert "import math" in text and "import math" not in lean
        assert lean.count("\n") == text.count("\n") and batchable(lean) and not batchable(text)
        for args in cand.pool[:4]:
            with_import.append(RunRequest(text, cand.call_of(args)))
            without.append(RunRequest(lean, cand.call_of(args)))
            calls += 1
    assert calls >= 40
    got = [(str(r.outcome), r.return_value) for r in run_batch(with_import)]
    assert got == [(str(r.outcome), r.return_value) for r in run_batch(without)]
    assert sum(outcome == "ok" for outcome, _ in got) >= calls // 2


def test_what_the_rounds_raise_reaches_the_caller(math_drafts, monkeypatch):
    """The rounds run in a thread of their own beside the batched drafts; an undecided sandbox run there
    (``SynthesisError``) is raised by ``filter_patterns`` itself, never lost."""
    import execgym.synth.patterns.run as run
    from execgym.synth.decide import SynthesisError

    def undecided(*args, **kwargs):
        raise SynthesisError("the sandbox could not decide a candidate (test)")

    monkeypatch.setattr(run, "_cover_alone", undecided)
    with pytest.raises(SynthesisError, match="could not decide"):
        filter_patterns(math_drafts[:2], FilterConfig())
