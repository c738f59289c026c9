"""A loopback server that speaks the part of GitHub's REST API that ``petri gists`` uses.

``/users/{user}/gists`` pages with ``Link`` headers, raw file addresses, ETags answered by
``304 Not Modified``, ``X-RateLimit-*`` headers per token, and scripted failures played one per
request (``fail``: a status with headers, or ``cut``: the connection closed). Every request is
recorded with its headers. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gists:
    """The server's data and script."""

    users: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    per_page: int = 2
    limits: dict[str, int] = field(default_factory=dict)  # token -> remaining requests
    reset: int = 2_000_000_000
    bad_tokens: set[str] = field(default_factory=set)
    script: deque[tuple[str, int, dict[str, str]]] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""

    def add(self, user: str, gist: str, files: dict[str, bytes]) -> None:
        entry: dict[str, Any] = {"id": gist, "files": {}}
        for name, data in files.items():
            url = f"{self.base}/raw/{gist}/{name}"
            self.raw[f"/raw/{gist}/{name}"] = data
            language = "Python" if name.endswith(".py") else "Text"
            entry["files"][name] = {
                "filename": name, "raw_url": url, "size": len(data), "language": language,
            }  # fmt: skip
        self.users.setdefault(user, []).append(entry)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        g = self.server.gists
        g.requests.append({"path": self.path, "headers": dict(self.headers.items())})
        if g.script:
            kind, status, headers = g.script.popleft()
            if kind == "cut":
                self.close_connection = True
                self.connection.close()
                return
            self._send(status, b"{}", headers)
            return
        token = (self.headers.get("Authorization") or "").split(" ")[-1]
        if token in g.bad_tokens:
            self._send(401, b'{"message": "Bad credentials"}', {})
            return
        limit = self._limit(token)
        if limit is not None and int(limit["X-RateLimit-Remaining"]) < 0:
            self._send(403, b'{"message": "rate limited"}', {**limit, "X-RateLimit-Remaining": "0"})
            return
        body = self._body()
        if body is None:
            self._send(404, b'{"message": "Not Found"}', limit or {})
            return
        data, headers = body
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        headers = {**headers, **(limit or {}), "ETag": etag}
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", headers)
            return
        self._send(200, data, headers)

    def _limit(self, token: str) -> dict[str, str] | None:
        g = self.server.gists
        if token not in g.limits:
            return None
        g.limits[token] -= 1
        return {"X-RateLimit-Remaining": str(g.limits[token]), "X-RateLimit-Reset": str(g.reset)}

    def _body(self) -> tuple[bytes, dict[str, str]] | None:
        g = self.server.gists
        path, _, query = self.path.partition("?")
        if path in g.raw:
            return g.raw[path], {"Content-Type": "text/plain"}
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "gists" and parts[1] in g.users:
            page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
            gists = g.users[parts[1]]
            chunk = gists[(page - 1) * g.per_page : page * g.per_page]
            headers = {"Content-Type": "application/json"}
            if page * g.per_page < len(gists):
                nxt = f"{g.base}{path}?per_page=100&page={page + 1}"
                headers["Link"] = f'<{nxt}>; rel="next", <{g.base}{path}>; rel="first"'
            return json.dumps(chunk).encode(), headers
        return None

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    gists: Gists
    daemon_threads = True


@contextmanager
def gists_server() -> Iterator[Gists]:
    """A fake gists API on a free loopback port, for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gists = Gists(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.gists
    finally:
        server.shutdown()
        server.server_close()
