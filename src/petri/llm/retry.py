"""Our retries around a vendor SDK call (the SDKs' own are switched off with ``max_retries=0``).

Retried: 429, 5xx, timeouts, lost connections, a malformed response body, a stream cut before
its end, and the retryable error events a stream can carry mid-answer (``overloaded_error``).
Never another 4xx: the same request would be refused again. The wait honours
``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date) when the server sends one, else
exponential backoff with full jitter; both are capped. After the last attempt the SDK's
exception becomes a one-line ``ModelError`` naming the status and the fix; the text is redacted
and never includes headers.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_random_exponential as _jittered

from petri.errors import ModelError
from petri.llm.keys import redact
from petri.llm.settings import LlmSettings

__all__ = ["Failure", "RetryPolicy", "SdkErrors", "StreamCut", "parse_retry_after"]

R = TypeVar("R")
log = logging.getLogger(__name__)

# Error types a vendor may send inside a 200 stream; the same request can succeed later.
_RETRYABLE_EVENTS = frozenset(
    {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}
)


class StreamCut(ConnectionError):
    """A streamed answer ended without its last event: the connection dropped mid-answer."""


@dataclass(frozen=True)
class SdkErrors:
    """The exception classes of one vendor SDK (both are generated from the same template)."""

    base: type[Exception]  # everything the SDK raises on purpose
    status: type[Exception]  # has .status_code, .response (.headers), .body, .message
    timeout: type[Exception]
    connection: type[Exception]  # the SDKs' base of timeout
    transport: tuple[type[Exception], ...] = ()  # raw transport errors a stream may leak


@dataclass(frozen=True)
class Failure:
    """What went wrong with one attempt, in words, and whether to try again."""

    retryable: bool
    summary: str
    hint: str
    retry_after: float | None = None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait that ``retry-after-ms`` or ``Retry-After`` asks for; None without one."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryPolicy:
    """Runs a call with our retries and translates the SDK's failure into ``ModelError``."""

    def __init__(self, settings: LlmSettings, errors: SdkErrors, *, cap_s: float = 30.0) -> None:
        self.settings = settings
        self.errors = errors
        self.cap_s = cap_s

    def call(self, fn: Callable[[], R]) -> R:
        """``fn()``, retried on transient failures; ``ModelError`` once retries are spent."""
        retrying = Retrying(
            retry=retry_if_exception(self._retryable),
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=self._wait,
            before_sleep=self._log,
            reraise=True,
        )
        attempts = 0

        def attempt() -> R:
            nonlocal attempts
            attempts += 1
            return fn()

        try:
            return retrying(attempt)
        except Exception as exc:
            failure = self.classify(exc)
            if failure is None:
                raise
            tries = f" after {attempts} attempts" if attempts > 1 else ""
            label = f"{self.settings.backend} model {self.settings.model_name!r}"
            message = f"{label}: {failure.summary}{tries}; {failure.hint}"
            raise ModelError(redact(message)) from exc

    def classify(self, exc: BaseException) -> Failure | None:
        """The failure ``exc`` stands for; None when it is not a vendor failure (a bug)."""
        errors = self.errors
        if isinstance(exc, errors.status):
            return self._status_failure(exc)
        if isinstance(exc, errors.timeout):
            return Failure(
                True,
                f"timed out after {self.settings.timeout_s:g} s",
                "raise llm.timeout_s or check that the endpoint answers",
            )
        if isinstance(exc, (errors.connection, *errors.transport)):
            where = self.settings.base_url or "the vendor's API"
            return Failure(
                True, f"cannot reach {where}", "check llm.base_url and the network connection"
            )
        if isinstance(exc, StreamCut):
            return Failure(
                True, "the answer stream ended early", "check the endpoint or the proxy before it"
            )
        if isinstance(exc, json.JSONDecodeError):
            return Failure(
                True,
                "the server sent a malformed response body",
                "check that llm.base_url points at the vendor's API or a compatible one",
            )
        if isinstance(exc, errors.base):  # e.g. an error event in an OpenAI stream
            return Failure(False, f"failed ({_detail(exc)})", "see the vendor's message")
        return None

    def _status_failure(self, exc: Any) -> Failure:
        code: int = exc.status_code
        if code < 400:  # an error event inside a streamed answer
            kind = _event_type(getattr(exc, "body", None))
            return Failure(kind in _RETRYABLE_EVENTS, f"stream error {kind}", "try again later")
        retry_after = parse_retry_after(exc.response.headers)
        if code == 429:
            hint = "lower the number of workers or raise llm.max_retries"
            return Failure(True, "rate limited (429)", hint, retry_after)
        if code >= 500:
            return Failure(True, f"server error {code}", "the service is failing; try later")
        if code in (401, 403):
            key_file = self.settings.key_file
            where = str(key_file) if key_file else f"${self.settings.key_env}"
            return Failure(False, f"refused the key ({code})", f"check the key in {where}")
        if code == 404:
            return Failure(False, "not found (404)", "check llm.model and llm.base_url")
        return Failure(False, f"refused the request ({code}: {_detail(exc)})", "fix the request")

    def _retryable(self, exc: BaseException) -> bool:
        failure = self.classify(exc)
        return failure is not None and failure.retryable

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        failure = self.classify(exc) if exc is not None else None
        if failure is not None and failure.retry_after is not None:
            return min(failure.retry_after, self.cap_s)
        jittered = _jittered(multiplier=self.settings.backoff_s, max=self.cap_s)
        return float(jittered(state))

    def _log(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        failure = self.classify(exc) if exc is not None else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: %s; retry %d of %d in %.1f s",
            self.settings.backend,
            failure.summary if failure else "failed",
            state.attempt_number,
            self.settings.max_retries,
            wait,
        )


def _detail(exc: BaseException) -> str:
    """The vendor's message on one line, short (redacted with the rest of the message)."""
    return " ".join(str(getattr(exc, "message", exc)).split())[:200]


def _event_type(body: object) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return "error"
