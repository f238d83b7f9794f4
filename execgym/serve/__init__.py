"""``execgym serve``: an HTTP reward service for trainers (extra ``execgym[serve]``: starlette on uvicorn).

Routes (see docs/scaling.md): ``POST /get_reward`` (OpenRLHF's remote reward protocol), ``POST /score``,
``POST /score_batch``, ``POST /task``, ``GET /health``, ``GET /metrics`` (Prometheus text).

* :func:`create_app(config)` builds the ASGI app (:mod:`execgym.serve.app`);
* :func:`serve(config)` runs it on uvicorn until SIGINT/SIGTERM (:mod:`execgym.serve.server`);
* :class:`RemoteScorer` is the client trainers' hooks use (:mod:`execgym.serve.client`);
* :func:`execgym.serve.route.batch_scorer` picks in-process, service or Ray scoring from the environment.

Importing this package imports neither starlette nor uvicorn; the names above load on first use.
"""

from __future__ import annotations

from execgym.lazy import lazy_exports

_LAZY = {
    "ServeConfig": "execgym.serve.config:ServeConfig",
    "create_app": "execgym.serve.app:create_app",
    "serve": "execgym.serve.server:serve",
    "RemoteScorer": "execgym.serve.client:RemoteScorer",
    "batch_scorer": "execgym.serve.route:batch_scorer",
}
__all__ = list(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
