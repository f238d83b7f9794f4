"""Shared fixtures: a real OpenAI-compatible chat-completions server on loopback (evaluation and synth tests).

``openai_server`` starts ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a thread.
Its behaviour is scripted per test through ``server.state``:
- ``responder(body) -> str``: the assistant text for a request (default: "ok");
- ``script``: a list consumed one entry per request before answering normally, each entry one of
  ``("status", code)``, ``("status", code, retry_after_header)``, ``("sleep", seconds)``, ``("garbage",)``;
- ``requests``: every request body received (with its arrival time and headers).
Token usage is counted as whitespace-separated words (prompt: all message contents; completion: text).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class ServerState:
    responder: Callable[[dict], str] = lambda body: "ok"
    script: list[tuple] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_action(self) -> tuple | None:
        with self.lock:
            return self.script.pop(0) if self.script else None


def words(text: str) -> int:
    return len(text.split())


def make_handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                self.close_connection = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with state.lock:
                state.requests.append({"body": body, "time": time.monotonic(), "path": self.path,
                                       "auth": self.headers.get("Authorization")})
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            action = state.next_action()
            if action is not None:
                if action[0] == "status":
                    headers = {"Retry-After": str(action[2])} if len(action) > 2 else {}
                    self._send(action[1], {"error": {"message": f"scripted {action[1]}"}}, headers)
                    return
                if action[0] == "sleep":
                    time.sleep(action[1])
                if action[0] == "garbage":
                    self._send(200, b"not json at all")
                    return
            n = int(body.get("n", 1))
            text = state.responder(body)
            prompt_words = sum(words(m.get("content", "")) for m in body.get("messages", []))
            self._send(200, {
                "id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model"),
                "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                            for i in range(n)],
                "usage": {"prompt_tokens": prompt_words, "completion_tokens": words(text) * n,
                          "total_tokens": prompt_words + words(text) * n},
            })

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # the default backlog (5) resets connections under 64 concurrent clients
    daemon_threads = True


class LoopbackServer:
    def __init__(self) -> None:
        self.state = ServerState()
        self.httpd = _Server(("127.0.0.1", 0), make_handler(self.state))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def openai_server():
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()


def last_user(body: dict) -> str:
    users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


# -- the suite must leave no sandbox work root behind ---------------------------------------------

def _work_roots() -> set[str]:
    """``execgym-work-<pid>-<start>-*`` directories in the system temporary directory."""
    from execgym.engine import cleanup

    parent = tempfile.gettempdir()
    try:
        names = os.listdir(parent)
    except OSError:
        return set()
    return {os.path.join(parent, n) for n in names if cleanup.work_dir_owner(n) is not None}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_WORK_ROOTS_AT_START] = _work_roots()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if it left a work root: new ones owned by this process or by a dead one
    (a caller the suite started), once every pool has been closed."""
    from execgym.engine import cleanup, pool

    pool._close_default()
    for worker in list(pool.LIVE_WORKERS):  # pools a test left open: closed as at exit
        worker.close()
    before = session.config.stash.get(_WORK_ROOTS_AT_START, set())
    deadline = time.monotonic() + 10
    while True:
        left = []
        for path in sorted(_work_roots() - before):
            pid, ticks = cleanup.work_dir_owner(os.path.basename(path))
            if pid == os.getpid() or not cleanup.owner_alive(pid, ticks):
                left.append(path)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the test suite left {len(left)} sandbox work root(s) behind: {', '.join(left)}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_WORK_ROOTS_AT_START = pytest.StashKey[set]()
