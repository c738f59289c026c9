"""A loopback server that speaks the part of GitHub's gists API that ``petri gists`` uses.

``/users/{user}/gists`` pages (``per_page`` gists a page) with ``Link`` headers, ``/gists/{id}``
with each file's ``content``, raw file addresses, ETags answered by ``304 Not Modified`` (which,
as on GitHub, costs no request of the limit and repeats no ``Link``), and lower-case
``x-ratelimit-*`` headers per token (``Authorization: token X`` or ``Bearer X``; ``""`` is the
anonymous caller). A token in ``bad_tokens`` gets 401; a token at 0 gets 403 with the reset.
Scripted steps (``fail``, ``cut``, ``hang``, ``redirect``) are played one per request before
anything else. Every request is recorded with its headers. The server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Step:
    """What the server does with one request, ahead of its normal answer."""

    kind: str  # fail | cut | hang | redirect
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def fail(status: int, headers: dict[str, str] | None = None) -> Step:
    return Step("fail", status, headers or {})


def cut() -> Step:
    """The connection closed with no answer."""
    return Step("cut")


def hang(delay_s: float) -> Step:
    """No answer for ``delay_s`` seconds, then the connection closed."""
    return Step("hang", delay_s=delay_s)


def redirect(location: str) -> Step:
    return Step("redirect", 302, {"Location": location})


@dataclass
class Gists:
    """The server's data, script and record."""

    base: str
    users: dict[str, list[str]] = field(default_factory=dict)  # user -> gist ids, in order
    gists: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    per_page: int = 2
    limits: dict[str, int] = field(default_factory=dict)  # token -> remaining requests
    reset: int = 2_000_000_000
    bad_tokens: set[str] = field(default_factory=set)
    script: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        user: str,
        gist: str,
        files: dict[str, bytes],
        *,
        raw_on: Gists | None = None,
        inline: bool = False,
    ) -> None:
        """A gist of ``files``; their raw bytes served by ``raw_on`` (default: this server).
        ``inline`` puts each file's content in the listing too, as ``/gists/{id}`` does."""
        host = raw_on or self
        entry: dict[str, Any] = {"id": gist, "files": {}}
        for name, data in files.items():
            path = f"/raw/{gist}/{hashlib.sha256(name.encode()).hexdigest()[:12]}"
            host.raw[path] = data
            language = "Python" if name.endswith(".py") else "Markdown"
            meta = {"filename": name, "raw_url": host.base + path, "size": len(data)}
            meta["language"] = language
            if inline:
                meta.update(content=data.decode("utf-8", "replace"), truncated=False)
            entry["files"][name] = meta
        self.gists[gist] = entry
        self.users.setdefault(user, []).append(gist)

    def paths(self, prefix: str = "/") -> list[str]:
        return [r["path"] for r in self.requests if r["path"].startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        g = self.server.gists
        g.requests.append({"path": self.path, "headers": dict(self.headers.items())})
        if g.script:
            self._play(g.script.popleft())
            return
        token = (self.headers.get("Authorization") or "").partition(" ")[2]
        if token in g.bad_tokens:
            self._send(401, {"message": "Bad credentials"}, {})
            return
        limit = self._limit(token)
        if limit and limit["x-ratelimit-remaining"] == "0":
            self._send(403, {"message": "API rate limit exceeded"}, limit)
            return
        found = self._body()
        if found is None:
            self._send(404, {"message": "Not Found"}, self._spend(token, limit))
            return
        data, headers = found
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {**limit, "ETag": etag})  # costs nothing, as on GitHub
            return
        self._send(200, data, {**headers, **self._spend(token, limit), "ETag": etag})

    def _play(self, step: Step) -> None:
        if step.kind in ("cut", "hang"):
            time.sleep(step.delay_s)
            self.close_connection = True
            self.connection.close()
            return
        self._send(step.status, {"message": "scripted"}, step.headers)

    def _limit(self, token: str) -> dict[str, str]:
        g = self.server.gists
        if token not in g.limits:
            return {}
        return {"x-ratelimit-remaining": str(g.limits[token]), "x-ratelimit-reset": str(g.reset)}

    def _spend(self, token: str, limit: dict[str, str]) -> dict[str, str]:
        if not limit:
            return {}
        self.server.gists.limits[token] -= 1
        return {**limit, "x-ratelimit-remaining": str(self.server.gists.limits[token])}

    def _body(self) -> tuple[bytes, dict[str, str]] | None:
        g = self.server.gists
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if path in g.raw:
            return g.raw[path], {"Content-Type": "text/plain; charset=utf-8"}
        if len(parts) == 2 and parts[0] == "gists" and parts[1] in g.gists:
            return json.dumps(_whole(g, parts[1])).encode(), {"Content-Type": "application/json"}
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "gists" and parts[1] in g.users:
            return self._page(path, query, g.users[parts[1]])
        return None

    def _page(self, path: str, query: str, ids: list[str]) -> tuple[bytes, dict[str, str]]:
        g = self.server.gists
        page = int(dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("page", "1"))
        chunk = [g.gists[i] for i in ids[(page - 1) * g.per_page : page * g.per_page]]
        headers = {"Content-Type": "application/json"}
        if page * g.per_page < len(ids):
            nxt = f"{g.base}{path}?per_page=100&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next", <{g.base}{path}?page=1>; rel="first"'
        return json.dumps(chunk).encode(), headers

    def _send(self, status: int, body: bytes | dict[str, Any], headers: dict[str, str]) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and status != 304:
            self.wfile.write(data)


def _whole(g: Gists, gist: str) -> dict[str, Any]:
    """``/gists/{id}``: the listing's entry with every file's content."""
    entry: dict[str, Any] = json.loads(json.dumps(g.gists[gist]))  # a deep copy
    for meta in entry["files"].values():
        data = g.raw.get(meta["raw_url"].removeprefix(g.base), b"")
        meta.update(content=data.decode("utf-8", "replace"), truncated=False)
    return entry


class _Server(ThreadingHTTPServer):
    gists: Gists
    daemon_threads = True


@contextmanager
def gists_server() -> Iterator[Gists]:
    """A fake gists API on a free loopback port, for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gists = Gists(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.gists
    finally:
        server.shutdown()
        server.server_close()
