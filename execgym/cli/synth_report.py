"""``execgym synth --report FILE [--against FILE] [--json]``: the quality report of any program file.

FILE may also be a corpus source (``corpus:PATH``, ``corpus:codeio``; docs/corpus.md): the report then
measures the corpus's accepted programs, one column per level they were assigned (the level histogram is
the "programs" row), after a line with the acceptance counts by reason. FILE is execgym's own Program JSONL (``execgym synth`` output, the teacher route's output) or a user's JSONL
of ``{code, input}`` rows (CRUXEval's format) or ``{code, inputs}`` rows (``.gz`` too). Every row is measured
by ``execgym.synth.quality.assess`` (its call plus input variants up to 1 + ``--variants`` calls, traced in
the sandbox) and the report gives, per level, the rates of ``quality.PROBLEMS``, construct coverage, lines,
line steps and variables; with ``--against`` the reference file's figures stand beside them (per level when
both files have levels, else the reference's overall column). Everything that can be checked before the
work (files, rows, flags) is, and a mistake is one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def _err(text: str) -> int:
    print(f"execgym synth: {text}", file=sys.stderr)
    return 2


def _label(key: str) -> str:
    return f"L{key}" if key.isdigit() else ("no level" if key == "-" else key)


def report_columns(by_level: dict[str, dict], against: dict[str, dict] | None, against_name: str) -> dict:
    """The report's columns in order: the file's levels (and "all"), then the reference's.

    When both files have the same levels, each level of the file is followed by the reference's.
    """
    if not against:
        return {_label(k): v for k, v in by_level.items()}
    shared = [k for k in by_level if k.isdigit() and k in against]
    out: dict[str, dict] = {}
    if shared:
        for key, value in by_level.items():
            out[_label(key)] = value
            if key in against:
                out[f"{against_name} {_label(key)}"] = against[key]
        if "all" in against and "all" not in by_level:
            out[f"{against_name} all"] = against["all"]
        return out
    out = {_label(k): v for k, v in by_level.items()}
    out[against_name] = against["all"] if "all" in against else next(iter(against.values()))
    return out


def _short(path: str) -> str:
    name = Path(path).name
    for suffix in (".gz", ".jsonl", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name[:16] or "reference"


def _load(path: str, levels: list[int] | None, per_level: int | None) -> list:
    from execgym.synth.rows import read_program_rows

    if str(path).startswith("corpus:"):
        from execgym.synth.corpus import report_rows

        rows = report_rows(str(path))  # the corpus's accepted programs, at the levels assigned to them
    else:
        rows = read_program_rows(path)
    if not rows:
        raise ValueError(f"{path} holds no program rows")
    if levels is not None:
        rows = [r for r in rows if r.level in levels]
        if not rows:
            raise ValueError(f"{path} has no rows at level(s) {levels}")
    if per_level is not None:
        taken: dict[Any, int] = {}
        kept = []
        for row in rows:
            if taken.get(row.level, 0) < per_level:
                taken[row.level] = taken.get(row.level, 0) + 1
                kept.append(row)
        rows = kept
    return rows


def own_programs(rows: list) -> bool:
    """All rows are execgym generator programs (then runs are strict: timeouts are retried, never verdicts)."""
    return all(row.meta.get("origin") == "synth" for row in rows)


def main(args: argparse.Namespace) -> int:
    from execgym.cli.synth import Progress, assess_rows
    from execgym.synth.decide import SynthesisError
    from execgym.synth.levels import parse_levels
    from execgym.synth.quality import format_summary, summarize_by_level

    for flag, value in (("--teacher", args.teacher), ("--shard", args.shard),
                        ("--difficulty-model", args.difficulty_model)):
        if value:
            return _err(f"--report measures a file and does not combine with {flag}")
    if args.output != "-":
        return _err("--report prints to stdout (use --json for JSON, --summary-json to also write it to a file)")
    if args.variants < 0:
        return _err("--variants must be >= 0")
    if args.n is not None and args.n < 1:
        return _err("-n must be >= 1 with --report (rows measured per level)")
    try:
        levels = parse_levels(args.level) if args.level else None
    except ValueError as exc:
        return _err(str(exc))
    loaded = {}
    for flag, path in (("--report", args.report), ("--against", args.against)):
        if path is None:
            continue
        try:
            loaded[flag] = _load(path, levels if flag == "--report" else None, args.n)
        except FileNotFoundError as exc:
            return _err(str(exc))
        except (ValueError, OSError, EOFError, UnicodeDecodeError) as exc:
            return _err(f"{flag} {path}: {exc}" if str(path) not in str(exc) else str(exc))
    rows = loaded["--report"]
    ref_rows = loaded.get("--against", [])
    progress = Progress(len(rows) + len(ref_rows), args.quiet, label="report", unit="row")
    started = time.perf_counter()
    try:
        qualities = assess_rows(rows, args, strict=own_programs(rows), progress=progress)
        ref_qualities = assess_rows(ref_rows, args, strict=own_programs(ref_rows), progress=progress)
    except SynthesisError as exc:
        progress.close()
        print(f"execgym synth: the sandbox could not measure the file: {exc}", file=sys.stderr)
        return 1
    progress.close()
    wall = round(time.perf_counter() - started, 2)
    by_level = summarize_by_level(qualities)
    against = summarize_by_level(ref_qualities) if ref_rows else None
    result = {"file": str(args.report), "rows": len(rows), "variants": args.variants, "seed": args.seed,
              "levels": by_level, "wall_s": wall}
    if against is not None:
        result["against"] = {"file": str(args.against), "rows": len(ref_rows), "levels": against}
    if args.details:
        with open(args.details, "w", encoding="utf-8") as handle:
            for row, q in zip(rows, qualities):
                handle.write(json.dumps({"row_id": row.row_id, **q.to_dict()}, sort_keys=True) + "\n")
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    head = f"{args.report}: {len(rows)} rows"
    if ref_rows:
        head += f"; against {args.against}: {len(ref_rows)} rows"
    print(f"{head}; 1 + {args.variants} calls per row; {wall:g} s")
    if str(args.report).startswith("corpus:"):
        from execgym.synth.corpus import report_line

        print(report_line(str(args.report)))
    print(format_summary(report_columns(by_level, against, _short(args.against or ""))))
    return 0
