"""``execgym dataset``: export environment tasks as trainer-ready JSONL/Parquet (see docs/dataset-export.md)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _kv(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dataset",
        help="export environment tasks as a dataset (jsonl, parquet, openrlhf, verl, trl)",
        description=(
            "Write N task rows of one environment. Every row holds the prompt, the task spec as a JSON string "
            "(score it later with execgym.score(spec, response)) and a gold response for SFT."
        ),
    )
    parser.add_argument(
        "--env", required=True, help="environment name, e.g. ExecIO-v0 (or execgym/ExecIO-v0)"
    )
    parser.add_argument("--levels", default=None, help="levels, e.g. 1-6 or 1,4,6 (default: all defined)")
    parser.add_argument("-n", "--num", dest="n", type=int, required=True, help="number of rows")
    parser.add_argument("--seed", type=int, default=0, help="base seed (row seeds are derived by hashing)")
    parser.add_argument(
        "--format",
        default="jsonl",
        choices=["jsonl", "parquet", "openrlhf", "verl", "trl"],
        help="row format",
    )
    parser.add_argument("-o", "--output", required=True, help="output file (.jsonl or .parquet)")
    parser.add_argument("--workers", type=int, default=1, help="generator processes (default 1)")
    parser.add_argument(
        "--curriculum", action="store_true", help="order rows easy to hard with the env's default curriculum"
    )
    parser.add_argument("--text", action="store_true", help="prompts as plain text instead of chat messages")
    parser.add_argument(
        "--env-arg",
        action="append",
        type=_kv,
        default=[],
        metavar="KEY=VALUE",
        help="environment kwarg (JSON value), e.g. --env-arg whitebox=false; repeatable",
    )
    parser.add_argument("--source", default="synth",
                        help="program source: synth, corpus:PATH (JSONL/Parquet/.py folder) or corpus:codeio "
                             "(see docs/corpus.md)")
    parser.add_argument("--exclude", action="append", default=[], metavar="FILE",
                        help="with a corpus source: drop corpus programs whose code matches a row of this "
                             "benchmark JSONL (CRUXEval, HumanEval, REval) as syntax trees; repeatable")
    parser.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="generate as Ray tasks (ADDRESS: a cluster, e.g. auto; none: join or start a local "
                             "one); the file is byte-identical to a local run")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from execgym.gym.export import export_dataset
    from execgym.progress import progress_bar
    from execgym.validation import UsageError, check_env_kwargs, check_levels, resolve_env

    env = resolve_env(args.env)
    env_kwargs = check_env_kwargs(env, dict(args.env_arg))
    if args.levels is not None:
        check_levels(env, args.levels)
    if args.n < 0:
        raise UsageError("-n must be >= 0")
    if "source" in env_kwargs and args.source != "synth":
        raise UsageError("give the program source once: --source or --env-arg source=...")
    source = env_kwargs.pop("source", args.source)
    levels = args.levels
    if source != "synth" or args.exclude:
        from execgym.cli.corpus import checked_source
        from execgym.synth.levels import parse_levels

        wanted = parse_levels(levels) if levels is not None else None
        source, kept, _ = checked_source(source, args.exclude, wanted, quiet=args.quiet)
        levels = ",".join(str(x) for x in kept) if kept else levels
        env_kwargs["source"] = source
    if args.ray is not None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise UsageError("--ray needs Ray: pip install 'execgym[ray]'") from None
    bar = progress_bar(args.n, f"dataset {env}", unit="row", enabled=not args.quiet)
    done = 0

    def progress(rows: int, total: int) -> None:
        nonlocal done
        bar.update(rows - done)
        done = rows

    try:
        report = export_dataset(
            env,
            n=args.n,
            path=args.output,
            format=args.format,
            levels=levels,
            seed=args.seed,
            workers=args.workers,
            curriculum=args.curriculum,
            env_kwargs=env_kwargs,
            chat=not args.text,
            progress=progress,
            ray_address=args.ray,
        )
    except (TypeError, ValueError, RuntimeError, OSError) as exc:
        print(f"execgym dataset: error: {exc}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    print(json.dumps(report.to_dict()))
    return 0
