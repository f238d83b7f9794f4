"""Minimal GRPO training on an execgym environment with TRL's GRPOTrainer.

    pip install ".[trl]"        # from a checkout (or the wheel: pip install "execgym-0.1.0-py3-none-any.whl[trl]")
    python -m execgym.training.trl_grpo --model Qwen/Qwen2.5-Coder-0.5B-Instruct \
        --env ExecIO-v0 --levels 1-3 -n 2000 --output-dir runs/trl-grpo

(``python agents/trl/grpo_execgym.py ...`` in a checkout is the same script.) The dataset is built in-process
(conversational ``prompt`` + ``spec`` column, the same rows ``execgym dataset --format trl`` writes); the
reward is ``execgym_reward`` (``execgym/training/hookfiles/trl_reward.py``), which scores each completion
against its row's spec with execgym's verifier. Evaluate the result with ``execgym eval --model hf:<output-dir>``.
Without torch, TRL or datasets it exits 2 with the install command instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys

INSTALL_HINT = 'pip install ".[trl]" from an execgym checkout (torch, transformers, trl, datasets)'


def load_reward():
    """``execgym_reward`` from the installed hook file, loaded by path as a trainer would."""
    from execgym.training.hookfiles import hook_path

    spec = importlib.util.spec_from_file_location("execgym_trl_reward", hook_path("trl"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.execgym_reward


def missing_dependencies() -> list[str]:
    """The training dependencies this interpreter lacks (torch, trl, datasets, transformers)."""
    return [name for name in ("torch", "transformers", "trl", "datasets") if importlib.util.find_spec(name) is None]


def build_rows(env: str, levels: list[int], n: int, seed: int, options: dict | None) -> list[dict]:
    """``n`` rows ``{"prompt": [user message], "spec": spec JSON}``; levels round-robin, hashed seeds."""
    import execgym
    from execgym.seeding import derive_seed

    rows = []
    for i in range(n):
        spec: dict = {
            "env": env,
            "level": levels[i % len(levels)],
            "seed": derive_seed("trl", seed, env, i) % 2**31,
        }
        if options:
            spec["options"] = options
        task = execgym.make_task(spec)
        rows.append(
            {
                "prompt": [{"role": "user", "content": task.prompt}],
                "spec": json.dumps(task.spec, sort_keys=True, ensure_ascii=False),
            }
        )
    return rows


def parse_levels(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="GRPO on an execgym environment with TRL",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", required=True, help="HF model id or local path")
    p.add_argument("--env", default="ExecIO-v0", help="environment")
    p.add_argument("--levels", default="1-3", help="levels, drawn round-robin")
    p.add_argument("--env-options", type=json.loads, default=None, help="JSON task options")
    p.add_argument("-n", type=int, default=1000, help="training prompts")
    p.add_argument("--seed", type=int, default=0, help="base seed of the task seeds")
    p.add_argument("--output-dir", required=True, help="where the trained model is saved")
    p.add_argument("--num-generations", type=int, default=8, help="completions per prompt (the GRPO group)")
    p.add_argument("--per-device-batch", type=int, default=8, help="completions per device step")
    p.add_argument("--max-completion-length", type=int, default=1024, help="tokens per completion")
    p.add_argument("--learning-rate", type=float, default=1e-6, help="learning rate")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (-1: run the epochs)")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the prompts")
    p.add_argument("--beta", type=float, default=0.0, help="KL coefficient (0 = no reference model)")
    p.add_argument("--use-vllm", action="store_true", help="generate with vLLM (TRL's use_vllm)")
    args = p.parse_args(argv)
    missing = missing_dependencies()
    if missing:
        print(f"grpo_execgym: {', '.join(missing)} not installed: {INSTALL_HINT}", file=sys.stderr)
        return 2

    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    rows = build_rows(args.env, parse_levels(args.levels), args.n, args.seed, args.env_options)
    on_gpu = torch.cuda.is_available()
    config = GRPOConfig(
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not on_gpu,
        output_dir=args.output_dir,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.per_device_batch,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        num_train_epochs=args.epochs,
        max_steps=args.max_steps,
        beta=args.beta,
        temperature=1.0,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_vllm=args.use_vllm,
        seed=args.seed,
    )
    trainer = GRPOTrainer(
        model=args.model,
        reward_funcs=[load_reward()],
        args=config,
        train_dataset=Dataset.from_list(rows),
    )
    trainer.train()
    trainer.save_model(args.output_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
