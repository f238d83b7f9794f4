"""Thin loader: execgym's verl reward function is installed with execgym.

The function itself is in ``execgym/training/hookfiles/verl_reward.py`` (``python -m
execgym.training.hookfiles`` prints its path, for ``reward.custom_reward_function.path``).
"""

from execgym.training.hookfiles.verl_reward import compute_score  # noqa: F401
