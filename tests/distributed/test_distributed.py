"""``execgym.distributed`` on a real local Ray cluster: the same results in the same order as local scoring and
execution, an actor killed mid-batch, ordered generation."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import execgym
from execgym import distributed
from execgym.engine.request import RunRequest

pytestmark = pytest.mark.slow
ENVS = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0")


def _items() -> tuple[list, list]:
    specs, responses = [], []
    for env in ENVS:
        for level in (1, 3):
            for seed in range(3):
                task = execgym.make_task({"env": env, "level": level, "seed": seed})
                for response in (task.gold_response(), "<answer>\n0\n</answer>", "", None):
                    specs.append(task.spec if seed else {"env": env, "level": level, "seed": seed})
                    responses.append(response)
    specs.append({"env": "Nope-v0"})
    responses.append("x")
    return specs, responses


def _slow_gold(task, iterations: int) -> str:
    entry = task.spec["problem"]["entry"]
    lines = task.gold_response().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"def {entry}("))
    lines[at + 1 : at + 1] = [f"    for _i in range({iterations}):", "        pass"]
    return "\n".join(lines)


def test_score_batch_matches_local_on_every_env(cluster):
    specs, responses = _items()
    want = [s.to_dict() for s in execgym.score_batch(specs, responses)]
    got = distributed.score_batch(specs, responses, actors=2)
    assert [s.to_dict() for s in got] == want
    assert {"correct", "wrong", "format_error", "error"} <= {w["outcome"] for w in want}
    with pytest.raises(ValueError, match="2 specs but 1 responses"):
        distributed.score_batch(specs[:2], responses[:1], actors=2)


def test_run_batch_matches_local_in_order(cluster):
    requests = [RunRequest(f"def f(x):\n    return [x] * {i % 5}\n", f"f({i})") for i in range(30)]
    requests += [
        RunRequest("def f():\n    while True: pass\n", "f()", timeout=0.5),
        RunRequest("def f(:\n", "f()"),
        RunRequest("import sys\n", "sys.exit(3)"),
        RunRequest("def g(n):\n    return n + 1\n", "g(1)", mode="trace"),
    ]
    local = execgym.run_batch(requests)
    got = distributed.run_batch(requests, actors=2)
    assert [(r.outcome, r.return_value, r.stdout) for r in got] == [
        (r.outcome, r.return_value, r.stdout) for r in local
    ]
    assert [len(getattr(r, "steps", ())) for r in got] == [len(getattr(r, "steps", ())) for r in local]
    with pytest.raises(TypeError):
        distributed.run_batch(["not a request"], actors=2)


def test_actor_killed_mid_batch_is_retried_on_another(cluster):
    task = execgym.make_task({"env": "UnitTest-v0", "level": 1, "seed": 4})
    specs = [task.spec] * 24
    responses = [_slow_gold(task, 1_000_000)] * 24
    want = [s.to_dict() for s in execgym.score_batch(specs[:1], responses[:1])] * 24
    assert want[0]["outcome"] == "correct"
    distributed.shutdown()  # free the shared pool's CPUs: the cluster has two
    pool = distributed.ActorPool(2, chunk=2)
    try:
        victim = pool.pids()[0]
        out: list = []
        t = threading.Thread(target=lambda: out.append(pool.score_batch(specs, responses)))
        t.start()
        time.sleep(0.5)  # the batch is running on both actors
        assert t.is_alive(), "the batch ended before the kill: make the work slower"
        os.kill(victim, signal.SIGKILL)
        t.join(300)
        assert not t.is_alive(), "the batch hung"
        assert [s.to_dict() for s in out[0]] == want
        assert pool.replaced >= 1
        assert victim not in pool.pids()
    finally:
        pool.close()


def test_a_dead_pool_gives_typed_errors_not_a_hang(cluster):
    distributed.shutdown()
    pool = distributed.ActorPool(1, max_attempts=1)
    try:
        os.kill(pool.pids()[0], signal.SIGKILL)
        time.sleep(0.5)
        got = pool.score_batch([{"env": "ExecIO-v0", "level": 1, "seed": 0}], ["x"])
        assert got[0].outcome == "error" and got[0].reason.startswith("distributed scoring failed")
    finally:
        pool.close()


def _square(x: int) -> int:
    if x == 13:
        raise ValueError("thirteen")
    return x * x


def test_ordered_map_keeps_order_and_reports_failures(cluster):
    assert list(distributed.ordered_map(_square, [5, 1, 4, 2, 3, 0] * 3, window=3)) == [
        x * x for x in [5, 1, 4, 2, 3, 0] * 3
    ]
    with pytest.raises(ValueError, match="thirteen"):
        list(distributed.ordered_map(_square, [1, 13, 2]))


def test_hooks_score_on_the_cluster_with_one_env_var(cluster, monkeypatch):
    from execgym.training import hooks
    from execgym.training.adapters import trl_reward

    specs, responses = _items()
    labels = [s for s in specs if isinstance(s, dict)]
    texts = [r for s, r in zip(specs, responses) if isinstance(s, dict)]
    hooks._first_batch_passed.update(hooks.LABEL_COLUMNS)
    try:
        local = trl_reward(None, texts, spec=labels)
        sent: list = []
        real = distributed.score_batch
        monkeypatch.setattr(
            distributed, "score_batch", lambda s, r, **kw: sent.append(len(s)) or real(s, r, **kw)
        )
        monkeypatch.setenv("EXECGYM_RAY_ADDRESS", "local")
        assert trl_reward(None, texts, spec=labels) == local
        assert sent == [sum(isinstance(t, str) for t in texts)]  # non-text answers never leave the process
    finally:
        hooks.reset_first_batch_checks()
