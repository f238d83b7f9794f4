"""benchmarks/synth.py --mix: rounds and a baseline checkout really run (no timing asserted)."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks" / "synth.py"


def _load():
    spec = importlib.util.spec_from_file_location("execgym_bench_synth", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mix_rounds_and_baseline_report_every_round_and_the_median():
    """Two rounds of the one-process pattern run beside a baseline (this very checkout, run from its own
    benchmarks/synth.py with PYTHONPATH set to it): each key holds its median round and every round's rate."""
    bench = _load()
    got = bench.mix(2, None, [("patterns", 1, True)], rounds=2, baseline=str(ROOT))
    for key in ("patterns", "baseline_patterns"):
        rates = got[key]["rounds_programs_per_s"]
        assert len(rates) == 2 and all(r > 0 for r in rates), got[key]
        assert got[key]["programs_per_s"] == sorted(rates)[0]  # the lower median of two
        assert set(got[key]["levels"]) == {str(level) for level in range(1, 7)}
    assert got["baseline"]["checkout"] == str(ROOT) and got["rounds"] == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["--mix", "2", "--rounds", "0"], "--rounds must be >= 1"),
    (["--mix", "2", "--baseline", "/no/such/checkout"], "not an execgym checkout"),
    (["--rounds", "2"], "go with --mix"),
])
def test_mix_options_are_checked_before_any_work(argv, message, capsys):
    bench = _load()
    with pytest.raises(SystemExit) as exc:
        bench.main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err
