"""Are built-in UnitTest-v0 tasks fully specified? Prints ONE JSON object.

Per level and generator, over ``--n`` built-in tasks (seeds ``--base`` .. ``--base + n - 1``), from fresh sandbox
traces of the reference (``execgym.tasks.spec_audit.audit``):
``coverage`` = fraction of tasks whose hidden tests' branch outcomes are all reached by visible examples;
``shape_violations`` = tests whose arguments leave the stated input shapes; ``fallbacks`` = constructs the
specification had to write as code (total and tasks with any); ``memorise_mean`` = mean reward of the
memorising baseline (lookup table of the visible examples, default of the return type otherwise);
``gold_min`` / ``gold_mean`` = the reference's reward (must be 1.0); mean visible / hidden test counts.

Usage: ``python benchmarks/unittest_spec.py [--n 200] [--levels 1-8] [--generators ops,patterns]
[--statement full|brief]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from execgym.synth.levels import parse_levels


def run_level(level: int, n: int, base: int, generator: str, statement: str) -> dict:
    from execgym.tasks import make_task
    from execgym.tasks.spec_audit import audit

    rows, errors = [], []
    t0 = time.perf_counter()
    for seed in range(base, base + n):
        spec = {
            "env": "UnitTest-v0",
            "level": level,
            "seed": seed,
            "options": {"generator": generator, "statement": statement},
        }
        try:
            rows.append(audit(make_task(spec)))
        except Exception as exc:  # noqa: BLE001 - a build failure is reported, not fatal
            errors.append(f"seed {seed}: {type(exc).__name__}: {str(exc)[:200]}")
    k = max(len(rows), 1)
    return {
        "level": level,
        "generator": generator,
        "tasks": len(rows),
        "build_errors": len(errors),
        "first_errors": errors[:3],
        "coverage": sum(r["covered"] for r in rows) / k,
        "shape_violations": sum(r["shape_violations"] for r in rows),
        "fallbacks": sum(r["fallbacks"] for r in rows),
        "tasks_with_fallback": sum(1 for r in rows if r["fallbacks"]),
        "memorise_mean": round(sum(r["memorise"] for r in rows) / k, 4),
        "memorise_max": max((r["memorise"] for r in rows), default=0.0),
        "gold_min": min((r["gold"] for r in rows), default=0.0),
        "gold_mean": round(sum(r["gold"] for r in rows) / k, 4),
        "mean_visible": round(sum(r["n_visible"] for r in rows) / k, 2),
        "mean_hidden": round(sum(r["n_hidden"] for r in rows) / k, 2),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--base", type=int, default=0)
    ap.add_argument("--levels", default="1-8")
    ap.add_argument("--generators", default="ops,patterns")
    ap.add_argument("--statement", default="full", choices=("full", "brief"))
    args = ap.parse_args(argv)
    out = {"n": args.n, "statement": args.statement, "load": os.getloadavg(), "levels": []}
    for generator in args.generators.split(","):
        for level in parse_levels(args.levels):
            out["levels"].append(run_level(level, args.n, args.base, generator.strip(), args.statement))
            print(json.dumps(out["levels"][-1]), file=sys.stderr, flush=True)
    out["ok"] = all(
        r["coverage"] == 1.0 and r["shape_violations"] == 0 and r["gold_min"] == 1.0 for r in out["levels"]
    )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
