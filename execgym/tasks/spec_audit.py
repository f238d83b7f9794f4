"""Checks that a built-in UnitTest-v0 task is fully specified (``benchmarks/unittest_spec.py`` and the tests).

Contract: ``audit(task)`` returns a dict for one built task:
- ``covered``: every branch outcome (``unittest._frame_edges`` of a fresh sandbox trace of the reference) that
  some hidden test reaches is also reached by some visible example;
- ``uncovered``: how many hidden tests reach an outcome no visible example reaches;
- ``shape_violations``: visible or hidden tests whose arguments do not fit the shapes the statement states
  (``problem["shapes"]``; a task without stated shapes counts every test whose arguments leave the shapes
  the visible examples show);
- ``fallbacks``: constructs the specification wrote as code (``problem["spec_fallbacks"]``);
- ``memorise``: the reward of ``memorising_response(task)``; ``gold``: the reward of the reference.
``memorising_response(task)``: code that answers each visible example from a lookup table (by equality of
the argument tuple) and otherwise returns the plain default of the return type (0, '', [], False, ...).
"""

from __future__ import annotations

from typing import Any

from execgym.tasks.literals import parse_literal, render_literal
from execgym.tasks.spec import fits_shape, merge_shapes, shape_of

_DEFAULTS = {
    "int": 0,
    "float": 0.0,
    "str": "",
    "bool": False,
    "list": [],
    "tuple": (),
    "dict": {},
    "set": set(),
    "frozenset": frozenset(),
    "NoneType": None,
}


def _args(call: str) -> list[Any]:
    from execgym.tasks.unittest import _arg_values

    return _arg_values(call)


def memorising_response(task: Any) -> str:
    """The memorising baseline's answer (module docstring)."""
    cases = []
    for t in task.visible:
        cases.append(f"    ({render_literal(tuple(_args(t['call'])))}, {t['expected']}),")
    first = task.visible[0]["expected"] if task.visible else "None"
    default = _DEFAULTS.get(type(parse_literal(first).value).__name__)
    code = (
        "_CASES = [\n" + "\n".join(cases) + "\n]\n\n"
        f"def {task.entry}(*args):\n"
        "    for key, value in _CASES:\n"
        "        if key == args:\n"
        "            return value\n"
        f"    return {render_literal(default)}\n"
    )
    return "A lookup table of the examples.\n<answer>\n```python\n" + code + "```\n</answer>"


def audit(task: Any) -> dict:
    from execgym.tasks.unittest import trace_tests

    problem = task.problem
    source = problem["solution"]
    vis_calls = [t["call"] for t in task.visible]
    hid_calls = [t["call"] for t in task.all_tests]
    traced = trace_tests(source, vis_calls + hid_calls)
    vis_edges = set()
    for tr in traced[: len(vis_calls)]:
        if tr is not None:
            vis_edges |= tr[1]
    uncovered = sum(1 for tr in traced[len(vis_calls) :] if tr is None or not tr[1] <= vis_edges)
    shapes = problem.get("shapes")
    if shapes is None:  # the brief statement states no shapes: the visible examples' are all it shows
        rows = [_args(c) for c in vis_calls]
        shapes = [
            merge_shapes([shape_of(r[k]) for r in rows if k < len(r)])
            for k in range(len(rows[0]) if rows else 0)
        ]
    violations = 0
    for call in vis_calls + hid_calls:
        args = _args(call)
        if len(args) != len(shapes) or not all(fits_shape(a, s) for a, s in zip(args, shapes)):
            violations += 1
    memorise = task.score(memorising_response(task)).reward
    gold = task.score(task.gold_response()).reward
    return {
        "covered": uncovered == 0,
        "uncovered": uncovered,
        "shape_violations": violations,
        "fallbacks": int(problem.get("spec_fallbacks", 0) or 0),
        "memorise": float(memorise),
        "gold": float(gold),
        "n_visible": len(vis_calls),
        "n_hidden": len(hid_calls),
    }
