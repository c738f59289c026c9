"""Retry-After parsing and the waits it drives."""

from __future__ import annotations

import email.utils

import anthropic
import httpx2
import pytest

from fake_servers import Vendor, answer, status
from petri.llm import LlmSettings, Message
from petri.llm.anthropic_backend import SDK_ERRORS
from petri.llm.retry import RetryPolicy, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0),
        ({"retry-after": email.utils.formatdate(NOW - 60, usegmt=True)}, 0.0),
        ({"retry-after": "tomorrow-ish"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def test_retry_after_ms_is_honoured(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(status(429, headers={"retry-after-ms": "300"}), answer("ok"))
    assert openai_vendor.model().complete([Message(role="user", content="hi")]).text == "ok"
    first, second = openai_vendor.server.requests
    assert second.at - first.at >= 0.28


def test_a_bug_is_not_retried_nor_disguised() -> None:
    calls: list[int] = []

    def buggy() -> None:
        calls.append(1)
        raise KeyError("choices")

    with pytest.raises(KeyError):
        RetryPolicy(LlmSettings(backend="anthropic"), SDK_ERRORS).call(buggy)
    assert calls == [1]


def test_stream_error_without_a_body_is_not_retried() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    error = anthropic.APIStatusError("?", response=httpx2.Response(200, request=request), body=None)
    failure = RetryPolicy(LlmSettings(backend="anthropic"), SDK_ERRORS).classify(error)
    assert failure is not None and not failure.retryable and failure.summary == "stream error error"
