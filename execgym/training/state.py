"""The per-workdir progress file that makes ``execgym train --resume`` skip completed stages.

Contract: ``RunState.load(workdir)`` reads ``<workdir>/state.json`` (or starts empty);
``mark(stage, status, **fields)`` updates one stage and writes the file atomically (temp file +
rename), so an interruption at any point leaves either the old or the new state, never half a file.
Statuses: ``data_built``, ``trained``, ``done`` (trained, checkpoint checked, evaluated), ``failed``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"


@dataclass
class RunState:
    path: Path
    schedule: str = ""
    schedule_digest: str = ""
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, workdir: str | Path) -> RunState:
        path = Path(workdir) / STATE_FILE
        if not path.exists():
            return cls(path=path)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            path=path,
            schedule=str(data.get("schedule", "")),
            schedule_digest=str(data.get("schedule_digest", "")),
            stages={str(k): dict(v) for k, v in dict(data.get("stages", {})).items()},
        )

    def status(self, stage: str) -> str:
        return str(self.stages.get(stage, {}).get("status", ""))

    def mark(self, stage: str, status: str, **fields: Any) -> None:
        entry = self.stages.setdefault(stage, {})
        entry.update(fields)
        entry["status"] = status
        entry["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        payload = {"schedule": self.schedule, "schedule_digest": self.schedule_digest, "stages": self.stages}
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
