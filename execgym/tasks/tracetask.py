"""Shared machinery of the trace-question families (ExecNext, ExecVar, ExecIO): spec building and checking.

Contract: ``TraceTask.build(env, level, seed, options)`` turns a minimal request into a full, self-contained
spec (program source/entry/call + questions + ground truth) using ``program.traced_program`` and the question
builders; ``TraceTask(spec)`` reads a full spec without regenerating or re-tracing anything.
"""

from __future__ import annotations

from typing import Any

from execgym.seeding import rng
from execgym.tasks.base import Task
from execgym.tasks.source import SourceInfo

SPEC_VERSION = 1


def require(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(f"bad task spec: {message}")


def read_program(spec: dict) -> dict:
    prog = spec.get("program")
    require(isinstance(prog, dict), "missing 'program'")
    for key in ("source", "entry", "call"):
        require(isinstance(prog.get(key), str) and prog.get(key), f"program.{key} must be a non-empty string")
    return prog


def read_problem(spec: dict) -> dict:
    """The spec's ``problem`` (a dict whose ``entry`` is an identifier), as the code-writing families read it."""
    problem = spec.get("problem")
    require(isinstance(problem, dict), "missing 'problem'")
    require(isinstance(problem.get("entry"), str) and problem["entry"].isidentifier(), "bad entry")
    return problem


def read_questions(spec: dict, info: SourceInfo) -> list[dict]:
    qs = spec.get("questions", [])
    require(isinstance(qs, list), "'questions' must be a list")
    for q in qs:
        require(isinstance(q, dict) and q.get("kind") in ("next", "var"), "question kind must be next or var")
        require(isinstance(q.get("line"), int) and isinstance(q.get("k"), int) and q["k"] >= 1, "bad line/k")
        if q["kind"] == "next":
            require(isinstance(q.get("answer"), int), "next question needs an int answer")
        else:
            require(isinstance(q.get("var"), str), "var question needs 'var'")
            require(q.get("value") is None or isinstance(q.get("value"), str), "var value must be text or null")
            require(q.get("value") is None or isinstance(q.get("type"), str), "var type must be text")
    return qs


def base_spec(env: str, level: int, seed: int, options: dict, program: Any) -> dict:
    spec = {
        "env": env,
        "version": SPEC_VERSION,
        "level": int(level),
        "seed": int(seed),
        "options": dict(options),
        "program": program.program_dict(),
    }
    origin = program_origin(options, getattr(program, "program", None))
    if origin:
        spec["origin"] = origin
    return spec


def program_origin(options: dict, program: Any) -> dict | None:
    """Where a task's program came from, for programs not from execgym's generator: the source name, its
    content fingerprint and the corpus row (so a full spec says which corpus version it was built from)."""
    name = options.get("source", "synth")
    if name == "synth" or program is None:
        return None
    from execgym.synth.sources import resolve_source

    meta = getattr(program, "meta", {}) or {}
    return {"source": name, "fingerprint": resolve_source(name).fingerprint, "row": str(meta.get("row", ""))}


def question_rng(env: str, level: int, seed: int, options: dict, purpose: str):
    """Deterministic generator for question sampling (depends on the shaping options too)."""
    shape = ",".join(f"{k}={options[k]!r}" for k in sorted(options) if k != "source")  # the program differs
    return rng("execgym.tasks.questions", purpose, env, int(level), int(seed), shape)


class TraceTask(Task):
    """Base of the families whose ground truth comes from one trace of the program."""

    @classmethod
    def build(cls, env: str, level: int, seed: int, options: dict) -> dict:
        """The spec for (env, level, seed): the cached traced program, turned into this family's task."""
        from execgym.tasks.program import traced_program

        return cls.build_from(traced_program(env, level, seed, source=options.get("source", "synth")), env, level,
                              seed, options)

    def __init__(self, spec: dict):
        super().__init__(spec)
        self.program = read_program(spec)
        self.info = SourceInfo.of(self.program["source"])
        self.options = dict(spec.get("options") or {})
