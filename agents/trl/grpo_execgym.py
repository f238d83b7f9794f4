"""Thin loader: the minimal TRL GRPO script is installed with execgym as ``execgym.training.trl_grpo``.

    python agents/trl/grpo_execgym.py --model PATH --env ExecIO-v0 --levels 1-3 -n 2000 --output-dir DIR
    python -m execgym.training.trl_grpo ...          # the same, from any install
"""

from execgym.training.trl_grpo import build_rows, load_reward, main, missing_dependencies, parse_levels  # noqa: F401

if __name__ == "__main__":
    raise SystemExit(main())
