"""Wire format between the caller's pool and a fork-server worker (both ends trusted code).

Request  (caller -> worker): ``u32 length`` + JSON ``{"sandbox": {...limits}, "request": {...}}``;
         ``request`` is handed unchanged to ``execgym.engine.child.execute`` in the child.
Response (worker -> caller): ``u32 header_len, u32 frame_len, u32 stdout_len`` + header JSON +
         the child's raw result-frame bytes + the child's raw stdout bytes (already capped).
Hello    (worker -> caller, once at start): a response whose header has ``"hello": true`` and the
         isolation layers the worker enabled.
The server forwards ``{"sandbox", "request"}`` to its pre-forked child as ``u32 length`` +
``marshal`` bytes (both ends are execgym's own code). All integers are big-endian. The frame bytes are produced by the untrusted child: the caller
parses them with ``json.loads`` only (never ``pickle``) and treats any defect as a verdict.
"""

from __future__ import annotations

import json
import os
import struct

REQUEST_HEAD = struct.Struct("!I")
RESPONSE_HEAD = struct.Struct("!III")
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from a blocking fd; ``EOFError`` if it closes first."""
    if n == 0:
        return b""
    chunk = os.read(fd, n)
    if len(chunk) == n:
        return chunk
    parts = [chunk]
    got = len(chunk)
    while got < n:
        if not chunk:
            raise EOFError("peer closed the pipe")
        chunk = os.read(fd, n - got)
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def encode_request(payload: dict) -> bytes:
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return REQUEST_HEAD.pack(len(body)) + body


def encode_response(header: dict, frame: bytes = b"", stdout: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return RESPONSE_HEAD.pack(len(head), len(frame), len(stdout)) + head + frame + stdout


def decode_response(data: bytes) -> tuple[dict, bytes, bytes]:
    hl, fl, sl = RESPONSE_HEAD.unpack_from(data)
    pos = RESPONSE_HEAD.size
    header = json.loads(data[pos:pos + hl])
    pos += hl
    frame = data[pos:pos + fl]
    pos += fl
    return header, frame, data[pos:pos + sl]
