"""Thin loader: execgym's OpenRLHF reward hook is installed with execgym.

The hook itself is ``execgym/training/hookfiles/reward_func.py`` (``python -m execgym.training.hookfiles``
prints its path; ``execgym train`` copies that file, not this one). This file lets a checkout keep pointing
``--reward.remote_url`` at ``agents/openrlhf/reward_func.py``.
"""

from execgym.training.hookfiles.reward_func import reward_func  # noqa: F401
