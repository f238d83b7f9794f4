"""The child side of ``execgym.synth.patterns.coverage``: the light coverage runner, as plain code.

The fork server imports this module before it freezes its heap (``execgym.engine.forkserver``), so every sandboxed
child already holds it: a coverage request only names it (``from execgym.synth.light_runner import execgym_cover``)
instead of carrying the runner's code. It imports nothing but the standard library, holds no state between calls,
and runs only execgym's OWN drafts (see ``coverage``'s contract: never model-written or user-supplied code).
Every function here is also what the generating process uses to read the results (``tells``, ``short``,
``new_value``), so both sides apply one definition.
"""

from __future__ import annotations

import binascii
import builtins
import marshal
import sys

FILENAME = "<execgym-draft>"  # the file name the drafts are compiled with (the runner traces that file only)
# a stripped call (the draft without its focus) may run this many times the draft's own call's line steps (+ the
# extra) before it counts as a change: a focus that moved a loop on, stripped, would loop to the budget
STRIPPED_SLACK = 2
STRIPPED_EXTRA = 50
_COMPREHENSIONS = ("<listcomp>", "<genexpr>", "<setcomp>", "<dictcomp>")  # the tracer's steps skip them


class _Budget(BaseException):
    """A call ran past its line-step budget (a BaseException: no draft's ``except Exception`` stops it)."""

def execgym_cover(budget, enough, distinct, repr_cap, drafts_blob, codes_blob, text_pools_of):
    """Cover every draft of ``drafts_blob`` (see ``coverage.cover_batch``): ``drafts_blob`` and ``codes_blob`` are the
    base64 marshal data of the drafts and of their code objects, ``text_pools_of()`` builds the pools that travel as
    literal text (called again for the stripped programs' own copies)."""
    # the drafts as marshal data: far cheaper for the child than compiling them as one big literal
    drafts = marshal.loads(binascii.a2b_base64(drafts_blob))
    codes, stripped_codes = marshal.loads(binascii.a2b_base64(codes_blob))
    text_pools = text_pools_of()
    stripped_pools = None  # a second build of the text pools, made once a stripped program needs one

    def entering(tracer):
        # the global trace function that hands ``tracer`` to the frames of the drafts' own code (comprehensions
        # are no steps of their own, as in the tracer's steps)
        def start(frame, event, arg):
            code = frame.f_code
            if code.co_filename == FILENAME and code.co_name not in _COMPREHENSIONS:
                return tracer
            return None
        return start

    values = []  # every call's value (or exception name), in order, through the sandbox's value codec
    meta = []    # the rest as ints only, returned as ONE string: cheap to move and to read back (json)
    told = []    # per draft: the first call its stripped program tells apart (-1: none; -2: no stripped program)
    for index, (source, entry, pool, tests, *own) in enumerate(drafts):
        # a draft may bring its own line-step budget per call, the statements of its early stop, and its program
        # without the focus (``run._stripped``)
        cap = own[0] if own and own[0] is not None else budget
        need = own[1] if len(own) > 1 else None
        bare = own[2] if len(own) > 2 else None
        spool = None  # the stripped program's own copy of a pool with sets (marshal copies the others per call)
        if type(pool) is tuple:  # a pool with sets of ints: their recipe (see ``cover_batch``)
            if bare is not None:
                spool = _rebuilt(pool)
            pool = _rebuilt(pool)
        elif pool is None:  # a pool with other sets travels as literal text (see ``cover_batch``)
            pool = text_pools[index]
            if bare is not None:
                if stripped_pools is None:
                    stripped_pools = text_pools_of()
                spool = stripped_pools[index]
        namespace = {"__name__": "execgym_draft", "__builtins__": builtins}
        # a draft comes compiled too (its code object, from the generating process, with asserts kept), unless
        # that could differ from compiling its text here
        code = codes[index] if sys.flags.optimize == 0 else None
        exec(code if code is not None else compile(source, FILENAME, "exec"), namespace)
        function = namespace[entry]
        telling = -2
        if bare is not None:
            telling = -1
            shadow = {"__name__": "execgym_draft", "__builtins__": builtins}
            # (its code object whenever it has one: a probe, compiled with asserts kept like the draft's own)
            code = stripped_codes[index]
            exec(code if code is not None else compile(bare, FILENAME, "exec"), shadow)
            stripped = shadow[entry]
        size = source.count("\n") + 2  # a draft frame's line numbers are its source's
        calls = []
        missing = None
        if need is not None:  # early stop: what is still to be covered (statements, then tests' truth values)
            missing = set(need)
            for header in tests:
                missing.add((header, False))
                missing.add((header, True))
            good = 0
            outs = []
        for position, args in enumerate(pool):
            if telling == -1 and spool is None:
                saved = marshal.dumps(args)  # (before the draft runs: it may change its arguments)
            executed = [0] * size  # line events per line number
            outcomes = {}
            pending = {}  # frame -> the test header it just ran (its next event in that frame decides it)
            steps = 0

            def local(frame, event, arg):
                nonlocal steps
                if event == "line":
                    line = frame.f_lineno
                    if pending and frame in pending:
                        header = pending.pop(frame)
                        outcomes.setdefault(header, set()).add(line == tests[header])
                    steps += 1
                    if steps > cap:
                        raise _Budget
                    executed[line] += 1
                    if line in tests:
                        pending[frame] = line
                elif pending and frame in pending:  # a return decides False, an exception nothing
                    header = pending.pop(frame)
                    if event == "return":
                        outcomes.setdefault(header, set()).add(False)
                return local

            sys.settrace(entering(local))
            try:
                value = function(*args)
                ok = True
            except _Budget:
                ok, value = None, "budget"
            except Exception as exc:
                ok, value = False, type(exc).__name__
            finally:
                sys.settrace(None)
            values.append(value)
            counts = []  # flat: line, times, line, times... (one tuple: far cheaper to marshal back than pairs)
            for line, times in enumerate(executed):
                if times:
                    counts += (line, times)
            calls.append((ok, tuple(counts), steps,
                          {header: sorted(seen) for header, seen in sorted(outcomes.items())}))
            countable = (telling == -1 or missing is not None) and ok is True and steps < cap                 and short(value, repr_cap)
            if telling == -1 and countable:
                # does the program without its focus give another value here? (stopped past twice this call's
                # line steps plus 50: a focus that moved a loop on, stripped, would loop to the budget)
                sargs = spool[position] if spool is not None else marshal.loads(saved)
                limit = min(cap, STRIPPED_SLACK * steps + STRIPPED_EXTRA)
                count = 0

                def counting(frame, event, arg):
                    nonlocal count
                    if event == "line":
                        count += 1
                        if count > limit:
                            raise _Budget
                    return counting

                sys.settrace(entering(counting))
                try:
                    other = stripped(*sargs)
                    same = True
                except (_Budget, Exception):  # (past its budget, or any error: a change)
                    same = False
                finally:
                    sys.settrace(None)
                if not same or tells(value, other):
                    telling = position
            if missing is not None and countable:
                good += 1
                if missing:
                    for line in need:
                        if executed[line]:
                            missing.discard(line)
                    for header, seen in outcomes.items():
                        for truth in seen:
                            missing.discard((header, truth))
                if new_value(value, outs):
                    outs.append(value)
                if good >= enough and not missing and len(outs) >= distinct and telling != -1:
                    break  # the rest of the pool could add no mark and no needed output (see ``early_prefix``)
        meta.append(calls)
        told.append(telling)
    # values the value codec would carry unchanged (exact built-in types, far inside its caps) go back with the
    # summaries, as they are, in one marshal blob: much cheaper than the codec on both sides
    budget = [20000]
    if all(_flat(value, 0, budget) for value in values):
        return marshal.dumps((values, meta, told), 4)
    # anything else takes the codec, the summaries as ints only in one string: ok as 1 / 0 / -1 (budget),
    # [line, times, ...], line steps, [header, mask, ...] (a test's mask: 1 False seen, 2 True seen)
    ints = []
    for calls in meta:
        rows = []
        for ok, counts, steps, seen in calls:
            flat = list(counts)
            masks = []
            for header, truths in seen.items():
                masks += (header, (1 if False in truths else 0) | (2 if True in truths else 0))
            rows.append([1 if ok else (0 if ok is False else -1), flat, steps, masks])
        ints.append(rows)
    return values, repr(ints), told


def short(value, cap):
    """Whether ``value``'s repr is at most ``cap`` characters long (False when it cannot be written)."""
    try:
        return len(repr(value)) <= cap
    except ValueError:  # an int past the str conversion limit
        return False


def new_value(value, outs):
    """Whether ``value`` differs (``type`` and ``==``) from every value in ``outs``; False when comparing raises."""
    try:
        return not any(type(other) is type(value) and other == value for other in outs)
    except Exception:  # (a list that holds itself: RecursionError) counted as no new value
        return False


def _rebuilt(recipe):
    """A value from its ``coverage.set_recipe``: what evaluating its literal builds, sets of ints included."""
    if type(recipe) is not tuple:
        return recipe
    tag, body = recipe
    if tag == 0:
        return [_rebuilt(v) for v in body]
    if tag == 1:
        return tuple([_rebuilt(v) for v in body])
    if tag == 2:
        out = {}
        for k in range(0, len(body), 2):
            out[_rebuilt(body[k])] = _rebuilt(body[k + 1])
        return out
    if len(body) > 2:  # ``{a, b, c}``: the set the literal's frozenset constant updates an empty set with
        return set(frozenset(tuple(frozenset(body))))
    built = set()  # ``{a, b}`` / ``set()``: the elements added in the literal's order
    for item in body:
        built.add(item)
    return built


def _flat(value, depth, budget):
    """Whether the sandbox's value codec would carry ``value`` unchanged (exact built-in types, far inside its caps):
    such values go back in one marshal blob (here and in ``execgym.synth.traced_calls``)."""
    kind = type(value)
    if kind is int:
        return value.bit_length() <= 10000
    if kind is str or kind is bytes:
        return len(value) <= 10000
    if kind is float or kind is bool or value is None:
        return True
    if depth >= 8 or not (kind is list or kind is tuple or kind is dict or kind is set or kind is frozenset):
        return False
    budget[0] -= len(value)
    if len(value) > 1000 or budget[0] < 0:
        return False
    if kind is dict:
        return all(_flat(k, depth + 1, budget) and _flat(v, depth + 1, budget) for k, v in value.items())
    return all(_flat(v, depth + 1, budget) for v in value)


def tells(value, other):
    """Whether a stripped call's value ``other`` differs from the draft's ``value`` (type, or literal text)."""
    kind = type(value)
    if kind is type(other) and (kind is str or kind is int or kind is bool or value is None):
        return value != other  # (their text is equal exactly when they are)
    try:
        return _key(value) != _key(other)
    except Exception:  # (a list that holds itself: RecursionError; an int past the str conversion limit)
        return True


def _key(value):
    """``tells``'s key: the type and the text ``literal`` would write, sets compared whatever their order."""
    kind = type(value)
    if kind is list or kind is tuple:
        return (kind.__name__, tuple([_key(v) for v in value]))
    if kind is set or kind is frozenset:
        return (kind.__name__, tuple(sorted([repr(_key(v)) for v in value])))
    if kind is dict:
        return ("dict", tuple([(_key(k), _key(v)) for k, v in value.items()]))
    return (kind.__name__, repr(value))
