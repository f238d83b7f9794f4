"""``execgym trace FILE --call "f(1, 'a')"``: trace one call in the sandbox and print its steps.

The default output is a table with one row per step: step number, event, function and frame,
line, count, the source text of the line and the variables the step changed (the difference
between the frame's variables before this step and before its next step), or the returned
value / raised exception. A long trace (a call that never ends stops at ``--max-steps``) shows its first
``--head`` and last ``--tail`` rows with the number of steps left out between them; ``--all`` shows every
row. ``--json`` prints ``ExecutionTrace.to_dict()`` instead.
Exit status: 0 when the traced call ended ``ok``, 1 otherwise, 2 for a usage error (an unreadable file, a
``--call`` that is not a Python expression).
"""

from __future__ import annotations

import argparse
import json
import reprlib
import sys
from typing import Any

_EVENT_MARK = {"call": "call", "line": "", "return": "return", "exception": "raise"}


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("trace", help="trace a call of a Python file in the sandbox",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="Python source file ('-' reads stdin)")
    p.add_argument("--call", required=True, help="call expression, e.g. \"f(1, 'a')\"")
    p.add_argument("--json", action="store_true", help="print the trace as JSON")
    p.add_argument("--policy", choices=("trusted", "restricted"), default="trusted",
                   help="'restricted' also applies the restricted-execution policy (docs/restricted-policy.md)")
    p.add_argument("--max-steps", type=int, default=10_000,
                   help="stop the trace after this many steps (outcome output_limit)")
    p.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds")
    p.add_argument("--width", type=int, default=40, help="source column width")
    p.add_argument("--head", type=int, default=20, help="rows shown from the start of a long trace")
    p.add_argument("--tail", type=int, default=10, help="rows shown from the end of a long trace")
    p.add_argument("--all", action="store_true", help="show every row of a long trace")
    p.set_defaults(handler=_handle)
    return p


def _short() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxstring, r.maxother, r.maxlevel = 40, 40, 3
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdict = 8
    return r


def _same(a: Any, b: Any) -> bool:
    from execgym.engine.codec import encode

    return json.dumps(encode(a), sort_keys=True) == json.dumps(encode(b), sort_keys=True)


def _changes(steps: list[Any], i: int) -> dict[str, Any] | None:
    """Variables step ``i`` changed: compare with the next step of the same frame."""
    step = steps[i]
    for nxt in steps[i + 1:]:
        if nxt.frame == step.frame:
            before, after = step.locals, nxt.locals
            out = {k: v for k, v in after.items() if k not in before or not _same(before[k], v)}
            out.update({k: "<deleted>" for k in before if k not in after})
            return out
    return None


def format_table(trace: Any, source: str, width: int = 40, head: int | None = None, tail: int = 0) -> str:
    """The readable step table for ``trace`` of ``source``.

    With ``head`` set and more than ``head + tail`` steps, only the first ``head`` and the last ``tail`` rows
    are shown, with a line counting the steps left out. Columns keep their alignment at any step count.
    """
    lines = source.splitlines()
    short = _short()
    steps = list(trace.steps)
    w_num = max(4, len(str(len(steps))))
    w_line = max(4, *(len(str(s.line)) for s in steps)) if steps else 4
    w_count = max(5, *(len(str(s.count)) for s in steps)) if steps else 5
    shown: list[int | None] = list(range(len(steps)))
    if head is not None and len(steps) > head + tail:
        head, tail = max(0, head), max(0, tail)
        shown = [*range(head), None, *range(len(steps) - tail, len(steps))]
    rows = []
    if steps:
        rows.append(f"{'#':>{w_num}}  {'event':6} {'function':16} {'line':>{w_line}} {'count':>{w_count}}  "
                    f"{'source':{width}}  changes")
    for i in shown:
        if i is None:
            left_out = len(steps) - head - tail
            rows.append(f"{'...':>{w_num}}  {left_out:,} steps not shown (--all shows every step, "
                        "--head/--tail set how many)")
            continue
        s = steps[i]
        text = lines[s.line - 1].strip() if 0 < s.line <= len(lines) else ""
        if len(text) > width:
            text = text[: width - 3] + "..."
        if s.event == "call":
            detail = ", ".join(f"{k}={short.repr(v)}" for k, v in s.locals.items())
        elif s.event == "return":
            detail = "-> " + short.repr(s.value)
        elif s.event == "exception":
            v = s.value if isinstance(s.value, dict) else {}
            detail = f"{v.get('type', '?')}: {v.get('message', '')}"
        else:
            ch = _changes(steps, i)
            detail = "" if not ch else ", ".join(
                f"{k}={v if v == '<deleted>' else short.repr(v)}" for k, v in ch.items())
        fn = f"{s.function}#{s.frame}"
        rows.append(f"{i + 1:>{w_num}}  {_EVENT_MARK[s.event]:6} {fn[:16]:16} {s.line:>{w_line}} "
                    f"{s.count:>{w_count}}  {text:{width}}  {detail}")
    status = f"outcome: {trace.outcome.value}"
    if trace.outcome.value == "ok":
        status += f"  return: {short.repr(trace.return_value)}"
    elif trace.error is not None:
        where = f" (line {trace.error.line})" if trace.error.line else ""
        status += f"  {trace.error.type}: {trace.error.message}{where}"
    if trace.truncated:
        status += "  [truncated]"
    backend = f"{trace.backend} {trace.python}".strip() if trace.backend else "none (the call never ran)"
    status += f"  steps: {len(steps):,}  backend: {backend}"
    rows.append(status)
    return "\n".join(rows)


def check_call(call: str) -> None:
    """Raise ``UsageError`` unless ``call`` parses as one Python expression."""
    from execgym import astparse
    from execgym.validation import UsageError

    try:
        astparse.parse(call, mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise UsageError(f"--call {call!r} is not a Python expression: {exc.msg}{col}") from None


def _handle(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            source = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                source = fh.read()
    except OSError as exc:
        print(f"execgym trace: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    check_call(args.call)
    import execgym

    kwargs: dict[str, Any] = {"timeout": args.timeout, "max_steps": args.max_steps}
    if args.policy != "trusted":
        kwargs["policy"] = args.policy
    trace = execgym.trace(source, args.call, **kwargs)
    if args.json:
        print(json.dumps(trace.to_dict(), indent=1))
    else:
        print(format_table(trace, source, args.width, head=None if args.all else args.head, tail=args.tail))
        if trace.stdout:
            print("stdout:")
            print(trace.stdout, end="" if trace.stdout.endswith("\n") else "\n")
    return 0 if trace.outcome.value == "ok" else 1
