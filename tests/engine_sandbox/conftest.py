"""Shared fixtures for the sandbox tests: one pool per module, host-state helpers."""

from __future__ import annotations

import os

import psutil
import pytest

from execgym.engine.pool import Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=2) as sb:
        yield sb


@pytest.fixture(scope="module")
def layers(sandbox) -> dict:
    return sandbox.layers()


def descendants() -> list[psutil.Process]:
    """Live (non-zombie) descendants of the test process."""
    out = []
    for p in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            pass
    return out


def assert_no_leftovers(sb: Sandbox | None = None) -> None:
    """Every live descendant of this test process is a fork-server worker process."""
    import time

    from execgym.engine.pool import LIVE_WORKERS

    deadline = time.monotonic() + 3
    while True:
        servers: set[int] = set()
        for w in list(LIVE_WORKERS):
            servers |= w.server_pids()
        extra = []
        for p in descendants():
            if p.pid not in servers:
                try:
                    extra.append((p.pid, p.ppid(), p.cmdline()[:3]))
                except psutil.Error:
                    pass
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"leftover processes: {extra}"


@pytest.fixture
def no_leftovers():
    """``no_leftovers(sb)`` asserts that no process outlived its execution."""
    return assert_no_leftovers
