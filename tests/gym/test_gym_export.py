"""Dataset export: every format round-trips through ``execgym.score``; rows are JSON, deterministic, no pickles."""

from __future__ import annotations

import json
import sys

import pytest
from gymtest_helpers import REPO, run_python

import execgym
from execgym.gym.export import export_dataset, parse_levels, read_rows
from execgym.gym.formats import FORMATS, spec_and_response_columns


def _no_empty_dicts(value, where="row"):
    if isinstance(value, dict):
        assert value, f"empty dict at {where}"
        for k, v in value.items():
            _no_empty_dicts(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_empty_dicts(v, f"{where}[{i}]")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_through_score(tmp_path, fmt):
    suffix = ".parquet" if fmt in ("parquet", "verl") else ".jsonl"
    out = tmp_path / f"rows{suffix}"
    report = export_dataset("ExecIO-v0", n=6, path=out, format=fmt, levels="1-3", seed=0)
    assert report.rows == 6 and report.levels == {1: 2, 2: 2, 3: 2}
    rows = read_rows(out)
    assert len(rows) == 6
    get_spec, get_gold = spec_and_response_columns(fmt)
    for row in rows:
        _no_empty_dicts(row)
        spec_json = get_spec(row)
        assert isinstance(spec_json, str)
        spec = json.loads(spec_json)
        assert spec["env"] == "ExecIO-v0" and spec["level"] in (1, 2, 3)
        gold = get_gold(row)
        top = execgym.score(spec_json, gold)
        assert top.outcome == "correct" and top.reward == top.max_reward
        assert execgym.score(spec_json, "no answer").outcome == "format_error"
        prompt = execgym.make_task(spec_json).prompt
        if fmt == "openrlhf":
            assert (
                row["input"] == [{"role": "user", "content": prompt}]
                and row["datasource"] == "execgym/ExecIO-v0"
            )
        elif fmt == "verl":
            assert row["prompt"] == [{"role": "user", "content": prompt}]
            assert row["reward_model"]["style"] == "rule" and row["data_source"] == "execgym/ExecIO-v0"
            assert row["extra_info"]["level"] == spec["level"]
        elif fmt == "trl":
            assert row["prompt"] == [{"role": "user", "content": prompt}]
        else:
            assert row["prompt"] == prompt and row["messages"][0]["content"] == prompt
            assert row["id"] == f"ExecIO-v0/L{spec['level']}/s{spec['seed']}"


def test_export_all_envs_jsonl_with_text_prompts(tmp_path):
    for name in ("ExecNext-v0", "ExecVar-v0", "ExecOI-v0", "UnitTest-v0", "ExecAudit-v0"):
        out = tmp_path / f"{name}.jsonl"
        export_dataset(name, n=3, path=out, format="openrlhf", levels=[2, 5], seed=3, chat=False)
        for row in read_rows(out):
            assert isinstance(row["input"], str)
            score = execgym.score(row["label"], row["output"])
            assert score.outcome == "correct", (name, score.reason)


def test_workers_and_reruns_give_identical_bytes(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export_dataset("ExecVar-v0", n=24, path=a, levels="1-2", seed=9, workers=1)
    export_dataset("ExecVar-v0", n=24, path=b, levels="1-2", seed=9, workers=2)
    if a.read_bytes() != b.read_bytes():
        rows_a, rows_b = read_rows(a), read_rows(b)
        diff = [(i, x["id"], y["id"]) for i, (x, y) in enumerate(zip(rows_a, rows_b)) if x != y]
        first = diff[0][0]
        spec_a, spec_b = json.loads(rows_a[first]["spec"]), json.loads(rows_b[first]["spec"])
        keys = sorted(k for k in spec_a if spec_a[k] != spec_b.get(k))
        pytest.fail(f"{len(diff)} rows differ, first {diff[0]}, spec keys {keys}:\n{spec_a}\n{spec_b}")
    c = tmp_path / "c.jsonl"
    export_dataset("ExecVar-v0", n=24, path=c, levels="1-2", seed=10)
    assert c.read_bytes() != a.read_bytes()


def test_curriculum_orders_rows_easy_to_hard(tmp_path):
    out = tmp_path / "cur.jsonl"
    export_dataset(
        "ExecIO-v0", n=12, path=out, levels="1-3", seed=0, curriculum=True, env_kwargs={"whitebox": False}
    )
    levels = [row["level"] for row in read_rows(out)]
    assert levels[:4] == [1, 1, 1, 1] and max(levels[8:]) == 3
    for row in read_rows(out):
        assert json.loads(row["spec"])["options"]["whitebox"] is False


def test_bad_arguments_fail_before_writing(tmp_path):
    out = tmp_path / "x.jsonl"
    with pytest.raises(ValueError, match="levels"):
        export_dataset("ExecIO-v0", n=2, path=out, levels="0-2")
    with pytest.raises(ValueError, match="format"):
        export_dataset("ExecIO-v0", n=2, path=out, format="pickle")
    with pytest.raises(TypeError):
        export_dataset("ExecIO-v0", n=2, path=out, env_kwargs={"mode": "stepwise"})
    with pytest.raises(ValueError, match="unknown"):
        export_dataset("NoSuch-v0", n=2, path=out)
    assert not out.exists()
    assert parse_levels("1-3,6") == [1, 2, 3, 6] and parse_levels(None) is None


def test_cli_writes_verl_parquet(tmp_path):
    out = tmp_path / "verl.parquet"
    proc = run_python(
        f"import sys; from execgym.cli import main; sys.exit(main(['dataset', '--env', 'ExecOI-v0', '--levels', '1-2',"
        f" '-n', '4', '--seed', '1', '--format', 'verl', '-o', {str(out)!r}, '--quiet']))"
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["rows"] == 4 and report["storage"] == "parquet" and report["env"] == "ExecOI-v0"
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert set(table.column_names) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    for row in table.to_pylist():
        assert (
            execgym.score(row["reward_model"]["ground_truth"], row["extra_info"]["gold_response"]).outcome
            == "correct"
        )


def test_cli_reports_errors_with_exit_code_2(tmp_path):
    import subprocess

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "execgym",
            "dataset",
            "--env",
            "ExecIO-v0",
            "--levels",
            "9",
            "-n",
            "2",
            "-o",
            str(tmp_path / "x.jsonl"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2 and "not defined" in proc.stderr


def test_export_user_unittest_tasks_in_file_order(tmp_path):
    rows = [
        {
            "prompt": "Add.",
            "entry_point": "add",
            "tests": ["assert add(1, 2) == 3"],
            "solution": "def add(a, b):\n    return a + b\n",
        },
        {
            "prompt": "Negate.",
            "entry_point": "neg",
            "tests": ["assert neg(2) == -2"],
            "solution": "def neg(x):\n    return -x\n",
        },
    ]
    src = tmp_path / "user.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    report = export_dataset("UnitTest-v0", n=3, path=out, env_kwargs={"tasks_path": str(src)})
    assert report.rows == 3
    entries = [json.loads(r["spec"])["problem"]["entry"] for r in read_rows(out)]
    assert entries == ["add", "neg", "add"]


def test_missing_pyarrow_is_a_clear_error(tmp_path):
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from execgym.gym.export import export_dataset\n"
        "try:\n"
        f"    export_dataset('ExecIO-v0', n=2, path={str(tmp_path / 'x.parquet')!r}, format='parquet')\n"
        "except RuntimeError as exc:\n"
        "    print('ERR', exc)\n"
    )
    out = run_python(code).stdout
    assert "ERR writing Parquet needs pyarrow" in out and "execgym[parquet]" in out
    assert not (tmp_path / "x.parquet").exists()
