"""Thin loader: execgym's TRL reward function is installed with execgym.

The function itself is in ``execgym/training/hookfiles/trl_reward.py`` (``from
execgym.training.hookfiles.trl_reward import execgym_reward`` works from any install).
"""

from execgym.training.hookfiles.trl_reward import execgym_reward  # noqa: F401
