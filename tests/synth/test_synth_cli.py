"""``execgym synth``: output, sharding, level lists, summary, difficulty flags."""

from __future__ import annotations

import json
import sys

import pytest

from execgym.cli import main
from execgym.synth import Program


def _run(tmp_path, name, *args) -> list[dict]:
    out = tmp_path / name
    assert main(["synth", "--quiet", "-o", str(out), *args]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_shards_concatenate_to_the_unsharded_output(tmp_path):
    whole = (tmp_path / "whole.jsonl")
    assert main(["synth", "--quiet", "--level", "1,3", "-n", "5", "--seed", "4", "-o", str(whole)]) == 0
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.jsonl"
        assert main(["synth", "--quiet", "--level", "1,3", "-n", "5", "--seed", "4", "--shard", f"{i}/3",
                     "-o", str(part)]) == 0
        parts.append(part.read_text())
    assert "".join(parts) == whole.read_text()
    rows = [json.loads(line) for line in whole.read_text().splitlines()]
    assert [r["level"] for r in rows] == [1] * 5 + [3] * 5
    program = Program.from_dict(rows[0])
    assert program.level == 1 and program.source


def test_summary_reports_acceptance_coverage_and_features(tmp_path, capsys):
    summary_path = tmp_path / "summary.json"
    out = tmp_path / "p.jsonl"
    assert main(["synth", "--level", "2-3", "-n", "6", "-o", str(out), "--summary-json", str(summary_path)]) == 0
    err = capsys.readouterr().err
    assert "accept%" in err
    summary = json.loads(summary_path.read_text())
    for level in ("2", "3"):
        row = summary["levels"][level]
        assert row["programs"] == 6 and row["distinct"] == 6
        assert 0 < row["acceptance_rate"] <= 1 and row["focus_covered"] >= 1
        assert {"trace_length", "branches", "loop_iterations", "lines"} <= set(row["features"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    for level in ("2", "3"):  # the share of programs whose focus is nested two levels deep, from their constraints
        nested = [r["constraints"]["focus_nesting"] >= 2 for r in rows if str(r["level"]) == level]
        assert summary["levels"][level]["focus_nested_share"] == round(sum(nested) / len(nested), 4)
    assert "nested2%" in err


def test_bad_arguments_exit_with_2(tmp_path, capsys):
    assert main(["synth", "--level", "9", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert main(["synth", "--shard", "3/3", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "shard" in capsys.readouterr().err


def test_difficulty_flag_without_the_module_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "execgym.evaluation.difficulty", None)
    assert main(["synth", "--quiet", "-n", "1", "--difficulty-model", "random", "-o", str(tmp_path / "d.jsonl")]) == 2
    assert "difficulty" in capsys.readouterr().err and not (tmp_path / "d.jsonl").exists()


def test_difficulty_flag_filters_with_a_model(tmp_path):
    rows = _run(tmp_path, "d.jsonl", "--level", "1", "-n", "3", "--difficulty-model", "random",
                "--difficulty-samples", "2", "--max-pass", "2")
    assert len(rows) == 3  # the random baseline can pass at most 2 of 2
    assert all("pass_count" in r["features"] for r in rows)


@pytest.mark.parametrize("flag, on", [(None, True), ("--focus-effect", True), ("--no-focus-effect", False)])
def test_focus_effect_flag_reaches_the_filter_and_its_rejections_are_counted(tmp_path, flag, on):
    out, summary_path = tmp_path / "fe.jsonl", tmp_path / "fe.json"
    # level 3, whose drafts have the focus make no difference somewhat more often than level 2's (3 of 40 here)
    assert main(["synth", "--quiet", "--level", "3", "-n", "40", "--seed", "0", *([flag] if flag else []),
                 "-o", str(out), "--summary-json", str(summary_path), "--quality-sample", "0"]) == 0
    assert len(out.read_text().splitlines()) == 40
    rejected = json.loads(summary_path.read_text())["levels"]["3"]["rejected"]
    told = rejected.get("the focus makes no difference to any input", 0)
    assert told >= 1 if on else told == 0, rejected


def test_a_program_file_costs_no_trace_run(tmp_path, monkeypatch):
    """A program file holds no trace, so ``execgym synth`` records none (one sandbox run per program less): the
    same bytes as a run that did."""
    from execgym.synth.patterns import generate

    args = ["synth", "--quiet", "--level", "3", "-n", "6", "--seed", "2", "--quality-sample", "0"]
    traced = tmp_path / "traced.jsonl"
    from execgym.synth.api import generate_many, item_seed

    with traced.open("w") as out:
        for program in generate_many(3, [item_seed(2, 3, i) for i in range(6)], keep_traces=True):
            assert program.trace_steps
            out.write(json.dumps(program.to_dict(), sort_keys=True) + "\n")

    def no_trace(*_args, **_kwargs):
        raise AssertionError("execgym synth traced its programs")

    monkeypatch.setattr(generate, "_with_traces", no_trace)
    out = tmp_path / "p.jsonl"
    assert main([*args, "-o", str(out)]) == 0
    assert out.read_bytes() == traced.read_bytes()
