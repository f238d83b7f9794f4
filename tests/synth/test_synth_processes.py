"""``generate_many(..., processes=N)`` and ``execgym synth --processes N``: the same programs, in order, from
real helper processes; a helper that dies costs time, never programs."""

from __future__ import annotations

import pytest

from execgym.cli import main
from execgym.helper_process import HelperExited, HelperProcess
from execgym.synth import processes
from execgym.synth.api import SynthStats, generate_many, item_seed

SEEDS = [item_seed(11, 3, i) for i in range(70)]


def _dicts(programs) -> list[dict]:
    return [p.to_dict() for p in programs]


def test_sharded_generation_equals_one_process_and_merges_stats():
    alone_stats, sharded_stats = SynthStats(), SynthStats()
    alone = generate_many(3, SEEDS, stats=alone_stats, keep_traces=False)
    sharded = generate_many(3, SEEDS, stats=sharded_stats, keep_traces=False, processes=2)
    assert _dicts(sharded) == _dicts(alone)
    assert [p.seed for p in sharded] == SEEDS
    assert (sharded_stats.accepted, sharded_stats.built, sharded_stats.rejected) == \
        (alone_stats.accepted, alone_stats.built, alone_stats.rejected)
    assert processes._helpers and all(h.alive() for h in processes._helpers)  # kept for the next call
    seen = []
    again = generate_many(3, SEEDS, keep_traces=True, processes=2, progress=seen.append)
    assert _dicts(again) == _dicts(generate_many(3, SEEDS, keep_traces=True))
    assert sum(seen) == len(SEEDS) and all(p.trace_steps for p in again)


def test_a_dead_helper_is_replaced_and_a_lost_answer_is_generated_here(monkeypatch):
    expected = _dicts(generate_many(3, SEEDS, keep_traces=False))
    generate_many(3, SEEDS, keep_traces=False, processes=2)
    for helper in processes._helpers:
        helper.proc.kill()
        helper.proc.wait()
    assert _dicts(generate_many(3, SEEDS, keep_traces=False, processes=2)) == expected  # fresh helpers

    def lost(self):
        self.proc.kill()
        raise HelperExited("the helper process exited")

    monkeypatch.setattr(HelperProcess, "receive", lost)
    assert _dicts(generate_many(3, SEEDS, keep_traces=False, processes=2)) == expected


def test_shards_are_contiguous_and_small_runs_stay_in_one_process():
    seeds = list(range(100))
    shards = processes.shards_of(seeds, 3)
    assert [s for shard in shards for s in shard] == seeds and [len(s) for s in shards] == [34, 33, 33]
    assert processes.shards_of(seeds[:40], 2) == [seeds[:40]]  # under 2 * MIN_SHARD: one shard


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_processes_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="processes"):
        generate_many(3, SEEDS[:2], processes=bad)


def test_cli_processes_writes_the_same_bytes(tmp_path, capsys):
    outs = []
    for count in (1, 2):
        out = tmp_path / f"p{count}.jsonl"
        assert main(["synth", "--quiet", "--level", "3", "-n", "70", "--seed", "5", "--processes", str(count),
                     "-o", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 70
    assert main(["synth", "--quiet", "--level", "3", "-n", "5", "--processes", "0", "-o", str(tmp_path / "x")]) == 2
    assert "--processes must be >= 1" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_uses_one_process_per_core_from_a_few_hundred_programs(tmp_path, monkeypatch):
    import execgym.synth.api as api
    from execgym.cli import synth as synth_cli
    from execgym.helper_process import cores

    asked = []
    real = api.generate_many

    def spy(level, seeds, **kwargs):
        asked.append(kwargs["processes"])
        return real(level, seeds, **{**kwargs, "processes": 1})

    monkeypatch.setattr(api, "generate_many", spy)
    monkeypatch.setattr(synth_cli, "AUTO_PROCESSES_MIN", 6)
    for n, flags, want in ((5, [], 1), (6, [], cores()), (6, ["--processes", "1"], 1)):
        asked.clear()
        assert main(["synth", "--quiet", "--level", "2", "-n", str(n), *flags, "-o", str(tmp_path / "p.jsonl")]) == 0
        assert asked == [want], (n, flags)


def test_helpers_stop_when_their_caller_is_killed_mid_shard(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "caller.py"
    script.write_text(
        "from execgym.synth import processes\n"
        "from execgym.synth.api import generate_many, item_seed\n"
        "generate_many(3, [item_seed(1, 3, i) for i in range(70)], keep_traces=False, processes=2)\n"
        "print(processes._helpers[0].proc.pid, flush=True)\n"
        "generate_many(6, [item_seed(2, 6, i) for i in range(20000)], keep_traces=False, processes=2)\n")
    caller = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    helper = int(caller.stdout.readline())
    time.sleep(1.0)  # the helper is now generating its 10,000-seed shard
    caller.send_signal(signal.SIGKILL)
    caller.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(helper, signal.SIGKILL)
    raise AssertionError("the helper outlived its caller")
