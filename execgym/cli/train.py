"""``execgym train``: run a training schedule (SFT then RL stages) through OpenRLHF 0.11.2.

See docs/training.md. Heavy work is imported inside the handler so ``execgym --help`` stays fast.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="run a training schedule (trace-grounded SFT, then GRPO) with OpenRLHF",
        description=(
            "Build each stage's data, run the exact OpenRLHF commands, check each checkpoint and evaluate it "
            "with `execgym eval`. --dry-run prints the commands and previews the data without training."
        ),
    )
    parser.add_argument(
        "--schedule", required=True, help="schedule TOML file, or a bundled name (smoke-1gpu)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print commands and data previews; train nothing"
    )
    parser.add_argument("--stage", default=None, help="run only this stage (its init stage must be done)")
    parser.add_argument("--resume", action="store_true", help="continue a workdir: skip completed stages")
    parser.add_argument(
        "-o", "--workdir", default=None, help="working directory (default runs/<schedule name>)"
    )
    parser.add_argument(
        "--preview-rows", type=int, default=3, help="data rows previewed per stage in a dry run"
    )
    parser.add_argument("--no-eval", action="store_true", help="skip `execgym eval` after each stage")
    parser.set_defaults(handler=_handle)
    return parser


def _handle(args: argparse.Namespace) -> int:
    from execgym.training.runner import TrainOptions, run_schedule

    options = TrainOptions(
        schedule=args.schedule,
        workdir=args.workdir,
        dry_run=args.dry_run,
        stage=args.stage,
        resume=args.resume,
        preview_rows=max(0, args.preview_rows),
        evaluate=not args.no_eval,
    )
    return run_schedule(options)
