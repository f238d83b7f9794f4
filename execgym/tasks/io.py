"""ExecIO-v0 (input to output): complete ``assert f(args) == ??``, plus white-box questions.

Contract:
- Answer line 1 is the completed assertion. It is parsed with ``ast`` and must be exactly
  ``assert <the task's call> == <literal>`` (same call, formatting aside; no message; a single ``==``); the
  literal is compared type-strictly with the traced output. Nothing is executed: the expected output is in the
  spec, so ExecIO scoring never touches the sandbox.
- ``whitebox=True`` (default) adds up to ``n_next`` next-line and ``n_var`` value/type questions from the same
  trace, answered on lines 2.. in order. ``R_white`` = fraction right (0 if the number of lines is wrong);
  with no white-box questions ``R_white = R_io``.
- Reward: ``(1 - alpha) * R_io + alpha * R_io * R_white`` (the white part counts only when the output is right)
  with ``alpha = 0.5``; ``reward="execverify"`` doubles it (the paper's [0, 2] scale).
"""

from __future__ import annotations

from execgym.tasks import prompts
from execgym.tasks.answers import answer_block, answer_lines, parse_assertion, same_call
from execgym.tasks.base import Pending, Score, clip_text, format_error, make_score
from execgym.tasks.literals import parse_trusted, strict_equal
from execgym.tasks.options import Opt
from execgym.tasks.questions import facts, gold_answer, grade_all, order_questions, select_next, select_var
from execgym.tasks.tracetask import TraceTask, base_spec, question_rng, read_questions, require

OPTIONS = {
    "whitebox": Opt(True, bool),
    "reward": Opt("default", str, choices=("default", "execverify")),
    "alpha": Opt(0.5, float, min=0.0, max=1.0),
    "n_next": Opt(5, int, min=0, max=20),
    "n_var": Opt(5, int, min=0, max=20),
    "float_tolerance": Opt(0.0, float, min=0.0, max=1.0),
    "source": Opt("synth", str),
}


class IOTask(TraceTask):
    env = "ExecIO-v0"
    OPTIONS = OPTIONS

    @classmethod
    def build_from(cls, tp, env: str, level: int, seed: int, options: dict) -> dict:
        from execgym.tasks.source import SourceInfo

        spec = base_spec(env, level, seed, options, tp)
        spec["expected"] = tp.expected_text
        qs: list[dict] = []
        if options["whitebox"]:
            info = SourceInfo.of(tp.source)
            tf = facts(tp.steps)
            rnd = question_rng(env, level, seed, options, "io")
            qs = order_questions(select_next(tf, info, options["n_next"], rnd))
            qs += order_questions(select_var(tf, info, options["n_var"], rnd))
        spec["questions"] = qs
        return spec

    def __init__(self, spec: dict):
        super().__init__(spec)
        require(isinstance(spec.get("expected"), str), "'expected' must be literal text")
        parsed = parse_trusted(spec["expected"])
        require(parsed.ok, f"'expected' is not a literal: {parsed.reason}")
        self.expected = parsed.value
        self.questions = read_questions(spec, self.info)
        self.alpha = float(self.options.get("alpha", 0.5))
        self.tol = float(self.options.get("float_tolerance", 0.0) or 0.0)
        self.max_reward = 2.0 if self.options.get("reward") == "execverify" else 1.0
        self._prompt: str | None = None

    @property
    def assertion_stub(self) -> str:
        return f"assert {self.program['call']} == ??"

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            from execgym.tasks.questions import question_text

            texts = [f"Complete the assertion: `{self.assertion_stub}`"]
            texts += [question_text(q, self.info) for q in self.questions]
            rules = [
                (
                    "Q1: answer with the whole completed assertion on one line, `assert "
                    f"{self.program['call']} == <value>`, the value written as a Python literal."
                )
            ]
            if any(q["kind"] == "next" for q in self.questions):
                rules.append(prompts.LINE_RULES)
            if any(q["kind"] == "var" for q in self.questions):
                rules.append(prompts.VALUE_RULES)
            self._prompt = (
                f"{prompts.INTRO}\n\n{prompts.program_block(self.info)}\n\n"
                f"Questions:\n{prompts.numbered(texts)}\n\n" + "\n".join(rules) + f"\n\n{prompts.ANSWER_FORMAT}"
            )
        return self._prompt

    def gold_response(self) -> str:
        lines = [f"assert {self.program['call']} == {self.spec['expected']}"]
        lines += [gold_answer(q, self.info) for q in self.questions]
        return prompts.answer_response(lines)

    def grade_io(self, line: str) -> dict:
        detail = {
            "question": self.assertion_stub,
            "expected": f"assert {self.program['call']} == {self.spec['expected']}",
            "parsed": clip_text(line),
            "correct": False,
            "reason": "",
        }
        a = parse_assertion(line)
        if not a.ok:
            detail["reason"] = a.reason
            return detail
        if not same_call(a.call, self.program["call"]):
            detail["reason"] = f"the assertion must call exactly `{self.program['call']}`"
            return detail
        if not a.rhs.ok:
            detail["reason"] = f"the right side is not a literal ({a.rhs.reason})"
            return detail
        if strict_equal(a.rhs.value, self.expected, self.tol):
            detail["correct"] = True
            detail["reason"] = "right output"
        else:
            detail["reason"] = "wrong output"
        return detail

    def blank_details(self, reason: str) -> list[dict]:
        io = {"question": self.assertion_stub,
              "expected": f"assert {self.program['call']} == {self.spec['expected']}",
              "parsed": None, "correct": False, "reason": reason}
        white, _ = grade_all(self.questions, [None] * len(self.questions), self.info, self.tol)
        return [io] + [dict(d, reason=reason) for d in white]

    def _prepare(self, response: str) -> Pending:
        return Pending.done(self._grade(response))

    def _grade(self, response: str) -> Score:
        mr = self.max_reward
        block = answer_block(response)
        if block is None:
            return format_error("no <answer>...</answer> block in the response", mr)
        lines = answer_lines(block)
        if not lines:
            return format_error("the answer block is empty", mr)
        io = self.grade_io(lines[0])
        r_io = 1.0 if io["correct"] else 0.0
        details = [io]
        problem = None
        if self.questions:
            white, problem = grade_all(self.questions, lines[1:], self.info, self.tol)
            details += white
            r_white = sum(1 for d in white if d["correct"]) / len(self.questions)
        else:
            if len(lines) > 1:
                problem = f"expected 1 answer line, got {len(lines)}"
                r_io = 0.0
            r_white = r_io
        reward = (1.0 - self.alpha) * r_io + self.alpha * r_io * r_white
        reward *= mr
        n_white = len(self.questions)
        if not io["correct"]:
            reason = f"output: {io['reason']} (white-box answers count only when the output is right)"
        elif problem:
            reason = f"output right; white-box: {problem}"
        elif n_white:
            reason = f"output right; {round(r_white * n_white)} of {n_white} white-box answer(s) right"
        else:
            reason = "output right"
        return make_score(reward, mr, reason, details)
