"""execgym's custom reward function for verl.

Point verl at it in the trainer config:

    reward.custom_reward_function.path=agents/verl/execgym_reward.py
    reward.custom_reward_function.name=compute_score

(older verl: the top-level ``custom_reward_function.path/name``). The data comes from
``execgym dataset --format verl``: each row's ``reward_model.ground_truth`` is the task spec JSON.
verl passes ``solution_str`` = the decoded response only. Returns a dict whose ``score`` is the reward
(plus numeric ``acc`` in [0, 1], outcome indicators and ``invalid``, which verl logs); never raises.
"""

from __future__ import annotations

from typing import Any


def compute_score(
    data_source: Any, solution_str: Any, ground_truth: Any, extra_info: Any = None, **kwargs: Any
) -> dict:
    """verl's custom reward contract; see the module docstring."""
    try:
        from execgym.training.adapters import verl_compute_score
    except Exception:  # noqa: BLE001 - execgym missing in the worker: a counted zero, not a crash
        return {"score": 0.0, "acc": 0.0, "invalid": 1.0}
    return verl_compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
