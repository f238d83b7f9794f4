"""Corpus filters: from a ``CorpusRow`` to an accepted ``Program`` or one counted reason.

Contract: ``check_rows(rows, *, origin, config) -> list[Program | str]`` (one entry per row, in order; a str
is the rejection reason, one of ``REASONS``). Nothing a row holds runs in this process: the code, its input
generator and its calls run only in the sandbox (``execgym.engine.run_batch``). Checks, first failing wins:

- static (the row's code and its generator): ``syntax_error``, ``no_function``, ``no_inputs``,
  ``too_large_code`` (over ``max_source_chars``), ``non_stdlib_import`` (a module outside
  ``sys.stdlib_module_names``), ``files_or_network`` (``os``/``socket``/``subprocess``... imports, ``open``,
  ``input``), ``dynamic_code`` (``eval``/``exec``/``compile``/``__import__``), ``nondeterministic``
  (``time``/``uuid``/``secrets`` imports, ``.now()``/``.today()``/``id()`` calls, or the code reads the
  ``random`` module: the sandbox child reseeds it from the OS, so such a program has no single answer; an
  unused ``import random`` is fine);
- input generator (CodeI/O): the code and ``generate_inputs`` run in one sandbox child, which seeds
  ``random`` and passes ``random.Random(s)`` for each of ``config.inputs`` seeds derived from the row's
  content (``execgym.seeding``), twice, under hash seeds 0 and 1: ``inputs_crash``, ``inputs_timeout``,
  ``nondeterministic_inputs`` (the two runs differ), ``inputs_mismatch`` (not a dict of the entry's
  parameters), ``inputs_not_literal``, ``too_large_input`` (every call text over ``max_call_chars``);
- rows with fewer calls than ``1 + variants`` are topped up with ``execgym.synth.api.variant_calls``
  (fresh literal arguments of the same kinds);
- execution (every call traced; the main call is the row's first call, or for a generator row the first
  generated call that runs ``ok``): ``crash``, ``timeout`` (still none after a retry with 8 s),
  ``too_long`` (trace truncated or over ``max_line_steps`` line steps), ``prints`` (wrote to stdout),
  ``not_literal`` (the result cannot be written as a literal), ``nondeterministic`` (another result when the
  main call runs again under hash seeds 1 and 2, in fresh processes);
- quality (``execgym.synth.quality.judge`` over every call that ran ok): each problem in ``config.reject``
  (by default ``constant_output``: the output does not depend on the input; ``trivial_output``;
  ``dead_statement``: a statement no run executed). The other measures are kept in ``meta["quality"]``.

``sandbox_error`` (the sandbox itself failed after retries) is a reason too; it says nothing about the row.
An accepted row becomes a ``Program`` with ``origin``, the level from ``execgym.synth.leveling``, the main
call's trace steps, the other ok calls as ``variants`` (at most ``config.inputs - 1``) and ``meta`` holding
``row``, ``inputs`` ("row" | "generator" | "variants"), ``task_description``/``input_output_spec`` when the
row has them, and ``quality``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from execgym.seeding import derive_seed
from execgym.synth.corpus_rows import CorpusRow, parse_code

STATIC_REASONS = ("syntax_error", "no_function", "no_inputs", "too_large_code", "non_stdlib_import",
                  "files_or_network", "dynamic_code", "nondeterministic")
INPUT_REASONS = ("inputs_crash", "inputs_timeout", "nondeterministic_inputs", "inputs_mismatch",
                 "inputs_not_literal", "too_large_input")
RUN_REASONS = ("crash", "timeout", "too_long", "prints", "not_literal", "nondeterministic", "sandbox_error")
QUALITY_REASONS = ("constant_output", "trivial_output", "dead_statement", "constant_test", "idiom",
                   "unused_result")
REASONS = tuple(dict.fromkeys(("accepted", *STATIC_REASONS, *INPUT_REASONS, *RUN_REASONS, *QUALITY_REASONS)))

FILE_NET_MODULES = frozenset({
    "os", "io", "socket", "subprocess", "shutil", "pathlib", "tempfile", "glob", "urllib", "http", "ftplib",
    "smtplib", "poplib", "imaplib", "ssl", "sqlite3", "pickle", "shelve", "dbm", "multiprocessing",
    "threading", "asyncio", "concurrent", "ctypes", "signal", "select", "selectors", "mmap", "fileinput",
    "webbrowser", "zipfile", "tarfile", "gzip", "bz2", "lzma", "importlib", "builtins", "inspect", "gc",
    "platform", "resource", "pty", "fcntl", "termios", "sched", "xmlrpc", "telnetlib", "socketserver",
    "wsgiref", "logging", "getpass", "pwd", "grp", "site", "sysconfig", "runpy", "code", "codeop", "pdb",
})
NONDETERMINISTIC_MODULES = frozenset({"time", "uuid", "secrets"})
_FILE_CALLS = frozenset({"open", "input", "breakpoint", "exit", "quit", "help"})
_DYNAMIC_CALLS = frozenset({"eval", "exec", "compile", "__import__", "globals", "locals", "vars"})
_CLOCK_ATTRS = frozenset({"now", "today", "utcnow", "time_ns", "perf_counter", "monotonic"})
GENERATOR_CALL = "_execgym_inputs"
GENERATOR_PRELUDE = "import random\nfrom random import Random\nfrom typing import *\n"


@dataclass(frozen=True)
class CorpusConfig:
    inputs: int = 12                  # generated inputs per generator row (main call + variants)
    variants: int = 5                 # rows shipping fewer than 1 + variants calls are topped up
    max_source_chars: int = 8000
    max_call_chars: int = 2000
    max_line_steps: int = 2000
    timeout: float = 2.0
    retry_timeouts: tuple[float, ...] = (8.0,)
    reject: tuple[str, ...] = ("constant_output", "trivial_output", "dead_statement")
    seed: int = 0

    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "variants": self.variants, "max_source_chars": self.max_source_chars,
                "max_call_chars": self.max_call_chars, "max_line_steps": self.max_line_steps,
                "reject": list(self.reject), "seed": self.seed}


# ----------------------------------------------------------------------------------------------- static
def _modules(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module.split(".")[0])
    return out


def _uses_random(tree: ast.AST) -> bool:
    """Whether the code reads the ``random`` module or a name imported from it (an unused import is fine:
    the sandbox child draws a fresh seed, so a program that uses it has no single answer)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update(a.asname or a.name for a in node.names if a.name.split(".")[0] == "random")
        elif isinstance(node, ast.ImportFrom) and node.module == "random":
            bound.update(a.asname or a.name for a in node.names)
    return any(isinstance(n, ast.Name) and n.id in bound and isinstance(n.ctx, ast.Load) for n in ast.walk(tree))


def static_reason(code: str, *, generator: bool = False) -> str:
    """The first static rejection reason of ``code`` ('' when none). ``generator``: the input generator,
    which may use ``random`` (it gets a seeded one) but nothing else that is nondeterministic."""
    try:
        tree = parse_code(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "syntax_error"
    stdlib = getattr(sys, "stdlib_module_names", frozenset())
    modules = _modules(tree)
    if any(m not in stdlib for m in modules):
        return "non_stdlib_import"
    if any(m in FILE_NET_MODULES for m in modules):
        return "files_or_network"
    names = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    if names & _FILE_CALLS:
        return "files_or_network"
    if names & _DYNAMIC_CALLS:
        return "dynamic_code"
    if any(m in NONDETERMINISTIC_MODULES for m in modules) or "id" in names:
        return "nondeterministic"
    if not generator and _uses_random(tree):
        return "nondeterministic"
    if any(isinstance(n, ast.Attribute) and n.attr in _CLOCK_ATTRS for n in ast.walk(tree)):
        return "nondeterministic"
    return ""


def row_static_reason(row: CorpusRow, config: CorpusConfig) -> str:
    if row.problem:
        return row.problem
    if len(row.source) > config.max_source_chars:
        return "too_large_code"
    why = static_reason(row.source)
    if why:
        return why
    if row.generator:
        why = static_reason(row.generator, generator=True)
        if why:
            return why
    return ""


# ------------------------------------------------------------------------------------------- execution
def _outcome(result: Any) -> str:
    return str(getattr(result.outcome, "value", result.outcome))


def run_decided(requests: list[Any], config: CorpusConfig, workers: int | None = None) -> list[Any]:
    """``run_batch`` with timeouts and sandbox errors retried under ``config.retry_timeouts`` (never raises
    for anything a request holds)."""
    from execgym.engine.api import run_batch

    if not requests:
        return []
    results = list(run_batch(requests, workers=workers))
    for timeout in config.retry_timeouts:
        todo = [i for i, r in enumerate(results) if _outcome(r) in ("timeout", "sandbox_error")]
        if not todo:
            break
        again = run_batch([replace(requests[i], timeout=max(timeout, requests[i].timeout)) for i in todo],
                          workers=workers)
        for i, result in zip(todo, again):
            results[i] = result
    return results


def input_seeds(row: CorpusRow, config: CorpusConfig) -> list[int]:
    """The seeds of a row's generated inputs: hashed from its content, so the same row gets the same inputs."""
    return [derive_seed("execgym.corpus.inputs", row.source, row.generator, config.seed, i) >> 32
            for i in range(config.inputs)]


def generator_program(row: CorpusRow, config: CorpusConfig) -> tuple[str, str]:
    """``(source, call)`` of the sandbox run that draws a row's inputs (code + generator + a driver)."""
    tree = parse_code(row.generator)
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    name = "generate_inputs" if "generate_inputs" in names else (names[0] if names else "generate_inputs")
    driver = (f"def {GENERATOR_CALL}(seeds):\n    out = []\n    for s in seeds:\n        random.seed(s)\n"
              f"        out.append({name}(Random(s)))\n    return out\n")
    source = f"{GENERATOR_PRELUDE}\n{row.source.rstrip()}\n\n\n{row.generator.rstrip()}\n\n\n{driver}"
    return source, f"{GENERATOR_CALL}({input_seeds(row, config)!r})"


def _parameters(source: str, entry: str) -> tuple[list[str], set[str], bool] | None:
    for node in parse_code(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry:
            a = node.args
            positional = [x.arg for x in [*a.posonlyargs, *a.args]]
            return positional, {x.arg for x in a.kwonlyargs}, a.kwarg is not None
    return None


def calls_from_inputs(row: CorpusRow, values: Any, config: CorpusConfig) -> list[str] | str:
    """Call texts of ``entry`` for the generated argument dicts, or the rejection reason."""
    from execgym.tasks.literals import is_plain, render_literal

    params = _parameters(row.source, row.entry)
    if params is None or not isinstance(values, list):
        return "inputs_mismatch"
    positional, keyword_only, any_keyword = params
    calls: list[str] = []
    too_large = False
    for value in values:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return "inputs_mismatch"
        if not set(value) <= set(positional) | keyword_only and not any_keyword:
            return "inputs_mismatch"
        if not all(is_plain(v) for v in value.values()):
            return "inputs_not_literal"
        try:
            if set(value) == set(positional):
                parts = [render_literal(value[p]) for p in positional]
            else:
                parts = [f"{k}={render_literal(v)}" for k, v in value.items()]
        except (ValueError, RecursionError):
            return "inputs_not_literal"
        text = f"{row.entry}({', '.join(parts)})"
        if len(text) > config.max_call_chars:
            too_large = True
            continue
        calls.append(text)
    calls = list(dict.fromkeys(calls))
    if not calls:
        return "too_large_input" if too_large else "inputs_mismatch"
    return calls


def _generated(rows: Sequence[CorpusRow], config: CorpusConfig, workers: int | None) -> list[list[str] | str]:
    from execgym.engine.request import RunRequest
    from execgym.synth.quality import output_key

    requests = []
    for row in rows:
        source, call = generator_program(row, config)
        requests += [RunRequest(source=source, call=call, mode="run", hash_seed=h, timeout=config.timeout,
                                memory_mb=1024, limits={"result_bytes": 16 << 20}) for h in (0, 1)]
    results = run_decided(requests, config, workers)
    out: list[list[str] | str] = []
    for i, row in enumerate(rows):
        first, second = results[2 * i], results[2 * i + 1]
        kinds = {_outcome(first), _outcome(second)}
        if "sandbox_error" in kinds:
            out.append("sandbox_error")
        elif "timeout" in kinds:
            out.append("inputs_timeout")
        elif kinds != {"ok"}:
            out.append("inputs_crash")
        elif output_key(first.return_value) != output_key(second.return_value):
            out.append("nondeterministic_inputs")
        else:
            out.append(calls_from_inputs(row, first.return_value, config))
    return out


def _failure(trace: Any, config: CorpusConfig) -> str:
    """Why the main call's trace cannot back a program ('' when it can)."""
    from execgym.tasks.literals import is_plain, render_literal

    outcome = _outcome(trace)
    if outcome == "exception":
        return "crash"
    if outcome in ("timeout", "sandbox_error"):
        return outcome
    if outcome != "ok" or trace.truncated:
        return "too_long"
    if sum(1 for s in trace.steps if s.event == "line") > config.max_line_steps:
        return "too_long"
    if trace.stdout:
        return "prints"
    if not is_plain(trace.return_value):
        return "not_literal"
    try:
        render_literal(trace.return_value)
    except (ValueError, RecursionError):
        return "not_literal"
    return ""


def _topped_up(row: CorpusRow, calls: list[str], config: CorpusConfig) -> tuple[list[str], str]:
    from execgym.synth.api import variant_calls

    if len(calls) >= 1 + config.variants:
        return calls, "row"
    try:
        extra = variant_calls(row.source, row.entry, calls[0], 1 + config.variants - len(calls), config.seed,
                              exclude=calls, strict=False)
    except (SyntaxError, ValueError):
        extra = []
    return calls + extra, "variants" if extra else "row"


def check_rows(rows: Sequence[CorpusRow], *, origin: str, config: CorpusConfig | None = None,
               workers: int | None = None, progress: Callable[[int], Any] | None = None,
               chunk: int = 32) -> list[Any]:
    """See the module contract; ``progress(k)`` is called with the number of rows just finished."""
    config = config or CorpusConfig()
    out: list[Any] = []
    for start in range(0, len(rows), chunk):
        out += _check_chunk(rows[start:start + chunk], origin, config, workers)
        if progress is not None:
            progress(len(rows[start:start + chunk]))
    return out


def _check_chunk(rows: Sequence[CorpusRow], origin: str, config: CorpusConfig, workers: int | None) -> list[Any]:
    from execgym.engine.request import RunRequest

    verdicts: list[Any] = [row_static_reason(row, config) or None for row in rows]
    plans: dict[int, tuple[list[str], str]] = {}
    generator_rows = [i for i, v in enumerate(verdicts) if v is None and rows[i].generator]
    for i, got in zip(generator_rows, _generated([rows[i] for i in generator_rows], config, workers)):
        if isinstance(got, str):
            verdicts[i] = got
        else:
            plans[i] = (got, "generator")
    for i, row in enumerate(rows):
        if verdicts[i] is None and i not in plans:
            plans[i] = _topped_up(row, list(row.calls), config)
    order = sorted(plans)
    requests = [RunRequest(source=rows[i].source, call=c, mode="trace", max_steps=10_000, timeout=config.timeout)
                for i in order for c in plans[i][0]]
    traces = run_decided(requests, config, workers)
    main: dict[int, tuple[int, list[Any]]] = {}
    pos = 0
    for i in order:
        mine = traces[pos:pos + len(plans[i][0])]
        pos += len(mine)
        if plans[i][1] == "generator":
            first = next((k for k, t in enumerate(mine) if not _failure(t, config)), 0)
        else:
            first = 0
        why = _failure(mine[first], config)
        if why:
            verdicts[i] = why
        else:
            main[i] = (first, mine)
    reruns = run_decided([RunRequest(source=rows[i].source, call=plans[i][0][main[i][0]], mode="run",
                                     hash_seed=h, timeout=config.timeout) for i in sorted(main) for h in (1, 2)],
                         config, workers)
    for k, i in enumerate(sorted(main)):
        verdicts[i] = _accept(rows[i], plans[i], main[i], reruns[2 * k:2 * k + 2], origin, config)
    return verdicts


def _accept(row: CorpusRow, plan: tuple[list[str], str], chosen: tuple[int, list[Any]], reruns: list[Any],
            origin: str, config: CorpusConfig) -> Any:
    from execgym.synth.leveling import assign_level, corpus_features, measure_structure
    from execgym.synth.program import Program
    from execgym.synth.quality import judge, output_key

    calls, inputs = plan
    first, traces = chosen
    main = traces[first]
    for rerun in reruns:
        if _outcome(rerun) == "sandbox_error":
            return "sandbox_error"
        if _outcome(rerun) != "ok" or output_key(rerun.return_value) != output_key(main.return_value):
            return "nondeterministic"
    ok = [k for k, t in enumerate(traces) if k != first and not _failure(t, config)]
    quality = judge(row.source, [main, *(traces[k] for k in ok)])
    problems = quality.problems()
    for problem in problems:
        if problem in config.reject:
            return problem
    structure = measure_structure(row.source, row.entry)
    lines = [s.line for s in main.steps if s.event == "line"]
    level = assign_level(structure, len(lines))
    counts = sorted(structure.operations.items(), key=lambda kv: (-kv[1], kv[0]))
    focus = ("corpus", counts[0][0] if counts else row.entry)
    meta = {"row": row.row_id, "inputs": inputs, "quality": problems, **row.meta}
    return Program(
        source=row.source, entry=row.entry, call=calls[first], level=level, constraints=structure.to_dict(),
        features=corpus_features(row.source, structure, lines), expected=main.return_value, focus=focus,
        seed=None, variants=tuple(calls[k] for k in ok[:max(0, config.inputs - 1)]), origin=origin,
        meta=meta, trace_steps=tuple(main.steps),
    )
