"""``load_model(name, **options)``: parse a model name and build its backend.

``openai:MODEL`` -> :class:`~execgym.models.openai_backend.OpenAIModel`
``hf:PATH``      -> :class:`~execgym.models.hf_backend.HFModel`
``vllm:PATH``    -> :class:`~execgym.models.vllm_backend.VLLMModel`
``heuristic``    -> :class:`~execgym.models.baselines.HeuristicModel`
``random``       -> :class:`~execgym.models.baselines.RandomModel`

Options a backend does not understand raise ``TypeError`` (typos must not be silently ignored);
``None``-valued options are dropped so CLIs can pass their defaults through.
"""

from __future__ import annotations

import importlib
from typing import Any

from execgym.models.base import Model

# prefix -> "module:class"; "" prefix means the whole name
BACKENDS: dict[str, str] = {
    "openai": "execgym.models.openai_backend:OpenAIModel",
    "hf": "execgym.models.hf_backend:HFModel",
    "vllm": "execgym.models.vllm_backend:VLLMModel",
    "heuristic": "execgym.models.baselines:HeuristicModel",
    "random": "execgym.models.baselines:RandomModel",
}


def load_model(name: str, **options: Any) -> Model:
    """Build the backend for ``name``; see the module docstring for the accepted names."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("model name must be a non-empty string such as 'heuristic' or 'openai:gpt-4o-mini'")
    name = name.strip()
    prefix, sep, rest = name.partition(":")
    options = {k: v for k, v in options.items() if v is not None}
    if prefix in ("heuristic", "random") and not sep:
        module_name, _, cls_name = BACKENDS[prefix].partition(":")
        cls = getattr(importlib.import_module(module_name), cls_name)
        return cls(**options)
    if prefix in ("openai", "hf", "vllm") and sep and rest:
        module_name, _, cls_name = BACKENDS[prefix].partition(":")
        cls = getattr(importlib.import_module(module_name), cls_name)
        return cls(rest, **options)
    raise ValueError(
        f"unknown model {name!r}: use openai:MODEL, hf:PATH, vllm:PATH, heuristic or random"
    )
