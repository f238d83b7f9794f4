"""The openai: backend against a real HTTP server on loopback: retries, Retry-After, timeouts, usage."""

from __future__ import annotations

import asyncio
import time

import pytest

from execgym.models import ModelError, SamplingParams, load_model
from execgym.models.openai_backend import parse_retry_after

PROMPT = [{"role": "user", "content": "say something please"}]


@pytest.fixture(params=["fast", "httpx", "aiohttp"])
def transport(request):
    """Every behaviour is checked on every transport: execgym's asyncio client, httpx and aiohttp's client
    (the one benchmarks/eval.py compares it with; skipped where aiohttp is not installed)."""
    if request.param == "aiohttp":
        pytest.importorskip("aiohttp")
    return request.param


def fast_model(server, transport, **kw):
    opts = {"base_url": server.base_url, "backoff_base": 0.01, "backoff_max": 0.05, "timeout": 5.0,
            "transport": transport}
    opts.update(kw)
    return load_model("openai:test-model", **opts)


def test_basic_completion_usage_and_request_body(openai_server, monkeypatch, transport):
    monkeypatch.setenv("EXECGYM_TEST_KEY", "sk-loopback")
    openai_server.state.responder = lambda body: "four words right here"
    model = fast_model(openai_server, transport, api_key_env="EXECGYM_TEST_KEY")
    params = SamplingParams(n=2, temperature=0.7, top_p=0.9, max_tokens=33, seed=5, stop=("END",))
    out = model.generate([PROMPT, PROMPT], params)
    assert len(out) == 2 and all(len(row) == 2 for row in out)
    c = out[0][0]
    assert c.text == "four words right here"
    assert c.prompt_tokens == 3 and c.completion_tokens == 4  # 8 completion tokens split over 2 choices
    assert c.latency_s > 0
    assert model.usage.requests == 2 and model.usage.completion_tokens == 16 and model.usage.prompt_tokens == 6
    req = openai_server.state.requests[0]
    assert req["auth"] == "Bearer sk-loopback"
    body = req["body"]
    assert body["model"] == "test-model" and body["messages"] == PROMPT
    assert body["n"] == 2 and body["temperature"] == 0.7 and body["top_p"] == 0.9
    assert body["max_tokens"] == 33 and body["seed"] == 5 and body["stop"] == ["END"]


def test_stop_strings_cut_the_text(openai_server, transport):
    openai_server.state.responder = lambda body: "keep this STOP drop this"
    out = fast_model(openai_server, transport).generate([PROMPT], SamplingParams(stop=("STOP",)))
    assert out[0][0].text == "keep this " and out[0][0].finish_reason == "stop"


def test_retries_on_500_then_succeeds(openai_server, transport):
    openai_server.state.script = [("status", 500), ("status", 503)]
    model = fast_model(openai_server, transport)
    out = model.generate([PROMPT], SamplingParams())
    assert out[0][0].text == "ok"
    assert len(openai_server.state.requests) == 3
    assert model.usage.retries == 2 and model.usage.failures == 0


def test_429_honours_retry_after(openai_server, transport):
    openai_server.state.script = [("status", 429, "1")]
    model = fast_model(openai_server, transport)
    started = time.monotonic()
    out = model.generate([PROMPT], SamplingParams())
    waited = openai_server.state.requests[1]["time"] - openai_server.state.requests[0]["time"]
    assert out[0][0].text == "ok"
    assert waited >= 0.95, f"retried after {waited:.3f}s, Retry-After said 1s"
    assert time.monotonic() - started < 5


def test_gives_up_after_max_retries_with_a_clear_error(openai_server, transport):
    openai_server.state.script = [("status", 500)] * 10
    model = fast_model(openai_server, transport, max_retries=2)
    with pytest.raises(ModelError, match="gave up after 3 attempts.*HTTP 500"):
        model.generate([PROMPT], SamplingParams())
    assert len(openai_server.state.requests) == 3
    assert model.usage.failures == 1


def test_client_errors_are_not_retried(openai_server, transport):
    openai_server.state.script = [("status", 400)]
    model = fast_model(openai_server, transport)
    with pytest.raises(ModelError, match="HTTP 400"):
        model.generate([PROMPT], SamplingParams())
    assert len(openai_server.state.requests) == 1


def test_timeout_then_retry(openai_server, transport):
    openai_server.state.script = [("sleep", 1.5)]
    model = fast_model(openai_server, transport, timeout=0.3)
    started = time.monotonic()
    out = model.generate([PROMPT], SamplingParams())
    assert out[0][0].text == "ok"
    assert len(openai_server.state.requests) == 2
    assert model.usage.retries == 1
    assert time.monotonic() - started < 1.4  # did not wait for the slow answer


def test_malformed_body_is_retried(openai_server, transport):
    openai_server.state.script = [("garbage",)]
    model = fast_model(openai_server, transport)
    assert model.generate([PROMPT], SamplingParams())[0][0].text == "ok"
    assert len(openai_server.state.requests) == 2


def test_concurrency_limit_is_respected(openai_server, transport):
    active = {"now": 0, "peak": 0}
    import threading

    lock = threading.Lock()

    def responder(body):
        with lock:
            active["now"] += 1
            active["peak"] = max(active["peak"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1
        return "ok"

    openai_server.state.responder = responder
    model = fast_model(openai_server, transport, concurrency=3)
    out = model.generate([PROMPT] * 12, SamplingParams())
    assert len(out) == 12
    assert active["peak"] <= 3
    assert active["peak"] >= 2  # requests really overlapped


def test_generate_works_inside_a_running_loop(openai_server, transport):
    model = fast_model(openai_server, transport)

    async def inside():
        return model.generate([PROMPT], SamplingParams())

    assert asyncio.run(inside())[0][0].text == "ok"


def test_parse_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_transport_choice():
    assert load_model("openai:m", base_url="http://127.0.0.1:1/v1").transport == "fast"
    assert load_model("openai:m", base_url="https://api.example.com/v1").transport == "httpx"
    with pytest.raises(ValueError):
        load_model("openai:m", base_url="https://api.example.com/v1", transport="fast")


def test_chunked_and_connection_close_responses(openai_server):
    """The fast client against a raw socket server sending chunked bodies and closing connections."""
    import socket
    import threading

    body = b'{"choices": [{"index": 0, "message": {"content": "chunky"}, "finish_reason": "stop"}], "usage": {}}'
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]

    def serve():
        for i in range(2):
            conn, _ = sock.accept()
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(next(ln.split(b":")[1] for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")))
            while len(rest) < length:
                rest += conn.recv(65536)
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[j:j + 10]), body[j:j + 10]) for j in range(0, len(body), 10))
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    model = load_model("openai:m", base_url=f"http://127.0.0.1:{port}/v1", transport="fast")
    out = model.generate([PROMPT, PROMPT], SamplingParams())
    assert [row[0].text for row in out] == ["chunky", "chunky"]
    thread.join(timeout=5)
    sock.close()


def test_load_model_rejects_bad_names_and_options():
    with pytest.raises(ValueError):
        load_model("nonsense")
    with pytest.raises(ValueError):
        load_model("openai:")
    with pytest.raises(TypeError):
        load_model("openai:x", no_such_option=1)
