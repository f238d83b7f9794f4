"""Helpers for the reward-service tests: a real ``execgym serve`` subprocess on 127.0.0.1 and test items."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0")


@dataclass
class ServerProcess:
    proc: subprocess.Popen
    url: str
    stderr: list[str] = field(default_factory=list)

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def workers(self) -> list[psutil.Process]:
        """The sandbox fork-server workers (the service's or its scoring processes' children running the
        engine bootstrap; not the processes those fork)."""
        out = []
        for child in self.scorers() + [psutil.Process(self.proc.pid)]:
            out += child.children()
        return [w for w in out if _is_forkserver(w)]

    def scorers(self) -> list[psutil.Process]:
        """The scoring processes (children running ``execgym.serve.scorers``)."""
        out = []
        for child in psutil.Process(self.proc.pid).children():
            try:
                if "execgym.serve.scorers" in " ".join(child.cmdline()):
                    out.append(child)
            except psutil.NoSuchProcess:
                pass
        return out

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for child in self.children():
                child.kill()
            self.proc.kill()
            return self.proc.wait()


def _is_forkserver(proc: psutil.Process) -> bool:
    try:
        return "forkserver" in " ".join(proc.cmdline())
    except psutil.NoSuchProcess:
        return False


def start_server(*args: str, env: dict | None = None, timeout: float = 60.0) -> ServerProcess:
    """``python -m execgym serve --port 0 ARGS`` in a subprocess; waits for its ``listening on`` line."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT))
    full_env.pop("EXECGYM_REWARD_URL", None)
    full_env.pop("EXECGYM_RAY_ADDRESS", None)
    full_env.pop("EXECGYM_SERVE_TOKEN", None)
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "execgym", "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=full_env,
        cwd=ROOT,
    )
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"listening on (http://\S+)", line)
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout) or not found:
        proc.kill()
        raise RuntimeError(f"server did not start: {''.join(lines)[-2000:]}")
    return ServerProcess(proc, found[0], lines)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return False


def slow_unittest_response(spec: dict, iterations: int) -> str:
    """A UnitTest answer whose every test loops ``iterations`` times (and fails)."""
    entry = spec["problem"]["entry"]
    return (
        f"<answer>\n```python\ndef {entry}(*a):\n    n = 0\n    for i in range({iterations}):\n"
        f"        n += 1\n    return n\n```\n</answer>"
    )


def wrong_answers(task) -> list:
    """Responses every task family must score without raising: wrong, malformed, hostile, non-text."""
    return [
        "<answer>\n0\n</answer>",
        "",
        "no answer block at all",
        "<answer>\n```python\nimport os\nos.system('echo pwned')\n```\n</answer>",
        "<answer>\n__import__('os').getpid()\n</answer>",
        "<answer>\n" + "9" * 5000 + "\n</answer>",
        "\x00\ud7ff <answer>\u2603</answer>",
        5,
        None,
        ["a list"],
    ]


def slow_gold_response(task, iterations: int) -> str:
    """The task's gold UnitTest answer with a busy loop of ``iterations`` at the top of the function."""
    entry = task.spec["problem"]["entry"]
    lines = task.gold_response().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"def {entry}("))
    lines[at + 1 : at + 1] = [f"    for _i in range({iterations}):", "        pass"]
    return "\n".join(lines)
