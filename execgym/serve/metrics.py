"""The service's Prometheus metrics (``GET /metrics``), on a registry of its own (prometheus_client).

``execgym_serve_requests_total{route,status}``, ``execgym_serve_request_seconds{route}`` (histogram),
``execgym_serve_outcomes_total{env,outcome}`` (every scored response), ``execgym_serve_rejected_total{reason}``,
``execgym_serve_queue_depth`` (requests admitted and not finished), and
``execgym_serve_sandbox_worker_restarts_total`` (sandbox workers replaced after dying or hanging).
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily

from execgym.tasks.registry import ENVS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class _Restarts:
    """A collector reading the sandbox pool's failure count at scrape time."""

    def __init__(self, read: Callable[[], int]) -> None:
        self.read = read

    def collect(self) -> Iterable[CounterMetricFamily]:
        family = CounterMetricFamily(
            "execgym_serve_sandbox_worker_restarts",
            "Sandbox workers replaced after they died, hung or broke the protocol",
        )
        family.add_metric([], float(self.read()))
        yield family


class Metrics:
    """Counters of one app; ``render()`` is the Prometheus text exposition."""

    def __init__(self, restarts: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "execgym_serve_requests", "HTTP requests answered", ["route", "status"], registry=r
        )
        self.latency = Histogram(
            "execgym_serve_request_seconds",
            "Time from request start to answer",
            ["route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.outcomes = Counter(
            "execgym_serve_outcomes",
            "Scored responses by environment and outcome",
            ["env", "outcome"],
            registry=r,
        )
        self.rejected = Counter(
            "execgym_serve_rejected",
            "Requests refused (queue_full, too_large, deadline, bad_request, unauthorized, disconnected)",
            ["reason"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "execgym_serve_queue_depth", "Requests admitted and not yet finished", registry=r
        )
        r.register(_Restarts(restarts))

    def count_outcomes(self, pairs: Iterable[tuple[object, str]]) -> None:
        """Count ``(env, outcome)`` pairs; an env that is not a registered name counts as ``unknown``."""
        tally: collections.Counter = collections.Counter()
        for env, outcome in pairs:
            name = env.split("/")[-1] if isinstance(env, str) else ""
            tally[name if name in ENVS else "unknown", outcome] += 1
        for labels, n in tally.items():  # one labelled increment per (env, outcome), not per response
            self.outcomes.labels(*labels).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
