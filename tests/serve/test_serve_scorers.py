"""The service's scoring processes (execgym.serve.scorers): the same answers with one or several processes, a
scoring process killed mid-batch, and a killed service leaving none behind."""

from __future__ import annotations

import signal
import threading

import httpx
import psutil
import pytest
from servelib import slow_gold_response, start_server, wait_for

import execgym
from execgym.serve import scorers


def test_shards_are_contiguous_and_cover_the_batch():
    assert scorers.shards(0, 2) == [(0, 0)]
    assert scorers.shards(1, 2) == [(0, 1)]
    assert scorers.shards(7, 2) == [(0, 4), (4, 7)]
    assert scorers.shards(64, 3) == [(0, 22), (22, 43), (43, 64)]


def test_a_pool_keeps_order_types_odd_input_and_replaces_a_dead_helper(items):
    specs, responses = [s for s, _ in items], [r for _, r in items]
    want = execgym.score_batch(specs, responses)
    pool = scorers.ScorerPool(2, 1)
    try:
        assert pool.score_batch([], []) == []
        assert pool.score_batch(specs, responses) == want  # two shards, put back in order
        odd = pool.score_batch(specs[:2], [lambda: 0, responses[1]])  # a caller's object that does not pickle
        assert odd[0].outcome == "error" and "scoring process" in odd[0].reason
        assert odd[1] == want[1]  # its own shard
        for slot in pool.slots:
            slot.helper.kill()
            slot.helper.proc.wait()
        assert pool.score_batch(specs, responses) == want  # each job retried on a fresh helper
        assert pool.worker_restarts() >= 2
        with pytest.raises(ValueError, match="level"):
            pool.make_task({"env": "ExecIO-v0", "level": 99, "seed": 0})
    finally:
        pool.close()
    assert all(not slot.helper.alive() for slot in pool.slots)


def test_one_and_two_processes_answer_alike(items):
    body = {"specs": [s for s, _ in items], "responses": [r for _, r in items]}
    want = [s.to_dict() for s in execgym.score_batch(body["specs"], body["responses"])]
    for processes in ("1", "2"):
        srv = start_server("--processes", processes, "--max-batch", "300", "--max-body-mb", "2")
        try:
            assert len(srv.scorers()) == (0 if processes == "1" else 2)
            got = httpx.post(srv.url + "/score_batch", json=body, timeout=120)
            assert got.status_code == 200 and got.json()["scores"] == want, processes
            task = httpx.post(srv.url + "/task", json={"env": "ExecVar-v0", "level": 2, "seed": 3}).json()
            assert task["spec"] == execgym.make_task({"env": "ExecVar-v0", "level": 2, "seed": 3}).spec
            bad = httpx.post(srv.url + "/task", json={"env": "ExecVar-v0", "level": 99, "seed": 3})
            assert bad.status_code == 400 and bad.json()["error"] == "bad_task"
        finally:
            assert srv.stop() == 0


@pytest.mark.slow
def test_a_scoring_process_killed_mid_batch_is_replaced_and_the_batch_still_answered():
    srv = start_server("--processes", "2", "--sandbox-workers", "2")
    try:
        task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
        body = {"specs": [task.spec] * 4, "responses": [slow_gold_response(task, 400_000)] * 4}
        want = [s.to_dict() for s in execgym.score_batch(body["specs"], body["responses"])]
        before = {p.pid for p in srv.scorers()}
        out: list = []
        t = threading.Thread(
            target=lambda: out.append(httpx.post(srv.url + "/score_batch", json=body, timeout=120))
        )
        t.start()
        assert wait_for(lambda: len(srv.workers()) == 2 and any(w.children() for w in srv.workers()), 60)
        victim = srv.scorers()[0]
        victim.kill()
        t.join(120)
        assert out and out[0].status_code == 200
        assert out[0].json()["scores"] == want  # the lost shard was scored again by the fresh process
        after = {p.pid for p in srv.scorers()}
        assert len(after) == 2 and victim.pid not in after and after & before
        metrics = httpx.get(srv.url + "/metrics").text
        restarts = next(
            line for line in metrics.splitlines() if line.startswith("execgym_serve_sandbox_worker_restarts")
        )
        assert float(restarts.split()[-1]) >= 1
    finally:
        assert srv.stop() == 0


def test_a_killed_service_leaves_no_scoring_process_behind():
    srv = start_server("--processes", "2")
    family = [p.pid for p in srv.scorers()]
    assert len(family) == 2
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(timeout=30)
    assert wait_for(lambda: not any(psutil.pid_exists(p) for p in family), 20), "a scoring process outlived it"
