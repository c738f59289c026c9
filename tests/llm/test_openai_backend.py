"""What is particular to the OpenAI backend: request shape and compatible servers' quirks."""

from __future__ import annotations

import logging

import pytest

from fake_servers import Vendor, answer, stream_error
from petri.errors import ModelError
from petri.llm import Message
from petri.llm.openai_backend import uses_completion_tokens

ASK = [Message(role="system", content="be brief"), Message(role="user", content="say hi")]


def test_request_shape(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(answer("a"), answer("b"))
    model = openai_vendor.model(temperature=0.2)
    model.complete(ASK)
    model.complete(ASK, stream=True)
    plain, streamed = (r.json for r in openai_vendor.server.requests)
    assert plain["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "say hi"},
    ]
    assert plain["temperature"] == 0.2
    assert plain["max_tokens"] == 4096 and "max_completion_tokens" not in plain
    assert streamed["stream"] is True
    assert streamed["stream_options"] == {"include_usage": True}


def test_temperature_left_to_the_model_by_default(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(answer("a"))
    openai_vendor.model().complete(ASK)
    assert "temperature" not in openai_vendor.server.requests[0].json


@pytest.mark.parametrize(
    ("base_url", "new_name"),
    [
        (None, True),
        ("https://api.openai.com/v1", True),
        ("http://127.0.0.1:8000/v1", False),
        ("http://localhost:11434/v1", False),
    ],
)
def test_token_limit_name(base_url: str | None, new_name: bool) -> None:
    assert uses_completion_tokens(base_url) is new_name


@pytest.mark.parametrize("stream", [False, True])
def test_server_without_usage_warns_once(
    openai_vendor: Vendor, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    openai_vendor.server.push(answer("a", usage=False), answer("b", usage=False))
    model = openai_vendor.model()
    with caplog.at_level(logging.WARNING, logger="petri.llm"):
        first = model.complete(ASK, stream=stream)
        model.complete(ASK, stream=stream)
    assert first.text == "a" and first.usage.total_tokens == 0
    assert [r.getMessage() for r in caplog.records].count(
        f"{model!r} reports no token usage; budgets cannot count it"
    ) == 1


def test_error_event_mid_stream_fails_without_retry(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(stream_error("server_error"))
    with pytest.raises(ModelError, match=r"failed \(fake server_error\); see the vendor's message"):
        openai_vendor.model().complete(ASK, stream=True)
    assert len(openai_vendor.server.requests) == 1
