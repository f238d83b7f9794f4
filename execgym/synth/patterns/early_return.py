"""Early returns: a loop that stops with ``break`` right before the function's last ``return`` now and then
returns from where it stops instead (``if len(parts) >= limit: return ', '.join(parts)``), as people write it.

Contract: ``returns_early(lines, r)`` takes an entry's body lines (indented four spaces, the last one
``return EXPR``) and gives them back with every ``break`` of the function's last loop replaced by ``return EXPR``
in ``EARLY_RETURN_SHARE`` of the drafts that have one, else unchanged (and nothing drawn from ``r``). The
program does the same either way: nothing runs between such a ``break`` and the ``return`` (the loop has no
``else`` and no loop inside it, the ``return`` follows it directly)."""

from __future__ import annotations

import random

EARLY_RETURN_SHARE = 0.5


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def returns_early(lines: list[str], r: random.Random) -> list[str]:
    """``lines`` with the last loop's ``break`` lines turned into the final ``return`` (see the module)."""
    if not lines or _indent(lines[-1]) != 4 or not lines[-1].lstrip().startswith("return "):
        return lines
    start = next((k for k in range(len(lines) - 2, -1, -1) if _indent(lines[k]) <= 4), None)
    if start is None or _indent(lines[start]) != 4 or not lines[start].lstrip().startswith(("for ", "while ")):
        return lines
    body = lines[start + 1:-1]
    if any(line.lstrip().startswith(("for ", "while ", "def ", "class ", "yield")) for line in body):
        return lines
    stops = [start + 1 + k for k, line in enumerate(body) if line.strip() == "break"]
    if not stops or r.random() >= EARLY_RETURN_SHARE:
        return lines
    out = list(lines)
    for k in stops:
        out[k] = " " * _indent(lines[k]) + lines[-1].lstrip()
    return out
