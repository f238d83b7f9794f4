"""``execgym synth --teacher openai:MODEL --base-url URL -o FILE``: the paper's teacher route.

Renders the reference's constraint prompts (every catalog entry x the levels asked for, 1-6), judges the
first fenced python block of each answer (``execgym.synth.teacher_checks``), rewrites the inputs of every
answer with the same teacher (``--no-mutate`` skips it) and writes the accepted programs as Program JSONL,
with a ledger beside it (``FILE.ledger.jsonl``) so that the same command resumes where it stopped. The
summary (counts by reason and level, token counts, the quality report of the accepted programs) goes to
stderr and, with ``--summary-json``, to a file. Exit status: 0 when every prompt is finished, 1 when some
requests failed (run the command again to retry them), 2 for a mistake in the command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path


def _err(text: str) -> int:
    print(f"execgym synth: {text}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    from execgym.cli.synth import Progress, quality_summary
    from execgym.synth.levels import parse_levels
    from execgym.synth.teacher import (
        TeacherError,
        TeacherRun,
        format_teacher_summary,
        parse_entries,
        run_teacher,
    )
    from execgym.synth.teacher_prompts import GENERATE_SAMPLING, MUTATE_SAMPLING

    name = args.teacher.strip()
    prefix = name.partition(":")[0]
    if prefix in ("heuristic", "random") or ":" not in name:
        return _err(f"--teacher needs a model that writes code: openai:MODEL, vllm:PATH or hf:PATH, not {name!r}")
    for flag, value in (("--shard", args.shard), ("--difficulty-model", args.difficulty_model),
                        ("--against", args.against)):
        if value:
            return _err(f"--teacher does not combine with {flag}")
    if args.output == "-":
        return _err("--teacher needs -o FILE (the output and its ledger make the run resumable)")
    if args.api_key_env and args.api_key_env not in os.environ:
        return _err(f"--api-key-env {args.api_key_env}: that environment variable is not set")
    if prefix != "openai" and (args.base_url or args.api_key_env):
        return _err("--base-url and --api-key-env apply to openai: teachers only")
    if args.concurrency < 1 or args.variants < 0 or (args.max_tokens is not None and args.max_tokens < 1):
        return _err("--concurrency and --max-tokens must be >= 1, --variants >= 0")
    try:
        levels = parse_levels(args.level or "1-6")
        run = TeacherRun(
            teacher=name, levels=tuple(levels), n=args.n, entries=parse_entries(args.entries), seed=args.seed,
            mutate=not args.no_mutate,
            temperature=GENERATE_SAMPLING["temperature"] if args.temperature is None else args.temperature,
            top_p=GENERATE_SAMPLING["top_p"] if args.top_p is None else args.top_p,
            max_tokens=args.max_tokens or GENERATE_SAMPLING["max_tokens"],
            mutate_temperature=(MUTATE_SAMPLING["temperature"] if args.mutate_temperature is None
                                else args.mutate_temperature),
            variants=args.variants, max_line_steps=args.max_line_steps,
            allow=tuple(p.strip() for p in (args.allow_problems or "").split(",") if p.strip()),
        )
        from execgym.synth.teacher import open_files

        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        open_files(run, Path(args.output))  # checks an existing output and ledger before any request
    except (ValueError, TeacherError) as exc:
        return _err(str(exc))
    from execgym.models import load_model

    options = {}
    if prefix == "openai":
        options = {"base_url": args.base_url, "api_key_env": args.api_key_env, "concurrency": args.concurrency,
                   "timeout": args.timeout, "max_retries": args.max_retries}
    try:
        model = load_model(name, **options)
    except (ValueError, TypeError) as exc:
        return _err(f"--teacher {name}: {exc}")

    progress: Progress | None = None

    def on_start(pending: int) -> None:
        nonlocal progress
        progress = Progress(pending, args.quiet, label="teacher", unit="prompt")

    def advance(count: int) -> None:
        if progress is not None:
            progress.update(count)

    try:
        summary = asyncio.run(run_teacher(model, run, args.output, concurrency=args.concurrency,
                                          workers=args.workers, progress=advance, on_start=on_start))
    except TeacherError as exc:
        return _err(str(exc))
    finally:
        if progress is not None:
            progress.close()
    if args.summary_json or not args.quiet:
        summary["quality"] = quality_summary(Path(args.output), args, strict=False)
    if not args.quiet:
        print(format_teacher_summary(summary), file=sys.stderr)
        for line in summary["failures"][:5]:
            print(f"  failed: {line}", file=sys.stderr)
        if summary["quality"].get("levels"):
            from execgym.synth.quality import format_summary

            print(f"quality of the accepted programs ({summary['quality']['note']}):", file=sys.stderr)
            print(format_summary(summary["quality"]["levels"]), file=sys.stderr)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 1 if any(summary["failed"].values()) else 0
