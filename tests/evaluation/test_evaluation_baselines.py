"""The heuristic and random baselines: rules applied to the prompt only, reproducible randomness."""

from __future__ import annotations

import execgym
from execgym.models import SamplingParams, load_model
from execgym.models.baselines import view
from execgym.tasks import from_program, make_task

SOURCE = "def f(items, k):\n    total = 0\n    for v in items:\n        if v > k:\n            total += v\n    return total\n"


def ask(model, prompt: str, **kw) -> str:
    return model.generate([[{"role": "user", "content": prompt}]], SamplingParams(**kw))[0][0].text


def answer_lines(text: str) -> list[str]:
    from execgym.tasks.answers import answer_block
    from execgym.tasks.answers import answer_lines as lines

    return lines(answer_block(text) or "")


def test_heuristic_rules_on_each_environment():
    model = load_model("heuristic")
    io = make_task(from_program("ExecIO-v0", SOURCE, "f([1, 5, 7], 4)", seed=1))
    lines = answer_lines(ask(model, io.prompt))
    assert lines[0] == "assert f([1, 5, 7], 4) == [1, 5, 7]"  # the output is the first argument
    assert len(lines) == 1 + len(io.spec["questions"])  # one answer per question, in order
    nxt = make_task(from_program("ExecNext-v0", SOURCE, "f([1, 5, 7], 4)", seed=2))
    expected = []
    for q in nxt.spec["questions"]:
        expected.append(str(q["line"] + 1) if q["line"] + 1 <= 6 else "-1")  # the following line
    assert answer_lines(ask(model, nxt.prompt)) == expected
    var = make_task(from_program("ExecVar-v0", SOURCE, "f([1, 5, 7], 4)", seed=3))
    got = answer_lines(ask(model, var.prompt))
    for q, a in zip(var.spec["questions"], got):
        assert a == ("0; int" if q["var"] == "total" else "Nil")  # total keeps its first value
    oi = make_task(from_program("ExecOI-v0", SOURCE, "f([1, 5, 7], 4)", seed=4))
    assert answer_lines(ask(model, oi.prompt)) == ["assert f(12, 12) == 12"]


def test_heuristic_sees_only_the_prompt_and_never_beats_gold():
    model = load_model("heuristic")
    for env in ("ExecIO-v0", "ExecVar-v0", "ExecNext-v0", "ExecOI-v0", "UnitTest-v0"):
        task = make_task({"env": env, "level": 2, "seed": 11})
        response = ask(model, task.prompt)
        s = task.score(response)
        assert s.outcome != "format_error", (env, response, s.reason)
        assert s.reward <= task.score(task.gold_response()).reward
    # the same prompt always gets the same answer (no hidden state, no spec)
    task = make_task({"env": "ExecIO-v0", "level": 3, "seed": 5})
    assert ask(model, task.prompt) == ask(load_model("heuristic"), task.prompt)


def test_random_baseline_is_seeded_and_well_formed():
    model = load_model("random")
    task = make_task({"env": "ExecIO-v0", "level": 3, "seed": 5})
    a = ask(model, task.prompt, seed=1, n=3)
    assert a == ask(model, task.prompt, seed=1, n=3)
    texts = {ask(model, task.prompt, seed=s) for s in range(8)}
    assert len(texts) > 1
    for text in texts:
        assert task.score(text).outcome != "format_error"


def test_view_parses_listing_call_and_question_order():
    task = make_task(from_program("ExecIO-v0", SOURCE, "f([1, 5, 7], 4)", seed=1))
    v = view([{"role": "user", "content": task.prompt}])
    assert v.lines[1].startswith("def f(items, k)") and len(v.lines) == 6
    assert v.call == "f([1, 5, 7], 4)"
    assert v.questions[0] == ("io", ("f([1, 5, 7], 4)",))
    assert [k for k, _ in v.questions[1:]] == [q["kind"] for q in task.spec["questions"]]


def test_import_execgym_stays_light():
    import subprocess
    import sys

    code = ("import sys, execgym, execgym.models, execgym.evaluation, execgym.cli.eval; "
            "bad = [m for m in ('torch', 'transformers', 'httpx', 'tqdm', 'matplotlib', 'vllm') if m in sys.modules];"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.strip() == "[]", out.stderr
    assert execgym.models.load_model("heuristic").name == "heuristic"
