"""Prove the learning loop with torch + transformers only: SFT on trace-grounded data, then GRPO.

    python benchmarks/learning_loop.py --tiny            # CPU smoke run (minutes): checks the plumbing
    python benchmarks/learning_loop.py                   # one GPU: a small model that actually learns

Steps (all in one run, same held-out seeds for every evaluation):
1. build a BPE tokenizer (ChatML template) and a small Llama-style model from a config: nothing
   is downloaded;
2. evaluate it with ``execgym eval --model hf:DIR`` (before SFT), plus the ``heuristic`` baseline;
3. SFT on execgym's trace-grounded rationales (``execgym.training.rationale``, every row verified to
   earn the top reward) for one environment at one level; evaluate again (after SFT);
4. GRPO with execgym rewards (``execgym.score_batch``): G samples per prompt, group-normalised
   advantages, one on-policy update per batch (so the PPO ratio is 1 and no clipping is needed),
   no KL; evaluate again (after RL).
Prints one JSON object. GRPO runs through TRL's GRPOTrainer with execgym's TRL reward when TRL is
importable (``--rl-trainer auto``), else through the plain-torch loop here (``--rl-trainer torch``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tiny", action="store_true", help="CPU-sized run: tiny model, few rows and steps")
    p.add_argument("--env", default="ExecNext-v0")
    p.add_argument("--level", type=int, default=None, help="default 1 with --tiny, else 3 (control flow)")
    p.add_argument("--env-options", type=json.loads, default=None, help="e.g. '{\"whitebox\": false}'")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-seed", type=int, default=777)
    p.add_argument("--eval-n", type=int, default=None)
    p.add_argument("--sft-rows", type=int, default=None)
    p.add_argument("--sft-steps", type=int, default=None)
    p.add_argument("--rl-steps", type=int, default=None)
    p.add_argument("--group", type=int, default=None, help="GRPO samples per prompt")
    p.add_argument("--prompts-per-step", type=int, default=None)
    p.add_argument("--max-new-tokens", type=int, default=None)
    p.add_argument("--no-rationale", action="store_true", help="SFT on the gold answer block only")
    p.add_argument(
        "--rl-trainer",
        choices=["auto", "torch", "trl"],
        default="auto",
        help="GRPO implementation: TRL's GRPOTrainer when importable (auto), or the plain-torch loop",
    )
    p.add_argument("--out", default=None, help="work directory (default: a temporary one)")
    args = p.parse_args(argv)
    tiny = args.tiny
    defaults = {
        "eval_n": 8 if tiny else 64,
        "sft_rows": 48 if tiny else 2000,
        "sft_steps": 30 if tiny else 1500,
        "rl_steps": 3 if tiny else 200,
        "group": 4 if tiny else 8,
        "prompts_per_step": 2 if tiny else 8,
        "max_new_tokens": 96 if tiny else 768,
        "level": 1 if tiny else 3,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


# --- data ------------------------------------------------------------------------------------------


def task_spec(args: argparse.Namespace, purpose: str, index: int) -> dict:
    from execgym.seeding import derive_seed

    spec: dict[str, Any] = {
        "env": args.env,
        "level": args.level,
        "seed": derive_seed("learning_loop", args.seed, purpose, index) % 2**31,
    }
    if args.env_options:
        spec["options"] = dict(args.env_options)
    return spec


def build_sft_rows(args: argparse.Namespace) -> tuple[list[dict], dict]:
    import execgym
    from execgym.training.rationale import answer_block, verified_rationale

    rows, skipped, index = [], {}, 0
    while len(rows) < args.sft_rows and index < args.sft_rows * 3:
        spec = task_spec(args, "sft", index)
        index += 1
        try:
            task = execgym.make_task(spec)
        except Exception as exc:  # noqa: BLE001
            skipped[type(exc).__name__] = skipped.get(type(exc).__name__, 0) + 1
            continue
        if args.no_rationale:
            response = answer_block(task.gold_response()).strip()
        else:
            response, reason = verified_rationale(task)
            if response is None:
                key = (reason or "?").split(":")[0]
                skipped[key] = skipped.get(key, 0) + 1
                continue
        rows.append({"prompt": task.prompt, "response": response, "spec": task.spec})
    return rows, skipped


def build_rl_specs(args: argparse.Namespace, n: int) -> list[dict]:
    import execgym

    out = []
    for i in range(n):
        task = execgym.make_task(task_spec(args, "rl", i))
        out.append({"prompt": task.prompt, "spec": task.spec})
    return out


# --- tokenizer and model -------------------------------------------------------------------------


def build_tokenizer(texts: list[str], vocab_size: int, out_dir: Path) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        additional_special_tokens=["<|im_start|>"],
        padding_side="left",
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out_dir)
    return fast


def build_model(tokenizer: Any, tiny: bool) -> Any:
    from transformers import AutoModelForCausalLM, LlamaConfig

    size = {"hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4}
    if not tiny:
        size = {
            "hidden_size": 512,
            "intermediate_size": 1536,
            "num_hidden_layers": 8,
            "num_attention_heads": 8,
        }
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        num_key_value_heads=size["num_attention_heads"],
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        **size,
    )
    return AutoModelForCausalLM.from_config(config)


def save(model: Any, tokenizer: Any, path: Path) -> None:
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(path)


def chat_prefix(tokenizer: Any, prompt: str) -> str:
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )


# --- evaluation through `execgym eval` --------------------------------------------------------------


def run_eval(args: argparse.Namespace, model: str, out_dir: Path) -> dict:
    argv = [
        sys.executable,
        "-m",
        "execgym",
        "eval",
        "--model",
        model,
        "--env",
        args.env,
        "--levels",
        str(args.level),
        "-n",
        str(args.eval_n),
        "--seed",
        str(args.eval_seed),
        "--max-tokens",
        str(args.max_new_tokens),
        "--concurrency",
        "8",
        "-o",
        str(out_dir),
        "--no-plot",
        "--no-progress",
    ]
    if args.env_options:
        argv += ["--env-options", json.dumps(args.env_options)]
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
    )
    seconds = time.perf_counter() - started
    summary_path = out_dir / "summary.json"
    if proc.returncode != 0 or not summary_path.exists():
        return {
            "error": f"execgym eval exited {proc.returncode}",
            "stderr": proc.stderr[-1500:],
            "seconds": seconds,
        }
    summary = json.loads(summary_path.read_text())
    result = summary["results"][0] if summary.get("results") else {}
    keep = ("n", "mean_reward", "accuracy", "format_error_rate")
    return {**{k: result.get(k) for k in keep}, "seconds": round(seconds, 1)}


# --- SFT -----------------------------------------------------------------------------------------


def sft(model: Any, tokenizer: Any, rows: list[dict], args: argparse.Namespace, device: str) -> dict:
    import torch

    examples = []
    for row in rows:
        prefix = tokenizer(chat_prefix(tokenizer, row["prompt"]), add_special_tokens=False)["input_ids"]
        target = tokenizer(row["response"] + "<|im_end|>", add_special_tokens=False)["input_ids"]
        examples.append((prefix, target))
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3 if args.tiny else 5e-4, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / 20) * max(0.05, 1 - s / max(1, args.sft_steps))
    )
    gen = torch.Generator().manual_seed(args.seed)
    batch_size = 4 if args.tiny else 16
    losses, started = [], time.perf_counter()
    model.train()
    for step in range(args.sft_steps):
        picks = torch.randint(len(examples), (batch_size,), generator=gen).tolist()
        seqs = [examples[i][0] + examples[i][1] for i in picks]
        width = max(map(len, seqs))
        ids = torch.full((len(seqs), width), tokenizer.pad_token_id)
        labels = torch.full((len(seqs), width), -100)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, i in enumerate(picks):
            prefix, target = examples[i]
            seq = prefix + target
            ids[r, : len(seq)] = torch.tensor(seq)
            labels[r, len(prefix) : len(seq)] = torch.tensor(target)
            mask[r, : len(seq)] = 1
        out = model(input_ids=ids.to(device), attention_mask=mask.to(device), labels=labels.to(device))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(out.loss.detach()))
    return {
        "rows": len(rows),
        "steps": args.sft_steps,
        "loss_first": round(losses[0], 4) if losses else None,
        "loss_last": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4) if losses else None,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- GRPO ----------------------------------------------------------------------------------------


def grpo(model: Any, tokenizer: Any, prompts: list[dict], args: argparse.Namespace, device: str) -> dict:
    import torch

    import execgym

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4 if args.tiny else 1e-5, weight_decay=0.0)
    gen = torch.Generator().manual_seed(args.seed + 1)
    torch.manual_seed(args.seed + 1)
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    history, started = [], time.perf_counter()
    for step in range(args.rl_steps):
        picks = torch.randint(len(prompts), (args.prompts_per_step,), generator=gen).tolist()
        batch_prompts = [
            chat_prefix(tokenizer, prompts[i]["prompt"]) for i in picks for _ in range(args.group)
        ]
        specs = [prompts[i]["spec"] for i in picks for _ in range(args.group)]
        enc = tokenizer(batch_prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        model.eval()
        with torch.no_grad():
            out = model.generate(
                **enc,
                do_sample=True,
                temperature=1.0,
                top_p=1.0,
                max_new_tokens=args.max_new_tokens,
                eos_token_id=eos,
                pad_token_id=tokenizer.pad_token_id,
            )
        completions = out[:, enc["input_ids"].shape[1] :]
        texts = tokenizer.batch_decode(completions, skip_special_tokens=True)
        scores = execgym.score_batch(specs, texts)
        rewards = torch.tensor([s.reward for s in scores], dtype=torch.float32)
        grouped = rewards.view(args.prompts_per_step, args.group)
        advantages = ((grouped - grouped.mean(1, keepdim=True)) / (grouped.std(1, keepdim=True) + 1e-4)).view(
            -1
        )
        # completion mask: tokens up to and including the first EOS
        is_eos = completions == eos
        after_eos = torch.cumsum(is_eos.int(), dim=1) - is_eos.int() > 0
        comp_mask = (~after_eos & (completions != tokenizer.pad_token_id)) | is_eos
        model.train()
        full = torch.cat([enc["input_ids"], completions], dim=1)
        attn = torch.cat([enc["attention_mask"], comp_mask.long()], dim=1)
        logits = model(input_ids=full, attention_mask=attn).logits[:, enc["input_ids"].shape[1] - 1 : -1]
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, completions.unsqueeze(-1)).squeeze(-1)
        token_count = comp_mask.sum(1).clamp(min=1)
        seq_logp = (logp * comp_mask).sum(1) / token_count
        loss = -(advantages.to(device) * seq_logp).mean()
        if advantages.abs().sum() > 0:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        history.append(
            {
                "step": step,
                "mean_reward": round(float(rewards.mean()), 4),
                "correct": sum(1 for s in scores if s.outcome == "correct"),
                "format_error": sum(1 for s in scores if s.outcome == "format_error"),
            }
        )
    n = len(history)
    window = max(1, n // 4)
    return {
        "steps": n,
        "samples_per_step": args.prompts_per_step * args.group,
        "mean_reward_first": round(sum(h["mean_reward"] for h in history[:window]) / window, 4)
        if n
        else None,
        "mean_reward_last": round(sum(h["mean_reward"] for h in history[-window:]) / window, 4)
        if n
        else None,
        "seconds": round(time.perf_counter() - started, 1),
        "history_tail": history[-5:],
    }


def grpo_trl(sft_dir: Path, out_dir: Path, prompts: list[dict], args: argparse.Namespace) -> dict:
    """GRPO with TRL's GRPOTrainer and execgym's TRL reward (agents/trl/execgym_reward.py)."""
    import importlib.util

    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    reward_path = Path(__file__).resolve().parents[1] / "agents" / "trl" / "execgym_reward.py"
    spec = importlib.util.spec_from_file_location("execgym_trl_reward", reward_path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    rows = [
        {"prompt": [{"role": "user", "content": p["prompt"]}], "spec": json.dumps(p["spec"], sort_keys=True)}
        for p in prompts
    ]
    on_gpu = torch.cuda.is_available()
    config = GRPOConfig(
        output_dir=str(out_dir),
        learning_rate=1e-4 if args.tiny else 1e-5,
        per_device_train_batch_size=args.prompts_per_step * args.group,
        num_generations=args.group,
        max_completion_length=args.max_new_tokens,
        max_steps=args.rl_steps,
        beta=0.0,
        temperature=1.0,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=args.seed,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not on_gpu,
    )
    started = time.perf_counter()
    trainer = GRPOTrainer(
        model=str(sft_dir),
        reward_funcs=[module.execgym_reward],
        args=config,
        train_dataset=Dataset.from_list(rows),
    )
    with contextlib.redirect_stdout(sys.stderr):  # TRL prints its logs; stdout carries only the JSON report
        trainer.train()
        trainer.save_model(str(out_dir))
    rewards = [float(h["reward"]) for h in trainer.state.log_history if "reward" in h]
    window = max(1, len(rewards) // 4)
    return {
        "trainer": "trl",
        "steps": len(rewards),
        "samples_per_step": args.prompts_per_step * args.group,
        "mean_reward_first": round(sum(rewards[:window]) / window, 4) if rewards else None,
        "mean_reward_last": round(sum(rewards[-window:]) / window, 4) if rewards else None,
        "seconds": round(time.perf_counter() - started, 1),
    }


def use_trl(choice: str) -> bool:
    import importlib.util

    available = all(importlib.util.find_spec(m) is not None for m in ("trl", "datasets"))
    if choice == "trl" and not available:
        raise SystemExit("--rl-trainer trl needs trl and datasets: pip install 'execgym[trl]'")
    return choice == "trl" or (choice == "auto" and available)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError:
        print(json.dumps({"error": "needs torch and transformers: pip install 'execgym[hf]'"}))
        return 2
    import tempfile

    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="execgym-learning-loop-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    rows, skipped = build_sft_rows(args)
    rl_prompts = build_rl_specs(args, max(16, args.rl_steps * args.prompts_per_step))
    corpus = [r["prompt"] for r in rows] + [r["response"] for r in rows] + [p["prompt"] for p in rl_prompts]
    tokenizer = build_tokenizer(corpus, 1024 if args.tiny else 4096, work / "tokenizer")
    model = build_model(tokenizer, args.tiny).to(device)
    params = sum(p.numel() for p in model.parameters())

    report: dict[str, Any] = {
        "benchmark": "learning_loop",
        "env": args.env,
        "level": args.level,
        "env_options": args.env_options,
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "tiny": args.tiny,
        "model": {"architecture": "llama", "parameters": params, "vocab": len(tokenizer)},
        "eval": {"n": args.eval_n, "seed": args.eval_seed, "max_new_tokens": args.max_new_tokens},
        "sft_data": {"rows": len(rows), "skipped": skipped, "rationale": not args.no_rationale},
    }
    report["eval"]["heuristic"] = run_eval(args, "heuristic", work / "eval_heuristic")
    save(model, tokenizer, work / "model_init")
    report["eval"]["before_sft"] = run_eval(args, f"hf:{work / 'model_init'}", work / "eval_before_sft")
    report["sft"] = sft(model, tokenizer, rows, args, device)
    save(model, tokenizer, work / "model_sft")
    report["eval"]["after_sft"] = run_eval(args, f"hf:{work / 'model_sft'}", work / "eval_after_sft")
    if use_trl(args.rl_trainer):
        report["rl"] = grpo_trl(work / "model_sft", work / "model_rl", rl_prompts, args)
    else:
        report["rl"] = {"trainer": "torch", **grpo(model, tokenizer, rl_prompts, args, device)}
        save(model, tokenizer, work / "model_rl")
    report["eval"]["after_rl"] = run_eval(args, f"hf:{work / 'model_rl'}", work / "eval_after_rl")
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["workdir"] = str(work)
    print(
        json.dumps(
            report, indent=1, default=lambda o: None if isinstance(o, float) and math.isnan(o) else str(o)
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
