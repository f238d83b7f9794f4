"""execgym's reward function for TRL's GRPOTrainer.

    from execgym_reward import execgym_reward          # or load this file by path
    trainer = GRPOTrainer(model=..., reward_funcs=[execgym_reward], train_dataset=ds, args=config)

The dataset needs a ``prompt`` column and a ``spec`` column holding each task's spec JSON (``execgym
dataset --format trl`` writes one); TRL passes every extra column to reward functions as keyword
lists. Returns one float per completion on the environment's reward scale; never raises (a bad spec
or a malformed completion scores 0).
"""

from __future__ import annotations

from typing import Any


def execgym_reward(prompts: Any = None, completions: Any = None, **kwargs: Any) -> list[float]:
    """TRL ``reward_funcs`` signature: ``(prompts, completions, **dataset_columns)``."""
    from execgym.training.adapters import trl_reward

    return trl_reward(prompts, completions, **kwargs)
