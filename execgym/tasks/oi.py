"""ExecOI-v0 (output to input): given ``assert f(??) == <output>``, propose literal arguments.

Contract:
- The answer is one line ``assert f(<literal arguments>) == <output>``. The verifier parses it with ``ast``,
  requires the called name to be the entry function, every positional and keyword argument to be a literal
  (``literals.literal_from_node``; no names, calls, starred or ``**`` arguments) and the right side to be the
  given output. Only the decoded argument VALUES are kept: the verifier re-renders them as literal text and runs
  the ORIGINAL program on them in the sandbox (``policy="trusted"``: the code is ours, the arguments are plain
  data; they are model-proposed, so they still never run in this process). The decoded result is compared
  type-strictly with the expected output here, in the caller.
- Reward 1 (``reward="execverify"``: 2) when the program returns the expected output, else 0. Timeouts are
  outcome ``timeout``, sandbox failures ``error``; exceptions of the program on the proposed arguments are
  ``wrong`` with the exception named in the reason.
"""

from __future__ import annotations

from execgym.tasks import prompts
from execgym.tasks.answers import answer_block, answer_lines, parse_assertion
from execgym.tasks.base import Pending, Score, clip_text, error_score, format_error, make_score
from execgym.tasks.literals import literal_call_text, parse_trusted, show_value, strict_equal
from execgym.tasks.options import Opt
from execgym.tasks.tracetask import TraceTask, base_spec, require

OPTIONS = {
    "reward": Opt("default", str, choices=("default", "execverify")),
    "float_tolerance": Opt(0.0, float, min=0.0, max=1.0),
    "timeout": Opt(2.0, float, min=0.05, max=30.0),
    "source": Opt("synth", str),
}
MAX_CALL_CHARS = 60_000


def outcome_name(result) -> str:
    out = getattr(result, "outcome", "sandbox_error")
    return str(getattr(out, "value", out))


class OITask(TraceTask):
    env = "ExecOI-v0"
    OPTIONS = OPTIONS

    @classmethod
    def build_from(cls, tp, env: str, level: int, seed: int, options: dict) -> dict:
        spec = base_spec(env, level, seed, options, tp)
        spec["output"] = tp.expected_text
        return spec

    def __init__(self, spec: dict):
        super().__init__(spec)
        require(isinstance(spec.get("output"), str), "'output' must be literal text")
        parsed = parse_trusted(spec["output"])
        require(parsed.ok, f"'output' is not a literal: {parsed.reason}")
        self.output = parsed.value
        self.tol = float(self.options.get("float_tolerance", 0.0) or 0.0)
        self.timeout = float(self.options.get("timeout", 2.0))
        self.max_reward = 2.0 if self.options.get("reward") == "execverify" else 1.0
        self._prompt: str | None = None

    @property
    def entry(self) -> str:
        return self.program["entry"]

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            self._prompt = (
                f"{prompts.INTRO}\n\n{prompts.program_block(self.info)}\n\n"
                f"Find arguments for which the call returns the given output:\n"
                f"`assert {self.entry}(??) == {self.spec['output']}`\n\n"
                f"Answer with the whole completed assertion on one line, `assert {self.entry}(<arguments>) == "
                f"{self.spec['output']}`, the arguments written as Python literals (no variables, no calls, no "
                f"expressions). Any arguments for which the function returns exactly this output are right.\n\n"
                f"{prompts.ANSWER_FORMAT}"
            )
        return self._prompt

    def gold_response(self) -> str:
        return prompts.answer_response([f"assert {self.program['call']} == {self.spec['output']}"])

    def _detail(self, parsed: str) -> dict:
        return {
            "question": f"assert {self.entry}(??) == {self.spec['output']}",
            "expected": f"arguments for which {self.entry} returns {self.spec['output']}",
            "parsed": clip_text(parsed),
            "correct": False,
            "reason": "",
        }

    def blank_details(self, reason: str) -> list[dict]:
        return [dict(self._detail(""), parsed=None, reason=reason)]

    def literal_call(self, line: str) -> tuple[str | None, str]:
        """The call text rebuilt from the literal argument values of an answer line, or (None, reason)."""
        a = parse_assertion(line)
        if not a.ok:
            return None, a.reason
        text, why = literal_call_text(a.call, self.entry)
        if text is None:
            return None, why
        if not a.rhs.ok:
            return None, f"the right side is not a literal ({a.rhs.reason})"
        if not strict_equal(a.rhs.value, self.output):
            return None, "the right side must be the given output, unchanged"
        if len(text) > MAX_CALL_CHARS:
            return None, "arguments too large"
        return text, ""

    def _prepare(self, response: str) -> Pending:
        mr = self.max_reward
        block = answer_block(response)
        if block is None:
            return Pending.done(format_error("no <answer>...</answer> block in the response", mr))
        lines = answer_lines(block)
        if not lines:
            return Pending.done(format_error("the answer block is empty", mr))
        detail = self._detail(lines[0])
        if len(lines) != 1:
            detail["reason"] = f"expected 1 answer line, got {len(lines)}"
            return Pending.done(make_score(0.0, mr, detail["reason"], [detail]))
        try:
            call, why = self.literal_call(lines[0])
        except (ValueError, RecursionError) as exc:
            call, why = None, f"arguments cannot be written as literals ({type(exc).__name__})"
        if call is None:
            detail["reason"] = why
            return Pending.done(make_score(0.0, mr, why, [detail]))
        detail["parsed"] = clip_text(call)
        from execgym.engine.request import RunRequest

        request = RunRequest(source=self.program["source"], call=call, mode="run", policy="trusted",
                             timeout=self.timeout)
        return Pending(requests=[request], finish=lambda results: self._finish(detail, results))

    def _finish(self, detail: dict, results: list) -> Score:
        mr = self.max_reward
        if len(results) != 1:
            return error_score("sandbox returned no result", mr)
        result = results[0]
        outcome = outcome_name(result)
        if outcome == "ok":
            if strict_equal(result.return_value, self.output, self.tol):
                detail["correct"] = True
                detail["reason"] = "the program returns the expected output on these arguments"
                return make_score(mr, mr, detail["reason"], [detail])
            got = show_value(result.return_value, 200)  # total: huge ints, Opaque markers, deep nesting
            detail["reason"] = f"the program returns {got} on these arguments"
            return make_score(0.0, mr, detail["reason"], [detail])
        err = getattr(result, "error", None)
        what = f"{getattr(err, 'type', '')}: {getattr(err, 'message', '')}".strip(": ") if err else outcome
        detail["reason"] = f"running the program on these arguments: {outcome} ({clip_text(what, 200)})"
        if outcome == "timeout":
            return make_score(0.0, mr, detail["reason"], [detail], outcome="timeout")
        if outcome == "sandbox_error":
            return make_score(0.0, mr, detail["reason"], [detail], outcome="error")
        return make_score(0.0, mr, detail["reason"], [detail])
