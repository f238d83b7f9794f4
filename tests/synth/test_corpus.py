"""Corpus readers, filters, levels and the contamination guard, on small hand-written corpora (no downloads).

Every row runs in the real sandbox; the expected reasons are what each row was written to provoke.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from execgym.synth.corpus import CorpusSource, process_rows, source_name
from execgym.synth.corpus_exclude import code_fingerprints, fingerprints_of_file, matches
from execgym.synth.corpus_filters import CorpusConfig, static_reason
from execgym.synth.corpus_rows import read_corpus
from execgym.synth.leveling import assign_level, measure_structure
from execgym.synth.program import Program


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EXECGYM_CACHE_DIR", str(tmp_path / "cache"))


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


GOOD_LOOP = code("""
    def f(xs, k):
        out = []
        for x in xs:
            if x % k == 0:
                out.append(x // k)
            else:
                out.append(x * 2)
        return out
    """)
COUNT_WORDS = code("""
    def count_words(text):
        counts = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        return counts
    """)
WORD_GENERATOR = code("""
    def generate_inputs(rng: Random) -> dict:
        words = ['a', 'b', 'c', 'dd']
        return {'text': ' '.join(rng.choice(words) for _ in range(rng.randint(1, 6)))}
    """)

# (row, the reason it must get)
ROWS = [
    ({"code": GOOD_LOOP, "input": "[3, 4, 6, 7], 3"}, "accepted"),
    ({"code": "def f(s):\n    return s.upper()\n", "inputs": ["'abc'", "'xY'"]}, "accepted"),
    ({"code": COUNT_WORDS, "input_generator": WORD_GENERATOR, "task_description": "Count the words.",
      "input_output_spec": "Input: `text` (str)."}, "accepted"),
    ({"code": "import numpy as np\ndef f(x):\n    return int(np.sum(x))\n", "input": "[1, 2]"}, "non_stdlib_import"),
    ({"code": "def f(p):\n    return open(p).read()\n", "input": "'/etc/passwd'"}, "files_or_network"),
    ({"code": "import socket\ndef f(h):\n    return len(h)\n", "input": "'x'"}, "files_or_network"),
    ({"code": "def f(s):\n    return eval(s)\n", "input": "'1+1'"}, "dynamic_code"),
    ({"code": "import random\ndef f(n):\n    return random.randint(0, n)\n", "input": "10"}, "nondeterministic"),
    ({"code": "import time\ndef f(n):\n    return n\n", "input": "10"}, "nondeterministic"),
    ({"code": "def f(n):\n    return 7\n", "inputs": ["1", "2", "3"]}, "constant_output"),
    ({"code": "def f(n):\n    if n > 1000000:\n        return 0\n    return n + 1\n", "inputs": ["1", "2"]},
     "dead_statement"),
    ({"code": "def f(n):\n    return [1, 2][n]\n", "input": "5"}, "crash"),
    ({"code": "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n", "input": "100000"},
     "too_long"),
    ({"code": "def f(n):\n    print(n)\n    return n\n", "input": "3"}, "prints"),
    ({"code": "def f(n):\n    return object()\n", "input": "3"}, "not_literal"),
    ({"code": "def f(s):\n    return list(set(s.split()))\n", "input": "'ab cd ef gh ij kl mn op'"},
     "nondeterministic"),
    ({"code": "def f(n):\n    return n +\n", "input": "3"}, "syntax_error"),
    ({"code": "x = 1\n", "input": "3"}, "no_function"),
    ({"code": COUNT_WORDS, "input_generator": "def generate_inputs(rng):\n    return {'text': 'a' * (hash('x') % 7)}\n"},
     "nondeterministic_inputs"),
    ({"code": COUNT_WORDS, "input_generator": "def generate_inputs(rng):\n    return {'words': 'a b'}\n"},
     "inputs_mismatch"),
    ({"code": COUNT_WORDS, "input_generator": "def generate_inputs(rng):\n    return {'text': 'ab ' * 5000}\n"},
     "too_large_input"),
    ({"code": COUNT_WORDS, "input_generator": "def generate_inputs(rng):\n    raise ValueError('no')\n"},
     "inputs_crash"),
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_every_row_gets_the_reason_it_was_written_for(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [r for r, _ in ROWS])
    rows = read_corpus(path)
    from execgym.synth.corpus_filters import check_rows

    verdicts = check_rows(rows, origin="corpus:mixed")
    got = [("accepted" if isinstance(v, Program) else v) for v in verdicts]
    assert got == [reason for _, reason in ROWS]


def test_accepted_programs_carry_calls_levels_and_statement(tmp_path):
    path = write_jsonl(tmp_path / "ok.jsonl", [r for r, why in ROWS if why == "accepted"])
    result = process_rows(read_corpus(path), origin="corpus:ok")
    loop, upper, words = result.programs
    assert loop.call == "f([3, 4, 6, 7], 3)" and loop.expected == [1, 8, 2, 14]
    assert loop.meta["inputs"] == "variants" and len(loop.variants) == 5  # topped up with fresh literals
    assert upper.variants[0] == "f('xY')"  # the row's own second input comes first
    assert words.meta["inputs"] == "generator" and words.meta["task_description"] == "Count the words."
    assert len(words.calls) >= 6 and all(c.startswith("count_words('") for c in words.calls)
    assert words.origin == "corpus:ok" and loop.trace_steps
    assert result.counts == {"accepted": 3}
    assert loop.level == 4 and upper.level == 1 and words.level == 3


def test_generator_inputs_are_seeded_from_the_row_and_drawn_in_the_sandbox(tmp_path):
    row = {"code": COUNT_WORDS, "input_generator": WORD_GENERATOR}
    first = process_rows(read_corpus(write_jsonl(tmp_path / "a.jsonl", [row])), origin="corpus:a").programs[0]
    again = process_rows(read_corpus(write_jsonl(tmp_path / "b.jsonl", [row])), origin="corpus:a").programs[0]
    assert first.calls == again.calls
    other = process_rows(read_corpus(write_jsonl(tmp_path / "c.jsonl", [row])), origin="corpus:a",
                         config=CorpusConfig(seed=1)).programs[0]
    assert other.calls != first.calls


def test_a_generator_that_attacks_the_caller_runs_only_in_the_sandbox(tmp_path):
    marker = tmp_path / "written-by-generator"
    generator = (f"def generate_inputs(rng):\n    import pathlib\n    pathlib.Path({str(marker)!r}).write_text('x')\n"
                 "    return {'text': 'a b'}\n")
    result = process_rows(read_corpus(write_jsonl(tmp_path / "g.jsonl", [{"code": COUNT_WORDS,
                                                                          "input_generator": generator}])),
                          origin="corpus:g")
    assert result.counts == {"files_or_network": 1}
    assert not marker.exists()
    # past the static screen (no import, no open(...) call by name) the generator still runs only in the
    # sandbox child, whose file system is not the caller's
    sneaky = ("def generate_inputs(rng):\n    b = __builtins__\n"
              "    w = b['op' + 'en'] if isinstance(b, dict) else getattr(b, 'op' + 'en')\n"
              f"    w({str(marker)!r}, 'w').write('x')\n    return {{'text': 'a b'}}\n")
    process_rows(read_corpus(write_jsonl(tmp_path / "h.jsonl", [{"code": COUNT_WORDS, "input_generator": sneaky}])),
                 origin="corpus:h")
    assert not marker.exists()


def test_readers_reject_a_file_that_is_not_a_corpus(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"code": "def f(x):\\n    return x\\n"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1: a corpus row needs"):
        read_corpus(bad)
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError, match="broken.jsonl:1: not JSON"):
        read_corpus(tmp_path / "broken.jsonl")
    with pytest.raises(FileNotFoundError):
        read_corpus(tmp_path / "missing.jsonl")


def test_parquet_rows_read_like_jsonl_rows(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{"code": GOOD_LOOP, "input": "[3, 4, 6, 7], 3"}, {"code": "def f(s):\n    return s[::-1]\n",
                                                              "input": "'abc'"}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    from_parquet = read_corpus(tmp_path / "c.parquet")
    from_jsonl = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert [(r.source, r.entry, r.calls) for r in from_parquet] == [(r.source, r.entry, r.calls) for r in from_jsonl]


def test_codeio_style_rows_use_main_solution_and_code_sample(tmp_path):
    row = {"code_sample": "def helper(x):\n    return x * 2\n\ndef main_solution(n):\n    return helper(n) + 1\n\n"
                          "def trailing(y):\n    return y\n",
           "input_generator": "def generate_inputs(rng):\n    return {'n': rng.randint(0, 99)}\n"}
    [parsed] = read_corpus(write_jsonl(tmp_path / "codeio.jsonl", [row]))
    assert parsed.entry == "main_solution" and parsed.generator.startswith("def generate_inputs")


FOLDER = {
    "pkg/textutil.py": code('''
        import re

        SEP = "-"

        def slug(text):
            """Lower-case words joined by SEP.

            >>> slug("Hello World")
            'hello-world'
            >>> slug('  A  b ')
            'a-b'
            """
            return SEP.join(w.lower() for w in re.findall(r"[A-Za-z]+", text))

        def _words(text):
            return text.split()

        def longest(text):
            best = ""
            for w in _words(text):
                if len(w) > len(best):
                    best = w
            return best

        def uses_global(x):
            return CONFIG[x]

        def untested(x):
            return x
        '''),
    "tests/test_textutil.py": code('''
        from pkg.textutil import longest
        from pkg import textutil

        def test_longest():
            assert longest("a bbb cc") == "bbb"
            assert textutil.longest("xy z") == "xy"
            assert textutil.uses_global("a") == 1
            value = "dynamic"
            assert longest(value) == "dynamic"
        '''),
}


def test_folder_extraction_takes_doctest_and_test_file_calls(tmp_path):
    for rel, text in FOLDER.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    rows = {r.entry: r for r in read_corpus(tmp_path)}
    assert sorted(rows) == ["longest", "slug"]  # uses_global is not self-contained; untested has no call
    assert rows["slug"].calls == ("slug('Hello World')", "slug('  A  b ')")
    assert rows["slug"].source.startswith("import re\n\nSEP = \"-\"\n\ndef slug(text):")
    assert rows["longest"].calls == ("longest('a bbb cc')", "longest('xy z')")
    assert "def _words(text):" in rows["longest"].source  # the helper it calls is taken along
    assert rows["longest"].row_id == "pkg/textutil.py::longest"
    result = process_rows(list(rows.values()), origin="corpus:folder")
    assert result.counts.get("accepted", 0) >= 1


def test_static_screen():
    assert static_reason("import collections\ndef f(x):\n    return x\n") == ""
    assert static_reason("import random\ndef f(x):\n    return x\n") == ""  # imported, never used
    assert static_reason("from random import choice\ndef f(x):\n    return choice(x)\n") == "nondeterministic"
    assert static_reason("import datetime\ndef f():\n    return datetime.datetime.now()\n") == "nondeterministic"
    assert static_reason("import requests\ndef f():\n    return 1\n") == "non_stdlib_import"
    assert static_reason("import random\ndef g(rng):\n    return random.random()\n", generator=True) == ""


def test_levels_follow_the_structural_definitions():
    flat = "def f(s):\n    return s.strip().upper().split(',')\n"
    assert assign_level(measure_structure(flat, "f"), 3) == 2
    chain = code("""
        def helper(xs):
            return [x * 2 for x in xs]

        def f(rows):
            out = []
            for row in rows:
                for x in row:
                    if x > 0:
                        out.append(sum(helper([x])))
            return out
        """)
    structure = measure_structure(chain, "f")
    assert structure.call_chain and structure.control_depth == 3 and "comprehension" in structure.extras
    assert assign_level(structure, 50) == 7
    rec = "def f(n):\n    if n <= 1:\n        return 1\n    return n * f(n - 1)\n"
    assert "recursion" in measure_structure(rec, "f").extras
    # a shallow function whose call takes many steps is not served as an easy task
    loop = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    assert assign_level(measure_structure(loop, "f"), 5) == 3
    assert assign_level(measure_structure(loop, "f"), 450) == 4


def test_exclusion_matches_syntax_trees_not_text(tmp_path):
    bench = write_jsonl(tmp_path / "cruxeval.jsonl", [
        {"code": "def f(text):\n    return text[::-1]\n", "input": "'ab'", "output": "'ba'"},
        {"prompt": "def add(a, b):\n    \"\"\"Add.\"\"\"\n", "canonical_solution": "    return a + b\n"},
    ])
    excluded = fingerprints_of_file(bench)
    assert matches("def f(text):\n    # a comment\n    return text[ :: -1]\n", excluded)
    assert matches("def add(a, b):\n    '''Another docstring.'''\n    return (a + b)\n", excluded)
    assert not matches("def f(text):\n    return text[::-2]\n", excluded)
    assert code_fingerprints("def broken(:\n") == frozenset()


def test_excluded_programs_are_not_served_and_counted(tmp_path):
    rows = [{"code": GOOD_LOOP, "input": "[3, 4, 6, 7], 3"},
            {"code": "def f(s):\n    return s.upper()\n", "inputs": ["'abc'", "'xY'"]}]
    corpus = write_jsonl(tmp_path / "c.jsonl", rows)
    bench = write_jsonl(tmp_path / "bench.jsonl", [{"code": "def f(s):\n    return s.upper()\n", "input": "'q'"}])
    plain = CorpusSource("corpus:c", corpus)
    guarded = CorpusSource(source_name(str(corpus), [str(bench)]), corpus, exclude=[bench])
    assert plain.levels() == (1, 4) and guarded.levels() == (4,)
    assert guarded.excluded == 1 and guarded.processed().counts == {"accepted": 1, "excluded": 1}
    assert guarded.fingerprint != plain.fingerprint and guarded.cache_file == plain.cache_file


def test_processing_is_cached_on_disk_by_content(tmp_path, monkeypatch):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"code": GOOD_LOOP, "input": "[3, 4, 6, 7], 3"}])
    first = CorpusSource("corpus:c", corpus)
    programs = first.processed().programs
    assert first.cache_file.is_file()
    import execgym.synth.corpus_filters as filters

    monkeypatch.setattr(filters, "check_rows", lambda *a, **k: pytest.fail("processed twice"))
    again = CorpusSource("corpus:c", corpus)
    assert again.fingerprint == first.fingerprint
    assert [p.to_dict() for p in again.processed().programs] == [p.to_dict() for p in programs]
    corpus.write_text(corpus.read_text().replace("x * 2", "x * 3"))
    assert CorpusSource("corpus:c", corpus).fingerprint != first.fingerprint


def test_program_choice_is_hashed_and_level_errors_name_the_levels(tmp_path):
    rows = [{"code": f"def f(s):\n    return s.upper() + {str(i)!r}\n", "input": "'ab'"} for i in range(6)]
    source = CorpusSource("corpus:c", write_jsonl(tmp_path / "c.jsonl", rows))
    picks = [source.program(1, s).source for s in range(30)]
    assert len(set(picks)) > 1 and picks == [source.program(1, s).source for s in range(30)]
    with pytest.raises(ValueError, match=r"no program at level 5; it has levels \[1\]"):
        source.program(5, 0)
