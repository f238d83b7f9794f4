"""Fixtures for the trainer-hook tests; helpers live in agents_testlib.py (imported via this folder)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agents_testlib import FLAGS_FIXTURE, HOOKS, load_by_path, make_openrlhf_standins


@pytest.fixture(autouse=True)
def first_batch_passed():
    """Most hook tests feed odd labels on purpose: treat the first-batch label check as passed (the tests of
    that check, test_agents_first_batch.py, reset it themselves)."""
    from execgym.training import hooks

    hooks._first_batch_passed.update(hooks.LABEL_COLUMNS)
    yield
    hooks.reset_first_batch_checks()


@pytest.fixture
def agent_module(monkeypatch):
    """The installed agent_func.py loaded by path against the OpenRLHF stand-ins."""
    for name, module in make_openrlhf_standins().items():
        monkeypatch.setitem(sys.modules, name, module)
    module = load_by_path(HOOKS / "agent_func.py", "agent_module")
    base = sys.modules["openrlhf.utils.agent"]
    assert issubclass(module.AgentExecutor, base.AgentExecutorBase)  # what _load_agent_executor asserts
    return module


@pytest.fixture(scope="session")
def reward_module():
    return load_by_path(HOOKS / "reward_func.py", "reward_module")


@pytest.fixture(scope="session")
def flag_names() -> dict[str, Any]:
    return json.loads(FLAGS_FIXTURE.read_text())


@pytest.fixture(scope="session")
def real_task():
    """Factory: a real task of ``env`` (level 2 by default) built through execgym.make_task."""

    def make(env: str, level: int = 2, seed: int = 3, options: dict | None = None):
        import execgym

        spec: dict[str, Any] = {"env": env, "level": level, "seed": seed}
        if options:
            spec["options"] = options
        try:
            return execgym.make_task(spec)
        except ImportError as exc:  # a layer of this checkout is not built yet
            pytest.skip(f"task layer unavailable: {exc}")

    return make
