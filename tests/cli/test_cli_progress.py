"""Long commands show progress on stderr: tqdm when installed, else execgym's plain counter."""

from __future__ import annotations

import io
import sys

import pytest

from execgym.cli import main as cli_main
from execgym.progress import CounterBar, progress_bar


def test_counter_fallback_counts_and_ends_the_line():
    out = io.StringIO()
    bar = CounterBar(3, "dataset ExecIO-v0", "row", file=out, interval=0.0)
    bar.update(2)
    bar.set_postfix(acc="0.500")
    bar.update(1)
    bar.close()
    text = out.getvalue()
    assert "dataset ExecIO-v0: 2/3 row" in text and "3/3 row" in text and "acc=0.500" in text
    assert text.endswith("\n")


@pytest.mark.parametrize("tqdm_installed", [True, False])
def test_dataset_export_shows_progress(tmp_path, capsys, monkeypatch, tqdm_installed):
    if not tqdm_installed:
        monkeypatch.setitem(sys.modules, "tqdm", None)  # as without the eval extra
    else:
        pytest.importorskip("tqdm")
    code = cli_main(["dataset", "--env", "ExecNext-v0", "--levels", "1", "-n", "3", "-o", str(tmp_path / "d.jsonl")])
    err = capsys.readouterr().err
    assert code == 0 and "dataset ExecNext-v0" in err and "3/3" in err
    assert type(progress_bar(1, "x")).__name__ == ("tqdm" if tqdm_installed else "CounterBar")


def test_eval_progress_without_tqdm(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    code = cli_main(["eval", "--model", "heuristic", "--env", "ExecNext-v0", "--levels", "1", "-n", "2",
                     "-o", str(tmp_path / "r"), "--no-plot"])
    assert code == 0 and "heuristic: 2/2 ep" in capsys.readouterr().err
