"""The prompts of the paper's teacher route: constraint prompts, the input-rewrite prompt and its value pool.

Contract (pure, deterministic; no model, no execution):

- ``Configuration.for_level(level)``: the reference's structural configuration of a level (levels 1-6 of
  ``envs/levels.toml``; ``ValueError`` for any other level);
- ``constraint_prompt(type_, method, config, r) -> (text, blueprint)``: ExecVerify's code-synthesis prompt
  for one ``(type, method)`` catalog entry under one configuration (task line, the six hard requirements,
  the four guideline bullets, the output format). The control-flow blueprint is drawn from ``r`` (a
  ``random.Random`` from ``execgym.seeding.rng``), as the reference draws it from the global random state;
- ``value_pool(r) -> (ints, strings)`` and ``mutation_prompt(code, ints, strings)``: the reference's
  input-rewrite prompt with its pool of 5-15 integers from 5-20 and as many strings (p = 0.5 alphanumerics
  of length 5-10, p = 0.4 one printable character repeated 5-15 times, p = 0.1 alphanumerics with
  punctuation of length 5-10). Strings are written with ``repr`` (the reference wraps them in quotes
  unescaped, which breaks on a quote or a newline);
- ``extract_code(text)``: the first fenced python block of an answer, after a ``</think>`` when one is
  present (``None`` when there is none);
- ``SYSTEM_PROMPT``, ``GENERATE_SAMPLING``, ``MUTATE_SAMPLING``: the reference's system message and sampling.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

SYSTEM_PROMPT = "You are a code generator."
# data/config.yaml of the reference: code_synthesis and input_synthesis (repetition_penalty 1.0 / 1.05 are
# vLLM-only parameters and are not sent)
GENERATE_SAMPLING = {"temperature": 0.8, "top_p": 0.9, "max_tokens": 4096}
MUTATE_SAMPLING = {"temperature": 0.4, "top_p": 0.9, "max_tokens": 4096}

_CONTROL_LABELS = {"if": "if statement", "for": "for statement", "while": "while statement",
                   "if-elif": "if-elif chain"}
PREFERRED_TYPES = ("str", "list", "set", "tuple")


@dataclass(frozen=True)
class Configuration:
    """One of the reference's six structural configurations (the ``setting`` of its rows)."""

    level: int
    nested_calls: bool
    other_methods: bool
    call_chain: bool
    max_depth: int
    control_kinds: tuple[str, ...] = ("if", "for", "while", "if-elif")

    @property
    def functions(self) -> int:
        return 2 if self.call_chain else 1

    @classmethod
    def for_level(cls, level: int) -> Configuration:
        from execgym.synth.levels import load_levels

        spec = load_levels().get(level)
        low, high = spec.control_depth if spec is not None else (0, 0)
        if spec is None or spec.call_chain not in ("on", "off") or spec.extras or low != high:
            raise ValueError(f"the teacher route renders the reference's six configurations (levels 1-6), "
                             f"not level {level}")
        kinds = tuple(spec.control_kinds) or tuple(_CONTROL_LABELS)
        return cls(level, spec.nested_calls, spec.other_operations, spec.call_chain == "on", high, kinds)

    def setting(self, type_: str, method: str) -> dict:
        """The reference's per-row ``setting`` dict."""
        return {"use_nested_calls_flag": self.nested_calls, "use_other_methods": self.other_methods,
                "use_call_chains_flag": self.call_chain, "max_depth": self.max_depth, "type": type_,
                "method": method}


def _article(phrase: str) -> str:
    return "an" if phrase[0].lower() in "aeiou" else "a"


def control_blueprint(depth: int, kinds: tuple[str, ...], r: random.Random) -> tuple[str, list[str]]:
    """The control-flow guideline: ``depth`` draws with replacement from ``kinds``, each nested in the last."""
    if depth == 0:
        return "Do not include any control structures (if, for, while, elif).", []
    seq = [r.choice(kinds) for _ in range(depth)]
    labels = [_CONTROL_LABELS[k] for k in seq]
    if depth == 1:
        return f"Include {_article(labels[0])} {labels[0]}.", seq
    parts = [f"Include {_article(labels[0])} {labels[0]}"]
    for i in range(1, depth):
        if i == 1:
            parts.append(f"nest {_article(labels[i])} {labels[i]} inside it")
        else:
            parts.append(f"then nest {_article(labels[i])} {labels[i]} inside the {labels[i - 1]}")
    return ", ".join(parts) + ".", seq


def guidelines(config: Configuration, r: random.Random) -> tuple[list[str], list[str]]:
    """The four guideline bullets of ``config`` (without the leading ``- ``) and the drawn blueprint."""
    nested = ("Use nested calls to the test method with at least two levels of depth and invoke the test "
              "method multiple times in the generated code." if config.nested_calls
              else "Avoid nested function calls.")
    other = (f"Use at least one additional built-in method (preferably from {', '.join(PREFERRED_TYPES)}) "
             "besides the method under test." if config.other_methods
             else "Do not call any additional methods beyond the method under test.")
    chain = ("Define exactly two functions: helper A and entry-point B; B must call A at least once."
             if config.call_chain else "Define exactly one function; do not create helper functions.")
    control, seq = control_blueprint(config.max_depth, config.control_kinds, r)
    return [nested, other, chain, control], seq


HARD_REQUIREMENTS = (
    "Do not include any comments.",
    "Use exactly one print(...) statement to display the result.",
    "Place that print(...) statement outside the function.",
    "Call the function exactly once \u2014 inside that single print(...) call.",
    "Do not use default parameter values in the function definition.",
    "Each function must have at least one argument.",
)

_OUTPUT_FORMAT = "Output Format\n-------------\nReturn only a single Markdown code block:\n```python\n# complete code snippet\n```"


def constraint_prompt(type_: str, method: str, config: Configuration, r: random.Random) -> tuple[str, list[str]]:
    """The reference's synthesis prompt for ``type_``'s ``method`` under ``config`` (and the blueprint drawn)."""
    bullets, seq = guidelines(config, r)
    parts = [
        f"Task\n----\nWrite Python code that tests the `{method}` method of the `{type_}` type.",
        "Hard Requirements\n-----------------\n" + "\n".join(f"{i}) {text}"
                                                         for i, text in enumerate(HARD_REQUIREMENTS, 1)),
        "Guidelines\n----------",
        *(f"- {b}" for b in bullets),
        _OUTPUT_FORMAT,
    ]
    return "\n\n".join(parts), seq


# ------------------------------------------------------------------------------------------ input rewrite
_ALNUM = string.ascii_letters + string.digits
_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + string.whitespace


def value_pool(r: random.Random) -> tuple[list[int], list[str]]:
    """The reference pool: L = randint(5, 15) ints from randint(5, 20), and L strings."""
    length = r.randint(5, 15)
    ints = [r.randint(5, 20) for _ in range(length)]
    strings: list[str] = []
    for _ in range(length):
        choice = r.randint(1, 10)
        if choice <= 5:
            strings.append("".join(r.choice(_ALNUM) for _ in range(r.randint(5, 10))))
        elif choice <= 9:
            strings.append(r.choice(_PRINTABLE) * r.randint(5, 15))
        else:
            pool = _ALNUM + string.punctuation
            strings.append("".join(r.choice(pool) for _ in range(r.randint(5, 10))))
    return ints, strings


def render_pool(ints: list[int], strings: list[str]) -> str:
    return ("integer values:" + "".join(f"  {v}" for v in ints) + "\n\nstring values:"
            + "".join(f"  {s!r}" for s in strings) + "\n\n")


def mutation_prompt(code: str, ints: list[int], strings: list[str]) -> str:
    """The reference's input-rewrite prompt for ``code`` with the given value pool."""
    return (
        "Task\n----\nModify the arguments in the provided code.\n\n"
        f"Here is the provided code:\n-----------------\n{code}\n\n"
        "Reconstruct the arguments in the function call by directly writing the arguments inside the function "
        "call \n(i.e., you must not assign them to variables before calling the function) and \n"
        f"try to use one or more values below:\n{render_pool(ints, strings)}\n"
        "Notes\n\nFor types such as str, dict, list, or set, their length must exceed five.\n\n"
        "You may modify the code if needed, as long as it aligns with the reference values.\n\n"
        "In the print statement, call the entry function only at one time. Do not use nested function calls "
        "in the print statement.\n\n"
        "Output Format\n-------------\n\ncall the entry point function with the new arguments and use the print "
        "statement to print the result.\n\nReturn only a single Markdown code block:\n```python\n"
        "# complete code snippet\n```"
    )


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)[ \t]*\r?\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(text: str) -> str | None:
    """The first fenced ```python block of ``text`` (after ``</think>`` if the answer has one), stripped."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    match = _FENCE.search(text)
    if match is None:
        return None
    code = match.group(1).strip("\n")
    return code + "\n" if code.strip() else None
