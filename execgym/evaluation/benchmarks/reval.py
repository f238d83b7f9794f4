"""REval / DREval (r-eval/REval ``data/DREval_data.jsonl`` + ``data/DREval_tasks.jsonl``).

Data records: ``task_id``, ``entry_point``, ``code``, ``inputs`` (argument-tuple strings such as
``"([1.0, 2.0], 0.3,)"``), ``outputs``, ``test`` (unittest source for the ClassEval part, else null).
Task records: ``task_id``, ``idx``, ``tasks``: ``[{input_idx, task: [{lineno, var}], output_pred}]``.

Four question kinds per (program, input): Coverage (is line L executed? YES/NO), State (value and type
of ``var`` after L; ``Nil`` when L never runs), Path (the line that runs after L; -1 when none), and
Output (complete ``output_pred``). Ground truth comes from execgym's tracer, reproducing REval's
``dynamics.py`` semantics on the sequence of line steps of frames from the program: coverage = L is
among them; next lines = the line step after each occurrence of L (-1 after the last step); the state
after L = the locals of the step after each occurrence (of L itself when it is the last), and ``var``
(a name, attribute, subscript, tuple or constant) is interpreted over them as REval does.

Two scores per answer: ``correct`` (execgym's strict parsing of the last ``<answer>`` block: YES/NO,
``value; type`` or Nil via the literal parser, a line number or line text, a literal-only assertion)
and ``official`` (REval's own post-processing of the same response, with the answer block standing in
for [ANSWER]; REval ``eval``s state values, execgym parses them as literals instead, so a value that is
an expression counts as unparseable; REval's Output check ``exec``s the completed test in-process,
execgym runs it in the sandbox). Incremental Consistency is computed from both.

The ClassEval part (records with a ``test``; see :mod:`reval_classeval`): the test class of each
input runs its ``setUp`` untraced, then its first test method, and only the class's own lines are
traced, as in REval. Its State questions about an attribute (``self.x``, 568 of 1,995) are skipped
(counted in ``skipped_state_questions``): execgym's trace keeps objects of program-defined classes
as opaque markers. Its Output questions mask the checked argument of each assertion; the strict
score compares each literal with the value of the masked expression in a real run of the test.
"""

from __future__ import annotations

import ast
import itertools
import re
import threading
from functools import partial
from pathlib import Path
from typing import Any

from execgym import astparse
from execgym.evaluation.benchmarks import reval_classeval as classeval
from execgym.evaluation.benchmarks.common import (
    block_or_text,
    first_answer_line,
    load_rows,
    numbered,
    result,
    sandbox_call,
    sandbox_passes,
)
from execgym.evaluation.items import BenchItem

KINDS = ("coverage", "state", "path", "output")
TRACE_TIMEOUT_S = 10.0
TRACE_MAX_STEPS = 200_000


class _NilType:
    """REval's Nil: the line never ran or the variable has no value there."""

    def __repr__(self) -> str:
        return "Nil"


Nil = _NilType()


# ------------------------------------------------------------------------------- ground truth


class Truth:
    """REval's ``States`` over execgym line steps.

    REval's ``Sandbox.add_state`` merges consecutive events on the same line into one state whose locals
    are those of the last of them (a one-line loop ``for j in r: x *= j`` is one state per run of the
    loop; a lambda's line events merge into its caller's line); the same merge is applied here.
    """

    def __init__(self, steps: list[Any], return_value: Any):
        self.lines: list[int] = []
        self.locals: list[dict] = []
        for s in steps:
            if self.lines and self.lines[-1] == s.line:
                self.locals[-1] = s.locals
            else:
                self.lines.append(s.line)
                self.locals.append(s.locals)
        self.return_value = return_value

    def covered(self, line: int) -> bool:
        return line in self.lines

    def next_lines(self, line: int) -> set[int]:
        if not self.covered(line):
            return {-1}
        out = set()
        for i, ln in enumerate(self.lines):
            if ln == line:
                out.add(self.lines[i + 1] if i + 1 < len(self.lines) else -1)
        return out

    def states_after(self, line: int) -> list[dict]:
        out = []
        for i, ln in enumerate(self.lines):
            if ln == line:
                out.append(self.locals[i + 1] if i + 1 < len(self.lines) else self.locals[i])
        return out

    def values(self, line: int, var: str) -> list | _NilType:
        """REval's ``VarInterpreter``: every value of the expression ``var`` after ``line``."""
        if not self.covered(line):
            return Nil
        try:
            node = astparse.parse(var, mode="eval").body
            return self._node(node, line)
        except Exception:  # noqa: BLE001 - REval returns Nil for anything it cannot interpret
            return Nil

    def _node(self, node: ast.AST, line: int) -> list | _NilType:
        from execgym.tasks.literals import is_plain

        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.Name):
            vals = [st[node.id] for st in self.states_after(line) if node.id in st]
            return vals or Nil
        if isinstance(node, ast.Attribute):
            objs = self._node(node.value, line)
            if objs is Nil:
                return Nil
            # only attributes of plain builtin values (never of decoded markers)
            res = [getattr(o, node.attr) for o in objs if is_plain(o) and hasattr(o, node.attr)]
            return res or Nil
        if isinstance(node, ast.Subscript):
            arrs, idxs = self._node(node.value, line), self._node(node.slice, line)
            if arrs is Nil or idxs is Nil:
                return Nil
            res = []
            for a, i in itertools.product(arrs, idxs):
                if not (is_plain(a) and is_plain(i)):
                    continue
                try:
                    res.append(a[i])
                except (TypeError, KeyError, IndexError):
                    pass
            return res or Nil
        if isinstance(node, ast.Tuple):
            elts = [self._node(e, line) for e in node.elts]
            if any(e is Nil for e in elts):
                return Nil
            return list(itertools.product(*elts))
        return Nil


# ------------------------------------------------------------------------------- answer parsing

_TYPES = {t.__name__: t for t in (int, float, complex, str, bytes, bool, list, tuple, dict, set, frozenset)}
_TYPES["NoneType"] = type(None)


def official_state_answer(response: str) -> Any:
    """REval ``State._postprocess`` (direct prompts) without ``eval``: ``Nil``, ``(value, type)`` or ``"ERROR"``."""
    from execgym.tasks.literals import parse_literal

    resp, _ = block_or_text(response)
    resp = resp.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').strip()
    if resp.capitalize() == "Nil" or resp == "[Nil]":
        return Nil
    semicolon = resp.rfind(";")
    if semicolon == -1:
        return "ERROR"
    value_text, type_text = resp[:semicolon].strip(), resp[semicolon + 1:].strip().lower()
    if value_text.capitalize() == "Nil":
        return Nil
    m = re.match(r"<class '(.*)'>", type_text)
    if m:
        type_text = m.group(1)
    m = re.match(r"(.*)\[.*\]", type_text)
    if m:
        type_text = m.group(1)
    if type_text == "string":
        type_text = "str"
    if type_text == "integer":
        type_text = "int"
    if "," in type_text or "tuple" in type_text:
        type_text = "tuple"
    if type_text == "str":
        parsed = parse_literal(value_text)
        return (parsed.value if parsed.ok else value_text), str
    if value_text == "None" or type_text == "nonetype":
        return None, type(None)
    wanted = _TYPES.get(type_text)
    if wanted is None:
        return "ERROR"  # REval locates arbitrary types; execgym compares builtin values only
    parsed = parse_literal(value_text)
    if not parsed.ok:
        return "ERROR"
    return parsed.value, wanted


def official_state_equal(answer: Any, actual: list | _NilType) -> bool:
    """REval ``State._eq``."""
    if answer == "ERROR":
        return False
    if answer is Nil or actual is Nil:
        return answer is Nil and actual is Nil
    value, wanted = answer
    if all(type(a) is not wanted for a in actual):
        return False
    if type(value) is not wanted:
        return False
    if wanted is float:
        return any(type(a) in (int, float) and abs(value - a) < 1e-6 for a in actual)
    from execgym.tasks.literals import is_plain

    try:
        return any(is_plain(a) and value == a for a in actual)
    except Exception:  # noqa: BLE001
        return False


def strict_state(response: str, actual: list | _NilType) -> tuple[bool, str, str]:
    from execgym.tasks.answers import parse_var
    from execgym.tasks.literals import strict_equal, type_name

    line, why = first_answer_line(response)
    if line is None:
        return False, "format_error", why
    ans = parse_var(line)
    if not ans.ok:
        return False, "format_error", ans.reason
    if ans.nil or actual is Nil:
        ok = ans.nil and actual is Nil
        return ok, ("correct" if ok else "wrong"), ("Nil" if actual is Nil else "the variable has a value there")
    if type_name(ans.value) != ans.type_name:
        return False, "wrong", f"the value is not of type {ans.type_name}"
    for a in actual:
        if type_name(a) == ans.type_name and strict_equal(ans.value, a, tol=1e-6):
            return True, "correct", "value and type match an execution of the line"
    return False, "wrong", "no execution of the line gives that value and type"


def official_coverage(response: str) -> bool:
    """REval ``Coverage._postprocess``: first three characters; empty or ambiguous -> NO."""
    text, _ = block_or_text(response)
    ans = text.upper().strip()
    if not ans:
        return False
    ans = ans[:3]
    yes, no = "YES" in ans, "NO" in ans
    return yes and not no


def strict_coverage(response: str) -> tuple[bool | None, str]:
    line, why = first_answer_line(response)
    if line is None:
        return None, why
    word = line.strip().strip("`*.").upper()
    if word in ("YES", "NO"):
        return word == "YES", ""
    return None, "expected YES or NO"


def official_path(response: str, code: str) -> list[int]:
    """REval ``Path._postprocess`` + answer-to-lines mapping: -1, or lines whose text matches; else [-2]."""
    text, _ = block_or_text(response)
    first = text.strip().split("\n")[0].strip()
    if first == "":
        return [-2]
    if first == "-1":
        return [-1]
    lines = [i + 1 for i, ln in enumerate(code.split("\n")) if first == ln.strip()]
    return lines or [-2]


def strict_path(response: str, code: str) -> tuple[set[int] | None, str]:
    from execgym.tasks.answers import parse_next
    from execgym.tasks.source import SourceInfo

    line, why = first_answer_line(response)
    if line is None:
        return None, why
    ans = parse_next(line, SourceInfo.of(code))
    if not ans.ok:
        return None, ans.reason
    return set(ans.lines), ""


def penalty_pattern(code: str, given: str) -> bool:
    """REval's Output penalty: trivial asserts, or fewer asserts than the question has."""
    trivial = ("assertTrue(True)", "assertFalse(False)", "assert True", "assert False",
               "assert True == True", "assert False == False")
    if any(t in code for t in trivial):
        return True
    return code.count("assert") < max(1, given.count("assert"))


def official_output_program(response: str, given: str) -> str | None:
    """REval ``Output._postprocess`` + ``_postprocess_phase2``; None when the penalty applies."""
    text, _ = block_or_text(response)
    text = text.strip()
    in_lines, res_lines = given.strip().split("\n"), text.split("\n")
    if len(res_lines) < len(in_lines):
        text = "\n".join(in_lines[: len(in_lines) - len(res_lines)] + res_lines)
    if penalty_pattern(text, given):
        return None
    return text


# ------------------------------------------------------------------------------- the benchmark


class REval:
    name = "reval"

    def __init__(self, paths: list[str]):
        rows: list[dict] = []
        files = []
        for p in paths:
            path = Path(p)
            if path.is_dir():
                files += [path / "DREval_data.jsonl", path / "DREval_tasks.jsonl"]
            else:
                files.append(path)
        data_rows, task_rows = [], []
        for f in files:
            rows = load_rows(f)
            for r in rows:
                if "tasks" in r:
                    task_rows.append(r)
                elif "code" in r:
                    data_rows.append(r)
                else:
                    raise ValueError(f"{f}: a record has neither 'code' (DREval_data) nor 'tasks' (DREval_tasks)")
        if not data_rows or not task_rows:
            raise ValueError("REval needs both DREval_data.jsonl and DREval_tasks.jsonl "
                             "(pass --data twice, comma-separated, or the data directory)")
        self.data = {str(r["task_id"]): r for r in data_rows}
        self.tasks = task_rows
        self.skipped = 0  # programs (ClassEval records without a usable test class)
        self.skipped_questions = 0  # ClassEval State questions about attributes
        self._truth: dict[tuple[str, int], Truth | str] = {}
        self._outputs: dict[tuple[str, int], dict | str] = {}
        self._cases: dict[str, list[classeval.ClassEvalCase]] = {}
        self._lock = threading.Lock()

    # -- ground truth, computed once per (program, input) in the sandbox --------------------------
    def truth(self, task_id: str, input_idx: int) -> Truth | str:
        key = (task_id, input_idx)
        with self._lock:
            if key in self._truth:
                return self._truth[key]
        from execgym.engine.api import trace

        row = self.data[task_id]
        if row.get("test"):
            case = self.classeval_cases(task_id)[input_idx]
            source, call = classeval.truth_program(row["code"], row["test"], case)
        else:
            source, call = row["code"], f"{row['entry_point']}{row['inputs'][input_idx]}"
        tr = trace(source, call, timeout=TRACE_TIMEOUT_S, max_steps=TRACE_MAX_STEPS)
        outcome = getattr(tr.outcome, "value", tr.outcome)
        value: Truth | str
        if outcome != "ok":
            detail = f" ({tr.error.type}: {tr.error.message})" if tr.error is not None else ""
            value = f"the ground-truth trace of {call[:80]} ended in {outcome}{detail}"
        else:
            value = Truth(list(tr.line_steps()), tr.return_value)
        with self._lock:
            self._truth[key] = value
        return value

    def classeval_cases(self, task_id: str) -> list[classeval.ClassEvalCase]:
        """REval's test classes of a ClassEval record, in input order ([] when none parse)."""
        with self._lock:
            if task_id in self._cases:
                return self._cases[task_id]
        row = self.data[task_id]
        try:
            cases = classeval.classeval_cases(str(row["entry_point"]), str(row["test"]))
        except (SyntaxError, ValueError):
            cases = []
        with self._lock:
            self._cases[task_id] = cases
        return cases

    def masked_values(self, task_id: str, input_idx: int, given: str) -> dict | str:
        """ClassEval Output truth: ``{i: value}`` of each expression the question masks, from a
        real run of the test in the sandbox (a str: why there is none)."""
        key = (task_id, input_idx)
        with self._lock:
            if key in self._outputs:
                return self._outputs[key]
        row = self.data[task_id]
        case = self.classeval_cases(task_id)[input_idx]
        built = classeval.capture_program(row["code"], row["test"], case, row["inputs"][input_idx], given)
        value: dict | str
        if built is None:
            value = "the Output question does not line up with the test code"
        else:
            source, call, n = built
            ok, got, why = sandbox_call(source, call, timeout=TRACE_TIMEOUT_S)
            if not ok:
                value = why
            elif type(got) is not dict or sorted(got) != list(range(n)):
                value = "a masked expression never ran"
            else:
                value = got
        with self._lock:
            self._outputs[key] = value
        return value

    # -- items ----------------------------------------------------------------------------------
    def items(self) -> list[BenchItem]:
        out: list[BenchItem] = []
        self.skipped = 0
        for trow in self.tasks:
            task_id = str(trow["task_id"])
            row = self.data.get(task_id)
            if row is None:
                raise ValueError(f"DREval_tasks names {task_id}, which DREval_data lacks")
            if row.get("test"):
                out += self._classeval_items(task_id, row, trow)
                continue
            code, entry = row["code"], row["entry_point"]
            listing = numbered(code)
            codelines = code.split("\n")
            for pair in trow["tasks"]:
                input_idx = int(pair["input_idx"])
                raw = row["inputs"][input_idx]
                shown = f"{entry}{raw[:-2]})" if raw.rstrip().endswith(",)") else f"{entry}{raw}"
                base = f"{task_id}/in{input_idx}"
                for q, t in enumerate(pair["task"]):
                    line, var = int(t["lineno"]), str(t["var"])
                    codeline = codelines[line - 1].strip() if 0 < line <= len(codelines) else ""
                    group = f"{base}/q{q}"
                    spec = {"benchmark": "reval", "task_id": task_id, "input_idx": input_idx, "lineno": line,
                            "var": var, "call": shown}
                    head, when = _head(listing, shown), f"when `{shown}` is called"
                    for kind in ("coverage", "state", "path"):
                        prompt = _PROMPTS[kind](head, when, line, codeline, var)
                        scorer = partial(getattr(self, f"_score_{kind}"), task_id, input_idx, line, var)
                        out.append(BenchItem(f"reval-{kind}", f"{group}/{kind}", prompt,
                                             dict(spec, kind=kind), scorer, group=group))
                given = str(pair["output_pred"])
                prompt = _output_prompt(listing, given)
                scorer = partial(self._score_output, task_id, input_idx, given)
                out.append(BenchItem("reval-output", f"{base}/output", prompt,
                                     {"benchmark": "reval", "task_id": task_id, "input_idx": input_idx,
                                      "kind": "output", "output_pred": given}, scorer, group=base))
        return out

    def _classeval_items(self, task_id: str, row: dict, trow: dict) -> list[BenchItem]:
        cases = self.classeval_cases(task_id)
        if not cases:
            self.skipped += 1
            return []
        out: list[BenchItem] = []
        code = row["code"]
        listing, codelines = numbered(code), code.split("\n")
        for pair in trow["tasks"]:
            input_idx = int(pair["input_idx"])
            if input_idx >= len(cases) or input_idx >= len(row["inputs"]):
                self.skipped_questions += len(pair["task"])
                continue
            case = cases[input_idx]
            test_text = str(row["inputs"][input_idx]).rstrip()
            head = _classeval_head(listing, case.setup, test_text)
            base = f"{task_id}/in{input_idx}"
            for q, t in enumerate(pair["task"]):
                line, var = int(t["lineno"]), str(t["var"])
                codeline = codelines[line - 1].strip() if 0 < line <= len(codelines) else ""
                group = f"{base}/q{q}"
                spec = {"benchmark": "reval", "part": "classeval", "task_id": task_id, "input_idx": input_idx,
                        "lineno": line, "var": var, "test_class": case.test_class}
                for kind in ("coverage", "state", "path"):
                    if kind == "state" and classeval.has_attribute(var):
                        self.skipped_questions += 1
                        continue
                    prompt = _PROMPTS[kind](head, "when the test code runs", line, codeline, var)
                    scorer = partial(getattr(self, f"_score_{kind}"), task_id, input_idx, line, var)
                    out.append(BenchItem(f"reval-{kind}", f"{group}/{kind}", prompt,
                                         dict(spec, kind=kind), scorer, group=group))
            given = str(pair["output_pred"])
            prompt = _classeval_output_prompt(listing, case.setup, given)
            scorer = partial(self._score_classeval_output, task_id, input_idx, given)
            out.append(BenchItem("reval-output", f"{base}/output", prompt,
                                 {"benchmark": "reval", "part": "classeval", "task_id": task_id,
                                  "input_idx": input_idx, "kind": "output", "output_pred": given,
                                  "test_class": case.test_class}, scorer, group=base))
        return out

    # -- scorers (blocking; run on the harness's thread pool) ------------------------------------
    def _truth_or_error(self, task_id: str, input_idx: int) -> Truth | dict:
        truth = self.truth(task_id, input_idx)
        if isinstance(truth, str):
            return result(False, truth, official=False, outcome="error")
        return truth

    def _score_coverage(self, task_id: str, input_idx: int, line: int, var: str, response: str) -> dict:
        truth = self._truth_or_error(task_id, input_idx)
        if isinstance(truth, dict):
            return truth
        actual = truth.covered(line)
        official_ans = official_coverage(response)
        strict_ans, why = strict_coverage(response)
        details = {"expected": actual, "official_answer": official_ans, "answer": strict_ans}
        if strict_ans is None:
            return result(False, why, official=official_ans == actual, outcome="format_error", details=details)
        ok = strict_ans == actual
        return result(ok, f"line {line} {'is' if actual else 'is not'} executed", official=official_ans == actual,
                      details=details)

    def _score_state(self, task_id: str, input_idx: int, line: int, var: str, response: str) -> dict:
        truth = self._truth_or_error(task_id, input_idx)
        if isinstance(truth, dict):
            return truth
        actual = truth.values(line, var)
        official = official_state_equal(official_state_answer(response), actual)
        ok, outcome, reason = strict_state(response, actual)
        return result(ok, reason, official=official, outcome=outcome,
                      details={"expected": "Nil" if actual is Nil else _short(actual)})

    def _score_path(self, task_id: str, input_idx: int, line: int, var: str, response: str) -> dict:
        truth = self._truth_or_error(task_id, input_idx)
        if isinstance(truth, dict):
            return truth
        code = self.data[task_id]["code"]
        actual = truth.next_lines(line)
        official = any(a in actual for a in official_path(response, code))
        lines, why = strict_path(response, code)
        details = {"expected": sorted(actual)}
        if lines is None:
            return result(False, why, official=official, outcome="format_error", details=details)
        ok = bool(lines & actual)
        return result(ok, f"the next line(s): {sorted(actual)}", official=official, details=details)

    def _score_output(self, task_id: str, input_idx: int, given: str, response: str) -> dict:
        from execgym.tasks.answers import parse_assertion, same_call
        from execgym.tasks.literals import strict_equal

        truth = self._truth_or_error(task_id, input_idx)
        if isinstance(truth, dict):
            return truth
        row = self.data[task_id]
        program = official_output_program(response, given)
        if program is None:
            official, official_reason = False, "REval penalty pattern"
        else:
            official, official_reason = sandbox_passes(f"{row['code']}\n{program}")
        details = {"official_reason": official_reason}
        line, why = first_answer_line(response)
        if line is None:
            return result(False, why, official=official, outcome="format_error", details=details)
        assertion = parse_assertion(line)
        if not assertion.ok or assertion.call is None or assertion.rhs is None:
            return result(False, assertion.reason, official=official, outcome="format_error", details=details)
        call_text = given.strip().split("\n")[0]
        call_text = call_text[len("assert"):].rsplit("==", 1)[0].strip() if call_text.startswith("assert") else ""
        if not same_call(assertion.call, call_text):
            return result(False, "the assertion changes the call", official=official, details=details)
        if not assertion.rhs.ok:
            return result(False, f"not a literal: {assertion.rhs.reason}", official=official, details=details)
        ok = strict_equal(assertion.rhs.value, truth.return_value)
        return result(ok, "the literal equals the return value" if ok else "the literal differs from the return value",
                      official=official, details=details)

    def _score_classeval_output(self, task_id: str, input_idx: int, given: str, response: str) -> dict:
        from execgym.tasks.literals import parse_literal, strict_equal

        row = self.data[task_id]
        case = self.classeval_cases(task_id)[input_idx]
        completed = official_output_program(response, given)
        if completed is None:
            official, official_reason = False, "REval penalty pattern"
        else:
            official, official_reason = sandbox_passes(
                classeval.official_output_program(row["code"], row["test"], case, completed))
        details = {"official_reason": official_reason}
        expected = self.masked_values(task_id, input_idx, given)
        if isinstance(expected, str):
            return result(False, f"no ground truth: {expected}", official=official, outcome="error", details=details)
        details["expected"] = _short([expected[i] for i in range(len(expected))])
        line, why = first_answer_line(response)
        if line is None:
            return result(False, why, official=official, outcome="format_error", details=details)
        text, _ = block_or_text(response)
        texts = classeval.answer_values(_pad_lines(text, given), given)
        if texts is None:
            return result(False, "the answer must be the given test code with each ?? replaced by a literal",
                          official=official, outcome="format_error", details=details)
        for i, value_text in enumerate(texts):
            parsed = parse_literal(value_text)
            if not parsed.ok:
                return result(False, f"?? number {i + 1} is not a literal: {parsed.reason}", official=official,
                              details=details)
            if not strict_equal(parsed.value, expected[i]):
                return result(False, f"?? number {i + 1} differs from the value of the masked expression",
                              official=official, details=details)
        return result(True, "every literal equals the value of the expression it replaces", official=official,
                      details=details)

    # -- REval's aggregate metrics -----------------------------------------------------------------
    def extra_rows(self, records: list[dict]) -> list[dict]:
        by_key = {(r["item"], r["sample"]): r for r in records if r.get("outcome") != "model_error"}
        rows: list[dict] = []
        cov = [r for r in by_key.values() if r["task"] == "reval-coverage"]
        if cov:
            for flavour in ("strict", "official"):
                tp = fp = fn = tn = 0
                for r in cov:
                    d = r.get("details") or {}
                    ans = d.get("answer") if flavour == "strict" else d.get("official_answer")
                    act = bool(d.get("expected"))
                    ans = bool(ans)  # unparseable strict answers count as NO, as REval does
                    tp += ans and act
                    fp += ans and not act
                    fn += (not ans) and act
                    tn += (not ans) and not act
                prec = tp / (tp + fp) if tp + fp else 0.0
                rec = tp / (tp + fn) if tp + fn else 0.0
                f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
                rows.append({"task": f"reval-coverage-{flavour}-prf", "level": None, "n": len(cov),
                             "mean_reward": None, "accuracy": (tp + tn) / len(cov), "format_error_rate": None,
                             "official_accuracy": None, "precision": prec, "recall": rec, "f1": f1})
        samples = sorted({s for (_, s) in by_key})
        groups = sorted({r["item"].rsplit("/", 1)[0] for r in by_key.values() if r["task"] != "reval-output"})
        if not groups:
            return rows
        ic: dict[str, list[float]] = {"strict": [], "official": []}
        for s in samples:
            for flavour, field in (("strict", "correct"), ("official", "official")):
                total = 0.0
                counted = 0
                for g in groups:
                    parts = [by_key.get((f"{g}/{k}", s)) for k in ("coverage", "state", "path")]
                    out = by_key.get((g.rsplit("/", 1)[0] + "/output", s))
                    if any(p is None for p in parts) or out is None:
                        continue
                    c, st, p = (bool(x.get(field)) for x in parts)
                    o = bool(out.get(field))
                    counted += 1
                    total += _ic_score(c, st, p, o)
                if counted:
                    ic[flavour].append(total / counted)
        if ic["strict"]:
            rows.append({"task": "reval-consistency", "level": None, "n": len(groups) * len(samples),
                         "mean_reward": None, "accuracy": sum(ic["strict"]) / len(ic["strict"]),
                         "format_error_rate": None,
                         "official_accuracy": sum(ic["official"]) / len(ic["official"]) if ic["official"] else None,
                         "skipped_programs": self.skipped,
                         "skipped_state_questions": self.skipped_questions})
        return rows


def _ic_score(c: bool, s: bool, p: bool, o: bool) -> float:
    """REval's Incremental Consistency for one question (C -> S -> P -> O)."""
    if c and s and p and o:
        return 1.0
    if c and s and p and not o:
        return 0.5
    if c and s and not p and not o:
        return 0.25
    if c and not s and not p and not o:
        return 0.125
    return 0.0


def _short(value: Any) -> Any:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def _pad_lines(text: str, given: str) -> str:
    """REval's Output padding: an answer with fewer lines than the question gets its first lines."""
    in_lines, res_lines = given.strip().split("\n"), text.strip().split("\n")
    if len(res_lines) < len(in_lines):
        return "\n".join(in_lines[: len(in_lines) - len(res_lines)] + res_lines)
    return text.strip()


def _head(listing: str, call: str) -> str:
    return f"Here is a Python program (with line numbers):\n\n```python\n{listing}\n```\n\nIt is called as `{call}`.\n\n"


def _setup_text(setup: str) -> str:
    if not setup:
        return ""
    return f"Before the test code runs, the test fixture's setUp ran (`self` is the test case):\n\n```python\n{setup}\n```\n\n"


def _classeval_head(listing: str, setup: str, test: str) -> str:
    return (f"Here is a Python program (with line numbers):\n\n```python\n{listing}\n```\n\n{_setup_text(setup)}"
            f"This test code runs against it (`assert...` are the unittest assertions):\n\n```python\n{test}\n```\n\n")


def _coverage_prompt(head: str, when: str, line: int, codeline: str, var: str) -> str:
    return head + (
        f"Is line {line} (`{codeline}`) executed {when}? Reason step by step, then answer "
        "YES or NO inside <answer> and </answer>, e.g. <answer>YES</answer>."
    )


def _state_prompt(head: str, when: str, line: int, codeline: str, var: str) -> str:
    return head + (
        f"What are the value and the type of `{var}` right after line {line} (`{codeline}`) executes? If the line "
        "executes several times, any one of its executions counts. If it never executes, answer Nil. Reason step "
        "by step, then answer `value; type` inside <answer> and </answer>, e.g. <answer>[1, 2]; list</answer>."
    )


def _path_prompt(head: str, when: str, line: int, codeline: str, var: str) -> str:
    return head + (
        f"Which line executes right after line {line} (`{codeline}`)? If it executes several times, any one of "
        f"its executions counts. Answer -1 if line {line} never executes or the program ends right after it. "
        "Reason step by step, then give the text of that line inside <answer> and </answer>, e.g. "
        "<answer>return result</answer>."
    )


def _output_prompt(listing: str, given: str) -> str:
    return (
        f"Here is a Python program (with line numbers):\n\n```python\n{listing}\n```\n\n{given}\n\n"
        "Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the "
        "output of the call. Reason step by step, then give the completed assertion inside <answer> and "
        "</answer>."
    )


def _classeval_output_prompt(listing: str, setup: str, given: str) -> str:
    return (
        f"Here is a Python program (with line numbers):\n\n```python\n{listing}\n```\n\n{_setup_text(setup)}"
        f"Here is test code for it (`assert...` are the unittest assertions):\n\n```python\n{given}\n```\n\n"
        "Replace each ?? with a literal (no unsimplified expressions, no function calls) equal to the value the "
        "expression in its place has when the test runs. Reason step by step, then give the completed test code "
        "inside <answer> and </answer>."
    )


_PROMPTS = {"coverage": _coverage_prompt, "state": _state_prompt, "path": _path_prompt}
