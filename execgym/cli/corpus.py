"""``execgym corpus SOURCE``: process a program corpus once (cached) and print what it holds.

    execgym corpus corpus:codeio                 # acceptance counts by reason, level histogram
    execgym corpus corpus:my.jsonl --show 3      # plus three accepted programs and their ExecIO questions
    execgym corpus corpus:./src --exclude cruxeval.jsonl --json

Also the shared option handling of ``execgym dataset --source/--exclude`` and ``execgym eval --source``:
``checked_source(source, exclude, levels)`` resolves the source (a mistake is a ``UsageError``: one line,
exit 2), processes the corpus (progress on stderr; the result is cached on disk) and returns the source
name to put in the task options and the requested levels the corpus has programs at.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def checked_source(source: str, exclude: Sequence[str] = (), levels: Sequence[int] | None = None, *,
                   quiet: bool = False) -> tuple[str, list[int] | None, Any]:
    """``(source name, levels, source object)``; see the module docstring. ``levels=None``: every level the
    source has. Levels the corpus has no program at are dropped with a note; none left is a ``UsageError``."""
    from execgym.synth.sources import resolve_source
    from execgym.validation import UsageError

    source = (source or "synth").strip()
    if exclude and not source.startswith("corpus:"):
        raise UsageError("--exclude applies to a corpus source (--source corpus:PATH)")
    if exclude:
        from execgym.synth.corpus import source_name

        source = source_name(source, exclude)
    try:
        program_source = resolve_source(source)
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    if source == "synth":
        return source, list(levels) if levels is not None else None, program_source
    result = processed(program_source, quiet=quiet)
    have = sorted(result.by_level())
    if not have:
        raise UsageError(f"source {source!r}: no row of the corpus passed the filters "
                         f"({json.dumps(result.summary()['reasons'])})")
    if exclude:
        print(f"excluded {program_source.excluded} corpus program(s) whose code matches a row of "
              f"{', '.join(exclude)}", file=sys.stderr)
    if levels is None:
        return source, have, program_source
    kept = [lvl for lvl in levels if lvl in have]
    if not kept:
        raise UsageError(f"source {source!r} has no program at level(s) {list(levels)}; it has levels {have}")
    if len(kept) < len(levels):
        print(f"note: source {source!r} has no program at level(s) {sorted(set(levels) - set(kept))}; "
              f"using {kept}", file=sys.stderr)
    return source, kept, program_source


def processed(program_source: Any, *, quiet: bool = False) -> Any:
    """``program_source.processed()`` with a progress bar on stderr when the corpus is not cached yet."""
    from execgym.progress import progress_bar

    bar = None

    def rows_seen(n: int) -> None:
        nonlocal bar
        bar = progress_bar(n, f"corpus {program_source.name}", unit="row", enabled=not quiet)

    def step(k: int) -> None:
        if bar is not None:
            bar.update(k)

    try:
        return program_source.processed(progress=step, rows_seen=rows_seen)
    finally:
        if bar is not None:
            bar.close()


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "corpus", help="process a program corpus (corpus:PATH, corpus:codeio) and print what it holds",
        description="Read a corpus, run every row through the execution, determinism and quality filters "
                    "(in the sandbox; cached on disk by content hash), and print the acceptance counts by "
                    "reason and the level histogram. See docs/corpus.md.")
    parser.add_argument("source", help="corpus:PATH (JSONL, Parquet, or a folder of .py files) or corpus:codeio")
    parser.add_argument("--exclude", action="append", default=[], metavar="FILE",
                        help="benchmark JSONL whose code must not be served (repeatable)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N accepted programs with "
                        "their ExecIO-v0 question (one per level, round-robin)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)
    return parser


def _shown(program_source: Any, result: Any, n: int) -> list[dict]:
    from execgym.tasks.registry import make_task

    by_level = result.by_level()
    picked: list[Any] = []
    depth = 0
    while len(picked) < n and any(len(v) > depth for v in by_level.values()):
        for programs in by_level.values():
            if depth < len(programs) and len(picked) < n:
                picked.append(programs[depth])
        depth += 1
    out = []
    for program in picked:
        task = make_task({"env": "ExecIO-v0", "level": program.level, "seed": 0,
                          "options": {"source": program_source.name, "whitebox": False}})
        out.append({"row": program.meta.get("row"), "level": program.level, "task_prompt": task.prompt,
                    "answer": task.spec.get("expected"), "program_row": task.spec.get("origin", {}).get("row")})
    return out


def run(args: argparse.Namespace) -> int:
    from execgym.validation import UsageError

    if not args.source.startswith("corpus:"):
        raise UsageError(f"expected corpus:PATH or corpus:codeio, got {args.source!r}")
    if args.show < 0:
        raise UsageError("--show must be >= 0")
    source, _, program_source = checked_source(args.source, args.exclude, None, quiet=args.quiet)
    result = program_source.processed()
    summary = result.summary()
    summary["source"] = source
    summary["fingerprint"] = program_source.fingerprint
    summary["cache"] = str(program_source.cache_file)
    if args.show:
        summary["shown"] = _shown(program_source, result, args.show)
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(format_summary(summary))
    return 0


def format_summary(summary: dict) -> str:
    lines = [f"source {summary['source']} (fingerprint {summary['fingerprint']})",
             f"rows {summary['rows']}, accepted {summary['accepted']} "
             f"({summary['with_statement']} with a statement, usable by UnitTest-v0)", "", "reasons:"]
    for reason, count in summary["reasons"].items():
        lines.append(f"  {reason:<24} {count:>6}")
    lines += ["", "levels of the accepted programs:"]
    for level, count in summary["levels"].items():
        lines.append(f"  L{level:<3} {count:>6}")
    for item in summary.get("shown", []):
        lines += ["", f"--- {item['row']} (level {item['level']}); answer: {item['answer']}", item["task_prompt"]]
    return "\n".join(lines)
