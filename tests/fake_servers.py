"""Loopback servers that speak the OpenAI and Anthropic wire protocols, scripted per test.

Each server listens on 127.0.0.1 (a free port) in a daemon thread. A test pushes behaviours
(``answer``, ``malformed``, ``status``, ``rate_limited``, ``hang``, ``cut``, ``stream_error``)
and the server plays one per request, in order; every request is recorded with its arrival
time, headers and body. A request that finds the script empty gets a 400 so that an unscripted
call fails fast and loudly. ``Vendor`` bundles a server with a factory of models aimed at it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from petri.llm import Ledger, LlmSettings, Model, from_settings

KEY_ENV = "PETRI_TEST_LLM_KEY"
KEYS = {"openai": "sk-test-openai-3f9c2a71d0e4", "anthropic": "sk-ant-test-8b1e44c0f2a9"}


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request."""

    kind: str  # answer | malformed | status | hang | cut | stream_error
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay_s: float = 0.0
    input_tokens: int = 11
    output_tokens: int = 7
    usage: bool = True


def answer(
    text: str, input_tokens: int = 11, output_tokens: int = 7, *, usage: bool = True
) -> Behaviour:
    """A normal answer (JSON or SSE, as the request asks) with the given text and usage.

    ``usage=False`` leaves the usage out, as some OpenAI-compatible servers do.
    """
    return Behaviour(
        "answer", text=text, input_tokens=input_tokens, output_tokens=output_tokens, usage=usage
    )


def malformed() -> Behaviour:
    """A 200 whose JSON body is cut off."""
    return Behaviour("malformed")


def status(code: int, body: str = "", headers: dict[str, str] | None = None) -> Behaviour:
    """An error status with a vendor-shaped error body (or ``body`` verbatim)."""
    return Behaviour("status", status=code, body=body, headers=headers or {})


def rate_limited(retry_after: str = "1") -> Behaviour:
    """A 429 with ``Retry-After``."""
    return status(429, headers={"Retry-After": retry_after})


def hang(seconds: float) -> Behaviour:
    """Say nothing for ``seconds`` (longer than the client's timeout), then answer."""
    return Behaviour("hang", text="too late", delay_s=seconds)


def cut() -> Behaviour:
    """A streamed answer whose connection closes after its first events."""
    return Behaviour("cut", text="a cut answer that never ends")


def stream_error(kind: str = "overloaded_error") -> Behaviour:
    """A streamed answer that carries an error event of type ``kind`` after it started."""
    return Behaviour("stream_error", text=kind)


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    raw: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class Reply:
    """What goes back: a status, headers and either a body or a list of SSE events."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    events: list[str] | None = None


def _sse(data: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n"


def _pieces(text: str) -> list[str]:
    """The text in a few pieces, so that streaming really assembles parts."""
    size = max(1, len(text) // 3)
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeServer:
    """Base of both vendors' servers: the script, the recording and the HTTP plumbing."""

    path = ""

    def __init__(self) -> None:
        self.script: deque[Behaviour] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def root(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The base URL a client is configured with."""
        return self.root

    def push(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.script.extend(behaviours)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()  # releases hanging handlers at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def handle(self, request: Recorded) -> Reply:
        """Record ``request`` and play the next behaviour of the script."""
        if request.path != self.path:
            return Reply(404, self.error_body(404))
        with self._lock:
            self.requests.append(request)
            behaviour = self.script.popleft() if self.script else None
        if behaviour is None:
            return Reply(400, '{"error": {"message": "unscripted request"}}')
        if behaviour.kind == "hang":
            self._stop.wait(behaviour.delay_s)
        model = request.json.get("model", "")
        if behaviour.kind == "status":
            body = behaviour.body or self.error_body(behaviour.status)
            return Reply(behaviour.status, body, behaviour.headers)
        if behaviour.kind == "malformed":
            return Reply(200, '{"id": "x", "choices": [')
        if behaviour.kind == "stream_error":
            return Reply(200, events=list(self.error_events(behaviour, model)))
        if behaviour.kind == "cut":
            return Reply(200, events=list(self.answer_events(behaviour, model))[:3])
        if request.json.get("stream"):
            return Reply(200, events=list(self.answer_events(behaviour, model)))
        return Reply(200, json.dumps(self.answer_body(behaviour, model)))

    # Vendor hooks
    def error_body(self, code: int) -> str:
        raise NotImplementedError

    def answer_body(self, behaviour: Behaviour, model: str) -> dict[str, Any]:
        raise NotImplementedError

    def answer_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        raise NotImplementedError

    def error_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        raise NotImplementedError


class OpenAIServer(FakeServer):
    """``POST /v1/chat/completions``, JSON or ``stream: true`` SSE with a final usage chunk."""

    path = "/v1/chat/completions"

    @property
    def url(self) -> str:
        return self.root + "/v1"

    def error_body(self, code: int) -> str:
        return json.dumps(
            {"error": {"message": f"fake error {code}", "type": "fake", "code": None}}
        )

    @staticmethod
    def _usage(behaviour: Behaviour) -> dict[str, int] | None:
        if not behaviour.usage:
            return None
        return {
            "prompt_tokens": behaviour.input_tokens,
            "completion_tokens": behaviour.output_tokens,
            "total_tokens": behaviour.input_tokens + behaviour.output_tokens,
        }

    def answer_body(self, behaviour: Behaviour, model: str) -> dict[str, Any]:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": behaviour.text},
            "finish_reason": "stop",
        }
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "choices": [choice],
            "usage": self._usage(behaviour),
        }

    def answer_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model}
        first = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        yield _sse({**base, "choices": [first]})
        for piece in _pieces(behaviour.text):
            choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            yield _sse({**base, "choices": [choice]})
        last = {"index": 0, "delta": {}, "finish_reason": "stop"}
        yield _sse({**base, "choices": [last]})
        if behaviour.usage:
            yield _sse({**base, "choices": [], "usage": self._usage(behaviour)})
        yield _sse("[DONE]")

    def error_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        yield from list(self.answer_events(answer("partial"), model))[:2]
        yield _sse({"error": {"message": f"fake {behaviour.text}", "type": behaviour.text}})


class AnthropicServer(FakeServer):
    """``POST /v1/messages``, JSON or the SSE event sequence of the Messages API."""

    path = "/v1/messages"

    def error_body(self, code: int) -> str:
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(code, "api_error")
        return json.dumps({"type": "error", "error": {"type": kind, "message": f"fake {code}"}})

    def answer_body(self, behaviour: Behaviour, model: str) -> dict[str, Any]:
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": behaviour.text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": behaviour.input_tokens,
                "output_tokens": behaviour.output_tokens,
            },
        }

    def answer_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        start = self.answer_body(behaviour, model)
        start.update(content=[], stop_reason=None)
        start["usage"] = {"input_tokens": behaviour.input_tokens, "output_tokens": 1}
        yield _sse({"type": "message_start", "message": start}, "message_start")
        block = {"type": "text", "text": ""}
        yield _sse(
            {"type": "content_block_start", "index": 0, "content_block": block},
            "content_block_start",
        )
        yield _sse({"type": "ping"}, "ping")
        for piece in _pieces(behaviour.text):
            delta = {"type": "text_delta", "text": piece}
            yield _sse(
                {"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta"
            )
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        end = {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            # Cumulative usage; the API now restates the input tokens here too.
            "usage": {
                "input_tokens": behaviour.input_tokens,
                "output_tokens": behaviour.output_tokens,
            },
        }
        yield _sse(end, "message_delta")
        yield _sse({"type": "message_stop"}, "message_stop")

    def error_events(self, behaviour: Behaviour, model: str) -> Iterator[str]:
        yield from list(self.answer_events(answer("partial"), model))[:3]
        error = {"type": "error", "error": {"type": behaviour.text, "message": "fake"}}
        yield _sse(error, "error")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = Recorded(self.path, dict(self.headers.items()), raw, time.monotonic())
        reply = self.server.fake.handle(request)  # type: ignore[attr-defined]
        # A client that timed out has gone: writing to it fails, as a hang test expects.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.events is None:
            data = reply.body.encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        else:
            # No length: the stream ends when the connection closes, as SSE servers do.
            data = "".join(reply.events).encode()
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


SERVERS: dict[str, type[FakeServer]] = {"openai": OpenAIServer, "anthropic": AnthropicServer}


@dataclass
class Vendor:
    """One backend under test: its name, its fake server and a factory of models aimed at it."""

    name: str
    server: FakeServer
    key: str
    monkeypatch: pytest.MonkeyPatch

    def settings(self, **overrides: Any) -> LlmSettings:
        fields: dict[str, Any] = {
            "backend": self.name,
            "model": "test-model",
            "base_url": self.server.url,
            "api_key_env": KEY_ENV,
            "timeout_s": 2.0,
            "max_retries": 2,
            "backoff_s": 0.05,
            "price_input_per_mtok": 3.0,
            "price_output_per_mtok": 15.0,
        }
        fields.update(overrides)
        return LlmSettings(**fields)

    def model(self, ledger: Ledger | None = None, **overrides: Any) -> Model:
        self.monkeypatch.setenv(KEY_ENV, self.key)
        return from_settings(self.settings(**overrides), ledger)
