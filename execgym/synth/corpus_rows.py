"""Corpus readers: rows of code people wrote, before any filter.

Contract: ``read_corpus(path) -> list[CorpusRow]`` reads

- a JSONL file (``.jsonl``/``.jsonl.gz``) or a Parquet file (``.parquet``, needs ``pyarrow``: the ``parquet``
  extra) of rows shaped ``{code, input}`` (CRUXEval), ``{code, inputs: [...]}`` or ``{code,
  input_generator}`` (CodeI/O; ``code_sample`` is read as ``code``); optional ``entry``, ``id``,
  ``task_description``, ``input_output_spec``;
- a folder: every ``*.py`` file under it, through ``execgym.synth.corpus_extract`` (self-contained functions
  and the literal calls found for them in doctests and test files).

The entry function is ``entry`` when the row names it, else ``f``, else ``main_solution`` (CodeI/O), else
the last top-level function. A line that is not JSON, or a row of none of these shapes, raises
``ValueError`` naming the file and line (the file is not a corpus). A row whose code does not parse or
defines no function is still returned, with ``problem`` set (``syntax_error`` / ``no_function``), so the
filters count it. Nothing here runs any code.
"""

from __future__ import annotations

import ast
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execgym import astparse
from execgym.synth.rows import call_text

ENTRY_NAMES = ("f", "main_solution")


@dataclass(frozen=True)
class CorpusRow:
    source: str
    entry: str
    calls: tuple[str, ...] = ()          # literal calls the row ships with (main call first)
    generator: str = ""                  # CodeI/O's ``def generate_inputs(rng: Random) -> dict`` source
    row_id: str = ""
    meta: dict = field(default_factory=dict, compare=False)  # task_description, input_output_spec, output
    problem: str = ""                    # set when the row is unusable before running anything


def parse_code(code: str) -> ast.Module:
    """``astparse.parse`` without the warnings old code raises (invalid escape sequences...)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return astparse.parse(code)


def pick_entry(tree: ast.Module, preferred: str = "") -> str:
    """The entry function name (see the module contract); '' when there is none."""
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if preferred:
        return preferred if preferred in names else ""
    for name in ENTRY_NAMES:
        if name in names:
            return name
    return names[-1] if names else ""


def row_from_mapping(data: Any, where: str) -> CorpusRow:
    """One ``CorpusRow`` from a decoded row (``where`` names it in errors)."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    code = data.get("code", data.get("code_sample"))
    has_inputs = any(k in data for k in ("input", "inputs", "input_generator"))
    if not isinstance(code, str) or not has_inputs:
        raise ValueError(f"{where}: a corpus row needs 'code' (or 'code_sample') and 'input', 'inputs' or "
                         f"'input_generator'; it has {sorted(data)[:8]}")
    row_id = str(data.get("id") or data.get("row_id") or where)
    meta = {k: data[k] for k in ("task_description", "input_output_spec", "output")
            if isinstance(data.get(k), str) and data[k].strip()}
    generator = data.get("input_generator") or ""
    if not isinstance(generator, str):
        raise ValueError(f"{where}: 'input_generator' must be the source text of a function")
    raw: list[Any] = []
    if "input" in data and data["input"] is not None:
        raw = [data["input"]]
    elif "inputs" in data and data["inputs"] is not None:
        raw = list(data["inputs"]) if isinstance(data["inputs"], (list, tuple)) else [data["inputs"]]
    if not all(isinstance(x, str) for x in raw):
        raise ValueError(f"{where}: 'input'/'inputs' must be argument text (a string or a list of strings)")
    try:
        tree = parse_code(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return CorpusRow(code, "", (), generator, row_id, meta, "syntax_error")
    entry = pick_entry(tree, str(data.get("entry") or ""))
    if not entry:
        return CorpusRow(code, "", (), generator, row_id, meta, "no_function")
    calls = tuple(dict.fromkeys(call_text(entry, x) for x in raw if x.strip()))
    if not calls and not generator:
        return CorpusRow(code, entry, (), "", row_id, meta, "no_inputs")
    return CorpusRow(code, entry, calls, generator, row_id, meta)


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_jsonl(path: Path) -> Iterator[CorpusRow]:
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON ({exc.msg})") from None
            yield row_from_mapping(data, where)


def iter_parquet(path: Path) -> Iterator[CorpusRow]:
    try:
        import pyarrow.parquet as pq
    except ModuleNotFoundError:
        raise ValueError("reading a Parquet corpus needs pyarrow: pip install 'execgym[parquet]'") from None
    table = pq.read_table(path)
    for number, data in enumerate(table.to_pylist(), 1):
        yield row_from_mapping(data, f"{path.name}:row {number}")


def read_corpus(path: str | Path) -> list[CorpusRow]:
    """Every row of a corpus file or folder (see the module contract)."""
    path = Path(path)
    if path.is_dir():
        from execgym.synth.corpus_extract import extract_folder

        return extract_folder(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such corpus file or folder: {path}")
    if path.name.endswith(".parquet"):
        return list(iter_parquet(path))
    return list(iter_jsonl(path))
