"""Model backends behind one small interface (architecture §5).

``load_model(name, **options)`` returns a :class:`Model` whose ``agenerate(prompts, params)`` turns a
batch of chat prompts (lists of ``{"role", "content"}`` messages) into ``params.n`` completions each.
Names: ``openai:MODEL``, ``hf:PATH``, ``vllm:PATH``, ``heuristic``, ``random``.
Every backend imports its optional dependency (httpx, torch/transformers, vllm) lazily.
"""

from __future__ import annotations

from execgym.models.base import Completion, Model, ModelError, SamplingParams, Usage
from execgym.models.registry import BACKENDS, load_model

__all__ = ["BACKENDS", "Completion", "Model", "ModelError", "SamplingParams", "Usage", "load_model"]
