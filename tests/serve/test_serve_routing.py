"""Trainer hooks scoring through the service (``EXECGYM_REWARD_URL``) and the stdlib client's failover."""

from __future__ import annotations

import json
import re
import socket

import httpx

import execgym
from execgym.serve.client import RemoteScorer
from execgym.training import hooks


def _served(server) -> float:
    text = httpx.get(server.url + "/metrics").text
    m = re.search(r'execgym_serve_requests_total\{route="/score_batch",status="200"\} (\S+)', text)
    return float(m.group(1)) if m else 0.0


def _dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"


def test_hooks_score_through_the_service_with_one_env_var(server, items, monkeypatch):
    from execgym.training.adapters import trl_reward, verl_compute_score
    from execgym.training.hookfiles.reward_func import reward_func

    texts = [(s, r) for s, r in items if isinstance(r, str) and isinstance(s, dict)][:40]
    labels = [json.dumps(s) for s, _ in texts]
    queries = [r for _, r in texts]
    hooks._first_batch_passed.update(hooks.LABEL_COLUMNS)
    try:
        local = (
            reward_func(queries, [""] * len(queries), labels),
            [verl_compute_score("execgym", r, lab) for r, lab in zip(queries, labels)],
            trl_reward(None, queries, spec=labels),
        )
        before = _served(server)
        monkeypatch.setenv("EXECGYM_REWARD_URL", server.url + "/get_reward")  # OpenRLHF-style URL is accepted
        remote = (
            reward_func(queries, [""] * len(queries), labels),
            [verl_compute_score("execgym", r, lab) for r, lab in zip(queries, labels)],
            trl_reward(None, queries, spec=labels),
        )
        assert remote == local
        assert _served(server) - before == 1 + len(queries) + 1  # one batch, one per verl call, one batch
    finally:
        hooks.reset_first_batch_checks()


def test_client_fails_over_to_the_next_replica(server, items):
    specs, responses = [s for s, _ in items[:20]], [r for _, r in items[:20]]
    scorer = RemoteScorer([_dead_url(), server.url])
    want = [s.to_dict() for s in execgym.score_batch(specs, responses)]
    for _ in range(3):  # round-robin lands on the dead replica first on some calls
        assert [s.to_dict() for s in scorer.score_batch(specs, responses)] == want


def test_no_replica_gives_typed_error_scores_not_an_exception():
    got = RemoteScorer(_dead_url(), retries=1).score_batch(
        [{"env": "ExecIO-v0", "level": 1, "seed": 0}], ["x"]
    )
    assert got[0].outcome == "error" and got[0].reason.startswith("reward service unavailable")


def test_a_misconfigured_url_is_a_counted_and_logged_error(monkeypatch, caplog):
    monkeypatch.setenv("EXECGYM_REWARD_URL", "ftp://nope")
    scored = hooks.score_responses([{"env": "ExecIO-v0", "level": 1, "seed": 0}], ["x"])
    assert scored[0].reason == "score_exception" and "http://" in scored[0].detail


def test_importing_execgym_serve_and_distributed_loads_no_extra():
    import subprocess
    import sys

    code = (
        "import sys, execgym, execgym.serve, execgym.distributed, execgym.serve.route\n"
        "from execgym.training import hooks\n"
        "heavy = [m for m in ('starlette', 'uvicorn', 'ray', 'prometheus_client', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    got = subprocess.run(
        [sys.executable, "-m", "execgym", "--help"], capture_output=True, text=True, timeout=120
    )
    assert "serve" in got.stdout
