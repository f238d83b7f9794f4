"""ExecAudit-v0 (test writing; FixAudit's Auditor): write one assertion that exposes a faulty implementation.

Contract:
- Spec payload ``problem``: ``{"origin", "entry", "statement", "solution", "candidate", "description",
  "witness": {"call", "expected"}}``. Built-in tasks take a program exactly as UnitTest-v0 does
  (``unittest.build_builtin``: levels follow the program levels, any ``execgym.synth`` generator or program
  ``source``); the candidate is a single-fault mutant of the reference (``execgym.tasks.mutate``, up to
  ``MAX_MUTANTS`` hashed seeds per program, then the next program) kept only when, run in the sandbox, it differs
  from the reference's literal output on some test input (a wrong value or an exception; a mutant that times out
  or hits a limit on any input, also when retried with a 5 s limit, is skipped). ``witness`` is that input and the
  reference's output (the gold answer). ``description`` is metadata, never shown to the model.
- The observation shows the statement, the REFERENCE code and the candidate code. The answer is ONE line
  ``assert f(<literal arguments>) == <literal>``, parsed with ``ast`` under ExecOI's rules
  (``answers.parse_assertion`` + ``literals.literal_call_text``: the called name is the entry function, every
  argument and the right side are literals; no names, calls, expressions, starred or ``**`` arguments).
- The call text is re-rendered from the decoded literal values and runs on the reference and on the candidate
  in the sandbox (``policy="trusted"``: both programs are ours; the arguments are plain data). Their decoded
  return values are compared type-strictly with the decoded right side here, in the caller (``strict_equal``:
  nothing program-defined is compared). Reward 1 only when the assertion PASSES on the reference and FAILS on
  the candidate (a different value or an exception); else 0 with the reason. A reference or candidate that
  times out is outcome ``timeout`` (reward 0), a sandbox failure ``error``; a malformed answer ``format_error``.
"""

from __future__ import annotations

from typing import Any

from execgym import astparse
from execgym.seeding import derive_seed
from execgym.tasks.answers import answer_block, answer_lines, parse_assertion
from execgym.tasks.base import Pending, Score, Task, clip_text, error_score, format_error, make_score
from execgym.tasks.literals import literal_call_text, parse_trusted, render_literal, show_value, strict_equal
from execgym.tasks.mutate import mutate
from execgym.tasks.options import Opt
from execgym.tasks.tracetask import read_problem, require

OPTIONS = {
    "float_tolerance": Opt(0.0, float, min=0.0, max=1.0),
    "timeout": Opt(2.0, float, min=0.05, max=30.0),
    "source": Opt("synth", str),
}
MAX_CALL_CHARS = 60_000
MAX_MUTANTS = 12
MAX_PROGRAMS = 20
MUTANT_TIMEOUTS = (1.0, 5.0)
UNSTABLE = ("timeout", "memory_limit", "output_limit", "sandbox_error")


def _outcome(result: Any) -> str:
    out = getattr(result, "outcome", "sandbox_error")
    return str(getattr(out, "value", out))


def _error_text(result: Any, outcome: str) -> str:
    err = getattr(result, "error", None)
    what = f"{getattr(err, 'type', '')}: {getattr(err, 'message', '')}".strip(": ") if err else ""
    return outcome + (f" ({clip_text(what, 200)})" if what else "")


def _differing(source: str, tests: list[dict]) -> dict | None | str:
    """The first test on which ``source`` differs from the test's expected literal (``{"call", "expected"}``),
    ``None`` when it agrees on all, ``"unstable"`` when it timed out or hit a limit anywhere."""
    import dataclasses

    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest

    requests = [
        RunRequest(source=source, call=t["call"], mode="run", policy="trusted", timeout=MUTANT_TIMEOUTS[0])
        for t in tests
    ]
    results = list(run_batch(requests))
    for timeout in MUTANT_TIMEOUTS[
        1:
    ]:  # a slow run under load is retried longer; a mutant that loops is skipped
        todo = [i for i, r in enumerate(results) if _outcome(r) in UNSTABLE]
        if not todo:
            break
        again = run_batch([dataclasses.replace(requests[i], timeout=timeout) for i in todo])
        for i, r in zip(todo, again):
            results[i] = r
    found = None
    for t, r in zip(tests, results):
        outcome = _outcome(r)
        if outcome in UNSTABLE:
            return "unstable"
        if found is None and (
            outcome != "ok" or not strict_equal(r.return_value, parse_trusted(t["expected"]).value)
        ):
            found = {"call": t["call"], "expected": t["expected"]}
    return found


def build_audit(env: str, level: int, seed: int, options: dict) -> dict:
    """A program (as UnitTest-v0 builds one) and a faulty candidate that differs from it on some test."""
    from execgym.tasks.unittest import build_builtin

    problems = []
    for attempt in range(MAX_PROGRAMS):
        program_seed = (
            seed if attempt == 0 else derive_seed("execgym.audit.program", env, level, seed, attempt)
        )
        try:
            base = build_builtin(
                env,
                level,
                program_seed,
                {"n_visible": 3, "n_hidden": 8, "source": options.get("source", "synth")},
            )
        except RuntimeError as exc:
            problems.append(f"program {attempt}: {exc}")
            continue
        problem = base["problem"]
        tests = list(problem["visible"]) + list(problem["tests"])
        seen: set[str] = set()
        for k in range(MAX_MUTANTS):
            mutant = mutate(
                problem["solution"], derive_seed("execgym.audit.mutant", env, level, seed, attempt, k)
            )
            if mutant is None:
                break
            if mutant.source in seen:
                continue
            seen.add(mutant.source)
            witness = _differing(mutant.source, tests)
            if not isinstance(witness, dict):
                continue
            spec = {
                "env": env,
                "version": 1,
                "level": int(level),
                "seed": int(seed),
                "options": dict(options),
                "problem": {
                    "origin": problem["origin"],
                    "entry": problem["entry"],
                    "statement": problem["statement"],
                    "solution": problem["solution"],
                    "candidate": mutant.source,
                    "description": mutant.description,
                    "witness": witness,
                },
            }
            if "origin" in base:
                spec["origin"] = base["origin"]
            return spec
        problems.append(f"program {attempt}: no mutant differs from the reference on a test")
    raise RuntimeError(
        f"no usable program for ({env}, level {level}, seed {seed}): {'; '.join(problems[-3:])}"
    )


WRITE_ASK = "Write a Python function with this signature:"
SPEC_INTRO = "The function under test has this signature:"
WRITE_TAIL = "Write the complete Python function"


def _as_specification(statement: str) -> str:
    """A UnitTest-v0 statement read as the specification of the function under test (its request to write
    the function, and anything after it, left out)."""
    text = statement.rstrip()
    if text.startswith(WRITE_ASK):
        text = SPEC_INTRO + text[len(WRITE_ASK):]
    cut = text.find(WRITE_TAIL)
    return text[:cut].rstrip() if cut > 0 else text


def _same_layout(source: str) -> str:
    """The reference laid out as the mutant is (``ast.unparse``), so the two differ only in the fault."""
    import ast

    try:
        return ast.unparse(astparse.parse(source)).rstrip()
    except (SyntaxError, ValueError, RecursionError):
        return source.rstrip()


class AuditTask(Task):
    env = "ExecAudit-v0"
    OPTIONS = OPTIONS

    @classmethod
    def build(cls, env: str, level: int, seed: int, options: dict) -> dict:
        return build_audit(env, level, seed, options)

    def __init__(self, spec: dict):
        super().__init__(spec)
        problem = read_problem(spec)
        for key in ("statement", "solution", "candidate"):
            require(isinstance(problem.get(key), str) and problem[key].strip(), f"missing {key!r}")
        witness = problem.get("witness")
        require(isinstance(witness, dict) and isinstance(witness.get("call"), str), "missing 'witness'")
        require(
            parse_trusted(str(witness.get("expected"))).ok, "the witness's expected value is not a literal"
        )
        self.problem = problem
        self.entry = problem["entry"]
        self.options = dict(spec.get("options") or {})
        self.tol = float(self.options.get("float_tolerance", 0.0) or 0.0)
        self.timeout = float(self.options.get("timeout", 2.0))
        self._prompt: str | None = None

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            p = self.problem
            self._prompt = (
                f"{_as_specification(p['statement'])}\n\n"
                f"Reference implementation (correct):\n```python\n{_same_layout(p['solution'])}\n```\n\n"
                f"Candidate implementation (it has a bug):\n```python\n{p['candidate'].rstrip()}\n```\n\n"
                f"Write ONE unit test that the reference passes and the candidate fails: one line "
                f"`assert {self.entry}(<arguments>) == <expected>`, the arguments and the expected value written "
                f"as Python literals (no variables, no calls, no expressions). It earns the reward only when the "
                f"reference returns exactly the expected value and the candidate does not (a different value or "
                f"an exception).\n\n"
                "Think step by step first. Then put the assertion on one line inside <answer> and </answer>. "
                "Only the last <answer> block counts."
            )
        return self._prompt

    def gold_response(self) -> str:
        w = self.problem["witness"]
        return f"The candidate differs from the reference here.\n<answer>\nassert {w['call']} == {w['expected']}\n</answer>"

    def _detail(self, parsed: str | None) -> dict:
        return {
            "question": f"assert {self.entry}(...) == ... : passes on the reference, fails on the candidate",
            "expected": "an assertion the reference passes and the candidate fails",
            "parsed": clip_text(parsed) if parsed is not None else None,
            "correct": False,
            "reason": "",
        }

    def blank_details(self, reason: str) -> list[dict]:
        return [dict(self._detail(None), reason=reason)]

    def _prepare(self, response: str) -> Pending:
        block = answer_block(response)
        if block is None:
            return Pending.done(format_error("no <answer>...</answer> block in the response"))
        lines = answer_lines(block)
        if not lines:
            return Pending.done(format_error("the answer block is empty"))
        if len(lines) != 1:
            return Pending.done(format_error(f"expected exactly 1 assertion line, got {len(lines)}"))
        detail = self._detail(lines[0])
        a = parse_assertion(lines[0])
        if not a.ok:
            return Pending.done(format_error(a.reason))
        try:
            call, why = literal_call_text(a.call, self.entry)
        except (ValueError, RecursionError) as exc:
            call, why = None, f"arguments cannot be written as literals ({type(exc).__name__})"
        if call is None:
            return Pending.done(format_error(why))
        if not a.rhs.ok:
            return Pending.done(format_error(f"the right side is not a literal ({a.rhs.reason})"))
        if len(call) > MAX_CALL_CHARS:
            return Pending.done(format_error("arguments too large"))
        try:
            expected_text = render_literal(a.rhs.value, hex_huge=True)
        except (ValueError, RecursionError):
            expected_text = "<literal>"
        detail["parsed"] = clip_text(f"assert {call} == {expected_text}")
        from execgym.engine.request import RunRequest

        requests = [
            RunRequest(
                source=self.problem[key], call=call, mode="run", policy="trusted", timeout=self.timeout
            )
            for key in ("solution", "candidate")
        ]
        return Pending(requests=requests, finish=lambda results: self._finish(detail, a.rhs.value, results))

    def _finish(self, detail: dict, expected: Any, results: list) -> Score:
        if len(results) != 2:
            return error_score("sandbox returned the wrong number of results")
        ref, cand = results
        ref_out, cand_out = _outcome(ref), _outcome(cand)
        for name, r, out in (("reference", ref, ref_out), ("candidate", cand, cand_out)):
            if out == "timeout":
                detail["reason"] = f"the {name} timed out on these arguments"
                return make_score(0.0, 1.0, detail["reason"], [detail], outcome="timeout")
            if out == "sandbox_error":
                detail["reason"] = f"running the {name}: {_error_text(r, out)}"
                return make_score(0.0, 1.0, detail["reason"], [detail], outcome="error")
        if ref_out != "ok":
            detail["reason"] = f"the assertion fails on the reference: it raises {_error_text(ref, ref_out)}"
            return make_score(0.0, 1.0, detail["reason"], [detail])
        if not strict_equal(ref.return_value, expected, self.tol):
            detail["reason"] = (
                f"the assertion fails on the reference: it returns {show_value(ref.return_value, 200)}"
            )
            return make_score(0.0, 1.0, detail["reason"], [detail])
        if cand_out != "ok":
            detail["correct"] = True
            detail["reason"] = f"passes on the reference; the candidate raises {_error_text(cand, cand_out)}"
            return make_score(1.0, 1.0, detail["reason"], [detail])
        if strict_equal(cand.return_value, expected, self.tol):
            detail["reason"] = (
                "the assertion passes on the reference AND on the candidate: it does not expose the bug"
            )
            return make_score(0.0, 1.0, detail["reason"], [detail])
        detail["correct"] = True
        detail["reason"] = (
            f"passes on the reference; the candidate returns {show_value(cand.return_value, 200)}"
        )
        return make_score(1.0, 1.0, detail["reason"], [detail])
