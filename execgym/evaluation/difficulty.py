"""Model-based difficulty filter (the reference's pass-rate rule).

``filter_programs(programs, model, samples=10, max_pass=3)`` asks ``model`` the input-to-output
question (ExecIO-v0 without white-box questions) about each program ``samples`` times and keeps the
programs it solves at most ``max_pass`` times (the reference keeps those solved at most 3 of 10
times). It returns one :class:`DifficultyResult` per program, in input order, with the pass count;
``kept`` says whether the program survives. Programs that cannot become a question (they do not run
to a literal output) come back with ``kept=False`` and the reason in ``error``.

``programs`` are ``execgym.synth`` ``Program`` objects or dicts with ``source`` and ``call``
(``level`` optional). ``model`` is a :class:`~execgym.models.Model` or a model name for
:func:`~execgym.models.load_model`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from execgym.evaluation.harness import EvalConfig, aevaluate
from execgym.evaluation.items import EnvSession
from execgym.models.base import Model


@dataclass(frozen=True)
class DifficultyResult:
    program: Any
    passes: int
    samples: int
    kept: bool
    error: str | None = None


def _field(program: Any, name: str, default: Any = None) -> Any:
    if isinstance(program, dict):
        return program.get(name, default)
    return getattr(program, name, default)


@dataclass(frozen=True)
class ProgramItem:
    """The I->O question about one given program (an evaluation item)."""

    task: str
    level: int | None
    item_id: str
    seed: int | None
    source: str
    call: str

    def start(self) -> EnvSession:
        from execgym.tasks import from_program, make_task

        spec = from_program("ExecIO-v0", self.source, self.call, options={"whitebox": False},
                            level=int(self.level or 0))
        return EnvSession(make_task(spec))


def filter_programs(
    programs: Iterable[Any],
    model: Model | str,
    samples: int = 10,
    max_pass: int = 3,
    *,
    temperature: float = 0.8,
    top_p: float = 1.0,
    max_tokens: int = 2048,
    concurrency: int = 64,
    seed: int = 0,
    progress: bool = False,
    **model_options: Any,
) -> list[DifficultyResult]:
    """See the module docstring. Blocking; runs its own event loop."""
    if samples < 1 or max_pass < 0:
        raise ValueError("samples must be >= 1 and max_pass >= 0")
    programs = list(programs)
    if isinstance(model, str):
        from execgym.models import load_model

        model = load_model(model, **model_options)
    items = []
    for i, prog in enumerate(programs):
        source, call = _field(prog, "source"), _field(prog, "call")
        if not isinstance(source, str) or not isinstance(call, str):
            raise TypeError(f"program {i} has no source/call text")
        items.append(ProgramItem("difficulty", _field(prog, "level"), str(i), None, source, call))
    config = EvalConfig(samples=samples, temperature=temperature, top_p=top_p, max_tokens=max_tokens,
                        concurrency=concurrency, seed=seed, progress=progress, store_prompt=False)
    records = asyncio.run(aevaluate(model, items, config))
    passes = {str(i): 0 for i in range(len(programs))}
    errors: dict[str, str] = {}
    for rec in records:
        if rec.get("outcome") == "error" and str(rec.get("reason", "")).startswith("could not build"):
            errors[rec["item"]] = rec["reason"]
        elif rec.get("outcome") == "model_error":
            errors.setdefault(rec["item"], rec.get("reason", "model error"))
        passes[rec["item"]] += bool(rec.get("correct"))
    out = []
    for i, prog in enumerate(programs):
        err = errors.get(str(i))
        n = passes[str(i)]
        out.append(DifficultyResult(prog, n, samples, err is None and n <= max_pass, err))
    return out
