"""``quality.assess(..., own=True)``: the light coverage route gives exactly the traced route's measures, takes
only the rows it can, and is never used for a file's rows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from execgym.cli import main
from execgym.synth import quality_light
from execgym.synth.api import generate_many, item_seed
from execgym.synth.quality import assess


@pytest.fixture(scope="module")
def programs():
    return [p for level in range(1, 7)
            for p in generate_many(level, [item_seed(23, level, i) for i in range(10)], keep_traces=False)]


def _counting(monkeypatch) -> list[int]:
    taken: list[int] = []
    light = quality_light.light_qualities

    def counted(plans, *args, **kwargs):
        got = light(plans, *args, **kwargs)
        taken.extend(got)
        return got

    monkeypatch.setattr(quality_light, "light_qualities", counted)
    return taken


def test_the_light_route_gives_the_traced_measures(programs, monkeypatch):
    # two rows the light route must leave to the tracer: an import (not batchable) and a non-literal call
    imported = replace(programs[0], source="import math\n\n\n" + programs[0].source)
    odd_call = replace(programs[1], call=programs[1].call.replace("(", "(*[", 1).replace(")", "])", 1)
                       if programs[1].call.endswith(")") else programs[1].call)
    rows = [*programs, imported, odd_call]
    traced = assess(rows, variants=5, seed=0, strict=True)
    taken = _counting(monkeypatch)
    light = assess(rows, variants=5, seed=0, strict=True, own=True)
    assert light == traced
    assert len(taken) >= 0.9 * len(programs)
    assert len(programs) not in taken and len(programs) + 1 not in taken  # those two were traced
    assert sum(q.focus_inert is not None for q in light) >= len(programs) // 2  # the stripped runs were compared
    assert all(q.measured for q in light[:len(programs)])


def test_call_arguments_take_only_literal_calls_written_back_the_same():
    assert quality_light.call_arguments("f([1, 2], 'a', {1, 3})", "f") == ([1, 2], "a", {1, 3})
    assert quality_light.call_arguments("f((1,), -2.5, None, set())", "f") == ((1,), -2.5, None, set())
    for call in ("f({3, 1})",            # written back sorted: another text
                 "f(x=1)", "f(*[1])", "g(1)", "f(1 + 2)", "f(", "f([1,2])", "f(frozenset())"):
        assert quality_light.call_arguments(call, "f") is None, call


def test_synth_summaries_use_it_and_reports_of_files_never_do(tmp_path, monkeypatch):
    taken = _counting(monkeypatch)
    out = tmp_path / "p.jsonl"
    args = ["synth", "--quiet", "--level", "3", "-n", "8", "--seed", "4", "--quality-sample", "8",
            "--summary-json", str(tmp_path / "summary.json")]  # (with --quiet, the summary only for the file)
    assert main([*args, "-o", str(out)]) == 0
    assert len(taken) >= 6  # the summary of what synth just wrote

    def refused(*_args, **_kwargs):
        raise AssertionError("a file's rows went to the light runner")

    monkeypatch.setattr(quality_light, "light_qualities", refused)
    assert main(["synth", "--quiet", "--report", str(out), "--summary-json", str(tmp_path / "r.json")]) == 0
