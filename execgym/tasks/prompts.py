"""Prompt fragments shared by the task families (pure string functions, no state)."""

from __future__ import annotations

from collections.abc import Sequence

from execgym.tasks.source import SourceInfo

INTRO = (
    "You are given a Python program. Simulate its execution in your head, step by step; do not run any code."
)

ANSWER_FORMAT = (
    "Think step by step first. Then give your final answers inside <answer> and </answer>, one answer per line, "
    "in question order, with no numbering, bullets or extra text. Only the last <answer> block counts."
)

LINE_RULES = (
    "Line questions: answer with the number of the line that runs next (or its exact text). Answer -1 if the "
    "program ends right after that line, or if that line never executes that many times. A `for` or `while` "
    "header executes once per check, including the final check that leaves the loop."
)

VALUE_RULES = (
    "Value questions: answer `value; type`, where value is a Python literal (strings in quotes, e.g. 'ab'; "
    "[1, 2]; {'a': 1}; set() for an empty set) and type is the name of its type (int, float, bool, str, list, "
    "tuple, dict, set, NoneType, ...). Answer Nil if that line never executes that many times."
)


def program_block(info: SourceInfo) -> str:
    return (
        "Program (the numbers on the left are line numbers, not part of the code):\n"
        "```\n" + info.listing() + "\n```"
    )


def numbered(questions: Sequence[str]) -> str:
    return "\n".join(f"Q{i + 1}. {q}" for i, q in enumerate(questions))


def answer_response(lines: Sequence[str], reasoning: str = "I traced the execution line by line.") -> str:
    """A response in the required format."""
    return f"{reasoning}\n<answer>\n" + "\n".join(lines) + "\n</answer>"
