"""Readers for published code-generation problem sets, turned into UnitTest-v0 ``problem`` payloads.

Contract: ``problem_from_published(row)`` returns a ``problem`` dict (the shape ``userdata.problem_from_row``
returns) for a row of one of the formats below, ``None`` for a row of any other format (the caller falls back
to the native / MBPP / HumanEval / APPS readers), and raises :class:`NotCodeRow` for a row that is not a code
problem (an Eurus-2 ``ability == "math"`` row) or ``ValueError`` for a code row that cannot be used.
``read_rows(path)`` reads JSONL, a JSON list, or parquet (``ability == "code"`` pushed down when the column
exists, so the 1.7 GB Eurus-2 train file is filtered while it is read).

Formats (``row_format(row)`` names them):
- ``eurus``: PRIME-RL/Eurus-2-RL-Data, ``{"data_source", "prompt": [{"role", "content"}...], "ability",
  "reward_model": {"style", "ground_truth": "<JSON {inputs, outputs, fn_name?}>"}, "extra_info"}``; the
  statement is the last user message; stdin/stdout tests when ``fn_name`` is absent. No reference solution.
- ``taco``: BAAI/TACO and APPS, ``{"question", "input_output", "solutions", "starter_code"?}``; a
  ``class Solution`` starter makes LeetCode-style calls ``Solution().<fn_name>(...)``.
- ``codecontests``: deepmind/code_contests, ``{"description", "public_tests": {"input", "output"},
  "private_tests", "generated_tests", "solutions": {"language", "solution"}}``; stdin/stdout; the reference
  is the first Python 3 solution (language 3); generated tests are used only when there are no others.
- ``kodcode``: KodCode, ``{"question", "solution", "test": "<pytest code with from solution import ...>",
  "test_info"?}``; each ``def test_*`` is read statically: ``name = <literal>`` / ``name = f(<literals>)``
  bindings and ``@pytest.mark.parametrize`` cases are substituted into its asserts, which must then have
  one of the shapes ``userdata.test_from_expr`` converts. Nothing from the test code is executed.
- ``leetcode``: LeetCodeDataset-style, ``{"problem_description"|"question", "starter_code": "class
  Solution: ...", "entry_point": "Solution().method", "test": "def check(candidate): ...",
  "input_output": [{"input": "nums = [1], k = 2", "output": "3"}]?, "completion"?}``.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
from pathlib import Path
from typing import Any

from execgym import astparse
from execgym.tasks.literals import literal_from_node, render_literal

FORMATS = ("eurus", "taco", "codecontests", "kodcode", "leetcode")
PYTHON3 = 3  # deepmind/code_contests Language enum
TYPING_IMPORT = "from typing import Dict, List, Optional, Set, Tuple\n"
_SOLUTION_ENTRY = re.compile(r"^\s*Solution\(\)\.([A-Za-z_]\w*)\s*$")


class NoReferenceSolution(ValueError):
    """``gold_response()`` of a task whose source publishes no reference solution (e.g. Eurus-2 rows): the
    task trains fine (its tests are the truth), it only has no gold answer to show."""

    def __init__(self, problem: dict | None = None):
        problem = problem or {}
        what = problem.get("task_id") or problem.get("entry") or "this task"
        fmt = f" ({problem['format']} row)" if problem.get("format") else ""
        super().__init__(f"{what}{fmt} has no reference solution: it can be trained and scored against its "
                         "tests, but has no gold response")


class NotCodeRow(ValueError):
    """The row is not a code problem (e.g. an Eurus-2 math row); readers skip it and count it."""


def _json_field(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def row_format(row: Any) -> str | None:
    """The published format of ``row`` (one of ``FORMATS``) or None."""
    if not isinstance(row, dict):
        return None
    if isinstance(row.get("reward_model"), dict) and "ground_truth" in row["reward_model"]:
        return "eurus"
    if "public_tests" in row and ("description" in row or "private_tests" in row):
        return "codecontests"
    entry = row.get("entry_point")
    if isinstance(entry, str) and _SOLUTION_ENTRY.match(entry):
        return "leetcode"
    test = row.get("test")
    if isinstance(test, str) and ("from solution import" in test or re.search(r"^\s*def test_", test, re.M)):
        return "kodcode"
    if "input_output" in row and isinstance(_json_field(row["input_output"]), dict):
        return "taco"
    return None


def problem_from_published(row: Any) -> dict | None:
    """A UnitTest ``problem`` for a published-format row, None for other formats (see the module docstring)."""
    fmt = row_format(row)
    if fmt is None:
        return None
    problem = {"eurus": _eurus, "taco": _taco, "codecontests": _codecontests, "kodcode": _kodcode,
               "leetcode": _leetcode}[fmt](row)
    problem["format"] = fmt
    return problem


def _payload(entry: str, statement: str, tests: list[dict], skipped: int, solution: Any) -> dict:
    if not tests:
        raise ValueError("no test could be converted to a (call, expected literal) pair or stdin/stdout pair")
    return {
        "origin": "user",
        "entry": entry,
        "statement": statement.rstrip(),
        "visible": [],
        "tests": tests,
        "skipped_tests": skipped,
        "solution": solution if isinstance(solution, str) and solution.strip() else None,
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def stdio_tests(inputs: list, outputs: list) -> list[dict]:
    return [{"stdin": _text(i), "stdout": _text(o), "check": "stdout"} for i, o in zip(inputs, outputs)]


def call_tests(prefix: str, inputs: list, outputs: list) -> tuple[list[dict], int]:
    """APPS ``fn_name`` tests: each input an argument list; a one-element list output also accepted unwrapped."""
    tests, skipped = [], 0
    for inp, out in zip(inputs, outputs):
        args = inp if isinstance(inp, list) else [inp]
        try:
            test = {"call": f"{prefix}(" + ", ".join(render_literal(a) for a in args) + ")",
                    "expected": render_literal(out), "check": "eq"}
            if isinstance(out, list) and len(out) == 1:
                test["alt"] = render_literal(out[0])
        except (ValueError, RecursionError):
            skipped += 1
            continue
        tests.append(test)
    return tests, skipped


def _io_tests(io: Any, class_solution: bool) -> tuple[str, list[dict], int]:
    """(entry, tests, skipped) of an APPS/TACO/Eurus ``{inputs, outputs, fn_name?}`` object."""
    if not isinstance(io, dict) or not isinstance(io.get("inputs"), list) or not isinstance(io.get("outputs"), list):
        raise ValueError("the tests need 'inputs' and 'outputs' lists")
    fn = io.get("fn_name")
    if isinstance(fn, str) and fn:
        if not fn.isidentifier():
            raise ValueError(f"bad fn_name {fn!r}")
        if class_solution:
            tests, skipped = call_tests(f"Solution().{fn}", io["inputs"], io["outputs"])
            return "Solution", tests, skipped
        tests, skipped = call_tests(fn, io["inputs"], io["outputs"])
        return fn, tests, skipped
    return "main", stdio_tests(io["inputs"], io["outputs"]), 0


def _with_name(statement: str, entry: str, tests: list[dict]) -> str:
    if all(t.get("check") == "stdout" for t in tests):
        return statement
    if entry == "Solution":
        return statement
    if "def " not in statement:
        statement = statement.rstrip() + f"\n\nThe function must be named `{entry}`."
    return statement


def _starter(statement: str, starter: Any) -> tuple[str, bool]:
    if not isinstance(starter, str) or not starter.strip():
        return statement, False
    statement = statement.rstrip() + "\n\nStart from this code:\n\n" + starter.rstrip()
    return statement, "class Solution" in starter


# ----------------------------------------------------------------------------------------- formats


def _eurus(row: dict) -> dict:
    ability = row.get("ability")
    if ability is not None and ability != "code":
        raise NotCodeRow(f"ability is {ability!r}, not 'code'")
    messages = row.get("prompt")
    if isinstance(messages, str):
        messages = _json_field(messages)
    statement = ""
    if isinstance(messages, list):
        users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        statement = users[-1] if users and isinstance(users[-1], str) else ""
    elif isinstance(messages, str):
        statement = messages
    if not statement.strip():
        raise ValueError("the prompt holds no user message")
    gt = _json_field(row["reward_model"].get("ground_truth"))
    entry, tests, skipped = _io_tests(gt, "class Solution" in statement)
    return _payload(entry, _with_name(statement.strip(), entry, tests), tests, skipped, None)


def _taco(row: dict) -> dict:
    statement = str(row.get("question") or row.get("prompt") or row.get("problem") or "")
    statement, class_solution = _starter(statement, row.get("starter_code"))
    entry, tests, skipped = _io_tests(_json_field(row["input_output"]), class_solution)
    sols = _json_field(row.get("solutions"))
    solution = row.get("solution")
    if not isinstance(solution, str) and isinstance(sols, list) and sols and isinstance(sols[0], str):
        solution = sols[0]
    if entry == "Solution" and isinstance(solution, str) and "typing" not in solution:
        solution = TYPING_IMPORT + solution
    return _payload(entry, _with_name(statement, entry, tests), tests, skipped, solution)


def _codecontests(row: dict) -> dict:
    statement = str(row.get("description") or "")
    tests: list[dict] = []
    for key in ("public_tests", "private_tests"):
        t = _json_field(row.get(key)) or {}
        if isinstance(t, dict):
            tests += stdio_tests(list(t.get("input") or []), list(t.get("output") or []))
    if not tests:
        t = _json_field(row.get("generated_tests")) or {}
        if isinstance(t, dict):
            tests += stdio_tests(list(t.get("input") or []), list(t.get("output") or []))
    solution = None
    sols = _json_field(row.get("solutions")) or {}
    if isinstance(sols, dict):
        for lang, text in zip(sols.get("language") or [], sols.get("solution") or []):
            if lang == PYTHON3 and isinstance(text, str):
                solution = text
                break
    return _payload("main", statement, tests, 0, solution)


def _leetcode(row: dict) -> dict:
    method = _SOLUTION_ENTRY.match(row["entry_point"]).group(1)
    prefix = f"Solution().{method}"
    statement = str(row.get("problem_description") or row.get("question") or row.get("content") or "")
    statement, _ = _starter(statement, row.get("starter_code"))
    statement += ("\n\nWrite the complete class `Solution` with the method `" + method + "`, including the imports "
                  "it needs (for example `from typing import List`).")
    tests: list[dict] = []
    skipped = 0
    if isinstance(row.get("test"), str):
        from execgym.tasks.userdata import tests_from_code

        tests, skipped = tests_from_code(row["test"], {"candidate"}, prefix)
    io = _json_field(row.get("input_output"))
    if not tests and isinstance(io, list):
        for case in io:
            test = _keyword_case(prefix, case)
            if test is None:
                skipped += 1
            else:
                tests.append(test)
    solution = row.get("completion") or row.get("solution")
    if isinstance(solution, str) and "typing" not in solution:
        solution = TYPING_IMPORT + solution
    return _payload("Solution", statement, tests, skipped, solution)


def _keyword_case(prefix: str, case: Any) -> dict | None:
    """``{"input": "nums = [1, 2], k = 3", "output": "4"}`` -> a call test (literals only), else None."""
    if not isinstance(case, dict) or not isinstance(case.get("input"), str):
        return None
    try:
        node = astparse.parse(f"_f({case['input']})", mode="eval").body
        out = case.get("output")
        expected = literal_from_node(astparse.parse(out, mode="eval").body) if isinstance(out, str) else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if expected is None or not expected.ok or not isinstance(node, ast.Call):
        return None
    parts = []
    for a in node.args:
        lit = literal_from_node(a)
        if not lit.ok:
            return None
        parts.append(render_literal(lit.value))
    for kw in node.keywords:
        lit = literal_from_node(kw.value)
        if kw.arg is None or not lit.ok:
            return None
        parts.append(f"{kw.arg}={render_literal(lit.value)}")
    return {"call": f"{prefix}({', '.join(parts)})", "expected": render_literal(expected.value), "check": "eq"}


# ----------------------------------------------------------------------------------------- KodCode


def _kodcode(row: dict) -> dict:
    statement = str(row.get("question") or row.get("prompt") or "")
    test_code = row["test"]
    try:
        tree = astparse.parse(test_code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise ValueError(f"the test code does not parse ({type(exc).__name__})") from None
    imported = [a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "solution"
                for a in n.names if a.name != "*"]
    info = row.get("test_info")
    entry = None
    if isinstance(info, list) and info and isinstance(info[0], dict):
        entry = info[0].get("function_name")
    entry = entry if isinstance(entry, str) and entry.isidentifier() else (imported[0] if imported else None)
    if not entry:
        raise ValueError("cannot tell the function under test (no `from solution import ...`, no test_info)")
    names = set(imported) | {entry}
    tests, skipped = pytest_tests(tree, names)
    return _payload(entry, _with_name(statement, entry, tests), tests, skipped, row.get("solution"))


def _test_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            out.append(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            out += [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    return out


def _parametrize_cases(fn: ast.FunctionDef) -> list[dict[str, ast.AST]] | None:
    """Bindings of each ``@pytest.mark.parametrize`` case (literal cases only); [{}] without one; None if unusable."""
    cases: list[dict[str, ast.AST]] = [{}]
    for dec in fn.decorator_list:
        if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "parametrize"):
            continue  # other marks (e.g. timeout) do not change the calls
        if len(dec.args) < 2:
            return None
        names_node, values_node = dec.args[0], dec.args[1]
        if isinstance(names_node, ast.Constant) and isinstance(names_node.value, str):
            names = [n.strip() for n in names_node.value.split(",") if n.strip()]
        elif isinstance(names_node, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in names_node.elts):
            names = [e.value for e in names_node.elts]
        else:
            return None
        if not isinstance(values_node, (ast.List, ast.Tuple)):
            return None
        new_cases = []
        for value in values_node.elts:
            if len(names) == 1:
                parts = [value]
            elif isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(names):
                parts = list(value.elts)
            else:
                return None
            if not all(literal_from_node(p).ok for p in parts):
                return None
            binding = dict(zip(names, parts))
            new_cases += [{**c, **binding} for c in cases]
        cases = new_cases
    return cases


class _Substitute(ast.NodeTransformer):
    def __init__(self, env: dict[str, ast.AST]):
        self.env = env

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.env:
            return copy.deepcopy(self.env[node.id])
        return node


def _bind_value(value: ast.AST, names: set[str]) -> ast.AST | None:
    """A node a local name may stand for: a literal, or a call of a function under test with literal arguments."""
    if literal_from_node(value).ok:
        return value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in names:
        if all(literal_from_node(a).ok for a in value.args) and all(
                kw.arg is not None and literal_from_node(kw.value).ok for kw in value.keywords):
            return value
    return None


def pytest_tests(tree: ast.Module, names: set[str]) -> tuple[list[dict], int]:
    """(tests, skipped asserts) from pytest-style test functions, statically (nothing is executed)."""
    from execgym.tasks.userdata import test_from_expr

    tests: list[dict] = []
    skipped = 0
    for fn in _test_functions(tree):
        cases = _parametrize_cases(fn)
        asserts = [n for n in ast.walk(fn) if isinstance(n, ast.Assert)]
        if cases is None:
            skipped += len(asserts) or 1
            continue
        skipped += sum(1 for n in asserts if not any(n is s for s in fn.body))  # in loops/with: not read
        for case in cases:
            env: dict[str, ast.AST] = dict(case)
            for stmt in fn.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    bound = _bind_value(_Substitute(env).visit(copy.deepcopy(stmt.value)), names)
                    if bound is None:
                        env.pop(stmt.targets[0].id, None)
                    else:
                        env[stmt.targets[0].id] = bound
                elif isinstance(stmt, ast.Assert):
                    expr = _Substitute(env).visit(copy.deepcopy(stmt.test))
                    test = None
                    for name in sorted(names):
                        test = test_from_expr(expr, {name}, name)
                        if test is not None:
                            break
                    if test is None:
                        skipped += 1
                    else:
                        tests.append(test)
    return tests, skipped


# ----------------------------------------------------------------------------------------- files


def read_rows(path: str | os.PathLike) -> list[dict]:
    """Rows of a JSONL, JSON (list) or parquet file; parquet rows are filtered to ``ability == "code"``."""
    return read_rows_counted(path)[0]


def read_rows_counted(path: str | os.PathLike) -> tuple[list[dict], int]:
    """(rows, rows filtered out while reading because they are not code problems)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"tasks file not found: {p}")
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise RuntimeError("reading .parquet needs pyarrow: pip install 'execgym[parquet]'") from None
        meta = pq.ParquetFile(p).metadata
        filters = [("ability", "=", "code")] if "ability" in meta.schema.names else None
        rows = [dict(r) for r in pq.read_table(p, filters=filters).to_pylist()]
        return rows, meta.num_rows - len(rows)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{p}: not JSON ({exc})") from None
        if not isinstance(data, list):
            raise ValueError(f"{p}: a .json tasks file holds a list of rows")  # noqa: TRY004 - a data error
        return data, 0
    rows = []
    for n, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as exc:
            raise ValueError(f"{p} line {n + 1}: not JSON ({exc})") from None
    return rows, 0
