"""Register the execgym environments in Gymnasium's registry.

Contract: ``register_all()`` registers one id per ``envs/*-v0.toml`` (``execgym/ExecNext-v0`` ...
``execgym/UnitTest-v0``) with a string entry point, the declared default kwargs, no ``max_episode_steps``
(single-turn environments terminate by themselves) and ``disable_env_checker=False``. It is idempotent, reads only
the small TOML files and imports no environment code, so ``import execgym`` stays cheap. Because ``gym.make``
accepts ``"module:id"``, ``gym.make("execgym:execgym/ExecIO-v0")`` works in a process that never imported execgym.
"""

from __future__ import annotations

from execgym.gym.definitions import load_definitions


def register_all() -> list[str]:
    """Register every declared environment once; return the registered ids."""
    import gymnasium

    ids: list[str] = []
    for definition in load_definitions().values():
        ids.append(definition.id)
        if definition.id in gymnasium.registry:
            continue
        gymnasium.register(
            id=definition.id,
            entry_point=definition.entry_point,
            kwargs=definition.default_kwargs,
            max_episode_steps=None,
            order_enforce=True,
            disable_env_checker=False,
        )
    return ids
