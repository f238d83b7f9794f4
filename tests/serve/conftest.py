"""Fixtures of the reward-service tests: one shared ``execgym serve`` subprocess and task items."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("prometheus_client")
httpx = pytest.importorskip("httpx")

from servelib import ENVS, start_server, wrong_answers  # noqa: E402


@pytest.fixture(scope="session")
def server():
    srv = start_server("--max-batch", "300", "--max-body-mb", "2", "--sandbox-workers", "2")
    yield srv
    assert srv.stop() == 0


@pytest.fixture(scope="session")
def client(server):
    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def items() -> list[tuple[dict, object]]:
    """(spec, response) pairs over every registered environment, levels 1-3, gold and odd responses."""
    import execgym

    out = []
    for env in ENVS:
        for level in (1, 2, 3):
            for seed in (0, 1):
                task = execgym.make_task({"env": env, "level": level, "seed": seed})
                minimal = {"env": env, "level": level, "seed": seed}
                out.append((task.spec, task.gold_response()))
                out.append((minimal, task.gold_response()))
                for response in wrong_answers(task)[: 3 if seed else 8]:  # <= the 300-item batch limit
                    out.append((task.spec, response))
    out.append(({"env": "NoSuch-v0", "level": 1, "seed": 0}, "x"))
    out.append(("not json {", "x"))
    out.append(({"env": "ExecIO-v0", "level": 99, "seed": 0}, "x"))
    return out
