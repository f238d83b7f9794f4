"""LiveCodeBench, code-generation scenario (HF ``livecodebench/code_generation_lite``, e.g. ``test6.jsonl``).

Records: ``question_id``, ``question_title``, ``question_content``, ``platform``, ``contest_date``,
``difficulty``, ``starter_code``, ``public_test_cases`` (JSON text: ``[{"input", "output", "testtype"}]``),
``private_test_cases`` (JSON text, or as published base64(zlib(pickle(JSON text)))), ``metadata`` (JSON text,
``{"func_name"}`` for LeetCode problems).

``testtype == "stdin"``: stdin/stdout tests (lines compared after stripping trailing blanks; LiveCodeBench
also accepts numerically equal tokens, which this does not). ``"functional"``: each input line is one JSON
argument, the output one JSON value; the call is ``Solution().<func_name>(...)`` when the starter code defines
``class Solution`` (LiveCodeBench also accepts a tuple where a list is expected; the comparison here is
type-strict). The prompt is LiveCodeBench's (starter code, or "read from stdin") with execgym's answer format.
The private tests are decoded with an unpickler that refuses every class (a data file is not code).
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import zlib
from typing import Any

from execgym.evaluation.benchmarks.codegen import INSTRUCTIONS, CodegenBenchmark, CodeProblem, read_records
from execgym.evaluation.benchmarks.common import require_fields

HEADER = ("You will be given a question (problem specification) and will generate a correct Python program that "
          "matches the specification and passes all tests.")
STDIN_NOTE = ("Read the inputs from stdin, solve the problem and write the answer to stdout (do not directly test "
              "on the sample inputs).")


class _NoClasses(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing {module}.{name} in benchmark data")


def decode_tests(value: Any) -> list[dict]:
    """A test-case list from JSON text or LiveCodeBench's compressed form (never unpickles a class)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str) or not value.strip():
        return []
    try:
        data = json.loads(value)
    except ValueError:
        raw = zlib.decompress(base64.b64decode(value.encode("ascii")))
        data = _NoClasses(io.BytesIO(raw)).load()
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
    if not isinstance(data, list):
        raise ValueError("test cases are not a list")  # noqa: TRY004 - a data error
    return data


def _functional(prefix: str, case: dict) -> dict | None:
    from execgym.tasks.literals import render_literal

    try:
        args = [json.loads(line) for line in str(case["input"]).split("\n") if line.strip()]
        expected = json.loads(str(case["output"]))
        return {"call": f"{prefix}(" + ", ".join(render_literal(a) for a in args) + ")",
                "expected": render_literal(expected), "check": "eq"}
    except (ValueError, KeyError, RecursionError):
        return None


def problem(row: dict) -> CodeProblem:
    meta = row.get("metadata")
    meta = json.loads(meta) if isinstance(meta, str) and meta.strip() else (meta or {})
    func = meta.get("func_name") if isinstance(meta, dict) else None
    starter = row.get("starter_code") or ""
    cases = decode_tests(row.get("public_test_cases")) + decode_tests(row.get("private_test_cases"))
    tests, skipped = [], 0
    entry = "main"
    if func:
        entry = "Solution" if "class Solution" in starter else func
        prefix = f"Solution().{func}" if entry == "Solution" else func
    for case in cases:
        if case.get("testtype") == "functional" and func:
            t = _functional(prefix, case)
        elif case.get("testtype", "stdin") == "stdin":
            t = {"stdin": str(case.get("input", "")), "stdout": str(case.get("output", "")), "check": "stdout"}
        else:
            t = None
        if t is None:
            skipped += 1
        else:
            tests.append(t)
    body = f"{HEADER}\n\nQuestion: {row['question_content'].strip()}\n\n"
    if starter.strip():
        body += ("You will use the following starter code to write the solution to the problem.\n\n```python\n"
                 + starter.rstrip() + "\n```\n\n")
    else:
        body += STDIN_NOTE + "\n\n"
    return CodeProblem(
        task_id=str(row["question_id"]), prompt=body + INSTRUCTIONS, entry=entry, tests=tests,
        # the published release ships no solutions; a row that adds a ``solution`` string (a local set, a
        # demo) gets it as the canonical one, so ``gold_responses`` and benchmarks/codegen_canonical.py work
        solution=row["solution"] if isinstance(row.get("solution"), str) and row["solution"].strip() else None,
        meta={"difficulty": row.get("difficulty"), "contest_date": row.get("contest_date"),
              "platform": row.get("platform"), "unusable_cases": skipped},
    )


def load(name: str, paths: list[str]) -> CodegenBenchmark:
    if len(paths) != 1:
        raise ValueError(f"--benchmark {name} needs exactly one --data FILE, got {len(paths)}")
    rows = read_records(paths[0])
    require_fields(rows, ("question_id", "question_content", "public_test_cases"), "LiveCodeBench code generation")
    problems = [problem(r) for r in rows]
    kept = [p for p in problems if p.tests]
    return CodegenBenchmark(name, kept, skipped=len(problems) - len(kept))
