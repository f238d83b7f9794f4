"""``vllm:PATH``: vLLM's offline engine (``vllm.LLM``), when vLLM is installed.

Prompts are rendered with the engine's tokenizer chat template and submitted in one
``LLM.generate`` call per ``agenerate`` call (vLLM batches internally), on a worker thread.
Per-request seeds are honoured (one ``vllm.SamplingParams`` per prompt).
Not exercised by execgym's CPU test suite (vLLM needs a GPU); the error without vLLM is explicit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from execgym.models.base import Completion, Model, ModelError, Prompt, SamplingParams


class VLLMModel(Model):
    def __init__(self, path: str, **engine_options: Any) -> None:
        super().__init__()
        self.name = f"vllm:{path}"
        try:
            import vllm
        except ImportError as exc:
            raise ModelError(
                "the vllm: backend needs vLLM (pip install 'execgym[vllm]', CUDA machine); "
                "or serve the model with `vllm serve` and use openai:MODEL --base-url http://HOST:PORT/v1"
            ) from exc
        self._vllm = vllm
        self.llm = vllm.LLM(model=path, **engine_options)
        self.tokenizer = self.llm.get_tokenizer()
        self._lock = threading.Lock()

    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        texts = [self.tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
        sp = [
            self._vllm.SamplingParams(
                n=params.n, temperature=params.temperature, top_p=params.top_p,
                max_tokens=params.max_tokens, stop=list(params.stop) or None,
                seed=None if params.seed is None else int(params.seed) % (2**31),
            )
            for _ in prompts
        ]
        started = time.perf_counter()
        with self._lock:
            outputs = self.llm.generate(texts, sp, use_tqdm=False)
        latency = time.perf_counter() - started
        results = []
        for out in outputs:
            n_prompt = len(out.prompt_token_ids or [])
            row = [
                Completion(c.text, n_prompt, len(c.token_ids), latency, c.finish_reason or "stop")
                for c in out.outputs[: params.n]
            ]
            self.usage.requests += 1
            self.usage.prompt_tokens += n_prompt
            self.usage.completion_tokens += sum(c.completion_tokens for c in row)
            results.append(row)
        return results

    async def agenerate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        return await asyncio.to_thread(self._generate, prompts, params)
