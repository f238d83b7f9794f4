"""Built-in UnitTest-v0 tasks are fully specified (issue 12 item 1): plain-words steps with every constant,
stated input shapes, visible examples that reach every branch outcome the hidden tests reach (from real
sandbox traces), a memorising baseline that stays low and a reference that scores 1.0; for both program
generators and for corpus programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from execgym.tasks import make_task
from execgym.tasks.spec import describe_shape, fits_shape, merge_shapes, render_spec, shape_of
from execgym.tasks.spec_audit import audit, memorising_response

N_PER_LEVEL = 10
CASES = [("ops", level) for level in range(1, 9)] + [("patterns", level) for level in range(1, 7)]


def _spec(level: int, seed: int, generator: str = "default", **options) -> dict:
    return {
        "env": "UnitTest-v0",
        "level": level,
        "seed": seed,
        "options": {"generator": generator, **options},
    }


@pytest.mark.parametrize("generator, level", CASES)
def test_builtin_tasks_are_covered_shaped_and_not_memorisable(generator, level):
    rows = [audit(make_task(_spec(level, seed, generator))) for seed in range(N_PER_LEVEL)]
    assert all(r["covered"] for r in rows), [r for r in rows if not r["covered"]]
    assert sum(r["shape_violations"] for r in rows) == 0
    assert all(r["gold"] == 1.0 for r in rows)
    mean = sum(r["memorise"] for r in rows) / len(rows)
    assert mean < 0.3 and all(r["memorise"] <= 0.5 for r in rows)


def test_the_statement_states_conditions_constants_and_shapes():
    source = (
        "def helper(label):\n    return label.rstrip('6D').rstrip('36')\n\n"
        "def f(label, record):\n"
        "    if len(label) > 5 and label.startswith('b'):\n        return helper(label)\n"
        "    elif record[7] == 3:\n        return 'x'\n"
        "    for item in record:\n        if item < 0:\n            break\n"
        "    return label.upper()\n"
    )
    text, fallbacks = render_spec(source, "f")
    assert fallbacks == 0
    for needle in (
        "(the length of `label`) is greater than `5`",
        "whether `label` starts with `'b'`",
        "trailing character that is in `'6D'`",
        "`'36'`",
        "Otherwise, if",
        "`7`",
        "Leave the innermost loop",
        "helper `helper(label)`",
        "in upper case",
    ):
        assert needle in text, needle
    assert text.index("`f(label, record)`") < text.index("helper `helper(label)`")


def test_an_unrenderable_construct_is_written_as_code_and_counted():
    text, fallbacks = render_spec("def f(xs):\n    del xs[0]\n    return (lambda y: y)(xs)\n", "f")
    assert fallbacks == 2
    assert "`del xs[0]`" in text and "`(lambda y: y)(xs)`" in text


def test_comprehensions_are_rendered_in_words():
    text, fallbacks = render_spec("def f(ws):\n    return [w.upper() for w in ws if len(w) > 2]\n", "f")
    assert fallbacks == 0
    assert (
        "the list of (`w` in upper case), for each `w` in `ws` where ((the length of `w`) is greater" in text
    )


def test_shapes_state_tuple_arity_lengths_and_element_types():
    s = merge_shapes([shape_of((1, 2, 3)), shape_of((4, 5, 9))])
    assert describe_shape(s) == "a tuple of exactly 3 elements, each an int from 1 to 9"
    assert fits_shape((2, 3, 4), s) and not fits_shape((2, 3), s) and not fits_shape((1, 2, "a"), s)
    assert not fits_shape((1, 2, 10), s)
    assert describe_shape(merge_shapes([shape_of("ab"), shape_of("abcd")])) == "a string of 2 to 4 characters"


@pytest.mark.parametrize("generator, level", [("ops", 3), ("patterns", 6)])
def test_the_prompt_has_signature_shapes_steps_and_examples(generator, level):
    task = make_task(_spec(level, 1, generator))
    prompt = task.prompt
    assert "Write a Python function with this signature:" in prompt
    assert "every test uses only inputs of these shapes" in prompt and "- it returns " in prompt
    assert "does exactly this:\n1. " in prompt and "Examples:\nassert " in prompt
    assert "core operation" not in prompt
    assert task.problem["shapes"] and len(task.visible) >= 3


def test_brief_statement_is_still_selectable():
    task = make_task(_spec(3, 0, statement="brief"))
    assert "What is known about it:" in task.prompt and "shapes" not in task.problem


def test_memorising_response_answers_the_visible_examples():
    task = make_task(_spec(4, 2))
    task.tests = task.visible  # scored on the visible examples, the table is exact
    assert task.score(memorising_response(task)).reward == 1.0


def test_tasks_are_byte_identical_in_a_fresh_process():
    specs = [_spec(level, 3, gen) for gen, level in (("ops", 2), ("patterns", 5), ("ops", 7))]
    here = [json.dumps(make_task(s).spec, sort_keys=True) for s in specs]
    code = (
        "import json, sys\nfrom execgym.tasks import make_task\n"
        "for s in json.loads(sys.argv[1]):\n    print(json.dumps(make_task(s).spec, sort_keys=True))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="123")
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(specs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    assert out.stdout.splitlines() == here


WORDS = (
    "def count_words(text):\n    counts = {}\n    for word in text.split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n    return counts\n"
)


def test_corpus_programs_get_the_full_statement(tmp_path, monkeypatch):
    monkeypatch.setenv("EXECGYM_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "c.jsonl"
    rows = [
        {"code": WORDS, "inputs": ["'a b a'", "'x'", "'b b c d'", "'q q q'", "''", "'a a b b c'", "'z y'"]},
        {
            "code": "def f(s):\n    if len(s) > 2:\n        return s.upper()\n    return s\n",
            "inputs": ["'abc'", "'xY'", "'hello'", "'q'", "'abcd'"],
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    built = 0
    for level in (1, 3, 4):
        try:
            task = make_task(
                {"env": "UnitTest-v0", "level": level, "seed": 0, "options": {"source": f"corpus:{path}"}}
            )
        except (RuntimeError, ValueError):
            continue
        r = audit(task)
        assert r["covered"] and r["shape_violations"] == 0 and r["gold"] == 1.0
        assert "does exactly this:" in task.prompt
        built += 1
    assert built >= 1
