"""Task families, question builders, answer parsing and verifiers (docs/tasks.md, docs/rewards.md).

Public API: ``make_task(spec)``, ``score(spec, response)``, ``score_batch(specs, responses)``, the types
``Task``, ``Episode``, ``Score``, and ``load_user_tasks(path, options=None)`` (UnitTest tasks files: JSONL,
JSON or parquet, incl. Eurus-2-RL-Data, TACO, CodeContests, KodCode, LeetCode rows).
"""

from __future__ import annotations

from typing import Any

from execgym.tasks.base import OUTCOMES, Episode, Score, Task
from execgym.tasks.registry import (
    ENVS,
    ascore,
    default_options,
    from_program,
    make_task,
    prefetch,
    score,
    score_batch,
)

__all__ = [
    "ENVS",
    "OUTCOMES",
    "Episode",
    "Score",
    "Task",
    "ascore",
    "default_options",
    "from_program",
    "load_user_tasks",
    "make_task",
    "prefetch",
    "score",
    "score_batch",
]


def __getattr__(name: str) -> Any:
    if name == "load_user_tasks":
        from execgym.tasks.userdata import load_user_tasks

        return load_user_tasks
    raise AttributeError(f"module 'execgym.tasks' has no attribute {name!r}")
