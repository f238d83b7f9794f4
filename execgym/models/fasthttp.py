"""A minimal asyncio HTTP/1.1 client for plain-``http://`` JSON POSTs (the eval hot path).

Why: httpx costs about 3 ms of CPU per request on a 2-core machine, more than scoring an episode;
local inference servers (vLLM, SGLang, Ollama, llama.cpp) speak plain HTTP on a trusted network,
where this client needs a fraction of that. It supports keep-alive connection reuse,
``Content-Length`` and ``chunked`` bodies, ``Connection: close``, and a per-request deadline. It does
not do TLS, proxies, redirects or HTTP/2: the ``openai:`` backend uses httpx for ``https://`` URLs.

``await client.post_json(path, payload)`` returns ``(status, headers, body_bytes)`` with lower-case
header names, and raises :class:`TransportFailure` on connection problems and ``asyncio.TimeoutError``
past the deadline. A request that fails on a reused idle connection (the server closed it while it
sat in the pool) is retried once on a fresh connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class TransportFailure(ConnectionError):
    """The connection broke or the server sent something that is not HTTP/1.1."""


_MAX_HEADER = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024


class FastHTTPClient:
    def __init__(self, base_url: str, headers: dict[str, str], timeout: float, max_idle: int = 64):
        parts = urlsplit(base_url)
        if parts.scheme != "http":
            raise ValueError("FastHTTPClient handles plain http:// URLs only")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.headers = dict(headers)
        self.timeout = timeout
        self.max_idle = max_idle
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        host_header = self.host if self.port == 80 else f"{self.host}:{self.port}"
        lines = [f"Host: {host_header}", "Connection: keep-alive", "Accept: application/json"]
        lines += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in ("host", "content-length")]
        self._fixed_headers = ("\r\n".join(lines) + "\r\n").encode("latin-1")

    async def post_json(self, path: str, payload: Any) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head = (f"POST {self.prefix}{path} HTTP/1.1\r\n").encode("latin-1") + self._fixed_headers
        request = head + f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        return await asyncio.wait_for(self._send(request), self.timeout)

    async def _send(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        reused = bool(self._idle)
        conn = self._idle.pop() if reused else await self._connect()
        try:
            return await self._exchange(conn, request)
        except TransportFailure:
            if not reused:
                raise
        # the pooled connection had gone stale: one more try on a fresh one
        return await self._exchange(await self._connect(), request)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.open_connection(self.host, self.port, limit=_MAX_HEADER * 4)
        except OSError as exc:
            raise TransportFailure(f"cannot connect to {self.host}:{self.port}: {exc}") from exc

    async def _exchange(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                        request: bytes) -> tuple[int, dict[str, str], bytes]:
        reader, writer = conn
        keep = False
        try:
            writer.write(request)
            await writer.drain()
            status, headers, body, keep = await self._read_response(reader)
            return status, headers, body
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise TransportFailure(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if keep and len(self._idle) < self.max_idle:
                self._idle.append(conn)
            else:
                writer.close()

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes, bool]:
        raw = await reader.readuntil(b"\r\n\r\n")
        if len(raw) > _MAX_HEADER:
            raise ValueError("response headers too large")
        lines = raw.decode("latin-1").split("\r\n")
        proto, _, rest = lines[0].partition(" ")
        if not proto.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1.x response: {lines[0][:80]!r}")
        status = int(rest.split(" ", 1)[0])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        keep = headers.get("connection", "").lower() != "close" and proto == "HTTP/1.1"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(reader)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if length > _MAX_BODY:
                raise ValueError("response body too large")
            body = await reader.readexactly(length)
        else:
            body = await reader.read(_MAX_BODY)
            keep = False
        return status, headers, body, keep

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts, total = [], 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(parts)
            total += size
            if total > _MAX_BODY:
                raise ValueError("response body too large")
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()
