"""``execgym dataset --ray`` and ``execgym synth --ray`` on the local cluster: byte-identical files to local runs."""

from __future__ import annotations

import pytest

from execgym import distributed
from execgym.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def ray_jobs(monkeypatch):
    """Counts the jobs sent through distributed.ordered_map (proof the --ray run used the cluster)."""
    sent: list = []
    real = distributed.ordered_map

    def spy(fn, items, **kw):
        sent.extend(items)
        return real(fn, items, **kw)

    monkeypatch.setattr(distributed, "ordered_map", spy)
    return sent


@pytest.mark.parametrize("fmt", ["jsonl", "openrlhf"])
def test_dataset_ray_is_byte_identical(cluster, tmp_path, fmt, ray_jobs):
    distributed.shutdown()  # the cluster's two CPUs go to the generation tasks
    args = [
        "dataset",
        "--env",
        "ExecIO-v0",
        "-n",
        "40",
        "--levels",
        "1-3",
        "--seed",
        "7",
        "--format",
        fmt,
        "--quiet",
    ]
    assert main([*args, "-o", str(tmp_path / "local.jsonl")]) == 0
    assert main([*args, "-o", str(tmp_path / "ray.jsonl"), "--ray"]) == 0
    local, remote = (tmp_path / "local.jsonl").read_bytes(), (tmp_path / "ray.jsonl").read_bytes()
    assert local.count(b"\n") == 40 and remote == local
    assert sum(len(job[2]) for job in ray_jobs) == 40


def test_synth_ray_is_byte_identical(cluster, tmp_path, ray_jobs):
    distributed.shutdown()
    args = ["synth", "--level", "1,3", "-n", "24", "--seed", "3", "--quiet", "--quality-sample", "0"]
    assert main([*args, "-o", str(tmp_path / "local.jsonl")]) == 0
    assert main([*args, "-o", str(tmp_path / "ray.jsonl"), "--ray"]) == 0
    local, remote = (tmp_path / "local.jsonl").read_bytes(), (tmp_path / "ray.jsonl").read_bytes()
    assert local.count(b"\n") == 48 and remote == local
    assert sum(len(job[1]) for job in ray_jobs) == 48
