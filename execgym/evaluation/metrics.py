"""Aggregate episode records into summary rows.

A row per (task, level) with ``n`` (scored episodes), ``mean_reward``, ``accuracy`` (fraction
``correct``, 0..1), ``format_error_rate``, ``official_accuracy`` (benchmarks: the official protocol's
pass@1, else None), ``pass_at_k`` (unbiased estimator over the samples of each item, for k = 1 and
k = samples, or the ``ks`` asked for; an item with fewer than k samples does not enter pass@k), and ``model_errors`` (episodes the model backend failed on; excluded from ``n``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k); requires 0 <= c <= n, k >= 1."""
    if n < 1 or k < 1 or c < 0 or c > n:
        raise ValueError(f"pass_at_k needs 0 <= c <= n, n >= 1, k >= 1 (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def official_item_score(results: list[bool | None]) -> float:
    """An item's official pass@1 from its samples' official verdicts (None = dropped by a skip rule).

    As CRUXEval/LiveCodeBench do: dropped generations shrink n; when none is left the item scores 0.
    """
    kept = [r for r in results if r is not None]
    if not kept:
        return 0.0
    return sum(1 for r in kept if r) / len(kept)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def latest_records(records: Iterable[dict]) -> list[dict]:
    """One record per key, the last one written wins (a resumed run may rewrite failed episodes)."""
    by_key: dict[str, dict] = {}
    for rec in records:
        by_key[rec["key"]] = rec
    return list(by_key.values())


def summarize_group(records: list[dict], task: str, level: int | None,
                    ks: Iterable[int] | None = None) -> dict[str, Any]:
    scored = [r for r in records if r.get("outcome") != "model_error"]
    n = len(scored)
    row: dict[str, Any] = {
        "task": task,
        "level": level,
        "n": n,
        "mean_reward": _mean([float(r.get("reward", 0.0)) for r in scored]),
        "accuracy": _mean([1.0 if r.get("correct") else 0.0 for r in scored]),
        "format_error_rate": _mean([1.0 if r.get("outcome") == "format_error" else 0.0 for r in scored]),
        "official_accuracy": None,
        "model_errors": len(records) - n,
    }
    by_item: dict[str, list[dict]] = defaultdict(list)
    for r in scored:
        by_item[str(r.get("item"))].append(r)
    if by_item:
        samples = max(len(v) for v in by_item.values())
        row["pass_at_k"] = {
            str(k): _mean([pass_at_k(len(v), sum(1 for r in v if r.get("correct")), k)
                           for v in by_item.values() if len(v) >= k])
            for k in sorted(set(ks) if ks else {1, samples})
        }
    else:
        row["pass_at_k"] = {}
    if any("official" in r for r in scored):
        row["official_accuracy"] = _mean([official_item_score([r.get("official") for r in v]) for v in by_item.values()])
    tokens = [int(r.get("completion_tokens") or 0) for r in scored]
    row["mean_completion_tokens"] = _mean([float(t) for t in tokens])
    for key in ("mean_reward", "accuracy", "format_error_rate", "official_accuracy"):
        if row[key] is not None and not math.isfinite(row[key]):
            row[key] = None
    return row


def summarize(records: Iterable[dict], extra_rows: Any = None, ks: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Rows per (task, level), environments ordered by first appearance then level."""
    records = latest_records(records)
    groups: dict[tuple[str, int | None], list[dict]] = {}
    for r in records:
        groups.setdefault((r["task"], r.get("level")), []).append(r)
    order = {}
    for r in records:
        order.setdefault(r["task"], len(order))
    keys = sorted(groups, key=lambda k: (order[k[0]], -1 if k[1] is None else k[1]))
    rows = [summarize_group(groups[k], k[0], k[1], ks) for k in keys]
    if extra_rows is not None:
        rows.extend(extra_rows(records))
    return rows
