"""Program corpora as a source: ``"corpus:PATH"`` and ``"corpus:codeio"`` for every environment.

Contract (``execgym.synth.sources`` defines ``ProgramSource``; importing this module registers the
``corpus`` family):

- ``corpus_source("PATH" | "codeio" | "codeio-hq", then optionally "::exclude=FILE" repeated) ->
  CorpusSource``: cheap (it reads the file's bytes to fingerprint them, nothing runs); a missing file is
  ``FileNotFoundError``, ``codeio`` without the ``reasoning-gym`` package is ``ValueError`` with the install
  line. ``exclude`` files (CRUXEval, HumanEval, REval JSONL) are the contamination guard
  (``execgym.synth.corpus_exclude``): accepted programs whose code matches one of their rows as syntax trees
  are not served; ``CorpusSource.excluded`` counts them and the fingerprint covers the excluded code.
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

    def __init__(self, name: str, path: Path, config: CorpusConfig | None = None,
                 exclude: Sequence[Path] = ()) -> None:
        self.name = name
        self.path = path
        self.config = config or CorpusConfig()
        self.exclude = tuple(exclude)
        if not path.exists():
            raise FileNotFoundError(f"source {name!r}: no such corpus file or folder: {path}")
        if not (path.is_dir() or path.name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".json", ".json.gz"))):
            raise ValueError(f"source {name!r}: a corpus is a .jsonl, .jsonl.gz or .parquet file or a folder of "
                             f".py files, not {path.name}")
        config_text = json.dumps(self.config.to_dict(), sort_keys=True)
        self.base_fingerprint = hashlib.blake2b(
            f"{PIPELINE_VERSION}|{content_hash(path)}|{config_text}".encode(), digest_size=12).hexdigest()
        self.excluded_fingerprints: frozenset[str] = frozenset()
        if self.exclude:
            from execgym.synth.corpus_exclude import fingerprints_of_file

            self.excluded_fingerprints = frozenset().union(*(fingerprints_of_file(p) for p in self.exclude))
        digest = hashlib.blake2b(self.base_fingerprint.encode(), digest_size=12)
        for item in sorted(self.excluded_fingerprints):
            digest.update(item.encode())
        self.fingerprint = self.base_fingerprint if not self.exclude else digest.hexdigest()
        self.excluded = 0  # accepted programs dropped because they match an excluded file (after processing)
        self._result: CorpusResult | None = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self.name.partition(":")[2] or self.name

    @property
    def cache_file(self) -> Path:
        return cache_dir() / f"{self.base_fingerprint}.json.gz"

    def processed(self, *, workers: int | None = None, progress: Callable[[int], Any] | None = None,
                  rows_seen: Callable[[int], Any] | None = None) -> CorpusResult:
        """The checked corpus, from memory, the disk cache or a fresh run (then cached)."""
        with self._lock:
            if self._result is None:
                result = self._load() or self._process(workers, progress, rows_seen)
                self._result = self._without_excluded(result)
            return self._result

    def _without_excluded(self, result: CorpusResult) -> CorpusResult:
        if not self.excluded_fingerprints:
            return result
        from execgym.synth.corpus_exclude import matches

        kept = [p for p in result.programs if not matches(p.source, self.excluded_fingerprints)]
        self.excluded = len(result.programs) - len(kept)
        counts = dict(result.counts)
        counts["accepted"] = len(kept)
        if self.excluded:
            counts["excluded"] = self.excluded
        return CorpusResult(kept, counts, result.rows, result.examples)

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


def split_name(rest: str) -> tuple[str, tuple[str, ...]]:
    """``"PATH::exclude=A::exclude=B"`` -> ``("PATH", ("A", "B"))`` (``ValueError`` for another option)."""
    where, *options = rest.split("::")
    excluded = []
    for option in options:
        key, sep, value = option.partition("=")
        if key != "exclude" or not sep or not value:
            raise ValueError(f"source 'corpus:{rest}': unknown option {option!r}; the only one is exclude=FILE")
        excluded.append(value)
    if not where:
        raise ValueError(f"source 'corpus:{rest}' names no corpus")
    return where, tuple(excluded)


def source_name(corpus: str, exclude: Sequence[str] = ()) -> str:
    """The source name of ``corpus`` (a path or bundled name) with ``exclude`` files (``--exclude``)."""
    return "corpus:" + "".join([corpus.removeprefix("corpus:"), *(f"::exclude={e}" for e in exclude)])


def _stamp(path: Path, name: str) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        raise FileNotFoundError(f"source {name!r}: no such file or folder: {path}") from None
    return (str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _source_for(rest: str, stamps: tuple) -> CorpusSource:
    where, excluded = split_name(rest)
    path = bundled_path(where) if where in BUNDLED else Path(where).expanduser()
    return CorpusSource(f"corpus:{rest}", path, exclude=[Path(e).expanduser() for e in excluded])


def corpus_source(rest: str) -> CorpusSource:
    """The source ``"corpus:" + rest`` names: a path or a bundled corpus name, then optionally
    ``::exclude=FILE`` (repeatable): benchmark files whose code the source must not serve."""
    where, excluded = split_name(rest)
    name = f"corpus:{rest}"
    stamps = tuple(_stamp(Path(p).expanduser(), name) for p in ([] if where in BUNDLED else [where]) + list(excluded))
    return _source_for(rest, stamps)


register_source("corpus", corpus_source)


def report_rows(name: str) -> list:
    """The accepted programs of corpus source ``name`` as ``ProgramRow``s (for ``execgym synth --report``)."""
    from execgym.synth.rows import ProgramRow
    from execgym.synth.sources import resolve_source

    source = resolve_source(name)
    if not isinstance(source, CorpusSource):
        raise ValueError(f"{name!r} is not a corpus source")
    return [ProgramRow(p.source, p.entry, p.calls, p.level, str(p.meta.get("row", "")), {"origin": p.origin})
            for p in source.processed().programs]


def report_line(name: str) -> str:
    """One line: rows, accepted, and the count of every reason (for ``execgym synth --report``)."""
    from execgym.synth.sources import resolve_source

    summary = resolve_source(name).processed().summary()
    reasons = ", ".join(f"{k} {v}" for k, v in summary["reasons"].items() if k != "accepted")
    levels = ", ".join(f"L{k} {v}" for k, v in summary["levels"].items())
    return (f"corpus: {summary['rows']} rows, {summary['accepted']} accepted (levels: {levels}); "
            f"dropped: {reasons or 'none'}")
