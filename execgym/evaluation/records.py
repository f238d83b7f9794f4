"""The episodes JSONL file: one JSON object per line, appended as episodes finish; resumable.

``episode_key(task, level, item_id, sample)`` identifies an episode. ``read_records(path)`` returns
the records of a (possibly partial) file, skipping a torn last line. A record whose ``outcome`` is
``model_error`` does not count as done: a resumed run tries it again and appends the new record
(readers keep the last record per key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def episode_key(task: str, level: int | None, item_id: str, sample: int) -> str:
    return json.dumps([task, level, str(item_id), int(sample)], separators=(",", ":"))


def read_records(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    records = []
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line from an interrupted run
            if isinstance(rec, dict) and "key" in rec:
                records.append(rec)
    return records


def done_keys(records: Iterable[dict]) -> set[str]:
    latest: dict[str, dict] = {}
    for rec in records:
        latest[rec["key"]] = rec
    return {k for k, r in latest.items() if r.get("outcome") != "model_error"}


class RecordWriter:
    """Appends records line by line (flushed), first cutting off a torn last line if there is one."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            data = self.path.read_bytes()
            if not data.endswith(b"\n"):  # drop the torn last line of an interrupted run
                with self.path.open("r+b") as fh:
                    fh.truncate(data.rfind(b"\n") + 1)
        self._fh = self.path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(repr(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)
