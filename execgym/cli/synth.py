"""``execgym synth``: generate filtered programs for one or more levels as JSONL.

    execgym synth --level 4 -n 10000 --seed 0 -o programs.jsonl [--workers N] [--shard i/N]
    execgym synth --level 1-6 -n 1000 -o all.jsonl --difficulty-model heuristic --max-pass 3

Items are the flattened list of (level, index) pairs, level-major; item (level, i) is
``generate(level, item_seed(seed, level, i))``. ``--shard i/N`` writes the i-th of N contiguous slices of
that list, so the N shard files concatenated in order equal the unsharded output byte for byte. A summary
(acceptance rate, per-operation coverage, feature distributions per level) goes to stderr and, with
``--summary-json``, to a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("synth", help="generate filtered programs (levels 1-8) as JSONL",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--level", default="1", help="level, range or list: 4, 1-6, 1,3")
    parser.add_argument("-n", type=int, default=100, help="programs per level")
    parser.add_argument("--seed", type=int, default=0, help="base seed")
    parser.add_argument("-o", "--output", default="-", help="output JSONL path ('-' = stdout)")
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: one per core)")
    parser.add_argument("--shard", default=None, help="i/N: write only the i-th of N contiguous slices")
    parser.add_argument("--chunk", type=int, default=16, help="programs per sandbox call")
    parser.add_argument("--block", type=int, default=256, help="items generated per progress step")
    parser.add_argument("--max-line-steps", type=int, default=1000, help="trace budget in line steps")
    parser.add_argument("--summary-json", default=None, help="also write the summary as JSON here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    parser.add_argument("--difficulty-model", default=None,
                        help="keep only programs MODEL solves at most --max-pass of --difficulty-samples times")
    parser.add_argument("--difficulty-samples", type=int, default=10,
                        help="times --difficulty-model answers each program's input-to-output question")
    parser.add_argument("--max-pass", type=int, default=3,
                        help="keep a program only when --difficulty-model solves it at most this many times")
    parser.set_defaults(handler=main)
    return parser


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return 0, 1
    try:
        index, count = (int(x) for x in text.split("/", 1))
    except ValueError:
        raise ValueError(f"--shard must look like i/N, not {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"--shard {text!r}: need 0 <= i < N")
    return index, count


def shard_items(levels: list[int], n: int, shard: tuple[int, int]) -> list[tuple[int, int]]:
    """The (level, index) items of this shard: a contiguous slice of the level-major item list."""
    items = [(level, i) for level in levels for i in range(n)]
    index, count = shard
    start, end = len(items) * index // count, len(items) * (index + 1) // count
    return items[start:end]


def _difficulty(programs: list, args: argparse.Namespace, model: Any) -> list:
    from execgym.evaluation.difficulty import filter_programs

    results = filter_programs(programs, model=model, samples=args.difficulty_samples, max_pass=args.max_pass)
    return [r.program.with_features(pass_count=r.passes) for r in results if r.kept]


_FEATURES = ("lines", "control_depth", "trace_length", "branches", "loop_iterations", "distinct_operations")


def summary_row(program: Any) -> tuple:
    """The little a summary needs from one program (so a million-program run stays small in memory)."""
    import hashlib

    digest = hashlib.blake2b((program.source + "\0" + program.call).encode(), digest_size=8).hexdigest()
    return (program.level, "/".join(program.focus), tuple(program.features.get(n, 0) for n in _FEATURES), digest)


def summarize(rows: list, stats_by_level: dict[int, Any]) -> dict:
    """Acceptance rate, per-operation coverage and feature distributions, per level."""
    from execgym.synth.catalog import ALL_ENTRIES

    by_level: dict[int, list] = defaultdict(list)
    for row in rows:
        by_level[row[0]].append(row)
    out: dict[str, Any] = {"levels": {}}
    for level in sorted(set(by_level) | set(stats_by_level)):
        progs = by_level.get(level, [])
        focus = Counter(row[1] for row in progs)
        features: dict[str, dict] = {}
        for k, name in enumerate(_FEATURES):
            values = [row[2][k] for row in progs]
            if values:
                features[name] = {"mean": round(sum(values) / len(values), 2), "min": min(values),
                                  "max": max(values)}
        stats = stats_by_level.get(level)
        out["levels"][str(level)] = {
            "programs": len(progs),
            "distinct": len({row[3] for row in progs}),
            **(stats.to_dict() if stats is not None else {}),
            "focus_covered": len(focus), "focus_total": len(ALL_ENTRIES),
            "focus_missing": sorted(set("/".join(e) for e in ALL_ENTRIES) - set(focus)) if len(focus) < len(
                ALL_ENTRIES) and len(progs) >= 2000 else [],
            "features": features,
        }
    return out


def _print_summary(summary: dict) -> None:
    print("level  programs  accept%  focus-cov  lines  depth  trace  branches  loops", file=sys.stderr)
    for level, row in summary["levels"].items():
        f = row["features"]

        def mean(name: str) -> str:
            return f"{f[name]['mean']:.1f}" if name in f else "-"

        print(f"{level:>5}  {row['programs']:>8}  {100 * row.get('acceptance_rate', 0):>6.1f}  "
              f"{row['focus_covered']:>4}/{row['focus_total']:<4}  {mean('lines'):>5}  {mean('control_depth'):>5}  "
              f"{mean('trace_length'):>5}  {mean('branches'):>8}  {mean('loop_iterations'):>5}", file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    from execgym.progress import progress_bar
    from execgym.synth.api import SynthStats, generate_many, item_seed
    from execgym.synth.filters import FilterConfig
    from execgym.synth.levels import parse_levels

    try:
        levels = parse_levels(args.level)
        shard = parse_shard(args.shard)
    except ValueError as exc:
        print(f"execgym synth: {exc}", file=sys.stderr)
        return 2
    if args.n < 0:
        print("execgym synth: -n must be >= 0", file=sys.stderr)
        return 2
    model = None
    if args.difficulty_model:
        from execgym.models import ModelError, load_model
        from execgym.validation import UsageError, check_model_name

        try:
            import execgym.evaluation.difficulty  # noqa: F401
        except ImportError as exc:
            raise UsageError(f"--difficulty-model needs execgym.evaluation.difficulty ({exc})") from None
        if args.difficulty_samples < 1 or not 0 <= args.max_pass <= args.difficulty_samples:
            raise UsageError("need --difficulty-samples >= 1 and 0 <= --max-pass <= --difficulty-samples")
        try:
            model = load_model(check_model_name(args.difficulty_model))
        except (ModelError, TypeError) as exc:
            raise UsageError(str(exc)) from None
    items = shard_items(levels, args.n, shard)
    config = FilterConfig(max_line_steps=args.max_line_steps, chunk=max(1, args.chunk), workers=args.workers)
    stats_by_level: dict[int, SynthStats] = {}
    kept: list = []
    progress = progress_bar(len(items), "synth", unit="prog", enabled=not args.quiet)
    out = sys.stdout if args.output == "-" else open(Path(args.output), "w", encoding="utf-8")
    try:
        position = 0
        while position < len(items):
            level = items[position][0]
            block = [items[position]]
            while (position + len(block) < len(items) and len(block) < args.block
                   and items[position + len(block)][0] == level):
                block.append(items[position + len(block)])
            position += len(block)
            stats = stats_by_level.setdefault(level, SynthStats())
            seeds = [item_seed(args.seed, level, index) for _, index in block]
            programs = generate_many(level, seeds, config=config, stats=stats, progress=progress.update)
            if args.difficulty_model:
                programs = _difficulty(programs, args, model)
            for program in programs:
                out.write(json.dumps(program.to_dict(), sort_keys=True) + "\n")
            out.flush()
            kept.extend(summary_row(p) for p in programs)
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
    summary = summarize(kept, stats_by_level)
    summary["items"] = len(items)
    summary["shard"] = list(shard)
    if not args.quiet:
        _print_summary(summary)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0
