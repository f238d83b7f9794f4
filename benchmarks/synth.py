"""Program-synthesis throughput (and, with ``--quality N``, the 10,000-program quality bars); prints ONE JSON object.

Per level: ``accepted_per_s`` = programs generated, executed, traced and filtered per second by
``generate_many`` (the ``execgym synth`` path: chunked sandbox calls over ``--workers`` workers, up to
``execgym.synth.api.IN_FLIGHT`` submissions filtered at once while the main process drafts the next; one
generating process, so on 2 cores the main process's drafting and trace decoding is the limit), plus the
acceptance rate, builder failures per accepted program and the builder's own time per candidate.
Baseline in the same run: level 4 with one sandbox call per program (``chunk=1``) instead of chunks of 16.

``--quality N`` also checks, on N programs per level (the issue's bars use N=10,000): every (type, operation)
entry is the focus of some program at every level, >= 80% of candidates survive the sandbox filter,
>= 99% of programs are distinct, mean trace length strictly increases from level 1 to 6 and the mean branch
count never decreases. ``ok`` in the output says whether all bars held.

``--mix N`` measures only the generator comparison of synthesis v2: programs per second over an equal mix of
levels 1-6 (``generate_many``, N seeds per level) for ``generator="patterns"`` in one generating process and
in ``--processes`` (default 2: ``generate_many(..., processes=2)``, the same programs) and for ``"ops"`` in
one, with the sandbox's own traced runs per second measured before and after as the machine's yardstick, and
per run the CPU per program over every process and sandbox child (``cpu_ms_per_program``, steadier than the
rate from run to run) and the cores it kept busy (``cores_busy``). Every run applies the focus-effect rule
(``FilterConfig.focus_effect``, on by default); ``--no-focus-effect`` adds the pattern generator without it
over ``--processes`` processes (``patterns_no_focus_effect_processes_2``), so the rule's cost is measured in
the same run. Each run is measured in a fresh process: before 2026-12-07's seventh session the runs shared
one, and a run after the first re-drew the same seeds with the analyses' caches already filled, which made the
two-process run look up to 20% faster than a run of its own.

``--rounds R`` runs every configuration R times (the order reversed every other round) and reports each one's
median round; ``--baseline CHECKOUT`` adds another checkout's pattern generator to every round (its own
``benchmarks/synth.py --mix-run``, ``PYTHONPATH=CHECKOUT``) and ``vs_baseline``, the ratio of the medians: on a
machine whose speed moves from minute to minute (the yardstick), a pair measured in the same rounds is the
comparison that means something.

Usage: ``python benchmarks/synth.py [--n 200] [--levels 1-8] [--workers 2] [--quality 10000] [--mix 200 [--processes 2] [--no-focus-effect] [--rounds 3] [--baseline DIR]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

from execgym.synth.api import IN_FLIGHT, SynthStats, _draw, generate_many, item_seed
from execgym.synth.catalog import ALL_ENTRIES
from execgym.synth.filters import FilterConfig
from execgym.synth.levels import parse_levels

TARGET_PER_S = 200.0


def _run_level(level: int, n: int, base: int, config: FilterConfig) -> tuple[list, SynthStats, float]:
    stats = SynthStats()
    seeds = [item_seed(base, level, i) for i in range(n)]
    start = time.perf_counter()
    programs = generate_many(level, seeds, config=config, stats=stats, keep_traces=False)
    return programs, stats, time.perf_counter() - start


def _builder_ms(level: int, draws: int) -> float:
    start = time.perf_counter()
    for i in range(draws):
        _draw(level, item_seed(99, level, i), 0)
    return (time.perf_counter() - start) * 1000 / draws


def throughput(levels: list[int], n: int, workers: int | None) -> dict[str, Any]:
    config = FilterConfig(workers=workers)
    # warm the sandbox pool: enough seeds for several submissions in flight, so every worker has started
    generate_many(1, [item_seed(1, 1, i) for i in range(64)], config=config)
    out: dict[str, Any] = {}
    total_programs, total_time = 0, 0.0
    for level in levels:
        programs, stats, seconds = _run_level(level, n, 2024, config)
        total_programs += len(programs)
        total_time += seconds
        out[str(level)] = {
            "programs": len(programs),
            "seconds": round(seconds, 3),
            "accepted_per_s": round(len(programs) / seconds, 1),
            "acceptance_rate": round(stats.acceptance_rate, 4),
            "builder_failures_per_program": round(stats.build_failures / max(1, len(programs)), 2),
            "builder_ms_per_draw": round(_builder_ms(level, 100), 3),
        }
    return {"levels": out, "overall_accepted_per_s": round(total_programs / total_time, 1)}


def baseline(n: int, workers: int | None) -> dict[str, Any]:
    chunked = _run_level(4, n, 77, FilterConfig(workers=workers))
    single = _run_level(4, n, 77, FilterConfig(workers=workers, chunk=1))
    return {
        "level": 4, "programs": n,
        "chunked_per_s": round(len(chunked[0]) / chunked[2], 1),
        "one_call_per_program_per_s": round(len(single[0]) / single[2], 1),
        "same_programs": [p.to_dict() for p in chunked[0]] == [p.to_dict() for p in single[0]],
    }


def quality(n: int, workers: int | None) -> dict[str, Any]:
    config = FilterConfig(workers=workers)
    report: dict[str, Any] = {"n_per_level": n, "levels": {}}
    means: dict[int, tuple[float, float]] = {}
    ok = True
    all_entries = {"/".join(k) for k in ALL_ENTRIES}
    for level in range(1, 9):
        programs, stats, seconds = _run_level(level, n, 10_000, config)
        focus = {"/".join(p.focus) for p in programs}
        distinct = len({(p.source, p.call) for p in programs}) / max(1, len(programs))
        trace = sum(p.features["trace_length"] for p in programs) / len(programs)
        branches = sum(p.features["branches"] for p in programs) / len(programs)
        means[level] = (trace, branches)
        row = {"programs": len(programs), "seconds": round(seconds, 1),
               "acceptance_rate": round(stats.acceptance_rate, 4), "distinct": round(distinct, 4),
               "focus_covered": len(focus), "focus_missing": sorted(all_entries - focus),
               "mean_trace_length": round(trace, 2), "mean_branches": round(branches, 2),
               "rejected": dict(stats.rejected)}
        row["ok"] = stats.acceptance_rate >= 0.8 and distinct >= 0.99 and not row["focus_missing"]
        ok &= row["ok"]
        report["levels"][str(level)] = row
    traces = [means[level][0] for level in range(1, 7)]
    branches = [means[level][1] for level in range(1, 7)]
    report["trace_strictly_increasing_1_to_6"] = all(a < b for a, b in zip(traces, traces[1:]))
    report["branches_non_decreasing_1_to_6"] = all(a <= b for a, b in zip(branches, branches[1:]))
    report["ok"] = ok and report["trace_strictly_increasing_1_to_6"] and report["branches_non_decreasing_1_to_6"]
    return report


def code_under_test() -> dict[str, Any]:
    """Which execgym this run imported (its folder and, in a git checkout, its commit): a paired comparison of two
    checkouts must import each one's own package (``PYTHONPATH=<checkout>``), not an installed one."""
    import subprocess

    import execgym

    root = os.path.dirname(os.path.dirname(os.path.abspath(execgym.__file__)))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=False).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"execgym": root, "commit": commit}


def yardstick(runs: int, workers: int | None) -> dict[str, Any]:
    """The sandbox's own traced runs per second on this machine, now: ``runs`` small loop programs traced
    with ``run_batch`` over ``workers`` workers (the machine's speed in the same run)."""
    from execgym.engine.api import run_batch
    from execgym.engine.request import RunRequest

    source = ("def f(words):\n    out = []\n    for w in words:\n        if len(w) > 3:\n"
              "            out.append(w.upper())\n    return out\n")
    requests = [RunRequest(source, f"f({['ab', 'cdef', str(i), 'ghijk'][: i % 4 + 1]!r})", mode="trace")
                for i in range(runs)]
    run_batch(requests[:16], workers=workers)
    start = time.perf_counter()
    run_batch(requests, workers=workers)
    seconds = time.perf_counter() - start
    return {"traced_runs": runs, "seconds": round(seconds, 3), "traced_runs_per_s": round(runs / seconds, 1)}


def mix(n: int, workers: int | None, runs: list[tuple[str, int, bool]], rounds: int = 1,
        baseline: str | None = None) -> dict[str, Any]:
    """Programs per second over an equal mix of levels 1-6 (``n`` seeds per level) for each ``(generator,
    processes, focus_effect)`` run (``focus_effect``: ``FilterConfig.focus_effect``, on by default), with the
    sandbox yardstick measured before and after. Each run is measured in a fresh process (``mix_run``): runs
    in one process re-draw the same seeds' programs, so a later run would find the analyses' caches (parsed
    trees, static rules, compiled drafts) filled by an earlier one and look up to 20% faster than it is.
    ``rounds`` > 1 runs every configuration that many times, the order reversed every other round, and reports
    for each the round with the median programs/s (``rounds_programs_per_s``: every round's, in run order).
    ``baseline``: another execgym checkout whose pattern generator (default configuration, the last run's
    processes) runs in every round beside these (``baseline_patterns...``), from its own
    ``benchmarks/synth.py --mix-run`` with ``PYTHONPATH`` set to it: a before/after pair on the same machine in
    the same minutes."""
    import subprocess

    out: dict[str, Any] = {"n_per_level": n, "levels": "1-6", "yardstick_before": yardstick(400, workers),
                           "fresh_process_per_run": True, "rounds": rounds}
    extra = [] if workers is None else ["--workers", str(workers)]
    plan = []
    for generator, processes, focus_effect in runs:
        key = generator + ("" if focus_effect else "_no_focus_effect") + \
            ("" if processes == 1 else f"_processes_{processes}")
        plan.append((key, [sys.executable, os.path.abspath(__file__), "--mix-run", generator, str(processes),
                           "1" if focus_effect else "0", str(n)] + extra, None))
    if baseline is not None:
        processes = max(p for g, p, fe in runs if g == "patterns" and fe)
        env = {**os.environ, "PYTHONPATH": baseline}
        plan.append((f"baseline_patterns{'' if processes == 1 else f'_processes_{processes}'}",
                     [sys.executable, os.path.join(baseline, "benchmarks", "synth.py"), "--mix-run", "patterns",
                      str(processes), "1", str(n)] + extra, env))
        out["baseline"] = {"checkout": os.path.abspath(baseline), "commit": _commit_of(baseline)}
    series: dict[str, list[dict[str, Any]]] = {}
    for round_ in range(rounds):
        for key, command, env in (plan if round_ % 2 == 0 else plan[::-1]):
            done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            series.setdefault(key, []).append(json.loads(done.stdout))
    for key, results in series.items():
        ranked = sorted(results, key=lambda r: r["programs_per_s"])
        out[key] = {**ranked[(len(ranked) - 1) // 2],
                    "rounds_programs_per_s": [r["programs_per_s"] for r in results]}
    out["yardstick_after"] = yardstick(400, workers)
    out["load_average"] = list(os.getloadavg())
    return out


def _commit_of(checkout: str) -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", "-C", checkout, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def mix_run(generator: str, processes: int, focus_effect: bool, n: int, workers: int | None) -> dict[str, Any]:
    """One run of ``mix`` in this (fresh) process: a warm-up on seeds that are never measured (every level once,
    so each process has its sandbox workers started and each level's modules imported), then the measured
    seeds, with the CPU of this process and every descendant."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from scoring_cost import cpu_seconds  # this process and every descendant, reaped children included

    config = FilterConfig(workers=workers, focus_effect=focus_effect)
    for level in range(1, 7):
        generate_many(level, [item_seed(1, level, i) for i in range(32 * processes)], config=config,
                      generator=generator, processes=processes, keep_traces=False)
    rows: dict[str, Any] = {}
    total, seconds_all, cpu_all = 0, 0.0, 0.0
    for level in range(1, 7):
        stats = SynthStats()
        seeds = [item_seed(2024, level, i) for i in range(n)]
        cpu = cpu_seconds()
        start = time.perf_counter()
        programs = generate_many(level, seeds, config=config, stats=stats, keep_traces=False,
                                 generator=generator, processes=processes)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
        total += len(programs)
        seconds_all += seconds
        cpu_all += cpu
        rows[str(level)] = {"programs": len(programs), "per_s": round(len(programs) / seconds, 1),
                            "cpu_ms_per_program": round(1000 * cpu / max(1, len(programs)), 3),
                            "acceptance_rate": round(stats.acceptance_rate, 4),
                            "build_failures_per_program": round(stats.build_failures / max(1, len(programs)), 2),
                            "rejected": dict(stats.rejected)}
    return {"levels": rows, "programs_per_s": round(total / seconds_all, 1),
            "seconds": round(seconds_all, 1), "generating_processes": processes,
            # CPU of every process and sandbox child per program, and the cores that kept busy
            "cpu_ms_per_program": round(1000 * cpu_all / max(1, total), 3),
            "cores_busy": round(cpu_all / seconds_all, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="programs per level for throughput")
    parser.add_argument("--levels", default="1-8")
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: one per core)")
    parser.add_argument("--baseline-n", type=int, default=80)
    parser.add_argument("--quality", type=int, default=0, help="also check the quality bars on N per level")
    parser.add_argument("--mix", type=int, default=0, metavar="N",
                        help="only the generator comparison: programs/s over levels 1-6, N seeds per level, "
                             "pattern and operation generators, with the sandbox yardstick")
    parser.add_argument("--processes", type=int, default=2,
                        help="with --mix: also the pattern generator over this many generating processes "
                             "(generate_many(..., processes=N)); 1 to skip")
    parser.add_argument("--no-focus-effect", action="store_true",
                        help="with --mix: also the pattern generator without the focus-effect rule "
                             "(FilterConfig(focus_effect=False)) over --processes processes")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --mix: run every configuration this many times (alternating order) and report "
                             "each one's median round")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="with --mix: also run another execgym checkout's pattern generator in every round "
                             "(a before/after pair measured in the same minutes)")
    parser.add_argument("--mix-run", nargs=4, metavar=("GENERATOR", "PROCESSES", "FOCUS_EFFECT", "N"),
                        help=argparse.SUPPRESS)  # one run of --mix, in the fresh process ``mix`` starts
    args = parser.parse_args(argv)
    if args.mix_run:
        generator, processes, focus_effect, n = args.mix_run
        json.dump(mix_run(generator, int(processes), focus_effect == "1", int(n), args.workers), sys.stdout)
        return 0
    if args.processes < 1:
        parser.error("--processes must be >= 1")
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    if args.baseline is not None and not (os.path.isfile(os.path.join(args.baseline, "benchmarks", "synth.py"))
                                          and os.path.isdir(os.path.join(args.baseline, "execgym"))):
        parser.error(f"--baseline {args.baseline}: not an execgym checkout (no benchmarks/synth.py and execgym/)")
    if (args.rounds > 1 or args.baseline is not None) and not args.mix:
        parser.error("--rounds and --baseline go with --mix")
    if args.mix:
        runs = [("patterns", 1, True)] + ([("patterns", args.processes, True)] if args.processes > 1 else [])
        if args.no_focus_effect:
            runs.append(("patterns", args.processes, False))
        runs.append(("ops", 1, True))
        got = mix(args.mix, args.workers, runs, rounds=args.rounds, baseline=args.baseline)
        # the target is read on the default configuration (the focus-effect rule on), at its best process count
        best = max(got[k]["programs_per_s"] for k in got
                   if k.startswith("patterns") and "no_focus_effect" not in k)
        base = next((got[k]["programs_per_s"] for k in got if k.startswith("baseline_patterns")), None)
        result = {"benchmark": "synth-mix", "machine": {"python": platform.python_version(),
                                                        "cpus": os.cpu_count()},
                  "code": code_under_test(),
                  "target_programs_per_s": 500.0, "mix": got,
                  "patterns_best_programs_per_s": best, "meets_target": best >= 500.0}
        if base is not None:
            result["vs_baseline"] = round(best / base, 3)
        json.dump(result, sys.stdout, indent=2, sort_keys=True)
        print()
        return 0
    result: dict[str, Any] = {
        "benchmark": "synth",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "code": code_under_test(),
        "target_accepted_per_s": TARGET_PER_S,
        "generating_processes": 1, "submissions_in_flight": IN_FLIGHT,
    }
    result["throughput"] = throughput(parse_levels(args.levels), args.n, args.workers)
    result["baseline_chunk1_vs_chunk16"] = baseline(args.baseline_n, args.workers)
    rates = [row["accepted_per_s"] for row in result["throughput"]["levels"].values()]
    result["meets_target_every_level"] = min(rates) >= TARGET_PER_S
    if args.quality:
        result["quality"] = quality(args.quality, args.workers)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
