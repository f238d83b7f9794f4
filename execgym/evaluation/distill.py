"""Verified distillation: SFT rows from a teacher's responses that execgym verifies.

``distill_rows(records)`` keeps the episode records that are ``correct`` at the top reward (every
step, for stepwise episodes) and turns each into a chat-format SFT row: ``messages`` (the whole
conversation, multi-turn included), ``prompt``, ``response``, ``task`` (the task spec as JSON text, so
the row can be re-scored with ``execgym.score``), ``env``, ``level``, ``seed`` and ``reward``.
Unlike the reference (which kept unverified O->I samples), nothing unverified is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def verified(record: dict[str, Any]) -> bool:
    if record.get("outcome") in ("model_error", "error", "format_error"):
        return False
    reward, top = float(record.get("reward", 0.0)), float(record.get("max_reward", 1.0))
    multi = len(record.get("turns") or []) > 1
    return bool(record.get("correct")) and (multi or reward >= top - 1e-9)


def conversation(record: dict[str, Any], system: str | None = None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": record.get("prompt", "")})
    turns = record.get("turns") or [{"response": record.get("response", "")}]
    for turn in turns:
        messages.append({"role": "assistant", "content": turn["response"]})
        if "observation" in turn:
            messages.append({"role": "user", "content": turn["observation"]})
    return messages


def distill_rows(records: Iterable[dict[str, Any]], *, per_task: int = 1, system: str | None = None) -> list[dict]:
    """Verified SFT rows, at most ``per_task`` per task (the first samples win), in record order."""
    rows: list[dict] = []
    taken: dict[tuple, int] = {}
    for rec in sorted(records, key=lambda r: (str(r["task"]), str(r.get("level")), str(r["item"]), r["sample"])):
        if not verified(rec):
            continue
        key = (rec["task"], rec.get("level"), rec["item"])
        if taken.get(key, 0) >= per_task:
            continue
        taken[key] = taken.get(key, 0) + 1
        messages = conversation(rec, system)
        rows.append({
            "messages": messages,
            "prompt": rec.get("prompt", ""),
            "response": rec.get("response", ""),
            "task": json.dumps(rec.get("spec"), sort_keys=True, ensure_ascii=False),
            "env": rec["task"],
            "level": rec.get("level"),
            "seed": rec.get("seed"),
            "reward": rec.get("reward"),
            "teacher": rec.get("model"),
        })
    return rows
