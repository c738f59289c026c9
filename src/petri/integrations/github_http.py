"""GET requests to GitHub's REST API that respect its limits: a token pool (``github_tokens``),
conditional requests, backoff and a circuit breaker.

- **Conditional requests**: each URL's ETag and body are kept in a JSON cache; the next request
  sends ``If-None-Match`` and a ``304 Not Modified`` (which GitHub does not count against the
  limit) reuses the cached body and ``Link`` header (a 304 need not repeat it).
- **Backoff**: 5xx answers, dropped connections and secondary rate limits (403/429 with
  ``Retry-After``) are retried with exponential backoff and full jitter (tenacity); a spent or
  refused token is retried at once with the next one.
- **Circuit breaker** (``petri.runtime.breaker``): only outages (5xx, no connection) count, so a
  service that keeps failing fails fast while rate limits and 404s leave it closed.
- Tokens go only to the API's own origin (scheme, host, port) and never across a redirect;
  only http(s) addresses are opened (no ``file:``), always with a timeout.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from petri.integrations.github_tokens import TOKENS_ENV, GitHubError, Slot, TokenPool
from petri.runtime.breaker import CircuitBreaker, CircuitOpenError
from petri.runtime.store.files import write_atomic

log = logging.getLogger("petri.integrations.github")


class NotFound(GitHubError):
    """GitHub answered 404 (the caller knows what was missing and rewrites the message)."""


class _Retry(Exception):
    """A failure worth another attempt; ``after`` is the least wait, ``backoff`` adds jitter."""

    def __init__(self, why: str, *, after: float = 0.0, backoff: bool = True) -> None:
        super().__init__(why)
        self.after = after
        self.backoff = backoff


class _Outage(_Retry):
    """The service is not answering properly (5xx, no connection): counts for the breaker."""


@dataclass
class Stats:
    """What the client did."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _opener() -> urllib.request.OpenerDirector:
    """http(s) only: the default opener would also read ``file:`` addresses a server names."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


class GitHubClient:
    """GET bytes from GitHub with the token pool, the ETag cache, backoff and the breaker.

    ``clock`` is wall time (GitHub's resets are Unix times); ``sleep`` and ``rng`` drive the
    waits, so tests inject them and never sleep.
    """

    def __init__(
        self,
        api: str,
        pool: TokenPool,
        cache: Path,
        *,
        timeout_s: float = 20.0,
        attempts: int = 5,
        max_wait_s: float = 900.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.api = api.rstrip("/")
        self.pool = pool
        self.cache_path = cache
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.breaker = breaker or CircuitBreaker("github", failure_threshold=5, clock=clock)
        self.stats = Stats()
        self.cache = _read_cache(cache)
        self._used: set[str] = set()
        self._opener = _opener()

    def __repr__(self) -> str:
        return f"GitHubClient({self.api!r}, {self.pool!r})"

    def get(self, url: str, *, max_bytes: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The body of ``url`` (absolute, or a path under the API) and the answer's headers,
        their names in lower case. At most ``max_bytes + 1`` bytes are read, so a caller can
        tell a body that is too large without holding all of it."""
        full = url if "://" in url else f"{self.api}{url}"
        if _origin(full)[0] not in ("http", "https"):
            raise GitHubError(f"{full!r} is not an http(s) address; check --api")
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            found: tuple[bytes, dict[str, str]] = retrying(self._guarded, full, max_bytes)
        except _Retry as exc:
            raise GitHubError(
                f"GitHub kept failing on {full} ({exc}) after {self.attempts} attempts;"
                " check --api or try again later"
            ) from None
        return found

    def save_cache(self, *, prune: bool = False) -> None:
        """Write the ETag cache atomically; ``prune`` keeps only the URLs asked for this time."""
        kept = {u: e for u, e in self.cache.items() if u in self._used} if prune else self.cache
        write_atomic(self.cache_path, [json.dumps(kept, sort_keys=True) + "\n"])

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if not isinstance(exc, _Retry):
            return 0.0
        jitter = self.rng.uniform(0, min(60.0, 0.5 * 2**state.attempt_number))
        return max(exc.after, jitter) if exc.backoff else exc.after

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("GitHub: %s; trying again", exc)

    def _guarded(self, url: str, max_bytes: int | None) -> tuple[bytes, dict[str, str]]:
        if not self.breaker.allow():
            raise CircuitOpenError(
                f"GitHub at {self.api} failed {self.breaker.failure_threshold} times in a row;"
                f" petri stopped asking for {self.breaker.reset_timeout_s:g}s: try again later"
            )
        try:
            found = self._once(url, max_bytes)
        except _Outage:
            self.breaker.failure()
            raise
        except (_Retry, GitHubError):
            self.breaker.success()  # it answered: limits and 404s are not an outage
            raise
        self.breaker.success()
        return found

    def _once(self, url: str, max_bytes: int | None) -> tuple[bytes, dict[str, str]]:
        slot = self._slot() if _origin(url) == _origin(self.api) else None
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "petri"}
        cached = self.cache.get(url)
        if cached:
            headers["If-None-Match"] = cached["etag"]
        self.stats.requests += 1
        self._used.add(url)
        request = urllib.request.Request(url, headers=headers)
        for key, value in (self.pool.authorization(slot) if slot else {}).items():
            request.add_unredirected_header(key, value)  # a redirect never carries the token
        try:
            with self._opener.open(request, timeout=self.timeout_s) as answer:
                got = _lower(answer.headers)
                data = answer.read() if max_bytes is None else answer.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            with exc:
                return self._refused(url, slot, exc, cached)
        except (OSError, http.client.HTTPException) as exc:
            raise _Outage(f"connection failed: {getattr(exc, 'reason', exc)}") from None
        if slot:
            self.pool.record(slot, got)
        if "etag" in got and (max_bytes is None or len(data) <= max_bytes):
            body = data.decode("utf-8", "surrogateescape")  # any bytes, back unchanged
            self.cache[url] = {"etag": got["etag"], "body": body, "link": got.get("link", "")}
        return data, got

    def _slot(self) -> Slot:
        slot, wait = self.pool.pick(self.clock())
        if slot is not None:
            return slot
        if wait > self.max_wait_s:
            at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.clock() + wait))
            who = "anonymous requests" if self.pool.anonymous else "every token"
            raise GitHubError(
                f"GitHub's rate limit is spent for {who} until {at} (in {wait / 60:.0f} min);"
                f" wait, or add tokens in {TOKENS_ENV}"
            )
        log.info("GitHub: every token is spent; waiting %.0fs for the reset", wait)
        self.sleep(wait)
        slot, _ = self.pool.pick(self.clock() + wait + 1.0)  # resets are whole seconds
        assert slot is not None  # the earliest reset has passed
        return slot

    def _refused(
        self, url: str, slot: Slot | None, exc: urllib.error.HTTPError, cached: Any
    ) -> tuple[bytes, dict[str, str]]:
        got = _lower(exc.headers)
        if slot:
            self.pool.record(slot, got)
        if exc.code == 304 and cached:
            self.stats.not_modified += 1
            if cached["link"]:  # a 304 need not repeat the paging header
                got.setdefault("link", cached["link"])
            return cached["body"].encode("utf-8", "surrogateescape"), got
        if exc.code == 401 and slot and slot.secret is not None:
            self.pool.drop(slot)
            raise _Retry("a token was refused", backoff=False)
        if exc.code == 429 or (
            exc.code == 403 and ("retry-after" in got or got.get("x-ratelimit-remaining") == "0")
        ):
            raise self._limited(exc.code, got)
        if exc.code >= 500:
            raise _Outage(f"server error {exc.code}")
        if exc.code == 404:
            raise NotFound(f"GitHub has nothing at {url} (404): check the address")
        raise GitHubError(f"GitHub answered {exc.code} for {url}: check the token and address")

    def _limited(self, code: int, got: Mapping[str, str]) -> _Retry:
        if "retry-after" not in got and got.get("x-ratelimit-remaining") == "0":
            return _Retry(f"rate limit spent ({code})", backoff=False)  # the pool waits or rotates
        after = _seconds(got.get("retry-after"))
        if after > self.max_wait_s:
            raise GitHubError(
                f"GitHub asks petri to wait {after:.0f}s ({code}, secondary rate limit);"
                " try again later"
            )
        return _Retry(f"rate limited ({code})", after=after)


def _seconds(text: str | None) -> float:
    """Retry-After in seconds; GitHub's advice is a minute when it gives none (or a date)."""
    try:
        return max(0.0, float(text)) if text else 60.0
    except ValueError:
        return 60.0


def _lower(headers: Message | None) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers else {}


def _read_cache(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        url: {"etag": entry["etag"], "body": entry["body"], "link": str(entry.get("link", ""))}
        for url, entry in data.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("etag"), str)
        and isinstance(entry.get("body"), str)
    }


def next_link(headers: Mapping[str, str]) -> str | None:
    """The ``rel="next"`` address of a paged answer's ``Link`` header, if any."""
    for part in headers.get("link", "").split(","):
        pieces = part.split(";")
        if len(pieces) > 1 and any(p.strip() == 'rel="next"' for p in pieces[1:]):
            return pieces[0].strip().strip("<>")
    return None
