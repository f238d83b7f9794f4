"""UnitTest-v0 (code generation): write the function so that hidden unit tests pass.

Contract:
- Spec payload ``problem``: ``{"origin": "builtin"|"user", "entry", "statement", "tests": [...],
  "solution": str|None}``. A test is ``{"call": "f(1, 2)", "expected": "<literal text>", "check": "eq"}``
  (``check`` one of ``eq``, ``close`` (float tolerance ``tol``), ``truthy``, ``falsy``; optional ``alt``:
  a second accepted literal, for APPS' list-wrapped outputs) or a stdin/stdout test ``{"stdin": str,
  "stdout": str, "check": "stdout"}``.
- Built-in tasks come from ``execgym.synth``: the statement gives the signature, what is known about the
  function (argument and return types, its core operation) and a few visible examples; the hidden tests are
  other inputs from ``synth.input_variants`` whose outputs come from running the original program.
- With ``source="corpus:..."`` the program is a corpus row's (``execgym.synth.corpus``); a row with a
  description (CodeI/O's ``task_description`` and ``input_output_spec``) gives that statement plus the
  signature, its reference code is the solution and the tests are the inputs its own input generator drew
  (run in the sandbox); the spec's ``origin`` names the corpus and its fingerprint.
- The answer is a python code block inside the answer block. It runs once per test in the sandbox under
  ``policy="restricted"``; only the call text enters the sandbox child, never the expected value. The decoded
  return value is compared in the caller with ``strict_equal`` (so objects with a hostile ``__eq__`` arrive
  as ``Opaque`` and never pass). Reward = fraction of tests passed.
- ``max_turns > 1``: a repair episode. The hidden tests are split deterministically (``split_pools``) into a
  FINAL pool (about half, never revealed; it alone decides the reward) and a FEEDBACK pool; the visible
  examples join the feedback pool. After a failing attempt the observation shows one failing FEEDBACK test
  (input, expected, actual) and how many feedback tests passed, never anything about the final pool, and asks
  for a corrected function. The step reward is the change of the final-pool pass rate, so the episode return is
  the last attempt's final-pool pass rate; the episode ends when the final pool passes or turns run out. A
  table of revealed cases therefore earns only what it earns on tests it never saw. ``Task.score`` of a repair
  spec is the final-pool pass rate (what the episode rewards).
"""

from __future__ import annotations

import ast
import json
import math
from collections import Counter
from typing import Any

from execgym import astparse
from execgym.seeding import derive_seed
from execgym.tasks.answers import answer_block, code_block
from execgym.tasks.base import (
    Episode,
    Pending,
    Score,
    Task,
    clip_text,
    error_score,
    format_error,
    make_score,
    step_info,
)
from execgym.tasks.literals import (
    literal_from_node,
    parse_literal,
    parse_trusted,
    render_literal,
    show_value,
    strict_equal,
    type_name,
)
from execgym.tasks.options import Opt
from execgym.tasks.tracetask import read_problem, require

OPTIONS = {
    "max_turns": Opt(1, int, min=1, max=20),
    "n_visible": Opt(3, int, min=0, max=10),
    "n_hidden": Opt(8, int, min=1, max=50),
    "float_tolerance": Opt(0.0, float, min=0.0, max=1.0),
    "timeout": Opt(2.0, float, min=0.05, max=30.0),
    "source": Opt("synth", str),
    # "full": signature, input shapes and plain-words steps (execgym.tasks.spec), visible examples chosen to
    # cover every branch outcome the hidden tests reach; "brief": the former signature + core operation
    "statement": Opt("full", str, choices=("full", "brief")),
    # built-in programs: the synthesizer's default generator, or "ops" / "patterns" (execgym.synth)
    "generator": Opt("default", str, choices=("default", "ops", "patterns")),
    # "pass_rate": fraction of tests passed; "prime": ExecVerify Stage II's APPS rules (execgym.tasks.prime)
    "reward": Opt("pass_rate", str, choices=("pass_rate", "prime")),
    # "trusted" lets competitive-programming solutions `import sys`; the sandbox process is then the only
    # boundary (expected values never enter it in either policy)
    "policy": Opt("restricted", str, choices=("restricted", "trusted")),
    # "buggy": a repair episode that starts from a mutant of the reference (execgym.tasks.buggystart)
    "start": Opt("prompt", str, choices=("prompt", "buggy")),
}
MAX_CODE_CHARS = 100_000
CHECKS = ("eq", "close", "truthy", "falsy", "stdout")
SPEC_VERSION = 1
# built-in tasks: at most this share of the hidden tests may expect the same output (else a constant
# function would earn the reward), and this many candidate programs are tried per (level, seed)
MAX_SHARED_OUTPUT = 0.5
MAX_BUILD_ATTEMPTS = 40
MAX_DEFAULT_SHARE = 0.25  # statement="full": share of hidden tests that may expect a non-bool type default
MAX_VISIBLE = 8  # statement="full": at most this many visible examples to cover the branch outcomes


def _outcome(result: Any) -> str:
    out = getattr(result, "outcome", "sandbox_error")
    return str(getattr(out, "value", out))


def _close(value: Any, expected: Any, tol: float, absolute: bool) -> bool:
    """Numeric closeness for ``close`` tests (ints and floats only; bools are not numbers here). Relative
    tolerance is relative to the SMALLER magnitude (``math.isclose`` uses the larger, so a large ``tol``
    would make every large number close). Never raises: an int too large for a float compares exactly."""
    if type(value) not in (int, float) or type(expected) not in (int, float):
        return False
    try:
        a, b = float(value), float(expected)
    except OverflowError:
        return value == expected  # int/float comparison in Python is exact, never converts to text
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    if absolute:
        return abs(a - b) <= tol
    return abs(a - b) <= tol * min(abs(a), abs(b))


def _norm_stdout(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in str(text).replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# ------------------------------------------------------------------ built-in tasks


def _signature(source: str, entry: str) -> tuple[list[str], str]:
    tree = astparse.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            names = [a.arg for a in node.args.args]
            return names, f"def {entry}({', '.join(names)}):"
    raise ValueError(f"entry {entry!r} not found")


def _arg_values(call: str) -> list[Any]:
    node = astparse.parse(call, mode="eval").body
    out = []
    if isinstance(node, ast.Call):
        for a in node.args:
            lit = literal_from_node(a)
            out.append(lit.value if lit.ok else None)
    return out


def _describe_type(value: Any) -> str:
    t = type_name(value)
    if t in ("list", "tuple", "set", "frozenset") and value:
        inner = sorted({type_name(v) for v in value})
        return f"{t} of {'/'.join(inner)}"
    if t == "dict" and value:
        ks = sorted({type_name(k) for k in value})
        vs = sorted({type_name(v) for v in value.values()})
        return f"dict from {'/'.join(ks)} to {'/'.join(vs)}"
    return t


def _diverse_selection(tests: list[dict], n: int) -> list[dict]:
    """Up to ``n`` tests taken round-robin over their expected outputs (first-seen order), so that no
    single output dominates the hidden set; deterministic for a given list."""
    groups: dict[str, list[dict]] = {}
    for t in tests:
        groups.setdefault(t["expected"], []).append(t)
    picked: list[dict] = []
    queues = list(groups.values())
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


def _is_default(expected: str) -> bool:
    value = parse_literal(expected).value
    return type(value) is not bool and value in (0, 0.0, "", [], (), {}, None) and type(value) in (
        int, float, str, list, tuple, dict, set, frozenset, type(None))


def _frame_edges(steps: Any) -> frozenset:
    """The branch outcomes of one traced call: for every traced frame, each (line, next line) pair of its
    statement steps and (last line, how it left: ``return``/``exception``). A condition's outcome is the line
    that follows its test, a loop's taken-or-not is the line after its header, an except taken is the edge
    into the handler."""
    return edges_of((st.event, st.frame, st.line) for st in steps)


def edges_of(events: Any) -> frozenset:
    """``_frame_edges`` of a trace given as its steps' ``(event, frame, line)``."""
    seqs: dict[int, list] = {}
    edges = set()
    for ev, frame, line in events:
        if ev == "line":
            seq = seqs.setdefault(frame, [])
            if seq:
                edges.add((seq[-1], line))
            seq.append(line)
        elif ev in ("return", "exception"):
            seq = seqs.get(frame)
            if seq:
                edges.add((seq[-1], ev))
                if ev == "return":
                    seqs[frame] = []
    return frozenset(edges)


def trace_tests(source: str, calls: list[str], *, own: bool = False) -> list[tuple[Any, frozenset] | None]:
    """For each call, ``(return value, branch outcomes)`` from a sandbox trace of the reference, or ``None``
    when the call did not run ``ok`` to the end (error, truncated trace, not a plain literal). Deterministic:
    timeouts are retried (``synth.decide``), never counted as a failure. ``own``: ``source`` is one of
    execgym's generated programs, so its calls may share one sandboxed child (``synth.traced_calls``, the same
    answers); only calls that route cannot vouch for get a run each. Never for code from anywhere else."""
    from execgym.engine.request import RunRequest
    from execgym.synth.decide import run_decided
    from execgym.tasks.literals import is_plain

    out: list[tuple[Any, frozenset] | None] = [None] * len(calls)
    todo = list(range(len(calls)))
    if own:
        from execgym.synth.traced_calls import traced_calls

        batched = traced_calls(source, calls)
        if batched is not None:
            todo = [i for i, answer in enumerate(batched) if answer is None]
            for i, answer in enumerate(batched):
                if answer is not None and answer.ok and is_plain(answer.value):
                    out[i] = (answer.value, edges_of(answer.events))
    results = run_decided(
        [RunRequest(source=source, call=calls[i], mode="trace", policy="trusted") for i in todo],
        what="unit-test expected output",
    ) if todo else []
    for i, res in zip(todo, results):
        if _outcome(res) != "ok" or getattr(res, "truncated", False) or not is_plain(res.return_value):
            continue
        out[i] = (res.return_value, _frame_edges(res.steps))
    return out


def _cover_visible(tests: list[dict], edges: list[frozenset], n_min: int, n_max: int) -> list[int]:
    """Indices of visible examples: greedily the test reaching most not-yet-covered branch outcomes (ties:
    a not-yet-seen output first, then list order) until every outcome any test reaches is covered or
    ``n_max`` are chosen; then filled up to ``n_min`` with distinct outputs first."""
    if n_min <= 0:
        return []
    universe = frozenset().union(*edges) if edges else frozenset()
    covered: set = set()
    chosen: list[int] = []
    outputs: set = set()
    while len(chosen) < n_max and not universe <= covered:
        best = max(
            (i for i in range(len(tests)) if i not in chosen),
            key=lambda i: (len(edges[i] - covered), tests[i]["expected"] not in outputs, -i),
        )
        if not edges[best] - covered:
            break
        chosen.append(best)
        covered |= edges[best]
        outputs.add(tests[best]["expected"])
    for want_new in (True, False):
        for i in range(len(tests)):
            if len(chosen) >= max(n_min, 0) or i in chosen:
                continue
            if want_new and tests[i]["expected"] in outputs:
                continue
            chosen.append(i)
            outputs.add(tests[i]["expected"])
    return sorted(chosen)


def full_statement(program: Any, signature: str, names: list[str], shapes: list[dict], ret_shape: dict) -> tuple[str, int]:
    """The fully specified statement (``statement="full"``): signature, argument and return shapes, and
    the plain-words steps of ``execgym.tasks.spec``; also the number of rendering fallbacks."""
    from execgym.tasks.spec import describe_shape, render_spec

    steps, fallbacks = render_spec(program.source, program.entry)
    lines = [f"- `{n}`: {describe_shape(s)}" for n, s in zip(names, shapes)]
    lines.append(f"- it returns {describe_shape(ret_shape)}")
    parts = []
    meta = getattr(program, "meta", None) or {}
    description = str(meta.get("task_description") or "").strip()
    if description:
        parts.append(description)
        io_spec = str(meta.get("input_output_spec") or "").strip()
        if io_spec:
            parts.append(io_spec)
    parts += [
        f"Write a Python function with this signature:\n\n    {signature}",
        "Arguments and result (every test uses only inputs of these shapes):\n" + "\n".join(lines),
        "What it must do, step by step (names in backticks are variables; literal constants are written as "
        "Python literals):\n\n" + steps,
    ]
    return "\n\n".join(parts), fallbacks


def build_builtin(env: str, level: int, seed: int, options: dict) -> dict:
    """Synthesize a program (or take one from ``options["source"]``) and turn it into a unit-test task (see the
    module docstring)."""
    from execgym.tasks.program import program_seed
    from execgym.tasks.spec import merge_shapes, shape_of

    n_vis, n_hid = options["n_visible"], options["n_hidden"]
    full = options.get("statement", "full") == "full"
    source = options.get("source", "synth")
    problems = []
    for attempt in range(MAX_BUILD_ATTEMPTS):
        program = _program_for(source, level, program_seed(env, level, seed, attempt), options)
        extra = 24 if full else 12
        calls = [program.call] + _test_inputs(program, n_vis + n_hid + extra,
                                              program_seed(env, level, seed, attempt, "inputs"),
                                              own=source == "synth")
        seen, unique = set(), []
        for c in calls:
            if c not in seen:
                seen.add(c)
                unique.append(c)
        tests, edges = [], []
        for call, traced in zip(unique, trace_tests(program.source, unique, own=source == "synth")):
            if traced is None:
                continue
            try:
                tests.append({"call": call, "expected": render_literal(traced[0]), "check": "eq"})
            except (ValueError, RecursionError):
                continue
            edges.append(traced[1])
        if len(tests) < n_vis + 1:
            problems.append(f"attempt {attempt}: only {len(tests)} usable tests")
            continue
        if full:
            vis_idx = _cover_visible(tests, edges, n_vis, max(n_vis, MAX_VISIBLE))
            covered = frozenset().union(*(edges[i] for i in vis_idx)) if vis_idx else None
            visible = [tests[i] for i in vis_idx]
            pool = [t for i, t in enumerate(tests) if i not in vis_idx and (covered is None or edges[i] <= covered)]
        else:
            # visible examples with distinct outputs first (more informative), the program's own call leading
            distinct, rest, seen_out = [], [], set()
            for t in tests:
                (rest if t["expected"] in seen_out else distinct).append(t)
                seen_out.add(t["expected"])
            visible = (distinct + rest)[:n_vis]
            pool = [t for t in tests if t not in visible]
        if full:  # few hidden tests expect the plain default ('', [], 0): guessing it must not pay
            cap, kept = int(n_hid * MAX_DEFAULT_SHARE), []
            for t in pool:
                if _is_default(t["expected"]):
                    if cap <= 0:
                        continue
                    cap -= 1
                kept.append(t)
            pool = kept
        hidden = _diverse_selection(pool, n_hid)
        top = max(Counter(t["expected"] for t in hidden).values()) if hidden else 0
        if len(hidden) < 2 or top > len(hidden) * MAX_SHARED_OUTPUT:
            # a function returning that one constant would pass: such a task rewards nothing real
            problems.append(f"attempt {attempt}: {top} of {len(hidden)} hidden tests share one output")
            continue
        names, signature = _signature(program.source, program.entry)
        extra_problem: dict = {}
        if full:
            used = visible + hidden
            arg_rows = [_arg_values(t["call"]) for t in used]
            shapes = [merge_shapes([shape_of(row[k]) for row in arg_rows if k < len(row)]) for k in range(len(names))]
            ret_shape = merge_shapes([shape_of(parse_literal(t["expected"]).value) for t in used])
            statement, fallbacks = full_statement(program, signature, names, shapes, ret_shape)
            extra_problem = {"shapes": shapes, "returns": ret_shape, "spec_fallbacks": fallbacks}
        else:
            statement = _brief_statement(program, tests, names, signature)
        spec = {
            "env": env,
            "version": SPEC_VERSION,
            "level": int(level),
            "seed": int(seed),
            "options": dict(options),
            "problem": {
                "origin": "builtin" if source == "synth" else "corpus",
                "entry": program.entry,
                "statement": statement,
                "visible": visible,
                "tests": hidden,
                "solution": program.source,
                **extra_problem,
            },
        }
        from execgym.tasks.tracetask import program_origin

        origin = program_origin(options, program)
        if origin:
            spec["origin"] = origin
        return spec
    raise RuntimeError(f"no usable program for ({env}, level {level}, seed {seed}): {'; '.join(problems)}")


def _brief_statement(program: Any, tests: list[dict], names: list[str], signature: str) -> str:
    """The former short statement (``statement="brief"``): signature, types, core operation, helper names."""
    described = corpus_statement(program, signature)
    args = _arg_values(program.call)
    ret = parse_literal(tests[0]["expected"]).value
    known = [
        f"It takes {len(names)} argument(s): "
        + ", ".join(f"`{n}` ({_describe_type(v)})" for n, v in zip(names, args + [None] * len(names)))
        + f", and returns a {_describe_type(ret)}."
    ]
    focus = getattr(program, "focus", None)
    if focus and len(focus) == 2:
        known.append(f"Its core operation is `{focus[1]}` on {focus[0]} values.")
    helpers = [n for n in _function_names(program.source) if n != program.entry]
    if helpers:
        known.append(f"The original solution also defines helper function(s): {', '.join(helpers)}.")
    return described or (
        f"Write a Python function with this signature:\n\n    {signature}\n\n"
        "What is known about it:\n" + "\n".join(f"- {k}" for k in known)
    )


def _program_for(source: str, level: int, seed: int, options: dict | None = None) -> Any:
    """The program behind a task: execgym's generator (``generator`` option: its default or a named one),
    or the named program source."""
    if source == "synth":
        from execgym.synth.api import DEFAULT_GENERATOR, generate_many

        generator = (options or {}).get("generator", "default")
        # ``synth.generate(level, seed)``'s program, without the trace of its call a unit-test task never reads
        # (one sandbox run less per task; the tests are traced below)
        return generate_many(level, [seed], keep_traces=False,
                             generator=DEFAULT_GENERATOR if generator == "default" else generator)[0]
    from execgym.tasks.program import program_source

    return program_source(source).program(level, seed)


def _test_inputs(program: Any, n: int, seed: int, *, own: bool = False) -> list[str]:
    """Further inputs for the tests: a corpus row's own generated inputs when it has them (CodeI/O's
    generator), else fresh literal arguments of the same kinds (``synth.variant_calls``; not strict for code
    from a corpus, which may loop on some inputs)."""
    from execgym.synth.api import variant_calls

    if program.origin == "synth":
        from execgym import synth

        return list(synth.input_variants(program, n, seed, own=own))
    if program.meta.get("inputs") == "generator":
        return list(program.variants)
    return list(program.variants) + variant_calls(program.source, program.entry, program.call, n, seed,
                                                  exclude=list(program.variants), strict=False)


def corpus_statement(program: Any, signature: str) -> str:
    """The statement of a corpus row that carries one (CodeI/O's ``task_description`` and
    ``input_output_spec``), with the signature to implement; '' for programs without one."""
    meta = getattr(program, "meta", None) or {}
    description = str(meta.get("task_description") or "").strip()
    if not description:
        return ""
    parts = [description]
    spec = str(meta.get("input_output_spec") or "").strip()
    if spec:
        parts.append(spec)
    parts.append(f"Write a Python function with this signature:\n\n    {signature}")
    return "\n\n".join(parts)


def _function_names(source: str) -> list[str]:
    try:
        return [n.name for n in astparse.parse(source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return []


# ------------------------------------------------------------------ repair pools


def _pool_group(test: dict) -> str:
    if test.get("check") == "stdout":
        return json.dumps(["stdout", test.get("stdout")])
    return json.dumps([test.get("check", "eq"), test.get("expected")])


def split_pools(tests: list[dict]) -> tuple[list[int], list[int]]:
    """Indices of the (final, feedback) pools of a repair episode's hidden tests.

    Deterministic from the tests' content (BLAKE2b via ``seeding.derive_seed``, same in every process):
    tests are ordered by (hash of their expected output, hash of the test) and dealt alternately to the final
    and the feedback pool, so each output's tests split evenly and the final pool (``ceil(n/2)`` tests, never
    empty) is as output-diverse as the whole set. With one hidden test the feedback pool is empty.
    """

    def key(i: int) -> tuple[int, int, int]:
        t = tests[i]
        return (
            derive_seed("execgym.unittest.pool", "group", _pool_group(t)),
            derive_seed("execgym.unittest.pool", "test", json.dumps(t, sort_keys=True)),
            i,
        )

    order = sorted(range(len(tests)), key=key)
    return sorted(order[0::2]), sorted(order[1::2])


# ------------------------------------------------------------------ the task


def _read_test(t: Any) -> dict:
    require(isinstance(t, dict), "a test must be an object")
    check = t.get("check", "eq")
    require(check in CHECKS, f"unknown test check {check!r}")
    if check == "stdout":
        require(
            isinstance(t.get("stdin", ""), str) and isinstance(t.get("stdout"), str), "stdio test needs text"
        )
        return t
    require(isinstance(t.get("call"), str) and t["call"], "a test needs a call")
    if check in ("eq", "close"):
        require(isinstance(t.get("expected"), str), "a test needs an expected literal")
        require(parse_trusted(t["expected"]).ok, "expected is not a literal")
    return t


class UnitTestTask(Task):
    env = "UnitTest-v0"
    OPTIONS = OPTIONS

    @classmethod
    def build(cls, env: str, level: int, seed: int, options: dict) -> dict:
        return build_builtin(env, level, seed, options)

    def __init__(self, spec: dict):
        super().__init__(spec)
        problem = read_problem(spec)
        require(isinstance(problem.get("statement"), str), "missing statement")
        tests = problem.get("tests")
        require(isinstance(tests, list) and tests, "no tests")
        self.problem = problem
        self.tests = [_read_test(t) for t in tests]
        self.visible = [_read_test(t) for t in problem.get("visible", []) or []]
        self.entry = problem["entry"]
        self.options = dict(spec.get("options") or {})
        self.tol = float(self.options.get("float_tolerance", 0.0) or 0.0)
        self.timeout = float(self.options.get("timeout", 2.0))
        self.max_turns = int(self.options.get("max_turns", 1))
        self.all_tests = self.tests
        self.feedback_tests: list[dict] = []
        if self.max_turns > 1:  # repair: the reward comes only from tests feedback never reveals
            final, feedback = split_pools(self.all_tests)
            self.tests = [self.all_tests[i] for i in final]
            # hidden feedback tests first: a failing one of them tells more than a visible example again
            self.feedback_tests = [self.all_tests[i] for i in feedback] + self.visible
        self.policy = "trusted" if self.options.get("policy") == "trusted" else "restricted"
        self._prompt: str | None = None
        self.start: dict = {}
        if self.options.get("start", "prompt") == "buggy":
            self._buggy_start()

    def _buggy_start(self) -> None:
        """``start="buggy"``: the mutant and its failing feedback test (``buggystart.choose``), computed once
        and stored in the spec's ``problem["buggy"]``; a fallback to the ordinary prompt says why there."""
        from execgym.tasks.buggystart import choose

        if self.max_turns < 2:
            raise ValueError(f"{self.env}: start='buggy' needs max_turns > 1 (a repair episode), got {self.max_turns}")
        solution = self.problem.get("solution")
        if not isinstance(solution, str) or not solution.strip():
            raise ValueError(f"{self.env}: start='buggy' needs a task with a reference solution")
        if not isinstance(self.problem.get("buggy"), dict):
            self.problem = dict(self.problem, buggy=choose(self))
            self.spec = dict(self.spec, problem=self.problem)
        self.start = self.problem["buggy"]

    @property
    def stdio(self) -> bool:
        return all(t.get("check") == "stdout" for t in self.all_tests)

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            parts = [self.problem["statement"].rstrip()]
            if self.visible:
                parts.append("Examples:\n" + "\n".join(self._show_test(t) for t in self.visible))
            if self.start.get("code"):
                parts.append(
                    "Here is a buggy implementation:\n```python\n" + self.start["code"].rstrip() + "\n```\n"
                    + self.start["feedback"]
                    + "\n\nFind the bug and fix it: put the complete corrected code in a ```python code block "
                    "inside <answer> and </answer>."
                )
                self._prompt = "\n\n".join(parts)
                return self._prompt
            if self.stdio:
                parts.append(
                    "Write a complete Python program that reads standard input and writes the answer "
                    "to standard output."
                )
            else:
                parts.append(
                    f"Write the complete Python function `{self.entry}` (with any helpers and imports it "
                    "needs). It will be checked against hidden unit tests."
                )
            parts.append(
                "Think step by step first. Then put your final code in a ```python code block inside <answer> "
                "and </answer>. Only the last <answer> block counts."
            )
            self._prompt = "\n\n".join(parts)
        return self._prompt

    @staticmethod
    def _show_test(t: dict) -> str:
        if t.get("check") == "stdout":
            return f"input:\n{t.get('stdin', '')}\noutput:\n{t['stdout']}"
        if t.get("check") == "truthy":
            return f"assert {t['call']}"
        if t.get("check") == "falsy":
            return f"assert not {t['call']}"
        return f"assert {t['call']} == {t['expected']}"

    def gold_response(self) -> str:
        solution = self.problem.get("solution")
        if not isinstance(solution, str) or not solution.strip():
            from execgym.tasks.problemsets import NoReferenceSolution

            raise NoReferenceSolution(self.problem)
        return "The reference solution.\n<answer>\n```python\n" + solution.rstrip() + "\n```\n</answer>"

    # -- scoring ------------------------------------------------------------------------------
    def _code(self, response: str) -> tuple[str | None, Score | None]:
        block = answer_block(response)
        if block is None:
            return None, format_error("no <answer>...</answer> block in the response")
        code = code_block(block)
        if not code.strip():
            return None, format_error("the answer block holds no code")
        if len(code) > MAX_CODE_CHARS:
            return None, make_score(0.0, 1.0, f"code longer than {MAX_CODE_CHARS} characters", [])
        try:
            tree = astparse.parse(code)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            return None, make_score(0.0, 1.0, f"the code does not parse ({type(exc).__name__})", [])
        if (
            not self.stdio
            and not any(
                isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == self.entry
                for n in tree.body
            )
            and not any(
                isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == self.entry for t in n.targets)
                for n in tree.body
            )
        ):
            return None, make_score(0.0, 1.0, f"the code does not define `{self.entry}` at top level", [])
        return code, None

    def blank_details(self, reason: str) -> list[dict]:
        return [
            {
                "question": self._show_test(t).replace("\n", " | ")[:300],
                "expected": t.get("stdout") if t.get("check") == "stdout" else t.get("expected"),
                "parsed": None,
                "correct": False,
                "reason": reason,
            }
            for t in self.tests
        ]

    def _request(self, code: str, test: dict):
        from execgym.engine.request import RunRequest

        if test.get("check") == "stdout":
            # the restricted policy has no input()/sys.stdin: the test INPUT (never the expected output) is
            # embedded as a list of lines behind a small input() replacement placed before the code.
            lines = str(test.get("stdin", "")).split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            prelude = (
                f"_stdin_lines = iter({lines!r})\ndef input(prompt=''):\n    return next(_stdin_lines)\n"
            )
            return RunRequest(
                source=prelude + code,
                call="None",
                mode="run",
                policy=self.policy,
                timeout=self.timeout,
                stdin=test.get("stdin", ""),
            )
        return RunRequest(
            source=code, call=test["call"], mode="run", policy=self.policy, timeout=self.timeout
        )

    def _prepare(self, response: str) -> Pending:
        code, early = self._code(response)
        if early is not None:
            return Pending.done(early)
        requests = [self._request(code, t) for t in self.tests]
        return Pending(requests=requests, finish=self._finish)

    def judge(self, test: dict, result: Any) -> dict:
        """Compare one sandbox result with one test, in the caller. Never runs program-defined code."""
        detail = {
            "question": self._show_test(test).replace("\n", " | ")[:300],
            "expected": test.get("stdout") if test.get("check") == "stdout" else test.get("expected"),
            "parsed": None,
            "correct": False,
            "reason": "",
        }
        outcome = _outcome(result)
        if outcome != "ok":
            err = getattr(result, "error", None)
            what = f"{getattr(err, 'type', '')}: {getattr(err, 'message', '')}".strip(": ") if err else ""
            detail["reason"] = f"{outcome}" + (f" ({clip_text(what, 200)})" if what else "")
            detail["outcome"] = outcome
            return detail
        check = test.get("check", "eq")
        if check == "stdout":
            got = getattr(result, "stdout", "")
            detail["parsed"] = clip_text(got)
            detail["correct"] = _norm_stdout(got) == _norm_stdout(test["stdout"])
            detail["reason"] = "right output" if detail["correct"] else "wrong output"
            return detail
        value = result.return_value
        detail["parsed"] = show_value(value)  # total: huge ints, Opaque markers, deep nesting
        if check in ("truthy", "falsy"):
            from execgym.tasks.literals import is_plain

            if not is_plain(value):
                detail["reason"] = "the returned value is not a plain literal"
                return detail
            ok = bool(value) if check == "truthy" else not bool(value)
            detail["correct"] = ok
            detail["reason"] = (
                "right" if ok else f"expected a {'true' if check == 'truthy' else 'false'} value"
            )
            return detail
        expected = parse_trusted(test["expected"]).value
        if check == "close":
            ok = _close(value, expected, float(test.get("tol", 1e-9)), bool(test.get("abs_tol")))
        else:
            ok = strict_equal(value, expected, self.tol)
        if not ok and isinstance(test.get("alt"), str):
            alt = parse_trusted(test["alt"])
            ok = alt.ok and strict_equal(value, alt.value, self.tol)
        detail["correct"] = ok
        detail["reason"] = "right value" if ok else "wrong value"
        return detail

    def _finish(self, results: list) -> Score:
        if len(results) != len(self.tests):
            return error_score("sandbox returned the wrong number of results")
        details = [self.judge(t, r) for t, r in zip(self.tests, results)]
        passed = sum(1 for d in details if d["correct"])
        n = len(self.tests)
        reason = f"{passed} of {n} test(s) passed"
        outcomes = [d.get("outcome") for d in details]
        top = 1.0
        if self.options.get("reward") == "prime":
            from execgym.tasks.prime import MAX_REWARD as top
        if passed == 0 and outcomes and all(o == "timeout" for o in outcomes):
            return make_score(0.0, top, reason + " (all timed out)", details, outcome="timeout")
        if passed == 0 and outcomes and all(o == "sandbox_error" for o in outcomes):
            return make_score(0.0, top, reason + " (sandbox error)", details, outcome="error")
        failing = [d for d in details if not d["correct"]]
        if self.options.get("reward") == "prime":
            from execgym.tasks.prime import prime_score

            reward, top, why = prime_score(details)
            if failing:
                why += f"; first failure: {failing[0]['reason']}"
            return make_score(reward, top, why, details)
        if failing:
            reason += f"; first failure: {failing[0]['reason']}"
        return make_score(passed / n, 1.0, reason, details)

    def episode(self) -> Episode:
        if self.max_turns > 1:
            return RepairEpisode(self)
        return super().episode()

    def attempt(self, response: Any) -> tuple[Score, list[dict]]:
        """One repair attempt: the final-pool ``Score`` and the feedback-pool details, run in one batch.
        Never raises; when the code does not run, the feedback list is empty."""
        from execgym.tasks.base import complete, run_requests

        pending = self.prepare(response)
        if pending.score is not None:
            return pending.score, []
        text = response.decode("utf-8", "replace") if isinstance(response, bytes) else response
        code, early = self._code(text)  # prepare() accepted it, so it parses again the same way
        if code is None:
            return early or error_score("verifier error: the code vanished"), []
        extra = [self._request(code, t) for t in self.feedback_tests]
        try:
            results = run_requests(list(pending.requests) + extra)
        except Exception as exc:  # noqa: BLE001
            return error_score(f"sandbox unavailable: {type(exc).__name__}: {exc}"), []
        n = len(pending.requests)
        score = complete(pending, results[:n], self.max_reward)
        try:
            feedback = [self.judge(t, r) for t, r in zip(self.feedback_tests, results[n:])]
        except Exception:  # noqa: BLE001 - feedback is advice; a verifier bug must not escape step()
            feedback = []
        return score, feedback

    def feedback_text(self, score: Score, feedback: list[dict]) -> str:
        """What the model sees after a failing attempt: the feedback-pool count and one failing feedback test
        that ran (input, expected, actual); nothing about the final pool. When the code did not run, why."""
        if not feedback:
            if any(d.get("parsed") is not None or d.get("outcome") is not None for d in score.details):
                return "Your code does not pass the hidden tests that decide the reward."
            return f"Your code: {score.reason}."
        passed = sum(1 for d in feedback if d["correct"])
        head = f"Your code passed {passed} of {len(feedback)} test(s) shown to you."
        for t, d in zip(self.feedback_tests, feedback):
            ran = d.get("parsed") is not None or d.get("outcome") is not None
            if d["correct"] or not ran:
                continue
            if t.get("check") == "stdout":
                return (
                    f"{head}\nA failing test:\ninput:\n{t.get('stdin', '')}\nexpected output:\n{t['stdout']}\n"
                    f"actual output:\n{d.get('parsed') or ''}\n({d['reason']})"
                )
            actual = d.get("parsed") if d.get("outcome") is None else d["reason"]
            expected = {"truthy": "a true value", "falsy": "a false value"}.get(
                t.get("check"), t.get("expected")
            )
            return f"{head}\nA failing test:\ninput: `{t['call']}`\nexpected: {expected}\nactual: {actual}"
        if passed == len(feedback):
            return head + " It does not pass all of the hidden tests that decide the reward."
        return head + f" First failure: {feedback[0]['reason'] if feedback else score.reason}."


class RepairEpisode(Episode):
    """Up to ``max_turns`` attempts; step reward = change of the FINAL-pool pass rate (module docstring)."""

    def __init__(self, task: UnitTestTask):
        self.task = task
        self.observation = task.prompt
        self.turn = 0
        self.rate = 0.0
        self.done = False

    def gold_response(self) -> str:
        return self.task.gold_response()

    def step(self, response: Any) -> tuple[str, float, bool, dict]:
        task = self.task
        if self.done:
            score = error_score("episode already finished")
            return "", 0.0, True, step_info(score, task)
        score, feedback = task.attempt(response)
        self.turn += 1
        new_rate = score.reward
        delta = new_rate - self.rate
        self.rate = new_rate
        self.done = score.outcome == "correct" or self.turn >= task.max_turns
        if self.done:
            obs = f"{score.reason}. The episode is over."
        else:
            obs = (
                f"{task.feedback_text(score, feedback)}\n\n"
                f"Fix the function (attempt {self.turn + 1} of {task.max_turns}). Put the complete corrected code in "
                "a ```python code block inside <answer> and </answer>."
            )
        self.observation = obs
        fb_rate = sum(1 for d in feedback if d["correct"]) / len(feedback) if feedback else None
        info = step_info(
            score,
            task,
            pass_rate=new_rate,
            attempt=self.turn,
            max_turns=task.max_turns,
            feedback_pass_rate=fb_rate,
            feedback_details=feedback,
        )
        return obs, delta, self.done, info
