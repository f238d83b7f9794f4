"""Where trainer hooks verify, chosen by environment variables (read on every call).

* ``EXECGYM_REWARD_URL``: comma-separated base URLs of ``execgym serve`` replicas -> :class:`RemoteScorer`
  (bearer token from ``EXECGYM_SERVE_TOKEN``);
* else ``EXECGYM_RAY_ADDRESS``: a Ray cluster (``auto``, ``ray://host:10001``, or ``local`` for a cluster
  started in this process) -> :func:`execgym.distributed.score_batch`;
* else ``execgym.score_batch`` in this process.

A malformed URL raises ``ValueError`` from :func:`batch_scorer` (the hooks count it as ``score_exception``
and log it: a configuration error is never a silent zero).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

Scorer = Callable[[Sequence[Any], Sequence[Any]], list]
URL_ENV = "EXECGYM_REWARD_URL"
RAY_ENV = "EXECGYM_RAY_ADDRESS"
TOKEN_ENV = "EXECGYM_SERVE_TOKEN"


@functools.lru_cache(maxsize=8)
def _remote(urls: str, token: str | None) -> Any:
    from execgym.serve.client import RemoteScorer

    return RemoteScorer(urls, token=token)


def batch_scorer() -> Scorer:
    """``scorer(specs, responses) -> list[Score]`` for the current environment variables."""
    urls = os.environ.get(URL_ENV, "").strip()
    if urls:
        return _remote(urls, os.environ.get(TOKEN_ENV) or None).score_batch
    address = os.environ.get(RAY_ENV, "").strip()
    if address:
        from execgym import distributed

        return functools.partial(distributed.score_batch, address=None if address == "local" else address)
    from execgym.tasks.registry import score_batch

    return score_batch
