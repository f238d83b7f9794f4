"""CPU cost of scoring one response, per environment and level (the numbers behind docs/scaling.md).

For every environment and level: builds ``--tasks`` tasks (not timed), then scores each task's gold answer and a
wrong answer with ``execgym.score_batch`` (one batch per env and level, as a trainer's reward step does) and
measures the CPU seconds spent by this process plus every sandbox process (fork-server workers, their zygotes
and the reaped execution children), read with psutil before and after. CPU time, unlike wall time, is not
inflated much by other jobs on a loaded machine. Prints one JSON object (``--markdown``: also a table on stderr).

    python benchmarks/scoring_cost.py [--tasks 12] [--levels 1-8] [--envs ExecIO-v0,UnitTest-v0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import psutil

ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0")


def cpu_seconds() -> float:
    """CPU time of this process and all its descendants (children's reaped children included)."""
    total = 0.0
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def wrong_answer(task) -> str:
    gold = task.gold_response()
    if task.spec["env"] == "UnitTest-v0":  # code that runs every test and fails them
        entry = task.spec["problem"]["entry"]
        return f"<answer>\n```python\ndef {entry}(*args):\n    return None\n```\n</answer>"
    return "<answer>\n" + "\n".join("0" for _ in gold.split("\n")[2:-1]) + "\n</answer>"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=12, help="tasks per env and level (2 responses each)")
    ap.add_argument("--levels", default="1-8")
    ap.add_argument("--envs", default=",".join(ENVS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    lo, _, hi = args.levels.partition("-")
    levels = list(range(int(lo), int(hi or lo) + 1))

    import execgym

    warm = [execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": i}) for i in range(4)]
    execgym.score_batch(
        [t.spec for t in warm], [t.gold_response() for t in warm]
    )  # start every sandbox worker
    load_start = os.getloadavg()
    rows = []
    for env in args.envs.split(","):
        for level in levels:
            tasks = [
                execgym.make_task({"env": env, "level": level, "seed": args.seed + i})
                for i in range(args.tasks)
            ]
            specs = [t.spec for t in tasks for _ in range(2)]
            responses = [r for t in tasks for r in (t.gold_response(), wrong_answer(t))]
            c0, w0 = cpu_seconds(), time.perf_counter()
            scores = execgym.score_batch(specs, responses)
            c1, w1 = cpu_seconds(), time.perf_counter()
            n = len(responses)
            gold_ok = sum(s.outcome == "correct" for s in scores[::2])
            rows.append(
                {
                    "env": env,
                    "level": level,
                    "responses": n,
                    "cpu_ms_per_response": round((c1 - c0) / n * 1e3, 2),
                    "wall_ms_per_response": round((w1 - w0) / n * 1e3, 2),
                    "gold_correct": f"{gold_ok}/{len(tasks)}",
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "benchmark": "scoring_cost",
                "tasks_per_level": args.tasks,
                "rows": rows,
                "machine": {
                    "cpus": os.cpu_count(),
                    "load_avg_start": [round(x, 2) for x in load_start],
                    "load_avg_end": [round(x, 2) for x in os.getloadavg()],
                },
            }
        )
    )
    if args.markdown:
        by_env: dict[str, dict[int, float]] = {}
        for r in rows:
            by_env.setdefault(r["env"], {})[r["level"]] = r["cpu_ms_per_response"]
        print("| env | " + " | ".join(f"L{lv}" for lv in levels) + " |", file=sys.stderr)
        print("|---|" + "---|" * len(levels), file=sys.stderr)
        for env, cells in by_env.items():
            print(
                f"| {env} | " + " | ".join(f"{cells.get(lv, float('nan')):.2f}" for lv in levels) + " |",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
