"""The teacher route (``execgym synth --teacher``) against a real OpenAI-compatible server on loopback.

The server (tests/conftest.py) answers each constraint prompt by the entry it names: good, broken,
non-deterministic (``random``, set order), commented, printing programs and more; every item must end
accepted or rejected with the right counted reason, and the run must resume.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time

import pytest

from execgym.cli import main
from execgym.seeding import derive_seed, rng
from execgym.synth.program import Program
from execgym.synth.teacher import TeacherRun, ledger_path, parse_entries
from execgym.synth.teacher_checks import check_code, split_program
from execgym.synth.teacher_prompts import (
    Configuration,
    constraint_prompt,
    extract_code,
    mutation_prompt,
    value_pool,
)


def block(code: str) -> str:
    return f"Here you go.\n\n```python\n{code}```\n"


GOOD = ("def shout(text):\n    words = text.split()\n    loud = [w.upper() for w in words if w]\n"
        "    return '-'.join(loud)\n\nprint(shout('hello big world'))\n")
# entry -> (answer, the reason the raw item must end with)
ANSWERS = {
    "str/upper": (block(GOOD), "accepted"),
    "str/lower": (block("def f(text):\n    return text.lower() + 1\n\nprint(f('ABC'))\n"), "crash"),
    "str/split": (block("def f(s)\n    return s.split()\n\nprint(f('a b'))\n"), "syntax_error"),
    "str/strip": (block("def f(s):\n    # drop the blanks\n    return s.strip()\n\nprint(f('  ab  '))\n"), "comment"),
    "str/replace": (block("def f(s):\n    print(s)\n    return s.replace('a', 'b')\n\nprint(f('banana'))\n"),
                    "prints"),
    "list/sort": (block("import random\n\ndef f(xs):\n    random.shuffle(xs)\n    return xs\n\n"
                        "print(f([3, 1, 2, 5, 4, 6]))\n"), "nondeterministic"),
    "set/add": (block("def f(words):\n    seen = set()\n    for w in words:\n        seen.add(w)\n"
                      "    return list(seen)\n\nprint(f(['apple', 'banana', 'cherry', 'date', 'elder', 'fig']))\n"),
                "nondeterministic"),
    "str/isdigit": (block("def f(s):\n    return len(s) > 1000\n\nprint(f('abc'))\n"), "constant_output"),
    "str/find": (block("def f(s):\n    pos = s.find('a')\n    if len(s) > 10000:\n        pos = -5\n"
                       "    return pos + len(s)\n\nprint(f('banana'))\n"), "dead_statement"),
    "str/title": ("I would rather not write code today.", "no_code_block"),
    "str/capitalize": (block("def g(s):\n    return s.capitalize()\n\ndef f(s):\n    return g(s)\n\n"
                             "print(f('ab'))\n"), "call_chain"),
}
ENTRIES = ",".join(ANSWERS)


def responder(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    if prompt.startswith("Task\n----\nModify the arguments"):
        code = prompt.split("-----------------\n", 1)[1].split("\n\nReconstruct the arguments", 1)[0]
        if "def shout" in code:  # rewrite the call with the first string of the value pool
            first = re.search(r"string values:  ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", prompt).group(1)
            code = code.replace("shout('hello big world')", f"shout({first})")
        return block(code.rstrip("\n") + "\n")
    match = re.search(r"tests the `(.+?)` method of the `(.+?)` type", prompt)
    return ANSWERS[f"{match.group(2)}/{match.group(1)}"][0]


def teacher_args(server, out, *extra):
    return ["synth", "--teacher", "openai:fake-teacher", "--base-url", server.base_url, "--level", "1",
            "--entries", ENTRIES, "--concurrency", "4", "-o", str(out), *extra]


def ledger(out) -> dict[str, dict]:
    lines = [json.loads(x) for x in ledger_path(out).read_text().splitlines()]
    return {f"{r['key']}:{r['kind']}": r for r in lines[1:]}


@pytest.fixture
def teacher_server(openai_server):
    openai_server.state.responder = responder
    return openai_server


def test_every_answer_ends_with_its_counted_reason_and_the_run_resumes(teacher_server, tmp_path, capsys):
    out = tmp_path / "teacher.jsonl"
    summary_path = tmp_path / "summary.json"
    assert main(teacher_args(teacher_server, out, "--summary-json", str(summary_path))) == 0
    err = capsys.readouterr().err
    assert "accepted" in err and "tokens: prompt" in err and "quality of the accepted programs" in err
    records = ledger(out)
    entries = list(ANSWERS)
    for index, entry in enumerate(entries):
        assert records[f"1:{index}:raw"]["reason"] == ANSWERS[entry][1], (entry, records[f"1:{index}:raw"])
        if ANSWERS[entry][1] == "no_code_block":
            assert f"1:{index}:mutated" not in records  # nothing to rewrite
        else:  # the rewrite keeps the program, so it ends the same way
            assert records[f"1:{index}:mutated"]["reason"] == ANSWERS[entry][1]
    summary = json.loads(summary_path.read_text())
    expected = {}
    for _, reason in ANSWERS.values():
        expected[reason] = expected.get(reason, 0) + 1
    assert summary["reasons"]["raw"] == expected
    assert summary["accepted"] == {"raw": 1, "mutated": 1, "total": 2}
    assert summary["complete"] and summary["failed"] == {"requests": 0, "sandbox": 0, "internal": 0}
    requests = teacher_server.state.requests
    asked = len(requests)
    assert asked == 2 * len(ANSWERS) - 1
    # token counts: the server counts words; the summary adds up every request's usage
    assert summary["tokens"]["prompt"] == summary["tokens"]["this_run"]["prompt"] > 0
    assert summary["tokens"]["completion"] > 0
    # the written programs: Program JSONL, origin teacher:MODEL, raw before mutated, variants shipped
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    programs = [Program.from_dict(r) for r in rows]
    assert [p.meta["kind"] for p in programs] == ["raw", "mutated"]
    raw, mutated = programs
    assert raw.origin == "teacher:fake-teacher" and raw.focus == ("str", "upper") and raw.level == 1
    assert raw.call == "shout('hello big world')" and raw.expected == "HELLO-BIG-WORLD"
    assert "print" not in raw.source and len(raw.variants) == 5
    assert raw.meta["prompt_tokens"] > 0 and raw.meta["setting"]["use_nested_calls_flag"] is True
    assert mutated.meta["parent"] == "1:0" and mutated.call != raw.call
    pool_strings = value_pool(rng("teacher-pool", 0, 1, 0))[1]
    assert mutated.call == f"shout({pool_strings[0]!r})"
    # the quality report of the file gives the figures the run printed
    assert summary["quality"]["levels"]["1"]["measured"] == 2
    assert summary["quality"]["levels"]["1"]["rates"]["constant_output"] == 0.0

    # resume: the same command asks nothing and changes nothing
    before = out.read_text()
    assert main(teacher_args(teacher_server, out, "--quiet")) == 0
    assert len(requests) == asked
    assert out.read_text() == before

    # a crash between the program line and its ledger line, and a half-written line
    lines = ledger_path(out).read_text().splitlines(keepends=True)
    kept = [x for x in lines if '"key": "1:0"' not in x]
    ledger_path(out).write_text("".join(kept))
    with out.open("a") as handle:
        handle.write('{"source": "def f(')
    assert main(teacher_args(teacher_server, out, "--quiet")) == 0
    assert len(requests) == asked  # both programs of 1:0 were in the output
    assert out.read_text() == before
    assert ledger(out)["1:0:raw"]["reason"] == "accepted"

    # more prompts per level: only the new items are asked for
    assert main(teacher_args(teacher_server, out, "--quiet", "-n", str(len(ANSWERS) + 1))) == 0
    new = requests[asked:]
    assert len(new) == 2 and "`upper` method of the `str` type" in new[0]["body"]["messages"][-1]["content"]
    assert [Program.from_dict(json.loads(x)).meta["key"] for x in out.read_text().splitlines()] == \
        ["1:0", "1:0", f"1:{len(ANSWERS)}", f"1:{len(ANSWERS)}"]


def test_prompts_and_sampling_seeds_are_deterministic(teacher_server, tmp_path):
    for name in ("a.jsonl", "b.jsonl"):
        assert main(teacher_args(teacher_server, tmp_path / name, "--quiet", "--no-mutate", "--level", "1,6",
                                 "-n", "2")) == 0
    bodies = [r["body"] for r in teacher_server.state.requests]
    assert len(bodies) == 8

    def key(body):
        return json.dumps(body, sort_keys=True)

    first, second = sorted(map(key, bodies[:4])), sorted(map(key, bodies[4:]))
    assert first == second
    seeds = {b["seed"] for b in bodies}
    assert seeds == {derive_seed("teacher-sample", 0, level, i) % 2 ** 31 for level in (1, 6) for i in range(2)}
    assert {b["temperature"] for b in bodies} == {0.8} and {b["top_p"] for b in bodies} == {0.9}
    assert bodies[0]["messages"][0] == {"role": "system", "content": "You are a code generator."}


def test_requests_run_concurrently_and_failures_are_retried_on_the_next_run(openai_server, tmp_path, capsys):
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(body):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.1)
        with lock:
            state["now"] -= 1
        return responder(body)

    openai_server.state.responder = slow
    openai_server.state.script = [("status", 400)]  # the first request fails for good (a 4xx is not retried)
    out = tmp_path / "t.jsonl"
    assert main(teacher_args(openai_server, out, "--no-mutate", "-n", "6")) == 1
    err = capsys.readouterr().err
    assert "1 failed requests" in err and "HTTP 400" in err
    assert state["max"] > 1
    assert len(ledger(out)) == 5
    assert main(teacher_args(openai_server, out, "--no-mutate", "-n", "6", "--quiet")) == 0
    assert len(ledger(out)) == 6 and len(openai_server.state.requests) == 7


def test_level_six_asks_for_a_call_chain_and_accepts_one(openai_server, tmp_path):
    program = ("def count_upper(word):\n    total = 0\n    for ch in word:\n        if ch.isupper():\n"
               "            total += 1\n    return total\n\ndef rank(words):\n    best = ''\n    for word in words:\n"
               "        while len(word) > 1 and word.upper() == word:\n            word = word[1:]\n"
               "        if count_upper(word.upper()) > count_upper(best):\n            best = word\n"
               "    return best\n\nprint(rank(['ab', 'Abc', 'xyZ', 'QQ']))\n")
    openai_server.state.responder = lambda body: block(program)
    out = tmp_path / "six.jsonl"
    assert main(["synth", "--teacher", "openai:t", "--base-url", openai_server.base_url, "--level", "6", "-n", "1",
                 "--no-mutate", "--quiet", "--allow-problems", "constant_test", "-o", str(out)]) == 0
    prompt = openai_server.state.requests[0]["body"]["messages"][-1]["content"]
    assert "Define exactly two functions: helper A and entry-point B; B must call A at least once." in prompt
    assert re.search(r"- Include an? [a-z-]+ (statement|chain), nest an? [a-z-]+ (statement|chain) inside it, "
                     r"then nest an? [a-z-]+ (statement|chain) inside the [a-z-]+ (statement|chain)\.", prompt)
    [row] = [json.loads(x) for x in out.read_text().splitlines()]
    assert row["entry"] == "rank" and row["constraints"]["functions"] == 2 and row["level"] == 6
    assert row["constraints"]["control_depth"] == 2 and row["constraints"]["asked_control_depth"] == 3


@pytest.mark.parametrize("args, message", [
    (["--teacher", "heuristic"], "writes code"),
    (["--teacher", "openai:m", "--level", "7"], "six configurations"),
    (["--teacher", "openai:m", "--entries", "str/nope"], "unknown catalog entry"),
    (["--teacher", "openai:m", "--allow-problems", "typo"], "unknown problem"),
    (["--teacher", "openai:m", "--api-key-env", "EXECGYM_SURELY_UNSET_VAR"], "not set"),
    (["--teacher", "openai:m", "--shard", "0/2"], "does not combine"),
])
def test_teacher_mistakes_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["synth", *args, "-o", str(tmp_path / "t.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_bad_option_value_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["synth", "--teacher", "openai:m", "--concurrency", "many"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--concurrency" in err and "invalid int value" in err


def test_a_check_that_fails_is_not_a_verdict(monkeypatch):
    from execgym.synth import teacher_checks

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the checks")

    monkeypatch.setattr(teacher_checks, "_check_code", broken)
    verdict = check_code(GOOD, level=1, focus=("str", "upper"), config=Configuration.for_level(1), origin="t")
    assert verdict.reason == "internal_error" and not verdict.finished and "a bug" in verdict.detail


def test_teacher_needs_an_output_file_and_refuses_another_configuration(teacher_server, tmp_path, capsys):
    assert main(["synth", "--teacher", "openai:m"]) == 2
    out = tmp_path / "t.jsonl"
    assert main(teacher_args(teacher_server, out, "--quiet", "-n", "1", "--no-mutate")) == 0
    asked = len(teacher_server.state.requests)
    capsys.readouterr()
    assert main(teacher_args(teacher_server, out, "--quiet", "-n", "1", "--no-mutate", "--seed", "3")) == 2
    assert "another configuration (seed differ)" in capsys.readouterr().err
    assert len(teacher_server.state.requests) == asked


# ------------------------------------------------------------------------------------------ pure parts
def test_constraint_prompts_follow_the_reference():
    config = Configuration.for_level(1)
    text, blueprint = constraint_prompt("str", "replace", config, random.Random(0))
    assert blueprint == []
    assert text.startswith("Task\n----\nWrite Python code that tests the `replace` method of the `str` type.")
    for line in ("1) Do not include any comments.", "2) Use exactly one print(...) statement to display the result.",
                 "6) Each function must have at least one argument.",
                 "- Use nested calls to the test method with at least two levels of depth and invoke the test "
                 "method multiple times in the generated code.",
                 "- Do not call any additional methods beyond the method under test.",
                 "- Define exactly one function; do not create helper functions.",
                 "- Do not include any control structures (if, for, while, elif).", "```python"):
        assert line in text, line
    three = Configuration.for_level(5)
    assert (three.max_depth, three.call_chain, three.other_methods) == (3, False, True)
    text5, seq = constraint_prompt("list", "append", three, random.Random(4))
    assert len(seq) == 3 and "preferably from str, list, set, tuple" in text5
    assert text5 == constraint_prompt("list", "append", three, random.Random(4))[0]
    one, [kind] = constraint_prompt("list", "append", Configuration.for_level(3), random.Random(1))
    assert f"- Include {'an' if kind == 'if' or kind == 'if-elif' else 'a'} " in one
    with pytest.raises(ValueError, match="six configurations"):
        Configuration.for_level(8)
    assert len(TeacherRun("openai:m").items()) == 6 * 186
    from execgym.synth.catalog import ALL_ENTRIES

    items = TeacherRun("openai:m", entries=parse_entries("all"), levels=(2,), n=len(ALL_ENTRIES) + 1).items()
    assert [it.focus for it in items] == [*ALL_ENTRIES, ALL_ENTRIES[0]]


def test_value_pool_and_mutation_prompt():
    ints, strings = value_pool(random.Random(3))
    assert 5 <= len(ints) == len(strings) <= 15 and all(5 <= v <= 20 for v in ints)
    assert all(5 <= len(s) <= 15 for s in strings)
    text = mutation_prompt("def f(x):\n    return x\n\nprint(f(1))", ints, strings)
    assert "integer values:  " + "  ".join(map(str, ints)) in text
    assert "string values:  " + "  ".join(repr(s) for s in strings) in text
    assert "For types such as str, dict, list, or set, their length must exceed five." in text


@pytest.mark.parametrize("answer, code", [
    ("```python\ndef f(x):\n    return x\n```", "def f(x):\n    return x\n"),
    ("<think>```python\nwrong()\n```</think>\nok:\n```py\nright()\n```\n```python\nlater()\n```", "right()\n"),
    ("text\n```\nno language tag\n```", None),
    ("```python\n\n```", None),
])
def test_extract_code(answer, code):
    assert extract_code(answer) == code


@pytest.mark.parametrize("code, reason", [
    ("def f(x):\n    return x\n\nprint(f(1))\nprint(f(2))\n", "print_call"),
    ("def f(x):\n    return x\n\nx = [1]\nprint(f(x))\n", "call_not_literal"),
    ("def f(x):\n    return x\n\nprint(f(x=1))\n", "call_not_literal"),
    ("def f(x=1):\n    return x\n\nprint(f(1))\n", "signature"),
    ("def f():\n    return 1\n\nprint(f())\n", "signature"),
    ("print(len('abc'))\n", "no_function"),
    ("def f(x):\n    return x\n\nprint(len([f(1)]))\n", "print_call"),
    ("def f(x):\n    return id(x)\n\nprint(f(1))\n", "nondeterministic"),
    ("def f(x):\n    import time\n    return x\n\nprint(f(1))\n", "nondeterministic"),
])
def test_static_rules(code, reason):
    verdict = split_program(code, Configuration.for_level(2))
    assert not hasattr(verdict, "source") and verdict.reason == reason, verdict


def test_static_split_keeps_imports_and_functions_only():
    code = ("import math\n\nLIMIT = 3\n\ndef f(x):\n    return math.floor(x) * 2\n\nif __name__ == '__main__':\n"
            "    print(f(2.5))\n")
    draft = split_program(code, Configuration.for_level(1))
    assert draft.source == "import math\n\ndef f(x):\n    return math.floor(x) * 2\n"
    assert draft.entry == "f" and draft.call == "f(2.5)" and draft.control_depth == 0


@pytest.mark.parametrize("code, reason", [
    ("def f(n):\n    while n > 0:\n        n = n + 1\n    return n\n\nprint(f(3))\n", "too_long"),
    ("def f(n):\n    return eval('n + 1')\n\nprint(f(3))\n", "policy_violation"),
    ("def f(n):\n    return (x for x in range(n))\n\nprint(f(3))\n", "not_literal"),
    ("def f(n):\n    return float('nan') * n\n\nprint(f(3))\n", "not_literal"),
    ("def f(n):\n    return sum(range(10 ** 12)) + n\n\nprint(f(3))\n", "timeout"),
    ("def f(s):\n    return str(str(s.isdigit()).isdigit())\n\nprint(f('12'))\n", "constant_output"),
    ("def f(s, t):\n    return s.strip().strip() + t\n\nprint(f(' a ', 'b'))\n", "idiom"),
])
def test_execution_and_quality_rules(code, reason):
    verdict = check_code(code, level=1, focus=("str", "strip"), config=Configuration.for_level(1), origin="teacher:t",
                         timeout=0.5, retry_timeouts=(1.0,))
    assert verdict.reason == reason, verdict
