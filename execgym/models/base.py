"""The model interface: :class:`SamplingParams`, :class:`Completion`, :class:`Model`.

Contract: ``await model.agenerate(prompts, params)`` returns one list of exactly ``params.n``
:class:`Completion` per prompt, in prompt order. A prompt is a list of chat messages
(``{"role": "system"|"user"|"assistant", "content": str}``). Backends raise :class:`ModelError`
for failures they could not recover from (after their own retries); they never return fewer
completions than asked for.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, str]
Prompt = list[Message]


class ModelError(RuntimeError):
    """A backend could not produce completions (bad request, retries exhausted, missing dependency)."""


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. ``seed`` None means backend default; ``stop`` cuts the text at the first match.

    ``metadata`` is free-form, per call, and never sent to a remote endpoint; the built-in baselines
    may read the *visible* part of a task from it (never ground truth).
    """

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1024
    seed: int | None = None
    stop: tuple[str, ...] = ()
    metadata: dict[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError("SamplingParams.n must be >= 1")
        if self.max_tokens < 1:
            raise ValueError("SamplingParams.max_tokens must be >= 1")
        if not 0.0 <= self.top_p <= 1.0:
            raise ValueError("SamplingParams.top_p must be in [0, 1]")
        if self.temperature < 0:
            raise ValueError("SamplingParams.temperature must be >= 0")
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        else:
            object.__setattr__(self, "stop", tuple(self.stop or ()))


@dataclass(frozen=True)
class Completion:
    """One sampled answer with its cost. Token counts are 0 where a backend cannot count them."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str = "stop"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_s": self.latency_s,
            "finish_reason": self.finish_reason,
        }


@dataclass
class Usage:
    """Running totals a backend keeps (thread-safe enough for counters updated from one loop)."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def apply_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string; return (text, whether a stop string was found)."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut], cut < len(text)


class Model:
    """Base class. Subclasses implement :meth:`agenerate`; :meth:`generate` is its sync wrapper."""

    name: str = "model"

    def __init__(self) -> None:
        self.usage = Usage()

    async def agenerate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        raise NotImplementedError

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Synchronous wrapper: runs :meth:`agenerate` on a private event loop.

        Works from inside a running event loop too (the call then runs on a helper thread).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._generate_and_close(prompts, params))
        box: dict[str, Any] = {}

        def worker() -> None:
            try:
                box["value"] = asyncio.run(self._generate_and_close(prompts, params))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                box["error"] = exc

        thread = threading.Thread(target=worker, name="execgym-generate")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    async def _generate_and_close(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        try:
            return await self.agenerate(prompts, params)
        finally:
            await self.aclose_loop_resources()

    async def aclose_loop_resources(self) -> None:
        """Release resources bound to the current event loop (HTTP clients). Default: nothing."""

    async def aclose(self) -> None:
        """Release everything the model holds."""
        await self.aclose_loop_resources()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
