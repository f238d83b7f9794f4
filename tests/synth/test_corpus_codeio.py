"""``corpus:codeio``: CodeI/O's rows as shipped by reasoning-gym (an optional test dependency: skipped without
it). Only a slice of the file is processed here; the whole-file counts are printed by
``execgym corpus corpus:codeio`` (docs/corpus.md)."""

from __future__ import annotations

import gzip
import json

import gymnasium as gym
import pytest

import execgym  # noqa: F401 - registers the environments
from execgym.synth.corpus import bundled_path, corpus_source, process_rows
from execgym.synth.corpus_rows import read_corpus

SLICE = 40


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EXECGYM_CACHE_DIR", str(tmp_path / "cache"))


def test_codeio_without_reasoning_gym_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "reasoning_gym"
                        else real(name, *a))
    with pytest.raises(ValueError, match="needs the reasoning-gym package.*pip install reasoning-gym"):
        corpus_source("codeio")


def test_a_codeio_slice_becomes_programs_and_unittest_tasks(tmp_path):
    pytest.importorskip("reasoning_gym")
    path = bundled_path("codeio")
    rows = read_corpus(path)
    assert len(rows) == 3002 and all(r.generator and r.meta.get("task_description") for r in rows[:SLICE])
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        raw = [json.loads(next(handle)) for _ in range(SLICE)]
    result = process_rows(rows[:SLICE], origin="corpus:codeio")
    assert sum(result.counts.values()) == SLICE
    assert result.counts.get("non_stdlib_import", 0) >= 1 and result.counts.get("accepted", 0) >= 3
    assert all(p.meta["inputs"] == "generator" and p.entry == "main_solution" for p in result.programs)
    # the same slice as a corpus file serves UnitTest-v0 tasks with CodeI/O's statement
    sliced = tmp_path / "codeio-slice.jsonl"
    sliced.write_text("".join(json.dumps(r) + "\n" for r in raw), encoding="utf-8")
    level = result.programs[0].level
    env = gym.make("execgym/UnitTest-v0", level=level, source=f"corpus:{sliced}")
    obs, info = env.reset(seed=0)
    row = int(info["task"]["origin"]["row"].rsplit(":", 1)[1])
    assert obs.startswith(raw[row - 1]["task_description"].strip())
    assert "def main_solution(" in obs
    _, reward, *_, step = env.step(env.unwrapped.gold_response())
    assert step["outcome"] == "correct" and reward == 1.0
