"""Cost of the restricted policy: the same programs under ``trusted`` and ``restricted``, side by side.

Runs ``child.execute`` in fresh subprocesses (one per code root and policy, no sandbox: the programs
are the benign ordinary corpus of tests/engine_trace/policy_programs.py plus three attribute-heavy
loops), ``--rounds`` times each, and prints one JSON object with the CPU seconds per round of each
and the restricted/trusted ratio. ``--baseline ROOT`` adds the same figures for the ``execgym`` in
another checkout (for instance the previous policy), measured in the same run.
Usage: ``python benchmarks/policy.py [--rounds 5] [--baseline /path/to/old/checkout]``.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LOOPS = {
    "attr_loop": (
        """
class P:
    def __init__(self, x):
        self.x = x
        self._y = x + 1

def f(n):
    ps = [P(i) for i in range(n)]
    total = 0
    for p in ps:
        total += p.x + p._y
    return total
""",
        "f(20000)",
    ),
    "module_attr_loop": (
        """
import math

def f(n):
    return sum(math.sqrt(i) + math.floor(i / 3) for i in range(n))
""",
        "f(20000)",
    ),
    "format_loop": (
        """
class P:
    def __init__(self, name):
        self.name = name

def f(n):
    return len("".join("{0.name}-{1}".format(P(str(i)), i) for i in range(n)))
""",
        "f(5000)",
    ),
}

RUNNER = r"""
import contextlib, io, json, sys, time
sys.path.insert(0, sys.argv[1])
from execgym.engine.child import execute
programs, policy, rounds = json.load(sys.stdin), sys.argv[2], int(sys.argv[3])
times = []
for _ in range(rounds):
    t0 = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        for src, call in programs.values():
            execute({"source": src, "call": call, "policy": policy})
    times.append(time.process_time() - t0)
print(json.dumps(times))
"""


def measure(root: Path, programs: dict, policy: str, rounds: int) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(root), policy, str(rounds)],
        input=json.dumps(programs),
        capture_output=True,
        text=True,
        check=True,
        cwd="/tmp",
    )
    return min(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--baseline", type=Path, default=None, help="root of another checkout to compare")
    args = ap.parse_args()
    ordinary = runpy.run_path(str(REPO / "tests/engine_trace/policy_programs.py"))["ORDINARY"]
    sets = {"ordinary_corpus": ordinary, **{k: {k: v} for k, v in LOOPS.items()}}
    roots = {"current": REPO, **({"baseline": args.baseline} if args.baseline else {})}
    out: dict = {"rounds": args.rounds, "cpu_s_min_over_rounds": {}, "load": os.getloadavg()}
    for label, root in roots.items():
        for name, programs in sets.items():
            trusted = measure(root, programs, "trusted", args.rounds)
            restricted = measure(root, programs, "restricted", args.rounds)
            out["cpu_s_min_over_rounds"][f"{label}:{name}"] = {
                "trusted": round(trusted, 4),
                "restricted": round(restricted, 4),
                "ratio": round(restricted / trusted, 2) if trusted else None,
            }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
