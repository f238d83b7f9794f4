"""The reward service over real HTTP on 127.0.0.1: the same answers as in-process scoring, for every
registered environment, and typed refusals for malformed or oversized requests."""

from __future__ import annotations

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from servelib import ENVS

import execgym
from execgym.training import hooks


def _in_process(items):
    specs, responses = zip(*items)
    return [s.to_dict() for s in execgym.score_batch(list(specs), list(responses))]


def test_score_batch_matches_in_process_on_every_env(client, items):
    want = _in_process(items)
    got = client.post(
        "/score_batch", json={"specs": [s for s, _ in items], "responses": [r for _, r in items]}
    )
    assert got.status_code == 200, got.text
    assert got.json()["scores"] == want
    envs = {s["env"] for s, _ in items if isinstance(s, dict) and s.get("env") in ENVS}
    assert envs == set(ENVS)
    outcomes = {d["outcome"] for d in want}
    assert {"correct", "wrong", "format_error", "error"} <= outcomes  # the items exercise every path


def test_score_matches_execgym_score(client, items):
    for spec, response in items[::7]:
        got = client.post("/score", json={"spec": spec, "response": response})
        assert got.status_code == 200, got.text
        assert got.json() == execgym.score(spec, response).to_dict()


def _openrlhf_batch(items):
    """OpenRLHF-style inputs: chat prompt + response (+EOS) as the query, the spec JSON as the label."""
    queries, prompts, labels = [], [], []
    for i, (spec, response) in enumerate(items):
        if not isinstance(response, str):
            continue
        prompt = f"<|im_start|>user\nquestion {i}<|im_end|>\n<|im_start|>assistant\n"
        queries.append(prompt + response + "<|im_end|>")
        prompts.append(prompt if i % 5 else "truncated prompt")  # some prompts are not a prefix
        labels.append(json.dumps(spec) if isinstance(spec, dict) else spec)
    return queries, prompts, labels


def test_get_reward_is_reward_func_in_process(client, items):
    from execgym.training.hookfiles.reward_func import reward_func

    queries, prompts, labels = _openrlhf_batch(items)
    hooks._first_batch_passed.add("openrlhf")
    try:
        for lo in range(0, len(queries), 40):
            q, p, lab = queries[lo : lo + 40], prompts[lo : lo + 40], labels[lo : lo + 40]
            want = reward_func(q, p, lab)
            got = client.post("/get_reward", json={"query": q, "prompts": p, "labels": lab})
            assert got.status_code == 200, got.text
            assert got.json() == want
            assert all(isinstance(v, float) for v in got.json()["extra_logs"].values())
        # OpenRLHF's per-sample call (lists of one), a query that is not text, labels omitted
        one = client.post(
            "/get_reward", json={"query": [queries[0]], "prompts": [prompts[0]], "labels": [labels[0]]}
        )
        assert one.json() == reward_func([queries[0]], [prompts[0]], [labels[0]])
        odd = client.post(
            "/get_reward", json={"query": [7, "x"], "prompts": ["", ""], "labels": [labels[0], None]}
        )
        assert odd.status_code == 200 and odd.json() == reward_func([7, "x"], ["", ""], [labels[0], None])
    finally:
        hooks.reset_first_batch_checks()


def test_task_route_is_make_task(client):
    for env in ENVS:
        got = client.post("/task", json={"env": env, "level": 2, "seed": 5})
        assert got.status_code == 200, got.text
        task = execgym.make_task({"env": env, "level": 2, "seed": 5})
        assert got.json() == {"spec": task.spec, "prompt": task.prompt, "max_reward": task.max_reward}
    opts = client.post(
        "/task", json={"env": "ExecIO-v0", "level": 1, "seed": 1, "options": {"whitebox": False}}
    )
    assert opts.status_code == 200 and opts.json()["spec"]["options"]["whitebox"] is False


@pytest.mark.parametrize(
    ("route", "body", "kind", "words"),
    [
        ("/score", b"{not json", "bad_json", "not JSON"),
        ("/score", b"[1, 2]", "bad_request", "JSON object"),
        ("/score", b'{"spec": {}}', "bad_request", "'response'"),
        ("/score_batch", b'{"specs": [], "responses": {}}', "bad_request", "must be a list"),
        ("/score_batch", b'{"specs": [1], "responses": []}', "bad_request", "1 specs but 0 responses"),
        ("/get_reward", b'{"queries": ["x"]}', "bad_request", "'query'"),
        ("/task", b'{"env": "ExecIO-v0", "level": 1}', "bad_request", "'seed'"),
        ("/task", b'{"env": "ExecIOO-v0", "level": 1, "seed": 0}', "bad_task", "unknown environment"),
        (
            "/task",
            b'{"env": "ExecIO-v0", "level": 1, "seed": 0, "options": {"whitebx": 1}}',
            "bad_task",
            "whitebx",
        ),
        ("/task", b'{"env": "ExecIO-v0", "level": 1, "seed": 0, "lvl": 2}', "bad_request", "unknown keys"),
        ("/task", b'{"env": "ExecIO-v0", "level": 77, "seed": 0}', "bad_task", "level"),
        ("/score", '"\\ud800"'.encode(), "bad_request", "JSON object"),
        ("/score", b"\xff\xfe garbage", "bad_json", "not JSON"),
    ],
)
def test_malformed_requests_get_400_with_a_message(client, route, body, kind, words):
    got = client.post(route, content=body, headers={"Content-Type": "application/json"})
    assert got.status_code == 400, got.text
    assert got.json()["error"] == kind
    assert words in got.json()["message"]


def test_first_batch_label_error_is_a_400_naming_the_column(server):
    # a fresh process: its first /get_reward batch has a label that is no task spec
    from servelib import start_server

    srv = start_server()
    try:
        got = httpx.post(srv.url + "/get_reward", json={"query": ["x"], "prompts": [""], "labels": ["oops"]})
        assert got.status_code == 400 and got.json()["error"] == "label_error"
        assert "'label' column" in got.json()["message"]
    finally:
        assert srv.stop() == 0


def test_unknown_route_and_method(client):
    assert client.post("/nope", json={}).status_code == 404
    assert client.get("/score").status_code == 405


def test_oversized_bodies_and_batches_get_413(client, server):
    big = {"spec": {"env": "ExecIO-v0", "level": 1, "seed": 0}, "response": "x" * (3 << 20)}
    got = client.post("/score", json=big)
    assert got.status_code == 413 and got.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the streamed body is counted as it arrives
        for _ in range(40):
            yield b" " * (100 << 10)

    got = client.post("/score", content=chunks())
    assert got.status_code == 413
    n = 301
    got = client.post("/score_batch", json={"specs": [{}] * n, "responses": [""] * n})
    assert got.status_code == 413 and got.json()["error"] == "batch_too_large"
    assert client.get("/health").json()["pending"] == 0


def test_concurrent_clients_each_get_their_own_answer(server, items):
    chunks = [items[i::12] for i in range(12)]
    wants = [_in_process(c) for c in chunks]

    def call(chunk):
        with httpx.Client(base_url=server.url, timeout=120) as c:
            return c.post(
                "/score_batch", json={"specs": [s for s, _ in chunk], "responses": [r for _, r in chunk]}
            )

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(call, chunks * 2))
    for got, want in zip(results, wants * 2):
        assert got.status_code == 200
        assert got.json()["scores"] == want


def test_client_that_disconnects_leaves_the_service_healthy(server, client, items):
    from servelib import slow_unittest_response, wait_for

    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    # 1) a body promised but never sent in full
    s = socket.create_connection((host, port))
    s.sendall(
        b'POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"sp'
    )
    s.close()
    # 2) a slow request whose client leaves before the answer
    task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
    body = json.dumps({"spec": task.spec, "response": slow_unittest_response(task.spec, 2_000_000)}).encode()
    s = socket.create_connection((host, port))
    s.sendall(
        b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert wait_for(lambda: client.get("/health").json()["pending"] >= 1, 30)
    s.close()
    assert wait_for(lambda: client.get("/health").json()["pending"] == 0, 60)
    spec, response = items[0]
    got = client.post("/score", json={"spec": spec, "response": response})
    assert got.status_code == 200 and got.json() == execgym.score(spec, response).to_dict()


def test_metrics_are_prometheus_text(client, items):
    client.post(
        "/score_batch", json={"specs": [s for s, _ in items[:30]], "responses": [r for _, r in items[:30]]}
    )
    text = client.get("/metrics").text
    for name in (
        "execgym_serve_requests_total",
        "execgym_serve_request_seconds_bucket",
        "execgym_serve_outcomes_total",
        "execgym_serve_queue_depth",
        "execgym_serve_sandbox_worker_restarts_total",
        "execgym_serve_rejected_total",
    ):
        assert name in text, name
    assert 'execgym_serve_requests_total{route="/score_batch",status="200"}' in text
    assert 'execgym_serve_outcomes_total{env="ExecNext-v0",outcome="correct"}' in text
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name for f in text_string_to_metric_families(text)}
    assert "execgym_serve_request_seconds" in families


def test_health(client):
    got = client.get("/health").json()
    assert got["status"] == "ok" and got["version"] == execgym.__version__


def test_threads_never_block_the_event_loop(server, client):
    """/health answers while every scoring thread is busy with slow batches."""
    from servelib import slow_unittest_response, wait_for

    task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
    body = {"specs": [task.spec] * 4, "responses": [slow_unittest_response(task.spec, 1_500_000)] * 4}
    done = []
    t = threading.Thread(
        target=lambda: done.append(httpx.post(server.url + "/score_batch", json=body, timeout=120))
    )
    t.start()
    assert wait_for(lambda: client.get("/health").json()["pending"] >= 1, 30)
    assert client.get("/health").status_code == 200
    t.join(120)
    assert done and done[0].status_code == 200
