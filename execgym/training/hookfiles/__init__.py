"""The trainer hook files, installed with execgym (a wheel has them; no source checkout needed).

Trainers load these files by path, never as ``execgym.*`` modules, so none of them is imported by
``import execgym``. ``hook_path(name)`` gives the installed path of one of :data:`HOOK_FILES`;
``python -m execgym.training.hookfiles`` prints them all (for verl's ``custom_reward_function.path``, TRL, or
OpenRLHF run by hand; ``execgym train`` copies the OpenRLHF ones into its workdir by itself). The
``agents/`` folder of a checkout holds thin files that load these.
"""

from __future__ import annotations

from pathlib import Path

HOOK_FILES: dict[str, str] = {
    "openrlhf-reward": "reward_func.py",  # --reward.remote_url: reward_func(queries, prompts, labels)
    "openrlhf-agent": "agent_func.py",  # --train.agent_func_path: AgentExecutor (needs openrlhf)
    "verl": "verl_reward.py",  # reward.custom_reward_function.path, name=compute_score
    "trl": "trl_reward.py",  # execgym_reward for GRPOTrainer(reward_funcs=[...])
}


def hook_path(name: str) -> Path:
    """The installed file of hook ``name`` (a key of :data:`HOOK_FILES`)."""
    if name not in HOOK_FILES:
        raise ValueError(f"unknown hook {name!r}; known: {', '.join(HOOK_FILES)}")
    return Path(__file__).resolve().with_name(HOOK_FILES[name])


def hooks_dir() -> Path:
    """The folder that holds every hook file."""
    return Path(__file__).resolve().parent
