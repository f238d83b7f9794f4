"""BigCodeBench, ``complete`` split (HF ``bigcode/bigcodebench`` or ``bigcodebench-hard`` rows).

Records: ``task_id``, ``complete_prompt`` (imports + signature + docstring), ``instruct_prompt``,
``canonical_solution`` (the body), ``code_prompt``, ``test`` (a ``unittest`` module defining ``TestCases``),
``entry_point`` (``task_func``), ``libs``. Official-style scoring: the candidate (``code_prompt`` prepended
when it only gives the body) and the test module run together in one sandboxed process (policy ``trusted``);
the verdict is the ``TestCases`` run's [tests run, failed + errored, names] list. As in the official harness
the test code shares the candidate's process, so a hostile candidate could forge it (see ``codegen``). The
problems' libraries (numpy, pandas, ...) must be installed where the sandbox's Python runs.
"""

from __future__ import annotations

from execgym.evaluation.benchmarks.codegen import INSTRUCTIONS, CodegenBenchmark, CodeProblem, read_records
from execgym.evaluation.benchmarks.common import require_fields

TIMEOUT_S = 60.0
MEMORY_MB = 4096  # the problems import numpy, pandas, matplotlib, ... (RLIMIT_AS counts their mappings)
RUNNER = '''

def _execgym_bigcodebench():
    import io as _io
    import unittest as _unittest
    suite = _unittest.defaultTestLoader.loadTestsFromTestCase(TestCases)
    outcome = _unittest.TextTestRunner(stream=_io.StringIO(), verbosity=0).run(suite)
    bad = outcome.failures + outcome.errors
    return [outcome.testsRun, len(bad), [str(t) for t, _ in bad][:5]]
'''


def problem(row: dict) -> CodeProblem:
    prompt = row["complete_prompt"]
    return CodeProblem(
        task_id=str(row["task_id"]),
        prompt="Complete the following Python function.\n\n```python\n" + prompt.rstrip() + "\n```\n\n" + INSTRUCTIONS,
        entry=row.get("entry_point") or "task_func",
        solution=(row.get("code_prompt") or prompt) + row.get("canonical_solution", ""),
        prefix=row.get("code_prompt") or prompt,
        check_program=row["test"] + RUNNER, check_call="_execgym_bigcodebench()", timeout=TIMEOUT_S,
        memory_mb=MEMORY_MB,
        meta={"libs": row.get("libs")},
    )


def load(name: str, paths: list[str]) -> CodegenBenchmark:
    if len(paths) != 1:
        raise ValueError(f"--benchmark {name} needs exactly one --data FILE, got {len(paths)}")
    rows = read_records(paths[0])
    require_fields(rows, ("task_id", "complete_prompt", "test"), "BigCodeBench")
    return CodegenBenchmark(name, [problem(r) for r in rows])
