"""agents/openrlhf/reward_func.py loaded by path, called with real decoded-query shapes."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from agents_testlib import HOOKS, chatml_prompt, decoded_query

from execgym.training.hooks import REASONS, extract_response, strip_end_markers

WRONG_ANSWER = "<reasoning>\nI guess.\n</reasoning>\n<answer>\nassert f(0) == 'definitely not it'\n</answer>"


def _call(reward_module, query, prompt, label):
    out = reward_module.reward_func([query], [prompt], [label])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert len(out["rewards"]) == len(out["scores"]) == 1
    for value in out["extra_logs"].values():  # numbers only: strings break OpenRLHF's tensor conversion
        assert isinstance(value, float) and math.isfinite(value)
    assert 0.0 <= out["scores"][0] <= 1.0
    return out


def test_file_loads_without_torch_or_openrlhf():
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('reward_module', {str(HOOKS / 'reward_func.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "from execgym.training import hooks\n"
        "try:\n"
        "    m.reward_func(['q'], ['p'], ['not json'])\n"
        "except hooks.LabelError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('a bad first batch must raise')\n"
        "hooks._first_batch_passed.add('openrlhf')\n"
        "out = m.reward_func(['q'], ['p'], ['not json'])\n"
        "assert out['rewards'] == [0.0], out\n"
        "assert 'torch' not in sys.modules and 'openrlhf' not in sys.modules\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


@pytest.mark.parametrize(
    "label, reason",
    [
        (None, "label_missing"),
        ("", "label_missing"),
        ("{not json", "label_not_json"),
        ("[1, 2, 3]", "label_not_object"),
        ("42", "label_not_object"),
        (12345, "label_not_object"),
        (["ExecIO-v0"], "label_not_object"),
        ('{"level": 1, "seed": 3}', "label_bad_spec"),
        ('{"env": 7, "level": 1, "seed": 3}', "label_bad_spec"),
    ],
)
def test_odd_labels_score_zero_with_a_counted_reason(reward_module, label, reason):
    prompt = chatml_prompt("What does f return?")
    out = _call(reward_module, decoded_query(prompt, "<answer>\n1\n</answer>"), prompt, label)
    assert out["rewards"] == [0.0] and out["scores"] == [0.0]
    assert out["extra_logs"][f"execgym/invalid_{reason}"] == 1.0
    assert sum(v for k, v in out["extra_logs"].items() if k.startswith("execgym/invalid_")) == 1.0


def test_unknown_environment_is_a_verifier_error_not_a_crash(reward_module):
    prompt = chatml_prompt("x")
    out = _call(
        reward_module,
        decoded_query(prompt, "hi"),
        prompt,
        json.dumps({"env": "Nope-v0", "level": 1, "seed": 1}),
    )
    assert out["rewards"] == [0.0]
    assert out["extra_logs"]["execgym/outcome_error"] == 1.0


def test_non_string_query_and_mismatched_lengths(reward_module):
    out = reward_module.reward_func([None, b"bytes"], ["p"], None)
    assert out["rewards"] == [0.0, 0.0]
    assert out["extra_logs"]["execgym/invalid_response_not_text"] == 1.0


def test_extra_log_keys_are_the_same_on_every_call(reward_module):
    prompt = chatml_prompt("x")
    a = reward_module.reward_func([decoded_query(prompt, "a")], [prompt], [None])
    b = reward_module.reward_func([decoded_query(prompt, "b")], [prompt], ["[]"])
    assert set(a["extra_logs"]) == set(b["extra_logs"])
    assert {f"execgym/invalid_{r}" for r in REASONS if r != "ok"} <= set(a["extra_logs"])


def test_extract_response_cuts_prompt_and_end_markers():
    prompt = chatml_prompt("question")
    assert extract_response(decoded_query(prompt, "<answer>\n5\n</answer>"), prompt) == (
        "<answer>\n5\n</answer>",
        "ok",
    )
    # end-of-text and padding after the end of turn
    query = prompt + "answer<|im_end|><|endoftext|><|endoftext|>"
    assert extract_response(query, prompt) == ("answer", "ok")
    # a left-truncated prompt is not a prefix: the text after the last assistant header is the response
    truncated = decoded_query(prompt, "resp")[10:]
    assert extract_response(truncated, prompt) == ("resp", "prompt_not_prefix")
    # plain input_template prompts
    plain = "User: q\nAssistant: "
    assert extract_response(plain + "r</s>", plain) == ("r", "ok")
    assert strip_end_markers("x <|eot_id|>\n") == "x"


# --- with real tasks (need the engine, synthesis and task layers) ---------------------------------


@pytest.mark.parametrize("env", ["ExecIO-v0", "ExecOI-v0", "ExecVar-v0", "ExecNext-v0", "ExecAudit-v0"])
def test_gold_wrong_and_malformed_responses(reward_module, real_task, env):
    task = real_task(env)
    prompt = chatml_prompt(task.prompt)
    label = json.dumps(task.spec)
    gold = _call(reward_module, decoded_query(prompt, task.gold_response()), prompt, label)
    assert gold["scores"] == [1.0] and gold["rewards"][0] > 0
    assert gold["extra_logs"]["execgym/outcome_correct"] == 1.0
    # the same gold text when generation hit the length limit (no EOS text) still scores
    no_eos = _call(reward_module, decoded_query(prompt, task.gold_response(), eos=False), prompt, label)
    assert no_eos["scores"] == [1.0]
    wrong = _call(reward_module, decoded_query(prompt, WRONG_ANSWER), prompt, label)
    assert wrong["rewards"] == [0.0]
    assert wrong["extra_logs"]["execgym/outcome_correct"] == 0.0
    malformed = _call(reward_module, decoded_query(prompt, "I think it returns 3."), prompt, label)
    assert malformed["rewards"] == [0.0]
    assert malformed["extra_logs"]["execgym/outcome_format_error"] == 1.0


def test_prompt_example_answer_block_is_not_scored_as_the_response(reward_module, real_task):
    """The prompt shows an example <answer> block; a response without one must not inherit it."""
    task = real_task("ExecIO-v0")
    prompt = chatml_prompt(task.prompt + "\n<answer>\n" + task.gold_response() + "\n</answer>")
    out = _call(reward_module, decoded_query(prompt, "no answer here"), prompt, json.dumps(task.spec))
    assert out["rewards"] == [0.0]


def test_batched_call_scores_each_sample(reward_module, real_task):
    task = real_task("ExecIO-v0")
    prompt = chatml_prompt(task.prompt)
    label = json.dumps(task.spec)
    out = reward_module.reward_func(
        [decoded_query(prompt, task.gold_response()), decoded_query(prompt, WRONG_ANSWER)],
        [prompt, prompt],
        [label, label],
    )
    assert out["scores"] == [1.0, 0.0]
    assert out["extra_logs"]["execgym/outcome_correct"] == 0.5


def test_concurrent_calls_from_worker_threads(reward_module, real_task):
    """OpenRLHF calls reward_func per sample via asyncio.to_thread: many threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    tasks = [real_task(env, seed=s) for env in ("ExecIO-v0", "ExecOI-v0") for s in (21, 22)]
    jobs = []
    for i in range(48):
        task = tasks[i % len(tasks)]
        prompt = chatml_prompt(task.prompt)
        response = task.gold_response() if i % 3 else WRONG_ANSWER
        jobs.append((decoded_query(prompt, response), prompt, json.dumps(task.spec), 1.0 if i % 3 else 0.0))
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda job: reward_module.reward_func([job[0]], [job[1]], [job[2]]), jobs))
    assert [r["scores"][0] for r in results] == [job[3] for job in jobs]
    assert all(r["extra_logs"]["execgym/invalid_score_exception"] == 0.0 for r in results)
