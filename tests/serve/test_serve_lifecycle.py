"""The service under stress, each in its own ``execgym serve`` subprocess: a full queue, a deadline, a bearer
token, a sandbox worker killed mid-batch, SIGTERM under load, and option typos."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import httpx
import psutil
import pytest
from servelib import ROOT, slow_gold_response, slow_unittest_response, start_server, wait_for

import execgym


def _slow_body(n: int = 1, iterations: int = 600_000) -> dict:
    task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
    return {"specs": [task.spec] * n, "responses": [slow_unittest_response(task.spec, iterations)] * n}


def _post_in_thread(url: str, body: dict, out: list, **kw) -> threading.Thread:
    t = threading.Thread(target=lambda: out.append(httpx.post(url, json=body, timeout=120, **kw)))
    t.start()
    return t


def _pending(srv) -> int:
    return httpx.get(srv.url + "/health", timeout=10).json()["pending"]


def test_full_queue_answers_503_with_retry_after():
    srv = start_server("--max-pending", "1")
    try:
        first: list = []
        t = _post_in_thread(srv.url + "/score_batch", _slow_body(2), first)
        assert wait_for(lambda: _pending(srv) == 1, 30)
        refused = httpx.post(srv.url + "/score_batch", json=_slow_body(1), timeout=30)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"] == "queue_full"
        t.join(120)
        assert first[0].status_code == 200
        assert wait_for(lambda: _pending(srv) == 0, 30)
        assert httpx.post(srv.url + "/score_batch", json=_slow_body(1, 10), timeout=60).status_code == 200
        assert 'execgym_serve_rejected_total{reason="queue_full"} 1.0' in httpx.get(srv.url + "/metrics").text
    finally:
        assert srv.stop() == 0


def test_deadline_answers_504_and_the_work_still_counts_as_pending():
    srv = start_server("--deadline", "0.2")
    try:
        got = httpx.post(srv.url + "/score_batch", json=_slow_body(4), timeout=60)
        assert got.status_code == 504 and got.json()["error"] == "deadline"
        assert _pending(srv) == 1  # the scoring thread is still busy with it
        assert wait_for(lambda: _pending(srv) == 0, 60)
    finally:
        assert srv.stop() == 0


def test_bearer_token_from_the_environment():
    srv = start_server(env={"EXECGYM_SERVE_TOKEN": "s3cret"})
    body = {"spec": {"env": "ExecIO-v0", "level": 1, "seed": 0}, "response": "x"}
    try:
        assert httpx.post(srv.url + "/score", json=body).status_code == 401
        assert (
            httpx.post(srv.url + "/score", json=body, headers={"Authorization": "Bearer wrong"}).status_code
            == 401
        )
        assert httpx.get(srv.url + "/metrics").status_code == 401
        ok = httpx.post(srv.url + "/score", json=body, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json() == execgym.score(body["spec"], "x").to_dict()
        assert httpx.get(srv.url + "/health").status_code == 200
    finally:
        assert srv.stop() == 0


@pytest.mark.slow
def test_sandbox_worker_killed_mid_batch_is_still_answered():
    srv = start_server("--sandbox-workers", "2")
    try:
        task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
        body = {"specs": [task.spec] * 8, "responses": [slow_gold_response(task, 1_500_000)] * 8}
        want = [s.to_dict() for s in execgym.score_batch(body["specs"], body["responses"])]
        out: list = []
        t = _post_in_thread(srv.url + "/score_batch", body, out)
        assert wait_for(lambda: len(srv.workers()) == 2 and _pending(srv) == 1, 60)
        victim = srv.workers()[0]
        assert wait_for(lambda: bool(victim.children(recursive=True)), 30)  # it is running something
        threading.Event().wait(0.3)
        victim.kill()
        t.join(120)
        got = out[0]
        assert got.status_code == 200
        scores = got.json()["scores"]
        assert len(scores) == 8
        assert want[0]["outcome"] == "correct"
        # the killed worker's execution is retried once on a fresh worker (docs/sandbox.md): the batch is
        # answered as in-process; a run that still failed is typed and named, never a silent wrong answer
        failed = [s for s in scores if s != want[0]]
        for s in failed:
            assert s["outcome"] in ("partial", "error") and "sandbox" in s["reason"], s
        assert sum(s == w for s, w in zip(scores, want)) >= 1
        metrics = httpx.get(srv.url + "/metrics").text
        restarts = [
            line
            for line in metrics.splitlines()
            if line.startswith("execgym_serve_sandbox_worker_restarts_total")
        ]
        assert restarts and float(restarts[0].split()[-1]) >= 1
        # the pool recovered: a new batch is scored exactly as in-process
        again = httpx.post(srv.url + "/score_batch", json=_slow_body(2, 10), timeout=60).json()["scores"]
        small = _slow_body(2, 10)
        assert again == [s.to_dict() for s in execgym.score_batch(small["specs"], small["responses"])]
    finally:
        assert srv.stop() == 0


@pytest.mark.slow
def test_sigterm_under_load_finishes_in_flight_requests_and_leaves_no_process():
    srv = start_server("--sandbox-workers", "2")
    body = _slow_body(3, 400_000)
    want = [s.to_dict() for s in execgym.score_batch(body["specs"], body["responses"])]
    outs: list[list] = [[] for _ in range(6)]
    threads = [_post_in_thread(srv.url + "/score_batch", body, out) for out in outs]
    assert wait_for(lambda: _pending(srv) == 6 and len(srv.workers()) == 2, 60)
    family = {p.pid for p in srv.children()}
    assert family, "the sandbox workers run as the server's children"
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(120)
    assert srv.proc.wait(timeout=120) == 0
    assert all(len(out) == 1 for out in outs), "every in-flight request is answered"
    for (got,) in outs:
        assert got.status_code == 200 and got.json()["scores"] == want
    assert wait_for(lambda: not any(psutil.pid_exists(p) for p in family), 10), (
        "a worker outlived the service"
    )


def test_cli_rejects_bad_options_before_listening():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for args in (["--threads", "0"], ["--processes", "0"], ["--port", "70000"], ["--max-pending", "0"],
                 ["--deadline", "0"]):
        got = subprocess.run(
            [sys.executable, "-m", "execgym", "serve", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert got.returncode == 2, (args, got.stderr)
        assert got.stderr.count("\n") == 1 and got.stderr.startswith("execgym serve: error:"), got.stderr
