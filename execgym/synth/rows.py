"""Program files as rows: execgym's own ``Program`` JSONL and users' ``{code, input}`` files.

Contract: ``read_program_rows(path)`` reads a JSONL file (``.jsonl`` or ``.jsonl.gz``) and returns one
``ProgramRow`` per line, in file order. Recognised line shapes:

- execgym's ``Program.to_dict()`` (``source``, ``entry``, ``call``, ``level``, optional ``variants``);
- CRUXEval's ``{code, input[, output, id]}``: ``input`` is the argument text (``"[1, 2], 3"``) or a whole call;
- ``{code, inputs: [...]}``: several argument texts (or calls), the first is the row's main call.

The entry function of a ``code`` row is ``entry`` when the row names it, else ``f`` when the code defines it
(CRUXEval's convention), else the last top-level function. A line that is not JSON, or has none of these
shapes, raises ``ValueError`` naming the file and line: nothing is skipped silently. Readers of other corpus
formats (input generators, parquet, folders of ``.py`` files) build the same ``ProgramRow``.
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


@dataclass(frozen=True)
class ProgramRow:
    source: str
    entry: str
    calls: tuple[str, ...]            # the main call first, then the further inputs the row ships with
    level: int | None = None          # None: nobody assigned one
    row_id: str = ""                  # the row's own id, or "<file>:<line>"
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def call(self) -> str:
        return self.calls[0]


def entry_of(source: str, preferred: str = "") -> str:
    """The entry function of ``source``: ``preferred`` if defined, else ``f``, else the last top-level def."""
    tree = astparse.parse(source)
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if preferred and preferred in names:
        return preferred
    if preferred:
        raise ValueError(f"the code defines no function {preferred!r}")
    if not names:
        raise ValueError("the code defines no top-level function")
    return "f" if "f" in names else names[-1]


def call_text(entry: str, arguments: str) -> str:
    """``entry(arguments)``, unless ``arguments`` already is a call of ``entry``."""
    text = arguments.strip()
    try:
        node = astparse.parse(text, mode="eval").body
    except SyntaxError:
        node = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry:
        return text
    return f"{entry}({text})"


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def row_from_dict(data: dict, where: str) -> ProgramRow:
    """One ``ProgramRow`` from a decoded line (``where`` names it in errors)."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    level = data.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
        raise ValueError(f"{where}: 'level' must be an integer")
    row_id = str(data.get("id") or data.get("row_id") or where)
    if "source" in data and "call" in data:
        entry = str(data.get("entry") or "") or entry_of(str(data["source"]))
        calls = (str(data["call"]), *(str(v) for v in data.get("variants") or ()))
        meta = {k: data[k] for k in ("seed", "focus", "origin") if k in data}
        return ProgramRow(str(data["source"]), entry, calls, level, row_id, meta)
    if "code" in data and ("input" in data or "inputs" in data):
        code = str(data["code"])
        try:
            entry = entry_of(code, str(data.get("entry") or ""))
        except SyntaxError as exc:
            raise ValueError(f"{where}: the code does not parse ({exc.msg}, line {exc.lineno})") from None
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        raw = [data["input"]] if "input" in data else list(data["inputs"] or [])
        if not raw or not all(isinstance(x, str) for x in raw):
            raise ValueError(f"{where}: 'input'/'inputs' must be argument text (a string or a list of strings)")
        meta = {k: data[k] for k in ("output", "task_description", "input_output_spec") if k in data}
        return ProgramRow(code, entry, tuple(call_text(entry, x) for x in raw), level, row_id, meta)
    raise ValueError(f"{where}: a row needs 'source' and 'call' (execgym programs) or 'code' and "
                     f"'input'/'inputs' (CRUXEval style); it has {sorted(data)[:8]}")


def iter_program_rows(path: str | Path) -> Iterator[ProgramRow]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such program file: {path}")
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                data: Any = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON ({exc.msg})") from None
            yield row_from_dict(data, where)


def read_program_rows(path: str | Path) -> list[ProgramRow]:
    """Every row of a program JSONL file (see the module contract)."""
    return list(iter_program_rows(path))
