"""The hf: backend with a tiny randomly initialised Llama built from a config and a tokenizer made here.

Nothing is downloaded: the byte-level tokenizer (no merges) and the model are built in-process,
saved to a temporary directory, and loaded back through ``load_model("hf:DIR")``.
"""

from __future__ import annotations

import asyncio
import json

import pytest

pytestmark = pytest.mark.torch

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from execgym.models import SamplingParams, load_model

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SPECIALS = ["<|pad|>", "<|eos|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"]


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in sorted(alphabet):
        vocab[ch] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|eos|>")
    fast.chat_template = CHAT_TEMPLATE
    return fast


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from transformers import LlamaConfig, LlamaForCausalLM

    path = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.convert_tokens_to_ids("<|end|>"),
                         bos_token_id=None)
    model = LlamaForCausalLM(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def chat(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_hf_generates_with_chat_template_counts_and_stops(tiny_model_dir):
    model = load_model(f"hf:{tiny_model_dir}", device="cpu", batch_size=4)
    assert model.render(chat("hi")) == "<|user|>hi<|end|><|assistant|>"
    out = model.generate([chat("hello"), chat("a much longer prompt than the first one")],
                         SamplingParams(n=2, max_tokens=8))
    assert len(out) == 2 and all(len(row) == 2 for row in out)
    first = out[0][0]
    assert first.prompt_tokens == 3 + len("hello")  # three special tokens + one byte-level token per char
    assert 0 < first.completion_tokens <= 8 or first.finish_reason == "stop"
    assert out[1][0].prompt_tokens > first.prompt_tokens
    assert model.usage.requests == 2 and model.usage.completion_tokens > 0
    # greedy: both choices identical; left padding keeps the short prompt's output unchanged
    assert out[0][0].text == out[0][1].text
    alone = model.generate([chat("hello")], SamplingParams(n=1, max_tokens=8))
    assert alone[0][0].text == first.text


def test_hf_sampling_is_seeded(tiny_model_dir):
    model = load_model(f"hf:{tiny_model_dir}", device="cpu")
    params = SamplingParams(n=3, temperature=1.0, max_tokens=6, seed=11)
    a = model.generate([chat("x")], params)
    b = model.generate([chat("x")], params)
    assert [c.text for c in a[0]] == [c.text for c in b[0]]


def test_hf_micro_batches_concurrent_callers(tiny_model_dir):
    model = load_model(f"hf:{tiny_model_dir}", device="cpu", batch_size=8)
    calls = []
    original = model._generate_chunk

    def spy(prompts, params):
        calls.append(len(prompts))
        return original(prompts, params)

    model._generate_chunk = spy

    async def many():
        params = SamplingParams(max_tokens=4)
        return await asyncio.gather(*(model.agenerate([chat(f"q{i}")], params) for i in range(10)))

    results = asyncio.run(many())
    assert len(results) == 10 and all(len(r) == 1 and len(r[0]) == 1 for r in results)
    assert calls == [8, 2]  # ten concurrent single-prompt calls became two batched generate() calls


def test_eval_cli_end_to_end_with_hf(tiny_model_dir, tmp_path):
    from execgym.cli import main as cli_main

    data = tmp_path / "cruxeval.jsonl"
    data.write_text(json.dumps({"id": "sample_0", "code": "def f(x):\n    return x", "input": "1", "output": "1"}) + "\n")
    rc = cli_main(["eval", "--model", f"hf:{tiny_model_dir}", "--model-option", "device=cpu", "--benchmark",
                   "cruxeval-o", "--data", str(data), "--max-tokens", "5", "-o", str(tmp_path / "out"),
                   "--no-progress"])
    assert rc == 0
    rec = json.loads((tmp_path / "out" / "episodes.jsonl").read_text().splitlines()[0])
    assert rec["model"] == f"hf:{tiny_model_dir}"
    assert rec["outcome"] == "format_error"  # a random model writes no answer block
    assert rec["prompt_tokens"] > 50 and 0 < rec["completion_tokens"] <= 6
