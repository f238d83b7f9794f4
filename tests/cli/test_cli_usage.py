"""A user's mistake gets one clear line and exit 2 before any work, with nothing written; failed runs say why.

Covers ``execgym.validation`` through every command that takes environment arguments, the failure report of
eval/distill, ``--help`` of every subcommand, and ``execgym trace`` on calls that never end or do not parse.
"""

from __future__ import annotations

import argparse
import json
import socket

import pytest

from execgym.cli import build_parser
from execgym.cli import main as cli_main
from execgym.validation import (
    UsageError,
    check_env_kwargs,
    check_levels,
    check_model_name,
    check_task_options,
    resolve_env,
)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error_line(err: str, command: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"execgym {command}: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--env", "ExecVars-v0", "--levels", "1"], "unknown environment 'ExecVars-v0' (did you mean 'ExecVar-v0'?)"),
        (["--env", "ExecVar-v0", "--levels", "9"], "ExecVar-v0: level 9 not defined; defined: 1-8"),
        (["--env", "ExecIO-v0", "--levels", "1", "--env-options", '{"whitebx": false}'],
         "unknown option 'whitebx' (did you mean 'whitebox'?)"),
        (["--env", "ExecIO-v0", "--levels", "1", "--env-options", '{"whitebox": 3}'], "'whitebox' must be bool"),
        (["--env", "ExecVar-v0", "--levels", "1", "--model", "heuristc"], "unknown model 'heuristc'"),
    ],
)
def test_eval_argument_errors_exit_2_before_anything_is_written(tmp_path, capsys, argv, expected):
    out = tmp_path / "r1"
    argv = ["--model", "heuristic", *argv] if "--model" not in argv else argv
    code, stdout, err = _run(capsys, "eval", *argv, "-n", "2", "-o", str(out), "--no-progress")
    assert code == 2 and expected in _one_error_line(err, "eval")
    assert stdout == "" and not out.exists()  # no table, no plot, no empty output folder


def test_distill_and_dataset_typos_exit_2(tmp_path, capsys):
    code, _, err = _run(capsys, "distill", "--teacher", "heuristic", "--env", "ExecIOO-v0", "-n", "1",
                        "-o", str(tmp_path / "d" / "sft.jsonl"))
    assert code == 2 and "did you mean 'ExecIO-v0'?" in _one_error_line(err, "distill")
    assert not (tmp_path / "d").exists()
    code, _, err = _run(capsys, "dataset", "--env", "UnitTest-v0", "-n", "2", "-o", str(tmp_path / "ut.jsonl"),
                        "--env-arg", "tasks_path=nofile.jsonl")
    assert code == 2 and "argument 'tasks_path': no such file 'nofile.jsonl'" in _one_error_line(err, "dataset")
    assert "Traceback" not in err and not list(tmp_path.glob("*ut.jsonl*"))
    code, _, err = _run(capsys, "dataset", "--env", "ExecIO-v0", "-n", "2", "-o", str(tmp_path / "x.jsonl"),
                        "--env-arg", "whitebx=false")
    assert code == 2 and "did you mean 'whitebox'?" in _one_error_line(err, "dataset")
    code, _, err = _run(capsys, "dataset", "--env", "ExecIO-v0", "--levels", "7-10", "-n", "2",
                        "-o", str(tmp_path / "x.jsonl"))
    assert code == 2 and "levels 9,10 not defined" in _one_error_line(err, "dataset")


def test_synth_bad_difficulty_model_exits_2_before_generating(tmp_path, capsys):
    code, _, err = _run(capsys, "synth", "--quiet", "-n", "1", "--difficulty-model", "heuristc",
                        "-o", str(tmp_path / "p.jsonl"))
    assert code == 2 and "did you mean 'heuristic'?" in _one_error_line(err, "synth")
    assert not (tmp_path / "p.jsonl").exists()


def test_validation_helpers_normalize_and_explain():
    assert resolve_env("execgym:execgym/ExecIO-v0") == resolve_env("execgym/ExecIO-v0") == "ExecIO-v0"
    with pytest.raises(UsageError, match="did you mean 'ExecIO-v0'"):
        resolve_env("execio-v0")
    assert check_levels("ExecNext-v0", "3,1-2") == [1, 2, 3]
    assert check_task_options("ExecIO-v0", {"whitebox": False, "n_var": 2}) == {"whitebox": False, "n_var": 2}
    with pytest.raises(UsageError, match="an environment argument"):
        check_task_options("UnitTest-v0", {"tasks_path": "x.jsonl"})
    assert check_env_kwargs("ExecVar-v0", {"level": 3, "mode": "stepwise"}) == {"level": 3, "mode": "stepwise"}
    with pytest.raises(UsageError, match="must be one of"):
        check_env_kwargs("ExecVar-v0", {"mode": "stepwize"})
    assert check_model_name(" openai:gpt ") == "openai:gpt"
    with pytest.raises(UsageError, match="did you mean 'hf'"):
        check_model_name("hff:model")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_prints_the_cause_and_fails(tmp_path, capsys):
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there: connections are refused at once
    code, _, err = _run(capsys, "eval", "--model", "openai:m", "--base-url", url, "--max-retries", "0",
                        "--timeout", "5", "--env", "ExecVar-v0", "--levels", "1", "-n", "2",
                        "-o", str(tmp_path / "r"), "--no-progress", "--no-plot")
    assert code == 1
    assert "2 of 2 episode(s) failed (2 in the model backend" in err
    assert "2 x model failed: openai:m" in err and "127.0.0.1" in err  # the cause itself, counted
    assert "every episode failed" in err


def test_tasks_that_cannot_be_built_are_reported(tmp_path, capsys):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"env": "ExecIO-v0", "level": 99, "seed": 1}) + "\n")
    code, _, err = _run(capsys, "eval", "--model", "heuristic", "--tasks", str(tasks), "-o", str(tmp_path / "r"),
                        "--no-progress", "--no-plot")
    assert code == 1 and "1 x could not build the task" in err and "every episode failed" in err


def _options(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _options(child, f"{path} {name}")
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield path, action


def test_every_option_of_every_subcommand_has_help_and_shows_its_default():
    parser = build_parser()
    seen = 0
    for path, action in _options(parser, "execgym"):
        seen += 1
        assert action.help and action.help.strip(), f"{path} {action.option_strings or action.dest} has no help"
    assert seen > 60
    helps = {name: child.format_help() for a in parser._actions if isinstance(a, argparse._SubParsersAction)
             for name, child in a.choices.items()}
    assert "tasks per (environment, level) (default: 100)" in " ".join(helps["eval"].split())
    assert "(default: 1-6)" in helps["eval"] and "(default: 2048)" in helps["distill"]
    assert "(default: 10000)" in helps["trace"] and "(default: 10)" in helps["synth"]


LOOP = "def f(n):\n    i = 0\n    while True:\n        i += 1\n"


def test_trace_of_a_call_that_never_ends_shows_head_count_and_tail(tmp_path, capsys):
    src = tmp_path / "loop.py"
    src.write_text(LOOP)
    code, out, _ = _run(capsys, "trace", str(src), "--call", "f(1)")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 1 + 20 + 1 + 10 + 1
    assert "9,970 steps not shown (--all shows every step" in lines[21]
    assert lines[-1].startswith("outcome: output_limit") and "steps: 10,000" in lines[-1]
    rows = lines[1:21] + lines[22:32]
    assert len({row.index("f#1") for row in rows}) == 1  # aligned, past row 9,999 too
    assert lines[31].lstrip().startswith("10000 ")
    code, out, _ = _run(capsys, "trace", str(src), "--call", "f(1)", "--all", "--max-steps", "10050")
    assert len(out.splitlines()) == 10052 and "not shown" not in out
    body = out.splitlines()[1:-1]
    assert len({row.index("f#1") for row in body}) == 1


def test_trace_call_syntax_error_is_a_usage_error_and_source_errors_name_no_empty_backend(tmp_path, capsys):
    src = tmp_path / "loop.py"
    src.write_text(LOOP)
    code, out, err = _run(capsys, "trace", str(src), "--call", "f(1")
    assert code == 2 and out == ""
    assert "--call 'f(1' is not a Python expression: '(' was never closed" in _one_error_line(err, "trace")
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n    pass\n")
    code, out, _ = _run(capsys, "trace", str(bad), "--call", "f(1)")
    assert code == 1 and "SyntaxError" in out and "backend: none (the call never ran)" in out
    assert not out.rstrip().endswith("backend:")
