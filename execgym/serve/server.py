"""Run the reward service on uvicorn until SIGINT/SIGTERM, then shut down gracefully.

On a signal uvicorn stops accepting connections, lets every in-flight request finish (up to
``config.graceful_s``), then the app's lifespan shutdown waits for the scoring threads and closes the sandbox
pool, so no worker process outlives the service. A graceful stop returns normally (exit status 0).
"""

from __future__ import annotations

import signal
import sys

from execgym.serve.config import ServeConfig


def _server_class():
    import uvicorn

    class _Server(uvicorn.Server):
        """uvicorn's server, saying on stderr where it listens once it does (port 0 picks a free port)."""

        announce = True

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started and self.announce and self.servers:
                host, port = self.servers[0].sockets[0].getsockname()[:2]
                print(f"execgym serve: listening on http://{host}:{port}", file=sys.stderr, flush=True)

    return _Server


GC_THRESHOLD = (10_000, 10, 10)


def tune_gc() -> None:
    """The cyclic collector, tuned for a process that only serves: what startup built is frozen out of every
    collection, and the first generation collects after 10,000 net allocations instead of 700. With the
    defaults a batch's parsed request (thousands of containers, alive for the whole request) was promoted
    at every request, so full collections ran about every 100 batches and stalled every request in flight for
    up to 50-80 ms (measured with ExecIO-v0 batches of 64); with these, collections are rare and short.
    Sandbox workers are separate interpreters (subprocess, never fork): this touches only the service (and
    its scoring processes, which call it too)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def serve(config: ServeConfig, *, log_level: str = "warning", announce: bool = True) -> None:
    """Serve ``config`` in this (main) thread until a signal; see the module docstring."""
    import uvicorn

    from execgym.serve.app import create_app

    server = _server_class()(
        uvicorn.Config(
            create_app(config),
            host=config.host,
            port=config.port,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=config.graceful_s,
            lifespan="on",
            server_header=False,
            timeout_keep_alive=30,
            backlog=2048,
        )
    )
    server.announce = announce
    tune_gc()
    # uvicorn re-raises the signal it caught once it has shut down; with no-op handlers underneath, that
    # re-raise is a no-op and a graceful stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    server.run()
