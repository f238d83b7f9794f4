"""OpenRLHF command-line flag names, keyed by OpenRLHF version.

OpenRLHF renamed every flag in v0.10.2 (dotted names such as ``--actor.model_name_or_path``); the old
flat names (``--pretrain``, ``--remote_rm_url``, ...) are rejected by 0.11.2's argparse. Commands are
generated only through :func:`flag` so a version change is one table edit. Both tables were checked
against the ``add_argument`` calls of the PyPI wheels openrlhf-0.11.2 and openrlhf-0.10.1.post2
(tests/agents/openrlhf_0_11_2_flags.json holds the extracted names).

Contract: ``flag(version, program, key)`` returns the flag text for a logical ``key`` of ``program``
(``"sft"`` = ``openrlhf.cli.train_sft``, ``"rl"`` = ``openrlhf.cli.train_ppo_ray``, ``"lora"`` =
``openrlhf.cli.lora_combiner``), or raises ``KeyError`` naming the version and key. The 0.11.2 names
follow the wheel's parsers; the 0.10.1 (flat) table is kept for reference and for users pinned there.
"""

from __future__ import annotations

# logical key -> flag, for openrlhf.cli.train_ppo_ray
_RL_0_11_2: dict[str, str] = {
    "pretrain": "--actor.model_name_or_path",
    "reward_file": "--reward.remote_url",
    "agent_file": "--train.agent_func_path",
    "prompt_data": "--data.prompt_dataset",
    "input_key": "--data.input_key",
    "label_key": "--data.label_key",
    "apply_chat_template": "--data.apply_chat_template",
    "max_samples": "--data.max_samples",
    "max_len": "--data.max_len",
    "max_new_tokens": "--rollout.max_new_tokens",
    "estimator": "--algo.advantage.estimator",
    "n_samples_per_prompt": "--rollout.n_samples_per_prompt",
    "kl_coef": "--algo.kl.init_coef",
    "kl_use_loss": "--algo.kl.use_loss",
    "kl_estimator": "--algo.kl.estimator",
    "vllm_num_engines": "--vllm.num_engines",
    "vllm_tensor_parallel_size": "--vllm.tensor_parallel_size",
    "vllm_gpu_memory_utilization": "--vllm.gpu_memory_utilization",
    "vllm_enable_sleep": "--vllm.enable_sleep",
    "vllm_enforce_eager": "--vllm.enforce_eager",
    "colocate_all": "--train.colocate_all",
    "ds_enable_sleep": "--ds.enable_sleep",
    "actor_num_nodes": "--actor.num_nodes",
    "actor_num_gpus_per_node": "--actor.num_gpus_per_node",
    "ref_num_nodes": "--ref.num_nodes",
    "ref_num_gpus_per_node": "--ref.num_gpus_per_node",
    "rollout_batch_size": "--rollout.batch_size",
    "micro_rollout_batch_size": "--rollout.micro_batch_size",
    "train_batch_size": "--train.batch_size",
    "micro_train_batch_size": "--train.micro_batch_size",
    "dynamic_filtering": "--algo.dynamic_filtering_enable",
    "dynamic_filtering_range": "--algo.dynamic_filtering_range",
    "save_path": "--ckpt.output_dir",
    "ckpt_path": "--ckpt.path",
    "save_steps": "--ckpt.save_steps",
    "save_hf": "--ckpt.save_hf",
    "load_checkpoint": "--ckpt.load_enable",
    "max_ckpt_num": "--ckpt.max_num",
    "lr": "--actor.adam.lr",
    "lr_scheduler": "--actor.lr_scheduler",
    "lr_warmup_ratio": "--actor.lr_warmup_ratio",
    "max_norm": "--actor.max_norm",
    "zero_stage": "--ds.zero_stage",
    "param_dtype": "--ds.param_dtype",
    "adam_offload": "--ds.adam_offload",
    "gradient_checkpointing": "--actor.gradient_checkpointing_enable",
    "attn_implementation": "--ds.attn_implementation",
    "packing_samples": "--ds.packing_samples",
    "num_episodes": "--train.num_episodes",
    "max_epochs": "--train.max_epochs",
    "temperature": "--rollout.temperature",
    "top_p": "--rollout.top_p",
    "eval_dataset": "--eval.dataset",
    "eval_steps": "--eval.steps",
    "eval_n_samples_per_prompt": "--eval.n_samples_per_prompt",
    "tensorboard_dir": "--logger.tensorboard_dir",
}

_RL_0_10_1: dict[str, str] = {
    "pretrain": "--pretrain",
    "reward_file": "--remote_rm_url",
    "agent_file": "--agent_func_path",
    "prompt_data": "--prompt_data",
    "input_key": "--input_key",
    "label_key": "--label_key",
    "apply_chat_template": "--apply_chat_template",
    "max_samples": "--max_samples",
    "max_len": "--max_len",
    "max_new_tokens": "--max_new_tokens",
    "estimator": "--advantage_estimator",
    "n_samples_per_prompt": "--n_samples_per_prompt",
    "kl_coef": "--init_kl_coef",
    "kl_use_loss": "--use_kl_loss",
    "kl_estimator": "--kl_estimator",
    "vllm_num_engines": "--vllm_num_engines",
    "vllm_tensor_parallel_size": "--vllm_tensor_parallel_size",
    "vllm_gpu_memory_utilization": "--vllm_gpu_memory_utilization",
    "vllm_enable_sleep": "--vllm_enable_sleep",
    "vllm_enforce_eager": "--enforce_eager",
    "colocate_all": "--colocate_all_models",
    "ds_enable_sleep": "--deepspeed_enable_sleep",
    "actor_num_nodes": "--actor_num_nodes",
    "actor_num_gpus_per_node": "--actor_num_gpus_per_node",
    "ref_num_nodes": "--ref_num_nodes",
    "ref_num_gpus_per_node": "--ref_num_gpus_per_node",
    "rollout_batch_size": "--rollout_batch_size",
    "micro_rollout_batch_size": "--micro_rollout_batch_size",
    "train_batch_size": "--train_batch_size",
    "micro_train_batch_size": "--micro_train_batch_size",
    "dynamic_filtering": "--dynamic_filtering",
    "dynamic_filtering_range": "--dynamic_filtering_reward_range",
    "save_path": "--save_path",
    "ckpt_path": "--ckpt_path",
    "save_steps": "--save_steps",
    "save_hf": "--save_hf_ckpt",
    "load_checkpoint": "--load_checkpoint",
    "max_ckpt_num": "--max_ckpt_num",
    "lr": "--actor_learning_rate",
    "lr_scheduler": "--lr_scheduler",
    "lr_warmup_ratio": "--lr_warmup_ratio",
    "max_norm": "--max_norm",
    "zero_stage": "--zero_stage",
    "param_dtype": "--param_dtype",
    "adam_offload": "--adam_offload",
    "gradient_checkpointing": "--gradient_checkpointing",
    "attn_implementation": "--attn_implementation",
    "packing_samples": "--packing_samples",
    "num_episodes": "--num_episodes",
    "max_epochs": "--max_epochs",
    "temperature": "--temperature",
    "top_p": "--top_p",
    "eval_dataset": "--eval_dataset",
    "eval_steps": "--eval_steps",
    "eval_n_samples_per_prompt": "--eval_n_samples_per_prompt",
    "tensorboard_dir": "--use_tensorboard",
}

# logical key -> flag, for openrlhf.cli.train_sft
_SFT_0_11_2: dict[str, str] = {
    "pretrain": "--model.model_name_or_path",
    "dataset": "--data.dataset",
    "dataset_probs": "--data.dataset_probs",
    "input_key": "--data.input_key",
    "output_key": "--data.output_key",
    "apply_chat_template": "--data.apply_chat_template",
    "max_len": "--data.max_len",
    "max_samples": "--data.max_samples",
    "lr": "--adam.lr",
    "lr_scheduler": "--lr_scheduler",
    "lr_warmup_ratio": "--lr_warmup_ratio",
    "max_norm": "--max_norm",
    "gradient_checkpointing": "--model.gradient_checkpointing_enable",
    "train_batch_size": "--train.batch_size",
    "micro_train_batch_size": "--train.micro_batch_size",
    "max_epochs": "--train.max_epochs",
    "zero_stage": "--ds.zero_stage",
    "param_dtype": "--ds.param_dtype",
    "adam_offload": "--ds.adam_offload",
    "attn_implementation": "--ds.attn_implementation",
    "packing_samples": "--ds.packing_samples",
    "lora_rank": "--ds.lora.rank",
    "lora_alpha": "--ds.lora.alpha",
    "save_path": "--ckpt.output_dir",
    "save_steps": "--ckpt.save_steps",
}

_SFT_0_10_1: dict[str, str] = {
    "pretrain": "--pretrain",
    "dataset": "--dataset",
    "dataset_probs": "--dataset_probs",
    "input_key": "--input_key",
    "output_key": "--output_key",
    "apply_chat_template": "--apply_chat_template",
    "max_len": "--max_len",
    "max_samples": "--max_samples",
    "lr": "--learning_rate",
    "lr_scheduler": "--lr_scheduler",
    "lr_warmup_ratio": "--lr_warmup_ratio",
    "max_norm": "--max_norm",
    "gradient_checkpointing": "--gradient_checkpointing",
    "train_batch_size": "--train_batch_size",
    "micro_train_batch_size": "--micro_train_batch_size",
    "max_epochs": "--max_epochs",
    "zero_stage": "--zero_stage",
    "param_dtype": "--param_dtype",
    "adam_offload": "--adam_offload",
    "attn_implementation": "--attn_implementation",
    "packing_samples": "--packing_samples",
    "lora_rank": "--lora_rank",
    "lora_alpha": "--lora_alpha",
    "save_path": "--save_path",
    "save_steps": "--save_steps",
}

# openrlhf.cli.lora_combiner (its own small parser; dtype moved under --ds. with the rename)
_LORA_0_11_2: dict[str, str] = {
    "model_path": "--model_path",
    "lora_path": "--lora_path",
    "output_path": "--output_path",
    "param_dtype": "--ds.param_dtype",
}
_LORA_0_10_1: dict[str, str] = {
    "model_path": "--model_path",
    "lora_path": "--lora_path",
    "output_path": "--output_path",
    "param_dtype": "--param_dtype",
}

FLAG_TABLES: dict[str, dict[str, dict[str, str]]] = {
    "0.11.2": {"rl": _RL_0_11_2, "sft": _SFT_0_11_2, "lora": _LORA_0_11_2},
    "0.10.1": {"rl": _RL_0_10_1, "sft": _SFT_0_10_1, "lora": _LORA_0_10_1},
}
SUPPORTED_VERSIONS: tuple[str, ...] = tuple(FLAG_TABLES)

MODULES: dict[str, str] = {
    "rl": "openrlhf.cli.train_ppo_ray",
    "sft": "openrlhf.cli.train_sft",
    "lora": "openrlhf.cli.lora_combiner",
}


def flag(version: str, program: str, key: str) -> str:
    """The flag spelling of logical ``key`` for ``program`` under OpenRLHF ``version``."""
    try:
        table = FLAG_TABLES[version][program]
    except KeyError:
        raise KeyError(f"no OpenRLHF flag table for version {version!r} / program {program!r}") from None
    try:
        return table[key]
    except KeyError:
        raise KeyError(f"OpenRLHF {version} {program}: no flag for {key!r}") from None
