"""Task requests: the minimal spec that identifies a task by (environment, level, seed, shaping options).

Contract: ``task_request(name, config, level, seed)`` returns the JSON-able dict that ``execgym.make_task``
expands into the full, self-contained task spec: ``{"env", "version", "level", "seed", "options"}`` where
``options`` holds the env kwargs that shape the task (everything except ``level`` and ``tasks_path``).
The same request in any process gives the same task. ``draw_task_seed(np_random)`` is how an environment
picks the next task seed when ``reset`` gets no seed; ``export_task_seed`` is how dataset export numbers rows.
"""

from __future__ import annotations

from typing import Any

from execgym.seeding import derive_seed

SPEC_VERSION = 1
TASK_SEED_BOUND = 1 << 53  # task seeds stay exact in JSON readers that use doubles
_NOT_OPTIONS = ("level", "tasks_path")


def task_options(config: dict[str, Any]) -> dict[str, Any]:
    """The env kwargs that shape a task (recorded in the spec so any process can rebuild it)."""
    return {k: v for k, v in sorted(config.items()) if k not in _NOT_OPTIONS}


def task_request(name: str, config: dict[str, Any], level: int, seed: int) -> dict[str, Any]:
    """The minimal spec for task (name, level, seed) under the env kwargs ``config``."""
    return {
        "env": name,
        "version": SPEC_VERSION,
        "level": int(level),
        "seed": int(seed),
        "options": task_options(config),
    }


def draw_task_seed(np_random: Any) -> int:
    """Next task seed from an environment's own generator (deterministic once the env was seeded)."""
    return int(np_random.integers(0, TASK_SEED_BOUND))


def export_task_seed(name: str, base_seed: int, index: int) -> int:
    """Task seed of row ``index`` of a dataset exported with ``--seed base_seed`` (hashed, never ``seed + i``)."""
    return derive_seed("execgym.export", name, int(base_seed), int(index)) % TASK_SEED_BOUND
