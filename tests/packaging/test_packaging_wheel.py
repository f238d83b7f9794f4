"""execgym works from a normal (non-editable) install: a wheel built from this checkout, installed into a
fresh venv, runs ``execgym train --schedule smoke-1gpu --dry-run`` and loads every trainer hook file.

Cheap by design: ``pip wheel --no-deps`` (no build isolation when setuptools is importable), a venv without
pip's dependency resolution (``--no-deps``, the running interpreter's site-packages reached through a .pth
file, so nothing is downloaded), and a one-row preview per stage. Also: ``import execgym`` from the folder
that holds a checkout named ``execgym`` gets the real package, not an empty namespace package.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IGNORE = shutil.ignore_patterns(".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info", "__pycache__",
                                "runs", "results", ".pytest_cache", ".hypothesis", "tests")

LOAD_HOOKS = textwrap.dedent('''
    import importlib.util, json, sys, types
    import execgym
    from execgym.training.hookfiles import HOOK_FILES, hook_path

    def load(name):
        spec = importlib.util.spec_from_file_location("hook_" + name.replace("-", "_"), hook_path(name))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    # a stand-in for openrlhf.utils.agent (what the agent hook subclasses) so the agent file loads here
    agent_mod = types.ModuleType("openrlhf.utils.agent")
    class AgentInstanceBase: pass
    class AgentExecutorBase: pass
    class MultiTurnAgentExecutor(AgentExecutorBase):
        def __init__(self, cls): self.cls = cls
    agent_mod.AgentInstanceBase, agent_mod.AgentExecutorBase = AgentInstanceBase, AgentExecutorBase
    agent_mod.MultiTurnAgentExecutor = MultiTurnAgentExecutor
    for name in ("openrlhf", "openrlhf.utils"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["openrlhf.utils.agent"] = agent_mod

    task = execgym.make_task({"env": "ExecIO-v0", "level": 1, "seed": 0})
    spec, gold = json.dumps(task.spec), task.gold_response()
    out = {"file": execgym.__file__, "hooks": {}}
    out["hooks"]["openrlhf-reward"] = load("openrlhf-reward").reward_func([gold], [""], [spec])["rewards"][0]
    out["hooks"]["verl"] = load("verl").compute_score("execgym/ExecIO-v0", gold, spec)["score"]
    out["hooks"]["trl"] = load("trl").execgym_reward(prompts=["p"], completions=[gold], spec=[spec])[0]
    executor = load("openrlhf-agent").AgentExecutor()
    out["hooks"]["openrlhf-agent"] = executor.cls.__name__
    out["names"] = sorted(HOOK_FILES)
    print(json.dumps(out))
''')


def _builds_wheels() -> bool:
    """Whether this interpreter's setuptools can build a wheel offline (its own ``bdist_wheel`` from 70.1 on,
    the ``wheel`` package's before)."""
    if importlib.util.find_spec("setuptools.command.bdist_wheel") is not None:
        return True
    return importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is needed to build the wheel without network access")
    if not _builds_wheels():
        pytest.skip("setuptools >= 70.1 or the wheel package is needed for bdist_wheel without network access")
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    shutil.copytree(REPO, src, symlinks=True, ignore=IGNORE)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src),
         "-w", str(root / "dist")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((root / "dist").glob("execgym-*.whl"))
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies (gymnasium, RestrictedPython, psutil, ...) come from the running interpreter's
    # site-packages, appended after the venv's own: the installed wheel wins over any editable execgym
    Path(site, "execgym_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        # --ignore-installed: the running interpreter's editable execgym is visible through the .pth above, and
        # pip must not take it for this wheel ("already installed with the same version")
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--ignore-installed", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    assert (env_dir / "bin" / "execgym").is_file(), install.stdout[-3000:] + install.stderr[-3000:]
    work = root / "work"  # run far from any checkout
    work.mkdir()
    return env_dir, work


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.mark.slow
def test_wheel_train_dry_run_and_every_hook(wheel_venv):
    env_dir, work = wheel_venv
    run = subprocess.run(
        [str(env_dir / "bin" / "execgym"), "train", "--schedule", "smoke-1gpu", "--dry-run", "--preview-rows", "1",
         "-o", str(work / "run")],
        cwd=work, capture_output=True, text=True, timeout=600, env=_env(), check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "dry run complete" in run.stdout
    hooks = work / "run" / "hooks"
    assert (hooks / "reward_func.py").is_file() and (hooks / "agent_func.py").is_file()
    assert json.loads((work / "run" / "sft" / "preview" / "train.jsonl").read_text().splitlines()[0])["output"]
    probe = subprocess.run([str(env_dir / "bin" / "python"), "-c", LOAD_HOOKS], cwd=work, capture_output=True,
                           text=True, timeout=300, env=_env(), check=False)
    assert probe.returncode == 0, probe.stderr[-3000:]
    out = json.loads(probe.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).is_relative_to(env_dir)  # the wheel's execgym, not this checkout
    assert out["names"] == ["openrlhf-agent", "openrlhf-reward", "trl", "verl"]
    assert out["hooks"]["openrlhf-reward"] == out["hooks"]["verl"] == out["hooks"]["trl"] > 0
    assert out["hooks"]["openrlhf-agent"] == "AgentInstance"
    listing = subprocess.run([str(env_dir / "bin" / "python"), "-m", "execgym.training.hookfiles"], cwd=work,
                             capture_output=True, text=True, timeout=120, env=_env(), check=True).stdout
    assert str(env_dir) in listing and "verl_reward.py" in listing


def test_import_from_the_folder_above_a_checkout_finds_the_package(tmp_path):
    try:
        importlib.metadata.distribution("execgym")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("execgym is not installed here (an uninstalled checkout seen from its parent folder is an "
                    "empty namespace package by Python's rules; nothing inside the package can change that)")
    (tmp_path / "execgym").symlink_to(REPO, target_is_directory=True)  # a clone named like the package
    proc = subprocess.run(
        [sys.executable, "-c", "import execgym; print(execgym.__file__); print(execgym.make_task.__name__)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=_env(), check=False,
    )
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first != "None" and first.endswith("__init__.py") and proc.stdout.splitlines()[1] == "make_task"
