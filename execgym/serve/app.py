"""The reward service's ASGI app (starlette): admission, limits, deadlines and metrics around
:func:`execgym.serve.work.handle`.

Per POST: bearer token (401), declared or streamed body above ``max_body_bytes`` (413), more than
``max_pending`` requests admitted (503 + ``Retry-After``), then the work runs on a scoring thread; past
``deadline_s`` the client gets 504 (the work still finishes and stays counted as pending until it does, so
the queue bound holds). With ``processes`` > 1 the lifespan starts the scoring processes
(:mod:`execgym.serve.scorers`) before the first request; its shutdown waits for the request threads, then
stops the scoring processes and closes the sandbox pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from execgym.serve import work
from execgym.serve.config import ServeConfig
from execgym.serve.metrics import CONTENT_TYPE, Metrics
from execgym.serve.scorers import ScorerPool

JSON = "application/json"


class _BodyTooLarge(Exception):
    pass


class Service:
    """State of one app: config, the scoring threads, the admitted-request count and the metrics."""

    def __init__(self, config: ServeConfig) -> None:
        config.check()
        self.config = config
        self.pending = 0
        self.executor: ThreadPoolExecutor | None = None
        self.scorers: ScorerPool | None = None
        self.metrics = Metrics(self._restarts)
        self._token = config.token.encode() if config.token else None

    def _restarts(self) -> int:
        if self.scorers is not None:
            return self.scorers.worker_restarts()
        from execgym.engine import pool

        return int(getattr(pool._default, "worker_failures", 0))

    # -- lifespan ------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        cfg = self.config
        if cfg.processes > 1:
            self.scorers = ScorerPool(cfg.processes, cfg.sandbox_workers_each())
        elif cfg.sandbox_workers is not None:
            from execgym.engine.pool import Sandbox, set_default_sandbox

            set_default_sandbox(Sandbox(workers=cfg.sandbox_workers))
        self.executor = ThreadPoolExecutor(cfg.threads, thread_name_prefix="execgym-serve")
        loop = asyncio.get_running_loop()
        try:
            yield
        finally:
            executor, self.executor = self.executor, None
            await loop.run_in_executor(None, executor.shutdown, True)
            if self.scorers is not None:
                await loop.run_in_executor(None, self.scorers.close)
            from execgym.engine.pool import close_default_sandbox

            close_default_sandbox()

    # -- helpers -------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> bool:
        if self._token is None:
            return True
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self._token)

    async def _body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _BodyTooLarge
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def _refuse(self, reason: str, status: int, message: str, headers: dict | None = None) -> Response:
        self.metrics.rejected.labels(reason).inc()
        return Response(work.error_body(reason, message), status, headers, media_type=JSON)

    def _release(self, _future: object) -> None:
        self.pending -= 1
        self.metrics.queue_depth.set(self.pending)

    # -- endpoints -----------------------------------------------------------------------------
    async def post(self, request: Request) -> Response:
        route = request.url.path
        started = time.perf_counter()
        response = await self._post(request, route)
        self.metrics.requests.labels(route, str(response.status_code)).inc()
        self.metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    async def _post(self, request: Request, route: str) -> Response:
        cfg = self.config
        if not self._authorized(request):
            return self._refuse(
                "unauthorized", 401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
            )
        try:
            body = await self._body(request)
        except _BodyTooLarge:
            return self._refuse("too_large", 413, f"the body is larger than {cfg.max_body_bytes} bytes")
        except ClientDisconnect:
            return self._refuse("disconnected", 400, "the client left before sending the body")
        if self.pending >= cfg.max_pending or self.executor is None:
            return self._refuse(
                "queue_full",
                503,
                f"{self.pending} requests pending; retry later",
                {"Retry-After": str(cfg.retry_after_s)},
            )
        self.pending += 1
        self.metrics.queue_depth.set(self.pending)
        future = asyncio.get_running_loop().run_in_executor(
            self.executor, work.handle, route, body, cfg, self.metrics.count_outcomes, self.scorers
        )
        future.add_done_callback(self._release)
        try:
            status, payload = await asyncio.wait_for(asyncio.shield(future), cfg.deadline_s)
        except asyncio.TimeoutError:
            return self._refuse("deadline", 504, f"not answered within the {cfg.deadline_s:g} s deadline")
        if status != 200:
            self.metrics.rejected.labels("bad_request" if status < 500 else "internal_error").inc()
        return Response(payload, status, media_type=JSON)

    async def health(self, request: Request) -> Response:
        from execgym import __version__

        payload = {
            "status": "ok",
            "version": __version__,
            "pending": self.pending,
            "max_pending": self.config.max_pending,
        }
        return Response(work.dumps(payload), 200, media_type=JSON)

    async def metrics_text(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._refuse(
                "unauthorized", 401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
            )
        return Response(self.metrics.render(), 200, media_type=CONTENT_TYPE)


def create_app(config: ServeConfig | None = None) -> Starlette:
    """The ASGI app of one service process (its ``state.service`` is the :class:`Service`)."""
    service = Service(config or ServeConfig())
    routes = [Route(path, service.post, methods=["POST"]) for path in work.ROUTES]
    routes += [
        Route("/health", service.health, methods=["GET"]),
        Route("/metrics", service.metrics_text, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=service.lifespan)
    app.state.service = service
    return app
