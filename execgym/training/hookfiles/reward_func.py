"""execgym's single-turn reward hook for OpenRLHF 0.11.2: ``--reward.remote_url path/to/reward_func.py``.

Installed with execgym (``python -m execgym.training.hookfiles`` prints the path); ``execgym train`` copies it
into ``<workdir>/hooks/``.

OpenRLHF imports this file by path inside each vLLM rollout actor and calls
``reward_func(queries, prompts, labels)`` once per generated sample (lists of length 1, in a worker
thread). ``queries[i]`` is the decoded prompt + response with special tokens, ``prompts[i]`` the
prompt as the dataset built it, ``labels[i]`` the ``--data.label_key`` column: execgym's task spec
as JSON text (what ``execgym dataset --format openrlhf`` writes).

Returns ``{"rewards": [...], "scores": [...], "extra_logs": {...}}``: rewards on the environment's
scale, scores in [0, 1] (for dynamic filtering), extra_logs numbers only, the same keys every call.
It never raises for anything the model wrote: an odd response scores 0 and is counted under
``execgym/invalid_<reason>``. A missing or malformed label in the first batch this process scores raises
``LabelError`` (logged at ERROR) naming the ``label`` column: the data or ``--data.label_key`` is wrong, and
training on zeros would hide it. Later odd labels score 0 and are counted.

Where the verifying runs: in this process, unless ``EXECGYM_REWARD_URL`` (comma-separated ``execgym serve``
URLs) or ``EXECGYM_RAY_ADDRESS`` (a Ray cluster, see ``execgym.distributed``) is set; see docs/scaling.md.

Pure duck typing: no torch or openrlhf import (OpenRLHF wraps the lists with ``torch.tensor``).
"""

from __future__ import annotations

from typing import Any


def reward_func(queries: list[str], prompts: list[str], labels: list[Any], **kwargs: Any) -> dict:
    """Score each query's response against its label's task; see the module docstring."""
    try:
        from execgym.training.hooks import openrlhf_rewards
    except Exception as exc:  # noqa: BLE001 - execgym missing in the rollout actor's environment
        n = len(queries) if isinstance(queries, (list, tuple)) else 1
        import logging

        logging.getLogger("execgym.reward_func").error("cannot import execgym: %s", exc)
        return {
            "rewards": [0.0] * n,
            "scores": [0.0] * n,
            "extra_logs": {"execgym/invalid_import_error": 1.0},
        }
    return openrlhf_rewards(queries, prompts, labels)
