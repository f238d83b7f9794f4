"""Every trainer adapter fails loudly on a missing or malformed label column at the first batch (naming the
column execgym's export writes), and never raises on a malformed model response."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from agents_testlib import HOOKS, REPO, chatml_prompt, decoded_query, load_by_path

from execgym.training import hooks


@pytest.fixture(autouse=True)
def fresh_checks(first_batch_passed):
    hooks.reset_first_batch_checks()  # undo the conftest default: these tests check the first batch itself
    yield
    hooks.reset_first_batch_checks()


@pytest.fixture(scope="module")
def spec_json():
    import execgym

    return json.dumps(execgym.make_task({"env": "ExecIO-v0", "level": 1, "seed": 0}).spec)


def _trl():
    return load_by_path(HOOKS / "trl_reward.py", "first_batch_trl")


def _verl():
    return load_by_path(HOOKS / "verl_reward.py", "first_batch_verl")


def test_trl_missing_spec_column_raises_naming_it():
    with pytest.raises(hooks.LabelError, match=r"no 'spec' column \(it passed: answer\).*execgym dataset --format trl"):
        _trl().execgym_reward(prompts=["p"], completions=["c"], answer=["x"])


def test_trl_malformed_spec_raises_then_a_good_batch_passes(spec_json):
    trl = _trl()
    with pytest.raises(hooks.LabelError, match=r"row 1 .*'spec' column \(label_not_json"):
        trl.execgym_reward(prompts=["p", "p"], completions=["c", "c"], spec=[spec_json, "{oops"])
    # malformed completions never raise; once a batch passed, odd labels later are counted zeros
    assert trl.execgym_reward(prompts=["p"] * 3, completions=[None, 7, [{"role": "assistant"}]],
                              spec=[spec_json] * 3) == [0.0, 0.0, 0.0]
    assert trl.execgym_reward(prompts=["p"], completions=["c"], spec=["{oops"]) == [0.0]


def test_verl_missing_ground_truth_raises_naming_the_column(spec_json):
    verl = _verl()
    with pytest.raises(hooks.LabelError, match=r"'reward_model.ground_truth' column \(label_missing"):
        verl.compute_score("execgym/ExecIO-v0", "text", None)
    out = verl.compute_score("execgym/ExecIO-v0", None, spec_json)  # a malformed response: counted zero
    assert out["score"] == 0.0 and out["invalid"] == 1.0
    assert verl.compute_score("execgym/ExecIO-v0", "x", "not json")["invalid"] == 1.0


def test_openrlhf_reward_func_bad_first_labels_raise(spec_json):
    module = load_by_path(HOOKS / "reward_func.py", "first_batch_reward")
    prompt = chatml_prompt("What does f return?")
    with pytest.raises(hooks.LabelError, match=r"'label' column .*--data.label_key label"):
        module.reward_func([decoded_query(prompt, "x")], [prompt], [None])
    out = module.reward_func([12345, decoded_query(prompt, "garbage")], [prompt, prompt], [spec_json, spec_json])
    assert out["rewards"] == [0.0, 0.0]


def test_openrlhf_agent_reset_raises_on_a_bad_first_label(agent_module, spec_json):
    agent = agent_module.AgentInstance()
    with pytest.raises(hooks.LabelError, match="'label' column"):
        asyncio.run(agent.reset({"observation": "p", "label": "[1, 2]"}))
    asyncio.run(agent.reset({"observation": "p", "label": spec_json}))
    result = asyncio.run(agent.step({"action_text": None, "label": spec_json}))  # malformed action: no raise
    assert result["done"] and float(result["rewards"].item()) == 0.0


def test_thin_agents_files_load_the_installed_hooks(monkeypatch):
    from agents_testlib import make_openrlhf_standins

    from execgym.training.hookfiles import HOOK_FILES, hook_path

    assert all(hook_path(name).is_file() for name in HOOK_FILES)
    assert load_by_path(REPO / "agents" / "openrlhf" / "reward_func.py", "thin_reward").reward_func.__module__ == (
        "execgym.training.hookfiles.reward_func")
    assert load_by_path(REPO / "agents" / "verl" / "execgym_reward.py", "thin_verl").compute_score.__module__ == (
        "execgym.training.hookfiles.verl_reward")
    assert load_by_path(REPO / "agents" / "trl" / "execgym_reward.py", "thin_trl").execgym_reward.__module__ == (
        "execgym.training.hookfiles.trl_reward")
    for name, module in make_openrlhf_standins().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "execgym.training.hookfiles.agent_func", raising=False)
    thin = load_by_path(REPO / "agents" / "openrlhf" / "agent_func.py", "thin_agent")
    assert issubclass(thin.AgentExecutor, sys.modules["openrlhf.utils.agent"].AgentExecutorBase)
    assert (REPO / "agents" / "schedules" / "smoke-1gpu.toml").is_file()  # the checkout path still works


def test_grpo_script_without_torch_says_what_to_install():
    code = (
        "import runpy, sys\n"
        "sys.modules.update(torch=None, transformers=None, trl=None, datasets=None)\n"
        f"sys.argv = ['grpo_execgym.py', '--model', 'm', '--output-dir', 'out']\n"
        f"runpy.run_path({str(REPO / 'agents' / 'trl' / 'grpo_execgym.py')!r}, run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "torch, transformers, trl, datasets not installed" in proc.stderr and 'pip install ".[trl]"' in proc.stderr
