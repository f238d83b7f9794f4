"""Published problem sets as UnitTest-v0 tasks: Eurus-2-RL-Data (JSONL and parquet), TACO, CodeContests,
KodCode pytest tests, LeetCode ``class Solution``; ``reward="prime"`` (APPS rules, zero-pass crash fixed);
tasks without a reference solution. Every file is hand-written here, in each format as published."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

from execgym.tasks import load_user_tasks, make_task, score
from execgym.tasks.problemsets import NoReferenceSolution, row_format
from execgym.tasks.userdata import read_user_tasks

SYSTEM = "\nWhen tackling complex reasoning tasks, you have access to the following actions. ...\n"
SUM_STDIN = "Read n and then n integers; print their sum."


def eurus_row(statement: str, gt: dict, ability: str = "code", index: int = 0) -> dict:
    return {"data_source": "taco", "ability": ability,
            "prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": statement}],
            "reward_model": {"style": "rule", "ground_truth": json.dumps(gt)},
            "extra_info": {"split": "train", "index": index}}


EURUS_ROWS = [
    eurus_row("\nWrite Python code to solve the task.\n" + SUM_STDIN,
              {"inputs": [f"{n}\n" + " ".join(map(str, range(n))) + "\n" for n in range(1, 13)],
               "outputs": [f"{sum(range(n))}\n" for n in range(1, 13)]}),
    eurus_row("Write a function max_gap(xs) returning the largest difference of neighbours.",
              {"fn_name": "max_gap", "inputs": [[[1, 5, 2]], [[3, 3]], [[0, 10, 4, 4]]],
               "outputs": [[4], 0, [10]]}, index=1),
    eurus_row("Prove that 1 + 1 = 2.", {"answer": "2"}, ability="math", index=2),
]
SUM_PROGRAM = "import sys\ndata = sys.stdin.read().split()\nn = int(data[0])\nprint(sum(map(int, data[1:n + 1])))\n"
MAX_GAP = "def max_gap(xs):\n    return max((abs(a - b) for a, b in zip(xs, xs[1:])), default=0)\n"

TACO_ROW = {
    "question": "Given a list of integers, return the product of its elements.",
    "solutions": json.dumps(["class Solution:\n    def product(self, nums: List[int]) -> int:\n"
                             "        p = 1\n        for x in nums:\n            p *= x\n        return p\n"]),
    "starter_code": "class Solution:\n    def product(self, nums: List[int]) -> int:\n",
    "input_output": json.dumps({"fn_name": "product", "inputs": [[[1, 2, 3]], [[5]], [[-1, 4]]],
                                "outputs": [6, 5, -4]}),
    "difficulty": "EASY", "source": "leetcode",
}
CODECONTESTS_ROW = {
    "name": "1_A. Double", "description": "Read one integer x and print 2x.",
    "public_tests": {"input": ["3\n"], "output": ["6\n"]},
    "private_tests": {"input": ["10\n", "-4\n"], "output": ["20\n", "-8\n"]},
    "generated_tests": {"input": ["7\n"], "output": ["14\n"]},
    "solutions": {"language": [2, 3], "solution": ["int main(){}", "x = int(input())\nprint(2 * x)\n"]},
    "difficulty": 7,
}
KODCODE_ROW = {
    "question": "Write a function `count_vowels(s)` returning the number of vowels in s, and `shout(s)`.",
    "solution": "def count_vowels(s):\n    return sum(ch in 'aeiou' for ch in s.lower())\n\n"
                "def shout(s):\n    return s.upper() + '!'\n",
    "test": "import pytest\nfrom solution import count_vowels, shout\n\n"
            "def test_basic():\n    assert count_vowels('hello') == 2\n\n"
            "def test_locals():\n    s = 'AEIxyz'\n    expected = 3\n    result = count_vowels(s)\n"
            "    assert result == expected\n\n"
            "@pytest.mark.parametrize('text, n', [('', 0), ('sky', 0), ('queue', 4)])\n"
            "def test_param(text, n):\n    assert count_vowels(text) == n\n\n"
            "def test_shout():\n    assert shout('hi') == 'HI!'\n\n"
            "def test_loop():\n    for s in ['a', 'e']:\n        assert count_vowels(s) == 1\n",
    "test_info": [{"function_name": "count_vowels", "parameter_list": "(s)"}],
}
LEETCODE_ROW = {
    "task_id": "two-sum", "question_id": 1,
    "problem_description": "Given nums and target, return the indices of the two numbers adding up to target.",
    "starter_code": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n",
    "entry_point": "Solution().twoSum",
    "test": "def check(candidate):\n    assert candidate(nums = [2,7,11,15], target = 9) == [0,1]\n"
            "    assert candidate(nums = [3,2,4], target = 6) == [1,2]\n",
    "input_output": [{"input": "nums = [3,3], target = 6", "output": "[0, 1]"}],
    "completion": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
                  "        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n"
                  "                return [seen[target - x], i]\n            seen[x] = i\n",
}


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def code(text: str) -> str:
    return "My program.\n<answer>\n```python\n" + text + "\n```\n</answer>"


def test_formats_are_recognised():
    assert [row_format(r) for r in EURUS_ROWS] == ["eurus"] * 3
    assert row_format(TACO_ROW) == "taco" and row_format(CODECONTESTS_ROW) == "codecontests"
    assert row_format(KODCODE_ROW) == "kodcode" and row_format(LEETCODE_ROW) == "leetcode"
    assert row_format({"prompt": "x", "tests": []}) is None


def test_eurus_jsonl_code_rows_load_and_math_rows_are_skipped(tmp_path):
    path = write_jsonl(tmp_path / "eurus.jsonl", EURUS_ROWS)
    loaded = read_user_tasks(path, {"policy": "trusted"})
    assert loaded.skipped == {"not a code problem": 1} and loaded.formats == {"eurus": 2}
    stdin_spec, fn_spec = loaded.specs
    assert stdin_spec["problem"]["task_id"] == "train-0" and len(stdin_spec["problem"]["tests"]) == 12
    assert all(t["check"] == "stdout" for t in stdin_spec["problem"]["tests"])
    assert fn_spec["problem"]["entry"] == "max_gap" and fn_spec["problem"]["tests"][0]["alt"] == "4"
    task = make_task(stdin_spec)
    assert SUM_STDIN in task.prompt and SYSTEM.strip() not in task.prompt and "standard input" in task.prompt
    assert "0 1 2" not in task.prompt  # hidden tests stay hidden
    good = score(stdin_spec, code(SUM_PROGRAM))
    assert good.outcome == "correct" and good.reward == 1.0, good.reason
    wrong = score(stdin_spec, code(SUM_PROGRAM.replace("sum(", "max(")))
    assert wrong.outcome in ("partial", "wrong") and wrong.reward < 1.0
    s = score(fn_spec, code(MAX_GAP))
    assert s.outcome == "correct", s.reason
    with pytest.raises(NoReferenceSolution, match="train-0 .eurus row. has no reference solution"):
        task.gold_response()


def test_eurus_parquet_is_filtered_while_read(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(EURUS_ROWS), path)
    specs = load_user_tasks(path)
    assert [s["problem"]["entry"] for s in specs] == ["main", "max_gap"]
    env = gym.make("execgym/UnitTest-v0", tasks_path=str(path), policy="trusted", reward="prime")
    obs, info = env.reset(seed=1)
    assert "max_gap" in obs
    _, reward, terminated, _, info = env.step(code(MAX_GAP))
    assert terminated and reward == pytest.approx(1.05) and info["outcome"] == "correct", info["reward_reason"]
    env.close()


def test_restricted_policy_refuses_sys_with_a_reason(tmp_path):
    spec = load_user_tasks(write_jsonl(tmp_path / "e.jsonl", EURUS_ROWS[:1]))[0]
    s = score(spec, code(SUM_PROGRAM))
    assert s.reward == 0.0 and "policy_violation" in s.details[0]["reason"]


def test_prime_reward_follows_the_apps_rules_and_scores_zero_pass_without_crashing(tmp_path):
    spec = load_user_tasks(write_jsonl(tmp_path / "e.jsonl", EURUS_ROWS[:1]),
                           {"policy": "trusted", "reward": "prime"})[0]
    # all 12 pass: 1 + 0.05
    s = score(spec, code(SUM_PROGRAM))
    assert s.reward == pytest.approx(1.05) and s.max_reward == pytest.approx(1.05) and s.outcome == "correct"
    # fails only the last two tests (n = 11, 12): the first ten pass one by one -> pass rate 1, yet not correct
    late = SUM_PROGRAM.replace("print(", "print(0 if n > 10 else ")
    s = score(spec, code(late))
    assert s.reward == pytest.approx(1.05) and "10 of the first 10" in s.reason
    # fails tests n = 1..3 only: 7 of the first 10 -> 0.7 + 0.05
    early = SUM_PROGRAM.replace("print(", "print(-1 if n <= 3 else ")
    s = score(spec, code(early))
    assert s.reward == pytest.approx(0.75) and s.outcome == "partial"
    # nothing passes: the reference raised UnboundLocalError (scored 0.0); here the format bonus, with reason
    s = score(spec, code("print('no')"))
    assert s.reward == pytest.approx(0.05) and "pass rate 0" in s.reason and s.details
    # no answer block: a format error, 0
    s = score(spec, "print(1)")
    assert s.reward == 0.0 and s.outcome == "format_error"
    # every test spends the time limit: outcome timeout, 0, on the prime scale
    spec = dict(spec, options=dict(spec["options"], timeout=0.3))
    s = score(spec, code("while True:\n    pass"))
    assert s.outcome == "timeout" and s.reward == 0.0 and s.max_reward == pytest.approx(1.05)


def test_taco_class_solution_codecontests_kodcode_leetcode_gold_pass_and_wrong_fail(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [TACO_ROW, CODECONTESTS_ROW, KODCODE_ROW, LEETCODE_ROW])
    specs = load_user_tasks(path)
    taco, cc, kod, leet = (s["problem"] for s in specs)
    assert taco["entry"] == "Solution" and taco["tests"][0]["call"] == "Solution().product([1, 2, 3])"
    assert "class Solution" in make_task(specs[0]).prompt
    assert cc["entry"] == "main" and len(cc["tests"]) == 3  # public + private; generated only as a fallback
    assert kod["entry"] == "count_vowels" and kod["skipped_tests"] == 1  # the assert inside a loop
    calls = [(t["call"], t["expected"]) for t in kod["tests"]]
    assert ("count_vowels('AEIxyz')", "3") in calls and ("count_vowels('queue')", "4") in calls
    assert ("shout('hi')", "'HI!'") in calls and len(calls) == 6
    assert leet["entry"] == "Solution" and leet["tests"][0]["call"] == "Solution().twoSum(nums=[2, 7, 11, 15], target=9)"
    assert leet["task_id"] == "two-sum"
    for spec in specs:
        gold = make_task(spec).gold_response()
        s = score(spec, gold)
        assert s.outcome == "correct" and s.reward == 1.0, (spec["problem"]["format"], s.reason)
    wrong = {
        0: "class Solution:\n    def product(self, nums):\n        return sum(nums)\n",
        1: "x = int(input())\nprint(x + 2)\n",
        2: "def count_vowels(s):\n    return len(s)\n\ndef shout(s):\n    return s\n",
        3: "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]\n",
    }
    for i, text in wrong.items():
        s = score(specs[i], code(text))
        assert s.reward < 1.0 and s.outcome in ("partial", "wrong"), (i, s.reason)
    assert score(specs[0], code("def product(nums):\n    return 1\n")).reason.startswith("the code does not define")


def test_leetcode_keyword_input_output_cases_when_there_is_no_check_function(tmp_path):
    row = {k: v for k, v in LEETCODE_ROW.items() if k != "test"}
    spec = load_user_tasks(write_jsonl(tmp_path / "l.jsonl", [row]))[0]
    assert spec["problem"]["tests"] == [{"call": "Solution().twoSum(nums=[3, 3], target=6)", "expected": "[0, 1]",
                                         "check": "eq"}]


def test_unusable_rows_raise_naming_the_row_or_are_counted(tmp_path):
    bad_native = {"prompt": "Add.", "entry_point": "add", "tests": ["assert add(1) > 0"]}
    path = write_jsonl(tmp_path / "bad.jsonl", [EURUS_ROWS[0], bad_native])
    with pytest.raises(ValueError, match="row 1: no test could be converted"):
        load_user_tasks(path)
    loaded = read_user_tasks(path, skip_bad=True)
    assert len(loaded.specs) == 1 and loaded.skipped == {"no test could be converted to a (call, expected literal) pair": 1}
    # a published problem set's unusable row is left out with a warning that counts it
    path = write_jsonl(tmp_path / "eurus-bad.jsonl", [EURUS_ROWS[0], eurus_row("Task", {"inputs": "nope"})])
    with pytest.warns(UserWarning, match="1 problem-set row.s. left out"):
        specs = load_user_tasks(path)
    assert len(specs) == 1


def test_export_of_tasks_without_a_reference_solution_has_a_null_gold_response(tmp_path):
    from execgym.gym.export import export_dataset, read_rows

    src = write_jsonl(tmp_path / "eurus.jsonl", EURUS_ROWS)
    out = tmp_path / "out.jsonl"
    report = export_dataset("UnitTest-v0", n=2, path=out, env_kwargs={"tasks_path": str(src), "policy": "trusted"})
    rows = list(read_rows(out))
    assert report.rows == 2 and [r["gold_response"] for r in rows] == [None, None]
    spec = json.loads(rows[0]["spec"])
    assert score(spec, code(SUM_PROGRAM if spec["problem"]["entry"] == "main" else MAX_GAP)).reward == 1.0
