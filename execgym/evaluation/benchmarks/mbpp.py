"""MBPP (google-research ``mbpp.jsonl`` or the HF ``sanitized`` split) and MBPP+ (EvalPlus ``MbppPlus.jsonl``).

MBPP records: ``task_id``, ``text`` (sanitized: ``prompt``), ``code``, ``test_list`` (assert strings),
``test_setup_code`` / ``test_imports`` (optional). The prompt shows the task and the first test (as EvalPlus
does); all of ``test_list`` is hidden. Literal-shape assertions are compared in the caller; when any is not,
the assertions also run with the candidate in the sandbox (see ``codegen``).

MBPP+ records: ``task_id``, ``prompt`` (a docstring holding the task and one example assertion),
``entry_point``, ``canonical_solution`` (complete code), ``base_input``, ``plus_input``, ``atol``: expected
outputs as for HumanEval+ (the canonical solution run in the sandbox on every input).
"""

from __future__ import annotations

from execgym.evaluation.benchmarks.codegen import INSTRUCTIONS, CodegenBenchmark, CodeProblem, read_records
from execgym.evaluation.benchmarks.common import require_fields
from execgym.evaluation.benchmarks.humaneval import EVALPLUS_RTOL, evalplus_inputs, resolve_expected


def mbpp_problem(row: dict) -> CodeProblem:
    from execgym.tasks.userdata import _called_name, tests_from_code

    asserts = [t for t in row["test_list"] if isinstance(t, str)]
    entry = row.get("entry_point")
    if not entry:
        entry = next((n for n in (_called_name(t) for t in asserts) if n), None)
    if not entry:
        raise ValueError(f"MBPP task {row.get('task_id')}: cannot tell the function name from its tests")
    tests, skipped = [], 0
    for t in asserts:
        got, sk = tests_from_code(t, {entry}, entry)
        tests += got
        skipped += sk
    setup = "\n".join(x for x in (row.get("test_setup_code") or "", "\n".join(row.get("test_imports") or [])) if x)
    check = None
    if skipped or not tests:
        check = (setup + "\n" if setup else "") + "\n".join(asserts) + "\n"
    text = row.get("text") or row.get("prompt") or ""
    example = asserts[0] if asserts else ""
    prompt = (f"{text.strip()}\nYour code should pass this test:\n\n```python\n{example}\n```\n\n{INSTRUCTIONS}")
    return CodeProblem(task_id=str(row["task_id"]), prompt=prompt, entry=entry, tests=tests,
                       solution=row.get("code"), check_program=check,
                       meta={"static_tests": len(tests), "non_literal_asserts": skipped})


def mbpp_plus_problem(row: dict) -> CodeProblem:
    entry = row["entry_point"]
    canonical = row["canonical_solution"]
    text = row["prompt"].strip()
    if entry not in text:  # older EvalPlus files keep the example assertion apart (several tasks share a text)
        example = next((ln.strip() for ln in str(row.get("assertion") or "").splitlines() if ln.strip()), "")
        text += f"\n{example}" if example else f"\nThe function must be named `{entry}`."
    prompt = "Write a Python function for this task.\n\n```python\n" + text + "\n```\n\n" + INSTRUCTIONS
    return CodeProblem(
        task_id=str(row["task_id"]), prompt=prompt, entry=entry, solution=canonical,
        float_tolerance=EVALPLUS_RTOL,
        resolve=resolve_expected(canonical, entry, evalplus_inputs(row), float(row.get("atol") or 0.0),
                                 _asserts(row)),
        meta={"inputs": len(evalplus_inputs(row))},
    )


def _asserts(row: dict) -> str:
    """The record's own assertions (``assertion`` text, else ``test_list``, else ``test``) with their imports."""
    text = row.get("assertion") or "\n".join(t for t in row.get("test_list") or [] if isinstance(t, str)) \
        or row.get("test") or ""
    imports = "\n".join(row.get("test_imports") or [])
    return (imports + "\n" + text) if imports and text else text


def load(name: str, paths: list[str]) -> CodegenBenchmark:
    if len(paths) != 1:
        raise ValueError(f"--benchmark {name} needs exactly one --data FILE, got {len(paths)}")
    rows = read_records(paths[0])
    problems, skipped = [], 0
    if name == "mbpp":
        require_fields(rows, ("task_id", "test_list"), "MBPP")
        for r in rows:
            try:
                problems.append(mbpp_problem(r))
            except ValueError:
                skipped += 1
    else:
        require_fields(rows, ("task_id", "prompt", "entry_point", "canonical_solution", "base_input"), "MBPP+")
        problems = [mbpp_plus_problem(r) for r in rows]
    return CodegenBenchmark(name, problems, skipped=skipped)
