"""Trace-grounded SFT rationales: a step-by-step walk of the real execution, ending in the gold answer.

No teacher model is involved: the walk is written from ``execgym.trace`` of the task's program on
its call, and the answer block is the task's own ``gold_response()`` answer block. Every rationale is
scored with the task's verifier before it is kept (:func:`verified_rationale`), so a row can only
enter the SFT set if it earns the top reward.

Contract:

* :func:`walk_trace(source, call, trace)` -> text: one line per executed statement (line number,
  statement text, the variables it changed), loops elided past a budget, then the return value.
* :func:`rationale_response(task)` -> ``<reasoning>walk</reasoning>`` + the gold answer block.
* :func:`verified_rationale(task)` -> ``(response, None)`` or ``(None, reason)``; never raises.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from execgym import astparse

MAX_SHOWN_STEPS = 40  # line steps shown in full; longer traces keep the first and last ones
HEAD_STEPS = 28
VALUE_CHARS = 80
_MISSING = object()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 5] + " ...]"


def program_of(task: Any) -> tuple[str, str]:
    """``(source, call)`` of a task's program: from ``task.program`` or the spec's program payload."""
    program = getattr(task, "program", None)
    if program is not None and getattr(program, "source", None):
        return str(program.source), str(program.call)
    spec = getattr(task, "spec", {}) or {}
    for holder in (program, spec.get("program"), spec):
        if (
            isinstance(holder, dict)
            and isinstance(holder.get("source"), str)
            and isinstance(holder.get("call"), str)
        ):
            return holder["source"], holder["call"]
    raise ValueError(f"task {spec.get('env')!r} carries no program source/call to trace")


def _assigned_names(statement: str) -> list[str]:
    """Plain names a one-line assignment statement binds (``x = ...``, ``x += ...``, ``a, b = ...``)."""
    try:
        tree = astparse.parse(statement)
    except SyntaxError:
        return []
    if len(tree.body) != 1:
        return []
    node = tree.body[0]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    names: list[str] = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def walk_trace(source: str, call: str, trace: Any, *, intro: str | None = None) -> str:
    """A readable walk of ``trace`` (an ``ExecutionTrace``) of ``call`` on ``source``."""
    lines = source.splitlines()
    steps = list(getattr(trace, "steps", ()))
    out: list[str] = [intro or f"Let me execute `{call}` step by step, tracking the variables."]

    # the state after each line step = the locals of the next event in the same frame
    next_locals: dict[int, dict] = {}
    last_event_in_frame: dict[int, int] = {}
    for index, step in enumerate(steps):
        previous = last_event_in_frame.get(step.frame)
        if previous is not None:
            next_locals[previous] = step.locals
        last_event_in_frame[step.frame] = index

    rendered: list[str] = []
    for index, step in enumerate(steps):
        if step.event == "call":
            args = ", ".join(f"{k}={_short(v)}" for k, v in step.locals.items())
            rendered.append(f"Call {step.function}({args}).")
        elif step.event == "line":
            text = lines[step.line - 1].strip() if 0 < step.line <= len(lines) else ""
            after = next_locals.get(index)
            changes = []
            if after is not None:
                assigned = _assigned_names(text)
                for name, value in after.items():
                    before = step.locals.get(name, _MISSING)
                    changed = before is _MISSING or before != value or type(before) is not type(value)
                    if changed or name in assigned:
                        changes.append(f"{name} = {_short(value)}" + ("" if changed else " (unchanged)"))
            note = f" -> {', '.join(changes)}" if changes else ""
            times = f" (time {step.count})" if step.count > 1 else ""
            rendered.append(f"Line {step.line}{times}: `{text}`{note}")
        elif step.event == "return":
            rendered.append(f"{step.function} returns {_short(step.value)}.")
        elif step.event == "exception":
            info = step.value if isinstance(step.value, dict) else {}
            rendered.append(
                f"{step.function} raises {info.get('type', 'an exception')}: {info.get('message', '')}".rstrip()
            )
    if len(rendered) > MAX_SHOWN_STEPS:
        tail = MAX_SHOWN_STEPS - HEAD_STEPS
        skipped = len(rendered) - MAX_SHOWN_STEPS
        rendered = (
            rendered[:HEAD_STEPS] + [f"... ({skipped} more steps in the same pattern) ..."] + rendered[-tail:]
        )
    out.extend(rendered)
    outcome = str(getattr(getattr(trace, "outcome", ""), "value", getattr(trace, "outcome", "")))
    if outcome == "ok":
        out.append(f"So `{call}` returns {_short(getattr(trace, 'return_value', None))}.")
    elif getattr(trace, "error", None) is not None:
        out.append(f"So `{call}` ends with {trace.error.type}: {trace.error.message}.")
    return "\n".join(out)


_ANSWER_OPEN = re.compile(r"<answer>", re.IGNORECASE)


def answer_block(gold: str) -> str:
    """The gold response from its last ``<answer>`` tag on (the whole text when it has none)."""
    matches = list(_ANSWER_OPEN.finditer(gold))
    return gold[matches[-1].start() :] if matches else gold


def rationale_response(task: Any, *, timeout: float = 5.0) -> str:
    """``<reasoning>`` + trace walk + ``</reasoning>`` + the task's gold answer block."""
    import execgym

    source, call = program_of(task)
    trace = execgym.trace(source, call, timeout=timeout)
    intro = None
    spec = getattr(task, "spec", {}) or {}
    if str(spec.get("env", "")).endswith("ExecOI-v0") and "output" in spec:
        intro = (
            f"I need arguments for which the function returns {spec['output']}. "
            f"Let me try `{call}` and execute it step by step."
        )
    walk = walk_trace(source, call, trace, intro=intro)
    return f"<reasoning>\n{walk}\n</reasoning>\n{answer_block(task.gold_response()).strip()}"


def verified_rationale(task: Any) -> tuple[str | None, str | None]:
    """The rationale if the task's verifier gives it the top reward, else ``(None, reason)``."""
    try:
        response = rationale_response(task)
    except Exception as exc:  # noqa: BLE001 - a task we cannot trace is skipped and counted
        return None, f"rationale_failed: {type(exc).__name__}: {exc}"[:200]
    try:
        scored = task.score(response)
    except Exception as exc:  # noqa: BLE001
        return None, f"score_failed: {type(exc).__name__}"
    if scored.reward < scored.max_reward - 1e-9:
        return None, f"not_top_reward: {scored.outcome}: {scored.reason}"[:200]
    return response, None
