"""Length-prefixed JSON frames: round trips, and refusal of anything malformed."""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from petri.sandbox import framing
from petri.sandbox.framing import FrameBuffer, FrameError, decode, encode, read_frame, write_frame

MESSAGES: list[dict[str, Any]] = [
    {"ev": "start", "i": 0, "nonce": "abc"},
    {"text": "naïve ☃ \u0000 \n", "nested": {"list": [1, 2.5, None, True]}},
    {},
]


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        with contextlib.suppress(OSError):
            os.close(fd)


def header(size: int) -> bytes:
    return struct.pack(">I", size)


def test_round_trip_through_a_pipe(pipe: tuple[int, int]) -> None:
    r, w = pipe
    for message in MESSAGES:
        write_frame(w, message)
    os.close(w)
    assert [read_frame(r) for _ in MESSAGES] == MESSAGES
    assert read_frame(r) is None  # clean EOF between frames


def test_frame_is_a_big_endian_length_and_json() -> None:
    frame = encode({"a": 1})
    assert frame[:4] == header(len(frame) - 4)
    assert decode(frame[4:]) == {"a": 1}


def test_encoding_refuses_an_oversized_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "MAX_FRAME", 64)
    encode({"x": "y" * 40})
    with pytest.raises(FrameError, match="exceeds"):
        encode({"x": "y" * 100})


def test_encoding_refuses_nan() -> None:
    with pytest.raises(ValueError):
        encode({"x": float("nan")})


def test_reading_refuses_an_oversized_header(pipe: tuple[int, int]) -> None:
    r, w = pipe
    os.write(w, header(framing.MAX_FRAME + 1))  # no body follows: must not wait for one
    with pytest.raises(FrameError, match="exceeds"):
        read_frame(r)


@pytest.mark.parametrize(
    "data",
    [header(10) + b'{"a":', header(10), b"\x00\x00"],
    ids=["short-body", "header-only", "short-header"],
)
def test_a_truncated_stream_is_an_error(pipe: tuple[int, int], data: bytes) -> None:
    r, w = pipe
    os.write(w, data)
    os.close(w)
    with pytest.raises(FrameError, match="ended inside a frame"):
        read_frame(r)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\xfd",
        b"[1, 2]",
        b'"a string"',
        b"42",
        b'{"a":1}{"b":2}',
        b' {"a":1}',
        b'{"a":1} ',
    ],
    ids=["text", "not-utf8", "list", "string", "number", "two-objects", "lead-space", "trail"],
)
def test_garbage_bodies_are_refused(pipe: tuple[int, int], body: bytes) -> None:
    r, w = pipe
    os.write(w, header(len(body)) + body)
    with pytest.raises(FrameError):
        read_frame(r)
    with pytest.raises(FrameError):
        FrameBuffer().feed(header(len(body)) + body)


def test_buffer_decodes_frames_split_at_every_byte() -> None:
    stream = b"".join(encode(m) for m in MESSAGES)
    for cut in range(len(stream) + 1):
        buffer = FrameBuffer()
        frames = buffer.feed(stream[:cut]) + buffer.feed(stream[cut:])
        assert frames == MESSAGES, cut
        assert buffer.pending == 0


def test_buffer_fed_one_byte_at_a_time() -> None:
    stream = b"".join(encode(m) for m in MESSAGES)
    buffer = FrameBuffer()
    frames = []
    for i in range(len(stream)):
        frames += buffer.feed(stream[i : i + 1])
    assert frames == MESSAGES


def test_buffer_keeps_an_incomplete_frame_pending() -> None:
    frame = encode({"ev": "done"})
    buffer = FrameBuffer()
    assert buffer.feed(frame + frame[:6]) == [{"ev": "done"}]
    assert buffer.pending == 6
    assert buffer.feed(frame[6:]) == [{"ev": "done"}]
    assert buffer.pending == 0


def test_buffer_refuses_an_oversized_header_before_its_body() -> None:
    buffer = FrameBuffer()
    assert buffer.feed(header(framing.MAX_FRAME + 1)[:2]) == []
    with pytest.raises(FrameError, match="exceeds"):
        buffer.feed(header(framing.MAX_FRAME + 1)[2:])
