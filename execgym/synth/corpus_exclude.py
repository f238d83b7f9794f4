"""Contamination guard: drop corpus programs whose code is an evaluation benchmark's code.

Contract: ``fingerprints_of_file(path) -> frozenset[str]`` reads a JSONL (``.gz`` too) or Parquet file of
benchmark rows (CRUXEval ``code``, HumanEval ``prompt`` + ``canonical_solution``, CodeI/O ``code_sample``,
execgym ``source``, ``solution``...) and returns the normalised syntax-tree fingerprints of every row's code:
one for the whole module and one per top-level function. ``code_fingerprints(code)`` is the same for one
text. Normalised: ``ast.dump`` without positions, with docstrings removed, so layout, comments and
docstrings do not matter but names and literals do. ``matches(code, excluded)`` says whether any
fingerprint of ``code`` is in ``excluded``. Rows whose code does not parse contribute nothing; a file that is
not JSONL/Parquet raises ``ValueError``; a missing one ``FileNotFoundError``.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from execgym.synth.corpus_rows import parse_code

_TEXT_KEYS = ("code", "code_sample", "source", "solution", "reference", "program")
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (*_FUNCS, ast.Module)) and isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _digest(node: ast.AST) -> str:
    text = ast.dump(node, annotate_fields=False, include_attributes=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def code_fingerprints(code: str) -> frozenset[str]:
    """The module's fingerprint and one per top-level function/class (empty when it does not parse)."""
    try:
        tree = _strip_docstrings(parse_code(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return frozenset()
    out = {_digest(tree)}
    out.update(_digest(n) for n in tree.body if isinstance(n, _FUNCS))
    return frozenset(out)


def _texts(row: dict) -> Iterator[str]:
    for key in _TEXT_KEYS:
        if isinstance(row.get(key), str):
            yield row[key]
    if isinstance(row.get("canonical_solution"), str):
        yield str(row.get("prompt") or "") + row["canonical_solution"]


def _rows(path: Path) -> Iterator[dict]:
    if path.name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ModuleNotFoundError:
            raise ValueError("reading a Parquet file needs pyarrow: pip install 'execgym[parquet]'") from None
        yield from pq.read_table(path).to_pylist()
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}:{number}: not JSON ({exc.msg})") from None
            if isinstance(row, dict):
                yield row


def fingerprints_of_file(path: str | Path) -> frozenset[str]:
    """Every fingerprint of every row of a benchmark file (see the module contract)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file to exclude: {path}")
    out: set[str] = set()
    for row in _rows(path):
        for text in _texts(row):
            out |= code_fingerprints(text)
    return frozenset(out)


def matches(code: str, excluded: Iterable[str] | frozenset[str]) -> bool:
    excluded = excluded if isinstance(excluded, (set, frozenset)) else frozenset(excluded)
    return bool(code_fingerprints(code) & excluded)
