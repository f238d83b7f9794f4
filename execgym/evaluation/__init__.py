"""Evaluation: run models on execgym's environments and on standard benchmarks, and report.

- :func:`execgym.evaluation.harness.evaluate` runs episodes concurrently, appends one JSONL record per
  episode (resumable), and returns the records; :mod:`~execgym.evaluation.report` turns records into the
  table, ``summary.json`` and the accuracy-by-level plot.
- :mod:`~execgym.evaluation.benchmarks` loads CRUXEval-O/I, LiveCodeBench execution and REval from the
  files their authors publish, scoring each with execgym's literal-only verifiers and with the
  benchmark's own protocol (re-hosted in execgym's sandbox).
- :func:`~execgym.evaluation.difficulty.filter_programs` is the pass-rate difficulty filter;
  :mod:`~execgym.evaluation.distill` writes verified SFT data from a teacher.

Nothing here imports httpx, tqdm, matplotlib or torch at import time.
"""

from __future__ import annotations

from execgym.lazy import lazy_exports

_LAZY = {
    "evaluate": "execgym.evaluation.harness:evaluate",
    "EvalConfig": "execgym.evaluation.harness:EvalConfig",
    "env_items": "execgym.evaluation.items:env_items",
    "summarize": "execgym.evaluation.metrics:summarize",
    "pass_at_k": "execgym.evaluation.metrics:pass_at_k",
    "filter_programs": "execgym.evaluation.difficulty:filter_programs",
    "load_benchmark": "execgym.evaluation.benchmarks:load_benchmark",
}

__all__ = ["EvalConfig", "env_items", "evaluate", "filter_programs", "load_benchmark", "pass_at_k", "summarize"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
