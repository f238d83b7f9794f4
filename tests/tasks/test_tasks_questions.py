"""Question builders on real traces: exact semantics, the reference's quirks fixed, stepwise episodes."""

from __future__ import annotations

import pytest

from execgym.tasks import from_program, make_task, score
from execgym.tasks.source import SourceInfo

LOOP_SRC = '''def helper(a):
    b = a * 2
    return b

def f(xs, t):
    total = 0
    for x in xs:
        if x > t:
            total += helper(x)
        else:
            total -= 1
    ys = [y + 1 for y in xs]
    if total > 1000:
        total = 0
    return total
'''
CALL = "f([1, 5, 7], 3)"


@pytest.fixture(scope="module")
def all_next():
    spec = from_program("ExecNext-v0", LOOP_SRC, CALL, options={"n_questions": 20})
    return {(q["line"], q["k"]): q["answer"] for q in spec["questions"]}


@pytest.fixture(scope="module")
def all_var():
    spec = from_program("ExecVar-v0", LOOP_SRC, CALL, options={"n_questions": 20})
    return {(q["line"], q["k"], q["var"]): (q["value"], q["type"]) for q in spec["questions"]}


def test_next_semantics(all_next):
    known = {(6, 1): 7, (7, 1): 8, (8, 1): 11, (11, 1): 7, (8, 2): 9, (9, 1): 2, (7, 4): 12, (12, 1): 13,
             (13, 1): 15, (15, 1): -1, (2, 1): 3, (14, 1): -1}
    for key, value in all_next.items():
        if key in known:
            assert value == known[key], key
    assert all_next.get((14, 1)) == -1  # a line never reached is asked with answer -1
    # a helper's return back into the middle of its caller's line is never asked
    assert (3, 1) not in all_next and (3, 2) not in all_next
    # the return line is counted once (no "return executed for the 2nd time -> -1" label noise)
    assert all_next.get((15, 2), -1) == -1


def test_var_semantics(all_var):
    expected = {(9, 1, "total"): ("9", "int"), (7, 1, "x"): ("1", "int"), (11, 1, "total"): ("-1", "int"),
                (2, 2, "b"): ("14", "int"), (12, 1, "ys"): ("[2, 6, 8]", "list"), (6, 1, "total"): ("0", "int")}
    for key, value in all_var.items():
        if key in expected:
            assert value == expected[key], key
    nil = [k for k, v in all_var.items() if v == (None, None)]
    assert (14, 1, "total") in nil  # never reached -> Nil


def test_branch_lines_come_from_the_ast():
    src = (
        "def f(diff):\n"
        "    form = 'if ' + format(diff)\n"
        "    fortune = [w for w in form]\n"
        "    while_ = 1\n"
        "    if diff:\n"
        "        x = 1\n"
        "    elif form:\n"
        "        x = 2\n"
        "    return x\n"
    )
    info = SourceInfo.of(src)
    assert info.branch_lines == {5, 7}
    assert info.assigned[2] == ("form",) and info.assigned[3] == ("fortune",)
    assert 9 in info.returns


def test_entry_function_after_helper_is_traced():
    # the reference overwrote the entry with the FIRST def; here the call decides
    src = "def a(x):\n    return x + 1\n\ndef b(y):\n    z = a(y)\n    return z * 2\n"
    spec = from_program("ExecIO-v0", src, "b(3)", options={"n_next": 10, "n_var": 10})
    assert spec["expected"] == "8"
    lines = {q["line"] for q in spec["questions"]}
    assert 5 in lines


@pytest.mark.parametrize("env", ["ExecNext-v0", "ExecVar-v0"])
def test_stepwise_episode_walks_the_trace(env):
    spec = from_program(env, LOOP_SRC, CALL, options={"mode": "stepwise", "n_steps": 6})
    task = make_task(spec)
    n = len(task.questions)
    assert 2 <= n <= 6
    # questions follow execution order
    ep = task.episode()
    assert ep.observation == task.prompt
    total, steps = 0.0, 0
    while True:
        obs, reward, done, info = ep.step(ep.gold_response())
        steps += 1
        total += reward
        assert info["outcome"] == "correct" and reward == pytest.approx(1 / n)
        if done:
            break
        assert f"Question {steps + 1} of {n}" in obs
    assert steps == n and total == pytest.approx(1.0)
    # wrong answers earn nothing per step, and the observation reveals the right answer
    ep = task.episode()
    obs, reward, done, info = ep.step("<answer>\n'nothing'; bytes\n</answer>" if env == "ExecVar-v0"
                                      else "<answer>\n999\n</answer>")
    assert reward == 0.0 and info["outcome"] == "wrong" and "The answer to question 1 was" in obs
    # Task.score / gold_response concern the first observation's question
    s = score(spec, task.gold_response())
    assert s.outcome == "correct" and s.reward == s.max_reward == pytest.approx(1 / n)


def test_io_without_whitebox():
    spec = from_program("ExecIO-v0", LOOP_SRC, CALL, options={"whitebox": False})
    task = make_task(spec)
    assert spec["questions"] == []
    assert "Q2" not in task.prompt
    assert score(spec, task.gold_response()).reward == 1.0
    s = score(spec, "<answer>\nassert f([1, 5, 7], 3) == 23\n8\n</answer>")
    assert s.reward == 0.0 and "expected 1 answer line" in s.reason


def test_prompt_shows_numbered_code_and_answer_format():
    spec = from_program("ExecVar-v0", LOOP_SRC, CALL)
    prompt = make_task(spec).prompt
    assert " 9  " + LOOP_SRC.split("\n")[8] in prompt
    assert "<answer>" in prompt and "one answer per line" in prompt and "Nil" in prompt
