"""Benchmark loaders and scorers on tiny fixtures written in the published formats (nothing downloads).

Checks the literal-only (strict) scores, the official-protocol scores re-hosted in the sandbox, that
the two differ exactly on an always-equal-object answer, and REval's four tasks plus IC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execgym.cli import main as cli_main
from execgym.evaluation.benchmarks import load_benchmark
from execgym.evaluation.harness import EvalConfig, evaluate
from execgym.evaluation.metrics import summarize
from execgym.models import load_model

HACK = "type('X',(),{'__eq__':lambda s,o:True})()"

CRUX = [
    {"code": "def f(nums):\n    output = []\n    for n in nums:\n        output.append((nums.count(n), n))\n"
             "    output.sort(reverse=True)\n    return output",
     "input": "[1, 1, 3, 1, 3, 1]", "output": "[(4, 1), (4, 1), (4, 1), (4, 1), (2, 3), (2, 3)]", "id": "sample_0"},
    {"code": "def f(text, suffix):\n    return text + suffix", "input": "'ab', 'cd'", "output": "'abcd'", "id": "sample_1"},
    {"code": "def f(x):\n    return x * 2", "input": "21", "output": "42", "id": "sample_2"},
]

LCB = [
    {"question_id": "q1", "contest_id": "c", "contest_date": "2023-05-01T00:00:00", "difficulty": "easy",
     "function_name": "sumOdd", "code": "def sumOdd(nums: List[int]) -> int:\n    return sum(n for n in nums if n % 2)",
     "input": "sumOdd(nums = [1, 2, 3])", "output": "4", "id": "lcb0", "problem_id": "p1", "numsteps": 10},
    {"question_id": "q2", "contest_id": "c", "contest_date": "2023-05-01T00:00:00", "difficulty": "easy",
     "function_name": "firstWord", "code": "def firstWord(s: str) -> str:\n    return s.split()[0]",
     "input": "firstWord(s = 'hello big world')", "output": "'hello'", "id": "lcb1", "problem_id": "p2",
     "numsteps": 3},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def answer(text: str) -> str:
    return f"Let me think.\n<answer>\n{text}\n</answer>"


def score_item(item, response: str) -> dict:
    _, reward, done, info = item.start().step(response)
    assert done and reward == (1.0 if info["correct"] else 0.0)
    return info


# ------------------------------------------------------------------------------------- CRUXEval


def test_cruxeval_output_strict_vs_official(tmp_path):
    bench = load_benchmark("cruxeval-o", str(write_jsonl(tmp_path / "cruxeval.jsonl", CRUX)))
    items = bench.items()
    assert [i.item_id for i in items] == ["sample_0", "sample_1", "sample_2"]
    assert "assert f(21) == ??" in items[2].prompt and "<answer>" in items[2].prompt
    gold = score_item(items[2], answer("assert f(21) == 42"))
    assert gold["correct"] and gold["official"] is True
    bare = score_item(items[2], answer("42"))
    assert bare["correct"] and bare["official"] is True
    wrong = score_item(items[2], answer("assert f(21) == 41"))
    assert not wrong["correct"] and wrong["official"] is False and wrong["outcome"] == "wrong"
    typed = score_item(items[2], answer("assert f(21) == 42.0"))
    assert not typed["correct"] and typed["official"] is True  # 42 == 42.0 passes the official assert
    hacked = score_item(items[2], answer(f"assert f(21) == {HACK}"))
    assert not hacked["correct"] and hacked["outcome"] == "wrong" and "literal" in hacked["reward_reason"]
    assert hacked["official"] is True  # the official scorer is fooled
    expr = score_item(items[2], answer("assert f(21) == 40 + 2"))
    assert not expr["correct"] and expr["official"] is True
    copied = score_item(items[2], answer("assert f(21) == f(21)"))
    assert copied["official"] is None  # dropped by CRUXEval's skip rule
    other_call = score_item(items[2], answer("assert f(20) == 42"))
    assert not other_call["correct"]
    missing = score_item(items[2], "42")
    assert missing["outcome"] == "format_error" and not missing["correct"]
    assert missing["official"] is True  # the official extraction does not need tags


def test_cruxeval_input_strict_runs_literal_arguments_in_the_sandbox(tmp_path):
    bench = load_benchmark("cruxeval-i", str(write_jsonl(tmp_path / "c.jsonl", CRUX)))
    items = {i.item_id: i for i in bench.items()}
    assert "assert f(??) == 'abcd'" in items["sample_1"].prompt
    ok = score_item(items["sample_1"], answer("assert f('a', 'bcd') == 'abcd'"))
    assert ok["correct"] and ok["official"] is True
    bare = score_item(items["sample_1"], answer("f('abc', 'd')"))
    assert bare["correct"] and bare["official"] is True
    wrong = score_item(items["sample_1"], answer("assert f('a', 'b') == 'abcd'"))
    assert not wrong["correct"] and wrong["official"] is False
    changed_output = score_item(items["sample_1"], answer("assert f('a', 'b') == 'ab'"))
    assert not changed_output["correct"]
    not_literal = score_item(items["sample_1"], answer("assert f('ab' + '', 'cd') == 'abcd'"))
    assert not not_literal["correct"] and not_literal["official"] is True
    hacked = score_item(items["sample_2"], answer(f"f(0) or {HACK}"))  # `assert 42 == f(0) or X()` passes
    assert not hacked["correct"] and hacked["official"] is True
    crash = score_item(items["sample_2"], answer("f([1, 2]) "))
    assert not crash["correct"] and crash["official"] is False
    no_call = score_item(items["sample_2"], answer("21"))
    assert no_call["official"] is None  # skip rule: no "f(" in the generation


def test_lcb_execution_strict_vs_official(tmp_path):
    bench = load_benchmark("lcb-exec", str(write_jsonl(tmp_path / "lcb.jsonl", LCB)))
    items = {i.item_id: i for i in bench.items()}
    assert "assert sumOdd(nums = [1, 2, 3]) == ??" in items["lcb0"].prompt
    gold = score_item(items["lcb0"], answer("assert sumOdd(nums = [1, 2, 3]) == 4"))
    assert gold["correct"] and gold["official"] is True
    gold2 = score_item(items["lcb1"], answer("assert firstWord(s = 'hello big world') == 'hello'"))
    assert gold2["correct"] and gold2["official"] is True
    hacked = score_item(items["lcb0"], answer(f"assert sumOdd(nums = [1, 2, 3]) == {HACK}"))
    assert not hacked["correct"] and hacked["official"] is True
    no_block_multiline = score_item(items["lcb0"], "assert sumOdd(nums = [1, 2, 3]) == 4\nmore text")
    assert no_block_multiline["official"] is True and no_block_multiline["outcome"] == "format_error"
    copied = score_item(items["lcb0"], answer("sumOdd(nums = [1, 2, 3])"))
    assert copied["official"] is None


def test_official_and_literal_accuracy_differ_only_on_a_hacking_model(tmp_path, openai_server):
    """End to end through the CLI and a loopback server: an always-equal answer games only the official score."""
    data = write_jsonl(tmp_path / "cruxeval.jsonl", CRUX)
    calls = {f"f({r['input']})": r["output"] for r in CRUX}

    def respond(hack: bool):
        def responder(body):
            prompt = body["messages"][-1]["content"]
            call = next(c for c in calls if f"assert {c} == ??" in prompt)
            return answer(f"assert {call} == {HACK if hack else calls[call]}")
        return responder

    for hack, out in ((False, "honest"), (True, "hacker")):
        openai_server.state.responder = respond(hack)
        rc = cli_main(["eval", "--model", "openai:m", "--base-url", openai_server.base_url, "--benchmark",
                       "cruxeval-o", "--data", str(data), "-o", str(tmp_path / out), "--no-progress"])
        assert rc == 0
    honest = json.loads((tmp_path / "honest" / "summary.json").read_text())["results"][0]
    hacker = json.loads((tmp_path / "hacker" / "summary.json").read_text())["results"][0]
    assert honest["task"] == "cruxeval-o" and honest["level"] is None and honest["n"] == 3
    assert honest["accuracy"] == 1.0 and honest["official_accuracy"] == 1.0
    assert hacker["accuracy"] == 0.0 and hacker["official_accuracy"] == 1.0


def test_loaders_reject_wrong_files(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"question": "x"}])
    with pytest.raises(ValueError, match="lacks field"):
        load_benchmark("cruxeval-o", str(bad))
    with pytest.raises(FileNotFoundError):
        load_benchmark("lcb-exec", str(tmp_path / "missing.jsonl"))
    with pytest.raises(ValueError, match="DREval_tasks"):
        load_benchmark("reval", str(bad))
    with pytest.raises(ValueError, match="unknown benchmark"):
        load_benchmark("not-a-benchmark", str(bad))
    with pytest.raises(ValueError, match="HumanEval record 0 lacks field"):
        load_benchmark("humaneval", str(bad))
    json_list = tmp_path / "crux.json"
    json_list.write_text(json.dumps(CRUX))
    assert len(load_benchmark("cruxeval-o", str(json_list)).items()) == 3


# ------------------------------------------------------------------------------------- REval

REVAL_CODE = (
    "def count_up(nums, limit):\n"      # 1
    "    total = 0\n"                   # 2
    "    for n in nums:\n"              # 3
    "        if n > limit:\n"           # 4
    "            total += n\n"          # 5
    "    return total\n"                # 6
)


def reval_files(tmp_path: Path) -> list[str]:
    data = [
        {"task_id": "DREval/0", "entry_point": "count_up", "code": REVAL_CODE,
         "inputs": ["([1, 5, 7], 4,)", "([1, 2], 4,)"], "outputs": ["12", "0"], "test": None},
        {"task_id": "DREval/85", "entry_point": "Stack", "code": "class Stack:\n    pass\n",
         "inputs": ["s = Stack()\nassert s is not None"], "outputs": [], "test": "import unittest\n"},
    ]
    tasks = [
        {"task_id": "DREval/0", "idx": 0, "tasks": [
            {"input_idx": 0, "task": [{"lineno": 5, "var": "total"}, {"lineno": 6, "var": "total"}],
             "output_pred": "assert count_up([1, 5, 7], 4) == ??"},
            {"input_idx": 1, "task": [{"lineno": 5, "var": "total"}],
             "output_pred": "assert count_up([1, 2], 4) == ??"}]},
        {"task_id": "DREval/85", "idx": 85, "tasks": [
            {"input_idx": 0, "task": [{"lineno": 2, "var": "x"}], "output_pred": "assert s is not None"}]},
    ]
    d = write_jsonl(tmp_path / "DREval_data.jsonl", data)
    t = write_jsonl(tmp_path / "DREval_tasks.jsonl", tasks)
    return [str(d), str(t)]


GOLD = {
    "DREval/0/in0/q0/coverage": "YES", "DREval/0/in0/q0/state": "12; int", "DREval/0/in0/q0/path": "for n in nums:",
    "DREval/0/in0/q1/coverage": "YES", "DREval/0/in0/q1/state": "12; int", "DREval/0/in0/q1/path": "-1",
    "DREval/0/in0/output": "assert count_up([1, 5, 7], 4) == 12",
    "DREval/0/in1/q0/coverage": "NO", "DREval/0/in1/q0/state": "Nil", "DREval/0/in1/q0/path": "-1",
    "DREval/0/in1/output": "assert count_up([1, 2], 4) == 0",
}


def test_reval_items_truth_and_scores(tmp_path):
    bench = load_benchmark("reval", reval_files(tmp_path))
    items = {i.item_id: i for i in bench.items()}
    assert bench.skipped == 1  # the ClassEval record
    assert set(items) == set(GOLD)
    assert "count_up([1, 5, 7], 4)" in items["DREval/0/in0/q0/coverage"].prompt
    for item_id, text in GOLD.items():
        info = score_item(items[item_id], answer(text))
        assert info["correct"], (item_id, info)
        assert info["official"] is True, (item_id, info)
    # any execution of the line counts for state: 5 (after the first time) is right too
    assert score_item(items["DREval/0/in0/q0/state"], answer("5; int"))["correct"]
    assert not score_item(items["DREval/0/in0/q0/state"], answer("5; str"))["correct"]
    assert not score_item(items["DREval/0/in0/q0/state"], answer("Nil"))["correct"]
    # path by line number is accepted by execgym's parser, not by REval's text matching
    by_number = score_item(items["DREval/0/in0/q0/path"], answer("3"))
    assert by_number["correct"] and by_number["official"] is False
    # REval's coverage parsing looks at the first three characters only
    loose = score_item(items["DREval/0/in0/q0/coverage"], answer("Yes, it runs"))
    assert loose["official"] is True and loose["outcome"] == "format_error"
    # output: an always-equal object passes REval's exec-based check but not the literal one
    hacked = score_item(items["DREval/0/in0/output"], answer(f"assert count_up([1, 5, 7], 4) == {HACK}"))
    assert hacked["official"] is True and not hacked["correct"]
    trivial = score_item(items["DREval/0/in0/output"], answer("assert True"))
    assert trivial["official"] is False  # REval's penalty pattern


def test_reval_consistency_and_coverage_metrics(tmp_path, openai_server):
    paths = reval_files(tmp_path)
    bench = load_benchmark("reval", paths)
    items = bench.items()
    by_prompt_gold = {i.prompt: GOLD[i.item_id] for i in items}
    # input 0: state wrong on both questions, path wrong on q1, output wrong; input 1: all right
    wrong = {i.prompt: bad for i in items for key, bad in (
        ("DREval/0/in0/q0/state", "99; int"), ("DREval/0/in0/q1/state", "99; int"),
        ("DREval/0/in0/q1/path", "total = 0"), ("DREval/0/in0/output", "assert count_up([1, 5, 7], 4) == 7"),
    ) if i.item_id == key}

    def responder(body):
        prompt = body["messages"][-1]["content"]
        return answer(wrong.get(prompt, by_prompt_gold[prompt]))

    openai_server.state.responder = responder
    model = load_model("openai:m", base_url=openai_server.base_url)
    records = evaluate(model, items, EvalConfig(progress=False))
    rows = {r["task"]: r for r in summarize(records, bench.extra_rows)}
    assert rows["reval-state"]["accuracy"] == pytest.approx(1 / 3)
    assert rows["reval-coverage"]["accuracy"] == 1.0
    assert rows["reval-path"]["accuracy"] == pytest.approx(2 / 3)
    assert rows["reval-output"]["accuracy"] == 0.5
    ic = rows["reval-consistency"]
    # REval's table: in0/q0 (C, not S, P, not O) -> 0; in0/q1 (C only) -> 0.125; in1/q0 (all) -> 1
    assert ic["accuracy"] == pytest.approx((0.0 + 0.125 + 1.0) / 3)
    assert ic["official_accuracy"] == pytest.approx((0.0 + 0.125 + 1.0) / 3)
    prf = rows["reval-coverage-strict-prf"]
    assert prf["precision"] == 1.0 and prf["recall"] == 1.0 and prf["f1"] == 1.0


def test_cli_eval_on_reval_with_the_heuristic(tmp_path):
    paths = reval_files(tmp_path)
    rc = cli_main(["eval", "--model", "heuristic", "--benchmark", "reval", "--data", ",".join(paths),
                   "-o", str(tmp_path / "out"), "--no-progress"])
    assert rc == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    tasks = {r["task"]: r for r in summary["results"]}
    assert {"reval-coverage", "reval-state", "reval-path", "reval-output", "reval-consistency"} <= set(tasks)
    assert all(r["level"] is None for r in summary["results"])
    # the heuristic always answers YES: right on the two covered questions, wrong on the uncovered one
    assert tasks["reval-coverage"]["accuracy"] == pytest.approx(2 / 3)
    assert summary["skipped"] == 1
    assert not (tmp_path / "out" / "accuracy_by_level.png").exists()  # no levels on benchmarks


# ------------------------------------------------------------------------- REval, ClassEval half

CLASSEVAL_CODE = (
    "class Counter:\n"                      # 1
    "    def __init__(self, start):\n"      # 2
    "        self.value = start\n"          # 3
    "\n"                                    # 4
    "    def add(self, items):\n"           # 5
    "        total = 0\n"                   # 6
    "        for x in items:\n"             # 7
    "            if x > 0:\n"               # 8
    "                total += x\n"          # 9
    "        self.value += total\n"         # 10
    "        return self.value\n"           # 11
    "\n"                                    # 12
    "    def reset(self):\n"                # 13
    "        old = self.value\n"            # 14
    "        self.value = 0\n"              # 15
    "        return [old, self.value]\n"    # 16
)

CLASSEVAL_TEST = (
    "import unittest\n\n"
    "class Helper:\n    pass\n\n"
    "class CounterTestAdd(unittest.TestCase):\n"
    "    def test_add(self):\n"
    "        c = Counter(1)\n"
    "        self.assertEqual(c.add([2, -3, 4]), 7)\n"
    "    def test_add_2(self):\n"
    "        self.assertEqual(Counter(0).add([]), 0)\n\n"
    "class CounterBase(unittest.TestCase):\n"
    "    def setUp(self):\n"
    "        self.c = Counter(5)\n\n"
    "class CounterTestReset(CounterBase):\n"
    "    def test_reset(self):\n"
    "        r = self.c.reset()\n"
    "        self.assertEqual(r, [5, 0])\n"
    "        self.assertTrue(self.c.value == 0)\n\n"
    "if __name__ == '__main__':\n"
    "    unittest.main()\n"
)


def classeval_files(tmp_path: Path) -> list[str]:
    data = [{"task_id": "DREval/90", "entry_point": "Counter", "code": CLASSEVAL_CODE,
             "inputs": ["c = Counter(1)\nassertEqual(c.add([2, -3, 4]), 7)\n",
                        "r = self.c.reset()\nassertEqual(r, [5, 0])\nassertTrue(self.c.value == 0)\n"],
             "outputs": [], "test": CLASSEVAL_TEST}]
    tasks = [{"task_id": "DREval/90", "idx": 90, "tasks": [
        {"input_idx": 0, "task": [{"lineno": 9, "var": "total"}, {"lineno": 10, "var": "self.value"}],
         "output_pred": "c = Counter(1)\nassertEqual(c.add([2, -3, 4]), ??)"},
        {"input_idx": 1, "task": [{"lineno": 14, "var": "old"}, {"lineno": 3, "var": "start"}],
         "output_pred": "r = self.c.reset()\nassertEqual(r, ??)\nassertTrue(??)"}]}]
    return [str(write_jsonl(tmp_path / "DREval_data.jsonl", data)),
            str(write_jsonl(tmp_path / "DREval_tasks.jsonl", tasks))]


def test_classeval_cases_follow_reval_test_class_rules():
    from execgym.evaluation.benchmarks.reval_classeval import classeval_cases

    cases = classeval_cases("Counter", CLASSEVAL_TEST)
    # only {entry}Test* TestCase subclasses, in order, each with its first test method; the
    # setUp comes from a base class defined in the module
    assert [(c.test_class, c.method) for c in cases] == [("CounterTestAdd", "test_add"),
                                                        ("CounterTestReset", "test_reset")]
    assert cases[0].setup == "" and cases[1].setup == "self.c = Counter(5)"


def test_reval_classeval_items_truth_and_scores(tmp_path):
    bench = load_benchmark("reval", classeval_files(tmp_path))
    items = {i.item_id: i for i in bench.items()}
    assert bench.skipped == 0
    assert bench.skipped_questions == 1  # the State question about self.value
    assert "DREval/90/in0/q1/state" not in items
    assert {"DREval/90/in0/q1/coverage", "DREval/90/in0/q1/path", "DREval/90/in1/output"} <= set(items)
    prompt = items["DREval/90/in1/q0/coverage"].prompt
    assert "self.c = Counter(5)" in prompt and "r = self.c.reset()" in prompt
    assert "when the test code runs" in prompt
    gold = {
        # Counter(1).add([2, -3, 4]): lines 6, 7, 8, 9, 7, 8, 7, 8, 9, 7, 10, 11 (setUp is not traced)
        "DREval/90/in0/q0/coverage": "YES", "DREval/90/in0/q0/state": "6; int", "DREval/90/in0/q0/path": "for x in items:",
        "DREval/90/in0/q1/coverage": "YES", "DREval/90/in0/q1/path": "return self.value",
        "DREval/90/in0/output": "c = Counter(1)\nassertEqual(c.add([2, -3, 4]), 7)",
        "DREval/90/in1/q0/coverage": "YES", "DREval/90/in1/q0/state": "5; int", "DREval/90/in1/q0/path": "self.value = 0",
        "DREval/90/in1/output": "r = self.c.reset()\nassertEqual(r, [5, 0])\nassertTrue(True)",
        # __init__ ran in setUp, before tracing starts (as in REval): not covered by the test itself
        "DREval/90/in1/q1/coverage": "NO", "DREval/90/in1/q1/state": "Nil", "DREval/90/in1/q1/path": "-1",
    }
    for item_id, text in gold.items():
        info = score_item(items[item_id], answer(text))
        assert info["correct"], (item_id, info)
    assert score_item(items["DREval/90/in0/output"], answer("c = Counter(1)\nassertEqual(c.add([2, -3, 4]), 7)"))["official"]
    # REval's own penalty: assertTrue(True) counts as trivial for its official score
    assert score_item(items["DREval/90/in1/output"], answer(gold["DREval/90/in1/output"]))["official"] is False
    # a wrong literal, a changed test and a non-literal
    wrong = score_item(items["DREval/90/in0/output"], answer("c = Counter(1)\nassertEqual(c.add([2, -3, 4]), 9)"))
    assert not wrong["correct"] and wrong["official"] is False
    changed = score_item(items["DREval/90/in0/output"], answer("c = Counter(2)\nassertEqual(c.add([2, -3, 4]), 8)"))
    assert changed["outcome"] == "format_error"
    expr = score_item(items["DREval/90/in0/output"], answer("c = Counter(1)\nassertEqual(c.add([2, -3, 4]), 3 + 4)"))
    assert not expr["correct"] and "not a literal" in expr["reward_reason"]
    # only the last line given: REval pads it with the question's first lines
    short = score_item(items["DREval/90/in0/output"], answer("assertEqual(c.add([2, -3, 4]), 7)"))
    assert short["correct"] and short["official"] is True
    assert not score_item(items["DREval/90/in1/q0/state"], answer("0; int"))["correct"]
