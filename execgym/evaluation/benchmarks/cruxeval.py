"""CRUXEval-O / CRUXEval-I (facebookresearch/cruxeval ``data/cruxeval.jsonl``; HF ``cruxeval-org/cruxeval``).

Records: ``id``, ``code`` (a function ``f``), ``input`` (argument text), ``output`` (literal text).

Strict scoring (``accuracy``, execgym's verifier): the first line of the last ``<answer>`` block is
``assert f(<input>) == <literal>`` (or the bare literal) for O, and ``assert f(<literals>) == <output>``
(or the bare call) for I. Values are literals only, compared type-strictly in the caller; for I the
proposed literal arguments are run on the program in the sandbox and the decoded result compared.

Official scoring (``official``, CRUXEval's ``evaluate_score``): extraction as in CRUXEval's
``postprocess_generation`` (our ``<answer>`` block stands in for ``[ANSWER]``), skip rules (O: drop
generations containing ``f(<input>)``; I: drop those without ``f(``), then
``code + "\\nassert " + output + " == " + generation`` is executed, here in execgym's sandbox with
CRUXEval's 3 s timeout. Dropped generations are recorded as ``official: None``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from execgym.evaluation.benchmarks.common import (
    block_or_text,
    first_answer_line,
    literal_call,
    load_rows,
    numbered,
    parse_call_text,
    require_fields,
    result,
    sandbox_call,
    sandbox_passes,
)
from execgym.evaluation.items import BenchItem

SYSTEM_HINT = "You are an expert at Python programming, code execution, test case generation, and fuzzing."


def output_prompt(code: str, call: str) -> str:
    return (
        "You are given a Python function and an assertion containing an input to the function. Complete the "
        "assertion with a literal (no unsimplified expressions, no function calls) containing the output when "
        "executing the provided code on the given input, even if the function is incorrect or incomplete.\n\n"
        f"```python\n{numbered(code)}\n```\n\n"
        f"assert {call} == ??\n\n"
        "Execute the program step by step, then give the completed assertion inside <answer> and </answer>, "
        f"for example:\n<answer>\nassert {call} == <literal>\n</answer>"
    )


def input_prompt(code: str, output: str, entry: str = "f") -> str:
    return (
        "You are given a Python function and an output. Find any input such that executing the function on "
        "the input leads to the given output. There may be several answers; give only one. Use literal "
        "arguments only (no expressions, no variables).\n\n"
        f"```python\n{numbered(code)}\n```\n\n"
        f"assert {entry}(??) == {output}\n\n"
        "Think it through step by step, then give the completed assertion inside <answer> and </answer>, for "
        f"example:\n<answer>\nassert {entry}(<literal arguments>) == {output}\n</answer>"
    )


def expected_value(code: str, call: str, output_text: str) -> tuple[bool, Any, str]:
    """The expected output as a value: the record's literal, else (if not a literal) by running the call."""
    from execgym.tasks.literals import parse_literal

    parsed = parse_literal(output_text)
    if parsed.ok:
        return True, parsed.value, ""
    ok, value, reason = sandbox_call(code, call)
    return ok, value, reason


def strict_output(response: str, code: str, call: str, output_text: str) -> tuple[bool, str, str]:
    """(correct, outcome, reason) for an output-prediction answer (CRUXEval-O, LCB execution)."""
    from execgym.tasks.answers import parse_assertion, same_call
    from execgym.tasks.literals import parse_literal, strict_equal

    line, why = first_answer_line(response)
    if line is None:
        return False, "format_error", why
    if line.startswith("assert"):
        assertion = parse_assertion(line)
        if not assertion.ok or assertion.call is None or assertion.rhs is None:
            return False, "format_error", assertion.reason or "not an assertion"
        if not same_call(assertion.call, call):
            return False, "wrong", f"the assertion changes the call (expected {call})"
        parsed = assertion.rhs
    else:
        parsed = parse_literal(line)
    if not parsed.ok:
        return False, "wrong", f"the answer is not a literal: {parsed.reason}"
    ok, expected, reason = expected_value(code, call, output_text)
    if not ok:
        return False, "error", f"could not establish the expected output: {reason}"
    if strict_equal(parsed.value, expected):
        return True, "correct", "the literal equals the output"
    return False, "wrong", "the literal differs from the output"


def strict_input(response: str, code: str, output_text: str, entry: str = "f") -> tuple[bool, str, str]:
    """(correct, outcome, reason) for an input-prediction answer (CRUXEval-I)."""
    from execgym.tasks.answers import parse_assertion
    from execgym.tasks.literals import parse_literal, strict_equal

    line, why = first_answer_line(response)
    if line is None:
        return False, "format_error", why
    wanted = parse_literal(output_text)
    if line.startswith("assert"):
        assertion = parse_assertion(line)
        if not assertion.ok or assertion.call is None or assertion.rhs is None:
            return False, "format_error", assertion.reason or "not an assertion"
        if not assertion.rhs.ok or not wanted.ok or not strict_equal(assertion.rhs.value, wanted.value):
            return False, "wrong", "the assertion changes the expected output"
        node = assertion.call
    else:
        node = parse_call_text(line)
        if node is None:
            return False, "format_error", "the answer is neither an assertion nor a call"
    if not wanted.ok:
        return False, "error", f"the record's output is not a literal: {wanted.reason}"
    call, why = literal_call(node, entry)
    if call is None:
        return False, "wrong", why
    ran, value, reason = sandbox_call(code, call)
    if not ran:
        return False, "wrong", f"{call}: {reason}"
    if strict_equal(value, wanted.value):
        return True, "correct", f"{call} returns the output"
    return False, "wrong", f"{call} returns a different value"


def official_generation_output(response: str) -> str:
    """CRUXEval ``postprocess_generation`` (output mode), the answer block standing in for [ANSWER]."""
    generation, _ = block_or_text(response)
    if "==" in generation:
        generation = generation.split("==")[1].strip()
    return generation.strip()


def official_generation_input(response: str) -> str:
    """CRUXEval ``postprocess_generation`` (input mode)."""
    generation, _ = block_or_text(response)
    if "==" in generation:
        generation = generation.split("==")[0].strip()
    if "assert f" in generation:
        generation = "f" + generation.split("assert f")[1].strip()
    return generation.strip()


def official_check(code: str, output_text: str, generation: str) -> tuple[bool, str]:
    return sandbox_passes(f"{code}\nassert {output_text} == {generation}")


def score_output(record: dict, response: str) -> dict:
    code, call, output = record["code"], f"f({record['input']})", record["output"]
    correct, outcome, reason = strict_output(response, code, call, output)
    generation = official_generation_output(response)
    if f"f({record['input']})" in generation:
        official, official_reason = None, "dropped by the official skip rule (the answer repeats the call)"
    else:
        official, official_reason = official_check(code, output, generation)
    return result(correct, reason, official=official, outcome=outcome,
                  details={"official_generation": generation[:500], "official_reason": official_reason})


def score_input(record: dict, response: str) -> dict:
    code, output = record["code"], record["output"]
    correct, outcome, reason = strict_input(response, code, output)
    generation = official_generation_input(response)
    if "f(" not in generation:
        official, official_reason = None, "dropped by the official skip rule (no f( in the answer)"
    else:
        official, official_reason = official_check(code, output, generation)
    return result(correct, reason, official=official, outcome=outcome,
                  details={"official_generation": generation[:500], "official_reason": official_reason})


class CruxEval:
    """``mode`` is "output" (cruxeval-o) or "input" (cruxeval-i)."""

    def __init__(self, path: str, mode: str):
        if mode not in ("output", "input"):
            raise ValueError("mode must be 'output' or 'input'")
        self.mode = mode
        self.name = "cruxeval-o" if mode == "output" else "cruxeval-i"
        self.rows = load_rows(path)
        require_fields(self.rows, ("code", "input", "output"), "CRUXEval")
        self.skipped = 0

    def items(self) -> list[BenchItem]:
        out = []
        for i, row in enumerate(self.rows):
            rid = str(row.get("id", f"sample_{i}"))
            record = {"id": rid, "code": row["code"], "input": row["input"], "output": row["output"]}
            if self.mode == "output":
                prompt = output_prompt(row["code"], f"f({row['input']})")
                scorer = partial(score_output, record)
            else:
                prompt = input_prompt(row["code"], row["output"])
                scorer = partial(score_input, record)
            spec = {"benchmark": self.name, **record}
            out.append(BenchItem(self.name, rid, prompt, spec, scorer))
        return out

    def extra_rows(self, records: list[dict]) -> list[dict]:
        return []
