"""benchmarks/sandbox.py's fork floor: it really forks, runs and traces (no timing asserted)."""

from __future__ import annotations

import importlib.util
import pathlib

BENCH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "sandbox.py"


def _load():
    spec = importlib.util.spec_from_file_location("execgym_bench_sandbox", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fork_floor_reports_each_kind():
    bench = _load()
    progs = bench.programs(12)
    floor = bench.bench_fork_floor(progs)
    assert "error" not in floor, floor
    assert set(floor) == {"fork_exit", "run", "trace"}
    for kind in floor.values():
        assert kind["runs_per_s_one_core"] > 0 and kind["cpu_ms_per_run"] >= 0
    # every forked child really ran (and traced) its program and sent back an "ok" frame
    assert floor["run"]["ok_frames"] == len(progs)
    assert floor["trace"]["ok_frames"] == len(progs)


def test_seccomp_backend_comparison_reports_each_backend():
    bench = _load()
    out = bench.bench_seccomp_backends(bench.programs(6), rounds=1, calls=2000)
    assert out["backends"], out
    for name in out["backends"]:
        row = out["per_backend"][name]
        assert row["instructions"] > 0 and "install_us" in row, row
        assert row["run_one_at_a_time_per_s"] > 0 and row["cpu_ms_per_run"] > 0, row
