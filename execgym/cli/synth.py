"""``execgym synth``: generate filtered programs for one or more levels as JSONL.

    execgym synth --level 4 -n 10000 --seed 0 -o programs.jsonl [--workers N] [--shard i/N]
    execgym synth --level 1-6 -n 1000 -o all.jsonl --difficulty-model heuristic --max-pass 3
    execgym synth --report programs.jsonl [--against cruxeval.jsonl] [--json]
    execgym synth --teacher openai:MODEL --base-url URL -o teacher.jsonl [--level 1-6] [--concurrency 16]

Items are the flattened list of (level, index) pairs, level-major; item (level, i) is
``generate(level, item_seed(seed, level, i))``. ``--shard i/N`` writes the i-th of N contiguous slices of
that list, so the N shard files concatenated in order equal the unsharded output byte for byte. Runs of at
least ``AUTO_PROCESSES_MIN`` programs use one generating process per core unless ``--processes`` says
otherwise (the same bytes; ``execgym.synth.processes``). A summary
(acceptance rate, per-operation coverage, feature distributions per level, and the quality report of the
first ``--quality-sample`` programs of each level) goes to stderr and, with ``--summary-json``, to a file.

``--report FILE`` measures any program file instead (``execgym.cli.synth_report``); ``--teacher NAME`` asks
a model for the programs with the reference's prompts (``execgym.cli.synth_teacher``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

AUTO_PROCESSES_MIN = 512  # programs in a run from which --processes defaults to one per core


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("synth", help="generate filtered programs (levels 1-8) as JSONL",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--level", default=None,
                        help="level, range or list: 4, 1-6, 1,3 (default 1; 1-6 with --teacher)")
    parser.add_argument("-n", type=int, default=None,
                        help="programs per level (default 100); with --teacher prompts per level (default one "
                             "per catalog entry); with --report the first N rows of each level")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("-o", "--output", default="-", help="output JSONL path ('-' = stdout)")
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: one per core)")
    parser.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="generate as Ray tasks (ADDRESS: a cluster, e.g. auto; none: join or start a local "
                             "one); output byte-identical to a local run")
    parser.add_argument("--shard", default=None, help="i/N: write only the i-th of N contiguous slices")
    parser.add_argument("--processes", type=int, default=None,
                        help="generating processes on this machine (default: one per core for runs of at least "
                             f"{AUTO_PROCESSES_MIN} programs, else 1; 1 with --ray); output byte-identical")
    parser.add_argument("--chunk", type=int, default=16, help="programs per sandbox call")
    parser.add_argument("--generator", default="default", choices=("default", "patterns", "ops"),
                        help="default and patterns: the pattern library at levels 1-6, operation chains at 7-8; "
                             "ops: operation chains everywhere")
    parser.add_argument("--block", type=int, default=256, help="items generated per progress step")
    parser.add_argument("--max-line-steps", type=int, default=1000, help="trace budget in line steps")
    parser.add_argument("--focus-effect", action=argparse.BooleanOptionalAction, default=True,
                        help="pattern generator: reject programs whose output, on every input shipped, is the same "
                             "with the focus operation stripped out (default: on; see docs/synthesis.md)")
    parser.add_argument("--summary-json", default=None, help="also write the summary as JSON here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    parser.add_argument("--quality-sample", type=int, default=200,
                        help="programs per level the end-of-run quality report measures (default 200; 0: none)")
    parser.add_argument("--variants", type=int, default=5,
                        help="input variants per program for the quality measures (default 5)")
    parser.add_argument("--difficulty-model", default=None,
                        help="keep only programs MODEL solves at most --max-pass of --difficulty-samples times")
    parser.add_argument("--difficulty-samples", type=int, default=10,
                        help="times --difficulty-model answers each program's input-to-output question")
    parser.add_argument("--max-pass", type=int, default=3,
                        help="keep a program only when --difficulty-model solves it at most this many times")
    report = parser.add_argument_group("quality report (--report)")
    report.add_argument("--report", metavar="FILE", default=None,
                        help="measure FILE (Program JSONL, {code, input} or {code, inputs} rows) and print the "
                             "quality report")
    report.add_argument("--against", metavar="FILE", default=None, help="a reference file shown beside it")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--details", metavar="FILE", default=None, help="also write each row's measures (JSONL)")
    teacher = parser.add_argument_group("teacher route (--teacher)")
    teacher.add_argument("--teacher", metavar="NAME", default=None,
                         help="openai:MODEL (or vllm:PATH, hf:PATH): the model that writes the programs")
    teacher.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    teacher.add_argument("--api-key-env", default=None,
                         help="environment variable holding the API key (default OPENAI_API_KEY)")
    teacher.add_argument("--concurrency", type=int, default=16, help="prompts in flight (default 16)")
    teacher.add_argument("--entries", default=None,
                         help="catalog entries: reference (default, the paper's 186), all, or type/method,...")
    teacher.add_argument("--no-mutate", action="store_true", help="skip the input-rewrite mutation")
    teacher.add_argument("--temperature", type=float, default=None, help="default 0.8 (the reference's)")
    teacher.add_argument("--top-p", type=float, default=None, help="default 0.9")
    teacher.add_argument("--max-tokens", type=int, default=None, help="default 4096")
    teacher.add_argument("--mutate-temperature", type=float, default=None, help="default 0.4")
    teacher.add_argument("--allow-problems", default=None, metavar="LIST",
                         help="quality problems that do not reject a program (e.g. constant_test,dead_statement)")
    teacher.add_argument("--timeout", type=float, default=None, help="per-request timeout in seconds (openai:)")
    teacher.add_argument("--max-retries", type=int, default=None, help="retries on 429/5xx/timeouts (openai:)")
    parser.set_defaults(handler=main)

    def one_line_error(message: str) -> None:  # a mistake in the command: one line, exit 2
        print(f"execgym synth: {message} (execgym synth --help lists the options)", file=sys.stderr)
        raise SystemExit(2)

    parser.error = one_line_error  # type: ignore[method-assign]
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


def Progress(total: int, quiet: bool, label: str = "synth", unit: str = "prog") -> Any:
    """The progress bar of the synth commands (``execgym.progress.progress_bar``; off when ``quiet``)."""
    from execgym.progress import progress_bar

    return progress_bar(total, label, unit=unit, enabled=not quiet)


def assess_rows(rows: list, args: argparse.Namespace, *, strict: bool, progress: Progress,
                own: bool = False) -> list:
    """``quality.assess`` over ``rows`` in slices of 16 (64 for ``own`` programs, which the light runner measures
    many to a child), so the progress bar moves for long files (the measures of a row do not depend on the
    rows measured with it)."""
    from execgym.synth.quality import assess

    out: list = []
    step = 64 if own else 16
    for start in range(0, len(rows), step):
        out.extend(assess(rows[start:start + step], variants=args.variants, seed=args.seed, workers=args.workers,
                          strict=strict, own=own))
        progress.update(len(rows[start:start + step]))
    return out


def first_per_level(rows: list, k: int) -> list:
    """The first ``k`` rows of each level, in order."""
    taken: dict[Any, int] = {}
    out = []
    for row in rows:
        level = getattr(row, "level", None)
        if taken.get(level, 0) < k:
            taken[level] = taken.get(level, 0) + 1
            out.append(row)
    return out


def quality_summary(programs: Any, args: argparse.Namespace, *, strict: bool, own: bool = False) -> dict:
    """The quality report (``summarize_by_level``) of the first ``--quality-sample`` programs of each level.

    ``programs`` is a list of Programs/ProgramRows or the path of a program file. ``own``: Programs this process
    just generated (``assess(..., own=True)``). Never raises: a failure to measure is reported in the dict's
    ``error``.
    """
    from execgym.synth.decide import SynthesisError
    from execgym.synth.quality import summarize_by_level

    k = max(0, args.quality_sample)
    own = own and not isinstance(programs, Path)  # a file's rows are never taken for this process's programs
    if isinstance(programs, Path):
        from execgym.synth.rows import read_program_rows

        programs = read_program_rows(programs) if programs.exists() else []
    sample = first_per_level(list(programs), k) if k else []
    note = f"the first {k} programs of each level, 1 + {args.variants} calls each"
    if not sample:
        return {"note": note, "programs": 0, "levels": {}}
    progress = Progress(len(sample), args.quiet, label="quality", unit="prog")
    try:
        qualities = assess_rows(sample, args, strict=strict, progress=progress, own=own)
    except SynthesisError as exc:
        return {"note": note, "programs": len(sample), "levels": {}, "error": str(exc)}
    finally:
        progress.close()
    return {"note": note, "programs": len(sample), "levels": summarize_by_level(qualities)}


def _difficulty(programs: list, args: argparse.Namespace, model: Any) -> list:
    from execgym.evaluation.difficulty import filter_programs

    results = filter_programs(programs, model=model, samples=args.difficulty_samples, max_pass=args.max_pass)
    return [r.program.with_features(pass_count=r.passes) for r in results if r.kept]


_FEATURES = ("lines", "control_depth", "trace_length", "branches", "loop_iterations", "distinct_operations")


def summary_row(program: Any) -> tuple:
    """The little a summary needs from one program (so a million-program run stays small in memory)."""
    import hashlib

    digest = hashlib.blake2b((program.source + "\0" + program.call).encode(), digest_size=8).hexdigest()
    nesting = (program.constraints or {}).get("focus_nesting")
    return (program.level, "/".join(program.focus), tuple(program.features.get(n, 0) for n in _FEATURES), digest,
            nesting if type(nesting) is int else None)


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
        nestings = [row[4] for row in progs if len(row) > 4 and row[4] is not None]
        out["levels"][str(level)] = {
            "programs": len(progs),
            # the focus nested two levels deep (fed to another use of itself, or used twice in one program)
            "focus_nested_share": round(sum(n >= 2 for n in nestings) / len(nestings), 4) if nestings else None,
            "distinct": len({row[3] for row in progs}),
            **(stats.to_dict() if stats is not None else {}),
            "focus_covered": len(focus), "focus_total": len(ALL_ENTRIES),
            "focus_missing": sorted(set("/".join(e) for e in ALL_ENTRIES) - set(focus)) if len(focus) < len(
                ALL_ENTRIES) and len(progs) >= 2000 else [],
            "features": features,
        }
    return out


def _print_summary(summary: dict) -> None:
    print("level  programs  accept%  focus-cov  nested2%  lines  depth  trace  branches  loops", file=sys.stderr)
    for level, row in summary["levels"].items():
        f = row["features"]

        def mean(name: str) -> str:
            return f"{f[name]['mean']:.1f}" if name in f else "-"

        nested = row.get("focus_nested_share")
        nested_text = f"{100 * nested:.0f}" if nested is not None else "-"
        print(f"{level:>5}  {row['programs']:>8}  {100 * row.get('acceptance_rate', 0):>6.1f}  "
              f"{row['focus_covered']:>4}/{row['focus_total']:<4}  {nested_text:>8}  {mean('lines'):>5}  "
              f"{mean('control_depth'):>5}  {mean('trace_length'):>5}  {mean('branches'):>8}  "
              f"{mean('loop_iterations'):>5}", file=sys.stderr)


def _print_quality(quality: dict | None) -> None:
    if not quality:
        return
    if quality.get("error"):
        print(f"quality not measured: {quality['error']}", file=sys.stderr)
    elif quality.get("levels"):
        from execgym.synth.quality import format_summary

        print(f"quality ({quality['note']}):", file=sys.stderr)
        print(format_summary(quality["levels"]), file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    if args.report:
        from execgym.cli import synth_report

        return synth_report.main(args)
    if args.teacher:
        from execgym.cli import synth_teacher

        return synth_teacher.main(args)
    return generate_main(args)


def _generation_flag_errors(args: argparse.Namespace) -> str:
    for flag, value in (("--against", args.against), ("--json", args.json), ("--details", args.details)):
        if value:
            return f"{flag} belongs to --report FILE"
    for flag, value in (("--base-url", args.base_url), ("--api-key-env", args.api_key_env),
                        ("--entries", args.entries), ("--no-mutate", args.no_mutate),
                        ("--allow-problems", args.allow_problems), ("--temperature", args.temperature),
                        ("--mutate-temperature", args.mutate_temperature)):
        if value:
            return f"{flag} belongs to --teacher NAME"
    if args.n is not None and args.n < 0:
        return "-n must be >= 0"
    if args.quality_sample < 0 or args.variants < 0:
        return "--quality-sample and --variants must be >= 0"
    return ""


def generate_main(args: argparse.Namespace) -> int:
    from execgym.synth.api import SynthStats, generate_many, item_seed
    from execgym.synth.filters import FilterConfig
    from execgym.synth.levels import parse_levels

    problem = _generation_flag_errors(args)
    if problem:
        print(f"execgym synth: {problem}", file=sys.stderr)
        return 2
    try:
        levels = parse_levels(args.level or "1")
        shard = parse_shard(args.shard)
    except ValueError as exc:
        print(f"execgym synth: {exc}", file=sys.stderr)
        return 2
    args.n = 100 if args.n is None else args.n
    if args.processes is not None and args.processes < 1:
        print(f"execgym synth: --processes must be >= 1, not {args.processes}", file=sys.stderr)
        return 2
    if args.processes is not None and args.processes > 1 and args.ray is not None:
        print("execgym synth: --processes and --ray exclude each other (Ray spreads the work itself)",
              file=sys.stderr)
        return 2
    if args.ray is not None:
        try:
            import ray  # noqa: F401
        except ImportError:
            print("execgym synth: --ray needs Ray: pip install 'execgym[ray]'", file=sys.stderr)
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
    if args.processes is None:  # a helper process starts in about half a second: worth it from a few hundred on
        from execgym.helper_process import cores

        args.processes = cores() if args.ray is None and len(items) >= AUTO_PROCESSES_MIN else 1
    config = FilterConfig(max_line_steps=args.max_line_steps, chunk=max(1, args.chunk), workers=args.workers,
                          focus_effect=args.focus_effect)
    stats_by_level: dict[int, SynthStats] = {}
    kept: list = []
    measure = bool(args.quality_sample) and (args.summary_json or not args.quiet)
    to_measure: dict[int, list] = defaultdict(list)
    progress = Progress(len(items), args.quiet)
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
            if args.ray is not None:
                if args.generator != "default":
                    from execgym.validation import UsageError

                    raise UsageError("--ray generates with the default generator only (no --generator)")
                from execgym import distributed

                programs = distributed.generate_many(level, seeds, config=config, stats=stats,
                                                     progress=progress.update, address=args.ray,
                                                     keep_traces=False)
            else:  # (a program file holds no trace: none is recorded)
                programs = generate_many(level, seeds, config=config, stats=stats, progress=progress.update,
                                         generator=args.generator, processes=args.processes, keep_traces=False)
            if args.difficulty_model:
                programs = _difficulty(programs, args, model)
            for program in programs:
                out.write(json.dumps(program.to_dict(), sort_keys=True) + "\n")
            out.flush()
            kept.extend(summary_row(p) for p in programs)
            if measure:
                room = args.quality_sample - len(to_measure[level])
                to_measure[level].extend(replace(p, trace_steps=None) for p in programs[:max(0, room)])
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
    summary = summarize(kept, stats_by_level)
    summary["items"] = len(items)
    summary["shard"] = list(shard)
    if measure:
        summary["quality"] = quality_summary([p for level in levels for p in to_measure[level]], args, strict=True,
                                             own=True)
    if not args.quiet:
        _print_summary(summary)
        _print_quality(summary.get("quality"))
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0
