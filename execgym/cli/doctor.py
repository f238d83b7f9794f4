"""``execgym doctor``: measure which sandbox isolation layers are active on this machine."""

from __future__ import annotations

import argparse
import json
import platform
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "doctor", help="check which sandbox isolation layers are active (by canary probes)",
        description="Runs canary programs through a real sandbox and reports, per isolation layer, "
                    "whether it is active and the evidence. Exit code 1 if a layer is missing.")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from execgym.engine.probes import run_probes

    report = run_probes()
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0 if report.get("checks") and all(c["active"] for c in report["checks"]) else 1
    print(f"execgym sandbox doctor: Python {platform.python_version()} on {platform.system()} "
          f"{platform.release()} ({platform.machine()})")
    if report.get("error"):
        print(f"ERROR: {report['error']}")
        return 1
    width = max(len(c["layer"]) for c in report["checks"])
    for c in report["checks"]:
        mark = "active " if c["active"] else "MISSING"
        print(f"  {c['layer']:<{width}}  {mark}  {c['evidence']}")
    reported = report.get("reported", {})
    ident = reported.get("identity") or {}
    if ident:
        print(f"  identity: children run as uid {ident.get('child_uid')} -> host uid "
              f"{ident.get('child_host_uid')} gid {ident.get('child_host_gid')}; worker -> host uid "
              f"{ident.get('worker_host_uid')} ({ident.get('mapping')})")
    if reported.get("seccomp"):
        print(f"  seccomp backend: {reported.get('seccomp_backend')}")
    notes = reported.get("notes") or []
    for note in notes:
        print(f"  note: {note}")
    missing = [c["layer"] for c in report["checks"] if not c["active"]]
    if missing:
        print(f"{len(missing)} layer(s) missing: {', '.join(missing)}. The other layers still apply; "
              "see docs/sandbox.md.")
        return 1
    print("all layers active")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace(json=False)))
