"""``execgym synth --report FILE [--against FILE] [--json]`` and the quality summary of a generation run."""

from __future__ import annotations

import json
import sys

import pytest

from execgym.cli import main

CRUX_ROWS = [  # CRUXEval's own format: code, input (argument text), output, id
    {"code": "def f(nums):\n    out = []\n    for n in nums:\n        if n % 2:\n            out.append(n)\n"
             "    return out", "input": "[1, 2, 3, 4]", "output": "[1, 3]", "id": "sample_0"},
    {"code": "def f(text):\n    return len(text) > 1000", "input": "'abc'", "output": "False", "id": "sample_1"},
    {"code": "def f(xs):\n    if len(xs) > 100:\n        return 0\n    return sum(xs)", "input": "[1, 2]",
     "output": "3", "id": "sample_2"},
    {"code": "def f(s):\n    return s.strip().strip()", "input": "' a '", "output": "'a'", "id": "sample_3"},
]
INPUTS_ROW = {"code": "def f(a, b):\n    return a * b", "inputs": ["2, 3", "f(4, 5)"]}


@pytest.fixture
def crux_file(tmp_path):
    path = tmp_path / "crux.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*CRUX_ROWS, INPUTS_ROW]))
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Levels 1 and 3, three programs each, with the generation run's own summary."""
    tmp = tmp_path_factory.mktemp("gen")
    out, summary = tmp / "gen.jsonl", tmp / "summary.json"
    assert main(["synth", "--quiet", "--level", "1,3", "-n", "3", "-o", str(out), "--summary-json",
                 str(summary)]) == 0
    return out, json.loads(summary.read_text())


def report(capsys, *args) -> tuple[int, str, str]:
    code = main(["synth", "--quiet", "--report", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_on_a_cruxeval_format_file(crux_file, capsys, tmp_path):
    details = tmp_path / "details.jsonl"
    code, out, _ = report(capsys, crux_file, "--json", "--details", details)
    assert code == 0
    result = json.loads(out)
    assert result["rows"] == 5 and list(result["levels"]) == ["-"]
    summary = result["levels"]["-"]
    assert summary["measured"] == 5 and summary["mean_runs"] == 6
    assert summary["rates"] == {"constant_output": 0.2, "trivial_output": 0.0, "dead_statement": 0.2,
                                "constant_test": 0.2, "idiom": 0.2, "unused_result": 0.0}
    assert summary["any_problem"] == 0.6
    assert summary["constructs"]["for_loop"] == 0.2 and summary["constructs"]["if"] == 0.4
    rows = {r["row_id"]: r for r in map(json.loads, details.read_text().splitlines())}
    assert rows["sample_1"]["problems"] == ["constant_output"]
    assert rows["sample_2"]["dead_lines"] == [3] and rows["sample_2"]["constant_tests"] == [2]
    assert rows["sample_3"]["problems"] == ["idiom"]
    assert rows["sample_0"]["problems"] == [] and rows["crux.jsonl:5"]["problems"] == []


def test_report_text_against_a_reference(generated, crux_file, capsys):
    path, _ = generated
    code, out, _ = report(capsys, path, "--against", crux_file)
    assert code == 0
    lines = out.splitlines()
    assert "6 rows" in lines[0] and "against" in lines[0] and "5 rows" in lines[0]
    assert lines[1].split() == ["L1", "L3", "all", "crux"]
    constant = next(line for line in lines if line.startswith("constant_output"))
    assert constant.split()[-1] == "20.0%"  # the reference's column
    # the same file on both sides: each level is followed by the reference's
    code, out, _ = report(capsys, path, "--against", path)
    assert out.splitlines()[1].split() == ["L1", "gen", "L1", "L3", "gen", "L3", "all", "gen", "all"]


def test_report_gives_the_figures_the_generation_run_printed(generated, capsys):
    path, summary = generated
    code, out, _ = report(capsys, path, "--json")
    assert code == 0
    assert json.loads(out)["levels"] == summary["quality"]["levels"]
    assert summary["quality"]["programs"] == 6
    code, out, _ = report(capsys, path, "--json", "--level", "3", "-n", "2")
    assert list(json.loads(out)["levels"]) == ["3"] and json.loads(out)["rows"] == 2


def test_progress_counter_without_tqdm(crux_file, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert main(["synth", "--report", str(crux_file), "--variants", "1"]) == 0
    captured = capsys.readouterr()
    assert "report: 5/5" in captured.err
    assert "constant_output" in captured.out and "1 + 1 calls per row" in captured.out


@pytest.mark.parametrize("setup, args, message", [
    (None, ["--report", "{missing}"], "no such program file"),
    ("not json\n", ["--report", "{file}"], "bad.jsonl:1: not JSON"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n{"text": 1}\n', ["--report", "{file}"], "bad.jsonl:2"),
    ("", ["--report", "{file}"], "holds no program rows"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n', ["--report", "{file}", "--against", "{missing}"],
     "no such program file"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n', ["--report", "{file}", "--teacher", "openai:m"],
     "does not combine with --teacher"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n', ["--report", "{file}", "-o", "x.jsonl"],
     "prints to stdout"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n', ["--report", "{file}", "--variants", "-1"],
     "--variants must be >= 0"),
    ('{"code": "def f(x):\\n    return x", "input": "1"}\n', ["--report", "{file}", "--level", "9"],
     "unknown level"),
    (None, ["--against", "{missing}"], "--against belongs to --report FILE"),
    (None, ["--json"], "--json belongs to --report FILE"),
    (None, ["--entries", "str/upper"], "--entries belongs to --teacher NAME"),
])
def test_mistakes_are_one_line_exit_2_and_no_work(tmp_path, capsys, setup, args, message):
    path = tmp_path / "bad.jsonl"
    if setup is not None:
        path.write_text(setup)
    argv = [a.format(file=path, missing=tmp_path / "missing.jsonl") for a in args]
    assert main(["synth", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
