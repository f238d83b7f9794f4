"""The starting point of a UnitTest-v0 repair episode with ``start="buggy"``: a mutant of the reference.

Contract: ``choose(task)`` takes a repair ``UnitTestTask`` (``max_turns > 1``) with a reference solution and
returns a JSON-able dict: ``{"code", "description", "feedback", "mutant"}`` for the first mutant (mutant seeds
0, 1, ... up to ``MAX_MUTANTS``; ``execgym.tasks.mutate``) that, scored through the task's own repair path
(``task.attempt``, the real sandbox), fails at least one FEEDBACK test and at least one FINAL test with a
deterministic outcome (a wrong value or an exception; a mutant that times out or hits a resource limit
anywhere is skipped, since that would depend on load). ``feedback`` is ``task.feedback_text`` of that run:
one failing feedback test with its expected and actual value. When no mutant qualifies it returns
``{"fallback": "<why>"}`` and the episode starts from the ordinary prompt. ``description`` is metadata, never
shown to the model. Raises ``RuntimeError`` when the sandbox itself is unavailable (never a silent fallback).
"""

from __future__ import annotations

from typing import Any

from execgym.seeding import derive_seed
from execgym.tasks.mutate import mutate

MAX_MUTANTS = 12
UNSTABLE = ("timeout", "memory_limit", "output_limit", "sandbox_error")


def _response(code: str) -> str:
    return "<answer>\n```python\n" + code.rstrip() + "\n```\n</answer>"


def choose(task: Any) -> dict:
    """See the module contract."""
    solution = task.problem.get("solution")
    spec = task.spec
    seen: set[str] = set()
    tried: list[str] = []
    for k in range(MAX_MUTANTS):
        seed = derive_seed(
            "execgym.unittest.buggy", str(spec.get("env")), spec.get("level"), spec.get("seed"), k
        )
        mutant = mutate(solution, seed)
        if mutant is None:
            return {"fallback": "the reference solution has no place to inject a fault"}
        if mutant.source in seen:
            continue
        seen.add(mutant.source)
        score, feedback = task.attempt(_response(mutant.source))
        if score.outcome == "error" and not feedback:
            raise RuntimeError(f"buggy start: the sandbox did not run the mutant ({score.reason})")
        outcomes = [d.get("outcome") for d in list(score.details) + feedback]
        if any(o in UNSTABLE for o in outcomes):
            tried.append(f"{mutant.description}: timed out or hit a limit")
            continue
        if not any(not d["correct"] for d in feedback):
            tried.append(f"{mutant.description}: passes every feedback test")
            continue
        if all(d["correct"] for d in score.details):
            tried.append(f"{mutant.description}: passes every final test")
            continue
        return {
            "code": mutant.source,
            "description": mutant.description,
            "feedback": task.feedback_text(score, feedback),
            "mutant": k,
        }
    return {"fallback": f"no mutant fails both a feedback and a final test ({len(tried)} tried)"}
