"""``execgym serve``: the HTTP reward service for trainers (extra ``execgym[serve]``; see docs/scaling.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any

TOKEN_ENV = "EXECGYM_SERVE_TOKEN"


def register(subparsers: Any) -> argparse.ArgumentParser:
    from execgym.serve.config import ServeConfig

    d = ServeConfig()
    parser = subparsers.add_parser(
        "serve",
        help="HTTP reward service: OpenRLHF /get_reward, /score, /score_batch, /task, /health, /metrics",
        description=(
            "Serve execgym scoring over HTTP on uvicorn. Point OpenRLHF's --reward.remote_url at "
            "http://HOST:PORT/get_reward (several replicas: comma-separated). If the environment variable "
            f"{TOKEN_ENV} is set, every route but /health requires 'Authorization: Bearer <token>'."
        ),
    )
    parser.add_argument("--host", default=d.host, help="address to bind (127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=d.port, help="port (0: a free one, printed on stderr)")
    parser.add_argument("--threads", type=int, default=d.threads, help="request threads")
    parser.add_argument(
        "--processes",
        type=int,
        default=d.processes,
        help="scoring processes (default: one per core; 1: the service process scores)",
    )
    parser.add_argument(
        "--sandbox-workers",
        type=int,
        default=None,
        help="fork-server sandbox workers in all, split over the scoring processes (default: one per core)",
    )
    parser.add_argument(
        "--max-pending",
        type=int,
        default=d.max_pending,
        help="requests admitted at once; more get 503 with Retry-After",
    )
    parser.add_argument("--max-batch", type=int, default=d.max_batch, help="items per request; more get 413")
    parser.add_argument(
        "--max-body-mb",
        type=float,
        default=d.max_body_bytes / (1 << 20),
        help="request body limit in MiB; larger get 413",
    )
    parser.add_argument(
        "--deadline", type=float, default=d.deadline_s, help="seconds before a request is answered 504"
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="uvicorn log level",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from execgym.validation import UsageError

    try:
        import prometheus_client  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"execgym serve needs the serve extra ({exc.name} is missing): pip install 'execgym[serve]'"
        ) from None
    from execgym.serve.config import ServeConfig

    config = ServeConfig(
        host=args.host,
        port=args.port,
        threads=args.threads,
        processes=args.processes,
        sandbox_workers=args.sandbox_workers,
        max_pending=args.max_pending,
        max_batch=args.max_batch,
        max_body_bytes=int(args.max_body_mb * (1 << 20)),
        deadline_s=args.deadline,
        token=os.environ.get(TOKEN_ENV) or None,
    )
    try:
        config.check()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from execgym.serve.server import serve

    serve(config, log_level=args.log_level)
    return 0
