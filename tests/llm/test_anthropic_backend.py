"""What is particular to the Anthropic backend: system prompt, turns, stream error events."""

from __future__ import annotations

import pytest

from fake_servers import Vendor, answer, stream_error
from petri.errors import ModelError
from petri.llm import Message
from petri.llm.anthropic_backend import to_anthropic


def test_system_prompt_and_alternating_turns() -> None:
    system, turns = to_anthropic(
        [
            Message(role="system", content="rule one"),
            Message(role="user", content="first"),
            Message(role="user", content="second"),
            Message(role="system", content="rule two"),
            Message(role="assistant", content="reply"),
            Message(role="user", content="third"),
        ]
    )
    assert system == "rule one\n\nrule two"
    assert turns == [
        {"role": "user", "content": "first\n\nsecond"},
        {"role": "assistant", "content": "reply"},
        {"role": "user", "content": "third"},
    ]


def test_request_shape(anthropic_vendor: Vendor) -> None:
    anthropic_vendor.server.push(answer("a"), answer("b"))
    anthropic_vendor.model(temperature=0.7).complete(
        [Message(role="system", content="be brief"), Message(role="user", content="hi")]
    )
    anthropic_vendor.model().complete([Message(role="user", content="hi")])
    with_system, without = (r.json for r in anthropic_vendor.server.requests)
    assert with_system["system"] == "be brief"
    assert with_system["messages"] == [{"role": "user", "content": "hi"}]
    assert with_system["temperature"] == 0.7 and with_system["max_tokens"] == 4096
    assert "system" not in without and "temperature" not in without


def test_overloaded_event_mid_stream_is_retried(anthropic_vendor: Vendor) -> None:
    anthropic_vendor.server.push(stream_error("overloaded_error"), answer("whole"))
    completion = anthropic_vendor.model().complete(
        [Message(role="user", content="hi")], stream=True
    )
    assert completion.text == "whole"
    assert len(anthropic_vendor.server.requests) == 2


def test_other_error_event_mid_stream_is_not(anthropic_vendor: Vendor) -> None:
    anthropic_vendor.server.push(stream_error("invalid_request_error"))
    with pytest.raises(ModelError, match="stream error invalid_request_error"):
        anthropic_vendor.model().complete([Message(role="user", content="hi")], stream=True)
    assert len(anthropic_vendor.server.requests) == 1
