"""Helpers shared by the Gymnasium-layer tests (tests/gym); put on sys.path by conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import execgym  # noqa: F401  (registers the environments)

REPO = Path(__file__).resolve().parents[2]
ENV_NAMES = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0")
# (env name, extra kwargs) for every mode a test should cover
ENV_VARIANTS = (
    ("ExecNext-v0", {}),
    ("ExecNext-v0", {"mode": "stepwise"}),
    ("ExecVar-v0", {}),
    ("ExecVar-v0", {"mode": "stepwise"}),
    ("ExecIO-v0", {}),
    ("ExecIO-v0", {"whitebox": False}),
    ("ExecOI-v0", {}),
    ("UnitTest-v0", {}),
    ("UnitTest-v0", {"max_turns": 2}),
    ("ExecAudit-v0", {}),
)


def variant_id(variant: tuple[str, dict]) -> str:
    name, kwargs = variant
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def run_python(code: str, *, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (from the repo root); raises if it fails."""
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"subprocess failed:\nSTDOUT:\n{proc.stdout}\nSTDERR:\n{proc.stderr}"
    return proc
