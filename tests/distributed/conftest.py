"""One local Ray cluster (``ray.init(num_cpus=2)``) per test module, shut down after it (later tests check
that no process of theirs is left over); the tests are marked slow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "PYTHONPATH")}
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    # Ray's workers import execgym from this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        yield ray
        from execgym import distributed

        distributed.shutdown()
        ray.shutdown()
    finally:  # later tests (e.g. the wheel install) must not see this checkout on PYTHONPATH
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
