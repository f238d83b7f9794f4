"""The same (env, level, seed) gives the same prompt, spec and gold answer in any process, any PYTHONHASHSEED."""

from __future__ import annotations

import json

from gymtest_helpers import run_python

FINGERPRINT = r"""
import hashlib, json, gymnasium as gym, execgym
out = {}
for name in ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0"):
    for level in (1, 4, 6):
        env = gym.make(f"execgym/{name}", level=level)
        obs, info = env.reset(seed=31 + level)
        nxt, info2 = env.reset()  # the next task seed comes from the env's own seeded generator
        blob = json.dumps([obs, info["task"], env.unwrapped.gold_response(), nxt, info2["task"]], sort_keys=True)
        out[f"{name}/{level}"] = hashlib.sha256(blob.encode()).hexdigest()
print(json.dumps(out, sort_keys=True))
"""


def test_tasks_are_identical_across_processes_and_hash_seeds():
    runs = [
        json.loads(run_python(FINGERPRINT, env={"PYTHONHASHSEED": seed}).stdout.strip().splitlines()[-1])
        for seed in ("0", "12345", "random")
    ]
    assert len(runs[0]) == 18
    assert runs[0] == runs[1] == runs[2]
