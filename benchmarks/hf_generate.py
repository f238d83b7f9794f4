"""Generation throughput of the ``hf:`` backend against plain ``model.generate``, in one run.

Builds a small randomly initialised Llama (byte-level tokenizer made in-process; nothing is
downloaded), saves it, loads it through ``execgym.models.load_model("hf:DIR")`` and times:

- ``plain``: ``model.generate`` on left-padded batches of ``--batch-size`` prompts (the floor: no chat
  templating, no micro-batching, no decoding into completions);
- ``backend``: the same prompts as concurrent single-prompt ``agenerate`` calls (what ``execgym eval``
  does), merged by the backend's micro-batcher into batches of ``--batch-size``.

Both generate exactly ``--new-tokens`` tokens per prompt (EOS is suppressed), greedy, so the
work is identical. Prints one JSON object with tokens/s for both and their ratio.

GPU (the intended use): ``python benchmarks/hf_generate.py --device cuda --hidden 1024 --layers 12``.
CPU smoke run (tiny sizes, the default on a machine without CUDA): ``python benchmarks/hf_generate.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time


def build(path: str, hidden: int, layers: int, heads: int):
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<|pad|>", "<|eos|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"]
    vocab = {t: i for i, t in enumerate(specials)}
    for ch in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[ch] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(specials)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|eos|>")
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 4,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                         max_position_embeddings=4096, pad_token_id=tokenizer.pad_token_id,
                         eos_token_id=tokenizer.eos_token_id, bos_token_id=None)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda if available)")
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--layers", type=int, default=None)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--prompts", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--new-tokens", type=int, default=None)
    ap.add_argument("--dtype", default=None, help="e.g. bfloat16 (GPU default) or float32")
    args = ap.parse_args()

    import torch

    from execgym.models import SamplingParams, load_model

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    gpu = device.startswith("cuda")
    if not gpu:
        # one intra-op thread for both paths: on a shared 2-core box OpenMP teams in the main thread
        # and in the backend's worker thread behave very differently, which would skew the comparison
        torch.set_num_threads(1)
    hidden = args.hidden or (1024 if gpu else 64)
    layers = args.layers or (12 if gpu else 2)
    n_prompts = args.prompts or (256 if gpu else 32)
    batch = args.batch_size or (64 if gpu else 8)
    new_tokens = args.new_tokens or (128 if gpu else 16)
    dtype = args.dtype or ("bfloat16" if gpu else "float32")

    with tempfile.TemporaryDirectory() as tmp:
        build(tmp, hidden, layers, min(args.heads, hidden // 16))
        model = load_model(f"hf:{tmp}", device=device, dtype=dtype, batch_size=batch)
        model.model.generation_config.eos_token_id = None  # generate exactly new_tokens tokens
        prompts = [[{"role": "user", "content": f"Question {i}: what does f({i}) return? " * (1 + i % 4)}]
                   for i in range(n_prompts)]
        params = SamplingParams(max_tokens=new_tokens)
        tok, hf = model.tokenizer, model.model

        def sync():
            if gpu:
                torch.cuda.synchronize()

        def plain() -> float:
            texts = [model.render(p) for p in prompts]
            sync()
            t = time.perf_counter()
            with torch.inference_mode():
                for i in range(0, len(texts), batch):
                    enc = tok(texts[i:i + batch], return_tensors="pt", padding=True, add_special_tokens=False)
                    enc = {k: v.to(device) for k, v in enc.items()}
                    hf.generate(**enc, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                                pad_token_id=tok.pad_token_id, temperature=None, top_p=None, top_k=None)
            sync()
            return time.perf_counter() - t

        async def concurrent():
            return await asyncio.gather(*(model.agenerate([p], params) for p in prompts))

        def backend() -> tuple[float, int]:
            sync()
            t = time.perf_counter()
            rows = asyncio.run(concurrent())
            sync()
            return time.perf_counter() - t, sum(r[0][0].completion_tokens for r in rows)

        plain()  # warm-up
        backend()
        plain_s = min(plain() for _ in range(2))
        runs = [backend() for _ in range(2)]
        backend_s, produced = min(runs)
    total = n_prompts * new_tokens
    print(json.dumps({
        "benchmark": "hf_generate",
        "device": torch.cuda.get_device_name(0) if gpu else "cpu",
        "note": "" if gpu else "CPU smoke run with a tiny model: figures say nothing about GPU throughput",
        "model": {"hidden": hidden, "layers": layers, "dtype": dtype},
        "prompts": n_prompts, "batch_size": batch, "new_tokens": new_tokens,
        "backend_tokens_counted": produced, "tokens_expected": total,
        "plain_generate_tokens_per_s": round(total / plain_s, 1),
        "hf_backend_tokens_per_s": round(total / backend_s, 1),
        "backend_over_plain": round(plain_s / backend_s, 3),
        "python": sys.version.split()[0], "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
