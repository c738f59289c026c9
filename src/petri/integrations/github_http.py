"""GET requests to GitHub's REST API that respect its limits: a token pool, conditional
requests, backoff and a circuit breaker.

- **Tokens** rotate round robin. Every answer's ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset`` are recorded for the token that got it; a spent token is skipped until
  its reset; when all are spent the client waits for the earliest reset (up to ``max_wait_s``)
  or says when to come back. A token GitHub refuses (401) leaves the pool. A token is never
  printed: errors and logs name it by its position in the pool.
- **Conditional requests**: each URL's ETag and body are kept in a JSON cache; the next request
  sends ``If-None-Match`` and a ``304 Not Modified`` (which GitHub does not count against the
  limit) reuses the cached body.
- **Backoff**: 5xx answers, dropped connections and secondary rate limits (403/429 with
  ``Retry-After``) are retried with exponential backoff and full jitter (tenacity).
- **Circuit breaker** (``petri.runtime.breaker``): after repeated failures, calls fail fast
  until the service has had time to recover.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from petri.errors import PetriError
from petri.runtime.breaker import CircuitBreaker
from petri.runtime.store.files import write_atomic

log = logging.getLogger("petri.integrations.github")


class GitHubError(PetriError):
    """GitHub answered something petri cannot use; the message says what to do."""


class _Transient(Exception):
    """A failure worth retrying (5xx, a dropped connection, a secondary rate limit)."""

    def __init__(self, why: str, retry_after: float = 0.0) -> None:
        super().__init__(why)
        self.retry_after = retry_after


@dataclass
class _Token:
    secret: str
    remaining: int | None = None
    reset: float = 0.0


@dataclass
class TokenPool:
    """Tokens in turn, each with the limit GitHub last reported for it."""

    tokens: list[_Token] = field(default_factory=list)
    turn: int = 0

    @classmethod
    def of(cls, secrets: list[str]) -> TokenPool:
        return cls([_Token(s) for s in secrets if s.strip()])

    def __repr__(self) -> str:  # never the secrets
        return f"TokenPool({len(self.tokens)} token(s))"

    def pick(self, now: float) -> tuple[int | None, float]:
        """The next usable token's position (None: anonymous, when the pool is empty) and, when
        every token is spent, how long until the earliest reset."""
        if not self.tokens:
            return None, 0.0
        n = len(self.tokens)
        for step in range(n):
            i = (self.turn + step) % n
            token = self.tokens[i]
            if token.remaining is None or token.remaining > 0 or token.reset <= now:
                self.turn = (i + 1) % n
                return i, 0.0
        return None, min(t.reset for t in self.tokens) - now

    def header(self, index: int | None) -> dict[str, str]:
        return {} if index is None else {"Authorization": f"token {self.tokens[index].secret}"}

    def record(self, index: int | None, headers: Mapping[str, str]) -> None:
        if index is None:
            return
        token = self.tokens[index]
        if "X-RateLimit-Remaining" in headers:
            token.remaining = int(headers["X-RateLimit-Remaining"])
        if "X-RateLimit-Reset" in headers:
            token.reset = float(headers["X-RateLimit-Reset"])

    def drop(self, index: int) -> None:
        log.warning("GitHub refused token %d of the pool (401); it is left out", index + 1)
        del self.tokens[index]
        self.turn = 0


@dataclass
class Stats:
    """What the client did."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0


class GitHubClient:
    """GET JSON or text from GitHub with the pool, the ETag cache, backoff and the breaker."""

    def __init__(
        self,
        api: str,
        pool: TokenPool,
        cache: Path,
        *,
        timeout_s: float = 20.0,
        attempts: int = 4,
        max_wait_s: float = 900.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
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
        self.breaker = breaker or CircuitBreaker(
            "github", failure_threshold=5, failure_types=(_Transient,), clock=clock
        )
        self.stats = Stats()
        self.cache: dict[str, dict[str, Any]] = _read_cache(cache)

    def get(self, url: str) -> tuple[str, dict[str, str]]:
        """The body of ``url`` (absolute, or a path under the API) and the answer's headers."""
        full = url if url.startswith("http") else f"{self.api}{url}"
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            found: tuple[str, dict[str, str]] = retrying(
                self.breaker.call, lambda: self._once(full)
            )
            return found
        except _Transient as exc:
            raise GitHubError(f"GitHub kept failing on {full}: {exc}; try again later") from None

    def save_cache(self) -> None:
        write_atomic(self.cache_path, [json.dumps(self.cache, sort_keys=True) + "\n"])

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = exc.retry_after if isinstance(exc, _Transient) else 0.0
        return max(after, wait_random_exponential(multiplier=0.5, max=30)(state))

    def _count_retry(self, _: RetryCallState) -> None:
        self.stats.retries += 1

    def _once(self, url: str) -> tuple[str, dict[str, str]]:
        index = self._token()
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "petri"}
        headers.update(self.pool.header(index))
        cached = self.cache.get(url)
        if cached:
            headers["If-None-Match"] = str(cached["etag"])
        request = urllib.request.Request(url, headers=headers)
        self.stats.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                got = dict(answer.headers.items())
                body = answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return self._refused(url, index, exc, cached)
        except (urllib.error.URLError, OSError) as exc:
            raise _Transient(f"connection failed ({_reason(exc)})") from None
        self.pool.record(index, got)
        if "ETag" in got:
            self.cache[url] = {"etag": got["ETag"], "body": body}
        return body, got

    def _token(self) -> int | None:
        index, wait = self.pool.pick(self.clock())
        if index is not None or not self.pool.tokens:
            return index
        if wait > self.max_wait_s:
            at = time.strftime("%H:%M UTC", time.gmtime(self.clock() + wait))
            raise GitHubError(
                f"every GitHub token is out of requests until {at}; wait or add tokens "
                "(PETRI_GITHUB_TOKENS, comma-separated)"
            )
        self.sleep(max(0.0, wait))
        return self.pool.pick(self.clock() + max(0.0, wait))[0]

    def _refused(
        self,
        url: str,
        index: int | None,
        exc: urllib.error.HTTPError,
        cached: dict[str, Any] | None,
    ) -> tuple[str, dict[str, str]]:
        got = dict(exc.headers.items()) if exc.headers else {}
        self.pool.record(index, got)
        if exc.code == 304 and cached is not None:
            self.stats.not_modified += 1
            return str(cached["body"]), got
        if exc.code == 401 and index is not None:
            self.pool.drop(index)
            raise _Transient("a token was refused; trying the next")
        if exc.code in (403, 429) and (
            "Retry-After" in got or got.get("X-RateLimit-Remaining") == "0"
        ):
            after = float(got.get("Retry-After", 0) or 0)
            raise _Transient(f"rate limited ({exc.code})", after)
        if exc.code >= 500:
            raise _Transient(f"server error {exc.code}")
        if exc.code == 404:
            raise GitHubError(f"GitHub has nothing at {url} (404): check the user name")
        raise GitHubError(f"GitHub answered {exc.code} for {url}; check the request")


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc)


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def next_link(headers: Mapping[str, str]) -> str | None:
    """The ``rel="next"`` address of a paged answer's ``Link`` header, if any."""
    for part in headers.get("Link", "").split(","):
        pieces = part.split(";")
        if len(pieces) > 1 and 'rel="next"' in pieces[1]:
            return pieces[0].strip().strip("<>")
    return None
