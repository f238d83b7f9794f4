"""``RemoteScorer``: ``score_batch`` over one or more ``execgym serve`` replicas (stdlib HTTP, no extra needed).

``RemoteScorer(urls).score_batch(specs, responses)`` POSTs ``/score_batch`` and returns ``Score`` objects in
order. Replicas are used round-robin; a connection failure, a 503 (after its ``Retry-After``, capped) or a 5xx
moves to the next replica, up to ``retries`` extra attempts. It never raises for a failed service: each
response then scores ``error`` with the reason ``reward service unavailable: ...`` (a typed zero, never a
silent one). Batches above ``chunk`` items are split. Connections are kept alive per thread.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from execgym.tasks.base import Score, error_score


def parse_urls(text: str) -> list[str]:
    """Base URLs from comma-separated text (a trailing ``/get_reward`` or ``/score_batch`` is dropped)."""
    urls = []
    for part in text.split(","):
        part = part.strip().rstrip("/")
        for tail in ("/get_reward", "/score_batch", "/score"):
            if part.endswith(tail):
                part = part[: -len(tail)]
        if part:
            if urlsplit(part).scheme not in ("http", "https"):
                raise ValueError(f"reward service URL must be http:// or https://, got {part!r}")
            urls.append(part)
    if not urls:
        raise ValueError("no reward service URL given")
    return urls


class ServiceError(Exception):
    pass


class RemoteScorer:
    """See the module docstring."""

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        token: str | None = None,
        timeout: float = 180.0,
        retries: int = 4,
        chunk: int = 1024,
        max_retry_after: float = 5.0,
    ) -> None:
        self.urls = parse_urls(urls) if isinstance(urls, str) else parse_urls(",".join(urls))
        self.token = token
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.chunk = max(1, int(chunk))
        self.max_retry_after = float(max_retry_after)
        self._next = itertools.count()
        self._local = threading.local()

    def score_batch(self, specs: Sequence[Any], responses: Sequence[Any]) -> list[Score]:
        if len(specs) != len(responses):
            raise ValueError(f"{len(specs)} specs but {len(responses)} responses")
        out: list[Score] = []
        for start in range(0, len(specs), self.chunk):
            out.extend(
                self._chunk(
                    list(specs[start : start + self.chunk]), list(responses[start : start + self.chunk])
                )
            )
        return out

    def _chunk(self, specs: list, responses: list) -> list[Score]:
        body = json.dumps({"specs": specs, "responses": responses}, ensure_ascii=False, default=repr).encode()
        why = "no attempt made"
        for attempt in range(self.retries + 1):
            url = self.urls[next(self._next) % len(self.urls)]
            try:
                status, headers, data = self._post(url, "/score_batch", body)
            except (OSError, http.client.HTTPException) as exc:
                why = f"{url}: {type(exc).__name__}: {exc}"
                self._drop(url)
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            if status == 200:
                try:
                    scores = [Score.from_dict(d) for d in json.loads(data)["scores"]]
                except (ValueError, KeyError, TypeError) as exc:
                    why = f"{url}: malformed answer: {exc}"
                    continue
                if len(scores) == len(specs):
                    return scores
                why = f"{url}: {len(scores)} scores for {len(specs)} responses"
                continue
            why = f"{url}: HTTP {status}: {data[:200].decode('utf-8', 'replace')}"
            if status in (503, 429):
                try:
                    wait = float(headers.get("retry-after", "1"))
                except ValueError:
                    wait = 1.0
                time.sleep(min(max(wait, 0.0), self.max_retry_after))
            elif status < 500 and status != 408:
                break  # the request itself is wrong: another replica would say the same
        return [error_score(f"reward service unavailable: {why}"[:500]) for _ in specs]

    # -- transport ------------------------------------------------------------------------------
    def _conn(self, url: str) -> http.client.HTTPConnection:
        conns = self._local.__dict__.setdefault("conns", {})
        conn = conns.get(url)
        if conn is None:
            parts = urlsplit(url)
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = conns[url] = cls(parts.hostname, parts.port, timeout=self.timeout)
        return conn

    def _drop(self, url: str) -> None:
        conn = self._local.__dict__.get("conns", {}).pop(url, None)
        if conn is not None:
            conn.close()

    def _post(self, url: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        prefix = urlsplit(url).path.rstrip("/")
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for fresh in (False, True):  # an idle kept-alive connection the server closed: once more, fresh
            conn = self._conn(url)
            try:
                conn.request("POST", prefix + path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self._drop(url)
                if fresh:
                    raise
                continue
            if resp.getheader("connection", "").lower() == "close":
                self._drop(url)
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        raise ServiceError("unreachable")  # pragma: no cover
