"""Length-prefixed JSON frames between the host, the jailed worker and its candidate children.

Grandchildren inherit pipes, so a reader can never wait for EOF to know a message is complete:
every message is a 4-byte big-endian length and that many bytes of UTF-8 JSON. Nothing a
candidate wrote is ever unpickled; frames larger than ``MAX_FRAME`` are refused.
"""

from __future__ import annotations

import json
import os
import struct

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from typing import Any

MAX_FRAME = 8 * 1024 * 1024
_HEADER = struct.Struct(">I")
# One encoder and one decoder for every frame: json.dumps and json.loads build or look up
# theirs per call, and a candidate's child pays for each object it creates (see sandbox.child).
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_DECODER = json.JSONDecoder()


class FrameError(Exception):
    """The byte stream is not a valid sequence of frames (corrupt, forged or oversized)."""


def encode(message: dict[str, Any]) -> bytes:
    body = _ENCODER.encode(message).encode()
    if len(body) > MAX_FRAME:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return _HEADER.pack(len(body)) + body


def write_frame(fd: int, message: dict[str, Any]) -> None:
    """Write one whole frame to a blocking file descriptor."""
    write_all(fd, encode(message))


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a blocking descriptor (a pipe may take it in parts)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int) -> dict[str, Any] | None:
    """Read one frame from a blocking descriptor; ``None`` at a clean EOF between frames."""
    header = _read_exact(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise FrameError(f"frame of {size} bytes exceeds {MAX_FRAME}")
    body = _read_exact(fd, size)
    if body is None:
        raise FrameError("stream ended inside a frame")
    return decode(body)


def decode(body: bytes) -> dict[str, Any]:
    """One frame's JSON object. Frames are written compact: a body with anything around its
    object (even white space) is refused."""
    try:
        text = body.decode("utf-8")
        message, end = _DECODER.raw_decode(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameError(f"frame is not JSON: {exc}") from exc
    if end != len(text):
        raise FrameError("frame holds more than one JSON value")
    if not isinstance(message, dict):
        raise FrameError("frame is not a JSON object")
    return message


class FrameBuffer:
    """Incremental decoder for a non-blocking reader: feed bytes, take whole frames."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buf += data
        frames: list[dict[str, Any]] = []
        while len(self._buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buf)
            if size > MAX_FRAME:
                raise FrameError(f"frame of {size} bytes exceeds {MAX_FRAME}")
            end = _HEADER.size + size
            if len(self._buf) < end:
                break
            frames.append(decode(bytes(self._buf[_HEADER.size : end])))
            del self._buf[:end]
        return frames

    @property
    def pending(self) -> int:
        return len(self._buf)


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks: list[bytes] = []
    got = 0
    while got < n:
        chunk = os.read(fd, n - got)
        if not chunk:
            if got == 0:
                return None
            raise FrameError("stream ended inside a frame")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
