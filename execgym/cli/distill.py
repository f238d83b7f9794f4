"""``execgym distill``: SFT data from a teacher's responses, keeping only those execgym verifies.

    execgym distill --teacher openai:MODEL --base-url URL --env ExecIO-v0,ExecOI-v0 --levels 1-6 \\
        -n 1000 --samples 4 -o sft.jsonl

The teacher's episodes go to ``<output>.episodes.jsonl`` (resumable, as with ``execgym eval``); the
verified rows (reward at the top, outcome correct) go to ``<output>`` as chat-format JSONL.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from execgym.cli.eval import (
    DEFAULT_ENVS,
    add_model_arguments,
    add_sampling_arguments,
    env_items_checked,
    json_object,
    model_options,
    parse_levels,
    report_failures,
)


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("distill", help="write SFT data from a teacher's verified responses",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p, flag="--teacher", default=None)
    p.add_argument("--env", default=DEFAULT_ENVS, help="comma-separated environments (default: all five)")
    p.add_argument("--levels", type=parse_levels, default="1-6", help="levels, e.g. 1-6 or 1,3,5")
    p.add_argument("-n", type=int, default=100, help="tasks per (environment, level)")
    p.add_argument("--seed", type=int, default=0, help="base seed; task seeds are derived from it")
    p.add_argument("--env-options", type=json_object, default=None,
                   help='JSON options for every task, e.g. \'{"whitebox": false}\'')
    p.add_argument("--samples", type=int, default=1, help="teacher samples per task")
    p.add_argument("--per-task", type=int, default=1, help="verified rows kept per task")
    add_sampling_arguments(p)
    p.add_argument("--concurrency", type=int, default=64, help="episodes in flight")
    p.add_argument("--workers", type=int, default=4, help="threads building and scoring tasks")
    p.add_argument("-o", "--output", required=True, help="the SFT JSONL file to write")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=main)
    return p


def main(args: argparse.Namespace) -> int:
    from execgym.evaluation.distill import distill_rows
    from execgym.evaluation.harness import EvalConfig, ResultsMismatch, evaluate
    from execgym.models import ModelError, load_model
    from execgym.validation import UsageError

    if not args.model:
        raise UsageError("--teacher MODEL is required")
    if args.samples < 1 or args.n < 1 or args.concurrency < 1 or args.per_task < 1:
        raise UsageError("--samples, -n, --per-task and --concurrency must be >= 1")
    out = Path(args.output)
    items = env_items_checked(args)
    temperature = args.temperature if args.temperature is not None else (0.0 if args.samples == 1 else 0.8)
    try:
        model = load_model(args.model, **model_options(args, args.concurrency))
    except (ModelError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    config = EvalConfig(samples=args.samples, temperature=temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                        system=args.system, concurrency=args.concurrency, workers=args.workers, seed=args.seed,
                        progress=not args.no_progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        records = evaluate(model, items, config, out.with_name(out.name + ".episodes.jsonl"))
    except ResultsMismatch as exc:
        print(f"execgym distill: error: {exc}", file=sys.stderr)
        return 2
    rows = distill_rows(records, per_task=args.per_task, system=args.system)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(out)
    tasks = len({(r["task"], r.get("level"), r["item"]) for r in records})
    print(json.dumps({"teacher": model.name, "tasks": tasks, "episodes": len(records), "verified_rows": len(rows),
                      "output": str(out)}))
    failed, model_errors = report_failures(records)
    if records and failed == len(records):
        print("error: every episode failed; no row was verified", file=sys.stderr)
        return 1
    return 1 if model_errors else 0
