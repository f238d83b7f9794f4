"""``hf:PATH``: a local Hugging Face transformers causal LM, generating with its chat template.

Prompts are rendered with ``tokenizer.apply_chat_template(..., add_generation_prompt=True)``,
left-padded and generated in batches of up to ``batch_size`` on CUDA when available (else CPU).
Concurrent ``agenerate`` calls (e.g. 64 eval episodes) are merged by a small micro-batcher into
batches of prompts that share sampling settings; generation runs on a worker thread so the event
loop stays free. Stop strings are applied to the decoded text afterwards (generation itself stops at
EOS or ``max_tokens``). Sampling seeds: one ``torch`` seed per batch (the first request's seed), so
sampled (temperature > 0) outputs depend on how requests were batched; greedy outputs do not.
torch and transformers are imported when the model is loaded, never at import time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from execgym.models.base import Completion, Model, ModelError, Prompt, SamplingParams, apply_stop


@dataclass
class _Pending:
    prompt: Prompt
    params: SamplingParams
    future: asyncio.Future = field(repr=False)


class HFModel(Model):
    """Local transformers model. ``model``/``tokenizer`` may be passed in directly (tests, scripts)."""

    def __init__(
        self,
        path: str,
        *,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 16,
        batch_wait_s: float = 0.005,
        model: Any = None,
        tokenizer: Any = None,
        trust_remote_code: bool = False,
    ) -> None:
        super().__init__()
        self.name = f"hf:{path}"
        self.path = path
        self.batch_size = max(1, int(batch_size))
        self.batch_wait_s = batch_wait_s
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise ModelError("the hf: backend needs torch and transformers: pip install 'execgym[hf]'") from exc
        self._torch = torch
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        if tokenizer is None:
            tokenizer = transformers.AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        if model is None:
            kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
            if dtype is not None:
                kwargs["dtype"] = getattr(torch, dtype) if isinstance(dtype, str) and dtype != "auto" else dtype
            elif device.startswith("cuda"):
                kwargs["dtype"] = torch.bfloat16
            model = transformers.AutoModelForCausalLM.from_pretrained(path, **kwargs)
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        if getattr(tokenizer, "chat_template", None) is None:
            raise ModelError(f"{self.name}: the tokenizer has no chat template")
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._lock = threading.Lock()  # one generate() at a time on the device
        self._queue: list[_Pending] = []
        self._flusher: asyncio.Task | None = None

    # -- synchronous core --------------------------------------------------------------------------
    def render(self, prompt: Prompt) -> str:
        """The chat-templated text the model sees for ``prompt``."""
        return self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)

    def generate_batch(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Generate for ``prompts`` in chunks of ``batch_size`` (blocking)."""
        out: list[list[Completion]] = []
        for i in range(0, len(prompts), self.batch_size):
            out.extend(self._generate_chunk(prompts[i: i + self.batch_size], params))
        return out

    def _generate_chunk(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        torch = self._torch
        texts = [self.render(p) for p in prompts]
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        sample = params.temperature > 0
        per_prompt = params.n if sample else 1  # greedy choices are identical: generate once, repeat
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "num_return_sequences": per_prompt,
            "do_sample": sample,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if sample:
            kwargs.update(temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        started = time.perf_counter()
        with self._lock, torch.inference_mode():
            if params.seed is not None:
                torch.manual_seed(int(params.seed) % (2**63))
            generated = self.model.generate(**enc, **kwargs)
        latency = time.perf_counter() - started
        prompt_len = enc["input_ids"].shape[1]
        new_tokens = generated[:, prompt_len:]
        eos_ids = self._eos_ids()
        results: list[list[Completion]] = []
        for i in range(len(prompts)):
            n_prompt = int(enc["attention_mask"][i].sum())
            row: list[Completion] = []
            for j in range(params.n):
                ids = new_tokens[i * per_prompt + (j if sample else 0)].tolist()
                length, hit_eos = len(ids), False
                for pos, tok in enumerate(ids):
                    if tok in eos_ids:
                        length, hit_eos = pos, True
                        break
                text = self.tokenizer.decode(ids[:length], skip_special_tokens=True)
                text, cut = apply_stop(text, params.stop)
                finish = "stop" if (hit_eos or cut) else "length"
                row.append(Completion(text, n_prompt, length + (1 if hit_eos else 0), latency, finish))
                self.usage.prompt_tokens += n_prompt if j == 0 else 0
                self.usage.completion_tokens += length
            results.append(row)
        self.usage.requests += len(prompts)
        return results

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for source in (self.tokenizer.eos_token_id, getattr(self.model.generation_config, "eos_token_id", None)):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, (list, tuple)):
                ids.update(int(x) for x in source)
        return ids

    # -- async micro-batching --------------------------------------------------------------------
    async def agenerate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        loop = asyncio.get_running_loop()
        futures = []
        for prompt in prompts:
            fut = loop.create_future()
            self._queue.append(_Pending(prompt, params, fut))
            futures.append(fut)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush_loop())
        return list(await asyncio.gather(*futures))

    async def _flush_loop(self) -> None:
        await asyncio.sleep(self.batch_wait_s)  # let concurrent callers add their prompts
        while self._queue:
            first = self._queue[0]
            key = _batch_key(first.params)
            batch = [p for p in self._queue if _batch_key(p.params) == key][: self.batch_size]
            taken = {id(p) for p in batch}
            self._queue = [p for p in self._queue if id(p) not in taken]
            try:
                rows = await asyncio.to_thread(
                    self._generate_chunk, [p.prompt for p in batch], first.params
                )
            except Exception as exc:  # noqa: BLE001 - every waiter gets the error
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(ModelError(f"{self.name}: generation failed: {exc!r}"))
                continue
            for p, row in zip(batch, rows):
                if not p.future.done():
                    p.future.set_result(row)
            await asyncio.sleep(0)


def _batch_key(params: SamplingParams) -> tuple:
    """Requests that may share one generate() call: everything but the seed must match."""
    return (params.n, params.temperature, params.top_p, params.max_tokens, params.stop)
