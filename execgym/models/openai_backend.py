"""``openai:MODEL``: any OpenAI-compatible ``/chat/completions`` endpoint (vLLM, SGLang, Ollama, hosted).

Async with a concurrency limit (a semaphore; also the connection-pool size), a per-request
timeout, and retries with exponential backoff plus jitter on 429, 5xx, timeouts and connection
errors; a ``Retry-After`` header (seconds or HTTP date) is honoured, capped at ``retry_after_max``.
Other 4xx answers fail at once with :class:`ModelError`. Token usage from each response's ``usage``
is recorded per completion and summed in ``model.usage``.

Transport: ``http://`` URLs use execgym's small asyncio HTTP/1.1 client (``fasthttp``; several times
less CPU per request than httpx), ``https://`` URLs use httpx; ``transport="httpx"`` forces httpx.

The API key is read from the environment variable named by ``api_key_env`` (default
``OPENAI_API_KEY``); no key is fine for local servers. The base URL comes from ``base_url``, else
``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import time
from typing import Any

from execgym.models.base import Completion, Model, ModelError, Prompt, SamplingParams, apply_stop
from execgym.seeding import rng


class _Retryable(Exception):
    """A transport failure or timeout worth another attempt."""


RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class OpenAIModel(Model):
    """Chat-completions client. One HTTP request per prompt, asking for ``params.n`` choices."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        api_key: str | None = None,
        concurrency: int = 64,
        timeout: float = 120.0,
        max_retries: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
        extra_body: dict[str, Any] | None = None,
        send_seed: bool = True,
        transport: str = "auto",
    ) -> None:
        super().__init__()
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
        self._api_key = api_key if api_key is not None else os.environ.get(api_key_env, "")
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.extra_body = dict(extra_body or {})
        self.send_seed = send_seed
        if transport not in ("auto", "httpx", "fast", "aiohttp"):
            raise ValueError("transport must be 'auto', 'httpx', 'fast' or 'aiohttp'")
        if transport == "fast" and not self.base_url.startswith("http://"):
            raise ValueError("transport='fast' needs a plain http:// base URL")
        self.transport = "fast" if transport == "auto" and self.base_url.startswith("http://") else (
            "httpx" if transport == "auto" else transport)
        self._jitter = rng("openai-backoff", model, self.base_url)
        self._client: Any = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None

    # -- connection handling (clients and semaphores are bound to one event loop) --------------------
    def _ensure_client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            if self.transport == "fast":
                from execgym.models.fasthttp import FastHTTPClient

                headers = {"Content-Type": "application/json"}
                if self._api_key:
                    headers["Authorization"] = f"Bearer {self._api_key}"
                self._client = FastHTTPClient(self.base_url, headers, self.timeout, max_idle=self.concurrency)
                self._client_loop = loop
                self._semaphore = asyncio.Semaphore(self.concurrency)
                return self._client
            if self.transport == "aiohttp":
                self._client = _AiohttpClient(self.base_url, self._api_key, self.timeout, self.concurrency)
                self._client_loop = loop
                self._semaphore = asyncio.Semaphore(self.concurrency)
                return self._client
            try:
                import httpx
            except ImportError as exc:  # pragma: no cover - httpx is in the eval extra
                raise ModelError("the openai: backend needs httpx: pip install 'execgym[eval]'") from exc
            headers = {"Content-Type": "application/json"}
            if self._api_key:
                headers["Authorization"] = f"Bearer {self._api_key}"
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            self._client = httpx.AsyncClient(
                base_url=self.base_url, headers=headers, limits=limits,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            )
            self._client_loop = loop
            self._semaphore = asyncio.Semaphore(self.concurrency)
        return self._client

    async def aclose_loop_resources(self) -> None:
        client, self._client, self._client_loop, self._semaphore = self._client, None, None, None
        if client is not None:
            await client.aclose()

    # -- generation -----------------------------------------------------------------------------------
    async def agenerate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        self._ensure_client()
        return list(await asyncio.gather(*(self._one(p, params) for p in prompts)))

    def _body(self, prompt: Prompt, params: SamplingParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": prompt,
            "n": params.n,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
        }
        if params.seed is not None and self.send_seed:
            body["seed"] = int(params.seed) % (2**31)
        if params.stop:
            body["stop"] = list(params.stop)[:4]  # the API accepts at most 4
        body.update(self.extra_body)
        return body

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        base = min(self.backoff_max, self.backoff_base * (2**attempt))
        return base * (0.5 + self._jitter.random())  # "equal jitter": [base/2, 3*base/2)

    async def _post(self, client: Any, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """One HTTP attempt; raises :class:`_Retryable` for transport failures and timeouts."""
        if self.transport == "fast":
            from execgym.models.fasthttp import TransportFailure

            try:
                return await client.post_json("/chat/completions", body)
            except asyncio.TimeoutError as exc:
                raise _Retryable(f"timeout after {self.timeout}s") from exc
            except TransportFailure as exc:
                raise _Retryable(str(exc)) from exc
        if self.transport == "aiohttp":
            import aiohttp

            try:
                return await client.post_json("/chat/completions", body)
            except asyncio.TimeoutError as exc:
                raise _Retryable(f"timeout after {self.timeout}s") from exc
            except aiohttp.ClientError as exc:
                raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        import httpx

        try:
            response = await client.post("/chat/completions", json=body)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content

    async def _one(self, prompt: Prompt, params: SamplingParams) -> list[Completion]:
        client = self._ensure_client()
        assert self._semaphore is not None
        body = self._body(prompt, params)
        last_error = "no attempt made"
        async with self._semaphore:
            for attempt in range(self.max_retries + 1):
                started = time.perf_counter()
                retry_after: float | None = None
                self.usage.requests += 1
                try:
                    status, headers, content = await self._post(client, body)
                except _Retryable as exc:
                    last_error = str(exc)
                else:
                    if status == 200:
                        try:
                            return self._parse(json.loads(content), params, time.perf_counter() - started)
                        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                            last_error = f"malformed response: {exc}"
                    elif status in RETRY_STATUS:
                        retry_after = parse_retry_after(headers.get("retry-after"))
                        last_error = f"HTTP {status}: {content[:200].decode('utf-8', 'replace')}"
                    else:
                        self.usage.failures += 1
                        raise ModelError(f"{self.name}: HTTP {status} from {self.base_url}: "
                                         f"{content[:500].decode('utf-8', 'replace')}")
                if attempt == self.max_retries:
                    break
                self.usage.retries += 1
                await asyncio.sleep(self._delay(attempt, retry_after))
        self.usage.failures += 1
        raise ModelError(f"{self.name}: gave up after {self.max_retries + 1} attempts: {last_error}")

    def _parse(self, data: dict[str, Any], params: SamplingParams, latency: float) -> list[Completion]:
        choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
        if len(choices) < params.n:
            raise ValueError(f"asked for {params.n} choices, got {len(choices)}")
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_total = int(usage.get("completion_tokens") or 0)
        self.usage.prompt_tokens += prompt_tokens
        self.usage.completion_tokens += completion_total
        out: list[Completion] = []
        for i, choice in enumerate(choices[: params.n]):
            message = choice.get("message") or {}
            text = message.get("content")
            if text is None:
                text = choice.get("text") or ""
            text, cut = apply_stop(str(text), params.stop)
            # usage covers all choices: split the completion tokens evenly (exact when n == 1)
            share = completion_total // params.n + (1 if i < completion_total % params.n else 0)
            out.append(Completion(
                text=text,
                prompt_tokens=prompt_tokens,
                completion_tokens=share,
                latency_s=latency,
                finish_reason="stop" if cut else str(choice.get("finish_reason") or "stop"),
            ))
        return out


class _AiohttpClient:
    """``post_json(path, payload) -> (status, lower-case headers, body)`` over one aiohttp session."""

    def __init__(self, base_url: str, api_key: str, timeout: float, concurrency: int) -> None:
        import aiohttp

        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url
        self._session = aiohttp.ClientSession(
            headers=headers,
            connector=aiohttp.TCPConnector(limit=concurrency),
            timeout=aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 10.0)),
        )

    async def post_json(self, path: str, payload: Any) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        async with self._session.post(self.base_url + path, data=data) as response:
            body = await response.read()
            return response.status, {k.lower(): v for k, v in response.headers.items()}, body

    async def aclose(self) -> None:
        await self._session.close()
