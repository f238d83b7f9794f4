"""User UnitTest tasks from JSONL, in the common formats, turned into self-contained UnitTest-v0 specs.

Contract: ``load_user_tasks(path, options=None) -> list[dict]`` reads a JSONL, JSON-list or parquet file and returns
full UnitTest-v0 specs (``seed`` = index among the kept rows, ``level`` = 0). Rows that are not code problems
(Eurus-2 ``ability != "code"``) are skipped; rows of a published problem set that cannot be used (no test
survives the conversion) are skipped too, with a warning that counts them; any other unusable row raises
``ValueError`` naming it unless ``read_user_tasks(path, options, skip_bad=True)``, which skips and counts every
unusable row (``UserTasks.skipped``: reason -> rows). Accepted row formats: the published
problem sets of ``execgym.tasks.problemsets`` (Eurus-2-RL-Data, TACO/APPS, CodeContests, KodCode, LeetCode
``class Solution``), and:
- native: ``{"prompt", "entry_point", "tests": [...]}`` where a test is an ``"assert f(...) == <literal>"`` string
  or ``{"call": "f(...)", "expected": "<literal text>"}``; optional ``"solution"``;
- MBPP-style: ``{"text"|"prompt", "test_list": ["assert f(...) == ...", ...], "code"?}``;
- HumanEval-style: ``{"prompt", "test": "def check(candidate): assert candidate(...) == ...", "entry_point",
  "canonical_solution"?}``;
- APPS-style: ``{"question"|"prompt", "input_output": {"inputs", "outputs", "fn_name"?} (object or JSON text),
  "solutions"?}``; with ``fn_name`` each input is an argument list (call tests; a one-element list output is
  also accepted unwrapped, as APPS' own checker does), without it inputs/outputs are stdin/stdout text.
Assertions are converted statically (``ast``) into (call, expected) pairs: ``f(lits) == lit``, ``lit == f(lits)``,
``f(lits)`` / ``not f(lits)`` (truthy/falsy), ``f(lits) is True/False/None``, ``abs(f(lits) - lit) < tol`` and
``math.isclose(f(lits), lit)``. Assertions in any other shape are skipped and counted in
``problem["skipped_tests"]``; nothing from the test code is ever executed, so expected values never enter the
sandbox. A row with no usable test raises ``ValueError`` naming the row.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from execgym import astparse
from execgym.tasks import options as _options
from execgym.tasks.literals import literal_from_node, render_literal

ENV = "UnitTest-v0"


def _lit(node: ast.AST) -> tuple[bool, Any]:
    p = literal_from_node(node)
    return p.ok, p.value


def _call_text(call: ast.AST, names: set[str], entry: str) -> str | None:
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in names):
        return None
    parts = []
    for a in call.args:
        if isinstance(a, ast.Starred):
            return None
        ok, v = _lit(a)
        if not ok:
            return None
        parts.append(render_literal(v))
    for kw in call.keywords:
        if kw.arg is None:
            return None
        ok, v = _lit(kw.value)
        if not ok:
            return None
        parts.append(f"{kw.arg}={render_literal(v)}")
    return f"{entry}(" + ", ".join(parts) + ")"


def test_from_expr(expr: ast.AST, names: set[str], entry: str) -> dict | None:
    """One test from an assertion's expression, or None when its shape is not supported."""
    try:
        call = _call_text(expr, names, entry)
        if call:
            return {"call": call, "check": "truthy"}
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            call = _call_text(expr.operand, names, entry)
            return {"call": call, "check": "falsy"} if call else None
        if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
            op, left, right = expr.ops[0], expr.left, expr.comparators[0]
            if isinstance(op, (ast.Eq, ast.Is)):
                for a, b in ((left, right), (right, left)):
                    call = _call_text(a, names, entry)
                    if call:
                        ok, v = _lit(b)
                        if ok and (isinstance(op, ast.Eq) or v is None or isinstance(v, bool)):
                            return {"call": call, "expected": render_literal(v), "check": "eq"}
                return None
            # abs(f(x) - lit) < tol   /   abs(lit - f(x)) <= tol
            if isinstance(op, (ast.Lt, ast.LtE)) and isinstance(left, ast.Call) and isinstance(left.func, ast.Name) \
                    and left.func.id == "abs" and len(left.args) == 1 and isinstance(left.args[0], ast.BinOp) \
                    and isinstance(left.args[0].op, ast.Sub):
                ok_t, tol = _lit(right)
                diff = left.args[0]
                for a, b in ((diff.left, diff.right), (diff.right, diff.left)):
                    call = _call_text(a, names, entry)
                    ok, v = _lit(b)
                    if call and ok and ok_t and type(v) in (int, float) and type(tol) in (int, float):
                        return {"call": call, "expected": render_literal(float(v)), "check": "close",
                                "tol": float(tol), "abs_tol": True}
            return None
        # math.isclose(f(x), lit, ...)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "isclose" \
                and len(expr.args) == 2:
            for a, b in ((expr.args[0], expr.args[1]), (expr.args[1], expr.args[0])):
                call = _call_text(a, names, entry)
                ok, v = _lit(b)
                if call and ok and type(v) in (int, float):
                    tol = 1e-9
                    for kw in expr.keywords:
                        ok_k, kv = _lit(kw.value)
                        if ok_k and type(kv) in (int, float):
                            tol = max(tol, float(kv))
                    return {"call": call, "expected": render_literal(float(v)), "check": "close", "tol": tol}
    except (ValueError, OverflowError, RecursionError):  # e.g. float() of a huge int literal
        return None
    return None


def tests_from_code(code: str, names: set[str], entry: str) -> tuple[list[dict], int]:
    """(tests, skipped) from the assert statements anywhere in ``code`` (never executed)."""
    try:
        tree = astparse.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return [], 1
    tests, skipped = [], 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            t = test_from_expr(node.test, names, entry)
            if t is None:
                skipped += 1
            else:
                tests.append(t)
    return tests, skipped


def _called_name(assert_text: str) -> str | None:
    try:
        tree = astparse.parse(assert_text)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in (
            "abs", "set", "sorted", "list", "tuple", "len", "str", "int", "float", "round"
        ):
            return node.func.id
    return None


def _json_field(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def problem_from_row(row: dict) -> dict:
    """A UnitTest ``problem`` payload from one JSONL row in any accepted format (ValueError if unusable;
    ``problemsets.NotCodeRow``, a ValueError, for a row that is not a code problem)."""
    if not isinstance(row, dict):
        raise ValueError("a row must be a JSON object")  # noqa: TRY004 - malformed input is a ValueError by contract
    from execgym.tasks.problemsets import problem_from_published

    published = problem_from_published(row)
    if published is not None:
        return published
    statement = row.get("prompt") or row.get("question") or row.get("text") or row.get("statement") or ""
    if not isinstance(statement, str):
        raise ValueError("the prompt must be text")  # noqa: TRY004 - malformed input is a ValueError by contract
    solution = row.get("solution") or row.get("code")
    tests: list[dict] = []
    skipped = 0
    entry = row.get("entry_point") or row.get("fn_name")

    if "input_output" in row:  # APPS
        io = _json_field(row["input_output"])
        if not isinstance(io, dict) or not isinstance(io.get("inputs"), list) or not isinstance(io.get("outputs"), list):
            raise ValueError("input_output needs 'inputs' and 'outputs' lists")
        entry = entry or io.get("fn_name")
        sols = _json_field(row.get("solutions"))
        if not solution and isinstance(sols, list) and sols and isinstance(sols[0], str):
            solution = sols[0]
        for inp, out in zip(io["inputs"], io["outputs"]):
            if entry:
                args = inp if isinstance(inp, list) else [inp]
                try:
                    test = {"call": f"{entry}(" + ", ".join(render_literal(a) for a in args) + ")",
                            "expected": render_literal(out), "check": "eq"}
                    if isinstance(out, list) and len(out) == 1:
                        test["alt"] = render_literal(out[0])
                except (ValueError, RecursionError):
                    skipped += 1
                    continue
                tests.append(test)
            else:
                stdin = "\n".join(inp) if isinstance(inp, list) else str(inp)
                stdout = "\n".join(out) if isinstance(out, list) else str(out)
                tests.append({"stdin": stdin, "stdout": stdout, "check": "stdout"})
        entry = entry or "main"
    elif isinstance(row.get("test"), str):  # HumanEval
        if not entry:
            raise ValueError("HumanEval-style rows need 'entry_point'")
        tests, skipped = tests_from_code(row["test"], {"candidate", entry}, entry)
        canon = row.get("canonical_solution")
        if not solution and isinstance(canon, str):
            solution = statement + canon
    else:  # native / MBPP
        raw = row.get("tests", row.get("test_list"))
        if not isinstance(raw, list):
            raise ValueError("no tests: expected 'tests', 'test_list', 'test' or 'input_output'")
        if not entry:
            for item in raw:
                if isinstance(item, str):
                    entry = _called_name(item)
                    if entry:
                        break
        if not entry:
            raise ValueError("cannot tell the entry point; add 'entry_point'")
        for item in raw:
            if isinstance(item, str):
                got, sk = tests_from_code(item, {entry}, entry)
                tests += got
                skipped += sk
            elif isinstance(item, dict) and isinstance(item.get("call"), str) and isinstance(item.get("expected"), str):
                tests.append({"call": item["call"], "expected": item["expected"], "check": "eq"})
            else:
                skipped += 1
    if not isinstance(entry, str) or not entry.isidentifier():
        raise ValueError(f"bad entry point {entry!r}")
    if not tests:
        raise ValueError("no test could be converted to a (call, expected literal) pair")
    if entry and statement and "def " not in statement and not all(t.get("check") == "stdout" for t in tests):
        statement = statement.rstrip() + f"\n\nThe function must be named `{entry}`."
    return {
        "origin": "user",
        "entry": entry,
        "statement": statement.rstrip(),
        "visible": [],
        "tests": tests,
        "skipped_tests": skipped,
        "solution": solution if isinstance(solution, str) else None,
    }


@dataclass
class UserTasks:
    """The specs read from a tasks file and what was left out (``skipped``: reason -> rows)."""

    specs: list[dict]
    skipped: dict[str, int] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)


def _row_id(row: Any) -> str | None:
    if not isinstance(row, dict):
        return None
    for key in ("task_id", "question_id", "id", "name"):
        if row.get(key) is not None and isinstance(row.get(key), (str, int)):
            return str(row[key])
    extra = row.get("extra_info")
    if isinstance(extra, dict) and extra.get("index") is not None:
        return f"{extra.get('split', 'row')}-{extra['index']}"
    return None


def read_specs(rows: Iterable[dict], options: dict | None = None, source: str = "", *,
               skip_bad: bool = False) -> UserTasks:
    """UnitTest-v0 specs from rows; non-code rows are skipped, unusable rows raise unless ``skip_bad``."""
    from execgym.tasks.problemsets import NotCodeRow, row_format
    from execgym.tasks.unittest import OPTIONS

    opts = _options.validate(ENV, OPTIONS, options)
    out: list[dict] = []
    skipped: Counter = Counter()
    formats: Counter = Counter()
    bad = 0
    for i, row in enumerate(rows):
        try:
            problem = problem_from_row(row)
        except NotCodeRow:
            skipped["not a code problem"] += 1
            continue
        except ValueError as exc:
            if skip_bad or row_format(row) is not None:  # published sets hold a few rows no test survives
                skipped[str(exc).split(":")[0][:120]] += 1
                bad += 1
                continue
            raise ValueError(f"{source or 'tasks'} row {i}: {exc}") from None
        rid = _row_id(row)
        if rid is not None:
            problem["task_id"] = rid
        formats[problem.get("format", "native")] += 1
        out.append({"env": ENV, "version": 1, "level": 0, "seed": len(out), "options": dict(opts),
                    "problem": problem})
    if bad and not skip_bad:
        warnings.warn(f"{source or 'tasks'}: {bad} problem-set row(s) left out, no usable test: {dict(skipped)}",
                      stacklevel=3)
    return UserTasks(out, dict(skipped), dict(formats))


def user_specs(rows: Iterable[dict], options: dict | None = None, source: str = "") -> list[dict]:
    return read_specs(rows, options, source).specs


def read_user_tasks(path: str | os.PathLike, options: dict | None = None, *, skip_bad: bool = False) -> UserTasks:
    """Read a tasks file (JSONL, JSON list or parquet); see the module docstring."""
    from execgym.tasks.problemsets import read_rows_counted

    rows, not_code = read_rows_counted(path)
    loaded = read_specs(rows, options, os.fspath(path), skip_bad=skip_bad)
    if not_code:
        loaded.skipped["not a code problem"] = loaded.skipped.get("not a code problem", 0) + not_code
    return loaded


def load_user_tasks(path: str | os.PathLike, options: dict | None = None) -> list[dict]:
    """Read a tasks file of user tasks; see the module docstring."""
    return read_user_tasks(path, options).specs
