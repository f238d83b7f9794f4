"""Built-in no-model baselines: ``heuristic`` (the floor every model must beat) and ``random``.

Both read only the conversation they are given (the prompt text: the numbered program listing, the
call, the questions) and never a task spec or ground truth. ``heuristic`` answers by fixed rules:

- next-line questions: the line after it (the following line number; ``-1`` past the end);
- value questions: the variable keeps its first value (its argument in the call when it is a
  parameter, else the literal of its first assignment; ``Nil`` when neither is known);
- output prediction (``assert CALL == ??``): the output is the first argument;
- input prediction (``assert f(??) == OUT``): every argument is the output;
- coverage questions (REval): YES; code generation: return the first parameter.

``random`` answers every question with a shape-correct random guess drawn from the prompt (seeded by
``params.seed`` and the prompt text through :mod:`execgym.seeding`). Responses follow the
``<answer>`` format, one answer per line in question order.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from execgym import astparse
from execgym.models.base import Completion, Model, Prompt, SamplingParams
from execgym.seeding import rng

_LISTING_LINE = re.compile(r"^\s*(\d+)(?:(?:  |\t| \| |: )(.*))?$")
_FENCE = re.compile(r"^\s*```")
_NEXT_Q = re.compile(r"after line (\d+)\b[^\n]*?which line (?:runs|executes) next", re.IGNORECASE)
_NEXT_Q2 = re.compile(r"which line executes right after line (\d+)", re.IGNORECASE)
_VAR_Q = re.compile(r"value and (?:the )?type of (?:variable )?`([^`]+)` (?:right |just )?after line (\d+)", re.IGNORECASE)
_COVER_Q = re.compile(r"\bIs line (\d+)\b[^\n]*executed", re.IGNORECASE)
_IO_Q = re.compile(r"assert (.+?) == \?\?")
_OI_Q = re.compile(r"assert ([A-Za-z_]\w*)\(\?\?\) == (.+?)`?\s*$", re.MULTILINE)
_CALL_HINT = re.compile(r"(?:runs the call|is called as|when) `([^`]+)`")
_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(([^)]*)\)")


@dataclass
class PromptView:
    """What a baseline can see: the listing (line -> code), the call, and the questions in order."""

    lines: dict[int, str] = field(default_factory=dict)
    call: str | None = None
    questions: list[tuple[str, tuple]] = field(default_factory=list)  # (kind, args), in prompt order
    wants_text_lines: bool = False
    wants_code: bool = False
    signature: tuple[str, list[str]] | None = None


def _listing(text: str) -> dict[int, str]:
    """The first fenced block whose lines are all numbered, as line -> code."""
    blocks, cur, inside = [], [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            if inside:
                blocks.append(cur)
                cur = []
            inside = not inside
            continue
        if inside:
            cur.append(line)
    for block in blocks:
        rows = [ln for ln in block if ln.strip()]
        parsed = [_LISTING_LINE.match(ln) for ln in rows]
        if rows and all(parsed):
            return {int(m.group(1)): m.group(2) or "" for m in parsed if m}
    return {}


def _unnumbered_code(text: str) -> str:
    m = re.search(r"```(?:python)?\n(.*?)```", text, re.DOTALL)
    return m.group(1) if m else ""


def view(prompt: Prompt) -> PromptView:
    """Parse the conversation: the program from the first user turn, questions from the last one."""
    users = [m.get("content", "") for m in prompt if m.get("role") == "user"]
    first, last = (users[0], users[-1]) if users else ("", "")
    v = PromptView(lines=_listing(first))
    for text in (first, last):
        m = _CALL_HINT.search(text)
        if m:
            v.call = m.group(1)
    found: list[tuple[int, str, tuple]] = []
    for m in _NEXT_Q.finditer(last):
        found.append((m.start(), "next", (int(m.group(1)),)))
    for m in _NEXT_Q2.finditer(last):
        found.append((m.start(), "next", (int(m.group(1)),)))
    for m in _VAR_Q.finditer(last):
        found.append((m.start(), "var", (m.group(1), int(m.group(2)))))
    for m in _COVER_Q.finditer(last):
        found.append((m.start(), "cover", (int(m.group(1)),)))
    for m in _OI_Q.finditer(last):
        found.append((m.start(), "oi", (m.group(1), m.group(2).strip().rstrip("`").strip())))
    for m in _IO_Q.finditer(last):
        call = m.group(1).strip().lstrip("`")
        if "(??)" not in call:
            found.append((m.start(), "io", (call,)))
            v.call = v.call or call
    found.sort(key=lambda t: t[0])
    positions = set()
    for pos, kind, args in found:  # repeated questions (same line, another k) are separate answers
        if pos not in positions:
            positions.add(pos)
            v.questions.append((kind, args))
    v.wants_text_lines = "text of that line" in last
    code = "\n".join(v.lines.values()) if v.lines else (_unnumbered_code(first) or first)
    for line in code.split("\n"):
        m = _DEF.match(line)
        if m:
            params = [p.split(":")[0].split("=")[0].strip() for p in m.group(2).split(",") if p.strip()]
            params = [p for p in params if p not in ("self", "cls") and not p.startswith("*")]
            v.signature = (m.group(1), params)  # the last def is the entry in execgym's programs
    if not v.questions and re.search(r"\bwrite\b.*\bfunction\b|```python\s*\n\s*def ", last, re.IGNORECASE | re.DOTALL):
        v.wants_code = True
    return v


# ----------------------------------------------------------------------------- shared helpers


def _call_args(call: str | None) -> tuple[list[str], dict[str, str]]:
    """Argument source texts of a call (positional, keyword); empty when unparsable."""
    if not call:
        return [], {}
    try:
        node = astparse.parse(call.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [], {}
    if not isinstance(node, ast.Call):
        return [], {}
    pos = [ast.get_source_segment(call.strip(), a) or "" for a in node.args]
    kws = {k.arg: ast.get_source_segment(call.strip(), k.value) or "" for k in node.keywords if k.arg}
    return pos, kws


def _literal(text: str) -> Any:
    from execgym.tasks.literals import parse_literal

    p = parse_literal(text)
    return (True, p.value) if p.ok else (False, None)


def _render_value(value: Any) -> str | None:
    from execgym.tasks.literals import render_literal

    try:
        return f"{render_literal(value)}; {type(value).__name__}"
    except (ValueError, TypeError):
        return None


def _param_names(v: PromptView, line: int) -> list[str]:
    """Parameters of the function enclosing ``line`` (the nearest def above it)."""
    for n in sorted((k for k in v.lines if k <= line), reverse=True):
        m = _DEF.match(v.lines[n])
        if m:
            return [p.split(":")[0].split("=")[0].strip() for p in m.group(2).split(",") if p.strip()]
    return v.signature[1] if v.signature else []


def _first_value(v: PromptView, var: str, line: int) -> str:
    """The heuristic's value answer: the variable keeps its first value."""
    pos, kws = _call_args(v.call)
    params = _param_names(v, line)
    if var in kws:
        ok, value = _literal(kws[var])
        if ok and (r := _render_value(value)):
            return r
    if var in params and params.index(var) < len(pos):
        ok, value = _literal(pos[params.index(var)])
        if ok and (r := _render_value(value)):
            return r
    assign = re.compile(rf"^\s*{re.escape(var)}\s*=\s*(.+)$")
    for n in sorted(v.lines):
        m = assign.match(v.lines[n])
        if m:
            ok, value = _literal(m.group(1))
            if ok and (r := _render_value(value)):
                return r
            break
    return "Nil"


def _response(answers: list[str], preface: str = "Answer by fixed rules.") -> str:
    return f"{preface}\n<answer>\n" + "\n".join(answers) + "\n</answer>"


class _RuleModel(Model):
    """Shared plumbing: answer each prompt with ``self.answer(view, prompt, rand)``."""

    def __init__(self) -> None:
        super().__init__()

    def respond(self, prompt: Prompt, params: SamplingParams, sample: int) -> str:
        raise NotImplementedError

    async def agenerate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        out = []
        for prompt in prompts:
            row = []
            for j in range(params.n):
                started = time.perf_counter()
                text = self.respond(prompt, params, j)
                row.append(Completion(text, 0, 0, time.perf_counter() - started, "stop"))
            self.usage.requests += 1
            out.append(row)
        return out


class HeuristicModel(_RuleModel):
    """The fixed-rule baseline (deterministic; ignores temperature and seed)."""

    name = "heuristic"

    def respond(self, prompt: Prompt, params: SamplingParams, sample: int) -> str:
        v = view(prompt)
        if not v.questions:
            if v.signature:
                name, params_ = v.signature
                body = f"    return {params_[0]}" if params_ else "    return None"
                return "Answer by fixed rules.\n<answer>\n```python\n" + f"def {name}({', '.join(params_)}):\n{body}\n```\n</answer>"
            return _response(["-1"])
        answers = []
        for kind, args in v.questions:
            answers.append(self._answer(v, kind, args))
        return _response(answers)

    def _answer(self, v: PromptView, kind: str, args: tuple) -> str:
        if kind == "next":
            nxt = args[0] + 1
            if v.lines and nxt not in v.lines:
                return "-1"
            if v.wants_text_lines and nxt in v.lines:
                return v.lines[nxt].strip() or str(nxt)
            return str(nxt)
        if kind == "var":
            return _first_value(v, args[0], args[1])
        if kind == "cover":
            return "YES"
        if kind == "io":
            pos, kws = _call_args(args[0])
            first = pos[0] if pos else (next(iter(kws.values())) if kws else "None")
            return f"assert {args[0]} == {first}"
        if kind == "oi":
            entry, output = args
            params = v.signature[1] if v.signature and v.signature[0] == entry else []
            n = max(1, len(params))
            return f"assert {entry}({', '.join([output] * n)}) == {output}"
        return "-1"


class RandomModel(_RuleModel):
    """Shape-correct random answers; reproducible from (params.seed, sample, prompt text)."""

    name = "random"

    def respond(self, prompt: Prompt, params: SamplingParams, sample: int) -> str:
        text = "\x1e".join(m.get("content", "") for m in prompt)
        r = rng("random-baseline", params.seed, sample, text)
        v = view(prompt)
        pool = self._literal_pool(v, text)
        if not v.questions:
            if v.signature:
                name, ps = v.signature
                ret = r.choice(ps) if ps else "None"
                return "Random.\n<answer>\n```python\n" + f"def {name}({', '.join(ps)}):\n    return {ret}\n```\n</answer>"
            return _response([str(r.randint(-1, 10))])
        answers = []
        line_numbers = sorted(v.lines) or list(range(1, 11))
        for kind, args in v.questions:
            if kind == "next":
                choice = r.choice([-1, *line_numbers])
                answers.append(v.lines[choice].strip() if v.wants_text_lines and choice in v.lines else str(choice))
            elif kind == "var":
                value = r.choice(pool)
                rendered = _render_value(value)
                answers.append("Nil" if rendered is None or r.random() < 0.1 else rendered)
            elif kind == "cover":
                answers.append(r.choice(["YES", "NO"]))
            elif kind == "io":
                rendered = _render_value(r.choice(pool))
                answers.append(f"assert {args[0]} == {rendered.rsplit(';', 1)[0] if rendered else 'None'}")
            elif kind == "oi":
                entry, output = args
                ps = v.signature[1] if v.signature and v.signature[0] == entry else ["x"]
                vals = []
                for _ in ps or ["x"]:
                    rendered = _render_value(r.choice(pool))
                    vals.append(rendered.rsplit(";", 1)[0] if rendered else "0")
                answers.append(f"assert {entry}({', '.join(vals)}) == {output}")
        return _response(answers, "Random guesses.")

    @staticmethod
    def _literal_pool(v: PromptView, text: str) -> list[Any]:
        pool: list[Any] = [0, 1, -1, True, False, None, "", []]
        pos, kws = _call_args(v.call)
        for t in [*pos, *kws.values()]:
            ok, value = _literal(t)
            if ok:
                pool.append(value)
        for m in re.finditer(r"(?<![\w.])(-?\d+|'[^'\n]{0,20}')", "\n".join(v.lines.values())):
            ok, value = _literal(m.group(1))
            if ok:
                pool.append(value)
        return pool


BASELINES: dict[str, Callable[[], Model]] = {"heuristic": HeuristicModel, "random": RandomModel}
