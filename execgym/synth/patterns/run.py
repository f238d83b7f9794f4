"""The sandbox stage of pattern synthesis: run a draft on its input pool (stopping once it is covered), choose
the shipped inputs by coverage, and apply the rejection rules.

Contract: ``filter_patterns(candidates, config) -> list[PatternVerdict]`` (same order). Every draft is called
on the argument tuples of its pool in the sandbox, in order (``execgym.synth.decide.run_decided``: a timeout is
retried, never a verdict), until its calls cover every statement and both truth values of every branch test
and gave ``1 + MIN_VARIANTS`` distinct values (``EARLY_STOP``, ``coverage.early_prefix``) and, with the focus
effect (``FilterConfig.focus_effect``, on by default), until its program without the focus gave another value
on one of them (run beside it, "focus effect" below); an accepted draft whose result could depend on the hash seed (``hash_sensitive`` and not
``text_free``) has its shipped calls (the call and its variants) re-run under ``hash_seed=1`` and is rejected
when any value changes. A draft that passes
``coverage.batchable`` (execgym's own code that touches no global state) is covered with several others in one
child by the light coverage runner (``execgym.synth.patterns.coverage``); any other draft is traced alone by
the full tracer. Both give each call's value, line counts, line steps and branch-test outcomes, identical on
the same draft (tested), so the route never changes a verdict. The main call is the first pool entry that ran
ok within the line-step budget with a literal result (when its value is a container of copies of one trivial
value, ``(0, 0, 0)``, the first whose value is neither that nor trivial itself, if any); the variants are then chosen greedily by what they add:
statements executed and branch-test outcomes seen, then distinct outputs, up to ``MAX_VARIANTS`` (at least
``MIN_VARIANTS``). ``execgym.synth.quality.run_problems`` over those runs (``judge_runs``'s problems) decides; a draft is rejected, with the
reason counted, when any of its measures holds (constant or trivial output, a statement no input executes, a
test with one truth value, an idiom, an unused result) or, with the focus effect, when no call of its pool
gives another value without the focus (the call that does is shipped). Static measures are checked before the
sandbox.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execgym.synth.decide import run_decided
from execgym.synth.filters import (
    FilterConfig,
    _plain,
    _roundtrips,
    hash_sensitive,
    program_features,
    same_value,
    text_free,
)
from execgym.synth.focus_effect import IDENTITY_FOCUS, strip, without_unused_imports
from execgym.synth.light_runner import short
from execgym.synth.patterns import PatternCandidate
from execgym.synth.patterns.coverage import (
    STRIPPED_EXTRA,
    STRIPPED_SLACK,
    EarlyStop,
    batchable,
    cover_batch,
    decode_told,
    early_prefix,
    tells,
)
from execgym.synth.quality import (
    RunSummary,
    _test_outcomes,
    _trivial,
    run_problems,
    static_rules,
    trivial_container,
    try_outcomes,
)
from execgym.synth.values import literal

MIN_VARIANTS = 5
MAX_VARIANTS = 7
VALUE_REPR_CAP = 400  # a call whose value's repr is longer is not shipped
# a draft's pool stops running once the calls so far cover every statement and both truth values of every test
# and gave 1 + MIN_VARIANTS distinct values: what ``_judge`` ships is then (almost always) what the whole pool
# would give, since the rest could add no coverage and the variants need no more outputs. Off with the focus
# effect, whose check may ship another eligible call in place of a variant.
EARLY_STOP = EarlyStop(1 + MIN_VARIANTS, 1 + MIN_VARIANTS, VALUE_REPR_CAP)
RUNNER = "execgym_runner"
# locals are not needed here (only lines, frames and the runner's return value): snapshots of one node keep
# the child's trace and this process's decoding small
TINY_SNAPSHOTS = {"max_depth": 1, "max_items": 1, "max_nodes": 1, "max_str": 1, "max_chars": 1}


@dataclass
class PatternVerdict:
    accepted: bool
    reason: str
    expected: Any = None
    call: str = ""
    variants: tuple[str, ...] = ()
    features: dict = field(default_factory=dict)


def _runner(cand: PatternCandidate) -> tuple[str, int]:
    """The module that calls the entry on every pool tuple, and the line of the runner's ``try:``."""
    base = cand.source.rstrip("\n").count("\n") + 1
    lines = [cand.source.rstrip("\n"), "", "",
             f"def {RUNNER}():",
             "    results = []",
             f"    for args in {literal(list(cand.pool))}:",
             "        try:",
             f"            results.append((True, {cand.entry}(*args)))",
             "        except Exception as exc:",
             "            results.append((False, type(exc).__name__))",
             "    return results"]
    return "\n".join(lines) + "\n", base + 6


def static_reason(source: str) -> str:
    """Why a draft is rejected before it runs ('' when it is not)."""
    static = static_rules(source)
    if static.idioms:
        return "idiom"
    if static.unused_results:
        return "unused_result"
    return ""


def _segments(steps: Sequence[Any], try_line: int, count: int) -> list[list[Any]]:
    out: list[list[Any]] = [[] for _ in range(count)]
    k = -1
    for step in steps:
        if step.function == RUNNER:
            if step.event == "line" and step.line == try_line:
                k += 1
            continue
        if 0 <= k < count:
            out[k].append(step)
    return out


BATCH = 32  # batchable drafts covered in one sandboxed child (``execgym.synth.patterns.coverage``)

# one call's summary: (ok, value, (line, times, line, times...), line steps, test outcomes); ok is None when over
# the budget
Call = tuple
Run = tuple  # (pool index, value, RunSummary, coverage marks, line counts): an eligible run of a draft


def filter_patterns(cands: Sequence[PatternCandidate], config: FilterConfig | None = None, *,
                    batch: int = BATCH, traced: bool = False) -> list[PatternVerdict]:
    """The verdict of each draft (same order). Drafts that pass ``coverage.batchable`` are covered ``batch`` to a
    child by the light coverage runner (a batch that does not end ok is re-run in halves); the others, or
    every draft with ``traced=True``, by the full tracer one module per draft. Both give the same call summaries
    (tests/synth/test_synth_patterns_coverage.py), so the verdicts do not depend on the route."""
    config = config or FilterConfig()
    verdicts: list[PatternVerdict | None] = [None] * len(cands)
    light, heavy = [], []
    for i, cand in enumerate(cands):
        reason = static_reason(cand.source)
        if reason:
            verdicts[i] = PatternVerdict(False, reason)
        elif not traced and batchable(cand.source):
            light.append(i)
        else:
            heavy.append(i)
    calls: dict[int, list[Call] | None] = {}
    told: dict[int, int] = {}  # the first call each draft's stripped program tells apart (-1: none)
    bares: dict[int, str] = {}  # light drafts whose stripped programs run beside them, in the same child
    full: list[int] = []        # light drafts whose stripped programs must run alone: their whole pools first
    if config.focus_effect:
        for i in light:
            bare = _stripped_batchable(cands[i])
            if bare is not None and bare[1]:
                bares[i] = bare[0].source
            elif bare is not None:
                full.append(i)
    alone = set(full)
    paired = [i for i in light if i not in alone]
    # one call of one program per child, in rounds until each draft's early stop holds: in a thread of its own, so
    # that its rounds overlap the batched drafts' requests (the answers do not depend on the timing)
    alone_rounds = _Rounds(cands, heavy, config) if heavy and not traced else None
    if paired:
        calls.update(_cover(cands, paired, config, batch, stop=EARLY_STOP, stripped=bares, told=told))
    late: dict[int, list[Call] | None] = {}  # whole pools, cut by ``early_prefix`` once told
    if full:
        late.update(_cover(cands, full, config, batch))
    if heavy and traced:
        late.update(_trace_each(cands, heavy, config))
    if late:
        if config.focus_effect:
            told.update(_told_after(cands, late, config, batch))
        cap = config.max_line_steps + 1
        for i, summary in late.items():
            if summary is not None:  # the same calls the light runner's early stop would have returned
                rules = static_rules(cands[i].source)
                late[i] = early_prefix(summary, rules.statements, [h for h, _ in rules.tests], cap=cap,
                                       stop=EARLY_STOP, told=told.get(i))
        calls.update(late)
    if alone_rounds is not None:
        calls.update(alone_rounds.result(told))
    chosen: dict[int, list[int]] = {}
    eligible: dict[int, list[Run]] = {}
    for i, summary in calls.items():
        verdicts[i], picked, eligible[i] = _judge(cands[i], summary, config, told.get(i))
        if verdicts[i].accepted:
            chosen[i] = picked
    for i in list(chosen):
        if i in told:
            verdicts[i], picked = _with_focus_effect(cands[i], verdicts[i], chosen[i], eligible[i], told[i])
            if verdicts[i].accepted:
                chosen[i] = picked
            else:
                del chosen[i]
    if config.hash_check:
        # (a draft with sets but no text anywhere, ``text_free``, cannot depend on the hash seed)
        sensitive = [i for i in chosen if hash_sensitive(cands[i].source, verdicts[i].call)
                     and not text_free(cands[i].source, [cands[i].pool[k] for k in chosen[i]])]
        for i, same in _same_under_hash_seed_1(cands, sensitive, chosen, calls, set(light), config, batch).items():
            if not same:
                verdicts[i] = PatternVerdict(False, "result changes with the hash seed")
    return [v if v is not None else PatternVerdict(False, "not executed") for v in verdicts]


def _same_under_hash_seed_1(cands: Sequence[PatternCandidate], indices: Sequence[int],
                            chosen: dict[int, list[int]], calls: dict[int, list[Call] | None], light: set[int],
                            config: FilterConfig, batch: int) -> dict[int, bool]:
    """For each accepted draft in ``indices``: whether its shipped calls (the call and its variants, the pool
    tuples ``chosen[i]``) return the same values under ``hash_seed=1`` (by the coverage runner: light drafts
    batched, the others one call to a child)."""
    shipped = {i: replace(cands[i], pool=[cands[i].pool[k] for k in chosen[i]]) for i in indices}
    wanted = {i: [(True, calls[i][k][1]) for k in chosen[i]] for i in indices}
    got: dict[int, Any] = {}
    batched = [i for i in indices if i in light]
    if batched:
        covered = _cover(shipped, batched, config, batch, hash_seed=1, tests=False)  # (values only)
        got.update({i: None if c is None else _values(c) for i, c in covered.items()})
    alone = {i: range(len(shipped[i].pool)) for i in indices if i not in light}
    if alone:  # (one call to a child: these drafts fail ``coverage.batchable``)
        covered = _calls_alone(shipped, alone, config, hash_seed=1, tests=False)
        got.update({i: None if c is None else _values(c) for i, c in covered.items()})
    return {i: got.get(i) is not None and same_value(got[i], wanted[i]) for i in indices}


def _drafts(cands: Sequence[PatternCandidate] | Mapping[int, PatternCandidate], indices: Sequence[int],
            budgets: Mapping[int, int] | None = None, tests: bool = True, stop: bool = False,
            stripped: Mapping[int, str] | None = None) -> list[tuple]:
    out = []
    for i in indices:
        cand = cands[i]
        rules = static_rules(cand.source) if tests or stop else None
        own = budgets.get(i) if budgets else None
        bare = stripped.get(i) if stripped else None
        if bare is not None:
            extra: tuple = (own, rules.statements if stop else None, bare)
        else:
            extra = (own, rules.statements) if stop else (own,) if own is not None else ()
        out.append((cand.source, cand.entry, cand.pool, dict(rules.tests) if tests else {}, *extra))
    return out


def _cover(cands: Sequence[PatternCandidate] | Mapping[int, PatternCandidate], indices: Sequence[int],
           config: FilterConfig, batch: int, hash_seed: int | None = None,
           budgets: Mapping[int, int] | None = None, tests: bool = True, stop: EarlyStop | None = None,
           stripped: Mapping[int, str] | None = None, told: dict[int, int] | None = None,
           groups: list[list[Any]] | None = None) -> dict[int, list[Call] | None]:
    """Light coverage summaries of ``indices``, ``batch`` drafts to a child; a batch whose run is not ok is
    re-run in halves, down to one draft (a draft whose own run is not ok maps to ``None``). ``budgets``: a draft's own
    line-step budget per call, in place of ``config.max_line_steps + 1``; ``tests=False``: no branch-test
    outcomes are recorded (the calls' values and line counts only); ``stop``: each draft's pool stops early by
    it (``coverage.early_prefix``; needs ``tests``). ``groups``: the drafts of each child, in place of ``batch``
    (``indices`` is then unused). ``stripped``: a draft's program without its focus (batchable,
    ``_stripped``), run in the same child on a copy of each eligible call's arguments until one gives another
    value; that call's pool index (``-1``: none did) goes to ``told``, and the pool does not stop before it."""
    budget = config.max_line_steps + 1

    def requests_for(group: list[int]):
        timeout = min(30.0, config.timeout + 2.0 + 0.2 * (len(group) - 1))
        return cover_batch(_drafts(cands, group, budgets, tests, stop is not None, stripped), budget=budget,
                           timeout=timeout, hash_seed=hash_seed, stop=stop)

    out: dict[int, list[Call] | None] = {}
    todo = [list(g) for g in groups] if groups is not None else _groups(list(indices), batch)
    while todo:  # rounds: a group whose request would pass the sandbox's size caps, or whose run is not ok, is halved
        groups, requests = [], []
        while todo:
            group = todo.pop(0)
            request = requests_for(group)
            if request.rejection() is not None and len(group) > 1:
                todo[:0] = _halves(group)
                continue
            groups.append(group)
            requests.append(request)
        results = run_decided(requests, retry_timeouts=config.retry_timeouts,
                              workers=config.workers, what="pattern candidate")
        for group, result in zip(groups, results):
            decoded, marks = decode_told(result, len(group))
            if decoded is not None:
                out.update(zip(group, decoded))
                if told is not None:
                    told.update((i, t) for i, t in zip(group, marks) if t != -2)
            elif len(group) > 1:
                todo.extend(_halves(group))
            else:
                out[group[0]] = None
    return out


def _groups(indices: list[int], batch: int) -> list[list[int]]:
    """``indices`` in order, cut into as few groups of at most ``batch`` as can be, of near-equal sizes (100 drafts
    by 32: 25 each, not 32, 32, 32 and 4): the sandbox workers then finish their requests together."""
    count = -(-len(indices) // batch) if indices else 0
    size, extra = divmod(len(indices), count) if count else (0, 0)
    out, start = [], 0
    for k in range(count):
        end = start + size + (k < extra)
        out.append(indices[start:end])
        start = end
    return out


def _halves(group: list[int]) -> list[list[int]]:
    half = len(group) // 2
    return [group[:half], group[half:]]


def _trace_each(cands: Sequence[PatternCandidate], indices: Sequence[int], config: FilterConfig
                ) -> dict[int, list[Call] | None]:
    """Call summaries from the full tracer: one module per draft that passes ``coverage.batchable``, one module
    per call of any other (never two calls of such a draft in one child)."""
    from execgym.engine.request import RunRequest

    requests, plan = [], []
    for i in indices:
        cand = cands[i]
        parts = [cand] if batchable(cand.source) else [replace(cand, pool=[args]) for args in cand.pool]
        for part in parts:
            module, try_line = _runner(part)
            plan.append((i, part, try_line))
            steps = (config.max_line_steps + 60) * len(part.pool)
            requests.append(RunRequest(module, f"{RUNNER}()", mode="trace", timeout=config.timeout + 2.0,
                                       max_steps=steps, limits={"snapshot_caps": TINY_SNAPSHOTS}))
    results = run_decided(requests, retry_timeouts=config.retry_timeouts, workers=config.workers,
                          what="pattern candidate")
    out: dict[int, list[Call] | None] = {i: [] for i in indices}
    for (i, part, try_line), result in zip(plan, results):
        summary = _summaries(part, result, try_line)
        out[i] = None if summary is None or out[i] is None else out[i] + summary
    return out


# a draft that fails ``coverage.batchable`` (``import math``) runs one call to a child, this many calls of each such
# draft at a time, until its early stop holds: 1 + MIN_VARIANTS is the fewest calls after which it can
ROUND_CALLS = 1 + MIN_VARIANTS
_NO_CALL: Call = (False, None, (), 0, {})  # a call ``early_prefix`` skips: it tells whether a prefix already stopped


def _calls_alone(runs: Mapping[Any, PatternCandidate], wanted: Mapping[Any, Sequence[int]], config: FilterConfig,
                 *, budgets: Mapping[Any, int] | None = None, tests: bool = True, hash_seed: int | None = None
                 ) -> dict[Any, list[Call] | None]:
    """The light runner's summaries of the pool calls ``wanted[i]`` of each draft ``runs[i]``, each call in a
    sandboxed child of its own (issue "synthesis v2", item 6: several calls, or several programs, share a child
    only when the program passes ``coverage.batchable``); ``budgets[i]``: draft ``i``'s line-step budget per call
    (see ``_cover``). ``None`` for a draft any of whose children did not end ok."""
    subs = {(i, k): replace(runs[i], pool=[runs[i].pool[k]]) for i, ks in wanted.items() for k in ks}
    own = {key: budgets[key[0]] for key in subs if key[0] in budgets} if budgets else None
    got = _cover(subs, list(subs), config, 1, hash_seed=hash_seed, budgets=own, tests=tests)
    out: dict[Any, list[Call] | None] = {}
    for i, ks in wanted.items():
        calls = [got.get((i, k)) for k in ks]
        out[i] = None if any(c is None or len(c) != 1 for c in calls) else [c[0] for c in calls]
    return out


class _Rounds:
    """``_cover_alone(cands, indices, config, told)`` run in a thread started at once; ``result(told)`` waits for
    it, adds its told calls to ``told`` and returns its calls (or raises what it raised)."""

    def __init__(self, cands: Sequence[PatternCandidate], indices: Sequence[int], config: FilterConfig) -> None:
        import threading

        self._told: dict[int, int] = {}
        self._out: dict[int, list[Call] | None] = {}
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._out = _cover_alone(cands, indices, config, self._told)
            except BaseException as exc:  # (re-raised in the filtering thread)
                self._error = exc

        self._thread = threading.Thread(target=work, name="execgym-alone-rounds", daemon=True)
        self._thread.start()

    def result(self, told: dict[int, int]) -> dict[int, list[Call] | None]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        told.update(self._told)
        return self._out


def _cover_alone(cands: Sequence[PatternCandidate], indices: Sequence[int], config: FilterConfig,
                 told: dict[int, int]) -> dict[int, list[Call] | None]:
    """What ``_cover`` with the early stop (and the focus effect's stripped programs) returns, for drafts that fail
    ``coverage.batchable``: one call of one program to each child, in rounds. A draft's pool runs ``ROUND_CALLS``
    calls at a time, and a round of them only while the calls so far cannot have stopped it; its stripped
    program (the focus effect) is asked about the countable calls, in a round of their own, until one is told
    apart (into ``told``: the first such call in pool order, ``-1`` for none). The first round also asks the
    stripped program about the pool's first call, under the whole budget (most focuses tell there; a call
    that is not countable has that answer dropped). A draft's pool stops once ``early_prefix`` says the calls so
    far stopped it. A draft whose stripped call's child did not end ok (before one was told apart) is told nothing
    from then on (the pool then stops by coverage alone), as when ``_told_after`` asks about a whole pool. The answers are those of
    the whole pool's calls (tests/synth/test_synth_patterns_alone.py)."""
    cap = config.max_line_steps + 1
    bares = {i: _stripped(cands[i]) for i in indices} if config.focus_effect else {}
    got: dict[int, list[Call]] = {i: [] for i in indices}
    asked: dict[int, int] = {i: 0 for i in indices}  # pool calls [0, asked) were put to the stripped program
    found: dict[int, int] = {}  # the first call told apart
    lost: set[int] = set()      # a stripped call's child did not end ok: nothing told
    out: dict[int, list[Call] | None] = {}
    rules = {i: static_rules(cands[i].source) for i in indices}

    def mark(i: int) -> int | None:
        return None if bares.get(i) is None or i in lost else found.get(i, -1)

    def stopped(i: int) -> bool:
        heads = [h for h, _ in rules[i].tests]
        return len(early_prefix([*got[i], _NO_CALL], rules[i].statements, heads, cap=cap, stop=EARLY_STOP,
                                told=mark(i))) <= len(got[i])

    def asking(i: int) -> bool:
        return bares.get(i) is not None and i not in found and i not in lost

    first = True
    active = list(indices)
    while active:
        alone: dict[Any, PatternCandidate] = {}   # ("call" | "bare", i, k): one call to a child
        shared: dict[Any, PatternCandidate] = {}  # ("bares", i): a batchable stripped program's asked calls
        put: dict[int, list[int]] = {}            # the pool calls put to each draft's stripped program this round
        budgets: dict[Any, int] = {}
        for i in active:
            pool = cands[i].pool
            if asking(i) and asked[i] < len(got[i]):  # the calls run so far, before any more of the pool
                put[i] = [k for k in range(asked[i], len(got[i])) if _countable(got[i][k], cap)]
                asked[i] = len(got[i])
                if put[i]:
                    continue
            for k in range(len(got[i]), min(len(got[i]) + ROUND_CALLS, len(pool))):
                alone[("call", i, k)] = replace(cands[i], pool=[pool[k]])
            if first and asking(i) and pool:
                put[i] = [0]  # (under the whole budget: see above)
                asked[i] = 1
        for i, ks in put.items():
            limit = None if first else min(cap, max(_stripped_limit(got[i][k][3], cap) for k in ks))
            if batchable(bares[i].source):
                shared[("bares", i)] = replace(bares[i], pool=[cands[i].pool[k] for k in ks])
                if limit is not None:
                    budgets[("bares", i)] = limit
            else:
                for k in ks:
                    alone[("bare", i, k)] = replace(bares[i], pool=[cands[i].pool[k]])
                    if limit is not None:
                        budgets[("bare", i, k)] = limit
        first = False
        groups = [[key] for key in alone] + _groups(list(shared), BATCH)
        ran = _cover({**alone, **shared}, [], config, 1, budgets=budgets, groups=groups)
        for i in active:
            calls = [ran.get(("call", i, k)) for k in range(len(got[i]), len(cands[i].pool))
                     if ("call", i, k) in alone]
            if any(c is None or len(c) != 1 for c in calls):
                out[i] = None
                continue
            got[i] += [c[0] for c in calls]
            if i not in put:
                continue
            if ("bares", i) in shared:
                answers = ran.get(("bares", i))
                answers = [None] * len(put[i]) if answers is None else [[c] for c in answers]
            else:
                answers = [ran.get(("bare", i, k)) for k in put[i]]
            for k, answer in zip(put[i], answers):
                if not asking(i) or not _countable(got[i][k], cap):
                    continue  # (the first round's answer about a call that turned out not countable is dropped)
                if answer is None or len(answer) != 1:
                    lost.add(i)
                    continue
                ok, value, _, steps, _ = answer[0]
                if ok is not True or steps > _stripped_limit(got[i][k][3], cap) or tells(got[i][k][1], value):
                    found[i] = k  # (the first in pool order: asking stops here)
        still = []
        for i in active:
            if i in out:
                continue
            done = len(got[i]) == len(cands[i].pool) and not (asking(i) and asked[i] < len(got[i]))
            if done or stopped(i):
                heads = [h for h, _ in rules[i].tests]
                out[i] = early_prefix(got[i], rules[i].statements, heads, cap=cap, stop=EARLY_STOP, told=mark(i))
                if mark(i) is not None:
                    told[i] = mark(i)
            else:
                still.append(i)
        active = still
    return out


def _summaries(cand: PatternCandidate, traced: Any, try_line: int) -> list[Call] | None:
    """The runner's trace cut into one ``Call`` summary per pool tuple (``None``: the run was not ok or was
    truncated)."""
    outcome = str(getattr(traced.outcome, "value", traced.outcome))
    if outcome != "ok" or traced.truncated or not isinstance(traced.return_value, list) \
            or len(traced.return_value) != len(cand.pool):
        return None
    tests = dict(static_rules(cand.source).tests)
    out = []
    for (ok, value), steps in zip(traced.return_value, _segments(traced.steps, try_line, len(cand.pool))):
        lines = [s.line for s in steps if s.event == "line"]
        outcomes: dict[int, set[bool]] = {}
        _test_outcomes(steps, tests, outcomes)
        out.append((ok, value, tuple(x for pair in sorted(Counter(lines).items()) for x in pair), len(lines),
                    {h: sorted(seen) for h, seen in sorted(outcomes.items())}))
    return out


# ------------------------------------------------------------------------------------------- focus effect
def _stripped(cand: PatternCandidate) -> PatternCandidate | None:
    """The draft with its focus's uses replaced by the values they apply to (``focus_effect.without_focus``);
    None for a focus that gives back its receiver's value by nature (``IDENTITY_FOCUS``: a copy, a whole
    slice), or one ``without_focus`` does not strip (a comparison, a membership test)."""
    bare = _stripped_batchable(cand)
    return None if bare is None else bare[0]


def _stripped_batchable(cand: PatternCandidate) -> tuple[PatternCandidate, bool] | None:
    """``_stripped`` and whether the stripped program passes ``coverage.batchable``: it does when the draft does
    and the stripping binds no name less (``focus_effect.strip``); otherwise the check is run on its text, after
    dropping the imports the stripped program no longer uses (``focus_effect.without_unused_imports``: the
    ``import math`` of a stripped ``math.floor(x)``), so that such a probe can share a child with others."""
    if "/".join(cand.focus) in IDENTITY_FOCUS:
        return None
    stripped = strip(cand.source, cand.focus)
    if stripped is None:
        return None
    text, keeps_names = stripped
    if keeps_names and batchable(cand.source):
        return replace(cand, source=text), True
    if not batchable(text):  # (``import math`` of a stripped ``math.floor(x)``, unused now: the same program without)
        lean = without_unused_imports(text)
        if lean is not None and batchable(lean):
            text = lean
    return replace(cand, source=text), batchable(text)


def _countable(call: Call, cap: int) -> bool:
    """Whether the light runner's early stop counts ``call`` (and asks the stripped program about it)."""
    ok, value, _, steps, _ = call
    return ok is True and steps < cap and short(value, VALUE_REPR_CAP)


def _told_after(cands: Sequence[PatternCandidate], whole: Mapping[int, list[Call] | None], config: FilterConfig,
                batch: int) -> dict[int, int]:
    """For drafts whose whole pools ran (``whole``) with a stripped program: the first call, in pool order, that
    the light runner would count and whose stripped call did not give the same value (failed, ran past
    ``STRIPPED_SLACK`` times that call's line steps plus ``STRIPPED_EXTRA``, or returned another value,
    ``coverage.tells``); ``-1`` when none did. The stripped programs run in children of their own (batched
    when batchable), on those calls' arguments only: the same answer as the light runner's, call by call. A
    draft whose stripped run is not ok is left out (nothing told)."""
    cap = config.max_line_steps + 1
    runs: dict[int, PatternCandidate] = {}
    wanted: dict[int, list[int]] = {}
    budgets: dict[int, int] = {}
    out: dict[int, int] = {}
    for i, calls in whole.items():
        bare = _stripped(cands[i]) if calls is not None else None
        if bare is None:
            continue
        wanted[i] = [k for k, call in enumerate(calls) if _countable(call, cap)]
        if not wanted[i]:
            out[i] = -1
            continue
        runs[i] = replace(bare, pool=[cands[i].pool[k] for k in wanted[i]])
        budgets[i] = min(cap, max(_stripped_limit(calls[k][3], cap) for k in wanted[i]))
    light = [i for i in runs if batchable(runs[i].source)]
    got: dict[int, list[Call] | None] = {}
    if light:
        got.update(_cover(runs, light, config, batch, budgets=budgets, tests=False))
    shared = set(light)
    alone = {i: range(len(runs[i].pool)) for i in runs if i not in shared}
    if alone:  # (one call to a child: these stripped programs fail ``coverage.batchable``)
        got.update(_calls_alone(runs, alone, config, budgets=budgets, tests=False))
    for i, bare_calls in got.items():
        if bare_calls is None:
            continue
        calls = whole[i]
        out[i] = next((k for k, (ok, value, _, steps, _) in zip(wanted[i], bare_calls)
                       if ok is not True or steps > _stripped_limit(calls[k][3], cap) or tells(calls[k][1], value)),
                      -1)
    return out


def _stripped_limit(steps: int, cap: int) -> int:
    return min(cap, STRIPPED_SLACK * steps + STRIPPED_EXTRA)


def _with_focus_effect(cand: PatternCandidate, verdict: PatternVerdict, picked: list[int], eligible: list[Run],
                       telling: int) -> tuple[PatternVerdict, list[int]]:
    """The verdict once the focus's effect is checked: some shipped input must give another value without the
    focus. ``telling``: the first call whose stripped program gave another value (``-1``: none). When it is not
    shipped, it is shipped too (in place of the last variant when ``MAX_VARIANTS`` are shipped) and the rejection
    rules are applied again; with none, the draft is rejected."""
    if telling in picked:
        return verdict, picked
    runs = {run[0]: run for run in eligible}
    if telling not in runs:
        return PatternVerdict(False, "the focus makes no difference to any input"), []
    shipped = [*picked, telling] if len(picked) < 1 + MAX_VARIANTS else [*picked[:-1], telling]
    problems = run_problems(cand.source, [runs[k][2] for k in shipped])
    if problems:
        return PatternVerdict(False, problems[0]), []
    return replace(verdict, variants=tuple(cand.call_of(cand.pool[k]) for k in shipped[1:])), shipped


def _values(calls: Sequence[Call]) -> list:
    return [(ok, value) for ok, value, *_ in calls]


def _judge(cand: PatternCandidate, calls: list[Call] | None, config: FilterConfig, told: int | None = None
           ) -> tuple[PatternVerdict, list[int], list[Run]]:
    """The verdict on ``calls`` (hash seed 0), the pool indices of the call and variants it ships, and the
    eligible runs (ok within the budget with a literal result) they were chosen from. ``told``: the first pool
    call whose value the program without its focus changes (the focus effect; -1 or None: none, or not
    checked); when it is eligible it is the program's call, so that the call's output depends on the focus."""
    from execgym.engine.codec import is_literal

    if calls is None:
        return PatternVerdict(False, "runner: not ok"), [], []
    runs = []
    tries = static_rules(cand.source).tries
    for k, (ok, value, counts, steps, outcomes) in enumerate(calls):
        if ok is not True or steps > config.max_line_steps or len(repr(value)) > VALUE_REPR_CAP \
                or not (_plain(value) or (is_literal(value) and _roundtrips(value))):
            continue
        executed = frozenset(counts[0::2])
        marks = set(executed) | {(line, seen) for line, got in outcomes.items() for seen in got}
        if tries:  # a ``try``'s outcomes count as a test's (``quality.try_outcomes``)
            marks |= {(line, seen) for line, got in try_outcomes(counts, tries).items() for seen in got}
        runs.append((k, value, RunSummary(value, executed, outcomes, steps, counts), marks, counts))
    if len(runs) < 1 + MIN_VARIANTS:
        return PatternVerdict(False, "fewer than 6 inputs run ok"), [], runs
    # the call: the first eligible run, unless its value is a container of copies of one trivial value (``(0, 0,
    # 0)`` when no pair of items crossed the bound), which the rules reject as the program's output: then the
    # first whose value is neither that nor itself trivial (``[]``, ``0``, ``False``), when one is
    main = runs[0]
    if told is not None and told >= 0:
        main = next((run for run in runs if run[0] == told and not trivial_container(run[1])), main)
    if trivial_container(main[1]):
        main = next((run for run in runs if not trivial_container(run[1]) and not _trivial(run[1])), main)
    chosen = [main]
    covered = set(main[3])
    rest = [run for run in runs if run is not main]
    while len(chosen) < 1 + MAX_VARIANTS:
        best = max(rest, key=lambda run: len(run[3] - covered), default=None)
        if best is None or not best[3] - covered:
            break
        chosen.append(best)
        covered |= best[3]
        rest.remove(best)
    outputs = {repr(v) for _, v, *_ in chosen}
    for run in list(rest):
        if len(chosen) >= 1 + MIN_VARIANTS:
            break
        if repr(run[1]) not in outputs:
            chosen.append(run)
            outputs.add(repr(run[1]))
            rest.remove(run)
    for run in rest:
        if len(chosen) >= 1 + MIN_VARIANTS:
            break
        chosen.append(run)
    problems = run_problems(cand.source, [run[2] for run in chosen])
    if problems:
        return PatternVerdict(False, problems[0]), [], runs
    call = cand.call_of(cand.pool[main[0]])
    variants = tuple(cand.call_of(cand.pool[k]) for k, *_ in chosen[1:])
    counts = main[4]
    features = program_features(cand.source, [line for line, times in zip(counts[0::2], counts[1::2])
                                              for _ in range(times)], cand.constraints, cand.ops_used)
    return PatternVerdict(True, "ok", main[1], call, variants, features), [k for k, *_ in chosen], runs
