"""White-box questions built from a REAL execution trace, and their graders.

Definitions (documented in docs/tasks.md):
- The trace is ``execgym.trace(source, call).steps``; steps of synthetic frames (``<listcomp>``, ``<lambda>``,
  ``<genexpr>``, ``<module>`` ...) are ignored. "Line n has executed for the k-th time" means the k-th ``line``
  step of line n among the remaining steps (a ``for``/``while`` header counts once per check, including the
  last check that leaves the loop; a ``return`` counts once: return events are not line steps).
- Next-line question (n, k): the answer is the line of the next ``line`` step after that one, in any frame,
  or -1 when there is none (the program ends) or line n never executes k times. Transitions that return
  from a helper into the middle of its caller's line, and a line followed by itself, are not asked.
- Value question (n, k, v): the value and type of local ``v`` of the same frame at its next step (``line`` or
  ``return``) after that one, asked only for variables that line created or changed; ``Nil`` when line n
  never executes k times.
- Which statements count, which are branches and which names a line assigns come from the AST (``source.py``),
  never from substring tests.

Questions are JSON-able dicts:
  ``{"kind": "next", "line": n, "k": k, "answer": m}``  (m = -1 for "never / program ends")
  ``{"kind": "var", "line": n, "k": k, "var": v, "value": "<literal text>" | None, "type": "int" | None}``
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from execgym.tasks.answers import parse_next, parse_var
from execgym.tasks.literals import (
    is_plain,
    parse_trusted,
    render_literal,
    show_value,
    strict_equal,
    type_name,
)
from execgym.tasks.source import SourceInfo, ordinal

MAX_VALUE_CHARS = 200  # values longer than this (rendered) are not asked about


def _get(step: Any, name: str, default: Any = None) -> Any:
    if isinstance(step, dict):
        return step.get(name, default)
    return getattr(step, name, default)


@dataclass(frozen=True)
class _Step:
    event: str
    function: str
    frame: int
    line: int
    locals: dict


def user_steps(steps: Iterable[Any]) -> list[_Step]:
    """Steps of named (non-synthetic) frames, in order."""
    out = []
    for s in steps:
        fn = str(_get(s, "function", "") or "")
        if fn.startswith("<"):
            continue
        out.append(
            _Step(
                event=str(_get(s, "event", "")),
                function=fn,
                frame=int(_get(s, "frame", 0) or 0),
                line=int(_get(s, "line", 0) or 0),
                locals=dict(_get(s, "locals", None) or {}),
            )
        )
    return out


@dataclass(frozen=True)
class Transition:
    index: int  # position of the line step in the user-step list
    line: int
    k: int
    next_line: int  # -1: program ends
    interesting: bool


@dataclass
class TraceFacts:
    steps: list[_Step]
    line_idx: list[int]  # indices of line steps
    counts: dict[int, int]  # line -> number of executions
    k_of: dict[int, int]  # step index -> k


def facts(steps: Iterable[Any]) -> TraceFacts:
    us = user_steps(steps)
    counts: dict[int, int] = {}
    k_of: dict[int, int] = {}
    line_idx = []
    for i, s in enumerate(us):
        if s.event == "line":
            counts[s.line] = counts.get(s.line, 0) + 1
            k_of[i] = counts[s.line]
            line_idx.append(i)
    return TraceFacts(us, line_idx, counts, k_of)


def transitions(tf: TraceFacts, info: SourceInfo) -> list[Transition]:
    """Askable next-line transitions, in execution order."""
    out = []
    for pos, i in enumerate(tf.line_idx):
        cur = tf.steps[i]
        if cur.line not in info.stmt_lines:
            continue
        j = tf.line_idx[pos + 1] if pos + 1 < len(tf.line_idx) else None
        if j is None:
            out.append(Transition(i, cur.line, tf.k_of[i], -1, True))
            continue
        nxt = tf.steps[j]
        if nxt.line == cur.line:
            continue
        returned = any(
            tf.steps[x].event == "return" and tf.steps[x].frame == cur.frame for x in range(i + 1, j)
        )
        if returned:
            continue  # back into the middle of the caller's line: ambiguous, not asked
        interesting = (
            cur.line in info.branch_lines or nxt.line in info.branch_lines or nxt.line != cur.line + 1
        )
        out.append(Transition(i, cur.line, tf.k_of[i], nxt.line, interesting))
    return out


def never_reached(tf: TraceFacts, info: SourceInfo) -> list[int]:
    """Statement lines (inside functions) that never executed."""
    return sorted(n for n in info.stmt_lines if n not in tf.counts)


def _after_state(tf: TraceFacts, i: int) -> dict | None:
    frame = tf.steps[i].frame
    for x in range(i + 1, len(tf.steps)):
        s = tf.steps[x]
        if s.frame != frame:
            continue
        if s.event == "exception":
            return None
        if s.event in ("line", "return"):
            return s.locals
    return None


@dataclass(frozen=True)
class Change:
    index: int
    line: int
    k: int
    var: str
    value: Any


def changes(tf: TraceFacts, info: SourceInfo) -> list[Change]:
    """(line, k, variable, new value) for every variable a line step created or changed, in order."""
    out = []
    for i in tf.line_idx:
        cur = tf.steps[i]
        if cur.line not in info.stmt_lines:
            continue
        after = _after_state(tf, i)
        if after is None:
            continue
        before = cur.locals
        for name in sorted(after):
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
                continue
            value = after[name]
            if name in before and (before[name] is value or strict_equal(before[name], value)):
                continue
            if not is_plain(value):
                continue
            try:
                text = render_literal(value)
            except (ValueError, RecursionError):
                continue
            if len(text) > MAX_VALUE_CHARS:
                continue
            out.append(Change(i, cur.line, tf.k_of[i], name, value))
    return out


# ------------------------------------------------------------------ question construction


def next_question(t: Transition) -> dict:
    return {"kind": "next", "line": t.line, "k": t.k, "answer": t.next_line}


def var_question(c: Change) -> dict:
    return {
        "kind": "var",
        "line": c.line,
        "k": c.k,
        "var": c.var,
        "value": render_literal(c.value),
        "type": type_name(c.value),
    }


def select_next(tf: TraceFacts, info: SourceInfo, n: int, rnd: random.Random) -> list[dict]:
    """Up to ``n`` next-line questions: interesting transitions first, plus -1 questions for lines never
    reached (one when there is one) and, sometimes, for one execution past a line's last."""
    if n <= 0:
        return []
    trans = transitions(tf, info)
    out: list[dict] = []
    unreached = never_reached(tf, info)
    if unreached and n >= 2:
        out.append({"kind": "next", "line": rnd.choice(unreached), "k": 1, "answer": -1})
    beyond = sorted(line for line in tf.counts if line in info.stmt_lines and tf.counts[line] >= 2)
    if beyond and n >= 3 and rnd.random() < 0.35:
        line = rnd.choice(beyond)
        out.append({"kind": "next", "line": line, "k": tf.counts[line] + 1, "answer": -1})
    interesting = [t for t in trans if t.interesting]
    plain = [t for t in trans if not t.interesting]
    want = n - len(out)
    picked = rnd.sample(interesting, min(want, len(interesting)))
    if len(picked) < want:
        picked += rnd.sample(plain, min(want - len(picked), len(plain)))
    out.extend(next_question(t) for t in picked)
    return _dedupe(out)[:n]


def select_var(tf: TraceFacts, info: SourceInfo, n: int, rnd: random.Random) -> list[dict]:
    """Up to ``n`` value/type questions, at most one per (line, k), plus Nil questions like ``select_next``."""
    if n <= 0:
        return []
    out: list[dict] = []
    unreached = [line for line in never_reached(tf, info) if info.assigned.get(line)]
    if unreached and n >= 2:
        line = rnd.choice(unreached)
        out.append({"kind": "var", "line": line, "k": 1, "var": rnd.choice(info.assigned[line]),
                    "value": None, "type": None})
    beyond = sorted(
        line for line in tf.counts if info.assigned.get(line) and tf.counts[line] >= 2 and line in info.stmt_lines
    )
    if beyond and n >= 3 and rnd.random() < 0.35:
        line = rnd.choice(beyond)
        out.append({"kind": "var", "line": line, "k": tf.counts[line] + 1,
                    "var": rnd.choice(info.assigned[line]), "value": None, "type": None})
    by_step: dict[tuple[int, int], list[Change]] = {}
    for c in changes(tf, info):
        by_step.setdefault((c.line, c.k), []).append(c)
    keys = list(by_step)
    want = n - len(out)
    for key in rnd.sample(keys, min(want, len(keys))):
        out.append(var_question(rnd.choice(by_step[key])))
    return _dedupe(out)[:n]


def stepwise_next(tf: TraceFacts, info: SourceInfo, n: int) -> list[dict]:
    """The first ``n`` askable transitions in execution order (a debugger walk)."""
    return [next_question(t) for t in transitions(tf, info)[:n]]


def stepwise_var(tf: TraceFacts, info: SourceInfo, n: int, rnd: random.Random) -> list[dict]:
    """One changed variable per line step, in execution order, for the first ``n`` steps that change one."""
    out: list[dict] = []
    seen: dict[tuple[int, int], list[Change]] = {}
    order: list[tuple[int, int]] = []
    for c in changes(tf, info):
        key = (c.line, c.k)
        if key not in seen:
            order.append(key)
            seen[key] = []
        seen[key].append(c)
    for key in order[:n]:
        out.append(var_question(rnd.choice(seen[key])))
    return out


def _dedupe(questions: list[dict]) -> list[dict]:
    seen = set()
    out = []
    for q in questions:
        key = (q["kind"], q["line"], q["k"], q.get("var"))
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out


def order_questions(questions: list[dict]) -> list[dict]:
    """Stable presentation order: by line, then k, then variable name."""
    return sorted(questions, key=lambda q: (q["line"], q["k"], q["kind"], q.get("var") or ""))


# ------------------------------------------------------------------ rendering and grading



def question_text(q: dict, info: SourceInfo) -> str:
    n, k = q["line"], q["k"]
    where = f"line {n} (`{info.text(n)}`) has executed for the {ordinal(k)} time"
    if q["kind"] == "next":
        return f"After {where}, which line runs next?"
    return f"What are the value and type of variable `{q['var']}` right after {where}?"


def gold_answer(q: dict, info: SourceInfo) -> str:
    if q["kind"] == "next":
        return str(q["answer"])
    if q["value"] is None:
        return "Nil"
    return f"{q['value']}; {q['type']}"


def expected_text(q: dict, info: SourceInfo) -> str:
    if q["kind"] == "next":
        m = q["answer"]
        return "-1" if m == -1 else f"{m} (`{info.text(m)}`)"
    return gold_answer(q, info)


def grade(q: dict, answer: str | None, info: SourceInfo, tol: float = 0.0) -> dict:
    """Grade one answer line against one question; returns a details entry (never raises)."""
    detail = {"question": question_text(q, info), "expected": expected_text(q, info), "parsed": None,
              "correct": False, "reason": ""}
    if answer is None:
        detail["reason"] = "no answer for this question"
        return detail
    if q["kind"] == "next":
        parsed = parse_next(answer, info)
        if not parsed.ok:
            detail["reason"] = parsed.reason
            return detail
        detail["parsed"] = sorted(parsed.lines)
        if q["answer"] in parsed.lines:
            detail["correct"] = True
            detail["reason"] = "right line"
        else:
            detail["reason"] = "wrong line"
        return detail
    pv = parse_var(answer)
    if not pv.ok:
        detail["reason"] = pv.reason
        return detail
    if pv.nil:
        detail["parsed"] = "Nil"
        ok = q["value"] is None
        detail["correct"] = ok
        detail["reason"] = "right: the line never executes that often" if ok else "wrong: the line does execute"
        return detail
    detail["parsed"] = f"{show_value(pv.value)}; {pv.type_name}"
    if q["value"] is None:
        detail["reason"] = "wrong: expected Nil (the line never executes that often)"
        return detail
    expected = parse_trusted(q["value"])
    if not expected.ok:
        detail["reason"] = f"unusable ground truth ({expected.reason})"
        return detail
    type_ok = pv.type_name == q["type"]
    value_ok = strict_equal(pv.value, expected.value, tol)
    detail["correct"] = type_ok and value_ok
    detail["reason"] = {
        (True, True): "right value and type",
        (True, False): "wrong value",
        (False, True): "wrong type name",
        (False, False): "wrong value and type",
    }[(type_ok, value_ok)]
    return detail


def grade_all(questions: Sequence[dict], answers: Sequence[str], info: SourceInfo, tol: float = 0.0) -> tuple[list[dict], str | None]:
    """Grade answers positionally. A count mismatch grades nothing right (reason returned)."""
    if len(answers) != len(questions):
        reason = f"expected {len(questions)} answer line(s), got {len(answers)}"
        details = []
        for q in questions:
            d = grade(q, None, info, tol)
            d["reason"] = reason
            details.append(d)
        return details, reason
    return [grade(q, a, info, tol) for q, a in zip(questions, answers)], None
