"""Thin loader: execgym's OpenRLHF multi-turn agent hook is installed with execgym.

The hook itself is ``execgym/training/hookfiles/agent_func.py`` (``python -m execgym.training.hookfiles``
prints its path; ``execgym train`` copies that file, not this one). This file lets a checkout keep pointing
``--train.agent_func_path`` at ``agents/openrlhf/agent_func.py``.
"""

from execgym.training.hookfiles.agent_func import AgentExecutor, AgentInstance  # noqa: F401
