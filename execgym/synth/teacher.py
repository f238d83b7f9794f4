"""The paper's teacher route: a model writes the programs under the reference's constraint prompts.

Contract:

- ``TeacherRun`` holds what decides the prompts and the filters: the teacher's name (``openai:MODEL`` or any
  ``execgym.models.load_model`` name that writes text), levels (1-6), prompts per level ``n`` (default: one
  per catalog entry), the catalog entries, the base ``seed``, sampling, ``mutate``, ``variants``, the line-step
  budget and the quality problems that do not reject (``allow``).
- Item ``(level, i)`` asks about entry ``entries[i % len(entries)]`` under the level's configuration. Its
  prompt (control-flow blueprint from ``rng("teacher-prompt", seed, level, i)``), its sampling seed
  (``derive_seed("teacher-sample", seed, level, i)``), its value pool (``rng("teacher-pool", seed, level, i)``)
  and the mutation's sampling seed are the same in every process. The answer's first fenced python block goes
  through ``execgym.synth.teacher_checks.check_code``. With ``mutate`` (default), every answer that has a code
  block is also rewritten by the same teacher with the reference's input-rewrite prompt and value pool, and
  the rewrite is judged the same way as a program of its own (``meta["kind"] == "mutated"``).
- ``await run_teacher(model, run, output)`` writes every accepted program as a ``Program.to_dict()`` line of
  ``output`` (origin ``teacher:MODEL``, ``meta`` with the item key, kind, token counts, the reference's
  ``setting``) and every finished item, accepted or not, as a line of the ledger ``output + ".ledger.jsonl"``
  (reason, detail, tokens, the code block). Re-running with the same ``output`` skips finished items; a ledger
  written under another ``TeacherRun.fingerprint()`` raises ``TeacherError``. Failed requests (``ModelError``)
  and sandbox errors are counted, not recorded, so the next run retries them. When every item is finished the
  output is rewritten in item order (level, index, raw before mutated). Returns the summary dict.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execgym.seeding import derive_seed, rng
from execgym.synth.teacher_checks import REASONS, TeacherVerdict, check_code
from execgym.synth.teacher_prompts import (
    GENERATE_SAMPLING,
    MUTATE_SAMPLING,
    SYSTEM_PROMPT,
    Configuration,
    constraint_prompt,
    extract_code,
    mutation_prompt,
    value_pool,
)

KINDS = ("raw", "mutated")
LEDGER_SUFFIX = ".ledger.jsonl"
LEDGER_VERSION = 1


class TeacherError(ValueError):
    """A mistake in how the teacher route was asked for (bad level, entry, output clash)."""


def teacher_origin(name: str) -> str:
    """``"teacher:MODEL"`` for ``openai:MODEL``, ``"teacher:NAME"`` for any other backend name."""
    prefix, sep, rest = name.partition(":")
    return f"teacher:{rest}" if prefix == "openai" and sep else f"teacher:{name}"


def parse_entries(text: str | None) -> tuple[tuple[str, str], ...]:
    """``reference`` (default: the paper's 186), ``all`` (205) or ``type/method,type/method,...``."""
    from execgym.synth.catalog import ALL_ENTRIES, REFERENCE_ENTRIES

    if text is None or text.strip() in ("", "reference"):
        return REFERENCE_ENTRIES
    if text.strip() == "all":
        return ALL_ENTRIES
    known = {f"{t}/{m}": (t, m) for t, m in ALL_ENTRIES}
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part not in known:
            raise TeacherError(f"unknown catalog entry {part!r} (entries look like str/replace, list/append; "
                               "or use 'reference' or 'all')")
        out.append(known[part])
    if not out:
        raise TeacherError("--entries names no entry")
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class TeacherRun:
    teacher: str
    levels: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    n: int | None = None                       # prompts per level (None: one per entry)
    entries: tuple[tuple[str, str], ...] = ()  # () means the reference's 186
    seed: int = 0
    mutate: bool = True
    temperature: float = GENERATE_SAMPLING["temperature"]
    top_p: float = GENERATE_SAMPLING["top_p"]
    max_tokens: int = GENERATE_SAMPLING["max_tokens"]
    mutate_temperature: float = MUTATE_SAMPLING["temperature"]
    variants: int = 5
    max_line_steps: int = 1000
    allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.entries:
            object.__setattr__(self, "entries", parse_entries(None))
        for level in self.levels:
            try:
                Configuration.for_level(level)
            except ValueError as exc:
                raise TeacherError(str(exc)) from None
        if self.n is not None and self.n < 0:
            raise TeacherError("-n must be >= 0")
        bad = [p for p in self.allow if p not in REASONS]
        if bad:
            raise TeacherError(f"unknown problem(s) {bad} in --allow-problems")

    @property
    def per_level(self) -> int:
        return len(self.entries) if self.n is None else self.n

    def fingerprint(self) -> dict:
        """What decides prompts, sampling and verdicts: a ledger is only resumed under the same values."""
        entries = hashlib.blake2b(json.dumps(self.entries).encode(), digest_size=8).hexdigest()
        return {"teacher": self.teacher, "entries": entries, "seed": self.seed, "mutate": self.mutate,
                "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
                "mutate_temperature": self.mutate_temperature, "variants": self.variants,
                "max_line_steps": self.max_line_steps, "allow": sorted(self.allow)}

    def items(self) -> list[TeacherItem]:
        out = []
        for level in self.levels:
            for index in range(self.per_level):
                out.append(TeacherItem(level, index, self.entries[index % len(self.entries)]))
        return out


@dataclass(frozen=True)
class TeacherItem:
    level: int
    index: int
    focus: tuple[str, str]

    @property
    def key(self) -> str:
        return f"{self.level}:{self.index}"

    def prompt(self, run: TeacherRun) -> tuple[list[dict], list[str]]:
        """The chat messages and the drawn control-flow blueprint."""
        config = Configuration.for_level(self.level)
        text, blueprint = constraint_prompt(*self.focus, config, rng("teacher-prompt", run.seed, self.level,
                                                                     self.index))
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": text}], blueprint

    def mutation(self, run: TeacherRun, code: str) -> list[dict]:
        ints, strings = value_pool(rng("teacher-pool", run.seed, self.level, self.index))
        return [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": mutation_prompt(code.rstrip("\n"), ints, strings)}]

    def sampling(self, run: TeacherRun, kind: str) -> Any:
        from execgym.models.base import SamplingParams

        temperature = run.temperature if kind == "raw" else run.mutate_temperature
        seed = derive_seed("teacher-sample" if kind == "raw" else "teacher-mutate-sample", run.seed, self.level,
                           self.index) % (2 ** 31)
        return SamplingParams(n=1, temperature=temperature, top_p=run.top_p, max_tokens=run.max_tokens, seed=seed)


# ------------------------------------------------------------------------------------------- the files
def ledger_path(output: str | Path) -> Path:
    return Path(str(output) + LEDGER_SUFFIX)


def _read_jsonl(path: Path) -> list[dict]:
    """The complete lines of ``path``; a last line cut short by a crash is dropped from the file."""
    if not path.exists():
        return []
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as handle:
            handle.truncate(cut)
        data = data[:cut]
    out = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise TeacherError(f"{path.name}:{number} is not JSON; the file was not written by the "
                                   "teacher route") from None
    return out


@dataclass
class _State:
    records: dict[str, dict] = field(default_factory=dict)   # "L:i:kind" -> ledger record
    resumed: int = 0


def _record_key(record: dict) -> str:
    return f"{record['key']}:{record['kind']}"


def open_files(run: TeacherRun, output: Path) -> _State:
    """Read (and repair) an existing output and ledger, checking they belong to ``run``."""
    ledger = ledger_path(output)
    lines = _read_jsonl(ledger)
    programs = _read_jsonl(output)
    if programs and not lines:
        raise TeacherError(f"{output} exists and has no ledger ({ledger.name}); use another -o")
    state = _State()
    if lines:
        header = lines[0]
        if header.get("ledger") != LEDGER_VERSION:
            raise TeacherError(f"{ledger} is not a teacher ledger (version {LEDGER_VERSION})")
        if header.get("config") != run.fingerprint():
            old, new = header.get("config") or {}, run.fingerprint()
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise TeacherError(f"{output} was written with another configuration ({', '.join(diff)} differ); "
                               "use another -o or the same options")
        for record in lines[1:]:
            state.records[_record_key(record)] = record
    else:
        with ledger.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"ledger": LEDGER_VERSION, "config": run.fingerprint()}, sort_keys=True) + "\n")
    in_output = set()
    recovered = []
    for data in programs:
        meta = data.get("meta") or {}
        key = f"{meta.get('key')}:{meta.get('kind')}"
        in_output.add(key)
        if key not in state.records:  # written just before a crash, not yet in the ledger
            state.records[key] = {"key": meta.get("key"), "kind": meta.get("kind"), "level": data.get("level"),
                                  "item": meta.get("item"), "focus": data.get("focus"), "status": "accepted",
                                  "reason": "accepted", "detail": "recovered from the output",
                                  "finish_reason": meta.get("finish_reason"),
                                  "prompt_tokens": meta.get("prompt_tokens", 0),
                                  "completion_tokens": meta.get("completion_tokens", 0), "code": None}
            recovered.append(state.records[key])
    if recovered:
        with ledger.open("a", encoding="utf-8") as handle:
            for record in recovered:
                handle.write(json.dumps(record, sort_keys=True) + "\n")
    for key, record in list(state.records.items()):
        if record.get("status") == "accepted" and key not in in_output:
            del state.records[key]  # the program line is missing: do the item again
    state.resumed = len(state.records)
    return state


def _sort_output(output: Path) -> None:
    rows = _read_jsonl(output)
    order = {k: i for i, k in enumerate(KINDS)}

    def key(row: dict) -> tuple:
        meta = row.get("meta") or {}
        return (row.get("level", 0), meta.get("item", 0), order.get(meta.get("kind"), 9))

    rows.sort(key=key)
    tmp = output.with_name(output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, sort_keys=True) + "\n")
    os.replace(tmp, output)


# ------------------------------------------------------------------------------------------- the run
async def run_teacher(model: Any, run: TeacherRun, output: str | Path, *, concurrency: int = 16,
                      workers: int | None = None, progress: Callable[[int], Any] | None = None,
                      on_start: Callable[[int], Any] | None = None) -> dict:
    """Prompt, judge and write (see the module contract). ``on_start(pending)`` is called once the files are
    read, with the number of items left to do; ``progress(1)`` after each item."""
    from execgym.models.base import ModelError

    if concurrency < 1:
        raise TeacherError("--concurrency must be >= 1")
    output = Path(output)
    started = time.perf_counter()
    state = open_files(run, output)
    origin = teacher_origin(run.teacher)
    items = run.items()

    def done(item: TeacherItem, kind: str) -> bool:
        return f"{item.key}:{kind}" in state.records

    pending = [it for it in items if not done(it, "raw") or (run.mutate and not done(it, "mutated")
                                                              and state.records[f"{it.key}:raw"].get("code"))]
    if on_start is not None:
        on_start(len(pending))
    failures: list[str] = []
    failed = Counter()
    out_handle = output.open("a", encoding="utf-8")
    ledger_handle = ledger_path(output).open("a", encoding="utf-8")

    def record(item: TeacherItem, kind: str, verdict: TeacherVerdict, completion: Any, code: str | None) -> None:
        meta_tokens = {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens}
        if verdict.program is not None:
            out_handle.write(json.dumps(verdict.program.to_dict(), sort_keys=True) + "\n")
            out_handle.flush()
        entry = {"key": item.key, "kind": kind, "level": item.level, "item": item.index,
                 "focus": list(item.focus), "status": "accepted" if verdict.accepted else "rejected",
                 "reason": verdict.reason, "detail": verdict.detail, "finish_reason": completion.finish_reason,
                 **meta_tokens, "code": code}
        ledger_handle.write(json.dumps(entry, sort_keys=True) + "\n")
        ledger_handle.flush()
        state.records[f"{item.key}:{kind}"] = entry

    async def ask(item: TeacherItem, kind: str, messages: list[dict]) -> Any:
        try:
            [[completion]] = await model.agenerate([messages], item.sampling(run, kind))
            return completion
        except ModelError as exc:
            failed["requests"] += 1
            failures.append(f"{item.key} {kind}: {exc}"[:300])
            return None

    async def judge(item: TeacherItem, kind: str, code: str | None, completion: Any, blueprint: list[str],
                    parent: str | None) -> None:
        config = Configuration.for_level(item.level)
        meta = {"key": item.key, "kind": kind, "item": item.index, "parent": parent,
                "prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                "finish_reason": completion.finish_reason, "setting": config.setting(*item.focus)}
        verdict = await asyncio.to_thread(
            check_code, code, level=item.level, focus=item.focus, config=config, origin=origin, meta=meta,
            variants=run.variants, seed=derive_seed("teacher-variants", run.seed), max_line_steps=run.max_line_steps,
            allow=run.allow, workers=workers, blueprint=blueprint)
        if not verdict.finished:
            failed["sandbox" if verdict.reason == "sandbox_error" else "internal"] += 1
            failures.append(f"{item.key} {kind}: {verdict.detail}"[:300])
            return
        record(item, kind, verdict, completion, code)

    async def one(item: TeacherItem) -> None:
        raw = state.records.get(f"{item.key}:raw")
        code = raw.get("code") if raw is not None else None
        if raw is None:
            messages, blueprint = item.prompt(run)
            completion = await ask(item, "raw", messages)
            if completion is None:
                return
            code = extract_code(completion.text)
            await judge(item, "raw", code, completion, blueprint, None)
        if run.mutate and code is not None and not done(item, "mutated"):
            completion = await ask(item, "mutated", item.mutation(run, code))
            if completion is not None:
                await judge(item, "mutated", extract_code(completion.text), completion, [], item.key)

    queue = iter(pending)

    async def worker() -> None:
        for item in queue:
            await one(item)
            if progress is not None:
                progress(1)

    try:
        await asyncio.gather(*(worker() for _ in range(min(concurrency, max(1, len(pending))))))
    finally:
        out_handle.close()
        ledger_handle.close()
        await model.aclose()
    complete = all(done(it, "raw") and (not run.mutate or done(it, "mutated") or
                                        not state.records[f"{it.key}:raw"].get("code")) for it in items)
    if complete:
        _sort_output(output)
    summary = summarize_records(run, state.records.values(), items)
    usage = model.usage.to_dict() if hasattr(model, "usage") else {}
    summary.update({
        "output": str(output), "ledger": str(ledger_path(output)), "origin": origin, "complete": complete,
        "resumed": state.resumed, "failed": {"requests": failed["requests"], "sandbox": failed["sandbox"],
                   "internal": failed["internal"]},
        "failures": failures[:20], "usage": usage, "wall_s": round(time.perf_counter() - started, 2),
    })
    summary["tokens"]["this_run"] = {"prompt": usage.get("prompt_tokens", 0),
                                     "completion": usage.get("completion_tokens", 0)}
    return summary


def summarize_records(run: TeacherRun, records: Sequence[dict] | Any, items: Sequence[TeacherItem]) -> dict:
    """Counts by level, kind and reason over the ledger records of ``items``; token totals."""
    wanted = {it.key for it in items}
    by_level: dict[str, dict[str, Counter]] = {}
    tokens = Counter()
    for rec in records:
        if rec.get("key") not in wanted:
            continue
        level = str(rec.get("level"))
        counts = by_level.setdefault(level, {k: Counter() for k in KINDS})
        counts.setdefault(rec["kind"], Counter())[rec["reason"]] += 1
        tokens["prompt"] += int(rec.get("prompt_tokens") or 0)
        tokens["completion"] += int(rec.get("completion_tokens") or 0)
    total = {k: Counter() for k in KINDS}
    for counts in by_level.values():
        for kind, counter in counts.items():
            total[kind].update(counter)

    def ordered(counter: Counter) -> dict[str, int]:
        return {r: counter[r] for r in REASONS if counter[r]}

    return {
        "teacher": run.teacher,
        "prompts": len(items),
        "finished": {k: sum(total[k].values()) for k in KINDS},
        "accepted": {**{k: total[k]["accepted"] for k in KINDS},
                     "total": sum(total[k]["accepted"] for k in KINDS)},
        "reasons": {k: ordered(total[k]) for k in KINDS},
        "by_level": {lvl: {k: ordered(c) for k, c in counts.items()}
                     for lvl, counts in sorted(by_level.items(), key=lambda kv: int(kv[0]))},
        "tokens": {"prompt": tokens["prompt"], "completion": tokens["completion"]},
    }


def format_teacher_summary(summary: dict) -> str:
    """A plain-text table of the counts by reason (rows) and level (columns), raw and mutated."""
    levels = list(summary["by_level"])
    lines = [f"teacher {summary['teacher']}: {summary['prompts']} prompts, finished raw "
             f"{summary['finished']['raw']} / mutated {summary['finished']['mutated']}, accepted "
             f"{summary['accepted']['total']} (raw {summary['accepted']['raw']}, mutated "
             f"{summary['accepted']['mutated']})"]
    tokens = summary["tokens"]
    this = tokens.get("this_run") or {}
    lines.append(f"tokens: prompt {tokens['prompt']:,}, completion {tokens['completion']:,}"
                 + (f" (this run: prompt {this.get('prompt', 0):,}, completion {this.get('completion', 0):,})"
                    if this else ""))
    failed = summary.get("failed") or {}
    if any(failed.values()):
        lines.append(f"not finished: {failed.get('requests', 0)} failed requests, {failed.get('sandbox', 0)} "
                     f"sandbox errors, {failed.get('internal', 0)} check errors (run the same command again to "
                     "retry them)")
    columns = [(lvl, kind) for lvl in levels for kind in KINDS]
    headers = [f"L{lvl} {kind[:3]}" for lvl, kind in columns] + ["all raw", "all mut"]
    reasons = [r for r in REASONS if any(summary["reasons"][k].get(r) for k in KINDS)]
    width = max([len("reason"), *(len(r) for r in reasons)])
    cell = max(7, *(len(h) for h in headers))
    lines.append("reason".ljust(width) + "  " + "  ".join(h.rjust(cell) for h in headers))
    for reason in reasons:
        vals = [summary["by_level"][lvl].get(kind, {}).get(reason, 0) for lvl, kind in columns]
        vals += [summary["reasons"]["raw"].get(reason, 0), summary["reasons"]["mutated"].get(reason, 0)]
        lines.append(reason.ljust(width) + "  " + "  ".join(str(v).rjust(cell) for v in vals))
    return "\n".join(lines)
