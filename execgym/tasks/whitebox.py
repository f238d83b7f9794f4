"""ExecNext/ExecVar common task: questions about one trace, single-prompt or stepwise (debugger walk).

Contract:
- ``mode="single"``: one prompt with ``n_questions`` questions; reward = fraction answered right (answers are
  matched by position; a wrong number of answer lines scores 0 with that reason).
- ``mode="stepwise"``: the episode asks one question per step in execution order (``n_steps`` at most); each
  step's reward is 1/N when right (so the episode return is the fraction right, as in single mode); after each
  step the observation reveals the right answer and asks the next question. ``Task.prompt`` is the first
  observation and ``Task.score``/``gold_response`` concern its single question.
"""

from __future__ import annotations

from typing import Any, ClassVar

from execgym.tasks import prompts
from execgym.tasks.answers import answer_block, answer_lines
from execgym.tasks.base import Episode, Pending, Score, error_score, format_error, make_score, step_info
from execgym.tasks.options import Opt
from execgym.tasks.program import traced_program
from execgym.tasks.questions import (
    facts,
    gold_answer,
    grade,
    grade_all,
    order_questions,
    question_text,
    select_next,
    select_var,
    stepwise_next,
    stepwise_var,
)
from execgym.tasks.tracetask import TraceTask, base_spec, question_rng, read_questions, require

OPTIONS = {
    "mode": Opt("single", str, choices=("single", "stepwise")),
    "n_questions": Opt(5, int, min=1, max=20),
    "n_steps": Opt(10, int, min=1, max=100),
    "float_tolerance": Opt(0.0, float, min=0.0, max=1.0),
    "source": Opt("synth", str),
}


class WhiteboxTask(TraceTask):
    kind: ClassVar[str] = ""  # "next" | "var"
    OPTIONS: ClassVar[dict[str, Opt]] = OPTIONS

    @classmethod
    def build(cls, env: str, level: int, seed: int, options: dict) -> dict:
        # programs that give no question of this kind (e.g. no variable changes) are skipped
        tp, questions = traced_program(env, level, seed, lambda tp: cls.questions_for(tp, env, level, seed, options),
                                       source=options.get("source", "synth"))
        spec = base_spec(env, level, seed, options, tp)
        spec["questions"] = questions
        return spec

    @classmethod
    def build_from(cls, tp, env: str, level: int, seed: int, options: dict) -> dict:
        qs = cls.questions_for(tp, env, level, seed, options)
        if not qs:
            raise ValueError(f"{env}: this program gives no {cls.kind} questions")
        spec = base_spec(env, level, seed, options, tp)
        spec["questions"] = qs
        return spec

    @classmethod
    def questions_for(cls, tp, env: str, level: int, seed: int, options: dict) -> list[dict]:
        from execgym.tasks.source import SourceInfo

        info = SourceInfo.of(tp.source)
        tf = facts(tp.steps)
        rnd = question_rng(env, level, seed, options, cls.kind)
        if options["mode"] == "stepwise":
            if cls.kind == "next":
                return stepwise_next(tf, info, options["n_steps"])
            return stepwise_var(tf, info, options["n_steps"], rnd)
        if cls.kind == "next":
            return order_questions(select_next(tf, info, options["n_questions"], rnd))
        return order_questions(select_var(tf, info, options["n_questions"], rnd))

    def __init__(self, spec: dict):
        super().__init__(spec)
        self.questions = read_questions(spec, self.info)
        require(len(self.questions) >= 1, "no questions")
        require(all(q["kind"] == self.kind for q in self.questions), f"all questions must be {self.kind}")
        self.mode = self.options.get("mode", "single")
        self.tol = float(self.options.get("float_tolerance", 0.0) or 0.0)
        self.max_reward = 1.0 / len(self.questions) if self.mode == "stepwise" else 1.0
        self._prompt: str | None = None

    # -- prompts ------------------------------------------------------------------------------
    def _rules(self) -> str:
        return prompts.LINE_RULES if self.kind == "next" else prompts.VALUE_RULES

    def _header(self) -> str:
        return (
            f"{prompts.INTRO}\n\n{prompts.program_block(self.info)}\n\n"
            f"The program runs the call `{self.program['call']}`."
        )

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            if self.mode == "stepwise":
                n = len(self.questions)
                self._prompt = (
                    f"{self._header()}\n\nWe will walk through the execution like a debugger: {n} question(s), "
                    f"one at a time; after each answer you are told the right one.\n\n{self._rules()}\n\n"
                    f"Question 1 of {n}: {question_text(self.questions[0], self.info)}\n\n"
                    f"{prompts.ANSWER_FORMAT}"
                )
            else:
                texts = [question_text(q, self.info) for q in self.questions]
                self._prompt = (
                    f"{self._header()}\n\nQuestions:\n{prompts.numbered(texts)}\n\n{self._rules()}\n\n"
                    f"{prompts.ANSWER_FORMAT}"
                )
        return self._prompt

    def gold_response(self) -> str:
        qs = self.questions[:1] if self.mode == "stepwise" else self.questions
        return prompts.answer_response([gold_answer(q, self.info) for q in qs])

    # -- scoring ------------------------------------------------------------------------------
    def grade_questions(self, questions: list[dict], response: str, max_reward: float) -> Score:
        block = answer_block(response)
        lines = answer_lines(block) if block is not None else []
        if not lines:
            reason = "no <answer>...</answer> block in the response" if block is None else "the answer block is empty"
            score = format_error(reason, max_reward)
            score.details = [dict(grade(q, None, self.info, self.tol), reason=reason) for q in questions]
            return score
        details, problem = grade_all(questions, lines, self.info, self.tol)
        right = sum(1 for d in details if d["correct"])
        reward = max_reward * right / len(questions)
        reason = problem or f"{right} of {len(questions)} answer(s) right"
        return make_score(reward, max_reward, reason, details)

    def blank_details(self, reason: str) -> list[dict]:
        qs = self.questions[:1] if self.mode == "stepwise" else self.questions
        out = []
        for q in qs:
            d = grade(q, None, self.info, self.tol)
            d["reason"] = reason
            out.append(d)
        return out

    def _prepare(self, response: str) -> Pending:
        qs = self.questions[:1] if self.mode == "stepwise" else self.questions
        return Pending.done(self.grade_questions(qs, response, self.max_reward))

    def episode(self) -> Episode:
        if self.mode == "stepwise":
            return StepwiseEpisode(self)
        return super().episode()


class StepwiseEpisode(Episode):
    """One question per step, in execution order; reward 1/N per right answer."""

    def __init__(self, task: WhiteboxTask):
        self.task = task
        self.index = 0
        self.observation = task.prompt
        self.done = False
        self.right = 0

    def gold_response(self) -> str:
        if self.done:
            return ""
        q = self.task.questions[self.index]
        return prompts.answer_response([gold_answer(q, self.task.info)])

    def step(self, response: Any) -> tuple[str, float, bool, dict]:
        task = self.task
        n = len(task.questions)
        if self.done:
            score = error_score("episode already finished", task.max_reward)
            return "", 0.0, True, step_info(score, task)
        q = task.questions[self.index]
        try:
            if not isinstance(response, str):
                score = format_error(f"response is {type(response).__name__}, not text", task.max_reward)
            else:
                score = task.grade_questions([q], response, task.max_reward)
        except Exception as exc:  # noqa: BLE001
            score = error_score(f"verifier error: {type(exc).__name__}: {exc}", task.max_reward)
        if score.outcome == "correct":
            self.right += 1
        self.index += 1
        self.done = self.index >= n
        verdict = "Right." if score.outcome == "correct" else "Not right."
        truth = f"The answer to question {self.index} was: {gold_answer(q, task.info)}."
        if self.done:
            obs = f"{verdict} {truth} The walk is over: {self.right} of {n} right."
        else:
            nq = task.questions[self.index]
            obs = (
                f"{verdict} {truth}\n\nQuestion {self.index + 1} of {n}: {question_text(nq, task.info)}\n\n"
                "Answer with one line inside <answer> and </answer>."
            )
        self.observation = obs
        info = step_info(score, task, question_index=self.index - 1, questions=n, right_so_far=self.right)
        return obs, score.reward, self.done, info
