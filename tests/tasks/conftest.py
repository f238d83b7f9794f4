"""Shared fixtures for the task-layer tests: small hand-written programs traced in the real sandbox."""

from __future__ import annotations

import pytest

from execgym.tasks import from_program, make_task

LOOP_SRC = '''def helper(a):
    b = a * 2
    return b

def f(xs, t):
    total = 0
    for x in xs:
        if x > t:
            total += helper(x)
        else:
            total -= 1
    ys = [y + 1 for y in xs]
    if total > 1000:
        total = 0
    return total
'''
LOOP_CALL = "f([1, 5, 7], 3)"

STR_SRC = '''def g(s, sep):
    parts = s.split(sep)
    out = {}
    for p in parts:
        if p in out:
            out[p] += 1
        elif p:
            out[p] = 1
    keys = tuple(sorted(out))
    return (keys, len(parts) > 2, 1.5 * len(keys))
'''
STR_CALL = "g('a,b,,a', ',')"

LEVELS = (1, 4, 6, 8)
TRACE_ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0")


@pytest.fixture(scope="session")
def loop_specs() -> dict:
    """One full spec per trace family for LOOP_SRC."""
    return {env: from_program(env, LOOP_SRC, LOOP_CALL, seed=3) for env in TRACE_ENVS}


@pytest.fixture(scope="session")
def str_specs() -> dict:
    return {env: from_program(env, STR_SRC, STR_CALL, seed=5) for env in TRACE_ENVS}


def _answer(*lines: str) -> str:
    return "reasoning...\n<answer>\n" + "\n".join(lines) + "\n</answer>"


def _gold_lines(spec: dict) -> list[str]:
    text = make_task(spec).gold_response()
    body = text.split("<answer>")[-1].split("</answer>")[0]
    return body.strip().split("\n")


@pytest.fixture(scope="session")
def answer():
    """answer(*lines) -> a response with those lines in an answer block."""
    return _answer


@pytest.fixture(scope="session")
def gold_lines():
    """gold_lines(spec) -> the answer lines of the task's gold response."""
    return _gold_lines
