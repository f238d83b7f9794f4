"""Program corpora as a source: ``"corpus:PATH"`` and ``"corpus:codeio"`` for every environment.

Contract (``execgym.synth.sources`` defines ``ProgramSource``; importing this module registers the
``corpus`` family):

- ``corpus_source("PATH" | "codeio" | "codeio-hq") -> CorpusSource``: cheap (it reads the file's bytes to
  fingerprint them, nothing runs); a missing file is ``FileNotFoundError``, ``codeio`` without the
  ``reasoning-gym`` package is ``ValueError`` with the install line.
- ``CorpusSource.fingerprint``: BLAKE2b of the corpus content (file bytes; for a folder, every ``.py``
  file's relative path and bytes), the filter configuration and ``PIPELINE_VERSION``.
- ``CorpusSource.processed() -> CorpusResult``: the rows read (``execgym.synth.corpus_rows``) and checked
  (``execgym.synth.corpus_filters``) once, then cached on disk under ``cache_dir()/<fingerprint>.json.gz``
  (``$EXECGYM_CACHE_DIR``, else ``$XDG_CACHE_HOME/execgym``, else ``~/.cache/execgym``, then ``corpus/``);
  later processes read the cache. ``CorpusResult`` holds the accepted ``Program``s in row order, the count
  of every reason (``accepted`` included) and the number of rows.
- ``levels()``: the levels that have at least one accepted program. ``program(level, seed)``: the accepted
  program at ``index = derive_seed("execgym.corpus", fingerprint, level, seed) % n`` among that level's
  ``n`` programs (``ValueError`` naming the levels there are when the level has none); byte-identical in
  every process for the same corpus content.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execgym.seeding import derive_seed
from execgym.synth.corpus_filters import REASONS, CorpusConfig
from execgym.synth.program import Program
from execgym.synth.sources import register_source

PIPELINE_VERSION = "corpus-1"
BUNDLED = {"codeio": "codeio.jsonl.gz", "codeio-hq": "codeio-hq.jsonl.gz"}


def cache_dir() -> Path:
    """Where processed corpora are cached (see the module contract)."""
    root = os.environ.get("EXECGYM_CACHE_DIR")
    if root:
        return Path(root) / "corpus"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "execgym" / "corpus"


def bundled_path(name: str) -> Path:
    """The file of a bundled corpus name (``codeio``: reasoning-gym's ``data/codeio.jsonl.gz``)."""
    import importlib.util

    spec = importlib.util.find_spec("reasoning_gym")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"source 'corpus:{name}' needs the reasoning-gym package (CodeI/O's data ships in it): "
                         "pip install reasoning-gym")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / BUNDLED[name]
    if not path.is_file():
        raise ValueError(f"source 'corpus:{name}': the installed reasoning-gym has no {path.name}")
    return path


def content_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16, person=b"execgym-corpus")
    if path.is_dir():
        for file in sorted(path.rglob("*.py")):
            rel = file.relative_to(path).as_posix().encode()
            digest.update(len(rel).to_bytes(4, "big") + rel)
            data = file.read_bytes()
            digest.update(len(data).to_bytes(8, "big") + data)
    else:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@dataclass
class CorpusResult:
    programs: list[Program]
    counts: dict[str, int]
    rows: int
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> first few row ids

    def by_level(self) -> dict[int, list[Program]]:
        out: dict[int, list[Program]] = {}
        for program in self.programs:
            out.setdefault(program.level, []).append(program)
        return dict(sorted(out.items()))

    def summary(self) -> dict:
        """Acceptance counts by reason (every reason of ``REASONS`` that occurred, in that order) and the
        level histogram of the accepted programs."""
        counts = {r: self.counts[r] for r in REASONS if self.counts.get(r)}
        counts.update({r: n for r, n in sorted(self.counts.items()) if r not in counts and n})
        return {"rows": self.rows, "accepted": self.counts.get("accepted", 0), "reasons": counts,
                "levels": {str(k): len(v) for k, v in self.by_level().items()},
                "with_statement": sum(1 for p in self.programs if p.meta.get("task_description")),
                "examples": self.examples}

    def to_json(self) -> dict:
        return {"version": PIPELINE_VERSION, "rows": self.rows, "counts": self.counts,
                "examples": self.examples, "programs": [p.to_dict() for p in self.programs]}

    @classmethod
    def from_json(cls, data: dict) -> CorpusResult:
        return cls([Program.from_dict(p) for p in data["programs"]], dict(data["counts"]), int(data["rows"]),
                   {k: list(v) for k, v in (data.get("examples") or {}).items()})


def process_rows(rows: Sequence[Any], *, origin: str, config: CorpusConfig | None = None,
                 workers: int | None = None, progress: Callable[[int], Any] | None = None) -> CorpusResult:
    """Check ``rows`` (``CorpusRow``s) and collect the result (no cache)."""
    from execgym.synth.corpus_filters import check_rows

    verdicts = check_rows(rows, origin=origin, config=config, workers=workers, progress=progress)
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    programs = []
    for row, verdict in zip(rows, verdicts):
        if isinstance(verdict, Program):
            programs.append(verdict)
            counts["accepted"] += 1
        else:
            counts[verdict] += 1
            if len(examples.setdefault(verdict, [])) < 3:
                examples[verdict].append(row.row_id)
    return CorpusResult(programs, dict(counts), len(rows), examples)


class CorpusSource:
    """A corpus file or folder as a ``ProgramSource`` (see the module contract)."""

    def __init__(self, name: str, path: Path, config: CorpusConfig | None = None) -> None:
        self.name = name
        self.path = path
        self.config = config or CorpusConfig()
        if not path.exists():
            raise FileNotFoundError(f"source {name!r}: no such corpus file or folder: {path}")
        if not (path.is_dir() or path.name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".json", ".json.gz"))):
            raise ValueError(f"source {name!r}: a corpus is a .jsonl, .jsonl.gz or .parquet file or a folder of "
                             f".py files, not {path.name}")
        config_text = json.dumps(self.config.to_dict(), sort_keys=True)
        self.fingerprint = hashlib.blake2b(
            f"{PIPELINE_VERSION}|{content_hash(path)}|{config_text}".encode(), digest_size=12).hexdigest()
        self._result: CorpusResult | None = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self.name.partition(":")[2] or self.name

    @property
    def cache_file(self) -> Path:
        return cache_dir() / f"{self.fingerprint}.json.gz"

    def processed(self, *, workers: int | None = None, progress: Callable[[int], Any] | None = None,
                  rows_seen: Callable[[int], Any] | None = None) -> CorpusResult:
        """The checked corpus, from memory, the disk cache or a fresh run (then cached)."""
        with self._lock:
            if self._result is None:
                self._result = self._load() or self._process(workers, progress, rows_seen)
            return self._result

    def _load(self) -> CorpusResult | None:
        try:
            with gzip.open(self.cache_file, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, EOFError):
            return None
        if data.get("version") != PIPELINE_VERSION:
            return None
        return CorpusResult.from_json(data)

    def _process(self, workers: int | None, progress: Callable[[int], Any] | None,
                 rows_seen: Callable[[int], Any] | None) -> CorpusResult:
        from execgym.synth.corpus_rows import read_corpus

        rows = read_corpus(self.path)
        if rows_seen is not None:
            rows_seen(len(rows))
        result = process_rows(rows, origin=f"corpus:{self.label}", config=self.config, workers=workers,
                              progress=progress)
        target = self.cache_file
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            with gzip.open(tmp, "wt", encoding="utf-8") as handle:
                json.dump(result.to_json(), handle, sort_keys=True)
            os.replace(tmp, target)
        except OSError:
            pass  # an unwritable cache costs speed only
        return result

    # -- ProgramSource ----------------------------------------------------------------------------------
    def levels(self) -> tuple[int, ...]:
        return tuple(self.processed().by_level())

    def program(self, level: int, seed: int) -> Program:
        by_level = self.processed().by_level()
        pool = by_level.get(int(level))
        if not pool:
            raise ValueError(f"source {self.name!r} has no program at level {level}; it has levels "
                             f"{list(by_level)}")
        return pool[derive_seed("execgym.corpus", self.fingerprint, int(level), int(seed)) % len(pool)]

    def programs(self, level: int, seeds: Sequence[int]) -> list[Program]:
        return [self.program(level, s) for s in seeds]


@functools.lru_cache(maxsize=16)
def _source_for(rest: str, stamp: tuple) -> CorpusSource:
    if rest in BUNDLED:
        return CorpusSource(f"corpus:{rest}", bundled_path(rest))
    return CorpusSource(f"corpus:{rest}", Path(rest).expanduser())


def corpus_source(rest: str) -> CorpusSource:
    """The source ``"corpus:" + rest`` names (a path, or a bundled corpus name)."""
    if rest in BUNDLED:
        return _source_for(rest, ())
    path = Path(rest).expanduser()
    try:
        stat = path.stat()
        stamp: tuple = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        raise FileNotFoundError(f"source 'corpus:{rest}': no such corpus file or folder: {path}") from None
    return _source_for(rest, stamp)


register_source("corpus", corpus_source)
