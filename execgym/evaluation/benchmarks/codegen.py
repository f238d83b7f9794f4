"""Shared machinery of the code-generation benchmarks (HumanEval(+), MBPP(+), LiveCodeBench, BigCodeBench).

Contract: a benchmark module turns each published record into a :class:`CodeProblem`; :class:`CodegenBenchmark`
makes one ``BenchItem`` per problem whose scorer returns the harness's info dict and never raises.

Scoring one response (:func:`score_problem`), all execution in execgym's sandbox, never in the caller:
1. the code is the last fenced block of the last ``<answer>`` block, else (as EvalPlus' sanitizer and
   LiveCodeBench's extractor accept) the last fenced block of the response, else the whole response;
   ``details.format_ok`` says whether the answer block was there. A HumanEval-style answer that only
   completes the body (no top-level ``def entry``) gets the problem's prompt prepended, as the official
   harness does (``prompt + completion``).
2. the tests (call + expected literal, or stdin/stdout) are scored as UnitTest-v0 tests under policy
   ``trusted`` (the benchmarks' harnesses run solutions unrestricted; the sandbox process is the boundary):
   only the call or the stdin enters the candidate's process, its return value / stdout is decoded and
   compared in the caller (``strict_equal``; floats with ``float_tolerance``).
3. a ``check_program`` (BigCodeBench's unittest classes, and HumanEval/MBPP assertions that are not literal
   ``f(...) == literal`` pairs) runs *with* the candidate in one sandboxed process, as the official harness
   does. Such a verdict can be forged by a hostile candidate (it shares the process with the test code): it
   measures a model, it is not a training reward. ``details.check`` says when one ran.
A problem passes when every test and the check pass; ``correct`` and ``official`` are that verdict.
"""

from __future__ import annotations

import ast
import gzip
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from execgym import astparse
from execgym.evaluation.items import BenchItem

DEFAULT_TIMEOUT_S = 6.0  # per test run; EvalPlus/LiveCodeBench use a few seconds per test
INSTRUCTIONS = ("Think step by step first, and check your code against the examples. Then put the complete code "
                "(with the imports it needs) in a ```python code block inside <answer> and </answer>. Only the "
                "last <answer> block counts.")


@dataclass
class CodeProblem:
    task_id: str
    prompt: str  # the whole text shown to the model
    entry: str  # the function (or class) that must be defined; "main" for stdin/stdout programs
    tests: list[dict] = field(default_factory=list)
    solution: str | None = None  # canonical solution, complete program
    prefix: str = ""  # prepended when an answer does not define ``entry`` (HumanEval's prompt)
    check_program: str | None = None  # official test code run together with the candidate
    check_call: str = "None"  # the call that runs the check; a returned [run, failed, ...] list is read
    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int = 512  # address-space limit of the check program's process (numpy/pandas need more)
    float_tolerance: float = 0.0
    resolve: Callable[[CodeProblem], None] | None = None  # fills ``tests`` lazily (EvalPlus expected outputs)
    meta: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ensure_tests(self) -> None:
        with self._lock:
            if self.resolve is not None:
                resolve, self.resolve = self.resolve, None
                resolve(self)


def read_records(path: str | Path) -> list[dict]:
    """Rows of a benchmark file: ``.jsonl.gz`` (HumanEval's own), or anything ``common.load_rows`` reads."""
    from execgym.evaluation.benchmarks.common import load_rows

    p = Path(path)
    if p.name.endswith(".gz"):
        import json

        if not p.exists():
            raise FileNotFoundError(f"benchmark data file not found: {p}")
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    return load_rows(p)


def defines(code: str, name: str) -> bool:
    try:
        tree = astparse.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name
               for n in tree.body)


def extract_code(response: Any) -> tuple[str, bool]:
    """(code, format_ok): see step 1 of the module docstring."""
    from execgym.tasks.answers import answer_block, code_block

    if not isinstance(response, str):
        return "", False
    block = answer_block(response)
    if block is not None:
        return code_block(block), True
    return code_block(response), False


def _spec(problem: CodeProblem, tests: list[dict]) -> dict:
    return {
        "env": "UnitTest-v0", "version": 1, "level": 0, "seed": 0,
        "options": {"max_turns": 1, "n_visible": 0, "n_hidden": max(1, min(50, len(tests))),
                    "float_tolerance": problem.float_tolerance, "timeout": problem.timeout,
                    "reward": "pass_rate", "policy": "trusted"},
        "problem": {"origin": "user", "entry": problem.entry if problem.entry.isidentifier() else "main",
                    "statement": problem.task_id, "visible": [], "tests": tests, "solution": problem.solution},
    }


def run_check(program: str, call: str, timeout: float, memory_mb: int = 512) -> tuple[bool, str]:
    """Run an official check program in the sandbox (trusted policy); (passed, reason)."""
    from execgym.engine.api import run

    result = run(program, call, timeout=timeout, policy="trusted", memory_mb=memory_mb)
    outcome = getattr(result.outcome, "value", result.outcome)
    if outcome != "ok":
        err = result.error
        detail = f" ({err.type}: {err.message})"[:300] if err is not None else ""
        return False, f"official check: {outcome}{detail}"
    value = result.return_value
    if call == "None":
        return True, "official check ran without error"
    if isinstance(value, list) and len(value) >= 2 and all(type(v) is int for v in value[:2]):
        ran, failed = value[0], value[1]
        if ran > 0 and failed == 0:
            return True, f"official check: {ran} test(s) passed"
        names = value[2] if len(value) > 2 and isinstance(value[2], list) else []
        return False, f"official check: {failed} of {ran} test(s) failed {names[:3]}"
    return False, "official check returned no verdict"


def score_problem(problem: CodeProblem, response: str) -> dict:
    """The harness info dict for one response (never raises; see the module docstring)."""
    from execgym.evaluation.benchmarks.common import result
    from execgym.tasks import score

    code, format_ok = extract_code(response)
    if not code.strip():
        return result(False, "no code in the response", official=False, outcome="format_error",
                      details={"format_ok": format_ok})
    if problem.prefix and problem.entry != "main" and not defines(code, problem.entry):
        code = problem.prefix.rstrip("\n") + "\n" + code
    problem.ensure_tests()
    details: dict[str, Any] = {"format_ok": format_ok, "tests": len(problem.tests)}
    passed, reasons = True, []
    if problem.tests:
        wrapped = "<answer>\n```python\n" + code.rstrip("\n") + "\n```\n</answer>"
        s = score(_spec(problem, problem.tests), wrapped)
        passed = s.outcome == "correct"
        reasons.append(s.reason)
        details["passed_tests"] = sum(1 for d in s.details if d.get("correct"))
        failing = [d for d in s.details if not d.get("correct")]
        if failing:
            details["first_failure"] = {k: failing[0].get(k) for k in ("question", "expected", "parsed", "reason")}
    if problem.check_program is not None and passed:
        ok, why = run_check(code.rstrip("\n") + "\n\n" + problem.check_program, problem.check_call, problem.timeout,
                            problem.memory_mb)
        passed = passed and ok
        reasons.append(why)
        details["check"] = why
    if not problem.tests and problem.check_program is None:
        return result(False, "the problem has no usable test", official=False, outcome="error", details=details)
    reason = "; ".join(reasons) or ("passed" if passed else "failed")
    return result(passed, reason, official=passed, details=details)


class CodegenBenchmark:
    """A list of problems as benchmark items (``skipped``: records that had no usable test)."""

    def __init__(self, name: str, problems: list[CodeProblem], skipped: int = 0):
        self.name = name
        self.problems = problems
        self.skipped = skipped

    def items(self) -> list[BenchItem]:
        out = []
        for p in self.problems:
            spec = {"benchmark": self.name, "task_id": p.task_id, "entry": p.entry, **p.meta}
            out.append(BenchItem(self.name, p.task_id, p.prompt, spec, partial(score_problem, p)))
        return out

    def extra_rows(self, records: list[dict]) -> list[dict]:
        return []

    def gold_responses(self) -> dict[str, str]:
        """task_id -> the canonical solution as an answer (tests and demos); problems without one are left out."""
        return {p.task_id: "Canonical.\n<answer>\n```python\n" + p.solution.rstrip("\n") + "\n```\n</answer>"
                for p in self.problems if p.solution}
